//! Staff and grid teams (issue 14): staff of a subdistrict (create, list,
//! update), a grid's team (replaced whole, read) and the team report. Handlers
//! only translate: the team desk checks and stores.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticated;
use super::extract::Id;
use super::problem::{ApiError, Json, ProblemDoc, Query};
use crate::team_desk::{StaffOut, TeamOut, TeamReport};
use crate::teams::{StaffDraft, TeamEntry};

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(create_staff, list_staff))
        .routes(routes!(update_staff))
        .routes(routes!(put_team, get_team))
        .routes(routes!(report))
}

/// Adds a staff member to a subdistrict: a name, the employer (街道办, 社区, 物业,
/// 垂直管理部门, 其他), a unit, a phone and whether it may be published.
#[utoipa::path(post, operation_id = "staff_create", path = "/subdistricts/{id}/staff", tag = "teams",
    params(("id" = i64, Path, description = "the subdistrict")),
    request_body = StaffDraft,
    responses(
        (status = 201, description = "Stored", body = StaffOut),
        (status = 403, description = "Not the caller's subdistrict to manage", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such subdistrict", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Every bad field, named; nothing stored", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn create_staff(
    State(s): State<super::State>,
    Id(id): Id,
    Json(d): Json<StaffDraft>,
) -> Result<(StatusCode, axum::Json<StaffOut>), ApiError> {
    let atlas = s.atlas();
    let out = s.teams.create_staff(&atlas, id, &d).await?;
    Ok((StatusCode::CREATED, axum::Json(out)))
}

/// The staff of a subdistrict, with their phones (public or not), in id order.
#[utoipa::path(get, operation_id = "staff_list", path = "/subdistricts/{id}/staff", tag = "teams",
    params(("id" = i64, Path, description = "the subdistrict")),
    responses(
        (status = 200, description = "Its staff", body = Vec<StaffOut>),
        (status = 403, description = "Not the caller's subdistrict to manage", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such subdistrict", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn list_staff(
    State(s): State<super::State>,
    Id(id): Id,
) -> Result<axum::Json<Vec<StaffOut>>, ApiError> {
    let atlas = s.atlas();
    Ok(axum::Json(s.teams.staff(&atlas, id).await?))
}

/// Replaces a staff member's fields (a whole draft, as at create; `active:
/// false` when the person leaves: kept, no longer counted or shown).
#[utoipa::path(put, operation_id = "staff_update", path = "/staff/{id}", tag = "teams",
    params(("id" = i64, Path, description = "the staff member")),
    request_body = StaffDraft,
    responses(
        (status = 200, description = "Stored", body = StaffOut),
        (status = 404, description = "No such staff member in the caller's subdistricts", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Every bad field, named; nothing stored", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn update_staff(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Id(id): Id,
    Json(d): Json<StaffDraft>,
) -> Result<axum::Json<StaffOut>, ApiError> {
    Ok(axum::Json(
        s.teams.update_staff(&who.principal, id, &d).await?,
    ))
}

/// A grid's whole team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TeamIn {
    /// Each member: a staff member of the grid's subdistrict in a role of the
    /// grid's level (10.2). A person may hold several roles, never one twice.
    members: Vec<TeamEntry>,
}

/// Replaces a grid's team: checked as a whole — a role not of the grid's level,
/// a person twice in one role, unknown, foreign or departed staff are each
/// named (`members[i].role`, `members[i]`, `members[i].staff_id`) and nothing is
/// stored.
#[utoipa::path(put, operation_id = "team_put", path = "/grids/{id}/team", tag = "teams",
    params(("id" = i64, Path, description = "the grid")),
    request_body = TeamIn,
    responses(
        (status = 200, description = "Stored; with the roles still missing", body = TeamOut),
        (status = 403, description = "Not the caller's grid to manage", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Every bad entry, named; nothing stored", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn put_team(
    State(s): State<super::State>,
    Id(id): Id,
    Json(b): Json<TeamIn>,
) -> Result<axum::Json<TeamOut>, ApiError> {
    let atlas = s.atlas();
    Ok(axum::Json(s.teams.put_team(&atlas, id, &b.members).await?))
}

/// A grid's team with the roles it misses (phones only those marked public).
#[utoipa::path(get, operation_id = "team_get", path = "/grids/{id}/team", tag = "teams",
    params(("id" = i64, Path, description = "the grid")),
    responses(
        (status = 200, description = "The team", body = TeamOut),
        (status = 403, description = "Outside the caller's grids", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn get_team(
    State(s): State<super::State>,
    Id(id): Id,
) -> Result<axum::Json<TeamOut>, ApiError> {
    let atlas = s.atlas();
    Ok(axum::Json(s.teams.team(&atlas, id).await?))
}

/// The subdistrict of the team report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ReportQuery {
    /// The subdistrict.
    subdistrict: i64,
}

/// The team report: each grid (of levels 1–3, in the caller's scope) whose team
/// misses a role of 10.2, the share of subdistrict-office and community staff in
/// grids (10.1, against 85 %) and the share of grids published (against 100 %).
#[utoipa::path(get, operation_id = "team_report", path = "/teams/report", tag = "teams",
    params(ReportQuery),
    responses(
        (status = 200, description = "The report", body = TeamReport),
        (status = 403, description = "Nothing of the subdistrict in the caller's scope", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such subdistrict", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn report(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Query(q): Query<ReportQuery>,
) -> Result<axum::Json<TeamReport>, ApiError> {
    let atlas = s.atlas();
    Ok(axum::Json(
        s.teams
            .report(&atlas, &who.principal, q.subdistrict)
            .await?,
    ))
}
