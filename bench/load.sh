#!/usr/bin/env bash
# Mixed traffic across tenants and both doors (REST and /graphql), every
# answer checked against the token's tenant: no name or user id of another
# tenant in any body, no 5xx, and the isolation probes (another tenant's
# course with one's own token: 404; another tenant's token: 401) as the
# contract says. Prints totals per backend; exits non-zero on any finding.
#
#   bench/load.sh                       # builds target/release/atrium first
#   ATRIUM_BIN=path/to/atrium BENCH_DURATION=60 bench/load.sh
#
# Knobs: BENCH_DURATION (60, seconds), BENCH_CLIENTS (16 keep-alive client
# threads), BENCH_TENANTS (10), BENCH_BACKENDS ("sqlite postgres"),
# BENCH_PG_OWNER (postgres; may create databases on 127.0.0.1:5432).
# Each tenant is seeded through the API with 3 organizations of 5 courses,
# 10 users and 2 enrollments each; the traffic adds organizations, users
# and enrollments as it runs. All traffic goes to 127.0.0.1.
set -euo pipefail

duration=${BENCH_DURATION:-60}
clients=${BENCH_CLIENTS:-16}
tenants=${BENCH_TENANTS:-10}
backends=${BENCH_BACKENDS:-sqlite postgres}

work=$(mktemp -d -t atrium-load.XXXXXX)
source "$(dirname "$0")/common.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

run_backend() {
  local backend=$1 status=0
  use_database "$backend" || return 1
  # Called after `||`, where `set -e` does not stop a function: each step says so itself.
  start_server "$work/$backend" || return 1
  python3 "$traffic" seed --port "$port" --state "$work/$backend/tenants.json" --tenants "$tenants" || return 1
  python3 "$traffic" load --port "$port" --state "$work/$backend/tenants.json" --label "$backend" \
    --duration "$duration" --clients "$clients" || status=$?
  stop_server
  if grep -q ' ERROR ' "$work/$backend/server.log"; then
    log "$backend server log errors (first 10):"
    grep ' ERROR ' "$work/$backend/server.log" | head -n 10 | sed 's/^/#   /' >&2
  fi
  drop_shared_database
  unset DATABASE_URL
  return "$status"
}

echo "atrium load, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs; $clients clients, $tenants tenants, ${duration} s per backend"
failed=0
for backend in $backends; do
  if [[ $backend == postgres ]] && ! shared_postgres_reachable; then
    log "postgres at 127.0.0.1:5432 not reachable as $pg_owner; skipped"
    continue
  fi
  run_backend "$backend" || failed=1
done
exit "$failed"
