-- See the PostgreSQL migration of the same name.
ALTER TABLE site_domains ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'pending'));
CREATE INDEX site_domains_pending ON site_domains (site_id) WHERE status = 'pending';

ALTER TABLE sites ADD COLUMN domain_status TEXT NOT NULL DEFAULT 'active'
    CHECK (domain_status IN ('active', 'pending', 'rejected'));
ALTER TABLE sites ADD COLUMN previous_domain TEXT;
