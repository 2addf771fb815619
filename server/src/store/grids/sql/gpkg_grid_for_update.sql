-- No row locks in SQLite: the transaction began IMMEDIATE and holds the file's
-- write lock.
SELECT subdistrict_id, fid AS id, code, name, level, parent_id, kind, households, population,
       responsible, geom, version, created_at, updated_at
  FROM grids
 WHERE subdistrict_id = ?1 AND fid = ?2
