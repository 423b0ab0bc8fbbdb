#!/usr/bin/env bash
# SIGTERM under load: keep-alive clients send mixed traffic (both doors,
# reads and writes, logins among them) while the server gets SIGTERM. The
# server keeps serving for `shutdown_drain_secs` (readiness 503), then
# stops accepting and finishes what is in flight. Counted per request:
# answered; cut (sent on an open connection, no answer); refused (no
# connection: never sent, as a client of a stopped replica expects).
# Exits non-zero when a request was cut or the server did not exit 0.
#
#   bench/sigterm.sh                    # builds target/release/atrium first
#   ATRIUM_BIN=path/to/atrium bench/sigterm.sh
#
# Knobs: BENCH_CLIENTS (16), BENCH_WARMUP (3 s of load before the signal),
# BENCH_BACKENDS ("sqlite postgres"), ATRIUM_SHUTDOWN_DRAIN_SECS (2) and
# ATRIUM_SHUTDOWN_GRACE_SECS (10) as the server reads them.
set -euo pipefail

clients=${BENCH_CLIENTS:-16}
warmup=${BENCH_WARMUP:-3}
backends=${BENCH_BACKENDS:-sqlite postgres}

work=$(mktemp -d -t atrium-sigterm.XXXXXX)
source "$(dirname "$0")/common.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

run_backend() {
  local backend=$1 status=0 exit_status=0 signalled exited
  use_database "$backend" || return 1
  # Called after `||`, where `set -e` does not stop a function: each step says so itself.
  start_server "$work/$backend" || return 1
  python3 "$traffic" seed --port "$port" --state "$work/$backend/tenants.json" --tenants 3 || return 1
  signalled=$(date +%s.%N)
  python3 "$traffic" sigterm --port "$port" --state "$work/$backend/tenants.json" --label "$backend" \
    --clients "$clients" --warmup "$warmup" --pid "$server_pid" || status=$?
  wait "$server_pid" || exit_status=$?
  exited=$(date +%s.%N)
  server_pid=""
  echo "$backend  server exited with status $exit_status, $(awk -v a="$signalled" -v b="$exited" -v w="$warmup" \
    'BEGIN { printf "%.1f", b - a - w }') s after SIGTERM"
  drop_shared_database
  unset DATABASE_URL
  [[ $exit_status == 0 ]] || status=1
  return "$status"
}

echo "atrium sigterm, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs; $clients keep-alive clients;" \
  "drain ${ATRIUM_SHUTDOWN_DRAIN_SECS:-2} s, grace ${ATRIUM_SHUTDOWN_GRACE_SECS:-10} s"
failed=0
for backend in $backends; do
  if [[ $backend == postgres ]] && ! shared_postgres_reachable; then
    log "postgres at 127.0.0.1:5432 not reachable as $pg_owner; skipped"
    continue
  fi
  run_backend "$backend" || failed=1
done
exit "$failed"
