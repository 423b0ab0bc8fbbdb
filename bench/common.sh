# shellcheck shell=bash disable=SC2034,SC2154
# (variables are set by and for the scripts that source this file)
# Shared by bench/load.sh, bench/fault.sh and bench/sigterm.sh (sourced):
# the binary, a server on a free port, databases on the shared PostgreSQL
# and a private PostgreSQL cluster that a script may stop.
#
# Functions return non-zero on failure rather than rely on `set -e`, which
# does not apply to a function called after `||`.
#
# A script sets `work` (a temporary directory) before sourcing, calls
# `bench_cleanup` from its EXIT trap, and reads `port` and `server_pid`.
# BENCH_KEEP=1 keeps the directory (server and PostgreSQL logs) for a look.

bench_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_root=$(cd "$bench_here/.." && pwd)
traffic="$bench_here/traffic.py"
pg_owner=${BENCH_PG_OWNER:-postgres}
shared_pg="postgres://${pg_owner}@127.0.0.1:5432"
operator_email=bench-operator@example.org
operator_password=bench-operator-password

server_pid=""
port=""
shared_db=""
private_pg=""

log() { echo "# $*" >&2; }

# Only the settings given here apply; no atrium.toml or owner URL from outside.
unset ATRIUM_CONFIG ATRIUM_MIGRATION_DATABASE_URL

if [[ -z ${ATRIUM_BIN:-} ]]; then
  log "building target/release/atrium"
  (cd "$bench_root" && cargo build --release -p atrium --quiet)
  ATRIUM_BIN=$bench_root/target/release/atrium
fi
ATRIUM_BIN=$(realpath "$ATRIUM_BIN")

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

status_of() { # path
  curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$1" || true
}

# Starts `atrium serve` on DATABASE_URL in directory $1 with an operator,
# and waits until it is ready. Extra environment comes from the caller.
start_server() { # dir
  local dir=$1
  mkdir -p "$dir"
  port=$(free_port)
  export ATRIUM_LISTEN=127.0.0.1:$port ATRIUM_LOG=${ATRIUM_LOG:-warn} ATRIUM_PLATFORM_DOMAIN=localhost
  export ATRIUM_JWT_KEY_FILE=$dir/keys/jwt-ed25519.pem
  (cd "$dir" && ATRIUM_OPERATOR_PASSWORD=$operator_password "$ATRIUM_BIN" operator create \
    --email "$operator_email" >/dev/null) || return 1
  (cd "$dir" && exec "$ATRIUM_BIN" serve) 2>"$dir/server.log" &
  server_pid=$!
  for _ in $(seq 150); do
    [[ $(status_of /health/ready) == 200 ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$dir/server.log" >&2; return 1; }
    sleep 0.2
  done
  log "server not ready"; cat "$dir/server.log" >&2; return 1
}

stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

# A database of its own on the shared server at 127.0.0.1:5432, migrated,
# and DATABASE_URL set to it as the service's role (which owns nothing).
create_shared_database() {
  shared_db="atrium_load_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
  psql -q "$shared_pg/postgres" -c "CREATE DATABASE $shared_db" >/dev/null || return 1
  DATABASE_URL="$shared_pg/$shared_db" "$ATRIUM_BIN" migrate || return 1
  psql -q "$shared_pg/postgres" -c "ALTER ROLE atrium_app LOGIN" >/dev/null || return 1
  export DATABASE_URL="postgres://atrium_app@127.0.0.1:5432/$shared_db?sslmode=disable"
}

# DATABASE_URL for a run on `backend` (sqlite or postgres), its files in
# $work/<backend>.
use_database() { # backend
  case $1 in
    sqlite) export DATABASE_URL="sqlite://$work/$1/atrium.db" ;;
    postgres) create_shared_database || return 1 ;;
  esac
}

drop_shared_database() {
  if [[ -n $shared_db ]]; then
    psql -q "$shared_pg/postgres" -c "DROP DATABASE IF EXISTS $shared_db WITH (FORCE)" >/dev/null 2>&1 || true
    shared_db=""
  fi
}

shared_postgres_reachable() {
  command -v psql >/dev/null && psql -q "$shared_pg/postgres" -Atc 'SELECT 1' >/dev/null 2>&1
}

# A private cluster in $work/pg on a free port, never the shared server:
# stopping it harms nobody. PostgreSQL refuses to run as root, hence the
# postgres account when this runs as root.
pg_bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n 1)
as_postgres() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pg_ctl_private() { # pg_ctl arguments...
  as_postgres "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/postgres.log" "$@"
}

start_private_postgres() {
  [[ -n $pg_bin ]] || { log "no /usr/lib/postgresql/*/bin"; return 1; }
  private_pg=$(free_port)
  mkdir -p "$work/pg"
  [[ $(id -u) == 0 ]] && chown postgres: "$work/pg" && chmod 755 "$work"
  as_postgres "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust >/dev/null
  pg_ctl_private -o "-p $private_pg -k $work/pg -c listen_addresses=127.0.0.1" -w start >/dev/null
}

stop_private_postgres() {
  if [[ -n $private_pg ]]; then
    pg_ctl_private -m immediate stop >/dev/null 2>&1 || true
    private_pg=""
  fi
}

bench_cleanup() {
  stop_server
  drop_shared_database
  stop_private_postgres
  if [[ -n ${BENCH_KEEP:-} ]]; then log "kept $work"; else rm -rf "$work"; fi
}
