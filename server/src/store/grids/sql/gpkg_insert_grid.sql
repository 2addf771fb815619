INSERT INTO grids (subdistrict_id, code, name, level, parent_id, kind, households, population, geom,
                   responsible, version, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?11)
RETURNING subdistrict_id, fid AS id, code, name, level, parent_id, kind, households, population,
          responsible, geom, version, created_at, updated_at
