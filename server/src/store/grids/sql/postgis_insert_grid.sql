INSERT INTO grid (subdistrict_id, code, name, level, parent_id, kind, households, population, geom, responsible)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ST_GeomFromEWKB($9), $10)
RETURNING subdistrict_id, id, code, name, level, parent_id, kind, households, population,
          responsible, ST_AsBinary(geom) AS geom, version, created_at, updated_at
