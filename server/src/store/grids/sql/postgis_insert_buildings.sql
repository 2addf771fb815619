-- Many thousand buildings per statement, sent as arrays (one round trip each
-- instead of one per row); ids drawn from the sequence beforehand, in order.
INSERT INTO building (subdistrict_id, id, osm_id, name, usage, levels, households, geom)
SELECT s, i, o, n, u, l, h, ST_GeomFromEWKB(g)
  FROM UNNEST($1::int8[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::float8[], $7::int4[], $8::bytea[])
    AS t(s, i, o, n, u, l, h, g)
