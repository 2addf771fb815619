//! `/tracks/points`: grid workers' GPS fixes in (a batch from the field app, up to
//! 10,000 a request) and back out (a worker's fixes over a time range). Handlers
//! only translate: the patrol desk checks, places, flags and stores.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticated;
use super::problem::{ApiError, Json, ProblemDoc, Query};
use crate::patrol_desk::Recorded;
use crate::patrols::fix::FixInput;
use crate::store::patrols::StoredFix;

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new().routes(routes!(record, list))
}

/// A batch of fixes.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct PointsBody {
    /// The fixes, in the order the device took them (1 to 10,000).
    fixes: Vec<FixInput>,
}

/// Records a batch of GPS fixes: the caller's own (their account id as `worker`),
/// or other workers' where the caller may manage tracks. Checked as a whole (a bad
/// fix refuses the request, named; nothing stored); each fix placed into its grid;
/// fixes that cannot be true (time backwards, faster than 50 km/h from the
/// worker's previous counted fix, accuracy worse than 100 m, outside every
/// subdistrict) are stored flagged and not counted.
#[utoipa::path(post, operation_id = "track_points_record", path = "/tracks/points", tag = "patrols", request_body = PointsBody,
    responses(
        (status = 201, description = "Stored, every fix; with each one's flag", body = Recorded),
        (status = 401, description = "Not signed in", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Another worker's fixes, not the caller's to record", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Bad fixes, named; nothing stored", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn record(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Json(b): Json<PointsBody>,
) -> Result<(StatusCode, axum::Json<Recorded>), ApiError> {
    let atlas = s.atlas();
    let r = s
        .patrols
        .record(&atlas, &who.principal, &b.fixes, crate::accounts::now())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(r)))
}

/// Which fixes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListParams {
    /// The worker's account id (default: the caller's).
    worker: Option<i64>,
    /// From (Unix milliseconds, inclusive).
    from: i64,
    /// To (Unix milliseconds, exclusive).
    to: i64,
    /// At most (default 10,000, at most 100,000).
    limit: Option<i64>,
}

/// A worker's fixes over a time range, in device-time order, flagged ones
/// included: the caller's own, or another worker's for a caller who may manage
/// tracks (only the fixes in their scope).
#[utoipa::path(get, operation_id = "track_points_list", path = "/tracks/points", tag = "patrols", params(ListParams),
    responses(
        (status = 200, description = "The fixes", body = Vec<StoredFix>),
        (status = 403, description = "Another worker's track, not the caller's to read", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn list(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Query(p): Query<ListParams>,
) -> Result<axum::Json<Vec<StoredFix>>, ApiError> {
    let limit = p.limit.unwrap_or(10_000);
    if !(1..=100_000).contains(&limit) {
        return Err(crate::error::Error::invalid("limit", "1 to 100000").into());
    }
    let Some(worker) = p.worker.or(who.principal.user_id) else {
        return Err(crate::error::Error::invalid("worker", "whose track: an account id").into());
    };
    let fixes = s
        .patrols
        .fixes(&who.principal, worker, p.from, p.to, limit)
        .await?;
    Ok(axum::Json(fixes))
}
