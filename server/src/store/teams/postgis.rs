//! PostGIS: a new staff member's id from the `staff` sequence.

use crate::store::PostgisStore;

super::team_store!(
    PostgisStore,
    "BEGIN",
    "INSERT INTO staff (subdistrict_id, name, employer, unit, phone, phone_public, active, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id"
);
