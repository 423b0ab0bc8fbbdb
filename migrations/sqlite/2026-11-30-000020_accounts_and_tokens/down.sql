DROP TABLE mail_outbox;
DROP TABLE account_tokens;
DROP TABLE api_clients;
DROP TABLE signing_keys;
DROP TABLE operator_refresh_tokens;
DROP TABLE refresh_tokens;
ALTER TABLE operators DROP COLUMN is_active;
ALTER TABLE users DROP COLUMN email_verified;
