-- Grid workers' GPS fixes (巡查轨迹, issue 13): see migrations/postgres/0007_tracks.sql
-- (there partitioned by month; here one table).
CREATE TABLE track_fix (
    worker INTEGER NOT NULL,
    time_ms INTEGER NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    accuracy_m REAL,
    speed_mps REAL,
    subdistrict_id INTEGER,
    grid_id INTEGER,
    flag TEXT CHECK (flag IN ('time_backwards', 'inaccurate', 'outside', 'too_fast')),
    received_at INTEGER NOT NULL,
    CHECK (lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90)
);
CREATE INDEX track_fix_worker_idx ON track_fix (worker, time_ms);
CREATE INDEX track_fix_grid_idx ON track_fix (grid_id, time_ms) WHERE flag IS NULL;
