INSERT INTO road (subdistrict_id, id, osm_id, name, highway, geom)
SELECT s, i, o, n, h, ST_GeomFromEWKB(g)
  FROM UNNEST($1::int8[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::bytea[])
    AS t(s, i, o, n, h, g)
