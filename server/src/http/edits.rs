//! The grid editor's server operations: split, merge, shared-vertex edits, next
//! code, renumbering and code history. Thin: parse, call `App`, answer every grid
//! the edit changed (Features as `GET /grids/{id}` gives them). Every edit names
//! the version of every grid it changes: 428 when one is missing, 409 when stale.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Caller, Id};
use super::problem::{ApiError, Json, ProblemDoc};
use super::schema::{GeoJsonGeometry, GridFeature, grid_features};
use crate::domain::change::{CodeChange, CodeHistoryEntry, EditResult};
use crate::domain::grid::GridId;
use crate::edit::DEFAULT_TOLERANCE_M;
use crate::error::{Error, FieldError};
use crate::index::Atlas;

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(merge))
        .routes(routes!(split))
        .routes(routes!(next_code_grid))
        .routes(routes!(renumber_grid))
        .routes(routes!(code_history))
        .routes(routes!(next_code_subdistrict))
        .routes(routes!(renumber_subdistrict))
        .routes(routes!(move_vertex))
        .routes(routes!(insert_vertex))
        .routes(routes!(delete_vertex))
}

/// The grids an edit changed, created and deleted.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct EditAnswer {
    /// Grids changed, as stored now.
    changed: Vec<GridFeature>,
    /// Grids created.
    created: Vec<GridFeature>,
    /// Ids of the grids deleted.
    #[schema(value_type = Vec<i64>)]
    deleted: Vec<GridId>,
}

fn answer(out: &EditResult, atlas: &Atlas) -> Response {
    axum::Json(EditAnswer {
        changed: grid_features(&out.changed, atlas),
        created: grid_features(&out.created, atlas),
        deleted: out.deleted.iter().map(|g| g.id).collect(),
    })
    .into_response()
}

/// The grids a vertex edit changed.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct VertexAnswer {
    /// Every grid that had the vertex or edge, as stored now.
    changed: Vec<GridFeature>,
}

fn vertex_answer(out: &EditResult, atlas: &Atlas) -> Response {
    axum::Json(VertexAnswer {
        changed: grid_features(&out.changed, atlas),
    })
    .into_response()
}

/// A `[lon, lat]` position in degrees, checked.
fn position(field: &str, p: &[f64]) -> Result<geo::Coord, Error> {
    let &[x, y] = p else {
        return Err(Error::invalid(
            field,
            format!(
                "must be a position [lon, lat] in degrees, got {} numbers",
                p.len()
            ),
        ));
    };
    if !(x.is_finite()
        && y.is_finite()
        && (-180.0..=180.0).contains(&x)
        && (-90.0..=90.0).contains(&y))
    {
        return Err(Error::invalid(
            field,
            format!("[{x}, {y}] is not within [-180,180]×[-90,90]"),
        ));
    }
    Ok(geo::Coord { x, y })
}

/// The versions every vertex edit must name.
fn required(versions: Option<HashMap<GridId, i64>>) -> Result<HashMap<GridId, i64>, Error> {
    versions.ok_or_else(|| {
        Error::version_required(
            "name the version of every grid the edit changes: \"versions\": {\"<grid id>\": version}",
        )
    })
}

/// The cut line of a split: a GeoJSON LineString of at least two distinct positions.
fn line(g: &geojson::Geometry) -> Result<geo::LineString, Error> {
    let geojson::GeometryValue::LineString { coordinates } = &g.value else {
        return Err(Error::invalid(
            "line.type",
            format!("must be LineString, not {}", g.value.type_name()),
        ));
    };
    let mut out = Vec::with_capacity(coordinates.len());
    for (i, p) in coordinates.iter().enumerate() {
        match p.as_slice() {
            [x, y, ..]
                if x.is_finite()
                    && y.is_finite()
                    && (-180.0..=180.0).contains(x)
                    && (-90.0..=90.0).contains(y) =>
            {
                out.push(geo::Coord { x: *x, y: *y });
            }
            _ => {
                return Err(Error::Invalid(vec![FieldError::new(
                    format!("line.coordinates[{i}]"),
                    "must be [lon, lat] within [-180,180]×[-90,90]",
                )]));
            }
        }
    }
    Ok(geo::LineString(out))
}

/// Body of `POST /grids/{id}/split`.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct SplitIn {
    /// The version of the grid the split started from.
    version: Option<i64>,
    /// The cut: a LineString crossing the grid (lon/lat), not crossing itself.
    #[schema(value_type = GeoJsonGeometry)]
    line: geojson::Geometry,
}

/// Cuts a childless grid in two along a line; the pieces keep exact shared edges,
/// the neighbours get the cut points, households are apportioned by buildings.
#[utoipa::path(post, operation_id = "edits_split", path = "/grids/{id}/split", tag = "editor",
    params(("id" = i64, Path, description = "the grid to split"),
        ("X-Gridd-Reason" = Option<String>, Header, description = "why (percent-encoded UTF-8)")),
    request_body = SplitIn,
    responses(
        (status = 200, description = "The grids changed and created", body = EditAnswer),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Stale, or the grid has children", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad line, named", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 428, description = "No version named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn split(
    State(app): State<super::State>,
    Id(id): Id,
    Caller(actor): Caller,
    Json(body): Json<SplitIn>,
) -> Result<Response, ApiError> {
    let version = body.version.ok_or_else(|| {
        Error::version_required("name the version the edit started from: \"version\" in the body")
    })?;
    let line = line(&body.line)?;
    // Checked where it blocks nobody, before the edit takes the write lock.
    let line = tokio::task::spawn_blocking(move || {
        crate::domain::geometry::check_cut_line("line", &line)
            .map(|()| line)
            .map_err(|e| Error::Invalid(vec![e]))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))??;
    let out = app.split_grid(id, version, &line, &actor).await?;
    Ok(answer(&out, &app.atlas()))
}

/// Body of `POST /grids/merge`.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct MergeIn {
    /// Adjacent siblings to merge (at least two); the smallest code survives.
    #[schema(value_type = Vec<i64>)]
    ids: Vec<GridId>,
    /// The version of every grid named: `{"<grid id>": version}`.
    #[schema(value_type = Option<HashMap<String, i64>>)]
    versions: Option<HashMap<GridId, i64>>,
}

/// Merges adjacent sibling grids into the one with the smallest code.
#[utoipa::path(post, operation_id = "edits_merge", path = "/grids/merge", tag = "editor",
    params(("X-Gridd-Reason" = Option<String>, Header, description = "why (percent-encoded UTF-8)")),
    request_body = MergeIn,
    responses(
        (status = 200, description = "The surviving grid changed, the others deleted", body = EditAnswer),
        (status = 409, description = "Stale", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Not siblings, not adjacent, …", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 428, description = "No versions named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn merge(
    State(app): State<super::State>,
    Caller(actor): Caller,
    Json(body): Json<MergeIn>,
) -> Result<Response, ApiError> {
    let versions = body.versions.ok_or_else(|| {
        Error::version_required("name the version of every grid: \"versions\": {\"<id>\": n}")
    })?;
    let out = app.merge_grids(&body.ids, &versions, &actor).await?;
    Ok(answer(&out, &app.atlas()))
}

/// Body of `POST /edits/move-vertex`.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct MoveVertexIn {
    /// The vertex now, `[lon, lat]`.
    #[schema(value_type = [f64; 2])]
    from: Vec<f64>,
    /// Where it goes, `[lon, lat]`.
    #[schema(value_type = [f64; 2])]
    to: Vec<f64>,
    /// How far from `from` a vertex is taken as that vertex, metres (default 0.05,
    /// at most 10).
    tolerance_m: Option<f64>,
    /// The version of every grid that has the vertex: `{"<grid id>": version}`.
    #[schema(value_type = Option<HashMap<String, i64>>)]
    versions: Option<HashMap<GridId, i64>>,
}

/// Moves a vertex in every grid that has it, so neighbours stay edge-matched.
#[utoipa::path(post, operation_id = "edits_move_vertex", path = "/edits/move-vertex", tag = "editor",
    params(("X-Gridd-Reason" = Option<String>, Header, description = "why (percent-encoded UTF-8)")),
    request_body = MoveVertexIn,
    responses(
        (status = 200, description = "Every grid changed", body = VertexAnswer),
        (status = 409, description = "A grid changed since (current_versions)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "No vertex there, or a grid would become invalid", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 428, description = "A changed grid's version is not named (missing)", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn move_vertex(
    State(app): State<super::State>,
    Caller(actor): Caller,
    Json(body): Json<MoveVertexIn>,
) -> Result<Response, ApiError> {
    let (from, to) = (position("from", &body.from)?, position("to", &body.to)?);
    let versions = required(body.versions)?;
    let tol = body.tolerance_m.unwrap_or(DEFAULT_TOLERANCE_M);
    let out = app.move_vertex(from, to, tol, &versions, &actor).await?;
    Ok(vertex_answer(&out, &app.atlas()))
}

/// Body of `POST /edits/insert-vertex` and `/edits/delete-vertex`.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct VertexAtIn {
    /// The position, `[lon, lat]`.
    #[schema(value_type = [f64; 2])]
    at: Vec<f64>,
    /// Search tolerance in metres (default 0.05, at most 10).
    tolerance_m: Option<f64>,
    /// The version of every grid the edit changes: `{"<grid id>": version}`.
    #[schema(value_type = Option<HashMap<String, i64>>)]
    versions: Option<HashMap<GridId, i64>>,
}

/// Inserts a vertex into every grid edge that passes there.
#[utoipa::path(post, operation_id = "edits_insert_vertex", path = "/edits/insert-vertex", tag = "editor",
    params(("X-Gridd-Reason" = Option<String>, Header, description = "why (percent-encoded UTF-8)")),
    request_body = VertexAtIn,
    responses(
        (status = 200, description = "Every grid changed", body = VertexAnswer),
        (status = 409, description = "A grid changed since", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "No edge there", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 428, description = "A changed grid's version is not named (missing)", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn insert_vertex(
    State(app): State<super::State>,
    Caller(actor): Caller,
    Json(body): Json<VertexAtIn>,
) -> Result<Response, ApiError> {
    let at = position("at", &body.at)?;
    let versions = required(body.versions)?;
    let tol = body.tolerance_m.unwrap_or(DEFAULT_TOLERANCE_M);
    let out = app.insert_vertex(at, tol, &versions, &actor).await?;
    Ok(vertex_answer(&out, &app.atlas()))
}

/// Deletes a vertex from every grid that has it.
#[utoipa::path(post, operation_id = "edits_delete_vertex", path = "/edits/delete-vertex", tag = "editor",
    params(("X-Gridd-Reason" = Option<String>, Header, description = "why (percent-encoded UTF-8)")),
    request_body = VertexAtIn,
    responses(
        (status = 200, description = "Every grid changed", body = VertexAnswer),
        (status = 409, description = "A grid changed since", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "No vertex there, or a ring would collapse", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 428, description = "A changed grid's version is not named (missing)", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn delete_vertex(
    State(app): State<super::State>,
    Caller(actor): Caller,
    Json(body): Json<VertexAtIn>,
) -> Result<Response, ApiError> {
    let at = position("at", &body.at)?;
    let versions = required(body.versions)?;
    let tol = body.tolerance_m.unwrap_or(DEFAULT_TOLERANCE_M);
    let out = app.delete_vertex(at, tol, &versions, &actor).await?;
    Ok(vertex_answer(&out, &app.atlas()))
}

/// The code a new child would get.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct NextCode {
    /// The code: the parent's code and the next free sequence number.
    code: String,
    /// The sequence number (1–999).
    sequence: u32,
}

/// The code a new child of this grid would get.
#[utoipa::path(get, operation_id = "edits_next_code_grid", path = "/grids/{id}/next-code", tag = "editor",
    params(("id" = i64, Path, description = "the parent grid")),
    responses(
        (status = 200, description = "The next code", body = NextCode),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn next_code_grid(State(app): State<super::State>, Id(id): Id) -> Result<Response, ApiError> {
    let atlas = app.atlas();
    let sid = atlas
        .grid(id)
        .ok_or_else(|| Error::NotFound(format!("grid {id}")))?
        .grid
        .subdistrict_id;
    let (code, sequence) = crate::edit::next_code(&atlas, sid, Some(id))?;
    Ok(axum::Json(NextCode { code, sequence }).into_response())
}

/// The code a new level 1 grid of this subdistrict would get.
#[utoipa::path(get, operation_id = "edits_next_code_subdistrict", path = "/subdistricts/{id}/next-code", tag = "editor",
    params(("id" = i64, Path, description = "the subdistrict")),
    responses(
        (status = 200, description = "The next code", body = NextCode),
        (status = 404, description = "No such subdistrict", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn next_code_subdistrict(
    State(app): State<super::State>,
    Id(sid): Id,
) -> Result<Response, ApiError> {
    let (code, sequence) = crate::edit::next_code(&app.atlas(), sid, None)?;
    Ok(axum::Json(NextCode { code, sequence }).into_response())
}

/// What a renumbering changed.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Renumbered {
    /// Every old → new code (also kept in the code history).
    changes: Vec<CodeChange>,
    /// The grids changed, as stored now.
    changed: Vec<GridFeature>,
}

fn renumbered(out: &EditResult, atlas: &Atlas) -> Response {
    axum::Json(Renumbered {
        changes: out.code_changes.clone(),
        changed: grid_features(&out.changed, atlas),
    })
    .into_response()
}

/// Renumbers a grid's children in reading order (north to south, west to east),
/// cascading to their descendants; old codes are kept in the code history.
#[utoipa::path(post, operation_id = "edits_renumber_grid", path = "/grids/{id}/renumber", tag = "editor",
    params(("id" = i64, Path, description = "the parent grid"),
        ("X-Gridd-Reason" = Option<String>, Header, description = "why (percent-encoded UTF-8)")),
    responses(
        (status = 200, description = "The codes changed", body = Renumbered),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn renumber_grid(
    State(app): State<super::State>,
    Id(id): Id,
    Caller(actor): Caller,
) -> Result<Response, ApiError> {
    let sid = app
        .atlas()
        .grid(id)
        .ok_or_else(|| Error::NotFound(format!("grid {id}")))?
        .grid
        .subdistrict_id;
    let out = app.renumber(sid, Some(id), &actor).await?;
    Ok(renumbered(&out, &app.atlas()))
}

/// Renumbers a subdistrict's level 1 grids in reading order, cascading.
#[utoipa::path(post, operation_id = "edits_renumber_subdistrict", path = "/subdistricts/{id}/renumber", tag = "editor",
    params(("id" = i64, Path, description = "the subdistrict"),
        ("X-Gridd-Reason" = Option<String>, Header, description = "why (percent-encoded UTF-8)")),
    responses(
        (status = 200, description = "The codes changed", body = Renumbered),
        (status = 404, description = "No such subdistrict", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn renumber_subdistrict(
    State(app): State<super::State>,
    Id(sid): Id,
    Caller(actor): Caller,
) -> Result<Response, ApiError> {
    let out = app.renumber(sid, None, &actor).await?;
    Ok(renumbered(&out, &app.atlas()))
}

/// A grid's code history.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct CodeHistory {
    /// The grid.
    #[schema(value_type = i64)]
    id: GridId,
    /// Every code change, oldest first.
    history: Vec<CodeHistoryEntry>,
}

/// Every code a grid had (renumbering, merges, moves), oldest first.
#[utoipa::path(get, operation_id = "edits_code_history", path = "/grids/{id}/code-history", tag = "editor",
    params(("id" = i64, Path, description = "grid id")),
    responses(
        (status = 200, description = "The history", body = CodeHistory),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn code_history(State(app): State<super::State>, Id(id): Id) -> Result<Response, ApiError> {
    let history = app.code_history(id).await?;
    Ok(axum::Json(CodeHistory { id, history }).into_response())
}
