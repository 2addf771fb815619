-- Audit rows keep an entity's geometry beside its JSON, as a GeoPackage geometry
-- blob (the encoding of the feature tables), not inside the JSON (issue 16): a
-- grid of 100,000 vertices is 3.8 MB of GeoJSON text per side, which every write
-- built and wrote inside its transaction, under the instance's write lock. Rows
-- written before this keep their geometry inside before/after.
ALTER TABLE audit_log ADD COLUMN before_geom BLOB;
ALTER TABLE audit_log ADD COLUMN after_geom BLOB;
