-- Password attempts per key (a login name within a realm, or a client
-- address), counted in fixed windows and shared by every replica. A
-- platform table: realm is `platform`, `tenant:<id>` or `*`, and a row
-- says nothing of a tenant's data, so there is no row-level security.
CREATE TABLE login_throttle (
    realm TEXT NOT NULL,
    subject TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (realm, subject)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO atrium_app;
