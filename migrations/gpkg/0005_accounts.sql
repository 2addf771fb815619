-- Accounts, roles over scopes of the grid tree, sessions and API tokens (issue 10);
-- the audit log records where a request came from and becomes append-only.
-- Times are Unix seconds (integer), alike in both stores.
CREATE TABLE account (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE CHECK (name <> ''),
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    disabled_at INTEGER
);

CREATE TABLE account_grant (
    account_id INTEGER NOT NULL REFERENCES account(id),
    role TEXT NOT NULL CHECK (role IN ('subdistrict_admin', 'planner', 'operator',
        'grid_worker', 'department', 'auditor', 'public')),
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('all', 'subdistrict', 'grid')),
    scope_id INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, role, scope_kind, scope_id)
);

CREATE TABLE account_session (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account(id),
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    address TEXT
);
CREATE INDEX account_session_account_idx ON account_session (account_id);

CREATE TABLE api_token (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES account(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);

ALTER TABLE audit_log ADD COLUMN address TEXT;
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (UPDATE refused)'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (DELETE refused)'); END;

INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
 ('account', 'attributes', 'account', 'Accounts (passwords hashed with Argon2id)', NULL),
 ('account_grant', 'attributes', 'account_grant', 'Roles of accounts over scopes of the grid tree', NULL),
 ('account_session', 'attributes', 'account_session', 'Signed-in sessions (hashed)', NULL),
 ('api_token', 'attributes', 'api_token', 'API tokens (hashed)', NULL);
