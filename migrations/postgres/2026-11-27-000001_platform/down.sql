DROP TABLE idempotency_keys;
DROP TABLE site_domains;
DROP TABLE operators;
DROP TABLE tenants;
DROP FUNCTION atrium_current_tenant();
