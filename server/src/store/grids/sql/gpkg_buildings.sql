SELECT subdistrict_id, fid AS id, osm_id, name, usage, levels, households, geom
  FROM buildings
 WHERE ?1 IS NULL OR fid IN (SELECT value FROM json_each(?1))
 ORDER BY subdistrict_id, fid
