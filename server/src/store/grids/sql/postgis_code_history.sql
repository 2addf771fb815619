SELECT grid_id, old_code, new_code, at, actor, reason
  FROM code_history
 WHERE subdistrict_id = $1 AND grid_id = $2
 ORDER BY id
