SELECT subdistrict_id, id, osm_id, name, usage, levels, households, ST_AsBinary(geom) AS geom
  FROM building
 WHERE $1::int8[] IS NULL OR id = ANY($1)
 ORDER BY subdistrict_id, id
