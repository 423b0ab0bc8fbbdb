#!/usr/bin/env bash
# The graphql-http audits (npm, the GraphQL-over-HTTP spec's conformance
# suite) against a live `atrium serve` on a fresh SQLite database, as a
# tenant admin on the tenant's site. A failed MUST fails CI; SHOULDs and
# MAYs that fail are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

node_dir=$root/target/ci-node
if [[ ! -d $node_dir/node_modules/graphql-http || ! -d $node_dir/node_modules/graphql ]]; then
  mkdir -p "$node_dir"
  npm install --no-audit --no-fund --silent --prefix "$node_dir" 'graphql-http@^1.22' 'graphql@^16'
fi

cargo build --locked -p atrium --quiet
atrium=$root/target/debug/atrium
work=$(mktemp -d)
server=""
cleanup() {
  if [[ -n $server ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

cd "$work"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# localhost is the platform host, 127.0.0.1 the tenant's site.
base=http://127.0.0.1:$port
export DATABASE_URL=sqlite://$work/audit.db
export ATRIUM_LISTEN=127.0.0.1:$port ATRIUM_PLATFORM_DOMAIN=localhost ATRIUM_LOG=info ATRIUM_LOG_FORMAT=json
"$atrium" operator create --email ops@ci.test --password operator-password >/dev/null 2>&1
"$atrium" serve 2>"$work/server.log" &
server=$!
for _ in $(seq 50); do curl -fs "$base/health/ready" >/dev/null && break; sleep 0.2; done

token() { # host username password
  curl -fsS "$base/api/v1/auth/token" -H "Host: $1" -d grant_type=password \
    --data-urlencode "username=$2" --data-urlencode "password=$3" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
operator=$(token localhost ops@ci.test operator-password)
curl -fsS "$base/api/v1/tenants" -H 'Host: localhost' -H "Authorization: Bearer $operator" -H 'Content-Type: application/json' \
  -d '{"slug": "acme", "name": "Acme", "domain": "127.0.0.1",
       "organization": {"short_name": "ACME", "name": "Acme"},
       "admin": {"email": "admin@acme.test", "username": "admin", "password": "admin-password"}}' >/dev/null
admin=$(token 127.0.0.1 admin admin-password)

status=0
node "$root/.ci/graphql-audit.mjs" "$base/graphql" "$node_dir" "$admin" || status=$?
# The audits must have reached the tenant's GraphQL endpoint.
reached=$(grep '"tenant":"acme"' "$work/server.log" | grep -c '"route":"/graphql"' || true)
echo "GraphQL requests on the tenant's host: $reached"
if ((reached < 40)); then
  echo "the audits hardly reached the tenant's GraphQL endpoint"; status=1
fi
if [[ $status != 0 ]]; then
  echo "server log:"; tail -n 40 "$work/server.log"
fi
exit $status
