//! GeoPackage: an import's households, people and kinds in multi-row `VALUES`
//! statements inside one `BEGIN IMMEDIATE` transaction (ids drawn from the
//! table's largest, under the write lock).

use std::collections::HashSet;

use async_trait::async_trait;
use sqlx::Sqlite;

use super::{
    HOUSEHOLD_COLUMNS, HouseholdMark, HouseholdRow, HouseholdStore, PERSON_COLUMNS, PersonRow,
    StoredHousehold, StoredVisit, VISIT_COLUMNS, VisitDbRow, VisitRow, Which, assemble, marks_of,
    photos_text, visit_of, visit_row_of,
};
use crate::domain::grid::{GridId, SubdistrictId};
use crate::error::Result;
use crate::households::{Household, IdHash};
use crate::store::GpkgStore;

/// Rows per INSERT (at most 8 parameters each: under SQLite's 32,766).
const ROWS: usize = 4000;
/// Values per `IN (…)` list.
const IN_LIST: usize = 30_000;

/// The filter of a [`Which`] on `household h`, binding `?1`.
fn filter(which: Which<'_>) -> &'static str {
    match which {
        Which::Subdistrict(_) => "h.subdistrict_id = ?1",
        Which::Grids(_) => "h.grid_id IN (SELECT value FROM json_each(?1))",
    }
}

async fn fetch<T>(store: &GpkgStore, sql: &str, which: Which<'_>) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let q = sqlx::query_as::<_, T>(sql);
    let q = match which {
        Which::Subdistrict(s) => q.bind(s),
        Which::Grids(g) => q.bind(serde_json::to_string(g).unwrap_or_else(|_| "[]".into())),
    };
    Ok(q.fetch_all(store.pool()).await?)
}

#[async_trait]
impl HouseholdStore for GpkgStore {
    async fn insert_households(
        &self,
        subdistrict: SubdistrictId,
        households: &[(Household, Option<GridId>)],
        created_at: i64,
    ) -> Result<Vec<i64>> {
        if households.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let last: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM household")
            .fetch_one(&mut *tx)
            .await?;
        let ids: Vec<i64> = (1..=households.len())
            .map(|i| last + i64::try_from(i).unwrap_or(i64::MAX))
            .collect();
        let rows: Vec<(&Household, Option<GridId>, i64)> = households
            .iter()
            .zip(&ids)
            .map(|((h, g), id)| (h, *g, *id))
            .collect();
        for chunk in rows.chunks(ROWS) {
            let mut q = sqlx::QueryBuilder::<Sqlite>::new(
                "INSERT INTO household (subdistrict_id, id, building_id, grid_id, address, unit, \
                 room, created_at) ",
            );
            q.push_values(chunk, |mut v, (h, g, id)| {
                v.push_bind(subdistrict)
                    .push_bind(*id)
                    .push_bind(h.building_id)
                    .push_bind(*g)
                    .push_bind(h.address.as_str())
                    .push_bind(h.unit.as_str())
                    .push_bind(h.room.as_str())
                    .push_bind(created_at);
            });
            q.build().execute(&mut *tx).await?;
        }
        let people: Vec<(i64, i64, &crate::households::Person)> = rows
            .iter()
            .flat_map(|(h, _, id)| {
                h.people
                    .iter()
                    .enumerate()
                    .map(move |(i, p)| (*id, i64::try_from(i).unwrap_or(i64::MAX), p))
            })
            .collect();
        for chunk in people.chunks(ROWS) {
            let mut q = sqlx::QueryBuilder::<Sqlite>::new(
                "INSERT INTO household_person (subdistrict_id, household_id, ord, name, phone, \
                 id_hash, id_masked, relation) ",
            );
            q.push_values(chunk, |mut v, (id, ord, p)| {
                v.push_bind(subdistrict)
                    .push_bind(*id)
                    .push_bind(*ord)
                    .push_bind(p.name.as_str())
                    .push_bind(p.phone.as_ref().map(|x| x.as_str().to_owned()))
                    .push_bind(p.id_number.as_ref().map(|r| r.hash.0.to_vec()))
                    .push_bind(p.id_number.as_ref().map(|r| r.masked.clone()))
                    .push_bind(p.relation.clone());
            });
            q.build().execute(&mut *tx).await?;
        }
        let kinds: Vec<(i64, &'static str)> = rows
            .iter()
            .flat_map(|(h, _, id)| h.special.iter().map(move |k| (*id, k.as_str())))
            .collect();
        for chunk in kinds.chunks(ROWS) {
            let mut q = sqlx::QueryBuilder::<Sqlite>::new(
                "INSERT INTO household_special (subdistrict_id, household_id, kind) ",
            );
            q.push_values(chunk, |mut v, (id, k)| {
                v.push_bind(subdistrict).push_bind(*id).push_bind(*k);
            });
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn taken_ids(&self, hashes: &[IdHash]) -> Result<HashSet<IdHash>> {
        let mut out = HashSet::new();
        for chunk in hashes.chunks(IN_LIST) {
            let mut q = sqlx::QueryBuilder::<Sqlite>::new(
                "SELECT id_hash FROM household_person WHERE id_hash IN (",
            );
            let mut sep = q.separated(", ");
            for h in chunk {
                sep.push_bind(h.0.to_vec());
            }
            q.push(")");
            let rows: Vec<(Vec<u8>,)> = q.build_query_as().fetch_all(self.pool()).await?;
            out.extend(
                rows.into_iter()
                    .filter_map(|(h,)| <[u8; 32]>::try_from(h).ok().map(IdHash)),
            );
        }
        Ok(out)
    }

    async fn household_keys(
        &self,
        subdistrict: SubdistrictId,
    ) -> Result<HashSet<(i64, String, String)>> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT building_id, unit, room FROM household WHERE subdistrict_id = ?",
        )
        .bind(subdistrict)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().collect())
    }

    async fn households(&self, which: Which<'_>) -> Result<Vec<StoredHousehold>> {
        let f = filter(which);
        let rows: Vec<HouseholdRow> = fetch(
            self,
            &format!("SELECT {HOUSEHOLD_COLUMNS} FROM household h WHERE {f}"),
            which,
        )
        .await?;
        let people: Vec<PersonRow> = fetch(
            self,
            &format!(
                "SELECT {PERSON_COLUMNS} FROM household_person p JOIN household h \
                 ON h.subdistrict_id = p.subdistrict_id AND h.id = p.household_id \
                 WHERE {f} ORDER BY p.household_id, p.ord"
            ),
            which,
        )
        .await?;
        let kinds: Vec<(i64, String)> = fetch(
            self,
            &format!(
                "SELECT k.household_id, k.kind FROM household_special k JOIN household h \
                 ON h.subdistrict_id = k.subdistrict_id AND h.id = k.household_id WHERE {f}"
            ),
            which,
        )
        .await?;
        assemble(rows, people, kinds)
    }

    async fn household(&self, id: i64) -> Result<Option<StoredHousehold>> {
        let rows: Vec<HouseholdRow> = sqlx::query_as(&format!(
            "SELECT {HOUSEHOLD_COLUMNS} FROM household h WHERE h.id = ?"
        ))
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let Some(sd) = rows.first().map(|r| r.0) else {
            return Ok(None);
        };
        let people: Vec<PersonRow> = sqlx::query_as(&format!(
            "SELECT {PERSON_COLUMNS} FROM household_person p \
             WHERE p.subdistrict_id = ? AND p.household_id = ? ORDER BY p.ord"
        ))
        .bind(sd)
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let kinds: Vec<(i64, String)> = sqlx::query_as(
            "SELECT household_id, kind FROM household_special \
             WHERE subdistrict_id = ? AND household_id = ?",
        )
        .bind(sd)
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        Ok(assemble(rows, people, kinds)?.pop())
    }

    async fn marks(&self, subdistrict: Option<SubdistrictId>) -> Result<Vec<HouseholdMark>> {
        let rows: Vec<(i64, i64, i64, Option<i64>, i64)> = sqlx::query_as(
            "SELECT id, subdistrict_id, building_id, grid_id, created_at FROM household \
             WHERE ?1 IS NULL OR subdistrict_id = ?1",
        )
        .bind(subdistrict)
        .fetch_all(self.pool())
        .await?;
        let kinds: Vec<(i64, String)> = sqlx::query_as(
            "SELECT household_id, kind FROM household_special \
             WHERE ?1 IS NULL OR subdistrict_id = ?1",
        )
        .bind(subdistrict)
        .fetch_all(self.pool())
        .await?;
        marks_of(rows, kinds)
    }

    async fn insert_visit(&self, v: &StoredVisit) -> Result<i64> {
        // One statement: SQLite runs one writer at a time, so the id is unique.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO household_visit (id, subdistrict_id, household_id, worker_id, \
             worker_name, at, outcome, note, photos, record_confirmed, case_id, recorded_at) \
             SELECT coalesce(max(id), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? \
             FROM household_visit RETURNING id",
        )
        .bind(v.subdistrict_id)
        .bind(v.visit.household_id)
        .bind(v.visit.worker_id)
        .bind(&v.worker_name)
        .bind(v.visit.at)
        .bind(v.visit.outcome.as_str())
        .bind(&v.visit.note)
        .bind(photos_text(&v.visit.photos))
        .bind(v.visit.record_confirmed)
        .bind(v.visit.case_id)
        .bind(v.recorded_at)
        .fetch_one(self.pool())
        .await?;
        Ok(id)
    }

    async fn visit_rows(
        &self,
        subdistrict: Option<SubdistrictId>,
        from: i64,
        to: i64,
    ) -> Result<Vec<VisitRow>> {
        let rows: Vec<(i64, i64, i64, String, bool)> = sqlx::query_as(
            "SELECT household_id, worker_id, at, outcome, record_confirmed FROM household_visit \
             WHERE (?1 IS NULL OR subdistrict_id = ?1) AND at >= ?2 AND at < ?3",
        )
        .bind(subdistrict)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(visit_row_of).collect()
    }

    async fn visits_of(&self, household_id: i64) -> Result<Vec<StoredVisit>> {
        let rows: Vec<VisitDbRow> = sqlx::query_as(&format!(
            "SELECT {VISIT_COLUMNS} FROM household_visit WHERE household_id = ? \
             ORDER BY at DESC, id DESC"
        ))
        .bind(household_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(visit_of).collect()
    }
}
