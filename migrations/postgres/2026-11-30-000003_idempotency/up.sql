-- Idempotency keys for any write, per caller: on the platform (operators)
-- and per tenant (tenant users and clients). A row is claimed before the
-- write runs (status_code NULL while in flight) and completed with the
-- answer; rows older than 24 hours count as absent. The answers stored by
-- the previous table were for replays only, so they are not carried over.
DROP TABLE idempotency_keys;

CREATE TABLE idempotency_keys (
    caller TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (caller, key)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO atrium_app;

CREATE TABLE tenant_idempotency_keys (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    caller TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, caller, key)
);
ALTER TABLE tenant_idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_idempotency_keys
    USING (tenant_id = atrium_current_tenant())
    WITH CHECK (tenant_id = atrium_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_idempotency_keys TO atrium_app;
