-- Cases (issue 11): the seven-step closed loop; see migrations/postgres/0006_cases.sql.
-- A case row keeps the columns the store queries by beside the whole case as JSON;
-- its history is append-only, numbered in commit order (seq): the event feed.
CREATE TABLE case_record (
    subdistrict_id INTEGER NOT NULL REFERENCES subdistricts(fid),
    id INTEGER NOT NULL UNIQUE,
    number TEXT NOT NULL,
    stage TEXT NOT NULL,
    category TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    reported_at INTEGER NOT NULL,
    watch_deadline INTEGER,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (subdistrict_id, id),
    UNIQUE (subdistrict_id, number)
);
CREATE INDEX case_record_stage_idx ON case_record (subdistrict_id, stage);
CREATE INDEX case_record_near_idx ON case_record (subdistrict_id, category, lat, lon);
CREATE INDEX case_record_watch_idx ON case_record (watch_deadline) WHERE watch_deadline IS NOT NULL;
CREATE INDEX case_record_reported_idx ON case_record (subdistrict_id, reported_at);

CREATE TABLE case_step (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    subdistrict_id INTEGER NOT NULL,
    case_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    address TEXT,
    body TEXT NOT NULL,
    FOREIGN KEY (subdistrict_id, case_id) REFERENCES case_record (subdistrict_id, id)
);
CREATE INDEX case_step_case_idx ON case_step (subdistrict_id, case_id, seq);

CREATE TABLE case_counter (
    subdistrict_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (subdistrict_id, year)
);

CREATE TABLE case_idempotency (
    actor TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    subdistrict_id INTEGER NOT NULL,
    case_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (actor, key)
);

CREATE TABLE case_photo (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    at INTEGER NOT NULL
);

CREATE TABLE case_category (
    code TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE case_unit (
    subdistrict_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (subdistrict_id, code)
);
CREATE TABLE case_setting (
    key TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TRIGGER case_step_no_update BEFORE UPDATE ON case_step
BEGIN SELECT RAISE(ABORT, 'case_step is append-only (UPDATE refused)'); END;
CREATE TRIGGER case_step_no_delete BEFORE DELETE ON case_step
BEGIN SELECT RAISE(ABORT, 'case_step is append-only (DELETE refused)'); END;

INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
 ('case_record', 'attributes', 'case_record', 'Cases of the closed loop (DB32/T 2763-2015, 11.6)', NULL),
 ('case_step', 'attributes', 'case_step', 'Case history, append-only', NULL),
 ('case_photo', 'attributes', 'case_photo', 'Photos of cases', NULL),
 ('case_category', 'attributes', 'case_category', 'Case categories', NULL),
 ('case_unit', 'attributes', 'case_unit', 'Units cases are dispatched to', NULL);
