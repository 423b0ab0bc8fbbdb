#!/usr/bin/env bash
# A database outage under write load, on a private PostgreSQL cluster
# (initdb in a temporary directory, its own port; the shared server at
# 5432 is never touched): `atrium migrate`, then `atrium serve` as the
# service's role; clients write organizations (REST and GraphQL) and read;
# mid-load PostgreSQL stops (pg_ctl -m immediate, a crash; knob), stays down
# a while and starts again, the service NOT restarted. Prints acknowledged
# and lost writes (every acknowledged one is read back at the end), the
# longest answer while the database was down (target under 2 s, 503
# problem+json), readiness during the outage, the time until the service
# serves again, and 5xx other than 503. Exits non-zero when a write is
# lost, an answer took 2 s or more, or a 5xx other than 503 appeared.
#
#   bench/fault.sh                      # builds target/release/atrium first
#   ATRIUM_BIN=path/to/atrium bench/fault.sh
#
# Knobs: BENCH_CLIENTS (16), BENCH_TENANTS (3), BENCH_WARMUP (3 s of load
# before the stop), BENCH_OUTAGE (5 s down), BENCH_STOP_MODE (immediate, or
# fast / smart), BENCH_TIMELINE (a file: every request's send and answer
# times, seconds from the stop, and status). Needs PostgreSQL's server binaries in /usr/lib/postgresql.
set -euo pipefail

clients=${BENCH_CLIENTS:-16}
tenants=${BENCH_TENANTS:-3}
warmup=${BENCH_WARMUP:-3}
outage=${BENCH_OUTAGE:-5}
stop_mode=${BENCH_STOP_MODE:-immediate}

work=$(mktemp -d -t atrium-fault.XXXXXX)
source "$(dirname "$0")/common.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

start_private_postgres
owner_url="postgres://postgres@127.0.0.1:$private_pg/postgres"
DATABASE_URL=$owner_url "$ATRIUM_BIN" migrate
as_postgres "$pg_bin/psql" -q "$owner_url" -c "ALTER ROLE atrium_app LOGIN" >/dev/null
export DATABASE_URL="postgres://atrium_app@127.0.0.1:$private_pg/postgres?sslmode=disable"
start_server "$work/server"

printf -v start_cmd '%q ' runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/postgres.log" \
  -o "-p $private_pg -k $work/pg -c listen_addresses=127.0.0.1" -w start
printf -v stop_cmd '%q ' runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg/data" -m "$stop_mode" -w stop
if [[ $(id -u) != 0 ]]; then start_cmd=${start_cmd#runuser -u postgres -- }; stop_cmd=${stop_cmd#runuser -u postgres -- }; fi

echo "atrium fault, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs; private PostgreSQL $(basename "$(dirname "$pg_bin")") on port $private_pg"
python3 "$traffic" seed --port "$port" --state "$work/tenants.json" --tenants "$tenants" \
  --organizations 1 --courses 5 --users 2 --enrollments 1
status=0
python3 "$traffic" fault --port "$port" --state "$work/tenants.json" --clients "$clients" \
  --warmup "$warmup" --outage "$outage" --mode "$stop_mode" --stop "$stop_cmd" --start "$start_cmd" \
  ${BENCH_TIMELINE:+--timeline "$BENCH_TIMELINE"} || status=$?
kill -0 "$server_pid" 2>/dev/null && echo "postgres  the same atrium process ($server_pid) served throughout"
if grep -q ' ERROR ' "$work/server/server.log"; then
  log "server log errors (first 5):"
  grep ' ERROR ' "$work/server/server.log" | head -n 5 | sed 's/^/#   /' >&2
fi
exit "$status"
