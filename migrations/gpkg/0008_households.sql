-- Households, their people and special kinds, and household visits (issue 14):
-- see migrations/postgres/0008_households.sql. Identity numbers only as keyed
-- hash (`id_hash`, 32 bytes) and mask.
CREATE TABLE household (
    subdistrict_id INTEGER NOT NULL REFERENCES subdistricts(fid),
    id INTEGER NOT NULL UNIQUE,
    building_id INTEGER NOT NULL REFERENCES buildings(fid),
    grid_id INTEGER,
    address TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    room TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (subdistrict_id, id),
    UNIQUE (subdistrict_id, building_id, unit, room)
);
CREATE INDEX household_grid_idx ON household (subdistrict_id, grid_id);

CREATE TABLE household_person (
    subdistrict_id INTEGER NOT NULL,
    household_id INTEGER NOT NULL,
    ord INTEGER NOT NULL,
    name TEXT NOT NULL,
    phone TEXT,
    id_hash BLOB CHECK (id_hash IS NULL OR length(id_hash) = 32),
    id_masked TEXT,
    relation TEXT,
    PRIMARY KEY (subdistrict_id, household_id, ord),
    FOREIGN KEY (subdistrict_id, household_id) REFERENCES household (subdistrict_id, id)
        ON DELETE CASCADE,
    CHECK ((id_hash IS NULL) = (id_masked IS NULL))
);
CREATE UNIQUE INDEX household_person_id_hash_idx ON household_person (id_hash)
    WHERE id_hash IS NOT NULL;

CREATE TABLE household_special (
    subdistrict_id INTEGER NOT NULL,
    household_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('disabled', 'elderly_living_alone',
        'bereaved_of_only_child', 'single_parent', 'subsistence_allowance',
        'community_correction')),
    PRIMARY KEY (subdistrict_id, household_id, kind),
    FOREIGN KEY (subdistrict_id, household_id) REFERENCES household (subdistrict_id, id)
        ON DELETE CASCADE
);

CREATE TABLE household_visit (
    subdistrict_id INTEGER NOT NULL,
    id INTEGER NOT NULL UNIQUE,
    household_id INTEGER NOT NULL,
    worker_id INTEGER NOT NULL,
    worker_name TEXT NOT NULL,
    at INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('visited', 'not_home', 'declined')),
    note TEXT NOT NULL DEFAULT '',
    photos TEXT NOT NULL DEFAULT '',
    record_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (record_confirmed IN (0, 1)),
    case_id INTEGER,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (subdistrict_id, id),
    FOREIGN KEY (subdistrict_id, household_id) REFERENCES household (subdistrict_id, id)
);
CREATE INDEX household_visit_at_idx ON household_visit (subdistrict_id, at);
CREATE INDEX household_visit_household_idx ON household_visit (subdistrict_id, household_id, at);
