//! `/buildings`, `/roads`: the reference layers as GeoJSON.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::grids::{geojson_response, parse_bbox};
use super::problem::{ApiError, ProblemDoc, Query};
use super::schema::{AreaFeature, Feature, FeatureCollection, FeatureCollectionType};
use crate::domain::reference::{BuildingProperties, RoadProperties};

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(buildings))
        .routes(routes!(roads))
}

/// A bounding box filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct BboxQuery {
    /// `minLon,minLat,maxLon,maxLat` (degrees); all when absent.
    bbox: Option<String>,
}

fn collection(features: Vec<geojson::Feature>) -> serde_json::Value {
    serde_json::json!({ "type": FeatureCollectionType::FeatureCollection, "features": features })
}

/// Buildings (footprints with households), by bounding box.
#[utoipa::path(get, operation_id = "reference_buildings", path = "/buildings", tag = "reference", params(BboxQuery),
    responses(
        (status = 200, description = "Buildings", body = FeatureCollection<AreaFeature<BuildingProperties>>, content_type = "application/geo+json"),
        (status = 422, description = "A bad bbox", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn buildings(
    State(app): State<super::State>,
    Query(q): Query<BboxQuery>,
) -> Result<Response, ApiError> {
    let r = parse_bbox(q.bbox.as_deref())?;
    let atlas = app.atlas();
    let features = atlas
        .buildings_in(r)
        .iter()
        .map(|b| b.to_feature())
        .collect();
    Ok(geojson_response(&collection(features)))
}

/// Roads (centre lines with their OSM class), by bounding box.
#[utoipa::path(get, operation_id = "reference_roads", path = "/roads", tag = "reference", params(BboxQuery),
    responses(
        (status = 200, description = "Roads", body = FeatureCollection<Feature<RoadProperties>>, content_type = "application/geo+json"),
        (status = 422, description = "A bad bbox", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn roads(
    State(app): State<super::State>,
    Query(q): Query<BboxQuery>,
) -> Result<Response, ApiError> {
    let r = parse_bbox(q.bbox.as_deref())?;
    let atlas = app.atlas();
    let features = atlas.roads_in(r).iter().map(|x| x.to_feature()).collect();
    Ok(geojson_response(&collection(features)))
}
