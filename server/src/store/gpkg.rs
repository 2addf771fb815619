//! The embedded backend: an OGC GeoPackage 1.3 file (SQLite). Geometries are
//! GeoPackage binary (header with SRS 4326 and envelope, then WKB), so QGIS and
//! `ogrinfo` read the tables as layers with their attributes. Write transactions
//! begin `IMMEDIATE` (the file's write lock is taken at once, so two writers never
//! deadlock upgrading a read lock) and commit with `synchronous = FULL`.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use geo::{BoundingRect, Geometry};
use geozero::{CoordDimensions, ToGeo, ToWkb};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};

use super::grids::Dialect;
use super::journal::{AuditEntry, Journal};
use crate::domain::change::{Actor, ChangeRecord, ChangedIds};
use crate::domain::grid::SubdistrictId;
use crate::error::{Error, Result};

/// `PRAGMA application_id` of a GeoPackage: ASCII "GPKG".
const GPKG_APPLICATION_ID: i32 = 0x4750_4B47;
/// `PRAGMA user_version` of GeoPackage 1.3.0.
const GPKG_USER_VERSION: i32 = 10300;

/// A GeoPackage file.
#[derive(Clone)]
pub struct GpkgStore {
    pool: SqlitePool,
    origin: Arc<str>,
}

/// GeoPackage binary geometry with SRS 4326 and an XY envelope.
pub fn gpkg_blob(g: &Geometry) -> Result<Vec<u8>> {
    let env = g
        .bounding_rect()
        .map(|r| vec![r.min().x, r.max().x, r.min().y, r.max().y])
        .unwrap_or_default();
    g.to_gpkg_wkb(CoordDimensions::xy(), Some(4326), env)
        .map_err(|e| Error::Storage(Box::new(e)))
}

/// Decodes GeoPackage binary geometry, its sizes checked first: a blob claiming
/// billions of positions would otherwise make the decoder reserve them and abort the
/// process (a hostile file handed to an import, found by fuzzing).
pub(crate) fn from_blob(bytes: &[u8]) -> std::result::Result<Geometry, String> {
    crate::domain::geometry::wkb::check_gpkg(bytes)?;
    geozero::wkb::GpkgWkb(bytes.to_vec())
        .to_geo()
        .map_err(|e| e.to_string())
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
        super::migrations::migrator(super::migrations::GPKG)
            .await?
            .run(&pool)
            .await?;
        Ok(Self {
            pool,
            origin: super::new_origin().into(),
        })
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

/// A GeoPackage transaction.
pub(crate) struct GpkgTx {
    pub(crate) tx: Transaction<'static, Sqlite>,
    /// Whether anything was written (then `gpkg_contents` records the change time).
    pub(crate) wrote: bool,
}

impl GpkgTx {
    /// The transaction's connection.
    pub(crate) fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.tx
    }
}

super::accounts::account_statements!(GpkgTx);
// BEGIN IMMEDIATE already serialises writers.
super::cases::case_statements!(GpkgTx, sqlx::Sqlite, None::<&str>, None::<&str>);
super::audit::audit_statements!(GpkgTx, include_str!("sql/gpkg_audit_read.sql"));

#[async_trait]
impl Dialect for GpkgStore {
    type Tx = GpkgTx;
    const BACKEND: &'static str = "gpkg";

    fn origin(&self) -> &str {
        &self.origin
    }

    async fn begin(&self) -> Result<GpkgTx> {
        Ok(GpkgTx {
            tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
            wrote: true,
        })
    }

    async fn begin_read(&self) -> Result<GpkgTx> {
        // A deferred transaction reads one snapshot of the WAL file.
        Ok(GpkgTx {
            tx: self.pool.begin().await?,
            wrote: false,
        })
    }
}

#[async_trait]
impl Journal for GpkgTx {
    async fn audit(&mut self, actor: &Actor, e: AuditEntry<'_>) -> Result<()> {
        let json = |v: Option<serde_json::Value>| v.map(|v| v.to_string());
        sqlx::query(include_str!("sql/gpkg_audit.sql"))
            .bind(e.subdistrict_id)
            .bind(actor.name())
            .bind(e.action)
            .bind(e.entity)
            .bind(e.entity_id)
            .bind(json(e.before))
            .bind(json(e.after))
            .bind(actor.reason())
            .bind(e.before_geom.map(gpkg_blob).transpose()?)
            .bind(e.after_geom.map(gpkg_blob).transpose()?)
            .bind(actor.address())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn log_change(
        &mut self,
        origin: &str,
        subdistrict: SubdistrictId,
        ids: &ChangedIds,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO change_log (origin, subdistrict_id, ids) VALUES (?, ?, ?) RETURNING seq",
        )
        .bind(origin)
        .bind(subdistrict)
        .bind(serde_json::to_string(ids).map_err(anyhow::Error::from)?)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn changes_since(&mut self, seq: i64) -> Result<Vec<ChangeRecord>> {
        let rows =
            sqlx::query("SELECT seq, origin, ids FROM change_log WHERE seq > ? ORDER BY seq")
                .bind(seq)
                .fetch_all(&mut *self.tx)
                .await?;
        rows.iter()
            .map(|r| {
                let seq: i64 = r.try_get("seq")?;
                let ids: String = r.try_get("ids")?;
                Ok(ChangeRecord {
                    seq,
                    origin: r.try_get("origin")?,
                    ids: serde_json::from_str(&ids).map_err(|e| {
                        super::rows::bad_row("change_log", seq, format!("ids: {e}"))
                    })?,
                })
            })
            .collect()
    }

    async fn last_seq(&mut self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM change_log")
                .fetch_one(&mut *self.tx)
                .await?,
        )
    }

    async fn commit(mut self) -> Result<()> {
        if self.wrote {
            // Extents would need blob parsing in SQL; exports set them. Here only the
            // change time moves, so GIS tools see that the layers changed.
            sqlx::query("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE data_type = 'features'")
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(self.tx.commit().await?)
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
