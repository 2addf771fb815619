INSERT INTO audit_log (subdistrict_id, actor, action, entity, entity_id, before, after, reason,
                       before_geom, after_geom, address)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ST_GeomFromEWKB($9), ST_GeomFromEWKB($10), $11)
