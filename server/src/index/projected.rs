//! Web Mercator copies of the atlas's grids (kept in `IndexedGrid`), roads and subdistricts, made once when a
//! feature is added, so that rendering a tile never reprojects them. Buildings have
//! no copy: they are many and small (a million on a city), so they are projected
//! while rendering (`TileBuilder::add_feature_lonlat`), which keeps the city-scale
//! atlas under 1 GiB (BENCHMARKS.md). Label points are found on first use.

use std::sync::{Arc, OnceLock};

use super::IdMap;

use geo::{Geometry, InteriorPoint, Point};
use gridd_tiles::project_geometry;

/// A feature's geometry in Web Mercator metres, with a label point for areas.
#[derive(Debug, Clone)]
pub struct Projected {
    /// The geometry, EPSG:3857 metres.
    pub geometry: Geometry,
    /// Whether it is an area (one with a label).
    area: bool,
    /// Its interior point, found on first use: for a boundary of 100,000
    /// vertices that takes about 100 ms, work a write would otherwise do under the
    /// write lock for a label no tile may ever draw.
    label: OnceLock<Option<Point>>,
}

impl Projected {
    /// An area: labelled at an interior point.
    pub fn area(g: &Geometry) -> Self {
        Self {
            geometry: project_geometry(g),
            area: true,
            label: OnceLock::new(),
        }
    }

    /// A line: without a label point.
    fn line(g: &Geometry) -> Self {
        Self {
            geometry: project_geometry(g),
            area: false,
            label: OnceLock::new(),
        }
    }

    /// An interior point (EPSG:3857) for the label; `None` for lines.
    pub fn label(&self) -> Option<Point> {
        if !self.area {
            return None;
        }
        *self.label.get_or_init(|| self.geometry.interior_point())
    }
}

/// Mercator copies, by kind and id (shared between atlas snapshots).
#[derive(Debug, Default, Clone)]
pub struct ProjectedLayers {
    /// Roads by id.
    pub roads: Arc<IdMap<Projected>>,
    /// Subdistrict boundaries by id.
    pub subdistricts: Arc<IdMap<Projected>>,
}

impl ProjectedLayers {
    /// Projects a road.
    pub fn put_road(&mut self, id: i64, g: &Geometry) {
        Arc::make_mut(&mut self.roads).insert(id, Projected::line(g));
    }

    /// Projects a subdistrict boundary.
    pub fn put_subdistrict(&mut self, id: i64, g: &Geometry) {
        Arc::make_mut(&mut self.subdistricts).insert(id, Projected::area(g));
    }
}
