//! `/tracks/points`: grid workers' GPS fixes in (a batch from the field app, up to
//! 10,000 a request) and back out (a worker's fixes over a time range). Handlers
//! only translate: the patrol desk checks, places, flags and stores.

use std::sync::Arc;

use axum::extract::{Extension, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticated;
use super::problem::{ApiError, Json, ProblemDoc, Query, problem, read_body};
use crate::error::{Error, FieldError};
use crate::lookup::datum::Datum;
use crate::patrol_desk::{Recorded, WeekAudit};
use crate::patrols::AccountId;
use crate::patrols::audit::{Week, WorkerGridWeek};
use crate::patrols::fix::FixInput;
use crate::patrols::patrol::Patrol;
use crate::patrols::track_file::Format;
use crate::store::patrols::StoredFix;

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(record, list))
        .routes(routes!(upload))
        .routes(routes!(audit))
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

/// Whose track file.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct FileParams {
    /// The worker's account id (default: the caller's).
    worker: Option<i64>,
    /// The datum of the file's coordinates: `wgs84` (default, as GPX and GeoJSON
    /// say), `gcj02` or `bd09` (some Chinese apps' exports).
    datum: Option<String>,
}

/// The format a media type names: `Ok(None)` when it names none (guessed from
/// the text), `Err` when it names another.
fn format_of(headers: &HeaderMap) -> Result<Option<Format>, String> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/gpx+xml" | "application/xml" | "text/xml" => Ok(Some(Format::Gpx)),
        "application/geo+json" | "application/json" => Ok(Some(Format::GeoJson)),
        "" | "application/octet-stream" | "text/plain" => Ok(None),
        _ => Err(ct.to_owned()),
    }
}

/// Uploads a track file — GPX (`application/gpx+xml`) or GeoJSON
/// (`application/geo+json`: LineStrings with `coordTimes`, Points with `time`) —
/// as a worker's fixes (the caller's own, or another worker's where the caller may
/// manage tracks), at most 10,000 points. It goes the way of `POST /tracks/points`:
/// checked whole (a bad file or point is named: `file`, `trkpt[3]`, `points[3].time_ms`;
/// nothing stored), each point placed into its grid, flagged when it cannot be true,
/// stored in one transaction. A file older than fixes already stored (a late upload)
/// is checked from the worker's counted fix just before it, not flagged for arriving late.
#[utoipa::path(post, operation_id = "track_files_upload", path = "/tracks/files", tag = "patrols", params(FileParams),
    request_body(description = "The track file", content(
        (String = "application/gpx+xml"), (String = "application/geo+json"))),
    responses(
        (status = 201, description = "Stored, every point; with each one's flag", body = Recorded),
        (status = 401, description = "Not signed in", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Another worker's track, not the caller's to record", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the body limit", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Neither GPX nor GeoJSON", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad file or point, named; nothing stored", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn upload(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Query(p): Query<FileParams>,
    req: Request,
) -> Result<Response, ApiError> {
    let format = match format_of(req.headers()) {
        Ok(f) => f,
        Err(ct) => {
            return Ok(problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
                "send a GPX (application/gpx+xml) or GeoJSON (application/geo+json) track file; nothing was stored",
                &[FieldError::new(
                    "Content-Type",
                    format!("unsupported: {ct:?}"),
                )],
                serde_json::json!({}),
            ));
        }
    };
    let datum = match p.datum.as_deref() {
        None => Datum::default(),
        Some(d) => Datum::parse(d).ok_or_else(|| {
            Error::invalid("datum", format!("must be wgs84, gcj02 or bd09, got {d:?}"))
        })?,
    };
    let Some(worker) = p.worker.or(who.principal.user_id) else {
        return Err(Error::invalid("worker", "whose track: an account id").into());
    };
    let body = match read_body(req, &s).await {
        Ok(b) => b,
        Err(r) => return Ok(r),
    };
    let text = std::str::from_utf8(&body)
        .map_err(|e| Error::invalid("file", format!("not UTF-8 text: {e}")))?;
    let atlas = s.atlas();
    let r = s
        .patrols
        .record_file(
            &atlas,
            &who.principal,
            worker,
            format,
            text,
            datum,
            crate::accounts::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(r)).into_response())
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
/// tracks or read patrols by a role beyond grid worker (an operator's, an
/// auditor's): only the fixes in their scope.
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
    let atlas = s.atlas();
    let fixes = s
        .patrols
        .fixes(&atlas, &who.principal, worker, p.from, p.to, limit)
        .await?;
    Ok(axum::Json(fixes))
}

/// Which week, whose.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AuditParams {
    /// The ISO week in China time, `2026-W49` (default: the current week).
    week: Option<String>,
    /// Only this grid worker (account id).
    worker: Option<i64>,
}

/// The rules applied.
#[derive(Debug, serde::Serialize, ToSchema)]
pub(super) struct RulesOut {
    /// The shortest patrol, ms.
    min_duration_ms: i64,
    /// The shortest distance of a patrol, metres.
    min_distance_m: f64,
    /// The longest time between two fixes of one patrol, ms.
    max_gap_ms: i64,
    /// The longest time away from the grid inside one patrol, ms.
    max_excursion_ms: i64,
    /// Patrols a grid (and a worker in each of their grids) needs in the week.
    min_per_week: u32,
}

/// An audited (L3) grid in the week.
#[derive(Debug, serde::Serialize, ToSchema)]
pub(super) struct GridOut {
    /// The grid's id.
    grid: i64,
    /// Patrols in it (by all its workers).
    patrols: u32,
    /// The workers who made them (account ids, ascending).
    patrolled_by: Vec<AccountId>,
    /// The workers assigned to it (account ids, ascending).
    workers: Vec<AccountId>,
    /// Time on patrol inside it, ms.
    duration_ms: i64,
    /// Distance on patrol inside it, metres.
    distance_m: f64,
    /// Fewer patrols than `rules.min_per_week`.
    short: bool,
}

/// A grid worker in the week.
#[derive(Debug, serde::Serialize, ToSchema)]
pub(super) struct WorkerOut {
    /// Their account id.
    worker: AccountId,
    /// Their shown name.
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Each of their grids (in the caller's scope): the patrols they made there.
    grids: Vec<WorkerGridWeek>,
    /// Their patrols in all those grids.
    patrols: u32,
    /// How many of those grids they patrolled fewer times than the rule asks.
    short: u32,
}

/// An L2 or L1 grid above audited grids.
#[derive(Debug, serde::Serialize, ToSchema)]
pub(super) struct ParentOut {
    /// The grid's id.
    grid: i64,
    /// 2 or 1.
    level: u8,
    /// Audited grids below it.
    grids: u32,
    /// Those short in the week, ascending.
    short_grids: Vec<i64>,
}

/// The weekly patrol audit (clause 11.2.1; Annex A item 8).
#[derive(Debug, serde::Serialize, ToSchema)]
pub(super) struct AuditOut {
    /// The week, `2026-W49`.
    week: String,
    /// Its first instant (Monday 00:00 +08:00), Unix ms.
    from_ms: i64,
    /// The first instant after it, Unix ms.
    to_ms: i64,
    /// The rules applied.
    rules: RulesOut,
    /// Every audited grid, by id.
    grids: Vec<GridOut>,
    /// Every grid worker audited, by account id.
    workers: Vec<WorkerOut>,
    /// The L2 grids, then the L1 grids, above the audited grids, by id.
    parents: Vec<ParentOut>,
    /// Every patrol starting in the week, by worker then start.
    patrols: Vec<Patrol>,
}

impl From<WeekAudit> for AuditOut {
    fn from(w: WeekAudit) -> Self {
        let a = w.audit;
        let r = a.rules;
        Self {
            week: w.week.to_string(),
            from_ms: w.from_ms,
            to_ms: w.to_ms,
            rules: RulesOut {
                min_duration_ms: r.patrol.min_duration_ms,
                min_distance_m: r.patrol.min_distance_m,
                max_gap_ms: r.patrol.max_gap_ms,
                max_excursion_ms: r.patrol.max_excursion_ms,
                min_per_week: r.min_per_week,
            },
            grids: a
                .grids
                .into_iter()
                .map(|g| GridOut {
                    grid: g.grid,
                    patrols: g.patrols,
                    patrolled_by: g.patrolled_by,
                    workers: g.workers,
                    duration_ms: g.duration_ms,
                    distance_m: g.distance_m,
                    short: g.short,
                })
                .collect(),
            workers: a
                .workers
                .into_iter()
                .map(|x| WorkerOut {
                    name: w.names.get(&x.worker).cloned(),
                    worker: x.worker,
                    grids: x.grids,
                    patrols: x.patrols,
                    short: x.short,
                })
                .collect(),
            parents: a
                .parents
                .into_iter()
                .map(|p| ParentOut {
                    grid: p.grid,
                    level: p.level,
                    grids: p.grids,
                    short_grids: p.short_grids,
                })
                .collect(),
            patrols: a.patrols,
        }
    }
}

/// The weekly patrol audit of a week over the caller's scope: per L3 grid the
/// patrols (continuous stretches of a worker's counted fixes inside one of their
/// grids, at least 20 min and 500 m), who made them, time and distance inside, and
/// whether the grid had fewer than two; per grid worker the patrols in each of
/// their grids; per L2 and L1 grid the short grids below. A grid worker sees their
/// own subtree.
#[utoipa::path(get, operation_id = "patrols_audit", path = "/patrols/audit", tag = "patrols", params(AuditParams),
    responses(
        (status = 200, description = "The audit of the week", body = AuditOut),
        (status = 401, description = "Not signed in", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles may not read patrols", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "`worker` is no grid worker in the caller's scope", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named (`week`)", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn audit(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Query(p): Query<AuditParams>,
) -> Result<axum::Json<AuditOut>, ApiError> {
    let week = match p.week.as_deref() {
        Some(w) => w
            .parse::<Week>()
            .map_err(|e| crate::error::Error::invalid("week", e))?,
        None => Week::of(s.desk.clock().now() * 1000),
    };
    let accounts = s.auth.store.accounts().await?;
    let atlas = s.atlas();
    let a = s
        .patrols
        .audit(&atlas, &who.principal, &accounts, week, p.worker)
        .await?;
    Ok(axum::Json(a.into()))
}
