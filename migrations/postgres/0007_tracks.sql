-- Grid workers' GPS fixes (巡查轨迹, issue 13), as they arrived: every fix of a
-- request that passed its checks, the counted ones placed into their grid, the
-- others with the reason they are not counted (`flag`). Partitioned by month of
-- the device time (`time_ms`, Unix milliseconds): months of fixes keep their
-- indexes small, and an old month is dropped whole. The store creates a month's
-- partition the first time a fix of that month arrives (track_fix_yYYYYmMM).
CREATE TABLE track_fix (
    worker          bigint NOT NULL,
    time_ms         bigint NOT NULL,
    lon             double precision NOT NULL,
    lat             double precision NOT NULL,
    accuracy_m      real,
    speed_mps       real,
    -- Where placing found it (NULL: outside every subdistrict / grid).
    subdistrict_id  bigint,
    -- The deepest grid it lies in.
    grid_id         bigint,
    -- NULL: counted; else why not (time_backwards, inaccurate, outside, too_fast).
    flag            text CHECK (flag IN ('time_backwards', 'inaccurate', 'outside', 'too_fast')),
    received_at     bigint NOT NULL,
    CHECK (lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90)
) PARTITION BY RANGE (time_ms);
CREATE INDEX track_fix_worker_idx ON track_fix (worker, time_ms);
CREATE INDEX track_fix_grid_idx ON track_fix (grid_id, time_ms) WHERE flag IS NULL;
