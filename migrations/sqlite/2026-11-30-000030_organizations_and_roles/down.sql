CREATE TABLE site_setting_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    site_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('configuration', 'theme')),
    actor TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    before_json TEXT,
    after_json TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX site_setting_changes_site ON site_setting_changes (tenant_id, site_id, id);
INSERT INTO site_setting_changes (tenant_id, site_id, kind, actor, changed_at, before_json, after_json)
SELECT a.tenant_id, CAST(a.target_id AS INTEGER),
       CASE a.action WHEN 'site.configuration.update' THEN 'configuration' ELSE 'theme' END,
       a.actor, a.occurred_at, a.before_json, a.after_json
  FROM audit_events a
  JOIN sites s ON s.tenant_id = a.tenant_id AND CAST(s.id AS TEXT) = a.target_id
 WHERE a.target_type = 'site' AND a.action IN ('site.configuration.update', 'site.theme.update')
   AND a.after_json IS NOT NULL
 ORDER BY a.id;

DROP TABLE platform_audit_events;
DROP TABLE audit_events;
DROP TABLE course_creator_requests;
CREATE TABLE role_assignments_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, user_id, role, scope),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
INSERT INTO role_assignments_old (id, tenant_id, user_id, role, scope, created_at)
SELECT id, tenant_id, user_id, role, scope, created_at FROM role_assignments;
DROP TABLE role_assignments;
ALTER TABLE role_assignments_old RENAME TO role_assignments;
DROP TABLE organization_members;
DROP INDEX organizations_one_root;
ALTER TABLE organizations DROP COLUMN is_root;
ALTER TABLE organizations DROP COLUMN is_active;
ALTER TABLE organizations DROP COLUMN logo_url;
