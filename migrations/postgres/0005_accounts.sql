-- Accounts, roles over scopes of the grid tree, sessions and API tokens (issue 10);
-- the audit log records where a request came from and becomes append-only.
-- Times are Unix seconds (bigint), alike in both stores.
CREATE TABLE account (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (name <> ''),
    display_name    text NOT NULL,
    password_hash   text NOT NULL,
    created_at      bigint NOT NULL,
    disabled_at     bigint
);

-- A role over a scope: scope_kind 'all' (scope_id 0), 'subdistrict' or 'grid'.
CREATE TABLE account_grant (
    account_id      bigint NOT NULL REFERENCES account(id),
    role            text NOT NULL CHECK (role IN ('subdistrict_admin', 'planner', 'operator',
                        'grid_worker', 'department', 'auditor', 'public')),
    scope_kind      text NOT NULL CHECK (scope_kind IN ('all', 'subdistrict', 'grid')),
    scope_id        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, role, scope_kind, scope_id)
);

-- A signed-in browser: only the SHA-256 of the cookie's secret is kept.
CREATE TABLE account_session (
    token_hash      text PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES account(id),
    csrf            text NOT NULL,
    created_at      bigint NOT NULL,
    expires_at      bigint NOT NULL,
    address         text
);
CREATE INDEX account_session_account_idx ON account_session (account_id);

-- An API token for the field app or an integration: shown once, kept hashed.
CREATE TABLE api_token (
    id              bigserial PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES account(id),
    name            text NOT NULL,
    token_hash      text NOT NULL UNIQUE,
    created_at      bigint NOT NULL,
    expires_at      bigint NOT NULL,
    revoked_at      bigint
);

ALTER TABLE audit_log ADD COLUMN address text;
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);

-- Append-only, whoever asks: no role, the application's included, may change or
-- remove what the log says.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
