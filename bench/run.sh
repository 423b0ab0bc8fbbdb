#!/usr/bin/env bash
# The benchmark that judges issue 11: what Atrium serves on SQLite and on
# PostgreSQL with many tenants, and how that cost grows with their number.
#
#   bench/run.sh                                  # builds target/release/atrium first
#   ATRIUM_BIN=target/release/atrium bench/run.sh
#   BENCH_DURATION=2s BENCH_SIZES="100 10000" ATRIUM_BIN=… bench/run.sh   # a quick check
#
# Per backend and per size (a number of tenants), with wrk spreading the
# traffic over the measured tenants (Host and token per request,
# bench/traffic.lua):
#   - reads: the public site (GET /api/v1/site), the admin's sites, Studio's
#     list of 20 courses, the catalog's 20, one course by key;
#   - a token grant (password: argon2 makes it CPU-bound, by design);
#   - a write: the tenant's admin enrolls a learner in a course, each
#     request a new enrollment;
#   - on PostgreSQL, pgbench running the list's SQL as the service's role
#     under row-level security (BEGIN, SET LOCAL tenant, SELECT, COMMIT)
#     over the same tenants, and Atrium's list and catalog as a share of it;
#   - the server's peak RSS (VmHWM) for that size.
# One table per backend and size, then the issue's targets beside the
# figures.
#
# Data: BENCH_MEASURED_TENANTS tenants made through the API (provisioning,
# then organizations, courses in batches of up to 100, learner accounts);
# each larger size adds filler tenants in bulk SQL as the database owner
# (bench/seed-filler.sql: copies of the first measured tenant's rows with
# BENCH_FILLER_COURSES courses per organization). With the defaults, 100
# tenants hold 20,000 courses and 10,000 tenants 20,000 + 9,900 x 100 =
# 1,010,000.
#
# Knobs: BENCH_DURATION (10s per endpoint, after BENCH_WARMUP, 2s),
# BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_BACKENDS ("sqlite
# postgres"), BENCH_SIZES ("100 10000"), BENCH_SQLITE_MAX_TENANTS (10000:
# larger SQLite sizes are left out), BENCH_ENDPOINTS (all: site sites
# studio-list catalog course token enroll), BENCH_MEASURED_TENANTS (100),
# BENCH_ORGANIZATIONS (10) x BENCH_COURSES (20 per organization),
# BENCH_LEARNERS (10 per measured tenant), BENCH_FILLER_COURSES (10 per
# organization), BENCH_SEED_JOBS (4 requests at once while seeding),
# BENCH_PG_OWNER (postgres: a role that may create databases on
# 127.0.0.1:5432 with trust auth; the script creates a private database,
# drops it at the end, and changes no server setting).
#
# This prints figures; it is not a test. All traffic goes to 127.0.0.1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

duration=${BENCH_DURATION:-10s}
warmup=${BENCH_WARMUP:-2s}
connections=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-2}
backends=${BENCH_BACKENDS:-sqlite postgres}
read -ra sizes <<<"${BENCH_SIZES:-100 10000}"
sqlite_max_tenants=${BENCH_SQLITE_MAX_TENANTS:-10000}
read -ra modes <<<"${BENCH_ENDPOINTS:-site sites studio-list catalog course token enroll}"
measured=${BENCH_MEASURED_TENANTS:-100}
organizations=${BENCH_ORGANIZATIONS:-10}
courses_per_organization=${BENCH_COURSES:-20}
learners=${BENCH_LEARNERS:-10}
filler_courses=${BENCH_FILLER_COURSES:-10}
seed_jobs=${BENCH_SEED_JOBS:-4}
pg_owner=${BENCH_PG_OWNER:-postgres}
pg="postgres://${pg_owner}@127.0.0.1:5432"

# wrk's default of 2 s would turn the slowest answers (token grants queued
# behind argon2) into socket errors instead of latencies.
wrk_timeout=10s

operator_email=bench-operator@example.org
operator_password=bench-operator-password
admin_password=bench-admin-password

# Targets of issue 11, printed beside the figures.
target_list_share=60     # % of pgbench, Studio's list and the catalog
target_p99_ms=10
target_growth=10         # % of req/s lost from the smallest size to a larger one
target_rss_mib=64

work=$(mktemp -d -t atrium-bench.XXXXXX)
server_pid=""
bench_db=""

log() { echo "# $*" >&2; }
die() { log "$*"; exit 1; }

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

seconds_of() { # wrk duration (10, 10s, 2m) -> seconds
  case $1 in
    *m) echo $((${1%m} * 60)) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}

# Runs `$1 <i>` for i in 1..$2, $seed_jobs at a time; fails if any does.
in_parallel() {
  local job=$1 count=$2 i running=0
  for ((i = 1; i <= count; i++)); do
    "$job" "$i" &
    running=$((running + 1))
    if ((running >= seed_jobs)); then
      wait -n
      running=$((running - 1))
    fi
  done
  while ((running > 0)); do
    wait -n
    running=$((running - 1))
  done
}

# ---- knobs and prerequisites -----------------------------------------------

for knob in connections threads measured organizations courses_per_organization learners \
  filler_courses seed_jobs sqlite_max_tenants; do
  [[ ${!knob} =~ ^[1-9][0-9]*$ ]] || die "not a positive whole number: $knob=${!knob}"
done
for size in "${sizes[@]}"; do
  [[ $size =~ ^[1-9][0-9]*$ ]] || die "not a number of tenants: BENCH_SIZES has $size"
done
((measured <= 999)) || die "BENCH_MEASURED_TENANTS is at most 999 (slugs bench-001…)"
((organizations * courses_per_organization <= 100 * 100)) || die "too many courses per tenant"
((filler_courses <= courses_per_organization)) || die "BENCH_FILLER_COURSES is at most BENCH_COURSES"
mapfile -t sizes < <(printf '%s\n' "${sizes[@]}" | sort -n -u)
((sizes[0] >= measured)) || die "every size holds the $measured measured tenants: BENCH_SIZES=${sizes[*]}"
for mode in "${modes[@]}"; do
  [[ $mode =~ ^(site|sites|studio-list|catalog|course|token|enroll)$ ]] || die "unknown endpoint $mode"
done

if [[ -z ${ATRIUM_BIN:-} ]]; then
  log "building target/release/atrium"
  (cd "$root" && cargo build --release -p atrium --quiet)
  ATRIUM_BIN=$root/target/release/atrium
fi
ATRIUM_BIN=$(realpath "$ATRIUM_BIN")

missing=()
for tool in wrk jq curl sqlite3; do command -v "$tool" >/dev/null || missing+=("$tool"); done
command -v pgbench >/dev/null || log "pgbench not found: the database's own figure is skipped"
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1
fi

postgres_reachable() {
  command -v psql >/dev/null && psql -q "$pg/postgres" -Atc 'SELECT 1' >/dev/null 2>&1
}

# ---- the endpoints ---------------------------------------------------------

declare -A label_of=(
  [site]="GET /api/v1/site"
  [sites]="GET /api/v1/sites"
  [studio-list]="GET /api/v1/courses?limit=20"
  [catalog]="GET /api/v1/catalog?limit=20"
  [course]="GET /api/v1/courses/{key}"
  [token]="POST /api/v1/auth/token (password)"
  [enroll]="POST /api/v1/courses/{key}/enrollments"
)
reads=(site sites studio-list catalog course)

# Figures, by "backend size mode".
declare -A rps p50 p99 non2xx sockerr peak_rss_after pgbench_tps peak_rss rss_before_traffic

# ---- one backend's database ------------------------------------------------

# Sets up a database for $backend and exports the DATABASE_URL the server uses.
prepare_database() {
  case $backend in
    sqlite)
      sqlite_file=$dir/atrium.db
      export DATABASE_URL="sqlite://$sqlite_file"
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

# Runs SQL as the database's owner; prints rows as a|b|c.
owner_sql() {
  case $backend in
    sqlite) sqlite3 -batch -bail -noheader "$sqlite_file" "$1" ;;
    postgres) psql -qAt -v ON_ERROR_STOP=1 "$pg/$bench_db" -c "$1" ;;
  esac
}

# Filler tenants $1..$2 (bench/seed-filler.sql), copies of bench-001.
add_filler_tenants() {
  local first=$1 last=$2 template
  template=$(owner_sql "SELECT id FROM tenants WHERE slug = 'bench-001'")
  if [[ -z ${id_stride:-} ]]; then
    # Above every id the copied tables hold now; fixed for this backend's
    # run, since the copies are what push the ids up afterwards.
    local highest
    highest=$(owner_sql "SELECT max(m) FROM (
      SELECT max(id) AS m FROM tenants UNION ALL SELECT max(id) FROM sites
      UNION ALL SELECT max(id) FROM organizations UNION ALL SELECT max(id) FROM users
      UNION ALL SELECT max(id) FROM role_assignments UNION ALL SELECT max(id) FROM courses) AS ids")
    id_stride=1
    while ((id_stride <= highest)); do id_stride=$((id_stride * 10)); done
  fi
  local -A parameters=([first_filler]=$first [last_filler]=$last [template]=$template
    [id_stride]=$id_stride [courses_per_organization]=$filler_courses)
  local name
  case $backend in
    sqlite)
      {
        for name in "${!parameters[@]}"; do echo ".parameter set :$name ${parameters[$name]}"; done
        echo "BEGIN;"
        cat "$here/seed-filler.sql"
        echo "COMMIT;"
      } | sqlite3 -batch -bail "$sqlite_file"
      ;;
    postgres)
      local variables=()
      for name in "${!parameters[@]}"; do variables+=(-v "$name=${parameters[$name]}"); done
      psql -q -v ON_ERROR_STOP=1 --single-transaction "${variables[@]}" -f "$here/seed-filler.sql" "$pg/$bench_db"
      # The copies took ids the identity sequences have not given out.
      local table
      for table in tenants sites organizations users role_assignments courses; do
        owner_sql "SELECT setval(pg_get_serial_sequence('$table', 'id'), max(id)) FROM $table" >/dev/null
      done
      ;;
  esac
}

# What autovacuum would have done by the time a real platform grew this
# big: statistics and visibility maps that know the rows (PostgreSQL only;
# SQLite runs without ANALYZE, as Atrium runs it).
settle_database() {
  [[ $backend == postgres ]] || return 0
  owner_sql "VACUUM ANALYZE" >/dev/null
}

# One line on what the database holds now.
describe_data() {
  local counts
  counts=$(owner_sql "SELECT
      (SELECT count(*) FROM tenants), (SELECT count(*) FROM organizations),
      (SELECT count(*) FROM courses), (SELECT count(*) FROM users),
      (SELECT count(*) FROM enrollments)")
  IFS='|' read -r tenant_count organization_count course_count user_count enrollment_count <<<"$counts"
  printf '%s tenants, %s organizations, %s courses, %s accounts, %s enrollments' \
    "$tenant_count" "$organization_count" "$course_count" "$user_count" "$enrollment_count"
}

# ---- the server and the API ------------------------------------------------

start_server() { # log file
  (cd "$dir" && exec "$ATRIUM_BIN" serve) 2>"$1" &
  server_pid=$!
  local i
  for i in $(seq 100); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready") == 200 ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$1" >&2; die "$backend: server exited"; }
    sleep 0.2
  done
  cat "$1" >&2
  die "$backend: server not ready"
}

# Sends one request and prints the answer's body; fails, saying why, unless
# the status is the expected one.
call() { # expected-status method path host token [json body]
  local expected=$1 method=$2 path=$3 host=$4 token=$5 body=${6-}
  local args=(-sS -X "$method" -w '\n%{http_code}' -H "Host: $host")
  [[ -z $token ]] || args+=(-H "Authorization: Bearer $token")
  [[ -z $body ]] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
  local answer status
  answer=$(curl "${args[@]}" "http://127.0.0.1:$port$path") || die "$method $path on $host: curl failed"
  status=${answer##*$'\n'}
  answer=${answer%$'\n'*}
  [[ $status == "$expected" ]] || die "$backend: $method $path on $host answered $status, not $expected: $answer"
  printf '%s\n' "$answer"
}

# The server's peak resident memory so far (VmHWM), in MiB.
server_peak_rss() {
  awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"
}

token() { # host username password
  curl -fsS "http://127.0.0.1:$port/api/v1/auth/token" -H "Host: $1" \
    -d grant_type=password --data-urlencode "username=$2" --data-urlencode "password=$3" |
    jq -er .access_token
}

tenant_slug() { printf 'bench-%03d' "$1"; }

# Measured tenant $1 through the API, as an integrator would make it: the
# tenant (operator), its organizations D0…, their courses C0… in batches,
# and learner accounts (no password: an admin makes them). Leaves
# "host learner-ids" in $dir/tenants/$1.
seed_tenant() {
  local i=$1 slug host admin_token
  slug=$(tenant_slug "$i")
  host=$slug.localhost
  call 201 POST /api/v1/tenants localhost "$operator_token" '{"slug":"'"$slug"'","name":"Bench '"$i"'",
    "domain":"'"$host"'","organization":{"short_name":"ROOT","name":"Bench '"$i"'"},
    "admin":{"email":"admin@'"$slug"'.example.org","username":"admin","password":"'"$admin_password"'"}}' >/dev/null
  admin_token=$(token "$host" admin "$admin_password")

  local o c items=() start
  for ((o = 0; o < organizations; o++)); do
    call 201 POST /api/v1/organizations "$host" "$admin_token" \
      '{"short_name":"D'"$o"'","name":"Department '"$o"'","parent":"ROOT"}' >/dev/null
    for ((c = 0; c < courses_per_organization; c++)); do
      start=$(printf '2026-%02d-01T00:00:00Z' $((c % 12 + 1)))
      items+=('{"org":"D'"$o"'","number":"C'"$c"'","run":"2026","display_name":"Course '"$o-$c"'","start":"'"$start"'"}')
      if ((${#items[@]} == 100)); then
        call 201 POST /api/v1/courses/batch "$host" "$admin_token" "{\"courses\":[$(IFS=,; echo "${items[*]}")]}" >/dev/null
        items=()
      fi
    done
  done
  if ((${#items[@]})); then
    call 201 POST /api/v1/courses/batch "$host" "$admin_token" "{\"courses\":[$(IFS=,; echo "${items[*]}")]}" >/dev/null
  fi

  local l ids=()
  for ((l = 1; l <= learners; l++)); do
    ids+=("$(call 201 POST /api/v1/users "$host" "$admin_token" \
      '{"email":"learner'"$l"'@'"$slug"'.example.org","username":"learner'"$l"'","name":"Learner '"$l"'"}' | jq -er .id)")
  done
  echo "$host $(IFS=,; echo "${ids[*]}")" >"$dir/tenants/$i"
}

# A fresh admin token for measured tenant $1 (access tokens live 15 minutes).
grant_token() {
  local host
  read -r host _ <"$dir/tenants/$1"
  token "$host" admin "$admin_password" >"$dir/tokens/$1"
}

# wrk's targets: "host token learner-ids" per measured tenant.
write_targets() {
  mkdir -p "$dir/tokens"
  in_parallel grant_token "$measured"
  local i host ids
  for ((i = 1; i <= measured; i++)); do
    read -r host ids <"$dir/tenants/$i"
    echo "$host $(cat "$dir/tokens/$i") $ids"
  done >"$targets"
}

# ---- measuring -------------------------------------------------------------

run_wrk() { # duration mode output-file
  wrk -t"$threads" -c"$connections" -d"$1" --timeout "$wrk_timeout" --latency -s "$here/traffic.lua" \
    "http://127.0.0.1:$port" -- "$2" "$targets" "$organizations" "$courses_per_organization" \
    "$threads" "$next_pair" "$admin_password" >"$3" 2>&1 || { cat "$3" >&2; die "wrk failed"; }
  grep -q '^RESULT ' "$3" || { cat "$3" >&2; die "no result from wrk"; }
  if [[ $2 == enroll ]]; then
    next_pair=$(awk -v last="$next_pair" '/^NEXT_PAIR / { last = $2 } END { print last }' "$3")
    ((next_pair <= pair_capacity)) ||
      log "warning: $next_pair enrollments asked for, $pair_capacity (tenant, course, learner) pairs exist: raise BENCH_LEARNERS"
  fi
}

# What the first measured tenant answers to a request like $1's, when a run
# saw errors.
show_one_answer() {
  local mode=$1 host token path method=GET data=()
  read -r host token _ <"$targets"
  case $mode in
    site) path=/api/v1/site ;;
    sites) path=/api/v1/sites ;;
    studio-list) path="/api/v1/courses?limit=20" ;;
    catalog) path="/api/v1/catalog?limit=20" ;;
    course) path="/api/v1/courses/course-v1:D0+C0+2026" ;;
    token) path=/api/v1/auth/token method=POST data=(-d grant_type=password -d username=admin -d "password=$admin_password") ;;
    enroll) log "  (enrollments: see the server log)"; return 0 ;;
  esac
  log "  one $method $path on $host now answers: $(curl -sS -X "$method" "http://127.0.0.1:$port$path" \
    -H "Host: $host" -H "Authorization: Bearer $token" "${data[@]}" -w ' (%{http_code})' | head -c 400)"
}

# Says what failed in a wrk run ($1: its output), if anything did.
explain_failures() { # output-file mode
  local errors
  read -r _ _ _ _ _ errors _ < <(grep '^RESULT ' "$1")
  ((errors == 0)) && return 0
  log "warning: $backend $size ${label_of[$2]}: $errors non-2xx answers ($(basename "$1"))"
  if grep -q '^FAILURES ' "$1"; then
    grep '^FAILURES ' "$1" | sed 's/^/#   /' >&2
  else
    show_one_answer "$2"
  fi
}

bench_endpoint() { # mode
  local mode=$1 key="$backend $size $1" out=$dir/wrk-$size-$1.txt
  # Password grants have nothing to warm, and a warm-up would leave its
  # queued hashes to slow the measured run's start.
  if [[ $mode != token ]]; then
    run_wrk "$warmup" "$mode" "$out.warmup"
    explain_failures "$out.warmup" "$mode"
  fi

  run_wrk "$duration" "$mode" "$out"
  local requests_per_second median tail requests errors socket_errors
  read -r _ requests_per_second median tail requests errors socket_errors < <(grep '^RESULT ' "$out")
  ((requests > 0)) || log "warning: $backend $size ${label_of[$mode]}: no answer within $duration"
  rps[$key]=$requests_per_second p50[$key]=$median p99[$key]=$tail
  non2xx[$key]=$errors sockerr[$key]=$socket_errors peak_rss_after[$key]=$(server_peak_rss)
  log "$backend $size ${label_of[$mode]}: $requests_per_second req/s, p99 $tail ms, $errors non-2xx"
  explain_failures "$out" "$mode"
}

# The database's own figure for what Studio's list reads, as the service's
# role under row-level security: one transaction that sets a measured
# tenant and selects its first 20 courses, as many as pgbench can run with
# the same connections.
pgbench_course_list() {
  command -v pgbench >/dev/null || return 0
  local first last count script=$dir/course-list.sql out
  IFS='|' read -r first last count <<<"$(owner_sql "SELECT min(id), max(id), count(*) FROM tenants WHERE slug LIKE 'bench-%'")"
  ((last - first + 1 == count)) || die "the measured tenants' ids are not one range: $first..$last for $count"
  cat >"$script" <<'SQL'
\set tenant random(:first_tenant, :last_tenant)
BEGIN READ ONLY;
SET LOCAL atrium.tenant_id = :tenant;
SELECT * FROM courses WHERE tenant_id = :tenant ORDER BY id LIMIT 21;
COMMIT;
SQL
  out=$(pgbench -n -c "$connections" -j "$threads" -T "$(seconds_of "$duration")" \
    -D first_tenant="$first" -D last_tenant="$last" -f "$script" \
    "postgresql://atrium_app@127.0.0.1:5432/$bench_db?sslmode=disable" 2>&1) || die "pgbench failed: $out"
  pgbench_tps["$backend $size"]=$(grep -Eo 'tps = [0-9.]+' <<<"$out" | head -n 1 | awk '{ printf "%.1f", $3 }')
  log "$backend $size pgbench: ${pgbench_tps["$backend $size"]} tx/s"
}

# ---- output ----------------------------------------------------------------

mark() { # condition-as-awk-expression -> "yes" or "NO"
  awk "BEGIN { print (($1) ? \"yes\" : \"NO\") }"
}

share_of_pgbench() { # mode -> "NN %" or "-"
  local tps=${pgbench_tps["$backend $size"]:-}
  if [[ $backend == postgres && -n $tps && ($1 == studio-list || $1 == catalog) ]]; then
    awk -v a="${rps["$backend $size $1"]}" -v b="$tps" 'BEGIN { printf "%.0f %%", 100 * a / b }'
  else
    echo -
  fi
}

print_size_table() { # data description
  echo "== $backend, $size tenants =="
  echo "data before the runs: $1"
  printf '%-42s %10s %9s %9s %8s %9s %10s %8s %9s\n' endpoint req/s "p50 ms" "p99 ms" non-2xx "sock err" \
    "/ pgbench" "p99<=${target_p99_ms}" "RSS MiB"
  local mode key
  for mode in "${modes[@]}"; do
    key="$backend $size $mode"
    printf '%-42s %10s %9s %9s %8s %9s %10s %8s %9s\n' "${label_of[$mode]}" "${rps[$key]}" "${p50[$key]}" \
      "${p99[$key]}" "${non2xx[$key]}" "${sockerr[$key]}" "$(share_of_pgbench "$mode")" \
      "$(mark "${rps[$key]} > 0 && ${p99[$key]} <= $target_p99_ms")" "${peak_rss_after[$key]}"
  done
  if [[ -n ${pgbench_tps["$backend $size"]:-} ]]; then
    printf '%-42s %10s   (BEGIN READ ONLY; SET LOCAL tenant; 20 courses under RLS; COMMIT; %s connections over %s tenants)\n' \
      "pgbench, the list's SQL" "${pgbench_tps["$backend $size"]}" "$connections" "$measured"
  fi
  printf 'server peak RSS (VmHWM): %s MiB (target <= %s MiB: %s); %s MiB before the traffic (after %s token grants, %s at once); the RSS column is the peak after each endpoint\n\n' \
    "${peak_rss["$backend $size"]}" "$target_rss_mib" "$(mark "${peak_rss["$backend $size"]} <= $target_rss_mib")" \
    "${rss_before_traffic["$backend $size"]}" "$measured" "$seed_jobs"
}

print_targets() {
  echo "== issue 11's targets =="
  local backend size mode key tps first

  echo "Studio's list and the catalog >= ${target_list_share} % of pgbench's list (PostgreSQL):"
  for size in "${sizes[@]}"; do
    tps=${pgbench_tps["postgres $size"]:-}
    [[ -n $tps ]] || continue
    for mode in studio-list catalog; do
      key="postgres $size $mode"
      [[ -n ${rps[$key]:-} ]] || continue
      awk -v a="${rps[$key]}" -v b="$tps" -v t="$target_list_share" -v what="  $size tenants, ${label_of[$mode]}" \
        'BEGIN { s = 100 * a / b; printf "%-62s %5.0f %%  %s\n", what, s, (s >= t ? "yes" : "NO") }'
    done
  done

  echo "p99 <= ${target_p99_ms} ms at $connections connections: see the last column of each table"

  echo "larger sizes within ${target_growth} % of the smallest (req/s; p99 beside):"
  for backend in $backends; do
    first=""
    for size in "${sizes[@]}"; do
      [[ -n ${peak_rss["$backend $size"]:-} ]] || continue
      if [[ -z $first ]]; then first=$size; continue; fi
      for mode in "${modes[@]}"; do
        awk -v a="${rps["$backend $first $mode"]}" -v b="${rps["$backend $size $mode"]}" \
          -v pa="${p99["$backend $first $mode"]}" -v pb="${p99["$backend $size $mode"]}" -v t="$target_growth" \
          -v what="  $backend, $size vs $first tenants, ${label_of[$mode]}" \
          'BEGIN { d = 100 * (b - a) / a; printf "%-90s %+6.1f %%  (p99 %s -> %s ms)  %s\n", what, d, pa, pb, (d >= -t ? "yes" : "NO") }'
      done
    done
  done

  echo "server peak RSS <= ${target_rss_mib} MiB:"
  for backend in $backends; do
    for size in "${sizes[@]}"; do
      key="$backend $size"
      [[ -n ${peak_rss[$key]:-} ]] || continue
      printf '  %-30s %8s MiB  %s\n' "$backend, $size tenants" "${peak_rss[$key]}" "$(mark "${peak_rss[$key]} <= $target_rss_mib")"
    done
  done

  echo "SQLite's reads >= PostgreSQL's (req/s):"
  for size in "${sizes[@]}"; do
    for mode in "${reads[@]}"; do
      [[ -n ${rps["sqlite $size $mode"]:-} && -n ${rps["postgres $size $mode"]:-} ]] || continue
      awk -v s="${rps["sqlite $size $mode"]}" -v p="${rps["postgres $size $mode"]}" -v what="  $size tenants, ${label_of[$mode]}" \
        'BEGIN { printf "%-62s %10s vs %10s  %s\n", what, s, p, (s >= p ? "yes" : "NO") }'
    done
  done
}

# ---- one backend -----------------------------------------------------------

run_backend() {
  dir=$work/$backend
  targets=$dir/targets
  next_pair=0
  pair_capacity=$((measured * organizations * courses_per_organization * learners))
  id_stride=""
  mkdir -p "$dir/tenants"
  prepare_database

  port=$(free_port)
  export ATRIUM_LISTEN=127.0.0.1:$port ATRIUM_LOG=warn ATRIUM_PLATFORM_DOMAIN=localhost
  # wrk's password grants name their client in X-Forwarded-For (traffic.lua).
  export ATRIUM_TRUSTED_PROXIES="[127.0.0.1]"
  export ATRIUM_JWT_KEY_FILE=$dir/keys/jwt-ed25519.pem

  (cd "$dir" && ATRIUM_OPERATOR_PASSWORD=$operator_password "$ATRIUM_BIN" operator create --email "$operator_email" >/dev/null)
  start_server "$dir/server-seed.log"
  local began=$SECONDS
  operator_token=$(token localhost "$operator_email" "$operator_password")
  in_parallel seed_tenant "$measured"
  local seeded="$measured measured tenants made through the API in $((SECONDS - began)) s"
  log "$backend: $seeded"
  stop_server

  local tenants_now=$measured filled="" size
  for size in "${sizes[@]}"; do
    if [[ $backend == sqlite ]] && ((size > sqlite_max_tenants)); then
      log "sqlite: $size tenants is above BENCH_SQLITE_MAX_TENANTS=$sqlite_max_tenants; left out"
      continue
    fi
    if ((size > tenants_now)); then
      began=$SECONDS
      add_filler_tenants $((tenants_now - measured + 1)) $((size - measured))
      filled="filler tenants $((tenants_now + 1))..$size by SQL in $((SECONDS - began)) s"
      log "$backend: $filled"
      tenants_now=$size
    fi
    settle_database
    local data
    data="$(describe_data); $seeded${filled:+; $filled}"

    start_server "$dir/server-$size.log"
    write_targets
    rss_before_traffic["$backend $size"]=$(server_peak_rss)
    local mode
    for mode in "${modes[@]}"; do
      bench_endpoint "$mode"
    done
    peak_rss["$backend $size"]=$(server_peak_rss)
    stop_server
    [[ $backend == postgres ]] && pgbench_course_list

    print_size_table "$data"
    if [[ -s $dir/server-$size.log ]]; then
      log "$backend server log (warnings and errors), $(wc -l <"$dir/server-$size.log") lines; first 10:"
      head -n 10 "$dir/server-$size.log" | sed 's/^/#   /' >&2
    fi
  done
  drop_bench_db
  unset DATABASE_URL
}

# ---- main ------------------------------------------------------------------

cd "$work"

echo "atrium bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo)"
echo "wrk: $threads threads, $connections connections, $duration per endpoint after $warmup warm-up, each request to the next of $measured tenants"
echo "server: ATRIUM_LOG=warn, default workers and pool; wrk, server and database share the machine"
echo "sizes: ${sizes[*]} tenants (SQLite up to $sqlite_max_tenants); measured tenants: $organizations organizations x $courses_per_organization courses, $learners learners each; filler tenants: $organizations organizations x $filler_courses courses"
echo

for backend in $backends; do
  case $backend in
    sqlite) ;;
    postgres) postgres_reachable || { log "postgres at 127.0.0.1:5432 not reachable as $pg_owner; skipped"; continue; } ;;
    *) die "unknown backend $backend" ;;
  esac
  run_backend
done
print_targets
