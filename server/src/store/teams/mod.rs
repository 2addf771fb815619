//! Storage of staff and grid teams (issue 14, `docs/teams.md`): `staff` (one row
//! per person, never deleted: one who leaves is marked not serving) and
//! `grid_team_member` (a person in a role of a grid's team). A team is replaced
//! whole in one transaction. The statements are one SQL text for both backends
//! ([`team_store!`]); only a new staff member's id differs (PostGIS: a sequence;
//! GeoPackage: the next number under `BEGIN IMMEDIATE`).

mod gpkg;
mod postgis;

use std::collections::HashMap;

use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::households::Phone;
use crate::teams::{Assignment, Employer, Role, Staff, StaffId};

/// The storage of staff and teams.
#[async_trait]
pub trait TeamStore: Send + Sync {
    /// Stores a new staff member; answers its id.
    async fn insert_staff(&self, s: &Staff, now: i64) -> Result<StaffId>;
    /// Replaces a staff member's fields (not its subdistrict); false when there
    /// is no such member.
    async fn update_staff(&self, s: &Staff, now: i64) -> Result<bool>;
    /// The staff of a subdistrict (of all when `None`), in id order.
    async fn staff(&self, subdistrict: Option<i64>) -> Result<Vec<Staff>>;
    /// One staff member.
    async fn staff_member(&self, id: StaffId) -> Result<Option<Staff>>;
    /// Replaces a grid's whole team, in one transaction.
    async fn put_team(&self, subdistrict: i64, grid: i64, team: &[Assignment]) -> Result<()>;
    /// A grid's team, in the order it was given.
    async fn team(&self, grid: i64) -> Result<Vec<Assignment>>;
    /// Every team of a subdistrict (of all when `None`), by grid.
    async fn teams(&self, subdistrict: Option<i64>) -> Result<HashMap<i64, Vec<Assignment>>>;
}

/// A staff row: subdistrict, id, name, employer, unit, phone, public, active.
type StaffRow = (i64, i64, String, String, String, Option<String>, bool, bool);

/// The columns of [`StaffRow`].
const STAFF_COLUMNS: &str = "subdistrict_id, id, name, employer, unit, phone, phone_public, active";

fn bad_row(table: &str, id: i64, why: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("{table} {id}: {why}"))
}

/// Decodes a staff row, refusing what gridd never writes.
fn staff_of(r: StaffRow) -> Result<Staff> {
    let employer = Employer::parse(&r.3)
        .ok_or_else(|| bad_row("staff", r.1, format!("employer {:?}", r.3)))?;
    let phone = match r.5 {
        None => None,
        Some(p) => {
            Some(Phone::parse(&p).map_err(|e| bad_row("staff", r.1, format!("phone: {e}")))?)
        }
    };
    Ok(Staff {
        subdistrict_id: r.0,
        id: r.1,
        name: r.2,
        employer,
        unit: r.4,
        phone,
        phone_public: r.6,
        active: r.7,
    })
}

/// Decodes a team row (grid, staff, role).
fn member_of(grid: i64, staff_id: i64, role: &str) -> Result<Assignment> {
    let role = Role::parse(role)
        .ok_or_else(|| bad_row("grid_team_member", grid, format!("role {role:?}")))?;
    Ok(Assignment { staff_id, role })
}

/// The [`TeamStore`] of a backend: `$begin` opens a write transaction, `$insert`
/// is the INSERT of a staff member answering its id (parameters: subdistrict,
/// name, employer, unit, phone, public, active, now).
macro_rules! team_store {
    ($store:ty, $begin:literal, $insert:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::teams::TeamStore for $store {
            async fn insert_staff(
                &self,
                s: &$crate::teams::Staff,
                now: i64,
            ) -> $crate::error::Result<i64> {
                let mut tx = self.pool().begin_with($begin).await?;
                let id: i64 = sqlx::query_scalar($insert)
                    .bind(s.subdistrict_id)
                    .bind(&s.name)
                    .bind(s.employer.code())
                    .bind(&s.unit)
                    .bind(s.phone.as_ref().map(|p| p.as_str()))
                    .bind(s.phone_public)
                    .bind(s.active)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn update_staff(
                &self,
                s: &$crate::teams::Staff,
                now: i64,
            ) -> $crate::error::Result<bool> {
                let mut tx = self.pool().begin_with($begin).await?;
                let n = sqlx::query(
                    "UPDATE staff SET name = $1, employer = $2, unit = $3, phone = $4, \
                     phone_public = $5, active = $6, updated_at = $7 WHERE id = $8",
                )
                .bind(&s.name)
                .bind(s.employer.code())
                .bind(&s.unit)
                .bind(s.phone.as_ref().map(|p| p.as_str()))
                .bind(s.phone_public)
                .bind(s.active)
                .bind(now)
                .bind(s.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(n == 1)
            }

            async fn staff(
                &self,
                subdistrict: Option<i64>,
            ) -> $crate::error::Result<Vec<$crate::teams::Staff>> {
                let rows: Vec<$crate::store::teams::StaffRow> = sqlx::query_as(&format!(
                    "SELECT {} FROM staff WHERE $1 IS NULL OR subdistrict_id = $1 ORDER BY id",
                    $crate::store::teams::STAFF_COLUMNS
                ))
                .bind(subdistrict)
                .fetch_all(self.pool())
                .await?;
                rows.into_iter().map($crate::store::teams::staff_of).collect()
            }

            async fn staff_member(
                &self,
                id: i64,
            ) -> $crate::error::Result<Option<$crate::teams::Staff>> {
                let row: Option<$crate::store::teams::StaffRow> = sqlx::query_as(&format!(
                    "SELECT {} FROM staff WHERE id = $1",
                    $crate::store::teams::STAFF_COLUMNS
                ))
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
                row.map($crate::store::teams::staff_of).transpose()
            }

            async fn put_team(
                &self,
                subdistrict: i64,
                grid: i64,
                team: &[$crate::teams::Assignment],
            ) -> $crate::error::Result<()> {
                let mut tx = self.pool().begin_with($begin).await?;
                sqlx::query("DELETE FROM grid_team_member WHERE subdistrict_id = $1 AND grid_id = $2")
                    .bind(subdistrict)
                    .bind(grid)
                    .execute(&mut *tx)
                    .await?;
                for (i, a) in team.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO grid_team_member (subdistrict_id, grid_id, role, staff_id, ord) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(subdistrict)
                    .bind(grid)
                    .bind(a.role.code())
                    .bind(a.staff_id)
                    .bind(i as i32)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn team(
                &self,
                grid: i64,
            ) -> $crate::error::Result<Vec<$crate::teams::Assignment>> {
                let rows: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT staff_id, role FROM grid_team_member WHERE grid_id = $1 ORDER BY ord",
                )
                .bind(grid)
                .fetch_all(self.pool())
                .await?;
                rows.iter()
                    .map(|(s, r)| $crate::store::teams::member_of(grid, *s, r))
                    .collect()
            }

            async fn teams(
                &self,
                subdistrict: Option<i64>,
            ) -> $crate::error::Result<
                std::collections::HashMap<i64, Vec<$crate::teams::Assignment>>,
            > {
                let rows: Vec<(i64, i64, String)> = sqlx::query_as(
                    "SELECT grid_id, staff_id, role FROM grid_team_member \
                     WHERE $1 IS NULL OR subdistrict_id = $1 ORDER BY grid_id, ord",
                )
                .bind(subdistrict)
                .fetch_all(self.pool())
                .await?;
                let mut out: std::collections::HashMap<i64, Vec<$crate::teams::Assignment>> =
                    std::collections::HashMap::new();
                for (g, s, r) in &rows {
                    out.entry(*g)
                        .or_default()
                        .push($crate::store::teams::member_of(*g, *s, r)?);
                }
                Ok(out)
            }
        }
    };
}
use team_store;
