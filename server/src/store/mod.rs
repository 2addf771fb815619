//! Storage: the system of record, in two backends. PostGIS (through sqlx) is the
//! production store; an OGC GeoPackage file (SQLite through sqlx) is the embedded
//! default, so `gridd serve` with no database URL just works and the file opens in
//! QGIS.
//!
//! Shape (the pattern every capability follows):
//! - `postgis.rs`, `gpkg.rs`: the backends — connection, migrations, transactions,
//!   and the journal every write ends with (`journal.rs`: audit rows and the
//!   numbered change log that other instances follow).
//! - one folder per capability (`grids/`: subdistricts, grids, buildings, roads)
//!   holding its storage trait (`GridStore`), its transaction bodies written once,
//!   and its statements per backend (`grids/postgis.rs`, `grids/gpkg.rs`, the long
//!   SQL in `grids/sql/`). A new capability adds a folder and a trait, it does not
//!   grow this one.
//! - `rows.rs`: decoding rows into domain types, refusing rows the domain would
//!   never have written (naming table, row and reason) instead of repairing them.
//!
//! Every write method is one transaction: when it returns `Ok`, the change is
//! committed.

pub mod accounts;
pub mod audit;
pub mod cases;
pub mod gpkg;
pub mod grids;
pub mod households;
mod journal;
mod migrations;
pub mod patrols;
pub mod postgis;
mod rows;
pub mod teams;

use std::sync::Arc;

use geo::Geometry;
use geozero::{CoordDimensions, ToGeo, ToWkb};

pub use accounts::{AccountChange, AccountStore};
pub use audit::AuditLogStore;
pub use cases::CaseStore;
pub use gpkg::{GpkgStore, read_features as read_gpkg_features};
pub use grids::GridStore;
pub use postgis::{NOTIFY_CHANNEL, PostgisStore, redact as postgis_redact};

use crate::domain::grid::GridId;
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

/// An opened store: one backend, from which each capability takes its storage.
#[derive(Clone)]
pub enum Backend {
    /// PostgreSQL + PostGIS.
    Postgis(PostgisStore),
    /// A GeoPackage file.
    Gpkg(GpkgStore),
}

impl Backend {
    /// Opens the store the configuration names: PostGIS when a database URL is
    /// given, else the GeoPackage file. Applies migrations.
    pub async fn open(database_url: Option<&str>, gpkg_path: &std::path::Path) -> Result<Self> {
        Ok(match database_url {
            Some(url) => Self::Postgis(PostgisStore::connect(url).await?),
            None => Self::Gpkg(GpkgStore::open(gpkg_path).await?),
        })
    }

    /// The storage of accounts, sessions and tokens.
    pub fn accounts(&self) -> Arc<dyn AccountStore> {
        match self {
            Self::Postgis(s) => Arc::new(s.clone()),
            Self::Gpkg(s) => Arc::new(s.clone()),
        }
    }

    /// The audit log, to read.
    pub fn audit(&self) -> Arc<dyn AuditLogStore> {
        match self {
            Self::Postgis(s) => Arc::new(s.clone()),
            Self::Gpkg(s) => Arc::new(s.clone()),
        }
    }

    /// The storage of cases, their history and photos.
    pub fn cases(&self) -> Arc<dyn CaseStore> {
        match self {
            Self::Postgis(s) => Arc::new(s.clone()),
            Self::Gpkg(s) => Arc::new(s.clone()),
        }
    }

    /// The storage of patrol tracks (GPS fixes).
    pub fn patrols(&self) -> Arc<dyn patrols::PatrolStore> {
        match self {
            Self::Postgis(s) => Arc::new(s.clone()),
            Self::Gpkg(s) => Arc::new(s.clone()),
        }
    }

    /// The storage of households, their people and visits.
    pub fn households(&self) -> Arc<dyn households::HouseholdStore> {
        match self {
            Self::Postgis(s) => Arc::new(s.clone()),
            Self::Gpkg(s) => Arc::new(s.clone()),
        }
    }

    /// The storage of staff and grid teams.
    pub fn teams(&self) -> Arc<dyn teams::TeamStore> {
        match self {
            Self::Postgis(s) => Arc::new(s.clone()),
            Self::Gpkg(s) => Arc::new(s.clone()),
        }
    }

    /// The storage of subdistricts, grids and reference layers.
    pub fn grids(&self) -> Arc<dyn GridStore> {
        match self {
            Self::Postgis(s) => Arc::new(s.clone()),
            Self::Gpkg(s) => Arc::new(s.clone()),
        }
    }
}

/// Opens the grid storage the configuration names (see [`Backend::open`]).
pub async fn open(
    database_url: Option<&str>,
    gpkg_path: &std::path::Path,
) -> Result<Arc<dyn GridStore>> {
    Ok(Backend::open(database_url, gpkg_path).await?.grids())
}

/// A name for this process's writes in the change log: unique per opened store, so
/// an instance can tell its own changes from other instances'.
fn new_origin() -> String {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the OS; mixed with the pid and the time it is unique
    // enough to tell instances apart (it is no secret).
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    format!("{:016x}", h.finish())
}

fn geom_from_wkb(bytes: &[u8]) -> std::result::Result<Geometry, String> {
    geozero::wkb::Wkb(bytes).to_geo().map_err(|e| e.to_string())
}

fn ewkb(g: &Geometry) -> Result<Vec<u8>> {
    g.to_ewkb(CoordDimensions::xy(), Some(4326))
        .map_err(|e| Error::Storage(Box::new(e)))
}

/// A code no real grid code can have (30 digits; real ones have 12–24), unique per
/// grid: the first phase of a two-phase code update.
pub fn temporary_code(id: GridId) -> String {
    format!("{:030}", id.unsigned_abs())
}
