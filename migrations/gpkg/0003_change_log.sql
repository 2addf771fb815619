-- The change log: one row per committed write, numbered in commit order (SQLite
-- has one writer at a time). The embedded store has no followers; the log keeps
-- both stores alike and numbers the changes for subscribers.
CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    origin TEXT NOT NULL,
    subdistrict_id INTEGER NOT NULL,
    ids TEXT NOT NULL CHECK (json_valid(ids))
);

INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
 ('change_log', 'attributes', 'change_log', 'Committed writes, numbered in commit order', NULL);
