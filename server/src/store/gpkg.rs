//! The embedded backend: an OGC GeoPackage 1.3 file (SQLite). Geometries are
//! GeoPackage binary (header with SRS 4326 and envelope, then WKB), so QGIS and
//! `ogrinfo` read the tables as layers with their attributes.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use geo::{BoundingRect, Geometry};
use geozero::{CoordDimensions, ToGeo, ToWkb};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};

use super::{Store, by_level, real_id, temporary_code};
use crate::domain::change::{Actor, CodeHistoryEntry, EditBatch, EditResult, ImportBatch, Loaded};
use crate::domain::grid::{Grid, GridDraft, GridId, GridKind, SubdistrictId};
use crate::domain::reference::{Building, Road};
use crate::domain::subdistrict::Subdistrict;
use crate::error::{Error, Result, StaleGrid};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/gpkg");

/// `PRAGMA application_id` of a GeoPackage: ASCII "GPKG".
const GPKG_APPLICATION_ID: i32 = 0x4750_4B47;
/// `PRAGMA user_version` of GeoPackage 1.3.0.
const GPKG_USER_VERSION: i32 = 10300;

/// A GeoPackage file.
#[derive(Clone)]
pub struct GpkgStore {
    pool: SqlitePool,
}

const GRID_COLUMNS: &str = "subdistrict_id, fid AS id, code, name, level, parent_id, kind, households, population, responsible, geom, version, created_at, updated_at";

/// GeoPackage binary geometry with SRS 4326 and an XY envelope.
pub fn gpkg_blob(g: &Geometry) -> Result<Vec<u8>> {
    let env = g
        .bounding_rect()
        .map(|r| vec![r.min().x, r.max().x, r.min().y, r.max().y])
        .unwrap_or_default();
    g.to_gpkg_wkb(CoordDimensions::xy(), Some(4326), env)
        .map_err(|e| Error::Storage(Box::new(e)))
}

fn from_blob(bytes: &[u8]) -> Result<Geometry> {
    geozero::wkb::GpkgWkb(bytes.to_vec())
        .to_geo()
        .map_err(|e| Error::Storage(Box::new(e)))
}

impl GpkgStore {
    /// Opens (creating when missing) a GeoPackage file and applies migrations. The
    /// live store runs in WAL mode (readers never wait for the writer).
    pub async fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, SqliteJournalMode::Wal, 4).await
    }

    /// Creates a self-contained GeoPackage file (rollback journal, no `-wal` file
    /// beside it), for exports that are handed on.
    pub async fn create_export(path: &Path) -> Result<Self> {
        Self::open_with(path, SqliteJournalMode::Delete, 1).await
    }

    async fn open_with(path: &Path, journal: SqliteJournalMode, connections: u32) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(|e| {
                Error::Internal(anyhow::anyhow!(
                    "bad GeoPackage path {}: {e}",
                    path.display()
                ))
            })?
            .create_if_missing(true)
            .journal_mode(journal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(connections)
            .connect_with(opts)
            .await
            .map_err(|e| {
                Error::Internal(anyhow::anyhow!(
                    "cannot open GeoPackage {}: {e}",
                    path.display()
                ))
            })?;
        sqlx::query(&format!("PRAGMA application_id = {GPKG_APPLICATION_ID}"))
            .execute(&pool)
            .await?;
        sqlx::query(&format!("PRAGMA user_version = {GPKG_USER_VERSION}"))
            .execute(&pool)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// The connection pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes the file (flushes the WAL).
    pub async fn close(self) {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }

    /// Updates `gpkg_contents` extents so GIS tools zoom to the data.
    async fn touch_contents(tx: &mut Transaction<'_, Sqlite>) -> Result<()> {
        // Extents from the envelopes would need blob parsing in SQL; the Rust side
        // computes them at export time. Here only the change time moves.
        sqlx::query("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE data_type = 'features'")
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Sets a table's extent in `gpkg_contents` (degrees).
    pub async fn set_extent(&self, table: &str, r: geo::Rect) -> Result<()> {
        sqlx::query(
            "UPDATE gpkg_contents SET min_x=?, min_y=?, max_x=?, max_y=? WHERE table_name=?",
        )
        .bind(r.min().x)
        .bind(r.min().y)
        .bind(r.max().x)
        .bind(r.max().y)
        .bind(table)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

fn grid_from_row(r: &SqliteRow) -> Result<Grid> {
    let blob: Vec<u8> = r.try_get("geom")?;
    grid_from_row!(r, level: i64, geometry: from_blob(&blob)?, responsible: responsible_from_row(r)?)
}

fn responsible_from_row(r: &SqliteRow) -> Result<Vec<crate::domain::grid::Responsible>> {
    let v: Option<String> = r.try_get("responsible")?;
    Ok(v.and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

/// The `responsible` column value (JSON text): NULL for nobody.
fn responsible_json(d: &GridDraft) -> Option<String> {
    (!d.responsible.is_empty()).then(|| serde_json::to_string(&d.responsible).unwrap_or_default())
}

fn feature_json(g: &Grid) -> String {
    serde_json::to_string(&g.to_feature()).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn audit(
    tx: &mut Transaction<'_, Sqlite>,
    subdistrict: SubdistrictId,
    actor: &Actor,
    action: &str,
    entity: &str,
    id: Option<i64>,
    before: Option<String>,
    after: Option<String>,
) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (subdistrict_id, actor, action, entity, entity_id, before, after, reason) VALUES (?,?,?,?,?,?,?,?)")
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
    GpkgStore::touch_contents(tx).await
}

async fn insert_grid(
    tx: &mut Transaction<'_, Sqlite>,
    sid: SubdistrictId,
    d: &GridDraft,
) -> Result<Grid> {
    let now = Utc::now();
    let row = sqlx::query(&format!(
        "INSERT INTO grids (subdistrict_id, code, name, level, parent_id, kind, households, population, geom, responsible, version, created_at, updated_at)
         VALUES (?,?,?,?,?,?,?,?,?,?,1,?,?) RETURNING {GRID_COLUMNS}"
    ))
    .bind(sid)
    .bind(&d.code)
    .bind(&d.name)
    .bind(i64::from(d.level))
    .bind(d.parent_id)
    .bind(d.kind.as_str())
    .bind(d.households)
    .bind(d.population)
    .bind(gpkg_blob(&d.geometry)?)
    .bind(responsible_json(d))
    .bind(now)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    grid_from_row(&row)
}

async fn get_grid(tx: &mut Transaction<'_, Sqlite>, id: GridId) -> Result<Grid> {
    let row = sqlx::query(&format!("SELECT {GRID_COLUMNS} FROM grids WHERE fid = ?"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| Error::NotFound(format!("grid {id}")))?;
    grid_from_row(&row)
}

/// Replaces every editable column of a grid and bumps its version, if it is still at
/// `expected` (a guard against another process writing the same file).
async fn rewrite_grid(
    tx: &mut Transaction<'_, Sqlite>,
    id: GridId,
    expected: i64,
    d: &GridDraft,
) -> Result<Grid> {
    let row = sqlx::query(&format!(
        "UPDATE grids SET code=?, name=?, level=?, parent_id=?, kind=?, households=?, population=?, geom=?, responsible=?,
           version=version+1, updated_at=? WHERE fid=? AND version=? RETURNING {GRID_COLUMNS}"
    ))
    .bind(&d.code)
    .bind(&d.name)
    .bind(i64::from(d.level))
    .bind(d.parent_id)
    .bind(d.kind.as_str())
    .bind(d.households)
    .bind(d.population)
    .bind(gpkg_blob(&d.geometry)?)
    .bind(responsible_json(d))
    .bind(Utc::now())
    .bind(id)
    .bind(expected)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(Error::Stale {
        given: expected,
        current: expected + 1,
    })?;
    grid_from_row(&row)
}

#[async_trait]
impl Store for GpkgStore {
    fn backend(&self) -> &'static str {
        "gpkg"
    }

    async fn load(&self) -> Result<Loaded> {
        let mut out = Loaded::default();
        for r in sqlx::query("SELECT fid, code, name, geom FROM subdistricts ORDER BY fid")
            .fetch_all(&self.pool)
            .await?
        {
            let blob: Vec<u8> = r.try_get("geom")?;
            out.subdistricts.push(Subdistrict {
                id: r.try_get("fid")?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                boundary: from_blob(&blob)?,
            });
        }
        for r in sqlx::query(&format!("SELECT {GRID_COLUMNS} FROM grids ORDER BY fid"))
            .fetch_all(&self.pool)
            .await?
        {
            out.grids.push(grid_from_row(&r)?);
        }
        for r in sqlx::query("SELECT fid AS id, subdistrict_id, osm_id, name, usage, levels, households, geom FROM buildings ORDER BY fid")
            .fetch_all(&self.pool)
            .await?
        {
            let blob: Vec<u8> = r.try_get("geom")?;
            out.buildings.push(building_from_row!(&r, from_blob(&blob)?));
        }
        for r in sqlx::query(
            "SELECT fid AS id, subdistrict_id, osm_id, name, highway, geom FROM roads ORDER BY fid",
        )
        .fetch_all(&self.pool)
        .await?
        {
            let blob: Vec<u8> = r.try_get("geom")?;
            out.roads.push(road_from_row!(&r, from_blob(&blob)?));
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
        let before = get_grid(&mut tx, id).await?;
        if before.version != expected {
            return Err(Error::Stale {
                given: expected,
                current: before.version,
            });
        }
        let g = rewrite_grid(&mut tx, id, expected, d).await?;
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
        let before = get_grid(&mut tx, id).await?;
        if let Some(v) = expected.filter(|v| *v != before.version) {
            return Err(Error::Stale {
                given: v,
                current: before.version,
            });
        }
        let children: i64 = sqlx::query_scalar("SELECT count(*) FROM grids WHERE parent_id = ?")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if children > 0 {
            return Err(Error::Conflict {
                message: format!("grid {id} has {children} child grids; delete or move them first"),
                field: None,
            });
        }
        sqlx::query("DELETE FROM grids WHERE fid = ?")
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
            let now = Utc::now();
            let id: i64 = sqlx::query_scalar("INSERT INTO subdistricts (code, name, geom, created_at, updated_at) VALUES (?,?,?,?,?) RETURNING fid")
                .bind(&s.code)
                .bind(&s.name)
                .bind(gpkg_blob(&s.boundary)?)
                .bind(now)
                .bind(now)
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
        for b in &batch.buildings {
            let sid = real_id(&sids, b.subdistrict_id, "subdistrict")?;
            let id: i64 = sqlx::query_scalar("INSERT INTO buildings (subdistrict_id, osm_id, name, usage, levels, households, geom) VALUES (?,?,?,?,?,?,?) RETURNING fid")
                .bind(sid)
                .bind(b.osm_id)
                .bind(&b.name)
                .bind(&b.usage)
                .bind(b.levels)
                .bind(b.households)
                .bind(gpkg_blob(&b.footprint)?)
                .fetch_one(&mut *tx)
                .await?;
            out.buildings.push(Building {
                id,
                subdistrict_id: sid,
                ..b.clone()
            });
        }
        for r in &batch.roads {
            let sid = real_id(&sids, r.subdistrict_id, "subdistrict")?;
            let id: i64 = sqlx::query_scalar("INSERT INTO roads (subdistrict_id, osm_id, name, highway, geom) VALUES (?,?,?,?,?) RETURNING fid")
                .bind(sid)
                .bind(r.osm_id)
                .bind(&r.name)
                .bind(&r.highway)
                .bind(gpkg_blob(&r.line)?)
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
            Some(summary.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM subdistricts")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }

    async fn grid(&self, id: GridId) -> Result<Option<Grid>> {
        sqlx::query(&format!("SELECT {GRID_COLUMNS} FROM grids WHERE fid = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| grid_from_row(&r))
            .transpose()
    }

    async fn apply_edit(&self, b: &EditBatch, actor: &Actor) -> Result<EditResult> {
        let sid = b.subdistrict_id;
        // BEGIN IMMEDIATE would be ideal; the app's write lock already serialises
        // writers of this process, and SQLite's own lock the rest.
        let mut tx = self.pool.begin().await?;
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
                "SELECT {GRID_COLUMNS} FROM grids WHERE fid = ? AND subdistrict_id = ?"
            ))
            .bind(id)
            .bind(sid)
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
        for u in &b.updates {
            if before
                .get(&u.id)
                .is_some_and(|g| g.draft.code != u.draft.code)
            {
                sqlx::query("UPDATE grids SET code=? WHERE fid=?")
                    .bind(temporary_code(u.id))
                    .bind(u.id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let mut out = EditResult::default();
        for u in &b.updates {
            out.changed
                .push(rewrite_grid(&mut tx, u.id, u.expected_version, &u.draft).await?);
        }
        for (id, _) in &b.deletes {
            sqlx::query("DELETE FROM grids WHERE fid = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        for d in &b.creates {
            out.created.push(insert_grid(&mut tx, sid, d).await?);
        }
        for c in &b.code_changes {
            sqlx::query("INSERT INTO code_history (subdistrict_id, grid_id, old_code, new_code, actor, reason) VALUES (?,?,?,?,?,?)")
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
        let rows = sqlx::query("SELECT grid_id, old_code, new_code, at, actor, reason FROM code_history WHERE subdistrict_id=? AND grid_id=? ORDER BY id")
            .bind(sid)
            .bind(grid)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| code_history_from_row!(r)).collect()
    }
}

/// Reads the features of one table of any GeoPackage (QGIS's, GDAL's, ours): the
/// geometry column becomes the geometry, every other column a property. `layer`
/// picks the table; by default the first features table of `gpkg_contents`.
pub async fn read_features(path: &Path, layer: Option<&str>) -> Result<Vec<geojson::Feature>> {
    use sqlx::{Column, TypeInfo, ValueRef};
    let bad = |reason: String| Error::invalid("file", reason);
    let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .map_err(|e| bad(format!("bad path {}: {e}", path.display())))?
        .read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .map_err(|e| bad(format!("not a GeoPackage (SQLite) file: {e}")))?;
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT g.table_name, g.column_name FROM gpkg_geometry_columns g
         JOIN gpkg_contents c ON c.table_name = g.table_name
         WHERE c.data_type = 'features' ORDER BY c.table_name",
    )
    .fetch_all(&pool)
    .await
    .map_err(|e| bad(format!("not a GeoPackage: no gpkg_geometry_columns ({e})")))?;
    let (table, geom_col) = match layer {
        Some(l) => tables.into_iter().find(|(t, _)| t == l).ok_or_else(|| {
            Error::invalid(
                "layer",
                format!("the GeoPackage has no features table {l:?}"),
            )
        })?,
        None => tables
            .into_iter()
            .next()
            .ok_or_else(|| bad("the GeoPackage has no features table".into()))?,
    };
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let rows = sqlx::query(&format!("SELECT * FROM {}", quote(&table)))
        .fetch_all(&pool)
        .await
        .map_err(|e| bad(format!("cannot read table {table}: {e}")))?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let mut props = serde_json::Map::new();
        let mut geometry = None;
        for col in row.columns() {
            let name = col.name();
            let raw = row.try_get_raw(col.ordinal())?;
            if raw.is_null() {
                continue;
            }
            if name == geom_col {
                let blob: Vec<u8> = row.try_get(col.ordinal())?;
                let g = from_blob(&blob).map_err(|e| {
                    Error::invalid(
                        format!("features[{i}].geometry"),
                        format!("unreadable geometry: {e}"),
                    )
                })?;
                geometry = Some(geojson::Geometry::new((&g).into()));
                continue;
            }
            let type_name = raw.type_info().name().to_ascii_uppercase();
            let value = match type_name.as_str() {
                "INTEGER" => serde_json::json!(row.try_get::<i64, _>(col.ordinal())?),
                "REAL" => serde_json::json!(row.try_get::<f64, _>(col.ordinal())?),
                "TEXT" => serde_json::json!(row.try_get::<String, _>(col.ordinal())?),
                _ => continue,
            };
            props.insert(name.to_owned(), value);
        }
        out.push(geojson::Feature {
            geometry,
            properties: Some(props),
            ..Default::default()
        });
    }
    pool.close().await;
    Ok(out)
}
