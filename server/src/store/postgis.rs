//! The PostGIS backend. Geometries travel as (E)WKB: `ST_GeomFromEWKB` in,
//! `ST_AsBinary` out, so a round trip keeps every coordinate bit for bit.
//! Every write also sends `NOTIFY gridd` so other instances can follow.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};

use super::{Store, by_level, ewkb, geom_from_wkb, real_id, temporary_code};
use crate::domain::change::{Actor, CodeHistoryEntry, EditBatch, EditResult, ImportBatch, Loaded};
use crate::domain::grid::{Grid, GridDraft, GridId, GridKind, SubdistrictId};
use crate::domain::reference::{Building, Road};
use crate::domain::subdistrict::Subdistrict;
use crate::error::{Error, Result, StaleGrid};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Rows per multi-row INSERT in big imports.
const BULK_ROWS: usize = 10_000;

/// The channel other instances LISTEN on.
pub const NOTIFY_CHANNEL: &str = "gridd";

/// A PostGIS database.
#[derive(Clone)]
pub struct PostgisStore {
    pool: PgPool,
}

const GRID_COLUMNS: &str = "subdistrict_id, id, code, name, level, parent_id, kind, households, population, responsible, ST_AsBinary(geom) AS wkb, version, created_at, updated_at";

impl PostgisStore {
    /// Connects and applies migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| {
                Error::Internal(anyhow::anyhow!(
                    "cannot connect to PostgreSQL at {}: {e}",
                    redact(url)
                ))
            })?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// The connection pool (for LISTEN and for benchmarks).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The URL with its password hidden, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn grid_from_row(r: &PgRow) -> Result<Grid> {
    let wkb: Vec<u8> = r.try_get("wkb")?;
    grid_from_row!(r, level: i16, geometry: geom_from_wkb(&wkb)?, responsible: responsible_from_row(r)?)
}

fn responsible_from_row(r: &PgRow) -> Result<Vec<crate::domain::grid::Responsible>> {
    let v: Option<serde_json::Value> = r.try_get("responsible")?;
    Ok(v.and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

/// The `responsible` column value: NULL for nobody.
fn responsible_json(d: &GridDraft) -> Option<serde_json::Value> {
    (!d.responsible.is_empty()).then(|| serde_json::to_value(&d.responsible).unwrap_or_default())
}

#[allow(clippy::too_many_arguments)]
async fn audit(
    tx: &mut Transaction<'_, Postgres>,
    subdistrict: SubdistrictId,
    actor: &Actor,
    action: &str,
    entity: &str,
    id: Option<i64>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (subdistrict_id, actor, action, entity, entity_id, before, after, reason) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)")
        .bind(subdistrict)
        .bind(actor.name())
        .bind(action)
        .bind(entity)
        .bind(id)
        .bind(before)
        .bind(after)
        .bind(actor.reason())
        .execute(&mut **tx)
        .await?;
    let payload = serde_json::json!({ "entity": entity, "action": action, "id": id, "subdistrict_id": subdistrict });
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(NOTIFY_CHANNEL)
        .bind(payload.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn feature_json(g: &Grid) -> serde_json::Value {
    serde_json::to_value(g.to_feature()).unwrap_or_default()
}

async fn insert_grid(
    tx: &mut Transaction<'_, Postgres>,
    sid: SubdistrictId,
    d: &GridDraft,
) -> Result<Grid> {
    let row = sqlx::query(&format!(
        "INSERT INTO grid (subdistrict_id, code, name, level, parent_id, kind, households, population, geom, responsible)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8, ST_GeomFromEWKB($9), $10) RETURNING {GRID_COLUMNS}"
    ))
    .bind(sid)
    .bind(&d.code)
    .bind(&d.name)
    .bind(i16::from(d.level))
    .bind(d.parent_id)
    .bind(d.kind.as_str())
    .bind(d.households)
    .bind(d.population)
    .bind(ewkb(&d.geometry)?)
    .bind(responsible_json(d))
    .fetch_one(&mut **tx)
    .await?;
    grid_from_row(&row)
}

async fn lock_grid(tx: &mut Transaction<'_, Postgres>, id: GridId) -> Result<Grid> {
    let row = sqlx::query(&format!(
        "SELECT {GRID_COLUMNS} FROM grid WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| Error::NotFound(format!("grid {id}")))?;
    grid_from_row(&row)
}

/// Replaces every editable column of a grid and bumps its version.
async fn rewrite_grid(
    tx: &mut Transaction<'_, Postgres>,
    sid: SubdistrictId,
    id: GridId,
    d: &GridDraft,
) -> Result<Grid> {
    let row = sqlx::query(&format!(
        "UPDATE grid SET code=$3, name=$4, level=$5, parent_id=$6, kind=$7, households=$8, population=$9,
           geom=ST_GeomFromEWKB($10), responsible=$11, version=version+1, updated_at=now()
         WHERE subdistrict_id=$1 AND id=$2 RETURNING {GRID_COLUMNS}"
    ))
    .bind(sid)
    .bind(id)
    .bind(&d.code)
    .bind(&d.name)
    .bind(i16::from(d.level))
    .bind(d.parent_id)
    .bind(d.kind.as_str())
    .bind(d.households)
    .bind(d.population)
    .bind(ewkb(&d.geometry)?)
    .bind(responsible_json(d))
    .fetch_one(&mut **tx)
    .await?;
    grid_from_row(&row)
}

#[async_trait]
impl Store for PostgisStore {
    fn backend(&self) -> &'static str {
        "postgis"
    }

    async fn load(&self) -> Result<Loaded> {
        let mut out = Loaded::default();
        for r in sqlx::query(
            "SELECT id, code, name, ST_AsBinary(boundary) AS wkb FROM subdistrict ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        {
            let wkb: Vec<u8> = r.try_get("wkb")?;
            out.subdistricts.push(Subdistrict {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                boundary: geom_from_wkb(&wkb)?,
            });
        }
        for r in sqlx::query(&format!(
            "SELECT {GRID_COLUMNS} FROM grid ORDER BY subdistrict_id, id"
        ))
        .fetch_all(&self.pool)
        .await?
        {
            out.grids.push(grid_from_row(&r)?);
        }
        for r in sqlx::query("SELECT subdistrict_id, id, osm_id, name, usage, levels, households, ST_AsBinary(geom) AS wkb FROM building ORDER BY subdistrict_id, id")
            .fetch_all(&self.pool)
            .await?
        {
            let wkb: Vec<u8> = r.try_get("wkb")?;
            out.buildings.push(building_from_row!(&r, geom_from_wkb(&wkb)?));
        }
        for r in sqlx::query("SELECT subdistrict_id, id, osm_id, name, highway, ST_AsBinary(geom) AS wkb FROM road ORDER BY subdistrict_id, id")
            .fetch_all(&self.pool)
            .await?
        {
            let wkb: Vec<u8> = r.try_get("wkb")?;
            out.roads.push(road_from_row!(&r, geom_from_wkb(&wkb)?));
        }
        Ok(out)
    }

    async fn create_grid(
        &self,
        sid: SubdistrictId,
        draft: &GridDraft,
        actor: &Actor,
    ) -> Result<Grid> {
        let mut tx = self.pool.begin().await?;
        let g = insert_grid(&mut tx, sid, draft).await?;
        audit(
            &mut tx,
            sid,
            actor,
            "create",
            "grid",
            Some(g.id),
            None,
            Some(feature_json(&g)),
        )
        .await?;
        tx.commit().await?;
        Ok(g)
    }

    async fn update_grid(
        &self,
        id: GridId,
        expected: i64,
        d: &GridDraft,
        actor: &Actor,
    ) -> Result<Grid> {
        let mut tx = self.pool.begin().await?;
        let before = lock_grid(&mut tx, id).await?;
        if before.version != expected {
            return Err(Error::Stale {
                given: expected,
                current: before.version,
            });
        }
        // The row is locked (FOR UPDATE) and its version checked above.
        let g = rewrite_grid(&mut tx, before.subdistrict_id, id, d).await?;
        audit(
            &mut tx,
            g.subdistrict_id,
            actor,
            "update",
            "grid",
            Some(id),
            Some(feature_json(&before)),
            Some(feature_json(&g)),
        )
        .await?;
        tx.commit().await?;
        Ok(g)
    }

    async fn delete_grid(&self, id: GridId, expected: Option<i64>, actor: &Actor) -> Result<Grid> {
        let mut tx = self.pool.begin().await?;
        let before = lock_grid(&mut tx, id).await?;
        if let Some(v) = expected.filter(|v| *v != before.version) {
            return Err(Error::Stale {
                given: v,
                current: before.version,
            });
        }
        let children: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM grid WHERE subdistrict_id=$1 AND parent_id=$2",
        )
        .bind(before.subdistrict_id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if children > 0 {
            return Err(Error::Conflict {
                message: format!("grid {id} has {children} child grids; delete or move them first"),
                field: None,
            });
        }
        sqlx::query("DELETE FROM grid WHERE subdistrict_id=$1 AND id=$2")
            .bind(before.subdistrict_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            before.subdistrict_id,
            actor,
            "delete",
            "grid",
            Some(id),
            Some(feature_json(&before)),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(before)
    }

    async fn import(&self, batch: &ImportBatch, actor: &Actor) -> Result<Loaded> {
        let mut tx = self.pool.begin().await?;
        let mut out = Loaded::default();
        let mut sids = HashMap::new();
        for s in &batch.subdistricts {
            let id: i64 = sqlx::query_scalar("INSERT INTO subdistrict (code, name, boundary) VALUES ($1,$2,ST_GeomFromEWKB($3)) RETURNING id")
                .bind(&s.code)
                .bind(&s.name)
                .bind(ewkb(&s.boundary)?)
                .fetch_one(&mut *tx)
                .await?;
            sids.insert(s.id, id);
            out.subdistricts.push(Subdistrict { id, ..s.clone() });
        }
        let mut gids = HashMap::new();
        for g in by_level(batch) {
            let sid = real_id(&sids, g.subdistrict_id, "subdistrict")?;
            let mut d = g.draft.clone();
            d.parent_id = d.parent_id.map(|p| real_id(&gids, p, "grid")).transpose()?;
            let stored = insert_grid(&mut tx, sid, &d).await?;
            gids.insert(g.local_id, stored.id);
            out.grids.push(stored);
        }
        // Buildings can be hundreds of thousands: ids are drawn from the sequence and
        // the rows sent as arrays, many thousands per statement (one round trip each
        // instead of one per row), in the same transaction.
        for chunk in batch.buildings.chunks(BULK_ROWS) {
            let ids: Vec<i64> = sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('building', 'id')) FROM generate_series(1, $1)")
                .bind(chunk.len() as i64)
                .fetch_all(&mut *tx)
                .await?;
            let mut cols = (
                Vec::with_capacity(chunk.len()),
                Vec::with_capacity(chunk.len()),
                Vec::with_capacity(chunk.len()),
            );
            let mut geoms = Vec::with_capacity(chunk.len());
            for b in chunk {
                cols.0
                    .push(real_id(&sids, b.subdistrict_id, "subdistrict")?);
                cols.1.push(b.osm_id);
                cols.2.push(b.name.clone());
                geoms.push(ewkb(&b.footprint)?);
            }
            sqlx::query(
                "INSERT INTO building (subdistrict_id, id, osm_id, name, usage, levels, households, geom)
                 SELECT s, i, o, n, u, l, h, ST_GeomFromEWKB(g)
                 FROM UNNEST($1::int8[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::float8[], $7::int4[], $8::bytea[])
                   AS t(s, i, o, n, u, l, h, g)",
            )
            .bind(&cols.0)
            .bind(&ids)
            .bind(&cols.1)
            .bind(&cols.2)
            .bind(chunk.iter().map(|b| b.usage.as_str()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|b| b.levels).collect::<Vec<_>>())
            .bind(chunk.iter().map(|b| b.households).collect::<Vec<_>>())
            .bind(&geoms)
            .execute(&mut *tx)
            .await?;
            for ((b, id), sid) in chunk.iter().zip(ids).zip(&cols.0) {
                out.buildings.push(Building {
                    id,
                    subdistrict_id: *sid,
                    ..b.clone()
                });
            }
        }
        for r in &batch.roads {
            let sid = real_id(&sids, r.subdistrict_id, "subdistrict")?;
            let id: i64 = sqlx::query_scalar("INSERT INTO road (subdistrict_id, osm_id, name, highway, geom) VALUES ($1,$2,$3,$4,ST_GeomFromEWKB($5)) RETURNING id")
                .bind(sid)
                .bind(r.osm_id)
                .bind(&r.name)
                .bind(&r.highway)
                .bind(ewkb(&r.line)?)
                .fetch_one(&mut *tx)
                .await?;
            out.roads.push(Road {
                id,
                subdistrict_id: sid,
                ..r.clone()
            });
        }
        let sid = out
            .subdistricts
            .first()
            .map(|s| s.id)
            .or_else(|| out.grids.first().map(|g| g.subdistrict_id))
            .or_else(|| out.buildings.first().map(|b| b.subdistrict_id))
            .or_else(|| out.roads.first().map(|r| r.subdistrict_id))
            .unwrap_or(0);
        let summary = serde_json::json!({
            "subdistricts": out.subdistricts.len(), "grids": out.grids.len(),
            "buildings": out.buildings.len(), "roads": out.roads.len(),
        });
        audit(
            &mut tx,
            sid,
            actor,
            "import",
            "batch",
            None,
            None,
            Some(summary),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM subdistrict")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }

    async fn grid(&self, id: GridId) -> Result<Option<Grid>> {
        sqlx::query(&format!("SELECT {GRID_COLUMNS} FROM grid WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| grid_from_row(&r))
            .transpose()
    }

    async fn apply_edit(&self, b: &EditBatch, actor: &Actor) -> Result<EditResult> {
        let sid = b.subdistrict_id;
        let mut tx = self.pool.begin().await?;
        // Lock every grid the edit names, in id order (no deadlock between edits).
        let mut named: Vec<(GridId, i64)> = b
            .updates
            .iter()
            .map(|u| (u.id, u.expected_version))
            .chain(b.deletes.iter().copied())
            .collect();
        named.sort_unstable();
        let mut before = HashMap::new();
        let mut stale = Vec::new();
        for (id, expected) in named {
            let row = sqlx::query(&format!(
                "SELECT {GRID_COLUMNS} FROM grid WHERE subdistrict_id = $1 AND id = $2 FOR UPDATE"
            ))
            .bind(sid)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                Some(r) => {
                    let g = grid_from_row(&r)?;
                    if g.version != expected {
                        stale.push(StaleGrid {
                            id,
                            given: Some(expected),
                            current: Some(g.version),
                        });
                    }
                    before.insert(id, g);
                }
                None => stale.push(StaleGrid {
                    id,
                    given: Some(expected),
                    current: None,
                }),
            }
        }
        if !stale.is_empty() {
            return Err(Error::StaleGrids(stale));
        }
        // Phase 1: grids whose code changes take a temporary code, so that codes
        // swapped or shifted between grids never collide on the unique constraint.
        for u in &b.updates {
            if before
                .get(&u.id)
                .is_some_and(|g| g.draft.code != u.draft.code)
            {
                sqlx::query("UPDATE grid SET code=$3 WHERE subdistrict_id=$1 AND id=$2")
                    .bind(sid)
                    .bind(u.id)
                    .bind(temporary_code(u.id))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let mut out = EditResult::default();
        for u in &b.updates {
            out.changed
                .push(rewrite_grid(&mut tx, sid, u.id, &u.draft).await?);
        }
        for (id, _) in &b.deletes {
            sqlx::query("DELETE FROM grid WHERE subdistrict_id=$1 AND id=$2")
                .bind(sid)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        for d in &b.creates {
            out.created.push(insert_grid(&mut tx, sid, d).await?);
        }
        for c in &b.code_changes {
            sqlx::query("INSERT INTO code_history (subdistrict_id, grid_id, old_code, new_code, actor, reason) VALUES ($1,$2,$3,$4,$5,$6)")
                .bind(sid)
                .bind(c.id)
                .bind(&c.old_code)
                .bind(&c.new_code)
                .bind(actor.name())
                .bind(actor.reason())
                .execute(&mut *tx)
                .await?;
        }
        for (id, _) in &b.deletes {
            if let Some(g) = before.remove(id) {
                out.deleted.push(g);
            }
        }
        // One audit row per touched grid: changed (before, after), deleted (before),
        // created (after).
        let entries: Vec<_> = out
            .changed
            .iter()
            .map(|g| {
                (
                    g.id,
                    before.get(&g.id).map(feature_json),
                    Some(feature_json(g)),
                )
            })
            .chain(
                out.deleted
                    .iter()
                    .map(|g| (g.id, Some(feature_json(g)), None)),
            )
            .chain(
                out.created
                    .iter()
                    .map(|g| (g.id, None, Some(feature_json(g)))),
            )
            .collect();
        for (id, old, new) in entries {
            audit(&mut tx, sid, actor, &b.action, "grid", Some(id), old, new).await?;
        }
        tx.commit().await?;
        out.code_changes = b.code_changes.clone();
        Ok(out)
    }

    async fn code_history(
        &self,
        sid: SubdistrictId,
        grid: GridId,
    ) -> Result<Vec<CodeHistoryEntry>> {
        let rows = sqlx::query("SELECT grid_id, old_code, new_code, at, actor, reason FROM code_history WHERE subdistrict_id=$1 AND grid_id=$2 ORDER BY id")
            .bind(sid)
            .bind(grid)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| code_history_from_row!(r)).collect()
    }
}
