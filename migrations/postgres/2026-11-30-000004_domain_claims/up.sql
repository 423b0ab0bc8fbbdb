-- Domain claims. A domain outside the tenant's own base
-- ({slug}.{tenant_domain_base} and below) waits for an operator: its
-- site_domains row is 'pending', which reserves the name platform-wide but
-- is not routed (host resolution reads 'active' rows only). A site moved to
-- a pending domain keeps its earlier domain routed until the approval, in
-- previous_domain. A claim an operator rejects releases the name: the site
-- falls back to its previous domain, or, if it never had one, its status
-- becomes 'rejected' (sites only). Existing rows were all routed, hence the
-- default.
ALTER TABLE site_domains ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'pending'));
CREATE INDEX site_domains_pending ON site_domains (site_id) WHERE status = 'pending';

ALTER TABLE sites ADD COLUMN domain_status TEXT NOT NULL DEFAULT 'active'
    CHECK (domain_status IN ('active', 'pending', 'rejected'));
ALTER TABLE sites ADD COLUMN previous_domain TEXT;
