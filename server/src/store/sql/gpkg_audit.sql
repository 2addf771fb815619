INSERT INTO audit_log (subdistrict_id, actor, action, entity, entity_id, before, after, reason,
                       before_geom, after_geom, address)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
