-- The weekly patrol audit of issue 13 written in PostGIS SQL: the anchor of
-- server/benches/patrol_audit.rs, which runs it beside gridd's audit on the same
-- rows of track_fix. {from_ms}, {to_ms} (the week, Unix ms) and {max_worker} (the
-- workers measured: account ids up to it) are filled in by the benchmark;
-- pa.grid (id, geom) holds the L3 grids, pa.own (worker, grid) each worker's.
--
-- 1. A worker's counted fixes in time order; each step from one fix to the next
--    (at most 5 min apart: the product's max_gap_ms) a line, ST_MakeLine of the
--    two fixes, the time as Z (seconds into the week).
-- 2. Each step cut by each of the worker's own grids it meets (ST_Intersection;
--    GEOS interpolates Z where it crosses the boundary): the time and the length
--    (on the spheroid) of the step inside the grid.
-- 3. A stretch inside a grid: consecutive steps that all have a part inside it
--    (gaps and islands over the worker's step numbers). A patrol: a stretch of at
--    least 20 min and 500 m inside. Per grid the count.
--
-- Why steps and not one ST_MakeLine per stretch cut once: a patrol walks its
-- streets more than once, and GEOS's overlay nodes and dissolves a line that
-- runs over itself, so the pieces of one cut lose their order and their times
-- (tried first: every piece came out shorter than 20 min).
--
-- Unlike the product there is no excursion tolerance beyond one fix: a step
-- wholly outside the grid ends the stretch (a fix outside gives two steps that
-- each touch the grid, so a one-fix excursion is kept); a worker standing still
-- (a zero-length step) also ends it. The benchmark's walks never do either.
WITH f AS (
    SELECT worker, time_ms, lon, lat,
           row_number() OVER w AS k,
           lag(time_ms) OVER w AS pt, lag(lon) OVER w AS plon, lag(lat) OVER w AS plat
    FROM track_fix
    WHERE flag IS NULL AND time_ms >= {from_ms} AND time_ms < {to_ms}
      AND worker <= {max_worker}
    WINDOW w AS (PARTITION BY worker ORDER BY time_ms)
), steps AS (
    SELECT worker, k,
           ST_SetSRID(ST_MakeLine(ST_MakePoint(plon, plat, (pt - {from_ms}) / 1000.0),
                                  ST_MakePoint(lon, lat, (time_ms - {from_ms}) / 1000.0)),
                      4326) AS geom
    FROM f
    WHERE pt IS NOT NULL AND time_ms - pt <= 300000
), cut AS (
    SELECT s.worker, o.grid, s.k, ST_Intersection(s.geom, g.geom) AS piece
    FROM steps s
    JOIN pa.own o ON o.worker = s.worker
    JOIN pa.grid g ON g.id = o.grid AND s.geom && g.geom
), inside AS (
    SELECT worker, grid, k,
           ST_ZMax(piece) - ST_ZMin(piece) AS dur_s,
           ST_Length(ST_Force2D(piece)::geography) AS len_m
    FROM cut
    WHERE NOT ST_IsEmpty(piece) AND ST_Dimension(piece) = 1
), islands AS (
    SELECT worker, grid, dur_s, len_m,
           k - row_number() OVER (PARTITION BY worker, grid ORDER BY k) AS island
    FROM inside
), patrols AS (
    SELECT worker, grid
    FROM islands
    GROUP BY worker, grid, island
    HAVING sum(dur_s) >= 1200 AND sum(len_m) >= 500
)
SELECT o.grid, count(p.grid) AS patrols
FROM pa.own o
LEFT JOIN patrols p ON p.grid = o.grid AND p.worker = o.worker
WHERE o.worker <= {max_worker}
GROUP BY o.grid
ORDER BY o.grid;
