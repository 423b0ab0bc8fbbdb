#!/usr/bin/env bash
# Every migration applies, reverts and applies again, on SQLite and on a
# scratch PostgreSQL database.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked -p atrium --quiet
atrium=$(pwd)/target/debug/atrium
work=$(mktemp -d)
db="atrium_ci_migrations_$$"
cleanup() {
  psql -q postgres://postgres@127.0.0.1:5432/postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

for url in "sqlite://$work/ci.db" "postgres://postgres@127.0.0.1:5432/$db"; do
  if [[ $url == postgres* ]]; then
    psql -q postgres://postgres@127.0.0.1:5432/postgres -c "CREATE DATABASE $db"
  fi
  DATABASE_URL=$url "$atrium" migrate
  DATABASE_URL=$url "$atrium" migrate --revert-all
  DATABASE_URL=$url "$atrium" migrate
  echo "migrations up/down/up: ok on ${url%%:*}"
done
