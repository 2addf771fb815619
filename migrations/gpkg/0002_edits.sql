-- The grid editor (issue 6): responsible people on grids (JSON text), reasons in
-- the audit log, and the history of grid codes.
ALTER TABLE grids ADD COLUMN responsible TEXT
    CHECK (responsible IS NULL OR json_type(responsible) = 'array');

ALTER TABLE audit_log ADD COLUMN reason TEXT;

CREATE TABLE code_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subdistrict_id INTEGER NOT NULL,
    grid_id INTEGER NOT NULL,
    old_code TEXT NOT NULL,
    new_code TEXT NOT NULL,
    at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    actor TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX code_history_grid_idx ON code_history (subdistrict_id, grid_id);

INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
 ('code_history', 'attributes', 'code_history', 'Old and new grid codes (renumbering)', NULL);
