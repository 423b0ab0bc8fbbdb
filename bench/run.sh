#!/usr/bin/env bash
# Throughput and latency of two read endpoints, on SQLite and PostgreSQL.
#
#   bench/run.sh                      # builds target/release/atrium first
#   ATRIUM_BIN=path/to/atrium bench/run.sh
#
# Knobs: BENCH_DURATION (10s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_BACKENDS ("sqlite postgres"), BENCH_PG_OWNER (postgres; a role that
# may create databases on 127.0.0.1:5432 with trust auth).
#
# This prints figures; it is not a test. All traffic goes to 127.0.0.1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-2}
backends=${BENCH_BACKENDS:-sqlite postgres}
pg_owner=${BENCH_PG_OWNER:-postgres}
pg="postgres://${pg_owner}@127.0.0.1:5432"

tenant_host=acme.localhost
operator_email=bench-operator@example.org
operator_password=bench-operator-password
admin_password=admin-password

work=$(mktemp -d -t atrium-bench.XXXXXX)
server_pid=""
bench_db=""

log() { echo "# $*" >&2; }

stop_server() {
  if [[ -n $server_pid ]]; then
    local status=0
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || status=$?
    [[ $status == 0 ]] || log "server exited with status $status after SIGTERM"
    server_pid=""
  fi
}

drop_bench_db() {
  if [[ -n $bench_db ]]; then
    psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" >/dev/null 2>&1 || true
    bench_db=""
  fi
}

cleanup() {
  stop_server
  drop_bench_db
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Only the settings below apply; no atrium.toml or owner URL from outside.
unset ATRIUM_CONFIG ATRIUM_MIGRATION_DATABASE_URL

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- prerequisites ---------------------------------------------------------

if [[ -z ${ATRIUM_BIN:-} ]]; then
  log "building target/release/atrium"
  (cd "$root" && cargo build --release -p atrium --quiet)
  ATRIUM_BIN=$root/target/release/atrium
fi
ATRIUM_BIN=$(realpath "$ATRIUM_BIN")

missing=()
for tool in wrk jq curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1
fi

postgres_reachable() {
  command -v psql >/dev/null && psql -q "$pg/postgres" -Atc 'SELECT 1' >/dev/null 2>&1
}

# ---- one backend -----------------------------------------------------------

# Sets up a database for $1 and exports the DATABASE_URL the server uses.
prepare_database() {
  case $1 in
    sqlite)
      export DATABASE_URL="sqlite://$work/sqlite/atrium.db"
      ;;
    postgres)
      bench_db="atrium_bench_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
      psql -q "$pg/postgres" -c "CREATE DATABASE $bench_db" >/dev/null
      DATABASE_URL="$pg/$bench_db" "$ATRIUM_BIN" migrate
      psql -q "$pg/postgres" -c "ALTER ROLE atrium_app LOGIN" >/dev/null
      # The database is on this machine: no TLS between the two, as with a
      # unix socket or a private network in production.
      export DATABASE_URL="postgres://atrium_app@127.0.0.1:5432/$bench_db?sslmode=disable"
      ;;
  esac
}

token() { # host username password
  curl -fsS "http://127.0.0.1:$port/api/v1/auth/token" -H "Host: $1" \
    -d grant_type=password --data-urlencode "username=$2" --data-urlencode "password=$3" |
    jq -er .access_token
}

# Prints "<status>" of one request, so a wrong setup shows before wrk runs.
status_of() { # path [curl args...]
  local path=$1; shift
  curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path" "$@" || true
}

bench_endpoint() { # backend path [header...]
  local backend=$1 path=$2; shift 2
  local headers=(-H "Host: $tenant_host") h
  for h in "$@"; do headers+=(-H "$h"); done
  local url="http://127.0.0.1:$port$path"

  local status
  status=$(status_of "$path" "${headers[@]}")
  [[ $status == 200 ]] || log "warning: $backend GET $path answered $status before the run"

  wrk -t2 -c"$connections" -d2s "${headers[@]}" "$url" >/dev/null # warm-up
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$here/report.lua" \
    "${headers[@]}" "$url")
  echo "$out" >"$work/wrk-$backend-${path//\//_}.txt"

  local rps p50 p99 total non2xx sockerr
  local result
  result=$(grep '^RESULT ' <<<"$out") || { log "no result from wrk:"; echo "$out" >&2; return 1; }
  read -r _ rps p50 p99 total non2xx sockerr <<<"$result"
  printf '%-9s %-18s %9s req/s   p50 %8s ms   p99 %8s ms   (%s requests, %s non-2xx, %s socket errors)\n' \
    "$backend" "GET $path" "$rps" "$p50" "$p99" "$total" "$non2xx" "$sockerr"
}

run_backend() {
  local backend=$1 dir=$work/$1
  mkdir -p "$dir"
  prepare_database "$backend"

  port=$(free_port)
  export ATRIUM_LISTEN=127.0.0.1:$port ATRIUM_LOG=warn ATRIUM_PLATFORM_DOMAIN=localhost
  export ATRIUM_JWT_KEY_FILE=$dir/keys/jwt-ed25519.pem

  (cd "$dir" && "$ATRIUM_BIN" operator create --email "$operator_email" --password "$operator_password" >/dev/null)
  (cd "$dir" && exec "$ATRIUM_BIN" serve) 2>"$dir/server.log" &
  server_pid=$!

  local i
  for i in $(seq 100); do
    [[ $(status_of /health/ready) == 200 ]] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$dir/server.log" >&2; return 1; }
    sleep 0.2
  done
  [[ $(status_of /health/ready) == 200 ]] || { log "$backend: server not ready"; cat "$dir/server.log" >&2; return 1; }

  local operator_token admin_token
  operator_token=$(token localhost "$operator_email" "$operator_password")
  local provisioned
  provisioned=$(curl -sS -o "$dir/provision.json" -w '%{http_code}' "http://127.0.0.1:$port/api/v1/tenants" -H 'Host: localhost' \
    -H "Authorization: Bearer $operator_token" -H 'Content-Type: application/json' \
    -d '{"slug":"acme","name":"Acme","domain":"'"$tenant_host"'",
         "organization":{"short_name":"ACME","name":"Acme"},
         "admin":{"email":"admin@acme.org","username":"admin","password":"'"$admin_password"'"}}')
  [[ $provisioned == 201 ]] || { log "$backend: provisioning answered $provisioned: $(cat "$dir/provision.json")"; return 1; }
  admin_token=$(token "$tenant_host" admin "$admin_password")

  bench_endpoint "$backend" /api/v1/site
  bench_endpoint "$backend" /api/v1/sites "Authorization: Bearer $admin_token"

  stop_server
  if [[ -s $dir/server.log ]]; then
    log "$backend server log (warnings and errors), $(wc -l <"$dir/server.log") lines; first 20:"
    head -n 20 "$dir/server.log" | sed 's/^/#   /' >&2
  fi
  drop_bench_db
  unset DATABASE_URL
}

# ---- main ------------------------------------------------------------------

cd "$work"

echo "atrium bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo)"
echo "wrk: $threads threads, $connections connections, $duration per endpoint; server: ATRIUM_LOG=warn, default workers and pool"
echo

for backend in $backends; do
  if [[ $backend == postgres ]] && ! postgres_reachable; then
    log "postgres at 127.0.0.1:5432 not reachable as $pg_owner; skipped"
    continue
  fi
  run_backend "$backend"
done
