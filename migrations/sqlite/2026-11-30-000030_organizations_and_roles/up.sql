-- Organizations become the product: a tree with memberships, roles on
-- organizations and courses, Studio's course-creator requests, and one
-- audit log that replaces the site settings history. Same shape as the
-- PostgreSQL migration.

ALTER TABLE organizations ADD COLUMN logo_url TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN is_active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE organizations ADD COLUMN is_root BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE organizations SET is_root = TRUE
 WHERE id IN (SELECT min(id) FROM organizations GROUP BY tenant_id);
CREATE UNIQUE INDEX organizations_one_root ON organizations (tenant_id) WHERE is_root;

CREATE TABLE organization_members (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, organization_id, user_id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX organization_members_user ON organization_members (tenant_id, user_id);

-- SQLite adds no table constraint to an existing table: role_assignments
-- is rebuilt with its organization (see the PostgreSQL migration for why).
CREATE TABLE role_assignments_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    organization_id BIGINT,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, user_id, role, scope),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id)
);
INSERT INTO role_assignments_new (id, tenant_id, user_id, role, scope, created_at, organization_id)
SELECT r.id, r.tenant_id, r.user_id, r.role, r.scope, r.created_at,
       (SELECT o.id FROM organizations o WHERE o.tenant_id = r.tenant_id AND r.scope = 'org:' || o.short_name)
  FROM role_assignments r;
DROP TABLE role_assignments;
ALTER TABLE role_assignments_new RENAME TO role_assignments;
CREATE INDEX role_assignments_organization ON role_assignments (tenant_id, organization_id);
CREATE INDEX role_assignments_user ON role_assignments (tenant_id, user_id);

CREATE TABLE course_creator_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    organization_id BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'granted', 'denied', 'revoked')),
    message TEXT NOT NULL DEFAULT '',
    decided_by BIGINT,
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX course_creator_requests_one_pending
    ON course_creator_requests (tenant_id, user_id, organization_id) WHERE state = 'pending';
CREATE INDEX course_creator_requests_user ON course_creator_requests (tenant_id, user_id);
CREATE INDEX course_creator_requests_organization ON course_creator_requests (tenant_id, organization_id, id);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT,
    occurred_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX audit_events_target ON audit_events (tenant_id, target_type, target_id, id);
CREATE INDEX audit_events_actor ON audit_events (tenant_id, actor, id);

CREATE TABLE platform_audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX platform_audit_events_target ON platform_audit_events (target_type, target_id, id);
CREATE INDEX platform_audit_events_actor ON platform_audit_events (actor, id);

INSERT INTO audit_events (tenant_id, actor, action, target_type, target_id, before_json, after_json, occurred_at)
SELECT tenant_id, actor, 'site.' || kind || '.update', 'site', CAST(site_id AS TEXT), before_json, after_json, changed_at
  FROM site_setting_changes ORDER BY id;
DROP TABLE site_setting_changes;
