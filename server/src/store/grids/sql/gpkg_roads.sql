SELECT subdistrict_id, fid AS id, osm_id, name, highway, geom
  FROM roads
 WHERE ?1 IS NULL OR fid IN (SELECT value FROM json_each(?1))
 ORDER BY subdistrict_id, fid
