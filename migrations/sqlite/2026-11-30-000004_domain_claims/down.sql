-- See the PostgreSQL migration of the same name.
DELETE FROM site_domains WHERE status = 'pending';
UPDATE sites SET domain = previous_domain WHERE domain_status = 'pending' AND previous_domain IS NOT NULL;
ALTER TABLE sites DROP COLUMN previous_domain;
ALTER TABLE sites DROP COLUMN domain_status;
DROP INDEX site_domains_pending;
ALTER TABLE site_domains DROP COLUMN status;
