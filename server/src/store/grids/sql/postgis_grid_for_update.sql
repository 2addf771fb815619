SELECT subdistrict_id, id, code, name, level, parent_id, kind, households, population,
       responsible, ST_AsBinary(geom) AS geom, version, created_at, updated_at
  FROM grid
 WHERE subdistrict_id = $1 AND id = $2
   FOR UPDATE
