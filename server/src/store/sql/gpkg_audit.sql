INSERT INTO audit_log (subdistrict_id, actor, action, entity, entity_id, before, after, reason)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
