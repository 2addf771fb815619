-- Households (户), their people and special kinds, and household visits (走访),
-- issue 14 (docs/households.md). Personal data: a person's identity number is
-- never stored, only its keyed hash (`id_hash`, HMAC-SHA-256 under the server's
-- key: matches, cannot be read back) and its mask (`id_masked`, 110105********002X).
-- Times are Unix seconds (bigint), alike in both stores.
CREATE TABLE household (
    subdistrict_id  bigint NOT NULL REFERENCES subdistrict(id),
    id              bigserial NOT NULL,
    building_id     bigint NOT NULL,
    -- The deepest grid the building lies in, placed at import (NULL: in none).
    grid_id         bigint,
    address         text NOT NULL DEFAULT '',
    unit            text NOT NULL DEFAULT '',
    room            text NOT NULL,
    -- When it was put on record: rules whose window ended before do not apply.
    created_at      bigint NOT NULL,
    PRIMARY KEY (subdistrict_id, id),
    UNIQUE (subdistrict_id, building_id, unit, room),
    FOREIGN KEY (subdistrict_id, building_id) REFERENCES building (subdistrict_id, id)
);
CREATE UNIQUE INDEX household_id_idx ON household (id);
CREATE INDEX household_grid_idx ON household (subdistrict_id, grid_id);

-- One row per person; `ord` 0 is the head (户主) unless a relation says otherwise.
CREATE TABLE household_person (
    subdistrict_id  bigint NOT NULL,
    household_id    bigint NOT NULL,
    ord             integer NOT NULL,
    name            text NOT NULL,
    phone           text,
    id_hash         bytea CHECK (id_hash IS NULL OR length(id_hash) = 32),
    id_masked       text,
    relation        text,
    PRIMARY KEY (subdistrict_id, household_id, ord),
    FOREIGN KEY (subdistrict_id, household_id) REFERENCES household (subdistrict_id, id)
        ON DELETE CASCADE,
    CHECK ((id_hash IS NULL) = (id_masked IS NULL))
);
-- One identity number is one person, on record once (in any subdistrict).
CREATE UNIQUE INDEX household_person_id_hash_idx ON household_person (id_hash)
    WHERE id_hash IS NOT NULL;

-- The six kinds of special household (Annex A note a); a household may be several.
CREATE TABLE household_special (
    subdistrict_id  bigint NOT NULL,
    household_id    bigint NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('disabled', 'elderly_living_alone',
                        'bereaved_of_only_child', 'single_parent', 'subsistence_allowance',
                        'community_correction')),
    PRIMARY KEY (subdistrict_id, household_id, kind),
    FOREIGN KEY (subdistrict_id, household_id) REFERENCES household (subdistrict_id, id)
        ON DELETE CASCADE
);

CREATE TABLE household_visit (
    subdistrict_id   bigint NOT NULL,
    id               bigserial NOT NULL,
    household_id     bigint NOT NULL,
    -- The worker's account id, and their name as it was.
    worker_id        bigint NOT NULL,
    worker_name      text NOT NULL,
    at               bigint NOT NULL,
    outcome          text NOT NULL CHECK (outcome IN ('visited', 'not_home', 'declined')),
    note             text NOT NULL DEFAULT '',
    -- Case photo ids (POST /case-photos), comma-separated; '' for none.
    photos           text NOT NULL DEFAULT '',
    -- Annex A 15: the household's record was checked with the household.
    record_confirmed boolean NOT NULL DEFAULT false,
    -- The case the visit opened.
    case_id          bigint,
    recorded_at      bigint NOT NULL,
    PRIMARY KEY (subdistrict_id, id),
    FOREIGN KEY (subdistrict_id, household_id) REFERENCES household (subdistrict_id, id)
);
CREATE UNIQUE INDEX household_visit_id_idx ON household_visit (id);
CREATE INDEX household_visit_at_idx ON household_visit (subdistrict_id, at);
CREATE INDEX household_visit_household_idx ON household_visit (subdistrict_id, household_id, at);
