-- Staff and grid teams (网格人员, issue 14; clause 10, docs/teams.md): the
-- people who serve in grids and each grid's team, a person in a role (10.2).
-- A staff member's phone is shown on public pages only when `phone_public`.
-- Times are Unix seconds.
CREATE TABLE staff (
    subdistrict_id  bigint NOT NULL REFERENCES subdistrict(id),
    id              bigserial NOT NULL,
    name            text NOT NULL CHECK (name <> ''),
    employer        text NOT NULL CHECK (employer IN ('subdistrict_office', 'community',
                        'property_company', 'vertical_department', 'other')),
    unit            text NOT NULL DEFAULT '',
    phone           text,
    phone_public    boolean NOT NULL DEFAULT false,
    active          boolean NOT NULL DEFAULT true,
    created_at      bigint NOT NULL,
    updated_at      bigint NOT NULL,
    PRIMARY KEY (subdistrict_id, id),
    CHECK (phone IS NOT NULL OR NOT phone_public)
);
CREATE UNIQUE INDEX staff_id_idx ON staff (id);

-- A grid's team: one row per person and role. A team is replaced whole. No
-- foreign key to the grid: a deleted grid's rows are left and never read (the
-- reports walk the grids that exist).
CREATE TABLE grid_team_member (
    subdistrict_id  bigint NOT NULL,
    grid_id         bigint NOT NULL,
    role            text NOT NULL CHECK (role IN ('subdistrict_leader', 'section_head',
                        'party_secretary', 'committee_member', 'subdistrict_worker',
                        'community_worker', 'building_head', 'property_worker',
                        'department_member')),
    staff_id        bigint NOT NULL,
    ord             integer NOT NULL,
    PRIMARY KEY (subdistrict_id, grid_id, role, staff_id),
    FOREIGN KEY (subdistrict_id, staff_id) REFERENCES staff (subdistrict_id, id)
);
CREATE INDEX grid_team_member_staff_idx ON grid_team_member (subdistrict_id, staff_id);
