//! Reference layers: buildings (with estimated households) and roads. They draw the
//! offline basemap and tell how many households a grid holds.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

use geo::Geometry;

use super::frame::LocalFrame;
use super::grid::SubdistrictId;

/// A building footprint.
#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    /// Database id (0 before it is stored).
    pub id: i64,
    /// The subdistrict it lies in.
    pub subdistrict_id: SubdistrictId,
    /// OpenStreetMap id, when it came from OSM.
    pub osm_id: Option<i64>,
    /// Name, when known.
    pub name: Option<String>,
    /// Use: the OSM `building` value (`residential`, `apartments`, `yes`, `office`, …);
    /// shared between buildings of the same use ([`intern_usage`]).
    pub usage: Arc<str>,
    /// Storeys above ground.
    pub levels: f64,
    /// Estimated households ([`estimate_households`]) unless given.
    pub households: i32,
    /// Polygon or MultiPolygon, EPSG:4326 degrees.
    pub footprint: Geometry<f64>,
}

/// A building's properties as the API, the tiles and exports show them (one shape;
/// the importer reads it back, as it reads OSM's `building` / `building:levels`).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BuildingProperties {
    /// Database id.
    pub id: i64,
    /// OpenStreetMap id, when it came from OSM.
    #[schema(required = true)]
    pub osm_id: Option<i64>,
    /// Name, when known.
    #[schema(required = true)]
    pub name: Option<String>,
    /// Use: the OSM `building` value (`residential`, `apartments`, `yes`, …).
    pub usage: String,
    /// Storeys above ground.
    pub levels: f64,
    /// Households, given or estimated (gis-data/README.md).
    pub households: i32,
}

/// Distinct uses kept by [`intern_usage`]; past this many, new values are no longer
/// shared (a file of made-up values must not grow the pool without end).
const USAGE_POOL_MAX: usize = 4096;

static USAGES: LazyLock<Mutex<HashSet<Arc<str>>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

/// One shared copy of a building use: a city has a million buildings and a few
/// dozen uses, so each building holds a pointer instead of its own string.
pub fn intern_usage(usage: &str) -> Arc<str> {
    let mut pool = USAGES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(u) = pool.get(usage) {
        return Arc::clone(u);
    }
    let u: Arc<str> = usage.into();
    if pool.len() < USAGE_POOL_MAX {
        pool.insert(Arc::clone(&u));
    }
    u
}

impl Building {
    /// Its properties (no geometry).
    pub fn properties(&self) -> BuildingProperties {
        BuildingProperties {
            id: self.id,
            osm_id: self.osm_id,
            name: self.name.clone(),
            usage: self.usage.to_string(),
            levels: self.levels,
            households: self.households,
        }
    }

    /// As a GeoJSON Feature (EPSG:4326).
    pub fn to_feature(&self) -> geojson::Feature {
        super::geometry::feature(
            self.id,
            &self.footprint,
            serde_json::to_value(self.properties()).unwrap_or_default(),
        )
    }
}

/// A road's properties as the API and exports show them.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RoadProperties {
    /// Database id.
    pub id: i64,
    /// OpenStreetMap id, when it came from OSM.
    #[schema(required = true)]
    pub osm_id: Option<i64>,
    /// Name, when known.
    #[schema(required = true)]
    pub name: Option<String>,
    /// The OSM `highway` class.
    pub highway: String,
}

impl Road {
    /// As a GeoJSON Feature (EPSG:4326).
    pub fn to_feature(&self) -> geojson::Feature {
        let p = RoadProperties {
            id: self.id,
            osm_id: self.osm_id,
            name: self.name.clone(),
            highway: self.highway.clone(),
        };
        super::geometry::feature(
            self.id,
            &self.line,
            serde_json::to_value(p).unwrap_or_default(),
        )
    }
}

/// A road centre line.
#[derive(Debug, Clone, PartialEq)]
pub struct Road {
    /// Database id (0 before it is stored).
    pub id: i64,
    /// The subdistrict it lies in.
    pub subdistrict_id: SubdistrictId,
    /// OpenStreetMap id, when it came from OSM.
    pub osm_id: Option<i64>,
    /// Name, when known.
    pub name: Option<String>,
    /// The OSM `highway` class.
    pub highway: String,
    /// LineString or MultiLineString, EPSG:4326 degrees.
    pub line: Geometry<f64>,
}

/// Gross floor area per household, m².
pub const FLOOR_AREA_PER_HOUSEHOLD_M2: f64 = 90.0;
/// Storeys assumed when a building says nothing.
pub const DEFAULT_LEVELS: f64 = 4.0;

/// Share of a building's floor area that is homes, by its OSM `building` value.
pub fn residential_share(usage: &str) -> f64 {
    match usage {
        "residential" | "apartments" | "house" | "detached" | "terrace" | "dormitory" => 1.0,
        // Unknown use: central areas are mixed.
        "yes" => 0.5,
        _ => 0.0,
    }
}

/// Storeys from a messy OSM `building:levels` value (`"2.5"`, `"4;5"`, missing):
/// the first number found, at least 1, or [`DEFAULT_LEVELS`].
pub fn parse_levels(v: Option<&serde_json::Value>) -> f64 {
    let parsed = match v {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .find(|t| !t.is_empty())
            .and_then(|t| t.parse().ok()),
        _ => None,
    };
    parsed
        .filter(|f: &f64| f.is_finite() && *f > 0.0)
        .map_or(DEFAULT_LEVELS, |f| f.max(1.0))
}

/// The household estimate documented in `gis-data/README.md`:
/// `floor(footprint m² × levels × residential share / 90 m²)`, with the footprint
/// measured in the local frame at the centre of its bounding box.
///
/// # Examples
/// ```
/// use geo::polygon;
/// use gridd::domain::frame::LocalFrame;
/// use gridd::domain::reference::estimate_households;
/// // a 30 m × 40 m apartment block of 5 storeys at 60°N: 1,200 m² × 5 / 90 = 66.7
/// let f = LocalFrame::new(geo::coord! { x: 24.0, y: 60.0 });
/// let (d_lon, d_lat) = (30.0 / f.kx, 40.0 / f.ky);
/// let sq = polygon![(x: 24.0, y: 60.0), (x: 24.0 + d_lon, y: 60.0),
///     (x: 24.0 + d_lon, y: 60.0 + d_lat), (x: 24.0, y: 60.0 + d_lat)];
/// assert_eq!(estimate_households(&geo::Geometry::Polygon(sq), 5.0, "apartments"), 66);
/// ```
pub fn estimate_households(footprint: &Geometry<f64>, levels: f64, usage: &str) -> i32 {
    let share = residential_share(usage);
    if share == 0.0 {
        return 0;
    }
    let area = local_area_m2(footprint);
    (area * levels * share / FLOOR_AREA_PER_HOUSEHOLD_M2).floor() as i32
}

/// Planar area in m² of a small polygonal geometry in the local frame at the
/// centre of its bounding box: accurate to well under 1 % for buildings.
pub fn local_area_m2(g: &Geometry<f64>) -> f64 {
    use geo::BoundingRect;
    g.bounding_rect()
        .map_or(0.0, |r| LocalFrame::around(r).area_m2(g))
}
