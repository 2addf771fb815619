//! Storage of patrols (issue 13): grid workers' GPS fixes as they arrived
//! (`track_fix`), each with where placing found it and, when it is not counted,
//! why ([`crate::patrols::fix::Flag`]). One request's fixes are written in one
//! transaction: all of them or none.
//!
//! PostGIS partitions the table by month of the device time and creates a month's
//! partition the first time a fix of it arrives (`postgis.rs`); the GeoPackage
//! keeps one table (`gpkg.rs`). Both write a request's fixes in as few statements
//! as they can (PostGIS: one `INSERT … SELECT FROM unnest(…)` of arrays; SQLite:
//! multi-row `VALUES`).

mod gpkg;
mod postgis;

use async_trait::async_trait;

use crate::error::Result;
use crate::patrols::fix::Flag;
use crate::patrols::patrol::PlacedFix;
use crate::patrols::{AccountId, Millis};

/// A fix as stored (and as `GET /tracks/points` answers it).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct StoredFix {
    /// The grid worker's account id.
    pub worker: AccountId,
    /// Device time, Unix milliseconds.
    pub time_ms: Millis,
    /// WGS 84 degrees.
    pub lon: f64,
    /// WGS 84 degrees.
    pub lat: f64,
    /// Horizontal accuracy, metres.
    pub accuracy_m: Option<f64>,
    /// Speed over ground, m/s.
    pub speed_mps: Option<f64>,
    /// The subdistrict placing found it in.
    pub subdistrict_id: Option<i64>,
    /// The deepest grid it lies in.
    pub grid_id: Option<i64>,
    /// Why it is not counted (`None`: counted).
    pub flag: Option<Flag>,
}

/// The storage of GPS fixes.
#[async_trait]
pub trait PatrolStore: Send + Sync {
    /// Stores one request's fixes in one transaction (all or none), received at
    /// `received_at` (Unix seconds).
    async fn insert_fixes(&self, fixes: &[StoredFix], received_at: i64) -> Result<()>;
    /// A worker's newest counted fix (by device time), what the next one is
    /// checked against.
    async fn last_counted(&self, worker: AccountId) -> Result<Option<StoredFix>>;
    /// A worker's newest counted fix at or before `time_ms` (by device time): what
    /// a late batch — fixes older than the worker's newest — is checked from.
    async fn counted_before(&self, worker: AccountId, time_ms: Millis)
    -> Result<Option<StoredFix>>;
    /// A worker's fixes with `from_ms <= time_ms < to_ms`, flagged ones included,
    /// in device-time order, at most `limit`.
    async fn fixes(
        &self,
        worker: AccountId,
        from_ms: Millis,
        to_ms: Millis,
        limit: i64,
    ) -> Result<Vec<StoredFix>>;
    /// The counted fixes of each of `workers` with `from_ms <= time_ms < to_ms`,
    /// placed where ingest placed them, handed to `sink` one worker at a time: each
    /// worker's fixes in device-time order, workers in no particular order, a
    /// worker without any not handed. Nothing is collected across workers (the
    /// weekly audit feeds a worker's fixes to its detector and drops them). Reads
    /// go through the `(worker, time_ms)` index of each month's partition.
    async fn counted_tracks(
        &self,
        workers: &[AccountId],
        from_ms: Millis,
        to_ms: Millis,
        sink: &mut (dyn for<'f> FnMut(AccountId, &'f [PlacedFix]) + Send),
    ) -> Result<()>;
    /// The workers with a counted fix placed in one of `grids` (deepest grids)
    /// with `from_ms <= time_ms < to_ms`, ascending: whose tracks a map tile
    /// draws (through the `(grid_id, time_ms)` index of counted fixes).
    async fn workers_in_grids(
        &self,
        grids: &[i64],
        from_ms: Millis,
        to_ms: Millis,
    ) -> Result<Vec<AccountId>>;
}

/// A row as both backends read it back.
type FixRow = (
    i64,
    i64,
    f64,
    f64,
    Option<f64>,
    Option<f64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

/// Decodes a row, refusing a flag gridd never writes.
fn fix_of(r: FixRow) -> Result<StoredFix> {
    let flag = match r.8.as_deref() {
        None => None,
        Some(code) => Some(Flag::parse(code).ok_or_else(|| {
            crate::error::Error::Internal(anyhow::anyhow!(
                "track_fix: unknown flag {code:?} (worker {}, time {})",
                r.0,
                r.1
            ))
        })?),
    };
    Ok(StoredFix {
        worker: r.0,
        time_ms: r.1,
        lon: r.2,
        lat: r.3,
        accuracy_m: r.4,
        speed_mps: r.5,
        subdistrict_id: r.6,
        grid_id: r.7,
        flag,
    })
}

/// The columns read back, in [`FixRow`]'s order.
const COLUMNS: &str =
    "worker, time_ms, lon, lat, accuracy_m, speed_mps, subdistrict_id, grid_id, flag";
