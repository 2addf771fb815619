SELECT subdistrict_id, id, osm_id, name, highway, ST_AsBinary(geom) AS geom
  FROM road
 WHERE $1::int8[] IS NULL OR id = ANY($1)
 ORDER BY subdistrict_id, id
