//! `/case-tiles/{z}/{x}/{y}.mvt`: the open cases the caller may see as vector
//! tiles (layer `cases`, clustered below zoom 15; see [`crate::case_map`]).
//! Unlike the grid tiles they are not public: the guard authenticates, and each
//! tile holds only the cases the caller's scope covers, never personal data.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticated;
use super::cases::stage_param;
use super::problem::{ApiError, ProblemDoc, Query};
use super::tiles::{bad_request, mvt_response, parse_tile};
use crate::case_map::{PinFilter, scope_key};
use crate::cases::{Source, Unit};
use crate::domain::access::Action;

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new().routes(routes!(case_tile))
}

/// The board's filters, as `GET /cases` names them; none: every open case.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct TileFilterParams {
    /// One stage (`reported`, `filed`, `dispatched`, …).
    stage: Option<String>,
    /// One category code.
    category: Option<String>,
    /// Only cases inside this grid (its subtree).
    grid: Option<i64>,
    /// Only cases dispatched to this department (unit code).
    department: Option<String>,
    /// Only from this source.
    source: Option<Source>,
    /// `true`: only overdue cases; `false`: only the others.
    overdue: Option<bool>,
    /// Reported at or after (Unix seconds).
    since: Option<i64>,
    /// Reported before (Unix seconds).
    until: Option<i64>,
}

/// One tile of open cases (Mapbox Vector Tile, layer `cases`). A case is a point
/// with the case's id as feature id and `number`, `stage`, `category`,
/// `urgency`, `due` (`none`, `ok`, `near`: within 2 h, `overdue`), `deadline`
/// (Unix seconds) and `supervision`; below zoom 15 cases that share a 64-pixel
/// cell are one point with `cluster: true`, `count`, `overdue`, `near` and `due`
/// (the worst). With filters (the board's), only the cases that pass are drawn
/// and counted. Changes show on the next request (ETag; `no-cache`).
#[utoipa::path(get, operation_id = "case_tile", path = "/case-tiles/{z}/{x}/{y}", tag = "cases",
    params(
        ("z" = u8, Path, description = "Zoom, 0–22"),
        ("x" = u32, Path, description = "Column"),
        ("y" = String, Path, description = "Row, with `.mvt`"),
        TileFilterParams,
    ),
    responses(
        (status = 200, description = "The tile", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "No case the caller may see in this tile"),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 400, description = "Bad tile coordinates", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad filter, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn case_tile(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Path((z, x, y)): Path<(String, String, String)>,
    Query(p): Query<TileFilterParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let coord = match parse_tile(&z, &x, &y) {
        Ok(c) => c,
        Err(e) => return Ok(bad_request(e)),
    };
    let filter = PinFilter {
        stage: stage_param(p.stage.as_deref())?,
        category: p.category.filter(|c| !c.is_empty()),
        source: p.source,
        grid: p.grid,
        unit: p
            .department
            .filter(|c| !c.is_empty())
            .map(|code| Unit::Department { code }),
        overdue: p.overdue,
        since: p.since,
        until: p.until,
    };
    let map = s.desk.map();
    let scope = s.desk.scope(&who.principal, &map.subdistricts()).await?;
    let now = s.desk.clock().now();
    let tile = map.tile(scope_key(&who.principal), &filter, coord, now, |p| {
        scope.may(Action::ReadCases, p.subdistrict_id, &p.path, &p.units)
    });
    // Private: what a tile holds depends on who asks.
    Ok(mvt_response(
        &tile,
        &headers,
        "private, no-cache",
        "Accept-Encoding, Cookie, Authorization",
    )
    .into_response())
}
