INSERT INTO code_history (subdistrict_id, grid_id, old_code, new_code, actor, reason)
VALUES (?, ?, ?, ?, ?, ?)
