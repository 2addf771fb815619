//! The shapes of request and response bodies that are not domain types: GeoJSON
//! (written out as JSON Schema, since the `geojson` crate documents nothing) and the
//! wrappers the API answers. Every route's documentation refers to these, so the
//! OpenAPI document is generated from the same types the handlers use.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::grid::{Grid, GridProperties};
use crate::index::Atlas;

fn schema(v: serde_json::Value) -> RefOr<Schema> {
    RefOr::T(serde_json::from_value(v).unwrap_or_default())
}

/// A GeoJSON geometry (RFC 7946): positions are `[longitude, latitude]` in degrees,
/// EPSG:4326 (CGCS2000 is taken as equal at this scale).
pub struct GeoJsonGeometry;

impl PartialSchema for GeoJsonGeometry {
    fn schema() -> RefOr<Schema> {
        let position = serde_json::json!({
            "type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "number"},
            "description": "[longitude, latitude] in degrees"
        });
        let ring = serde_json::json!({"type": "array", "minItems": 4, "items": position,
            "description": "a closed ring: the last position equals the first"});
        schema(serde_json::json!({
            "type": "object",
            "description": "GeoJSON geometry (RFC 7946), EPSG:4326 degrees",
            "required": ["type", "coordinates"],
            "properties": {
                "type": {"type": "string", "enum": ["Point", "LineString", "Polygon", "MultiPolygon", "MultiLineString"]},
                "coordinates": {"description": "Point: a position; LineString: positions; Polygon: rings (exterior first); MultiPolygon: polygons",
                    "oneOf": [
                        position,
                        {"type": "array", "items": position},
                        {"type": "array", "items": ring},
                        {"type": "array", "items": {"type": "array", "items": ring}}
                    ]}
            }
        }))
    }
}

impl ToSchema for GeoJsonGeometry {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Geometry")
    }
}

/// `"Feature"`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
pub enum FeatureType {
    /// A GeoJSON Feature.
    #[default]
    Feature,
}

/// `"FeatureCollection"`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
pub enum FeatureCollectionType {
    /// A GeoJSON FeatureCollection.
    #[default]
    FeatureCollection,
}

/// A GeoJSON Feature with its properties typed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Feature<P> {
    /// `"Feature"`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// The feature's id (the same as `properties.id`).
    pub id: i64,
    /// The geometry, EPSG:4326.
    #[schema(value_type = GeoJsonGeometry)]
    pub geometry: geojson::Geometry,
    /// The properties.
    pub properties: P,
}

/// A GeoJSON FeatureCollection of typed Features.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureCollection<P> {
    /// `"FeatureCollection"`.
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    /// The features.
    pub features: Vec<Feature<P>>,
}

impl<P> FeatureCollection<P> {
    /// A collection of `features`.
    pub fn of(features: Vec<Feature<P>>) -> Self {
        Self {
            kind: FeatureCollectionType::FeatureCollection,
            features,
        }
    }
}

/// A grid as the API answers it.
pub type GridFeature = Feature<GridProperties>;

/// A grid as a Feature, with its households rolled up the tree from `atlas`.
pub fn grid_feature(g: &Grid, atlas: &Atlas) -> GridFeature {
    let mut properties = g.properties();
    properties.households_total = atlas.households(g.id);
    Feature {
        kind: FeatureType::Feature,
        id: g.id,
        geometry: geojson::Geometry::new((&g.draft.geometry).into()),
        properties,
    }
}

/// Grids as Features (see [`grid_feature`]).
pub fn grid_features<'a>(
    grids: impl IntoIterator<Item = &'a Grid>,
    atlas: &Atlas,
) -> Vec<GridFeature> {
    grids.into_iter().map(|g| grid_feature(g, atlas)).collect()
}
