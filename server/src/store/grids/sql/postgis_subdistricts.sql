SELECT id, code, name, ST_AsBinary(boundary) AS geom
  FROM subdistrict
 WHERE $1::int8[] IS NULL OR id = ANY($1)
 ORDER BY id
