-- The coverage checks of gridd written in PostGIS SQL, on the metric column `gm`
-- (EPSG:32651, computed when the data was loaded, so not timed). Each statement
-- is one check; :tol is the tolerance in metres. Statements are separated by
-- lines holding only `;;`.
-- L1 gaps: the subdistrict minus the union of L1 grids, pieces wider than the tolerance.
SELECT 'gaps L1', count(*), coalesce(sum(ST_Area(g)), 0) FROM (
  SELECT (ST_Dump(ST_Difference(s.gm, u.g))).geom g
  FROM cb.sub s, (SELECT ST_Union(gm) g FROM cb.grids WHERE level = 1) u) d
WHERE NOT ST_IsEmpty(ST_Buffer(g, -:tol / 2));
;;
-- L2/L3 gaps and children outside their parent: per parent, the union of its children.
SELECT 'gaps+outside L' || lvl, count(*) FILTER (WHERE kind = 'gap'), count(*) FILTER (WHERE kind = 'out'),
       coalesce(sum(ST_Area(g)), 0) FROM (
  SELECT l.lvl, k.kind, (ST_Dump(CASE k.kind WHEN 'gap' THEN ST_Difference(p.gm, coalesce(u.g, 'POLYGON EMPTY'::geometry))
                                          ELSE ST_Difference(u.g, p.gm) END)).geom g
  FROM (VALUES (2), (3)) l(lvl)
  JOIN cb.grids p ON p.level = l.lvl - 1
  LEFT JOIN LATERAL (SELECT ST_Union(c.gm) g FROM cb.grids c WHERE c.parent_id = p.id) u ON true
  CROSS JOIN (VALUES ('gap'), ('out')) k(kind)) d
WHERE NOT ST_IsEmpty(g) AND NOT ST_IsEmpty(ST_Buffer(g, -:tol / 2))
GROUP BY lvl;
;;
-- L1 outside the subdistrict.
SELECT 'outside L1', count(*) FROM (
  SELECT (ST_Dump(ST_Difference(g.gm, s.gm))).geom g FROM cb.grids g, cb.sub s WHERE g.level = 1) d
WHERE NOT ST_IsEmpty(ST_Buffer(g, -:tol / 2));
;;
-- Overlaps: pairwise intersections of same-level neighbours found with the GiST index.
SELECT 'overlaps', count(*), coalesce(sum(ST_Area(g)), 0) FROM (
  SELECT (ST_Dump(ST_Intersection(a.gm, b.gm))).geom g
  FROM cb.grids a JOIN cb.grids b ON a.gm && b.gm AND a.level = b.level AND a.id < b.id) d
WHERE ST_Dimension(g) = 2 AND NOT ST_IsEmpty(ST_Buffer(g, -:tol / 2));
;;
-- Buildings in no L3 grid, or split beyond 10 %.
SELECT 'buildings', count(*) FILTER (WHERE m IS NULL OR m < 0.5 * a), count(*) FILTER (WHERE m >= 0.5 * a AND a - m > 0.1 * a) FROM (
  SELECT b.id, ST_Area(b.gm) a, max(ST_Area(ST_Intersection(b.gm, g.gm))) m
  FROM cb.buildings b LEFT JOIN cb.grids g ON g.level = 3 AND g.gm && b.gm AND ST_Intersects(g.gm, b.gm)
  GROUP BY b.id, b.gm) s;
;;
-- Invalid geometries, duplicate codes, codes not prefixed by the parent's, size rule.
SELECT 'rules',
  (SELECT count(*) FROM cb.grids WHERE NOT ST_IsValid(geom)),
  (SELECT count(*) FROM (SELECT code FROM cb.grids GROUP BY code HAVING count(*) > 1) d),
  (SELECT count(*) FROM cb.grids c JOIN cb.grids p ON p.id = c.parent_id WHERE left(c.code, length(p.code)) <> p.code OR length(c.code) <> length(p.code) + 3),
  (SELECT count(*) FROM cb.grids WHERE level = 3 AND ((kind = 'residential' AND households NOT BETWEEN 150 AND 450) OR (kind = 'scattered' AND households NOT BETWEEN 50 AND 150)));
