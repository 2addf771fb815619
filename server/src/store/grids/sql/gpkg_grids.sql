-- Every grid when ?1 is NULL, else those whose id is in the JSON array ?1.
SELECT subdistrict_id, fid AS id, code, name, level, parent_id, kind, households, population,
       responsible, geom, version, created_at, updated_at
  FROM grids
 WHERE ?1 IS NULL OR fid IN (SELECT value FROM json_each(?1))
 ORDER BY subdistrict_id, fid
