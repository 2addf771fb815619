SELECT id, at, subdistrict_id, actor, address, action, entity, entity_id, reason,
       before, after
  FROM audit_log
 WHERE ($1 IS NULL OR entity = $1)
   AND ($2 IS NULL OR entity_id = $2)
   AND ($3 IS NULL OR actor = $3)
   AND ($4 IS NULL OR at >= $4)
   AND ($5 IS NULL OR at < $5)
   AND ($6 IS NULL OR id < $6)
 ORDER BY id DESC
 LIMIT $7
