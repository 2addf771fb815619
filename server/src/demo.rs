//! The demo subdistrict: central Helsinki from OpenStreetMap (© OpenStreetMap
//! contributors, ODbL 1.0), divided into L1–L3 grids by `gis-data/generate.py`.
//! Loaded into an empty store by `gridd serve --demo` in one transaction.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::domain::change::ImportBatch;
use crate::domain::geometry::Limits;
use crate::error::Result;
use crate::import::{self, Progress};
use crate::index::Atlas;

/// The demo folder in the source tree (`gis-data/demo`).
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../gis-data/demo")
}

/// Reads the demo files into one import batch.
pub fn batch(dir: &Path, progress: Progress<'_>) -> Result<ImportBatch> {
    let read = |name: &str| import::read_features(&dir.join(name));
    let mut batch = import::subdistricts(&read("subdistrict.geojson")?, &HashSet::new())?;
    // A scratch atlas that knows the batch's subdistrict (batch-local id) so grids,
    // buildings and roads can be checked against it before anything is stored.
    let scratch = Atlas::build(batch.subdistricts.clone(), vec![], vec![], vec![]);
    let sid = batch.subdistricts.first().map(|s| s.id);
    progress("demo: grids", 0, 0);
    batch.grids = import::grids(
        &read("grids.geojson")?,
        &scratch,
        sid,
        Limits::default(),
        progress,
    )?
    .grids;
    progress("demo: buildings", 0, 0);
    batch.buildings = import::buildings(&read("buildings.geojson")?, &scratch, sid)?.buildings;
    progress("demo: roads", 0, 0);
    batch.roads = import::roads(&read("roads.geojson")?, &scratch, sid)?.roads;
    Ok(batch)
}
