SELECT grid_id, old_code, new_code, at, actor, reason
  FROM code_history
 WHERE subdistrict_id = ? AND grid_id = ?
 ORDER BY id
