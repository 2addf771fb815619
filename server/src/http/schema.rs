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

fn position() -> serde_json::Value {
    serde_json::json!({
        "type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "number"},
        "description": "[longitude, latitude] in degrees"
    })
}

/// One GeoJSON geometry type with its coordinates' shape.
fn typed(kind: &str, coordinates: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": [kind]},
            "coordinates": coordinates,
        }
    })
}

fn polygon() -> serde_json::Value {
    let ring = serde_json::json!({"type": "array", "minItems": 4, "items": position(),
        "description": "a closed ring: the last position equals the first"});
    typed(
        "Polygon",
        serde_json::json!({"type": "array", "items": ring,
        "description": "rings: the exterior first, then holes"}),
    )
}

fn multi_polygon() -> serde_json::Value {
    let rings = polygon()["properties"]["coordinates"].clone();
    typed(
        "MultiPolygon",
        serde_json::json!({"type": "array", "items": rings}),
    )
}

/// A GeoJSON geometry (RFC 7946): positions are `[longitude, latitude]` in degrees,
/// EPSG:4326 (CGCS2000 is taken as equal at this scale).
pub struct GeoJsonGeometry;

impl PartialSchema for GeoJsonGeometry {
    fn schema() -> RefOr<Schema> {
        let line = serde_json::json!({"type": "array", "minItems": 2, "items": position()});
        schema(serde_json::json!({
            "description": "A GeoJSON geometry (RFC 7946), EPSG:4326 degrees",
            "oneOf": [
                typed("Point", position()),
                typed("LineString", line.clone()),
                typed("MultiLineString", serde_json::json!({"type": "array", "items": line})),
                polygon(),
                multi_polygon(),
            ]
        }))
    }
}

impl ToSchema for GeoJsonGeometry {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Geometry")
    }
}

/// A Polygon or MultiPolygon (a grid, a building, a subdistrict), EPSG:4326.
pub struct AreaGeometry;

impl PartialSchema for AreaGeometry {
    fn schema() -> RefOr<Schema> {
        schema(serde_json::json!({
            "description": "A GeoJSON Polygon or MultiPolygon (RFC 7946), EPSG:4326 degrees",
            "oneOf": [polygon(), multi_polygon()]
        }))
    }
}

impl ToSchema for AreaGeometry {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("AreaGeometry")
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

/// A GeoJSON Feature whose geometry is a Polygon or MultiPolygon.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaFeature<P> {
    /// `"Feature"`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// The feature's id (the same as `properties.id`).
    pub id: i64,
    /// The geometry, EPSG:4326.
    #[schema(value_type = AreaGeometry)]
    pub geometry: geojson::Geometry,
    /// The properties.
    pub properties: P,
}

/// A GeoJSON FeatureCollection of typed Features.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureCollection<F> {
    /// `"FeatureCollection"`.
    #[serde(rename = "type")]
    pub kind: FeatureCollectionType,
    /// The features.
    pub features: Vec<F>,
}

impl<F> FeatureCollection<F> {
    /// A collection of `features`.
    pub fn of(features: Vec<F>) -> Self {
        Self {
            kind: FeatureCollectionType::FeatureCollection,
            features,
        }
    }
}

/// A grid as the API answers it: a GeoJSON Feature (a named type, not an alias of
/// `AreaFeature<GridProperties>`, so that the document registers its properties).
#[derive(Debug, Serialize, ToSchema)]
pub struct GridFeature {
    /// `"Feature"`.
    #[serde(rename = "type")]
    pub kind: FeatureType,
    /// The grid's id.
    pub id: i64,
    /// Polygon or MultiPolygon, EPSG:4326.
    #[schema(value_type = AreaGeometry)]
    pub geometry: geojson::Geometry,
    /// The grid's properties.
    pub properties: GridProperties,
}

/// A grid as a Feature, with its households rolled up the tree from `atlas`.
pub fn grid_feature(g: &Grid, atlas: &Atlas) -> GridFeature {
    let mut properties = g.properties();
    properties.households_total = atlas.households(g.id);
    GridFeature {
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
