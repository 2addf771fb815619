UPDATE grids
   SET code = ?4, name = ?5, level = ?6, parent_id = ?7, kind = ?8, households = ?9,
       population = ?10, geom = ?11, responsible = ?12, version = version + 1, updated_at = ?13
 WHERE subdistrict_id = ?1 AND fid = ?2 AND version = ?3
RETURNING subdistrict_id, fid AS id, code, name, level, parent_id, kind, households, population,
          responsible, geom, version, created_at, updated_at
