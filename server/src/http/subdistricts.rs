//! `/subdistricts`.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use geo::BoundingRect;

use super::grids::geojson_response;
use super::problem::ApiError;
use crate::error::Error;

pub(super) fn router() -> Router<super::State> {
    Router::new()
        .route("/subdistricts", get(list))
        .route("/subdistricts/{id}", get(one))
}

async fn list(State(app): State<super::State>) -> Response {
    let atlas = app.atlas();
    let v: Vec<serde_json::Value> = atlas
        .subdistricts()
        .map(|s| {
            let bbox = s
                .boundary
                .bounding_rect()
                .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
            serde_json::json!({ "id": s.id, "code": s.code, "name": s.name, "bbox": bbox })
        })
        .collect();
    axum::Json(v).into_response()
}

async fn one(
    State(app): State<super::State>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::invalid("id", format!("must be a whole number, got {id:?}")))?;
    let atlas = app.atlas();
    let s = atlas
        .subdistrict(id)
        .ok_or_else(|| Error::NotFound(format!("subdistrict {id}")))?;
    let bbox = s
        .boundary
        .bounding_rect()
        .map(|r| vec![r.min().x, r.min().y, r.max().x, r.max().y]);
    let mut f = crate::domain::geometry::feature(
        s.id,
        &s.boundary,
        serde_json::json!({ "id": s.id, "code": s.code, "name": s.name }),
    );
    f.bbox = bbox;
    Ok(geojson_response(&f))
}
