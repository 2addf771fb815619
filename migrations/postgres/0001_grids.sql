-- gridd schema for PostgreSQL + PostGIS. Citus-ready: every table of
-- per-subdistrict data carries subdistrict_id first in its primary key.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE subdistrict (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[0-9]{9}$'),
    name        text NOT NULL CHECK (length(trim(name)) > 0),
    boundary    geometry(Geometry, 4326) NOT NULL
                CHECK (GeometryType(boundary) IN ('POLYGON', 'MULTIPOLYGON')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE grid (
    subdistrict_id  bigint NOT NULL REFERENCES subdistrict(id),
    id              bigserial NOT NULL,
    code            text NOT NULL CHECK (code ~ '^[0-9]+$'),
    name            text NOT NULL CHECK (length(trim(name)) > 0),
    level           smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
    parent_id       bigint,
    kind            text NOT NULL CHECK (kind IN ('residential', 'scattered', 'commercial', 'other')),
    households      integer CHECK (households >= 0),
    population      integer CHECK (population >= 0),
    geom            geometry(Geometry, 4326) NOT NULL
                    CHECK (GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON')),
    version         bigint NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subdistrict_id, id),
    UNIQUE (subdistrict_id, code),
    FOREIGN KEY (subdistrict_id, parent_id) REFERENCES grid (subdistrict_id, id)
);
CREATE INDEX grid_geom_idx ON grid USING gist (geom);
CREATE INDEX grid_parent_idx ON grid (subdistrict_id, parent_id);

CREATE TABLE building (
    subdistrict_id  bigint NOT NULL REFERENCES subdistrict(id),
    id              bigserial NOT NULL,
    osm_id          bigint,
    name            text,
    usage           text NOT NULL,
    levels          double precision NOT NULL,
    households      integer NOT NULL CHECK (households >= 0),
    geom            geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY (subdistrict_id, id)
);
CREATE INDEX building_geom_idx ON building USING gist (geom);

CREATE TABLE road (
    subdistrict_id  bigint NOT NULL REFERENCES subdistrict(id),
    id              bigserial NOT NULL,
    osm_id          bigint,
    name            text,
    highway         text NOT NULL,
    geom            geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY (subdistrict_id, id)
);
CREATE INDEX road_geom_idx ON road USING gist (geom);

-- Who changed what, when; before/after as JSON. Append-only.
CREATE TABLE audit_log (
    subdistrict_id  bigint NOT NULL,
    id              bigserial NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    action          text NOT NULL,
    entity          text NOT NULL,
    entity_id       bigint,
    before          jsonb,
    after           jsonb,
    PRIMARY KEY (subdistrict_id, id)
);
