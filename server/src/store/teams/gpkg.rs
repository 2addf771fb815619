//! GeoPackage: a new staff member's id is the next number, taken under
//! `BEGIN IMMEDIATE` (one writer at a time).

use crate::store::GpkgStore;

super::team_store!(
    GpkgStore,
    "BEGIN IMMEDIATE",
    "INSERT INTO staff (id, subdistrict_id, name, employer, unit, phone, phone_public, active, \
     created_at, updated_at) VALUES ((SELECT coalesce(max(id), 0) + 1 FROM staff), \
     $1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id"
);
