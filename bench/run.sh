#!/usr/bin/env bash
# Throughput and latency of read endpoints (the site, sites, Studio's
# course list, the catalog, one course), on SQLite and PostgreSQL, and on
# PostgreSQL the database's own figure for a tenant-scoped list of 20
# courses under row-level security (pgbench), for the ratio between them.
#
#   bench/run.sh                      # builds target/release/atrium first
#   ATRIUM_BIN=path/to/atrium bench/run.sh
#
# Knobs: BENCH_DURATION (10s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_ORGANIZATIONS (10) x BENCH_COURSES (20 per organization) seeded,
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
organizations=${BENCH_ORGANIZATIONS:-10}
courses_per_organization=${BENCH_COURSES:-20}
pg_owner=${BENCH_PG_OWNER:-postgres}
pg="postgres://${pg_owner}@127.0.0.1:5432"

tenant_host=acme.localhost
operator_email=bench-operator@example.org
operator_password=bench-operator-password
admin_password=admin-password

work=$(mktemp -d -t atrium-bench.XXXXXX)
server_pid=""
bench_db=""
last_rps=0
studio_rps=0

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
command -v pgbench >/dev/null || log "pgbench not found: the database's own figure is skipped"
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
  last_rps=$rps
  printf '%-9s %-46s %9s req/s   p50 %8s ms   p99 %8s ms   (%s requests, %s non-2xx, %s socket errors)\n' \
    "$backend" "GET $path" "$rps" "$p50" "$p99" "$total" "$non2xx" "$sockerr"
}

# Organizations D0..Dn under the root, each with its courses C0..Cm, in
# one batch per organization.
seed_courses() { # admin token
  local auth="Authorization: Bearer $1" o c status
  for ((o = 0; o < organizations; o++)); do
    status=$(curl -sS -o "$work/seed.json" -w '%{http_code}' "http://127.0.0.1:$port/api/v1/organizations" \
      -H "Host: $tenant_host" -H "$auth" -H 'Content-Type: application/json' \
      -d '{"short_name":"D'"$o"'","name":"Department '"$o"'","parent":"ACME"}')
    [[ $status == 201 ]] || { log "seeding organization D$o answered $status: $(cat "$work/seed.json")"; return 1; }
    local batch="" start
    for ((c = 0; c < courses_per_organization; c++)); do
      start=$(printf '2026-%02d-01T00:00:00Z' $((c % 12 + 1)))
      batch+="${batch:+,}"'{"org":"D'"$o"'","number":"C'"$c"'","run":"2026","display_name":"Course '"$o-$c"'","start":"'"$start"'"}'
    done
    status=$(curl -sS -o "$work/seed.json" -w '%{http_code}' "http://127.0.0.1:$port/api/v1/courses/batch" \
      -H "Host: $tenant_host" -H "$auth" -H 'Content-Type: application/json' -d '{"courses":['"$batch"']}')
    [[ $status == 201 ]] || { log "seeding D$o's courses answered $status: $(cat "$work/seed.json")"; return 1; }
  done
}

# The database's own figure for what Studio's list reads, as the service's
# role under row-level security: one transaction that sets the tenant and
# selects 20 courses, as many as pgbench can run with the same connections.
pgbench_course_list() {
  command -v pgbench >/dev/null || return 0
  local tenant script=$work/course-list.sql out tps
  tenant=$(psql -q "$pg/$bench_db" -Atc "SELECT id FROM tenants WHERE slug = 'acme'")
  cat >"$script" <<SQL
BEGIN READ ONLY;
SET LOCAL atrium.tenant_id = '$tenant';
SELECT * FROM courses WHERE tenant_id = $tenant ORDER BY id LIMIT 21;
COMMIT;
SQL
  out=$(pgbench -n -c "$connections" -j "$threads" -T "${duration%s}" -f "$script" \
    "postgresql://atrium_app@127.0.0.1:5432/$bench_db?sslmode=disable" 2>&1) || { log "pgbench failed: $out"; return 0; }
  tps=$(grep -Eo 'tps = [0-9.]+' <<<"$out" | head -n 1 | cut -d' ' -f3)
  printf '%-9s %-46s %9.1f tx/s    (pgbench, %s connections: BEGIN, SET LOCAL tenant, SELECT 20 courses under RLS, COMMIT)\n' \
    postgres "course list SQL" "$tps" "$connections"
  printf '%-9s %-46s %9s\n' postgres "Studio's list / the database's own" \
    "$(awk -v a="$studio_rps" -v b="$tps" 'BEGIN { printf "%.0f %%", 100 * a / b }')"
}

run_backend() {
  local backend=$1 dir=$work/$1
  mkdir -p "$dir"
  prepare_database "$backend"

  port=$(free_port)
  export ATRIUM_LISTEN=127.0.0.1:$port ATRIUM_LOG=warn ATRIUM_PLATFORM_DOMAIN=localhost
  export ATRIUM_JWT_KEY_FILE=$dir/keys/jwt-ed25519.pem

  (cd "$dir" && ATRIUM_OPERATOR_PASSWORD=$operator_password "$ATRIUM_BIN" operator create --email "$operator_email" >/dev/null)
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

  seed_courses "$admin_token"

  bench_endpoint "$backend" /api/v1/site
  bench_endpoint "$backend" /api/v1/sites "Authorization: Bearer $admin_token"
  bench_endpoint "$backend" "/api/v1/courses?limit=20" "Authorization: Bearer $admin_token"
  studio_rps=$last_rps
  bench_endpoint "$backend" "/api/v1/catalog?limit=20"
  bench_endpoint "$backend" "/api/v1/courses/course-v1:D0+C0+2026" "Authorization: Bearer $admin_token"
  [[ $backend == postgres ]] && pgbench_course_list

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
