//! `/subdistricts`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use geo::BoundingRect;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::Id;
use super::grids::geojson_response;
use super::problem::{ApiError, ProblemDoc};
use super::schema::{AreaFeature, FeatureType};
use crate::domain::subdistrict::Subdistrict;
use crate::error::Error;

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
}

/// A subdistrict (街道) without its boundary.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct SubdistrictSummary {
    /// Database id.
    id: i64,
    /// Nine digits: county (GB/T 2260) + subdistrict (GB/T 10114).
    #[schema(example = "320508990")]
    code: String,
    /// Name.
    name: String,
    /// `[minLon, minLat, maxLon, maxLat]` of the boundary, degrees.
    #[schema(required = true)]
    bbox: Option<[f64; 4]>,
}

/// A subdistrict's properties in its Feature.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct SubdistrictProperties {
    /// Database id.
    id: i64,
    /// Nine-digit code.
    code: String,
    /// Name.
    name: String,
}

fn bbox(s: &Subdistrict) -> Option<[f64; 4]> {
    s.boundary
        .bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// Every subdistrict, by id.
#[utoipa::path(get, operation_id = "subdistricts_list", path = "/subdistricts", tag = "subdistricts",
    responses((status = 200, description = "The subdistricts", body = Vec<SubdistrictSummary>)))]
async fn list(State(app): State<super::State>) -> Response {
    let atlas = app.atlas();
    let v: Vec<SubdistrictSummary> = atlas
        .subdistricts()
        .map(|s| SubdistrictSummary {
            id: s.id,
            code: s.code.clone(),
            name: s.name.clone(),
            bbox: bbox(s),
        })
        .collect();
    axum::Json(v).into_response()
}

/// A subdistrict with its boundary, as a GeoJSON Feature (with `bbox`).
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct SubdistrictFeature {
    #[serde(flatten)]
    feature: AreaFeature<SubdistrictProperties>,
    /// `[minLon, minLat, maxLon, maxLat]`, degrees.
    #[schema(required = true)]
    bbox: Option<[f64; 4]>,
}

/// One subdistrict with its boundary.
#[utoipa::path(get, operation_id = "subdistricts_one", path = "/subdistricts/{id}", tag = "subdistricts",
    params(("id" = i64, Path, description = "subdistrict id")),
    responses(
        (status = 200, description = "The subdistrict", body = SubdistrictFeature, content_type = "application/geo+json"),
        (status = 404, description = "No such subdistrict", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn one(State(app): State<super::State>, Id(id): Id) -> Result<Response, ApiError> {
    let atlas = app.atlas();
    let s = atlas
        .subdistrict(id)
        .ok_or_else(|| Error::NotFound(format!("subdistrict {id}")))?;
    Ok(geojson_response(&SubdistrictFeature {
        feature: AreaFeature {
            kind: FeatureType::Feature,
            id: s.id,
            geometry: geojson::Geometry::new((&s.boundary).into()),
            properties: SubdistrictProperties {
                id: s.id,
                code: s.code.clone(),
                name: s.name.clone(),
            },
        },
        bbox: bbox(s),
    }))
}
