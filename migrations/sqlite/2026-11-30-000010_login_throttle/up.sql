-- See the PostgreSQL migration of the same name. SQLite's single process
-- counts attempts in memory; the table is here so the schemas stay equal.
CREATE TABLE login_throttle (
    realm TEXT NOT NULL,
    subject TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (realm, subject)
);
