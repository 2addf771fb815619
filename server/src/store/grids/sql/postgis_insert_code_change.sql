INSERT INTO code_history (subdistrict_id, grid_id, old_code, new_code, actor, reason)
VALUES ($1, $2, $3, $4, $5, $6)
