//! `/grids/{id}/import`, `/subdistricts/{id}/import`: a planner's GeoJSON or
//! GeoPackage file becomes children of a grid (or L1 grids of a subdistrict), all or
//! nothing, every bad feature reported.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Caller, Id};
use super::problem::{ApiError, ProblemDoc, Query};
use super::schema::{GridFeature, grid_features};
use crate::domain::change::Actor;
use crate::error::Error;
use crate::import::{self, FeatureRepair};

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(under_grid))
        .routes(routes!(under_subdistrict))
}

/// Query of the imports.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ImportQuery {
    /// The GeoPackage table to read (default: its first features table).
    layer: Option<String>,
    /// Repair self-intersections and spikes (valid edges keep their exact
    /// vertices) and report per feature what changed; without it an invalid
    /// geometry is refused, naming the coordinate.
    #[param(value_type = Option<bool>)]
    repair: Option<String>,
}

/// What an import created.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Imported {
    /// The grids created, in reading order.
    created: Vec<GridFeature>,
    /// With `repair`: each feature whose geometry the repair changed, and how.
    repairs: Vec<FeatureRepair>,
}

fn flag(name: &str, v: Option<&str>) -> Result<bool, Error> {
    match v.map(str::trim) {
        None | Some("" | "false" | "0" | "no") => Ok(false),
        Some("true" | "1" | "yes") => Ok(true),
        Some(other) => Err(Error::invalid(
            name,
            format!("must be true or false, got {other:?}"),
        )),
    }
}

/// The body's features: a GeoPackage (SQLite header) is read from a temporary file,
/// anything else is parsed as GeoJSON (on a blocking thread: 16 MiB of JSON).
async fn features(body: Bytes, layer: Option<&str>) -> Result<Vec<geojson::Feature>, Error> {
    if body.starts_with(b"SQLite format 3\0") {
        let path = std::env::temp_dir().join(format!(
            "gridd-import-{}-{}.gpkg",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        tokio::fs::write(&path, &body)
            .await
            .map_err(|e| Error::Internal(e.into()))?;
        let out = import::read_any(&path, layer).await;
        let _ = tokio::fs::remove_file(&path).await;
        out
    } else {
        tokio::task::spawn_blocking(move || {
            let text = std::str::from_utf8(&body)
                .map_err(|_| Error::invalid("body", "neither a GeoPackage nor UTF-8 GeoJSON"))?;
            import::parse_features(text)
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?
    }
}

async fn run(
    app: &super::State,
    sid: Option<i64>,
    parent: Option<i64>,
    actor: &Actor,
    body: Bytes,
    q: &ImportQuery,
) -> Result<Response, ApiError> {
    let repair = flag("repair", q.repair.as_deref())?;
    let feats = features(body, q.layer.as_deref()).await?;
    if feats.is_empty() {
        return Err(Error::invalid("body", "the file holds no features").into());
    }
    // The geometries are checked (and repaired) on a blocking thread before the
    // write lock is taken: a large file must not hold up other writers.
    let limits = app.limits();
    let (mut feats, parsed, repairs) = tokio::task::spawn_blocking(move || {
        let mut feats = feats;
        let repairs = if repair {
            import::repair_features(&mut feats, limits)?
        } else {
            Vec::new()
        };
        let parsed = import::parse_geometries(&feats, limits, &import::quiet);
        Ok::<_, Error>((feats, parsed, repairs))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))??;
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
                import::grids_parsed(&feats, parsed, atlas, Some(sid))
            },
            actor,
        )
        .await?;
    let created = grid_features(&stored.grids, &app.atlas());
    Ok((
        StatusCode::CREATED,
        axum::Json(Imported { created, repairs }),
    )
        .into_response())
}

/// Imports a planner's file (GeoJSON or GeoPackage, e.g. from QGIS) as children of
/// a grid: all or nothing, codes in reading order, every bad feature named by index
/// (and code or name).
#[utoipa::path(post, operation_id = "imports_under_grid", path = "/grids/{id}/import", tag = "imports",
    params(("id" = i64, Path, description = "the parent grid"), ImportQuery,
        ("X-Gridd-Reason" = Option<String>, Header, description = "why (percent-encoded UTF-8)")),
    request_body(description = "A GeoJSON FeatureCollection or a GeoPackage file", content(
        ("application/geo+json"), ("application/geopackage+sqlite3"))),
    responses(
        (status = 201, description = "Every grid created", body = Imported),
        (status = 404, description = "No such parent", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Every bad feature, named; nothing stored", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn under_grid(
    State(app): State<super::State>,
    Id(p): Id,
    Query(q): Query<ImportQuery>,
    Caller(actor): Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    run(&app, None, Some(p), &actor, body, &q).await
}

/// Imports a planner's file as level 1 grids of a subdistrict (as for a grid).
#[utoipa::path(post, operation_id = "imports_under_subdistrict", path = "/subdistricts/{id}/import", tag = "imports",
    params(("id" = i64, Path, description = "the subdistrict"), ImportQuery,
        ("X-Gridd-Reason" = Option<String>, Header, description = "why (percent-encoded UTF-8)")),
    request_body(description = "A GeoJSON FeatureCollection or a GeoPackage file", content(
        ("application/geo+json"), ("application/geopackage+sqlite3"))),
    responses(
        (status = 201, description = "Every grid created", body = Imported),
        (status = 404, description = "No such subdistrict", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Every bad feature, named; nothing stored", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn under_subdistrict(
    State(app): State<super::State>,
    Id(s): Id,
    Query(q): Query<ImportQuery>,
    Caller(actor): Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    run(&app, Some(s), None, &actor, body, &q).await
}
