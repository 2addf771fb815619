-- Audit rows keep an entity's geometry beside its JSON, as geometry, not inside
-- the JSON (issue 16): a grid of 100,000 vertices is 3.8 MB of GeoJSON text per
-- side, which every write built, sent and parsed into jsonb inside its
-- transaction, under the instance's write lock. Rows written before this keep
-- their geometry inside before/after.
ALTER TABLE audit_log ADD COLUMN before_geom geometry(Geometry, 4326);
ALTER TABLE audit_log ADD COLUMN after_geom geometry(Geometry, 4326);

-- Geometry is compressed with LZ4, not the default pglz, where the server has it
-- (PostgreSQL 14+ built with lz4, as Debian's and the PGDG packages are):
-- compressing a 1.6 MB boundary took pglz about 200 ms, LZ4 under 30 ms, inside
-- every write transaction. Values already stored keep their compression.
DO $$
BEGIN
    ALTER TABLE grid ALTER COLUMN geom SET COMPRESSION lz4;
    ALTER TABLE subdistrict ALTER COLUMN boundary SET COMPRESSION lz4;
    ALTER TABLE building ALTER COLUMN geom SET COMPRESSION lz4;
    ALTER TABLE road ALTER COLUMN geom SET COMPRESSION lz4;
    ALTER TABLE audit_log ALTER COLUMN before_geom SET COMPRESSION lz4;
    ALTER TABLE audit_log ALTER COLUMN after_geom SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available; geometry keeps the default compression';
END
$$;
