-- Cases (issue 11): the seven-step closed loop. A case row keeps the columns the
-- store queries by beside the whole case as JSON (`body`, written by the domain);
-- its history is append-only, numbered in commit order (`seq`): the event feed.
-- Times are Unix seconds (bigint), alike in both stores.
CREATE TABLE case_record (
    subdistrict_id  bigint NOT NULL REFERENCES subdistrict(id),
    id              bigint NOT NULL,
    number          text NOT NULL,
    stage           text NOT NULL,
    category        text NOT NULL,
    lon             double precision NOT NULL,
    lat             double precision NOT NULL,
    reported_at     bigint NOT NULL,
    -- The deadline while it is open and its passing not yet recorded: what the
    -- overdue sweep looks for.
    watch_deadline  bigint,
    updated_at      bigint NOT NULL,
    version         bigint NOT NULL,
    body            text NOT NULL,
    PRIMARY KEY (subdistrict_id, id),
    UNIQUE (subdistrict_id, number)
);
CREATE UNIQUE INDEX case_record_id_idx ON case_record (id);
CREATE INDEX case_record_stage_idx ON case_record (subdistrict_id, stage);
CREATE INDEX case_record_near_idx ON case_record (subdistrict_id, category, lat, lon);
CREATE INDEX case_record_watch_idx ON case_record (watch_deadline) WHERE watch_deadline IS NOT NULL;
CREATE INDEX case_record_reported_idx ON case_record (subdistrict_id, reported_at);

CREATE TABLE case_step (
    subdistrict_id  bigint NOT NULL,
    seq             bigserial,
    case_id         bigint NOT NULL,
    version         bigint NOT NULL,
    kind            text NOT NULL,
    at              bigint NOT NULL,
    actor           text NOT NULL,
    address         text,
    body            text NOT NULL,
    PRIMARY KEY (subdistrict_id, seq),
    FOREIGN KEY (subdistrict_id, case_id) REFERENCES case_record (subdistrict_id, id)
);
CREATE UNIQUE INDEX case_step_seq_idx ON case_step (seq);
CREATE INDEX case_step_case_idx ON case_step (subdistrict_id, case_id, seq);

CREATE TABLE case_counter (
    subdistrict_id  bigint NOT NULL,
    year            integer NOT NULL,
    last            bigint NOT NULL,
    PRIMARY KEY (subdistrict_id, year)
);

-- A client's retry key: the same key (per account) never makes two cases or two steps.
CREATE TABLE case_idempotency (
    actor           text NOT NULL,
    key             text NOT NULL,
    fingerprint     text NOT NULL,
    subdistrict_id  bigint NOT NULL,
    case_id         bigint NOT NULL,
    at              bigint NOT NULL,
    PRIMARY KEY (actor, key)
);

-- Photos are kept by the product (type and size checked before they are stored).
CREATE TABLE case_photo (
    id              bigserial PRIMARY KEY,
    content_type    text NOT NULL,
    size            bigint NOT NULL,
    sha256          text NOT NULL,
    bytes           bytea NOT NULL,
    uploaded_by     text NOT NULL,
    at              bigint NOT NULL
);

-- Reference tables: categories and settings (the calendar) are shared; units
-- belong to a subdistrict.
CREATE TABLE case_category (
    code            text PRIMARY KEY,
    body            text NOT NULL,
    updated_at      bigint NOT NULL
);
CREATE TABLE case_unit (
    subdistrict_id  bigint NOT NULL,
    code            text NOT NULL,
    body            text NOT NULL,
    PRIMARY KEY (subdistrict_id, code)
);
CREATE TABLE case_setting (
    key             text PRIMARY KEY,
    body            text NOT NULL,
    updated_at      bigint NOT NULL
);

CREATE FUNCTION case_step_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_step is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER case_step_no_update BEFORE UPDATE OR DELETE ON case_step
    FOR EACH ROW EXECUTE FUNCTION case_step_append_only();
CREATE TRIGGER case_step_no_truncate BEFORE TRUNCATE ON case_step
    FOR EACH STATEMENT EXECUTE FUNCTION case_step_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON case_step FROM PUBLIC;
