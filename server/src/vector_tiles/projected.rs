//! Web Mercator copies of every geometry in the atlas, made once when a feature is
//! added, so that rendering a tile never reprojects.

use std::collections::HashMap;

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
    fn area(g: &Geometry) -> Self {
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

/// Mercator copies, by kind and id.
#[derive(Debug, Default)]
pub struct ProjectedLayers {
    /// Grids by grid id.
    pub grids: HashMap<i64, Projected>,
    /// Buildings by id.
    pub buildings: HashMap<i64, Projected>,
    /// Roads by id.
    pub roads: HashMap<i64, Projected>,
    /// Subdistrict boundaries by id.
    pub subdistricts: HashMap<i64, Projected>,
}

impl ProjectedLayers {
    /// Projects a grid (replacing an older copy).
    pub fn put_grid(&mut self, id: i64, g: &Geometry) {
        self.grids.insert(id, Projected::area(g));
    }

    /// Forgets a grid.
    pub fn remove_grid(&mut self, id: i64) {
        self.grids.remove(&id);
    }

    /// Projects a building (no label point: buildings are not labelled).
    pub fn put_building(&mut self, id: i64, g: &Geometry) {
        self.buildings.insert(id, Projected::line(g));
    }

    /// Projects a road.
    pub fn put_road(&mut self, id: i64, g: &Geometry) {
        self.roads.insert(id, Projected::line(g));
    }

    /// Projects a subdistrict boundary.
    pub fn put_subdistrict(&mut self, id: i64, g: &Geometry) {
        self.subdistricts.insert(id, Projected::area(g));
    }
}
