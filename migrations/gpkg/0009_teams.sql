-- Staff and grid teams (issue 14): see migrations/postgres/0009_teams.sql.
CREATE TABLE staff (
    subdistrict_id INTEGER NOT NULL REFERENCES subdistricts(fid),
    id INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL CHECK (name <> ''),
    employer TEXT NOT NULL CHECK (employer IN ('subdistrict_office', 'community',
        'property_company', 'vertical_department', 'other')),
    unit TEXT NOT NULL DEFAULT '',
    phone TEXT,
    phone_public INTEGER NOT NULL DEFAULT 0 CHECK (phone_public IN (0, 1)),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (subdistrict_id, id),
    CHECK (phone IS NOT NULL OR NOT phone_public)
);

CREATE TABLE grid_team_member (
    subdistrict_id INTEGER NOT NULL,
    grid_id INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('subdistrict_leader', 'section_head',
        'party_secretary', 'committee_member', 'subdistrict_worker',
        'community_worker', 'building_head', 'property_worker',
        'department_member')),
    staff_id INTEGER NOT NULL,
    ord INTEGER NOT NULL,
    PRIMARY KEY (subdistrict_id, grid_id, role, staff_id),
    FOREIGN KEY (subdistrict_id, staff_id) REFERENCES staff (subdistrict_id, id)
);
CREATE INDEX grid_team_member_staff_idx ON grid_team_member (subdistrict_id, staff_id);
