//! Web Mercator copies of the atlas's grids (kept in `IndexedGrid`), roads and subdistricts, made once when a
//! feature is added, so that rendering a tile never reprojects them. Buildings have
//! no copy: they are many and small (a million on a city), so they are projected
//! while rendering (`TileBuilder::add_feature_lonlat`), which keeps the city-scale
//! atlas under 1 GiB (BENCHMARKS.md).

use std::sync::Arc;

use super::IdMap;

use geo::{Geometry, InteriorPoint, Point};
use gridd_tiles::project_geometry;

/// A feature's geometry in Web Mercator metres, with a label point for areas.
#[derive(Debug, Clone)]
pub struct Projected {
    /// The geometry, EPSG:3857 metres.
    pub geometry: Geometry,
    /// An interior point (EPSG:3857) for labels; `None` for lines.
    pub label: Option<Point>,
}

impl Projected {
    /// With an interior point as label.
    pub fn area(g: &Geometry) -> Self {
        let geometry = project_geometry(g);
        let label = geometry.interior_point();
        Self { geometry, label }
    }

    /// Without a label point.
    fn line(g: &Geometry) -> Self {
        Self {
            geometry: project_geometry(g),
            label: None,
        }
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
