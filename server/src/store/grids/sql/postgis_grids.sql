-- Every grid when $1 is NULL, else those whose id is in $1.
SELECT subdistrict_id, id, code, name, level, parent_id, kind, households, population,
       responsible, ST_AsBinary(geom) AS geom, version, created_at, updated_at
  FROM grid
 WHERE $1::int8[] IS NULL OR id = ANY($1)
 ORDER BY subdistrict_id, id
