#!/usr/bin/env bash
# Every migration applies, reverts and applies again, on SQLite and on a
# scratch PostgreSQL database.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked -p atrium --quiet
atrium=$(pwd)/target/debug/atrium
work=$(mktemp -d)
db="atrium_ci_migrations_$$"
owner="atrium_ci_owner_$$"
cleanup() {
  psql -q postgres://postgres@127.0.0.1:5432/postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  psql -q postgres://postgres@127.0.0.1:5432/postgres -c "DROP DATABASE IF EXISTS ${db}_data WITH (FORCE)" -c "DROP ROLE IF EXISTS $owner" >/dev/null 2>&1 || true
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

# Data migrations as a managed PostgreSQL runs them: the owner is no
# superuser, so forced row-level security applies to it too. Rows written
# before 2026-11-30-000030 must come through it (the settings history into
# the audit log, the root organization, grants naming their organization)
# and back through its down.sql.
admin=postgres://postgres@127.0.0.1:5432
psql -q -v ON_ERROR_STOP=1 "$admin/postgres" -c "CREATE ROLE $owner LOGIN NOSUPERUSER NOBYPASSRLS" \
  -c "CREATE DATABASE ${db}_data OWNER $owner"
as_owner() { psql -q -v ON_ERROR_STOP=1 -X -At "postgres://$owner@127.0.0.1:5432/${db}_data" "$@"; }
for up in migrations/postgres/*/up.sql; do
  [[ $up == *000030_organizations_and_roles* ]] && break
  as_owner -1 -f "$up"
done
as_owner -c "SET atrium.tenant_id = '1';
  INSERT INTO tenants (slug, name, created_at, updated_at) VALUES ('a', 'A', now(), now());
  INSERT INTO sites (tenant_id, domain, name, created_at, updated_at) VALUES (1, 'a.test', 'A', now(), now());
  INSERT INTO organizations (tenant_id, short_name, name, created_at, updated_at)
    VALUES (1, 'ROOT', 'Root', now(), now()), (1, 'DEPT', 'Dept', now(), now());
  INSERT INTO users (tenant_id, email, username, password_hash, created_at, updated_at)
    VALUES (1, 'a@a.test', 'a', 'x', now(), now());
  INSERT INTO role_assignments (tenant_id, user_id, role, scope, created_at) VALUES (1, 1, 'org_admin', 'org:DEPT', now());
  INSERT INTO site_setting_changes (tenant_id, site_id, kind, actor, changed_at, after_json)
    VALUES (1, 1, 'configuration', 'user:1', now(), '{}');"
as_owner -1 -f migrations/postgres/2026-11-30-000030_organizations_and_roles/up.sql
moved=$(as_owner -c "SET atrium.tenant_id = '1'" -c "SELECT (SELECT count(*) FROM audit_events) || ' ' ||
  (SELECT string_agg(short_name, ',') FROM organizations WHERE is_root) || ' ' ||
  (SELECT o.short_name FROM role_assignments r JOIN organizations o ON o.id = r.organization_id)")
[[ $moved == "1 ROOT DEPT" ]] || { echo "data lost on the way up as a plain owner: $moved"; exit 1; }
as_owner -1 -f migrations/postgres/2026-11-30-000030_organizations_and_roles/down.sql
back=$(as_owner -c "SET atrium.tenant_id = '1'" -c "SELECT count(*) FROM site_setting_changes")
[[ $back == 1 ]] || { echo "the settings history lost on the way down as a plain owner: $back"; exit 1; }
echo "data migrations as an owner that is no superuser: ok"
