//! The subdistrict (街道): the whole area one deployment manages.

use geo::Geometry;

use super::grid::SubdistrictId;

/// A subdistrict and its boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct Subdistrict {
    /// Database id.
    pub id: SubdistrictId,
    /// Nine digits: county (GB/T 2260) + subdistrict (GB/T 10114).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Polygon or MultiPolygon, EPSG:4326 degrees.
    pub boundary: Geometry<f64>,
}
