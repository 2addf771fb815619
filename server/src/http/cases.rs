//! Cases over HTTP: intake, the loop's steps, reads, duplicates, the proposed
//! dispatch, photos, the reference data (categories, units, calendar), the
//! evaluation and the event replay. Handlers only translate; the case desk
//! (`case_desk.rs`) decides.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticated;
use super::extract::{Caller, Id};
use super::problem::{ApiError, Json, ProblemDoc, Query, parse_json};
use crate::case_desk::{ListFilter, Report};
use crate::cases::category::{Category, UnitInfo};
use crate::cases::duplicates::{Candidate, DuplicateRule};
use crate::cases::lifecycle::Command;
use crate::cases::stats::{Evaluation, GroupBy, to_csv};
use crate::cases::{Case, Intake, Reporter, Source, Stage, Step, Unit, Urgency};
use crate::domain::change::Actor;
use crate::error::{Error, FieldError};
use crate::lookup::datum::Datum;
use crate::store::cases::{CaseQuery, IdemKey, StepActor};

/// Largest photo accepted (bytes).
pub const MAX_PHOTO: usize = 8 * 1024 * 1024;

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(report, list))
        .routes(routes!(get_case))
        .routes(routes!(history))
        .routes(routes!(step))
        .routes(routes!(proposal))
        .routes(routes!(duplicates))
        .routes(routes!(upload_photo))
        .routes(routes!(get_photo))
        .routes(routes!(categories, put_categories))
        .routes(routes!(units, put_units))
        .routes(routes!(calendar, put_calendar))
        .routes(routes!(duplicate_rule, put_duplicate_rule))
        .routes(routes!(stats))
        .routes(routes!(events))
        .routes(routes!(set_clock))
}

pub(super) fn actor(c: &Actor) -> StepActor {
    StepActor {
        name: c.name().to_owned(),
        address: c.address().map(str::to_owned),
    }
}

/// The `Idempotency-Key` header with a digest of the request it came with.
pub(super) fn idempotency(
    headers: &HeaderMap,
    what: &str,
    body: &[u8],
) -> Result<Option<IdemKey>, Error> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| (0x21..0x7f).contains(&b)))
        .ok_or_else(|| {
            Error::invalid(
                "Idempotency-Key",
                "1 to 255 visible ASCII characters (a UUID, for one)",
            )
        })?;
    let mut h = sha2::Sha256::new();
    h.update(what.as_bytes());
    h.update([0]);
    h.update(body);
    Ok(Some(IdemKey {
        key: key.to_owned(),
        fingerprint: format!("{:x}", h.finalize()),
    }))
}

/// A position and the datum it is in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Location {
    /// Longitude, degrees.
    lon: f64,
    /// Latitude, degrees.
    lat: f64,
    /// `wgs84` (default), `gcj02` or `bd09`.
    #[serde(default)]
    datum: Datum,
}

/// A new report (信息收集).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReportBody {
    /// Where it came from.
    source: Source,
    /// Category code (`GET /case-categories`).
    category: String,
    /// Urgency (default: the category's).
    #[serde(default)]
    urgency: Option<Urgency>,
    /// Where.
    location: Location,
    /// Address text.
    #[serde(default)]
    address: String,
    /// What is wrong (at most 4,000 characters).
    description: String,
    /// Who reported it and how to reach them (personal data).
    #[serde(default)]
    reporter: Reporter,
    /// Photos uploaded with `POST /case-photos`.
    #[serde(default)]
    photos: Vec<i64>,
    /// A note on the report step.
    #[serde(default)]
    note: String,
}

/// A case taken in.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ReportAnswer {
    /// The case (reporter masked unless the caller may read reporters).
    case: Case,
    /// Open cases of the same category nearby, reported lately: merge if one is it.
    duplicates: Vec<Candidate>,
    /// Whether the `Idempotency-Key` answered with an earlier report.
    replayed: bool,
}

/// Reports a case: placed at once into its grid path; duplicates proposed.
/// `Idempotency-Key` makes a retry safe: the same key never makes two cases.
#[utoipa::path(post, operation_id = "case_report", path = "/cases", tag = "cases", request_body = ReportBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "A key per report; a retry with it answers the same case")),
    responses(
        (status = 201, description = "Stored", body = ReportAnswer),
        (status = 200, description = "A retry: the case the key made before", body = ReportAnswer),
        (status = 401, description = "Not signed in", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Bad input, named; nothing stored", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn report(
    State(s): State<super::State>,
    Caller(c): Caller,
    Extension(who): Extension<Arc<Authenticated>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = idempotency(&headers, "POST /cases", &body)?;
    let b: ReportBody = parse_json(&body)?;
    let r = Report {
        intake: Intake {
            source: b.source,
            category: b.category,
            urgency: b.urgency,
            lon: b.location.lon,
            lat: b.location.lat,
            address: b.address,
            description: b.description,
            reporter: b.reporter,
            photos: b.photos,
            media_url: None,
            attributes: vec![],
            note: b.note,
        },
        datum: b.location.datum,
        key,
    };
    let atlas = s.atlas();
    let done = s.desk.report(&atlas, &who.principal, actor(&c), r).await?;
    let status = if done.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let loc = format!("/api/v1/cases/{}", done.case.id);
    let mut res = (
        status,
        axum::Json(ReportAnswer {
            case: done.case,
            duplicates: done.duplicates,
            replayed: done.replayed,
        }),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&loc) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Filters of the case list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListParams {
    /// One subdistrict.
    subdistrict: Option<i64>,
    /// One stage (`reported`, `filed`, `dispatched`, …).
    stage: Option<String>,
    /// `true`: only open cases; `false`: only finished ones.
    open: Option<bool>,
    /// `true`: only overdue cases.
    overdue: Option<bool>,
    /// One category code.
    category: Option<String>,
    /// Only cases inside this grid (its subtree).
    grid: Option<i64>,
    /// Only cases dispatched to this department (unit code).
    department: Option<String>,
    /// Only from this source.
    source: Option<Source>,
    /// Reported at or after (Unix seconds).
    since: Option<i64>,
    /// Reported before (Unix seconds).
    until: Option<i64>,
    /// Paging: only ids below.
    before_id: Option<i64>,
    /// At most (default 100, at most 1000).
    limit: Option<i64>,
}

/// The `stage` filter: none when absent or empty, else one of the stages.
pub(super) fn stage_param(s: Option<&str>) -> Result<Option<Stage>, Error> {
    match s {
        None | Some("") => Ok(None),
        Some(x) => Stage::parse(x).map(Some).ok_or_else(|| {
            Error::invalid(
                "stage",
                format!("one of {}", Stage::ALL.map(Stage::as_str).join(", ")),
            )
        }),
    }
}

/// Cases the caller may read, newest first (reporters masked unless the caller may
/// read them).
#[utoipa::path(get, operation_id = "case_list", path = "/cases", tag = "cases", params(ListParams),
    responses(
        (status = 200, description = "Cases", body = Vec<Case>),
        (status = 422, description = "A bad filter, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn list(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Query(p): Query<ListParams>,
) -> Result<axum::Json<Vec<Case>>, ApiError> {
    let stage = stage_param(p.stage.as_deref())?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(Error::invalid("limit", "1 to 1000").into());
    }
    let f = ListFilter {
        query: CaseQuery {
            subdistrict_id: p.subdistrict,
            stage,
            open: p.open,
            category: p.category.filter(|c| !c.is_empty()),
            since: p.since,
            until: p.until,
            before_id: p.before_id,
            limit,
        },
        grid: p.grid,
        overdue: p.overdue,
        unit: p.department.map(|code| Unit::Department { code }),
        source: p.source,
    };
    Ok(axum::Json(s.desk.list(&who.principal, &f).await?))
}

/// One case.
#[utoipa::path(get, operation_id = "case_get", path = "/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The case", body = Case),
        (status = 404, description = "No such case the caller may read", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn get_case(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Id(id): Id,
) -> Result<Response, ApiError> {
    let c = s.desk.case(&who.principal, id).await?;
    let etag = format!("\"{}\"", c.version);
    let mut res = axum::Json(c).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    Ok(res)
}

/// A case's history, oldest first: every step with who, when, the note and the
/// photos. Append-only.
#[utoipa::path(get, operation_id = "case_history", path = "/cases/{id}/history", tag = "cases", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The steps", body = Vec<Step>),
        (status = 404, description = "No such case the caller may read", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn history(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Id(id): Id,
) -> Result<axum::Json<Vec<Step>>, ApiError> {
    Ok(axum::Json(s.desk.history(&who.principal, id).await?))
}

/// A step of the loop and the version of the case it starts from.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct StepBody {
    /// The case's version the caller saw (409 when it moved on meanwhile).
    #[serde(default)]
    version: Option<i64>,
    /// The step (`action` names it).
    #[serde(flatten)]
    command: Command,
}

/// A step taken.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct StepAnswer {
    /// The case after it.
    case: Case,
    /// The steps appended (a merge appends one to each case).
    steps: Vec<Step>,
    /// Whether the `Idempotency-Key` answered with an earlier step.
    replayed: bool,
}

/// Takes a step: `file`, `refuse`, `merge`, `dispatch`, `escalate`, `defer`,
/// `resume`, `explain`, `evaluate` (the command center), `accept`,
/// `report_result` (the unit), `verify` (a grid worker or the command center).
/// A step not allowed from the case's stage answers 409 with the allowed ones.
#[utoipa::path(post, operation_id = "case_step", path = "/cases/{id}/steps", tag = "cases", request_body = StepBody,
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "A key per step; a retry answers the same")),
    responses(
        (status = 200, description = "Taken", body = StepAnswer),
        (status = 403, description = "The caller's roles may not take this step here", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such case the caller may read", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current stage (allowed listed), or a stale version", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A missing or bad field, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn step(
    State(s): State<super::State>,
    Caller(c): Caller,
    Extension(who): Extension<Arc<Authenticated>>,
    Id(id): Id,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<StepAnswer>, ApiError> {
    let key = idempotency(&headers, &format!("POST /cases/{id}/steps"), &body)?;
    let b: StepBody = parse_json(&body)?;
    let atlas = s.atlas();
    let w = s
        .desk
        .step(
            &atlas,
            &who.principal,
            actor(&c),
            id,
            b.version,
            b.command,
            key,
        )
        .await?;
    Ok(axum::Json(StepAnswer {
        case: w.case,
        steps: w.steps,
        replayed: w.replayed,
    }))
}

/// The dispatch the product proposes (9.3.1): the emergency body, 110 or the
/// department first and the L2 grid with it; components to their owner, events
/// to the territory first. The operator confirms or changes it.
#[utoipa::path(get, operation_id = "case_proposal", path = "/cases/{id}/proposal", tag = "cases", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The units, the leading one first", body = Vec<Unit>),
        (status = 404, description = "No such case the caller may read", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn proposal(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Id(id): Id,
) -> Result<axum::Json<Vec<Unit>>, ApiError> {
    Ok(axum::Json(s.desk.proposal(&who.principal, id).await?))
}

/// Where a report would be, to look for duplicates before saving.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct DuplicateParams {
    /// Category code.
    category: String,
    /// Longitude.
    lon: f64,
    /// Latitude.
    lat: f64,
    /// Datum of the position (default wgs84).
    datum: Option<Datum>,
}

/// Open cases of a category within 50 m reported in the last 7 days (the rule's
/// defaults), nearest first.
#[utoipa::path(get, operation_id = "case_duplicates", path = "/cases/duplicates", tag = "cases", params(DuplicateParams),
    responses(
        (status = 200, description = "Candidates", body = Vec<Candidate>),
        (status = 422, description = "A bad position, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn duplicates(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Query(p): Query<DuplicateParams>,
) -> Result<axum::Json<Vec<Candidate>>, ApiError> {
    if !(-180.0..=180.0).contains(&p.lon) || !(-90.0..=90.0).contains(&p.lat) {
        return Err(Error::invalid("lon", "a position in degrees").into());
    }
    let wgs = p
        .datum
        .unwrap_or_default()
        .to_wgs84(geo::Coord { x: p.lon, y: p.lat });
    let Some(sd) = s.atlas().place(wgs).subdistrict else {
        return Ok(axum::Json(vec![]));
    };
    let now = s.desk.clock().now();
    let found = s.desk.duplicates(sd, &p.category, wgs.x, wgs.y, now);
    // Only candidates the caller may read.
    let mut out = Vec::new();
    for d in found {
        if s.desk.case(&who.principal, d.id).await.is_ok() {
            out.push(d);
        }
    }
    Ok(axum::Json(out))
}

/// A stored photo.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct PhotoAnswer {
    /// Id to name in a report or a step.
    id: i64,
    /// Its type.
    content_type: String,
    /// Bytes.
    size: usize,
    /// SHA-256, hex.
    sha256: String,
}

/// The image type of these bytes, by their signature.
pub fn sniff_image(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Uploads a photo (JPEG, PNG or WebP, at most 8 MiB; the bytes must be the image
/// the `Content-Type` says). Name its id in a report or a step.
#[utoipa::path(post, operation_id = "case_photo_upload", path = "/case-photos", tag = "cases",
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "The image"),
    responses(
        (status = 201, description = "Stored", body = PhotoAnswer),
        (status = 413, description = "Larger than 8 MiB", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not a JPEG, PNG or WebP image", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn upload_photo(
    State(s): State<super::State>,
    Caller(c): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if body.len() > MAX_PHOTO {
        return Err(Error::TooLarge(format!(
            "the photo is {} bytes; at most {MAX_PHOTO} are accepted",
            body.len()
        ))
        .into());
    }
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let Some(kind) = sniff_image(&body) else {
        return Err(Error::Invalid(vec![FieldError::new(
            "body",
            "not a JPEG, PNG or WebP image",
        )])
        .into());
    };
    if declared != kind {
        return Err(Error::Invalid(vec![FieldError::new(
            "Content-Type",
            format!("the bytes are {kind}, the request says {declared:?}"),
        )])
        .into());
    }
    let sha = format!("{:x}", sha2::Sha256::digest(&body));
    let id = s
        .desk
        .store()
        .add_photo(kind, &body, &sha, c.name())
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(PhotoAnswer {
            id,
            content_type: kind.into(),
            size: body.len(),
            sha256: sha,
        }),
    )
        .into_response())
}

/// A photo's bytes.
#[utoipa::path(get, operation_id = "case_photo", path = "/case-photos/{id}", tag = "cases", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The image", content_type = "image/jpeg"),
        (status = 404, description = "No such photo", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn get_photo(State(s): State<super::State>, Id(id): Id) -> Result<Response, ApiError> {
    let p = s
        .desk
        .store()
        .photo(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("photo {id}")))?;
    let mut res = p.bytes.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&p.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", p.sha256)) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    Ok(res)
}

/// The case categories: clause 7's domains × the CJ/T 214 classes, each with its
/// working hours, urgency and routing.
#[utoipa::path(get, operation_id = "case_categories", path = "/case-categories", tag = "cases",
    responses((status = 200, description = "Categories", body = Vec<Category>)))]
async fn categories(State(s): State<super::State>) -> axum::Json<Vec<Category>> {
    axum::Json(s.desk.rules().list.clone())
}

/// Replaces the categories (every one checked; nothing stored on an error).
#[utoipa::path(put, operation_id = "case_categories_put", path = "/case-categories", tag = "cases", request_body = Vec<Category>,
    responses(
        (status = 200, description = "Stored", body = Vec<Category>),
        (status = 422, description = "A bad category, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn put_categories(
    State(s): State<super::State>,
    Caller(c): Caller,
    Json(list): Json<Vec<Category>>,
) -> Result<axum::Json<Vec<Category>>, ApiError> {
    s.desk.set_categories(list, &c).await?;
    Ok(axum::Json(s.desk.rules().list.clone()))
}

/// A subdistrict's units: the departments, emergency bodies and offices cases are
/// dispatched to, with the accounts acting for each.
#[utoipa::path(get, operation_id = "case_units", path = "/subdistricts/{id}/case-units", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, description = "Units", body = Vec<UnitInfo>)))]
async fn units(
    State(s): State<super::State>,
    Id(id): Id,
) -> Result<axum::Json<Vec<UnitInfo>>, ApiError> {
    Ok(axum::Json(s.desk.units(id).await?.as_ref().clone()))
}

/// Replaces a subdistrict's units.
#[utoipa::path(put, operation_id = "case_units_put", path = "/subdistricts/{id}/case-units", tag = "cases", params(("id" = i64, Path)), request_body = Vec<UnitInfo>,
    responses(
        (status = 200, description = "Stored", body = Vec<UnitInfo>),
        (status = 422, description = "A bad unit, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn put_units(
    State(s): State<super::State>,
    Caller(c): Caller,
    Id(id): Id,
    Json(list): Json<Vec<UnitInfo>>,
) -> Result<axum::Json<Vec<UnitInfo>>, ApiError> {
    if s.atlas().subdistrict(id).is_none() {
        return Err(Error::NotFound(format!("subdistrict {id}")).into());
    }
    s.desk.set_units(id, list, &c).await?;
    Ok(axum::Json(s.desk.units(id).await?.as_ref().clone()))
}

/// The business calendar.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct CalendarAnswer {
    /// Working periods of a working day, local time (`09:00`–`12:00`, …).
    periods: Vec<[String; 2]>,
    /// Holidays and make-up working days.
    overrides: Vec<crate::cases::calendar::DayOverride>,
    /// The years the overrides cover.
    years: [i32; 2],
}

/// The business calendar deadlines are counted in: working hours and the public
/// holidays and make-up working days (调休).
#[utoipa::path(get, operation_id = "case_calendar", path = "/case-calendar", tag = "cases",
    responses((status = 200, description = "The calendar", body = CalendarAnswer)))]
async fn calendar(State(s): State<super::State>) -> axum::Json<CalendarAnswer> {
    let r = s.desk.rules();
    let c = &r.calendar;
    axum::Json(CalendarAnswer {
        periods: c
            .periods()
            .iter()
            .map(|(a, b)| [a.format("%H:%M").to_string(), b.format("%H:%M").to_string()])
            .collect(),
        overrides: c.overrides().cloned().collect(),
        years: [*c.years().start(), *c.years().end()],
    })
}

/// Replaces the holidays and make-up working days: text, one `YYYY-MM-DD
/// holiday|workday name` per line (docs/calendar.md). Every bad line named.
#[utoipa::path(put, operation_id = "case_calendar_put", path = "/case-calendar", tag = "cases",
    request_body(content = String, content_type = "text/plain"),
    responses(
        (status = 204, description = "Stored"),
        (status = 422, description = "A bad line, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn put_calendar(
    State(s): State<super::State>,
    Caller(c): Caller,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let text = std::str::from_utf8(&body).map_err(|_| Error::invalid("body", "not UTF-8 text"))?;
    s.desk.set_calendar(text, &c).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// When a report is proposed as a duplicate: an open case of the same category
/// within `radius_m` reported in the last `days` (default 50 m, 7 days).
#[utoipa::path(get, operation_id = "case_duplicate_rule", path = "/case-duplicate-rule", tag = "cases",
    responses((status = 200, description = "The rule", body = DuplicateRule)))]
async fn duplicate_rule(State(s): State<super::State>) -> axum::Json<DuplicateRule> {
    axum::Json(s.desk.rules().duplicates)
}

/// Replaces the duplicate rule (1–1,000 m, 1–90 days).
#[utoipa::path(put, operation_id = "case_duplicate_rule_put", path = "/case-duplicate-rule", tag = "cases", request_body = DuplicateRule,
    responses(
        (status = 200, description = "Stored", body = DuplicateRule),
        (status = 422, description = "Out of range, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn put_duplicate_rule(
    State(s): State<super::State>,
    Caller(c): Caller,
    Json(rule): Json<DuplicateRule>,
) -> Result<axum::Json<DuplicateRule>, ApiError> {
    s.desk.set_duplicates(rule, &c).await?;
    Ok(axum::Json(s.desk.rules().duplicates))
}

/// The evaluation's period and grouping.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct StatsParams {
    /// Cases filed at or after (Unix seconds; default 30 days ago).
    from: Option<i64>,
    /// Cases filed before (default now).
    to: Option<i64>,
    /// `grid` (rolled up the tree), `unit`, `category`, `month` or `none`.
    group_by: Option<GroupBy>,
    /// One subdistrict.
    subdistrict: Option<i64>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

/// The evaluation of case handling (综合评价, 11.6.9; Annex A item 17): 结案率,
/// 按期结案率 (deferred cases out of its denominator), 返工率, 超期率 and the mean
/// handling time in working hours, per grid, unit, category or month, over the
/// cases the caller may read.
#[utoipa::path(get, operation_id = "case_stats", path = "/case-stats", tag = "cases", params(StatsParams),
    responses(
        (status = 200, description = "The figures (JSON, or text/csv)", body = Evaluation),
        (status = 422, description = "A bad period, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn stats(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Query(p): Query<StatsParams>,
) -> Result<Response, ApiError> {
    let now = s.desk.clock().now();
    let to = p.to.unwrap_or(now + 1);
    let from = p.from.unwrap_or(to - 30 * 86_400);
    if from >= to {
        return Err(Error::invalid("from", "must be before to").into());
    }
    let csv = match p.format.as_deref().unwrap_or("json") {
        "json" | "" => false,
        "csv" => true,
        _ => return Err(Error::invalid("format", "json or csv").into()),
    };
    let e = s
        .desk
        .evaluation(
            &who.principal,
            p.subdistrict,
            from,
            to,
            p.group_by.unwrap_or(GroupBy::None),
        )
        .await?;
    if csv {
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"case-stats.csv\"",
                ),
            ],
            to_csv(&e),
        )
            .into_response());
    }
    Ok(axum::Json(e).into_response())
}

/// Where to resume the event replay.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct EventParams {
    /// Steps after this number (0: from the start).
    after: Option<i64>,
    /// At most (default 500, at most 5000).
    limit: Option<i64>,
}

/// Case steps after a number, oldest first, of the cases the caller may read:
/// the numbered event log a live subscriber resumes from.
#[utoipa::path(get, operation_id = "case_events", path = "/case-events", tag = "cases", params(EventParams),
    responses((status = 200, description = "Steps", body = Vec<Step>)))]
async fn events(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Query(p): Query<EventParams>,
) -> Result<axum::Json<Vec<Step>>, ApiError> {
    let limit = p.limit.unwrap_or(500).clamp(1, 5000);
    let steps = s.desk.steps_after(p.after.unwrap_or(0), limit).await?;
    let mut seen: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(steps.len());
    for st in steps {
        let ok = match seen.get(&st.case_id) {
            Some(v) => *v,
            None => {
                let v = s.desk.case(&who.principal, st.case_id).await.is_ok();
                seen.insert(st.case_id, v);
                v
            }
        };
        if ok {
            out.push(st);
        }
    }
    Ok(axum::Json(out))
}

/// The test clock's time.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct ClockBody {
    /// Now, Unix seconds.
    now: i64,
}

/// Sets the case desk's clock (only when gridd runs with `--test-clock`; 404
/// otherwise): tests move time past deadlines.
#[utoipa::path(put, operation_id = "test_clock", path = "/test-clock", tag = "cases", request_body = ClockBody,
    responses(
        (status = 204, description = "Set"),
        (status = 404, description = "Not a test server", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn set_clock(
    State(s): State<super::State>,
    Json(b): Json<ClockBody>,
) -> Result<StatusCode, ApiError> {
    s.desk.clock().set(b.now)?;
    Ok(StatusCode::NO_CONTENT)
}
