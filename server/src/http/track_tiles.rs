//! `/track-tiles/{z}/{x}/{y}.mvt?day=YYYY-MM-DD[&worker=]`: grid workers' tracks
//! of a day as vector tiles (layer `tracks`, issue 13 item 5). Not public: the
//! guard authenticates, and a tile holds the caller's own track and, for a role
//! beyond `grid_worker` that reads patrols, other workers' in its scope
//! ([`crate::patrol_views`]); lines carry the worker's id and times, no name.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticated;
use super::problem::{ApiError, ProblemDoc, Query};
use super::tiles::{bad_request, mvt_response, parse_tile};
use crate::error::Error;
use crate::patrol_views::{day_start_ms, track_tile};

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new().routes(routes!(tracks_tile))
}

/// Which day, whose.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct TrackTileParams {
    /// The day, `YYYY-MM-DD` in China time.
    day: String,
    /// Only this worker (account id).
    worker: Option<i64>,
}

/// One tile of a day's tracks (Mapbox Vector Tile, layer `tracks`): a line per
/// stretch of a worker's counted fixes (flagged fixes left out; a gap of more
/// than 5 min between two fixes ends a line), with `worker` (account id),
/// `start_ms` and `end_ms`. The caller's own track; other workers' only where a
/// role other than grid worker lets the caller read patrols (a grid worker sees
/// only their own: `worker` naming another is 403).
#[utoipa::path(get, operation_id = "track_tile", path = "/track-tiles/{z}/{x}/{y}", tag = "patrols",
    params(
        ("z" = u8, Path, description = "Zoom, 0–22"),
        ("x" = u32, Path, description = "Column"),
        ("y" = String, Path, description = "Row, with `.mvt`"),
        TrackTileParams,
    ),
    responses(
        (status = 200, description = "The tile", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "No track the caller may see in this tile"),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 400, description = "Bad tile coordinates", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Another worker's track, not the caller's to see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named (`day`)", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn tracks_tile(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Path((z, x, y)): Path<(String, String, String)>,
    Query(p): Query<TrackTileParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let coord = match parse_tile(&z, &x, &y) {
        Ok(c) => c,
        Err(e) => return Ok(bad_request(e)),
    };
    let day = day_start_ms(p.day.trim())
        .ok_or_else(|| Error::invalid("day", format!("a day YYYY-MM-DD, got {:?}", p.day)))?;
    let atlas = s.atlas();
    let raw = track_tile(
        s.patrols.store().as_ref(),
        &atlas,
        &who.principal,
        coord,
        day,
        p.worker,
    )
    .await?;
    let tile = crate::vector_tiles::finish(raw, false);
    // Private: what a tile holds depends on who asks; today's grows as fixes come.
    Ok(mvt_response(
        &tile,
        &headers,
        "private, no-cache",
        "Accept-Encoding, Cookie, Authorization",
    )
    .into_response())
}
