//! Storage: one trait, two backends. PostGIS (through sqlx) is the production
//! store; an OGC GeoPackage file (SQLite through sqlx) is the embedded default, so
//! `gridd serve` with no database URL just works and the file opens in QGIS.
//!
//! Every method is one transaction: when it returns `Ok`, the change is committed.

/// Row → domain mappings shared by both backends: the SQL of each backend names
/// the columns alike (the GeoPackage's `fid` is selected `AS id`); the caller hands
/// in what decodes differently (geometry blobs, the level's integer type, JSON).
macro_rules! grid_from_row {
    ($r:expr, level: $lt:ty, geometry: $geom:expr, responsible: $resp:expr) => {{
        let r = $r;
        let kind: String = r.try_get("kind")?;
        let level: $lt = r.try_get("level")?;
        Ok(Grid {
            id: r.try_get("id")?,
            subdistrict_id: r.try_get("subdistrict_id")?,
            draft: GridDraft {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                level: u8::try_from(level).unwrap_or(0),
                parent_id: r.try_get("parent_id")?,
                kind: GridKind::parse(&kind).unwrap_or_default(),
                households: r.try_get("households")?,
                population: r.try_get("population")?,
                geometry: $geom,
                responsible: $resp,
            },
            version: r.try_get("version")?,
            created_at: r.try_get::<DateTime<Utc>, _>("created_at")?,
            updated_at: r.try_get::<DateTime<Utc>, _>("updated_at")?,
        })
    }};
}

macro_rules! building_from_row {
    ($r:expr, $footprint:expr) => {{
        let r = $r;
        Building {
            id: r.try_get("id")?,
            subdistrict_id: r.try_get("subdistrict_id")?,
            osm_id: r.try_get("osm_id")?,
            name: r.try_get("name")?,
            usage: r.try_get("usage")?,
            levels: r.try_get("levels")?,
            households: r.try_get("households")?,
            footprint: $footprint,
        }
    }};
}

macro_rules! road_from_row {
    ($r:expr, $line:expr) => {{
        let r = $r;
        Road {
            id: r.try_get("id")?,
            subdistrict_id: r.try_get("subdistrict_id")?,
            osm_id: r.try_get("osm_id")?,
            name: r.try_get("name")?,
            highway: r.try_get("highway")?,
            line: $line,
        }
    }};
}

macro_rules! code_history_from_row {
    ($r:expr) => {{
        let r = $r;
        Ok(CodeHistoryEntry {
            grid_id: r.try_get("grid_id")?,
            old_code: r.try_get("old_code")?,
            new_code: r.try_get("new_code")?,
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            reason: r.try_get("reason")?,
        })
    }};
}

mod gpkg;
mod postgis;

use async_trait::async_trait;
use geo::Geometry;
use geozero::{CoordDimensions, ToGeo, ToWkb};

pub use gpkg::{GpkgStore, read_features as read_gpkg_features};
pub use postgis::{NOTIFY_CHANNEL, PostgisStore, redact as postgis_redact};

use crate::domain::change::{
    Actor, CodeHistoryEntry, EditBatch, EditResult, ImportBatch, ImportGrid, Loaded,
};
use crate::domain::grid::{Grid, GridDraft, GridId, SubdistrictId};
use crate::error::{Error, Result};

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return Error::Conflict {
                message: format!("a unique value is already used ({})", db.message()),
                field: db.constraint().map(str::to_owned),
            };
        }
        Self::Storage(Box::new(e))
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Storage(Box::new(e))
    }
}

/// A code no real grid code can have (30 digits; real ones have 12–24), unique per
/// grid: the first phase of a two-phase code update.
pub fn temporary_code(id: GridId) -> String {
    format!("{:030}", id.unsigned_abs())
}

/// The storage backends' common interface.
#[async_trait]
pub trait Store: Send + Sync {
    /// `"postgis"` or `"gpkg"`.
    fn backend(&self) -> &'static str;
    /// Reads everything (at start).
    async fn load(&self) -> Result<Loaded>;
    /// Stores a new grid; the grid's relations have been checked by the caller.
    async fn create_grid(
        &self,
        subdistrict: SubdistrictId,
        draft: &GridDraft,
        actor: &Actor,
    ) -> Result<Grid>;
    /// Replaces a grid if it is still at `expected_version`; else [`Error::Stale`].
    async fn update_grid(
        &self,
        id: GridId,
        expected_version: i64,
        draft: &GridDraft,
        actor: &Actor,
    ) -> Result<Grid>;
    /// Deletes a childless grid if it is still at `expected_version` (when given).
    async fn delete_grid(
        &self,
        id: GridId,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Grid>;
    /// Stores a whole batch in one transaction and returns the stored rows.
    async fn import(&self, batch: &ImportBatch, actor: &Actor) -> Result<Loaded>;
    /// Whether the store holds no subdistrict yet.
    async fn is_empty(&self) -> Result<bool>;
    /// One grid as stored now, or `None` when there is none (deleted): how another
    /// instance's write is followed.
    async fn grid(&self, id: GridId) -> Result<Option<Grid>>;
    /// Applies an edit of several grids in one transaction. Every update and delete
    /// names the version it started from; if any is stale, nothing is stored and
    /// the answer is [`Error::StaleGrids`] with every stale grid.
    async fn apply_edit(&self, batch: &EditBatch, actor: &Actor) -> Result<EditResult>;
    /// A grid's code history, oldest first.
    async fn code_history(
        &self,
        subdistrict: SubdistrictId,
        grid: GridId,
    ) -> Result<Vec<CodeHistoryEntry>>;
}

/// Opens the store the configuration names: PostGIS when a database URL is given,
/// else the GeoPackage file. Applies migrations.
pub async fn open(
    database_url: Option<&str>,
    gpkg_path: &std::path::Path,
) -> Result<Box<dyn Store>> {
    match database_url {
        Some(url) => Ok(Box::new(PostgisStore::connect(url).await?)),
        None => Ok(Box::new(GpkgStore::open(gpkg_path).await?)),
    }
}

fn geom_from_wkb(bytes: &[u8]) -> Result<Geometry> {
    geozero::wkb::Wkb(bytes)
        .to_geo()
        .map_err(|e| Error::Storage(Box::new(e)))
}

fn ewkb(g: &Geometry) -> Result<Vec<u8>> {
    g.to_ewkb(CoordDimensions::xy(), Some(4326))
        .map_err(|e| Error::Storage(Box::new(e)))
}

/// Orders batch grids so that parents come before children.
fn by_level(batch: &ImportBatch) -> Vec<&ImportGrid> {
    let mut v: Vec<&ImportGrid> = batch.grids.iter().collect();
    v.sort_by_key(|g| g.draft.level);
    v
}

/// Maps a possibly batch-local id to a stored one.
fn real_id(map: &std::collections::HashMap<i64, i64>, id: i64, what: &str) -> Result<i64> {
    if id >= 0 {
        return Ok(id);
    }
    map.get(&id).copied().ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "import batch refers to unknown {what} {id}"
        ))
    })
}
