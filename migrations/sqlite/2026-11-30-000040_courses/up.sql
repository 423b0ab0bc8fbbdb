-- Courses, their enrollments, and content libraries. Same shape as the
-- PostgreSQL migration (which says why), without row-level security.

CREATE TABLE courses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL,
    course_key TEXT NOT NULL,
    number TEXT NOT NULL,
    run TEXT NOT NULL,
    display_name TEXT NOT NULL,
    short_description TEXT NOT NULL DEFAULT '',
    -- A BCP 47 tag, or empty.
    language TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private')),
    invitation_only BOOLEAN NOT NULL DEFAULT FALSE,
    enrollment_limit INTEGER CHECK (enrollment_limit IS NULL OR enrollment_limit >= 0),
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    enrollment_starts_at TIMESTAMP,
    enrollment_ends_at TIMESTAMP,
    -- The key of the course this one was rerun from; text, not a foreign
    -- key: the rerun outlives its source.
    rerun_of TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, course_key),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id)
);
CREATE INDEX courses_organization ON courses (tenant_id, organization_id, id);
-- The catalog's two orders.
CREATE INDEX courses_by_name ON courses (tenant_id, display_name, id);
CREATE INDEX courses_by_start ON courses (tenant_id, starts_at, id);

-- A course's team is its grants on `course:KEY`: read by scope.
CREATE INDEX role_assignments_scope ON role_assignments (tenant_id, scope, id);

CREATE TABLE enrollments (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    course_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('audit', 'honor', 'verified')),
    -- An unenrollment keeps the row, inactive: the history stays.
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, course_id, user_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX enrollments_user ON enrollments (tenant_id, user_id, course_id);

CREATE TABLE libraries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL,
    library_key TEXT NOT NULL,
    slug TEXT NOT NULL,
    display_name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, library_key),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id)
);
CREATE INDEX libraries_organization ON libraries (tenant_id, organization_id, id);
