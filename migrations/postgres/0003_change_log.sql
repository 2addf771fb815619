-- The change log: one row per committed write, numbered in commit order (writers
-- take a transaction-level advisory lock just before inserting their row, so the
-- numbers grow in the order the transactions commit). Other instances read it to
-- follow: NOTIFY gridd carries only the origin and the number, the ids are here.
-- It coordinates instances across subdistricts, so its key is the number alone
-- (under Citus a table on the coordinator, not a distributed one).
CREATE TABLE change_log (
    seq             bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    origin          text NOT NULL,
    subdistrict_id  bigint NOT NULL,
    ids             jsonb NOT NULL
);
