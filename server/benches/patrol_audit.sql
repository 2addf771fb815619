-- The weekly patrol audit of issue 13 written in PostGIS SQL: the anchor of
-- server/benches/patrol_audit.rs, which runs it beside gridd's audit on the same
-- rows of track_fix. {from_ms}, {to_ms} (the week, Unix ms) and {max_worker} (the
-- workers measured: account ids up to it) are filled in by the benchmark;
-- pa.grid (id, geom) holds the L3 grids, pa.own (worker, grid) each worker's.
--
-- 1. A worker's counted fixes in time order; a stretch ends where two fixes are
--    more than 5 min apart (the product's max_gap_ms).
-- 2. Each stretch a line (ST_MakeLine), the time as Z (seconds into the week).
-- 3. The line cut by each of the worker's own grids (ST_Intersection; GEOS
--    interpolates Z where the line crosses the boundary), each piece a stretch
--    inside the grid: its duration from Z, its length on the spheroid.
-- 4. A patrol: a piece of at least 20 min and 500 m; per grid the count.
--
-- Unlike the product there is no excursion tolerance: any step out of the grid
-- cuts the piece (the benchmark's walks never leave a grid mid-patrol).
WITH f AS (
    SELECT worker, time_ms, lon, lat,
           CASE WHEN time_ms - lag(time_ms) OVER w <= 300000 THEN 0 ELSE 1 END AS brk
    FROM track_fix
    WHERE flag IS NULL AND time_ms >= {from_ms} AND time_ms < {to_ms}
      AND worker <= {max_worker}
    WINDOW w AS (PARTITION BY worker ORDER BY time_ms)
), s AS (
    SELECT worker, time_ms, lon, lat,
           sum(brk) OVER (PARTITION BY worker ORDER BY time_ms) AS stretch
    FROM f
), lines AS (
    SELECT worker, stretch,
           ST_SetSRID(ST_MakeLine(ST_MakePoint(lon, lat, (time_ms - {from_ms}) / 1000.0)
                                  ORDER BY time_ms), 4326) AS geom
    FROM s
    GROUP BY worker, stretch
    HAVING count(*) > 1
), pieces AS (
    SELECT l.worker, o.grid,
           (ST_Dump(ST_Intersection(l.geom, g.geom))).geom AS piece
    FROM lines l
    JOIN pa.own o ON o.worker = l.worker
    JOIN pa.grid g ON g.id = o.grid AND ST_Intersects(l.geom, g.geom)
), patrols AS (
    SELECT worker, grid
    FROM pieces
    WHERE ST_GeometryType(piece) = 'ST_LineString'
      AND ST_ZMax(piece) - ST_ZMin(piece) >= 1200
      AND ST_Length(ST_Force2D(piece)::geography) >= 500
)
SELECT o.grid, count(p.grid) AS patrols
FROM pa.own o
LEFT JOIN patrols p ON p.grid = o.grid AND p.worker = o.worker
WHERE o.worker <= {max_worker}
GROUP BY o.grid
ORDER BY o.grid;
