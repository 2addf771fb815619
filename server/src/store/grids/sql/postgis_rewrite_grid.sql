UPDATE grid
   SET code = $4, name = $5, level = $6, parent_id = $7, kind = $8, households = $9,
       population = $10, geom = ST_GeomFromEWKB($11), responsible = $12,
       version = version + 1, updated_at = now()
 WHERE subdistrict_id = $1 AND id = $2 AND version = $3
RETURNING subdistrict_id, id, code, name, level, parent_id, kind, households, population,
          responsible, ST_AsBinary(geom) AS geom, version, created_at, updated_at
