SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at,
       subdistrict_id, actor, address, action, entity, entity_id, reason,
       before::text AS before, after::text AS after
  FROM audit_log
 WHERE ($1::text IS NULL OR entity = $1::text)
   AND ($2::bigint IS NULL OR entity_id = $2::bigint)
   AND ($3::text IS NULL OR actor = $3::text)
   AND ($4::text IS NULL OR at >= $4::timestamptz)
   AND ($5::text IS NULL OR at < $5::timestamptz)
   AND ($6::bigint IS NULL OR id < $6::bigint)
 ORDER BY id DESC
 LIMIT $7
