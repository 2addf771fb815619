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

use crate::domain::grid::{Grid, GridDraft, GridId, SubdistrictId};
use crate::domain::reference::{Building, Road};
use crate::domain::subdistrict::Subdistrict;
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

/// Everything in a store, for building the in-memory atlas.
#[derive(Debug, Default)]
pub struct Loaded {
    /// All subdistricts.
    pub subdistricts: Vec<Subdistrict>,
    /// All grids.
    pub grids: Vec<Grid>,
    /// All buildings.
    pub buildings: Vec<Building>,
    /// All roads.
    pub roads: Vec<Road>,
}

/// A grid to import. Ids below zero are references to other rows of the same batch
/// (a subdistrict or parent grid imported alongside); others are stored rows.
#[derive(Debug, Clone)]
pub struct ImportGrid {
    /// Batch-local id (negative), for children to refer to.
    pub local_id: i64,
    /// Subdistrict: stored id, or a negative batch-local id.
    pub subdistrict_id: SubdistrictId,
    /// The grid; `parent_id` may be a negative batch-local id.
    pub draft: GridDraft,
}

/// An all-or-nothing import. Negative ids refer to rows of the same batch.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    /// New subdistricts; their `id` is a negative batch-local id.
    pub subdistricts: Vec<Subdistrict>,
    /// New grids, parents before children (sorted by level by the store anyway).
    pub grids: Vec<ImportGrid>,
    /// New buildings (`subdistrict_id` may be batch-local).
    pub buildings: Vec<Building>,
    /// New roads (`subdistrict_id` may be batch-local).
    pub roads: Vec<Road>,
}

impl ImportBatch {
    /// Whether there is nothing to import.
    pub fn is_empty(&self) -> bool {
        self.subdistricts.is_empty()
            && self.grids.is_empty()
            && self.buildings.is_empty()
            && self.roads.is_empty()
    }
}

/// One grid replaced by an edit, if it is still at `expected_version`.
#[derive(Debug, Clone)]
pub struct EditUpdate {
    /// The grid.
    pub id: GridId,
    /// The version the edit started from.
    pub expected_version: i64,
    /// Its new content (code, parent and geometry may all change).
    pub draft: GridDraft,
}

/// A grid code changed by an edit, for `code_history`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CodeChange {
    /// The grid.
    pub id: GridId,
    /// Its code before.
    pub old_code: String,
    /// Its code after.
    pub new_code: String,
}

/// An all-or-nothing edit of several grids of one subdistrict (split, merge,
/// vertex moves, renumbering). Applied in this order: updates (codes through a
/// temporary value, so swapped codes never meet the unique constraint), deletes,
/// creates; then the code history and one audit row per grid.
#[derive(Debug, Clone, Default)]
pub struct EditBatch {
    /// The subdistrict of every grid in the batch.
    pub subdistrict_id: SubdistrictId,
    /// What the edit is, for the audit log (`split`, `merge`, `move-vertex`, …).
    pub action: String,
    /// Grids replaced.
    pub updates: Vec<EditUpdate>,
    /// Grids deleted, each with the version the edit started from.
    pub deletes: Vec<(GridId, i64)>,
    /// New grids.
    pub creates: Vec<GridDraft>,
    /// Codes changed by the updates, recorded in `code_history`.
    pub code_changes: Vec<CodeChange>,
}

/// What an applied [`EditBatch`] stored.
#[derive(Debug, Clone, Default)]
pub struct EditResult {
    /// The updated grids, as stored.
    pub changed: Vec<Grid>,
    /// The new grids, as stored.
    pub created: Vec<Grid>,
    /// The deleted grids, as they were.
    pub deleted: Vec<Grid>,
    /// The codes changed (as recorded in `code_history`).
    pub code_changes: Vec<CodeChange>,
}

/// One row of `code_history`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CodeHistoryEntry {
    /// The grid.
    pub grid_id: GridId,
    /// Code before.
    pub old_code: String,
    /// Code after.
    pub new_code: String,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who.
    pub actor: String,
    /// Why, when given.
    pub reason: Option<String>,
}

/// A code no real grid code can have (30 digits; real ones have 12–24), unique per
/// grid: the first phase of a two-phase code update.
pub fn temporary_code(id: GridId) -> String {
    format!("{:030}", id.unsigned_abs())
}

/// Who made a change, and why, for the audit log. `Actor("name".into())` still
/// builds one without a reason.
#[derive(Debug, Clone)]
pub struct Actor(pub Signature);

/// The person (or program) behind a write and the reason they gave, if any
/// (`X-Gridd-Reason`, e.g. why an edit that breaks coverage was saved anyway).
#[derive(Debug, Clone, Default)]
pub struct Signature {
    /// Who: `X-Gridd-User` or a program name.
    pub name: String,
    /// Why, when given.
    pub reason: Option<String>,
}

impl From<&str> for Signature {
    fn from(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            reason: None,
        }
    }
}

impl From<String> for Signature {
    fn from(name: String) -> Self {
        Self { name, reason: None }
    }
}

impl Actor {
    /// An actor with a reason.
    pub fn new(name: impl Into<String>, reason: Option<String>) -> Self {
        Self(Signature {
            name: name.into(),
            reason,
        })
    }

    /// Who.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Why, when given.
    pub fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
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
