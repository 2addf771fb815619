//! PostGIS: an import's households, people and kinds in three `INSERT … SELECT
//! FROM unnest(…)` statements (arrays, whatever the count) after one query that
//! draws their ids from the sequence, all in one transaction.

use std::collections::HashSet;

use async_trait::async_trait;

use super::{
    HOUSEHOLD_COLUMNS, HouseholdMark, HouseholdRow, HouseholdStore, PERSON_COLUMNS, PersonRow,
    StoredHousehold, StoredVisit, VISIT_COLUMNS, VisitDbRow, VisitRow, Which, assemble, marks_of,
    photos_text, visit_of, visit_row_of,
};
use crate::domain::grid::{GridId, SubdistrictId};
use crate::error::Result;
use crate::households::{Household, IdHash};
use crate::store::PostgisStore;

/// The filter of a [`Which`] on `household h`, binding `$1`.
fn filter(which: Which<'_>) -> &'static str {
    match which {
        Which::Subdistrict(_) => "h.subdistrict_id = $1",
        Which::Grids(_) => "h.grid_id = ANY($1)",
    }
}

async fn fetch<T>(store: &PostgisStore, sql: &str, which: Which<'_>) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let q = sqlx::query_as::<_, T>(sql);
    let q = match which {
        Which::Subdistrict(s) => q.bind(s),
        Which::Grids(g) => q.bind(g.to_vec()),
    };
    Ok(q.fetch_all(store.pool()).await?)
}

#[async_trait]
impl HouseholdStore for PostgisStore {
    async fn insert_households(
        &self,
        subdistrict: SubdistrictId,
        households: &[(Household, Option<GridId>)],
        created_at: i64,
    ) -> Result<Vec<i64>> {
        if households.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool().begin().await?;
        let n = i64::try_from(households.len()).unwrap_or(i64::MAX);
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT nextval('household_id_seq') FROM generate_series(1, $1::bigint)",
        )
        .bind(n)
        .fetch_all(&mut *tx)
        .await?;
        let mut building = Vec::with_capacity(households.len());
        let mut grid = Vec::with_capacity(households.len());
        let mut address = Vec::with_capacity(households.len());
        let mut unit = Vec::with_capacity(households.len());
        let mut room = Vec::with_capacity(households.len());
        let mut p_household = Vec::new();
        let mut p_ord: Vec<i32> = Vec::new();
        let mut p_name = Vec::new();
        let mut p_phone: Vec<Option<&str>> = Vec::new();
        let mut p_hash: Vec<Option<Vec<u8>>> = Vec::new();
        let mut p_masked: Vec<Option<&str>> = Vec::new();
        let mut p_relation: Vec<Option<&str>> = Vec::new();
        let mut k_household = Vec::new();
        let mut k_kind = Vec::new();
        for ((h, g), id) in households.iter().zip(&ids) {
            building.push(h.building_id);
            grid.push(*g);
            address.push(h.address.as_str());
            unit.push(h.unit.as_str());
            room.push(h.room.as_str());
            for (i, p) in h.people.iter().enumerate() {
                p_household.push(*id);
                p_ord.push(i32::try_from(i).unwrap_or(i32::MAX));
                p_name.push(p.name.as_str());
                p_phone.push(p.phone.as_ref().map(|x| x.as_str()));
                p_hash.push(p.id_number.as_ref().map(|r| r.hash.0.to_vec()));
                p_masked.push(p.id_number.as_ref().map(|r| r.masked.as_str()));
                p_relation.push(p.relation.as_deref());
            }
            for k in h.special.iter() {
                k_household.push(*id);
                k_kind.push(k.as_str());
            }
        }
        sqlx::query(
            "INSERT INTO household (subdistrict_id, id, building_id, grid_id, address, unit, \
             room, created_at) \
             SELECT $1, i, b, g, a, u, r, $8 FROM unnest($2::bigint[], $3::bigint[], \
             $4::bigint[], $5::text[], $6::text[], $7::text[]) AS x(i, b, g, a, u, r)",
        )
        .bind(subdistrict)
        .bind(&ids)
        .bind(&building)
        .bind(&grid)
        .bind(&address)
        .bind(&unit)
        .bind(&room)
        .bind(created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO household_person (subdistrict_id, household_id, ord, name, phone, \
             id_hash, id_masked, relation) \
             SELECT $1, h, o, n, p, ih, im, r FROM unnest($2::bigint[], $3::int4[], $4::text[], \
             $5::text[], $6::bytea[], $7::text[], $8::text[]) AS x(h, o, n, p, ih, im, r)",
        )
        .bind(subdistrict)
        .bind(&p_household)
        .bind(&p_ord)
        .bind(&p_name)
        .bind(&p_phone)
        .bind(&p_hash)
        .bind(&p_masked)
        .bind(&p_relation)
        .execute(&mut *tx)
        .await?;
        if !k_household.is_empty() {
            sqlx::query(
                "INSERT INTO household_special (subdistrict_id, household_id, kind) \
                 SELECT $1, h, k FROM unnest($2::bigint[], $3::text[]) AS x(h, k)",
            )
            .bind(subdistrict)
            .bind(&k_household)
            .bind(&k_kind)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn taken_ids(&self, hashes: &[IdHash]) -> Result<HashSet<IdHash>> {
        if hashes.is_empty() {
            return Ok(HashSet::new());
        }
        let list: Vec<Vec<u8>> = hashes.iter().map(|h| h.0.to_vec()).collect();
        let rows: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT id_hash FROM household_person WHERE id_hash = ANY($1::bytea[])",
        )
        .bind(&list)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|h| <[u8; 32]>::try_from(h).ok().map(IdHash))
            .collect())
    }

    async fn household_keys(
        &self,
        subdistrict: SubdistrictId,
    ) -> Result<HashSet<(i64, String, String)>> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT building_id, unit, room FROM household WHERE subdistrict_id = $1",
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
            "SELECT {HOUSEHOLD_COLUMNS} FROM household h WHERE h.id = $1"
        ))
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let Some(sd) = rows.first().map(|r| r.0) else {
            return Ok(None);
        };
        let people: Vec<PersonRow> = sqlx::query_as(&format!(
            "SELECT {PERSON_COLUMNS} FROM household_person p \
             WHERE p.subdistrict_id = $1 AND p.household_id = $2 ORDER BY p.ord"
        ))
        .bind(sd)
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let kinds: Vec<(i64, String)> = sqlx::query_as(
            "SELECT household_id, kind FROM household_special \
             WHERE subdistrict_id = $1 AND household_id = $2",
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
             WHERE $1::bigint IS NULL OR subdistrict_id = $1",
        )
        .bind(subdistrict)
        .fetch_all(self.pool())
        .await?;
        let kinds: Vec<(i64, String)> = sqlx::query_as(
            "SELECT household_id, kind FROM household_special \
             WHERE $1::bigint IS NULL OR subdistrict_id = $1",
        )
        .bind(subdistrict)
        .fetch_all(self.pool())
        .await?;
        marks_of(rows, kinds)
    }

    async fn insert_visit(&self, v: &StoredVisit) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO household_visit (subdistrict_id, household_id, worker_id, worker_name, \
             at, outcome, note, photos, record_confirmed, case_id, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
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
             WHERE ($1::bigint IS NULL OR subdistrict_id = $1) AND at >= $2 AND at < $3",
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
            "SELECT {VISIT_COLUMNS} FROM household_visit WHERE household_id = $1 \
             ORDER BY at DESC, id DESC"
        ))
        .bind(household_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(visit_of).collect()
    }
}
