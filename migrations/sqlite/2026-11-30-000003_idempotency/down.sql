DROP TABLE tenant_idempotency_keys;
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    operator_id BIGINT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (operator_id, key)
);
