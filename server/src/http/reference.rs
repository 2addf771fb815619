//! `/buildings`, `/roads`: the reference layers as GeoJSON.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::grids::{geojson_response, parse_bbox};
use super::problem::ApiError;
use crate::domain::geometry::{collection, feature};

pub(super) fn router() -> Router<super::State> {
    Router::new()
        .route("/buildings", get(buildings))
        .route("/roads", get(roads))
}

#[derive(Debug, Deserialize)]
pub(super) struct BboxQuery {
    bbox: Option<String>,
}

async fn buildings(
    State(app): State<super::State>,
    Query(q): Query<BboxQuery>,
) -> Result<Response, ApiError> {
    let r = parse_bbox(q.bbox.as_deref())?;
    let atlas = app.atlas();
    let features = atlas
        .buildings_in(r)
        .into_iter()
        .map(|b| {
            feature(
                b.id,
                &b.footprint,
                serde_json::json!({
                    "id": b.id, "osm_id": b.osm_id, "name": b.name, "use": b.usage,
                    "levels": b.levels, "households": b.households,
                }),
            )
        })
        .collect();
    Ok(geojson_response(&collection(features)))
}

async fn roads(
    State(app): State<super::State>,
    Query(q): Query<BboxQuery>,
) -> Result<Response, ApiError> {
    let r = parse_bbox(q.bbox.as_deref())?;
    let atlas = app.atlas();
    let features = atlas
        .roads_in(r)
        .into_iter()
        .map(|x| feature(x.id, &x.line, serde_json::json!({ "id": x.id, "osm_id": x.osm_id, "name": x.name, "highway": x.highway })))
        .collect();
    Ok(geojson_response(&collection(features)))
}
