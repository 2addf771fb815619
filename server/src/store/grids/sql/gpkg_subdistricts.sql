SELECT fid AS id, code, name, geom
  FROM subdistricts
 WHERE ?1 IS NULL OR fid IN (SELECT value FROM json_each(?1))
 ORDER BY fid
