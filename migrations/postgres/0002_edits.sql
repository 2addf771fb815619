-- The grid editor (issue 6): responsible people on grids, reasons in the audit
-- log, and the history of grid codes changed by renumbering, merging or moving.
ALTER TABLE grid ADD COLUMN responsible jsonb
    CHECK (responsible IS NULL OR jsonb_typeof(responsible) = 'array');

ALTER TABLE audit_log ADD COLUMN reason text;

-- Every old → new code, append-only. grid_id has no foreign key: the history
-- outlives a deleted grid.
CREATE TABLE code_history (
    subdistrict_id  bigint NOT NULL REFERENCES subdistrict(id),
    id              bigserial NOT NULL,
    grid_id         bigint NOT NULL,
    old_code        text NOT NULL,
    new_code        text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    reason          text,
    PRIMARY KEY (subdistrict_id, id)
);
CREATE INDEX code_history_grid_idx ON code_history (subdistrict_id, grid_id);
