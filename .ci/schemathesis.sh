#!/usr/bin/env bash
# Schemathesis (PyPI) against a live `atrium serve`, on SQLite and on
# PostgreSQL, with every check (`--checks all`): as a tenant admin on a
# tenant's site and as an operator on the platform host. Any failed check
# (a 5xx, an undocumented status or content type, a body off its schema, a
# documented constraint the server does not enforce or an undocumented one it
# does) fails CI.
#
# Hosts: both hosts serve the same document, and each run leaves out the
# operations that exist only on the other host (filtered by operation id):
# the tenants operations (`*_tenant`, `*_tenants`), the domain claims
# (`*_domain_claim`, `*_domain_claims`) and the operators (`*_operator`,
# `*_operators`) run only on the platform host; sites, site configuration
# and theme (`*site*`), `register`, `get_config_value`, the accounts
# (`*_user`, `*_users`), the API clients (`*_api_client`, `*_api_clients`),
# password reset and email verification, organizations and their members,
# role assignments and course-creator requests only on the tenant's host;
# the rest (token, revoke, me, jwks, the audit log, health, metrics) on both.
#
# Narrow exceptions, each with its reason, are in schemathesis.toml beside
# this script. ATRIUM_ST_BACKENDS="sqlite" (say) runs one backend only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

venv=$root/target/ci-venv
if [[ ! -x $venv/bin/st ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi

cargo build --locked -p atrium --quiet
atrium=$root/target/debug/atrium
pg_owner=postgres://postgres@127.0.0.1:5432
pg_db="atrium_ci_st_$$"
work=$(mktemp -d)
server=""
stop_server() {
  if [[ -n $server ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
  fi
}
cleanup() {
  stop_server
  psql -q "$pg_owner/postgres" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

config=$root/.ci/schemathesis.toml
platform_only='^[a-z_]+_(tenants?|domain_claims?|operators?)$'
tenant_only='site|^register$|^get_config_value$|_users?$|_api_clients?$|password_reset$|^verify_email$|organization|role_assignment|course|catalog|enrollment|librar'

# One backend: a fresh database, a server, a tenant, then the runs.
run_backend() {
  local backend=$1 dir=$work/$1
  mkdir -p "$dir" && cd "$dir"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # Two names for one server: localhost is the platform host, 127.0.0.1
  # the tenant's site (schemathesis sends the URL's host as Host).
  local platform=http://localhost:$port base=http://127.0.0.1:$port
  case $backend in
    sqlite) export DATABASE_URL=sqlite://$dir/st.db ;;
    postgres)
      psql -q "$pg_owner/postgres" -c "CREATE DATABASE $pg_db"
      DATABASE_URL=$pg_owner/$pg_db "$atrium" migrate 2>/dev/null
      psql -q "$pg_owner/postgres" -c "ALTER ROLE atrium_app LOGIN"
      export DATABASE_URL="postgres://atrium_app@127.0.0.1:5432/$pg_db?sslmode=disable"
      ;;
  esac
  export ATRIUM_LISTEN=127.0.0.1:$port ATRIUM_PLATFORM_DOMAIN=localhost ATRIUM_LOG=info ATRIUM_LOG_FORMAT=json
  "$atrium" operator create --email ops@ci.test --password operator-password >/dev/null 2>&1
  "$atrium" serve 2>"$dir/server.log" &
  server=$!
  for _ in $(seq 50); do curl -fs "$base/health/ready" >/dev/null && break; sleep 0.2; done

  token() { # host username password
    curl -fsS "$base/api/v1/auth/token" -H "Host: $1" -d grant_type=password \
      --data-urlencode "username=$2" --data-urlencode "password=$3" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
  }
  local operator admin
  operator=$(token localhost ops@ci.test operator-password)
  curl -fsS "$base/api/v1/tenants" -H 'Host: localhost' -H "Authorization: Bearer $operator" -H 'Content-Type: application/json' \
    -d '{"slug": "acme", "name": "Acme", "domain": "127.0.0.1",
         "organization": {"short_name": "ACME", "name": "Acme"},
         "admin": {"email": "admin@acme.test", "username": "admin", "password": "admin-password"}}' >/dev/null
  admin=$(token 127.0.0.1 admin admin-password)

  run() { # label, base URL, then extra st arguments
    local label=$1 url=$2; shift 2
    echo "-- schemathesis on $backend: $label"
    timeout 900 "$venv/bin/st" --config-file "$config" run "$url/api/openapi.json" --url "$url" \
      --checks all --max-examples 25 --seed 1 --request-timeout 10 --no-color "$@"
  }
  local status=0
  # Order matters: changing the site's domain moves the host under the
  # run's feet, and the operator's run may suspend or delete the tenant (its
  # stateful phase follows the list of tenants to their slugs).
  # delete_site runs on its own too: a replayed Idempotency-Key answers the
  # first create's 201 again even when that site was deleted since (the
  # replay's contract, README "Writes"), which the stateful phase would
  # report as a created resource not found.
  run "tenant admin on the tenant's site" "$base" -H "Authorization: Bearer $admin" \
    --exclude-operation-id-regex "$platform_only" --exclude-operation-id update_site \
    --exclude-operation-id delete_site || status=$?
  run "tenant admin: update_site" "$base" -H "Authorization: Bearer $admin" --include-operation-id update_site || status=$?
  run "tenant admin: delete_site" "$base" -H "Authorization: Bearer $admin" --include-operation-id delete_site || status=$?
  run "operator on the platform host" "$platform" -H "Authorization: Bearer $operator" \
    --exclude-operation-id-regex "$tenant_only" || status=$?
  # The tenant runs must have reached the tenant's endpoints, not only 404s.
  local reached
  reached=$(grep '"tenant":"acme"' "$dir/server.log" | grep -c '"status":200' || true)
  echo "requests answered 200 on the tenant's host ($backend): $reached"
  if ((reached < 50)); then
    echo "schemathesis hardly reached the tenant's endpoints"; status=1
  fi
  cp "$dir/server.log" "${ATRIUM_ST_LOG:-/dev/null}" 2>/dev/null || true
  if [[ $status != 0 ]]; then
    echo "server log ($backend):"; grep -v '"status":[1-4][0-9][0-9]' "$dir/server.log" | tail -n 40
  fi
  stop_server
  cd "$work"
  return "$status"
}

status=0
for backend in ${ATRIUM_ST_BACKENDS:-sqlite postgres}; do
  run_backend "$backend" || status=$?
done
exit $status
