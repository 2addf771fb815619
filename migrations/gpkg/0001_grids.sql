-- gridd schema for the embedded store: an OGC GeoPackage 1.3 file (SQLite).
-- Core tables per the GeoPackage standard, then gridd's feature tables. Geometry
-- columns hold GeoPackage binary geometry (header + WKB), SRS EPSG:4326.
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
    srs_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL PRIMARY KEY,
    organization TEXT NOT NULL,
    organization_coordsys_id INTEGER NOT NULL,
    definition TEXT NOT NULL,
    description TEXT
);
INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES
 ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
 ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
 ('WGS 84 geodetic', 4326, 'EPSG', 4326,
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
  'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');

CREATE TABLE IF NOT EXISTS gpkg_contents (
    table_name TEXT NOT NULL PRIMARY KEY,
    data_type TEXT NOT NULL,
    identifier TEXT UNIQUE,
    description TEXT DEFAULT '',
    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
    srs_id INTEGER,
    CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);

CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    geometry_type_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL,
    z TINYINT NOT NULL,
    m TINYINT NOT NULL,
    CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
    CONSTRAINT uk_gc_table_name UNIQUE (table_name),
    CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);

CREATE TABLE subdistricts (
    fid INTEGER PRIMARY KEY AUTOINCREMENT,
    geom GEOMETRY NOT NULL,
    code TEXT NOT NULL UNIQUE CHECK (length(code) = 9),
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    created_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE grids (
    fid INTEGER PRIMARY KEY AUTOINCREMENT,
    geom GEOMETRY NOT NULL,
    subdistrict_id INTEGER NOT NULL REFERENCES subdistricts(fid),
    code TEXT NOT NULL,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    parent_id INTEGER REFERENCES grids(fid),
    kind TEXT NOT NULL CHECK (kind IN ('residential', 'scattered', 'commercial', 'other')),
    households INTEGER CHECK (households >= 0),
    population INTEGER CHECK (population >= 0),
    version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (subdistrict_id, code)
);
CREATE INDEX grids_parent_idx ON grids (parent_id);

CREATE TABLE buildings (
    fid INTEGER PRIMARY KEY AUTOINCREMENT,
    geom GEOMETRY NOT NULL,
    subdistrict_id INTEGER NOT NULL REFERENCES subdistricts(fid),
    osm_id INTEGER,
    name TEXT,
    usage TEXT NOT NULL,
    levels REAL NOT NULL,
    households INTEGER NOT NULL
);

CREATE TABLE roads (
    fid INTEGER PRIMARY KEY AUTOINCREMENT,
    geom GEOMETRY NOT NULL,
    subdistrict_id INTEGER NOT NULL REFERENCES subdistricts(fid),
    osm_id INTEGER,
    name TEXT,
    highway TEXT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subdistrict_id INTEGER NOT NULL,
    at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER,
    before TEXT,
    after TEXT
);

INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
 ('subdistricts', 'features', 'subdistricts', 'Subdistrict boundaries (街道)', 4326),
 ('grids', 'features', 'grids', 'Grids of every level (网格), DB32/T 2763-2015', 4326),
 ('buildings', 'features', 'buildings', 'Building footprints with estimated households', 4326),
 ('roads', 'features', 'roads', 'Road centre lines', 4326),
 ('audit_log', 'attributes', 'audit_log', 'Who changed what, when', NULL);
INSERT INTO gpkg_geometry_columns VALUES
 ('subdistricts', 'geom', 'GEOMETRY', 4326, 0, 0),
 ('grids', 'geom', 'GEOMETRY', 4326, 0, 0),
 ('buildings', 'geom', 'GEOMETRY', 4326, 0, 0),
 ('roads', 'geom', 'GEOMETRY', 4326, 0, 0);
