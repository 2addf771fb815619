//! `/grids/{id}/import`, `/subdistricts/{id}/import`: a planner's GeoJSON or
//! GeoPackage file becomes children of a grid (or L1 grids of a subdistrict), all or
//! nothing, every bad feature reported.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;

use super::grids::actor;
use super::problem::ApiError;
use crate::domain::geometry::Limits;
use crate::error::Error;
use crate::import;

pub(super) fn router() -> Router<super::State> {
    Router::new()
        .route("/grids/{id}/import", post(under_grid))
        .route("/subdistricts/{id}/import", post(under_subdistrict))
}

#[derive(Debug, Deserialize)]
pub(super) struct ImportQuery {
    /// The GeoPackage table to read (default: its first features table).
    layer: Option<String>,
}

fn id(s: &str) -> Result<i64, Error> {
    s.parse()
        .map_err(|_| Error::invalid("id", format!("must be a whole number, got {s:?}")))
}

/// The body's features: a GeoPackage (SQLite header) is read from a temporary file,
/// anything else is parsed as GeoJSON.
async fn features(body: &[u8], layer: Option<&str>) -> Result<Vec<geojson::Feature>, Error> {
    if body.starts_with(b"SQLite format 3\0") {
        let path = std::env::temp_dir().join(format!(
            "gridd-import-{}-{}.gpkg",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        tokio::fs::write(&path, body)
            .await
            .map_err(|e| Error::Internal(e.into()))?;
        let out = import::read_any(&path, layer).await;
        let _ = tokio::fs::remove_file(&path).await;
        out
    } else {
        let text = std::str::from_utf8(body)
            .map_err(|_| Error::invalid("body", "neither a GeoPackage nor UTF-8 GeoJSON"))?;
        import::parse_features(text)
    }
}

async fn run(
    app: &super::State,
    sid: Option<i64>,
    parent: Option<i64>,
    headers: &HeaderMap,
    body: &[u8],
    layer: Option<&str>,
) -> Result<Response, ApiError> {
    let mut feats = features(body, layer).await?;
    if feats.is_empty() {
        return Err(Error::invalid("body", "the file holds no features").into());
    }
    let stored = app
        .import_with(
            |atlas| {
                let sid = match (sid, parent) {
                    (Some(s), _) => s,
                    (None, Some(p)) => atlas
                        .grid(p)
                        .map(|g| g.grid.subdistrict_id)
                        .ok_or_else(|| Error::NotFound(format!("grid {p}")))?,
                    (None, None) => return Err(Error::invalid("id", "no parent named")),
                };
                import::adopt(&mut feats, atlas, sid, parent)?;
                import::grids(&feats, atlas, Some(sid), Limits::default(), &import::quiet)
            },
            &actor(headers),
        )
        .await?;
    let created: Vec<geojson::Feature> = stored.grids.iter().map(|g| g.to_feature()).collect();
    Ok((
        StatusCode::CREATED,
        axum::Json(serde_json::json!({ "created": created })),
    )
        .into_response())
}

async fn under_grid(
    State(app): State<super::State>,
    Path(p): Path<String>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let p = id(&p)?;
    run(&app, None, Some(p), &headers, &body, q.layer.as_deref()).await
}

async fn under_subdistrict(
    State(app): State<super::State>,
    Path(s): Path<String>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let s = id(&s)?;
    run(&app, Some(s), None, &headers, &body, q.layer.as_deref()).await
}
