-- Filler tenants for bench/run.sh: tenants that take up room in every table
-- and index without being measured, made in bulk as the database owner
-- (row-level security does not apply to it) instead of through the API.
--
-- Each filler tenant n (:first_filler to :last_filler) is a copy of the
-- template tenant's rows, the shape the API made them in: its tenant, site,
-- routed domain, organizations, accounts, grants, and the first
-- :courses_per_organization courses of each organization. Not copied: audit
-- events, enrollments, tokens (nothing reads another tenant's).
--
-- Every id of a copy is the template's plus n * :id_stride (tenant ids
-- included), so the copies' foreign keys hold without a lookup; the stride
-- is above every id the template's rows have. Works on PostgreSQL (psql -v)
-- and SQLite (.parameter set) alike; the caller moves PostgreSQL's identity
-- sequences past the copies.

CREATE TEMP TABLE filler AS
WITH RECURSIVE numbers (n) AS (
    SELECT CAST(:first_filler AS BIGINT)
    UNION ALL
    SELECT n + 1 FROM numbers WHERE n < :last_filler
)
SELECT n, n * CAST(:id_stride AS BIGINT) AS shift FROM numbers;

INSERT INTO tenants (id, slug, name, status, created_at, updated_at)
SELECT t.id + f.shift, 'filler-' || f.n, 'Filler ' || f.n, t.status, t.created_at, t.updated_at
  FROM tenants t CROSS JOIN filler f
 WHERE t.id = :template;

INSERT INTO sites (tenant_id, id, domain, name, is_primary, created_at, updated_at,
                   domain_status, previous_domain)
SELECT s.tenant_id + f.shift, s.id + f.shift, 'filler-' || f.n || '.localhost', 'Filler ' || f.n,
       s.is_primary, s.created_at, s.updated_at, s.domain_status, NULL
  FROM sites s CROSS JOIN filler f
 WHERE s.tenant_id = :template;

INSERT INTO site_domains (domain, tenant_id, site_id, status)
SELECT 'filler-' || f.n || '.localhost', d.tenant_id + f.shift, d.site_id + f.shift, d.status
  FROM site_domains d CROSS JOIN filler f
 WHERE d.tenant_id = :template;

INSERT INTO organizations (tenant_id, id, short_name, name, description, parent_id,
                           created_at, updated_at, logo_url, is_active, is_root)
SELECT o.tenant_id + f.shift, o.id + f.shift, o.short_name, o.name, o.description,
       o.parent_id + f.shift, o.created_at, o.updated_at, o.logo_url, o.is_active, o.is_root
  FROM organizations o CROSS JOIN filler f
 WHERE o.tenant_id = :template;

INSERT INTO users (tenant_id, id, email, username, name, password_hash, is_active,
                   created_at, updated_at, email_verified)
SELECT u.tenant_id + f.shift, u.id + f.shift, u.email, u.username, u.name, u.password_hash,
       u.is_active, u.created_at, u.updated_at, u.email_verified
  FROM users u CROSS JOIN filler f
 WHERE u.tenant_id = :template;

INSERT INTO role_assignments (tenant_id, id, user_id, role, scope, created_at, organization_id)
SELECT r.tenant_id + f.shift, r.id + f.shift, r.user_id + f.shift, r.role, r.scope,
       r.created_at, r.organization_id + f.shift
  FROM role_assignments r CROSS JOIN filler f
 WHERE r.tenant_id = :template;

INSERT INTO organization_members (tenant_id, organization_id, user_id, is_active,
                                  created_at, updated_at)
SELECT m.tenant_id + f.shift, m.organization_id + f.shift, m.user_id + f.shift, m.is_active,
       m.created_at, m.updated_at
  FROM organization_members m CROSS JOIN filler f
 WHERE m.tenant_id = :template;

-- In tenant order, as if each tenant's courses were made in one go.
INSERT INTO courses (tenant_id, id, organization_id, course_key, number, run, display_name,
                     short_description, language, visibility, invitation_only,
                     enrollment_limit, starts_at, ends_at, enrollment_starts_at,
                     enrollment_ends_at, rerun_of, version, created_at, updated_at)
SELECT c.tenant_id + f.shift, c.id + f.shift, c.organization_id + f.shift, c.course_key,
       c.number, c.run, c.display_name, c.short_description, c.language, c.visibility,
       c.invitation_only, c.enrollment_limit, c.starts_at, c.ends_at,
       c.enrollment_starts_at, c.enrollment_ends_at, c.rerun_of, c.version,
       c.created_at, c.updated_at
  FROM (SELECT courses.*,
               row_number() OVER (PARTITION BY organization_id ORDER BY id) AS place
          FROM courses
         WHERE tenant_id = :template) c
 CROSS JOIN filler f
 WHERE c.place <= :courses_per_organization
 ORDER BY f.n, c.id;

DROP TABLE filler;
