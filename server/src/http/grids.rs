//! `/grids`, `/tree`: read from the atlas, write through the application. The
//! pattern of every resource module: typed request and query types, extractors
//! whose rejections are problems, `#[utoipa::path]` on each handler, and one
//! `routes()` list from which both the router and the OpenAPI document are built.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Caller, Id, IfMatch};
use super::problem::{ApiError, Json, ProblemDoc, Query};
use super::schema::{
    AreaGeometry, FeatureCollection, FeatureType, GridFeature, grid_feature, grid_features,
};
use crate::domain::grid::GridProps;
use crate::error::Error;
use crate::index::TreeNode;

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, update, remove))
        .routes(routes!(children))
        .routes(routes!(tree))
}

/// Query of `GET /grids`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// Only grids of this level (1–5).
    #[param(value_type = Option<u8>)]
    level: Option<String>,
    /// Only the children of this grid.
    #[param(value_type = Option<i64>)]
    parent: Option<String>,
    /// Only grids meeting `minLon,minLat,maxLon,maxLat` (degrees).
    #[param(example = "24.93,60.16,24.96,60.18")]
    bbox: Option<String>,
    /// Only grids of this subdistrict.
    #[param(value_type = Option<i64>)]
    subdistrict: Option<String>,
}

/// A grid as a create or an update sends it: a GeoJSON Feature whose geometry is a
/// Polygon or MultiPolygon (EPSG:4326), checked whole before anything is stored.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct GridFeatureIn {
    /// `"Feature"`.
    #[serde(rename = "type")]
    #[allow(
        dead_code,
        reason = "checked by deserializing: anything but \"Feature\" is refused"
    )]
    pub kind: FeatureType,
    /// The grid's fields (an object).
    #[serde(default)]
    #[schema(value_type = Option<GridProps>)]
    pub properties: Option<serde_json::Value>,
    /// Polygon or MultiPolygon: closed rings, no self-intersection, at most 100,000
    /// vertices.
    #[serde(default)]
    #[schema(value_type = Option<AreaGeometry>)]
    pub geometry: Option<geojson::Geometry>,
}

/// A whole number from a query parameter (empty means absent).
pub(super) fn int_param<T: std::str::FromStr>(
    name: &str,
    v: Option<&str>,
) -> Result<Option<T>, Error> {
    v.filter(|s| !s.is_empty())
        .map(|s| {
            s.trim()
                .parse::<T>()
                .map_err(|_| Error::invalid(name, format!("must be a whole number, got {s:?}")))
        })
        .transpose()
}

/// Parses `minLon,minLat,maxLon,maxLat` (degrees).
pub(super) fn parse_bbox(v: Option<&str>) -> Result<Option<geo::Rect>, Error> {
    let Some(s) = v.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let n: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            Error::invalid(
                "bbox",
                format!("must be four numbers minLon,minLat,maxLon,maxLat, got {s:?}"),
            )
        })?;
    let [a, b, c, d] = n[..] else {
        return Err(Error::invalid(
            "bbox",
            format!(
                "must be four numbers minLon,minLat,maxLon,maxLat, got {} numbers",
                n.len()
            ),
        ));
    };
    if !n.iter().all(|x| x.is_finite())
        || a > c
        || b > d
        || a < -180.0
        || c > 180.0
        || b < -90.0
        || d > 90.0
    {
        return Err(Error::invalid(
            "bbox",
            "must be minLon,minLat,maxLon,maxLat within [-180,180]×[-90,90] with min ≤ max",
        ));
    }
    Ok(Some(geo::Rect::new(
        geo::coord! { x: a, y: b },
        geo::coord! { x: c, y: d },
    )))
}

/// A JSON answer with the GeoJSON media type.
pub(super) fn geojson_response(v: &impl serde::Serialize) -> Response {
    let mut res = axum::Json(v).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    res
}

/// Grids, filtered, in code order.
#[utoipa::path(get, operation_id = "grids_list", path = "/grids", tag = "grids", params(ListQuery),
    responses(
        (status = 200, description = "The grids, in code order", body = FeatureCollection<GridFeature>, content_type = "application/geo+json"),
        (status = 404, description = "No such parent", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad filter, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn list(
    State(app): State<super::State>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let level: Option<u8> = int_param("level", q.level.as_deref())?;
    if let Some(l) = level.filter(|l| !(1..=5).contains(l)) {
        return Err(Error::invalid("level", format!("must be 1 to 5, got {l}")).into());
    }
    let parent: Option<i64> = int_param("parent", q.parent.as_deref())?;
    let sub: Option<i64> = int_param("subdistrict", q.subdistrict.as_deref())?;
    let bbox = parse_bbox(q.bbox.as_deref())?;
    let atlas = app.atlas();
    if let Some(p) = parent.filter(|p| atlas.grid(*p).is_none()) {
        return Err(Error::NotFound(format!("grid {p}")).into());
    }
    let grids = atlas.grids(sub, level, parent, bbox);
    let features = grid_features(grids.iter().map(|g| &g.grid), &atlas);
    Ok(geojson_response(&FeatureCollection::of(features)))
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

fn feature_response(status: StatusCode, f: &GridFeature) -> Response {
    let mut res = geojson_response(f);
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::ETAG, etag(f.properties.version));
    res
}

/// One grid; its ETag is its version.
#[utoipa::path(get, operation_id = "grids_one", path = "/grids/{id}", tag = "grids",
    params(("id" = i64, Path, description = "grid id")),
    responses(
        (status = 200, description = "The grid (ETag: its version)", body = GridFeature, content_type = "application/geo+json"),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn one(State(app): State<super::State>, Id(id): Id) -> Result<Response, ApiError> {
    let atlas = app.atlas();
    let g = atlas
        .grid(id)
        .ok_or_else(|| Error::NotFound(format!("grid {id}")))?;
    Ok(feature_response(
        StatusCode::OK,
        &grid_feature(&g.grid, &atlas),
    ))
}

/// The children of a grid, in code order.
#[utoipa::path(get, operation_id = "grids_children", path = "/grids/{id}/children", tag = "grids",
    params(("id" = i64, Path, description = "grid id")),
    responses(
        (status = 200, description = "Its children", body = FeatureCollection<GridFeature>, content_type = "application/geo+json"),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn children(State(app): State<super::State>, Id(id): Id) -> Result<Response, ApiError> {
    let atlas = app.atlas();
    if atlas.grid(id).is_none() {
        return Err(Error::NotFound(format!("grid {id}")).into());
    }
    let kids = atlas.children(id);
    let features = grid_features(kids.iter().map(|g| &g.grid), &atlas);
    Ok(geojson_response(&FeatureCollection::of(features)))
}

/// The hierarchy of every subdistrict (subdistrict → L1 → … → L5), without
/// geometry; households rolled up the tree.
#[utoipa::path(get, operation_id = "grids_tree", path = "/tree", tag = "grids",
    responses((status = 200, description = "One node per subdistrict", body = Vec<TreeNode>)))]
async fn tree(State(app): State<super::State>) -> Response {
    axum::Json(app.atlas().tree()).into_response()
}

/// Splits a Feature body into its properties and geometry; the properties must be
/// an object (serde would read an array as the fields in order).
pub(super) fn parts(body: GridFeatureIn) -> Result<(GridProps, Option<geojson::Geometry>), Error> {
    let props = match body.properties {
        None | Some(serde_json::Value::Null) => GridProps::default(),
        Some(v @ serde_json::Value::Object(_)) => {
            serde_path_to_error::deserialize(v).map_err(|e| {
                let path = e.path().to_string();
                Error::invalid(format!("properties.{path}"), e.into_inner().to_string())
            })?
        }
        Some(_) => return Err(Error::invalid("properties", "must be an object")),
    };
    Ok((props, body.geometry))
}

/// Creates a grid: its parent (by id or code), level = parent + 1, code = parent's
/// code + three digits, unique; geometry valid. Nothing is stored on any error.
#[utoipa::path(post, operation_id = "grids_create", path = "/grids", tag = "grids",
    params(
        ("X-Gridd-Reason" = Option<String>, Header, description = "why (percent-encoded UTF-8, stored in the audit log)"),
    ),
    request_body(content = GridFeatureIn, content_type = "application/json", description = "A GeoJSON Feature"),
    responses(
        (status = 201, description = "Created (Location: the grid; ETag: version 1)", body = GridFeature, content_type = "application/geo+json"),
        (status = 400, description = "Malformed JSON", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The code is already used", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 16 MiB", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Every refused field, named (geometries: with the coordinate)", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn create(
    State(app): State<super::State>,
    Caller(actor): Caller,
    Json(body): Json<GridFeatureIn>,
) -> Result<Response, ApiError> {
    let (props, geometry) = parts(body)?;
    let g = app.create_grid(props, geometry, &actor).await?;
    let mut res = feature_response(StatusCode::CREATED, &grid_feature(&g, &app.atlas()));
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/grids/{}", g.id)) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(res)
}

/// Replaces a grid. Name the version the edit started from: `If-Match` (the ETag,
/// or `*` for whatever is stored) or `properties.version` (both must agree). A grid
/// with children keeps its level; a new code or parent renumbers its subtree.
#[utoipa::path(put, operation_id = "grids_update", path = "/grids/{id}", tag = "grids",
    params(
        ("id" = i64, Path, description = "grid id"),
        ("If-Match" = Option<String>, Header, description = "the version the edit started from (ETag), or *"),
        ("X-Gridd-Reason" = Option<String>, Header, description = "why (percent-encoded UTF-8)"),
    ),
    request_body(content = GridFeatureIn, content_type = "application/json", description = "A GeoJSON Feature"),
    responses(
        (status = 200, description = "Replaced (ETag: the new version)", body = GridFeature, content_type = "application/geo+json"),
        (status = 400, description = "Malformed JSON", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Stale: someone saved first (current_version), or a conflict", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Refused fields, named", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 428, description = "No version named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn update(
    State(app): State<super::State>,
    Id(id): Id,
    IfMatch(expected): IfMatch,
    Caller(actor): Caller,
    Json(body): Json<GridFeatureIn>,
) -> Result<Response, ApiError> {
    let (props, geometry) = parts(body)?;
    let g = app
        .update_grid(id, expected, props, geometry, &actor)
        .await?;
    Ok(feature_response(
        StatusCode::OK,
        &grid_feature(&g, &app.atlas()),
    ))
}

/// Deletes a grid without children (`If-Match`, when given, must be current).
#[utoipa::path(delete, operation_id = "grids_remove", path = "/grids/{id}", tag = "grids",
    params(
        ("id" = i64, Path, description = "grid id"),
        ("If-Match" = Option<String>, Header, description = "the version the delete started from, or *"),
        ("X-Gridd-Reason" = Option<String>, Header, description = "why (percent-encoded UTF-8)"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "It has children, or the version is stale", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn remove(
    State(app): State<super::State>,
    Id(id): Id,
    IfMatch(expected): IfMatch,
    Caller(actor): Caller,
) -> Result<StatusCode, ApiError> {
    app.delete_grid(id, expected, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}
