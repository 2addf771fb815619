//! Households and visits (issue 14): the import, a grid's households, one
//! household, recording a visit, and who is due. Handlers only translate: the
//! household desk checks scope, reads and writes.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Extension, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticated;
use super::extract::{Caller, Id};
use super::problem::{ApiError, Json, ProblemDoc, Query};
use crate::error::Error;
use crate::household_desk::{
    CaseFromVisit, ComplianceAnswer, ComplianceQuery, HouseholdDetail, HouseholdOut, ImportAnswer,
    VisitInput, VisitOut,
};
use crate::households::import::Column;
use crate::households::visits::{Outcome, VisitDraft};

/// Largest import body: 100,000 households (250,000 people) are ~22 MB of CSV.
pub const IMPORT_MAX_BODY: usize = 128 * 1024 * 1024;

pub(super) fn routes() -> OpenApiRouter<super::State> {
    let (schemas, paths, import) = routes!(import);
    OpenApiRouter::new()
        .routes((
            schemas,
            paths,
            import.layer(DefaultBodyLimit::max(IMPORT_MAX_BODY)),
        ))
        .routes(routes!(of_grid))
        .routes(routes!(one))
        .routes(routes!(record_visit))
        .routes(routes!(compliance))
}

/// The import's subdistrict and column mapping: each column's header text in the
/// file, when it is not one of the recognised ones (楼栋号, 单元, 室, 姓名, 手机号,
/// 身份证号, 与户主关系, 特殊家庭, 地址, … — see docs/households.md).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ImportParams {
    /// The subdistrict the households belong to.
    subdistrict: i64,
    /// Header of the building column (its id or its name).
    building: Option<String>,
    /// Header of the address column.
    address: Option<String>,
    /// Header of the unit column (单元).
    unit: Option<String>,
    /// Header of the room column (室).
    room: Option<String>,
    /// Header of the name column.
    name: Option<String>,
    /// Header of the phone column.
    phone: Option<String>,
    /// Header of the identity-number column.
    id_number: Option<String>,
    /// Header of the relation column (与户主关系).
    relation: Option<String>,
    /// Header of the special-kinds column (特殊家庭).
    special: Option<String>,
}

impl ImportParams {
    fn mapping(&self) -> Vec<(Column, String)> {
        [
            (Column::Building, &self.building),
            (Column::Address, &self.address),
            (Column::Unit, &self.unit),
            (Column::Room, &self.room),
            (Column::Name, &self.name),
            (Column::Phone, &self.phone),
            (Column::IdNumber, &self.id_number),
            (Column::Relation, &self.relation),
            (Column::Special, &self.special),
        ]
        .into_iter()
        .filter_map(|(c, h)| h.as_ref().map(|h| (c, h.clone())))
        .collect()
    }
}

/// Imports households from CSV (UTF-8, a header row; one row per person, rows
/// grouped into households by building, unit and room): all or nothing. Every
/// bad row is named with its spreadsheet row number and reason (`rows[12].phone`:
/// a malformed identity number or phone, an unknown building, a number repeated
/// or already on record, …) and nothing is stored. Identity numbers are kept
/// only as keyed hash and mask. An Excel (.xlsx) file is read from its first
/// sheet (the header on row 1), row numbers as Excel shows them.
#[utoipa::path(post, operation_id = "households_import", path = "/households/import", tag = "households",
    params(ImportParams),
    request_body(description = "CSV, UTF-8, or an Excel .xlsx file (one row per person)", content(
        ("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses(
        (status = 201, description = "Every household stored", body = ImportAnswer),
        (status = 403, description = "Not the caller's subdistrict to manage", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such subdistrict", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Another import stored one of these households first; nothing stored", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Every bad row, named; nothing stored", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn import(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Query(p): Query<ImportParams>,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<ImportAnswer>), ApiError> {
    let atlas = s.atlas();
    let now = s.desk.clock().now();
    let r = s
        .households
        .import(
            &atlas,
            &who.principal,
            p.subdistrict,
            body,
            p.mapping(),
            now,
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(r)))
}

/// The households of a grid and every grid below it, for a caller who may read
/// households there (a grid worker: their grids; an administrator: their
/// subdistrict). Identity numbers only masked.
#[utoipa::path(get, operation_id = "grid_households", path = "/grids/{id}/households", tag = "households",
    params(("id" = i64, Path, description = "the grid")),
    responses(
        (status = 200, description = "Its households, in id order", body = Vec<HouseholdOut>),
        (status = 403, description = "Outside the caller's grids", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn of_grid(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Id(id): Id,
) -> Result<axum::Json<Vec<HouseholdOut>>, ApiError> {
    let atlas = s.atlas();
    Ok(axum::Json(
        s.households.of_grid(&atlas, &who.principal, id).await?,
    ))
}

/// One household with its visits, newest first (not found outside the caller's
/// scope).
#[utoipa::path(get, operation_id = "household_get", path = "/households/{id}", tag = "households",
    params(("id" = i64, Path, description = "the household")),
    responses(
        (status = 200, description = "The household and its visits", body = HouseholdDetail),
        (status = 404, description = "No such household in the caller's scope", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn one(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Id(id): Id,
) -> Result<axum::Json<HouseholdDetail>, ApiError> {
    let atlas = s.atlas();
    Ok(axum::Json(
        s.households.household(&atlas, &who.principal, id).await?,
    ))
}

/// A visit (走访).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct VisitBody {
    /// The household visited.
    household_id: i64,
    /// When (Unix seconds; default now). A time in the future is refused.
    #[serde(default)]
    at: Option<i64>,
    /// `visited` (入户走访, counts), `not_home` (未遇), `declined` (拒访).
    #[schema(value_type = String)]
    outcome: Outcome,
    /// A note (at most 2,000 characters).
    #[serde(default)]
    note: String,
    /// Photos uploaded with `POST /case-photos` (at most 9).
    #[serde(default)]
    photos: Vec<i64>,
    /// The household's record was checked with them (Annex A 15).
    #[serde(default)]
    record_confirmed: bool,
    /// A case to open from the visit (at the household's building, source 走访).
    #[serde(default)]
    case: Option<CaseFromVisit>,
}

/// Records a visit by the signed-in grid worker to a household of their grids;
/// with `case`, opens a case from it first. Refused whole (nothing stored) when
/// bad: a time in the future, an unknown household, a note too long, an unknown
/// photo or case category.
#[utoipa::path(post, operation_id = "visit_record", path = "/visits", tag = "households", request_body = VisitBody,
    responses(
        (status = 201, description = "Stored", body = VisitOut),
        (status = 401, description = "Not signed in", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Bad input, named; nothing stored", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn record_visit(
    State(s): State<super::State>,
    Caller(c): Caller,
    Extension(who): Extension<Arc<Authenticated>>,
    Json(b): Json<VisitBody>,
) -> Result<(StatusCode, axum::Json<VisitOut>), ApiError> {
    let atlas = s.atlas();
    let now = s.desk.clock().now();
    let input = VisitInput {
        draft: VisitDraft {
            household_id: b.household_id,
            at: b.at.unwrap_or(now),
            outcome: b.outcome,
            note: b.note,
            photos: b.photos,
            record_confirmed: b.record_confirmed,
        },
        case: b.case,
    };
    let v = s
        .households
        .record_visit(
            &atlas,
            &s.desk,
            &who.principal,
            super::cases::actor(&c),
            input,
            now,
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(v)))
}

/// Which figures.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ComplianceParams {
    /// The year (Asia/Shanghai; default this year).
    year: Option<i32>,
    /// Only this grid and the grids below it.
    grid: Option<i64>,
    /// Lists of this quarter (1–4; default the year's overall standing).
    quarter: Option<u8>,
    /// At most this many households per list (default 10,000, at most 200,000).
    limit: Option<usize>,
}

/// Who is due and who is overdue this year (every household twice a year,
/// 11.1.3; special households every quarter, Annex A 16), per grid (every level),
/// per worker and for the caller's scope; the collection rate (households on
/// record against those estimated from buildings, target 90 %) and the accuracy
/// (records confirmed at a visit this year, target 95 %), Annex A 15. Callers
/// who may read only counts (operators, auditors) get no lists.
#[utoipa::path(get, operation_id = "visit_compliance", path = "/visits/compliance", tag = "households",
    params(ComplianceParams),
    responses(
        (status = 200, description = "The figures and lists", body = ComplianceAnswer),
        (status = 403, description = "The grid is outside the caller's scope", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn compliance(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Query(p): Query<ComplianceParams>,
) -> Result<axum::Json<ComplianceAnswer>, ApiError> {
    let limit = p.limit.unwrap_or(10_000);
    if limit > 200_000 {
        return Err(Error::invalid("limit", "at most 200000").into());
    }
    let atlas = s.atlas();
    let now = s.desk.clock().now();
    let q = ComplianceQuery {
        year: p.year,
        grid: p.grid,
        quarter: p.quarter,
        limit,
    };
    Ok(axum::Json(
        s.households
            .compliance(&atlas, &who.principal, q, now)
            .await?,
    ))
}
