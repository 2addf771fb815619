//! `/coverage`: the coverage audit of a subdistrict (JSON, GeoJSON, HTML) and the
//! dry run of an edit. The audit holds the atlas read lock for its duration (about
//! 0.1 s for 3,000 L3 grids) on a blocking thread, never on the async workers.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::grids::{GridFeatureIn, geojson_response};
use super::problem::{ApiError, Json, ProblemDoc, Query};
use crate::coverage::{self, Config, Edit, Lang};
use crate::domain::grid::{self, GridId, TreeView};
use crate::error::{Error, FieldError};
use crate::index::Atlas;

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(report))
        .routes(routes!(preview))
}

/// Query of `GET /coverage` and `POST /coverage/preview`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct CoverageQuery {
    /// The subdistrict (needed when the store holds several).
    #[param(value_type = Option<i64>)]
    subdistrict: Option<String>,
    /// Gaps, overlaps and overhangs narrower than this many metres are noise, not
    /// defects (default 0.5).
    #[param(value_type = Option<f64>)]
    tolerance: Option<String>,
    /// `json` (default), `geojson` (problems as features) or `html` (the printable
    /// auditor's report).
    format: Option<String>,
    /// `zh` or `en`: the page's language (Chinese by default) and, when given,
    /// that of the JSON's messages and fixes (English by default).
    lang: Option<String>,
}

fn lang(q: &CoverageQuery) -> Result<Option<Lang>, Error> {
    q.lang
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|l| Lang::parse(l).map_err(|e| Error::invalid("lang", e)))
        .transpose()
}

/// A grid to preview: a GeoJSON Feature; with an `id` (the Feature's or
/// `properties.id`) a stored grid's new geometry, without one a new grid.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct PreviewIn {
    /// The stored grid being edited, if any.
    #[schema(value_type = Option<i64>)]
    id: Option<serde_json::Value>,
    /// The feature.
    #[serde(flatten)]
    feature: GridFeatureIn,
}

fn config(q: &CoverageQuery) -> Result<Config, Error> {
    let c = Config::default();
    match q.tolerance.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(c),
        Some(t) => {
            let v: f64 = t.trim().parse().map_err(|_| {
                Error::invalid(
                    "tolerance",
                    format!("must be a number of metres, got {t:?}"),
                )
            })?;
            c.with_tolerance(v)
                .map_err(|e| Error::invalid("tolerance", e))
        }
    }
}

/// The subdistrict named by the query, or the only one.
pub fn subdistrict(atlas: &Atlas, given: Option<&str>) -> Result<i64, Error> {
    match given.filter(|s| !s.is_empty()) {
        Some(s) => {
            let id: i64 = s.trim().parse().map_err(|_| {
                Error::invalid("subdistrict", format!("must be a whole number, got {s:?}"))
            })?;
            atlas
                .subdistrict(id)
                .map(|_| id)
                .ok_or_else(|| Error::NotFound(format!("subdistrict {id}")))
        }
        None => atlas.sole_subdistrict().ok_or_else(|| {
            if atlas.subdistricts().next().is_none() {
                Error::NotFound("subdistrict (the store holds none)".into())
            } else {
                Error::invalid("subdistrict", "is required when several subdistricts exist")
            }
        }),
    }
}

#[derive(Clone, Copy)]
enum Format {
    Json,
    GeoJson,
    Html,
}

fn format(q: &CoverageQuery) -> Result<Format, Error> {
    match q.format.as_deref().unwrap_or("json") {
        "" | "json" => Ok(Format::Json),
        "geojson" => Ok(Format::GeoJson),
        "html" => Ok(Format::Html),
        f => Err(Error::invalid(
            "format",
            format!("must be json, geojson or html, got {f:?}"),
        )),
    }
}

/// The coverage audit of a subdistrict: per level gaps, overlaps, children outside
/// their parents, codes, validity, the size rule and buildings; each problem with
/// its geometry, area (m²), width (m) and a suggested fix.
#[utoipa::path(get, operation_id = "coverage_report", path = "/coverage", tag = "coverage", params(CoverageQuery),
    responses(
        (status = 200, description = "The report: JSON, GeoJSON (application/geo+json: the problems as features) or HTML (text/html: the printable page)", body = Object),
        (status = 404, description = "No such subdistrict", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn report(
    State(app): State<super::State>,
    Query(q): Query<CoverageQuery>,
) -> Result<Response, ApiError> {
    let config = config(&q)?;
    let fmt = format(&q)?;
    let given = q.subdistrict.clone();
    let lang = lang(&q)?;
    let tolerance_given = q.tolerance.as_deref().is_some_and(|t| !t.is_empty());
    // Teams (10.2) are not in the atlas: their problems are read first.
    let teams = {
        let atlas = app.atlas();
        match subdistrict(&atlas, given.as_deref()) {
            Ok(sid) => app.teams.coverage_problems(&atlas, sid).await?,
            Err(_) => Vec::new(), // answered below
        }
    };
    let answer = tokio::task::spawn_blocking(move || -> Result<Answer, Error> {
        let atlas = app.atlas();
        let sid = subdistrict(&atlas, given.as_deref())?;
        let input = coverage::Input::from_atlas(&atlas, sid)
            .ok_or_else(|| Error::NotFound(format!("subdistrict {sid}")))?;
        let mut report = coverage::audit(&input, &config);
        coverage::teams::add_team_problems(&mut report, &teams, lang.unwrap_or(Lang::En));
        if matches!(fmt, Format::Html) {
            // the page is drawn from the grids too, so while the atlas is at hand
            let lang = lang.unwrap_or(Lang::Zh);
            let mut other = format!(
                "?format=html&lang={}&subdistrict={sid}",
                lang.other().code()
            );
            if tolerance_given {
                other.push_str(&format!("&tolerance={}", config.tolerance_m));
            }
            let page = coverage::render::Page {
                lang,
                other_language: Some(&other),
            };
            return Ok(Answer::Page(coverage::render::html(&report, &input, page)));
        }
        if let Some(l) = lang {
            coverage::text::reword_report(&mut report, l);
        }
        Ok(Answer::Report(report))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))??;
    Ok(match (answer, fmt) {
        (Answer::Page(page), _) => {
            let mut res = Html(page).into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        (Answer::Report(report), Format::GeoJson) => {
            geojson_response(&coverage::render::geojson(&report))
        }
        (Answer::Report(report), _) => axum::Json(&report).into_response(),
    })
}

/// What the audit answers: the report, or the page already drawn.
enum Answer {
    Report(coverage::Report),
    Page(String),
}

/// The audit of one edit's neighbourhood before it is saved (a dragged vertex
/// takes well under a millisecond): a stored grid's new geometry (other
/// properties, when given, replace the stored ones), or a new grid with the
/// properties a create takes. Nothing is stored.
#[utoipa::path(post, operation_id = "coverage_preview", path = "/coverage/preview", tag = "coverage", params(CoverageQuery),
    request_body = PreviewIn,
    responses(
        (status = 200, description = "The problems the edit would leave", body = Object),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad feature, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn preview(
    State(app): State<super::State>,
    Query(q): Query<CoverageQuery>,
    Json(body): Json<PreviewIn>,
) -> Result<Response, ApiError> {
    let config = config(&q)?;
    let lang = lang(&q)?;
    let (props, geometry) = super::grids::parts(body.feature)?;
    let id = feature_id(body.id.as_ref(), props.id.as_ref())?;
    let limits = app.limits();
    let report = tokio::task::spawn_blocking(move || -> Result<coverage::PreviewReport, Error> {
        let atlas = app.atlas();
        let edit = match id {
            Some(id) => {
                let current = atlas
                    .grid(id)
                    .ok_or_else(|| Error::NotFound(format!("grid {id}")))?;
                let geometry = geometry.ok_or_else(|| {
                    Error::invalid("geometry", "is required (Polygon or MultiPolygon)")
                })?;
                let geometry = crate::domain::geometry::parse_area("geometry", &geometry, limits)
                    .map_err(Error::Invalid)?;
                let mut draft = current.grid.draft.clone();
                draft.geometry = geometry;
                if props.code.is_some() || props.parent_id.is_some() || props.parent_code.is_some()
                {
                    let mut p = props.clone();
                    p.code = p.code.or_else(|| Some(draft.code.clone()));
                    p.name = p.name.or_else(|| Some(draft.name.clone()));
                    p.level = p.level.or_else(|| Some(draft.level.into()));
                    p.kind = p.kind.or_else(|| Some(draft.kind.as_str().to_owned()));
                    p.subdistrict_id = Some(current.grid.subdistrict_id.into());
                    if p.parent_id.is_none() && p.parent_code.is_none() {
                        p.parent_id = draft.parent_id.map(Into::into);
                    }
                    let body_geometry = geojson::Geometry::new((&draft.geometry).into());
                    let checked = grid::check_fields(&p, Some(&body_geometry), limits)
                        .map_err(Error::Invalid)?;
                    draft = grid::resolve(&checked, &*atlas, Some(id))?.1;
                }
                Edit {
                    id: Some(id),
                    subdistrict_id: current.grid.subdistrict_id,
                    draft,
                }
            }
            None => {
                let checked = grid::check_fields(&props, geometry.as_ref(), limits)
                    .map_err(Error::Invalid)?;
                let (sid, draft) = grid::resolve(&checked, &*atlas, None)?;
                Edit {
                    id: None,
                    subdistrict_id: sid,
                    draft,
                }
            }
        };
        let mut report =
            coverage::preview(&atlas, &edit, &config).map_err(|e| Error::invalid("body", e))?;
        if let Some(l) = lang {
            for list in [&mut report.breaks, &mut report.fixes, &mut report.after] {
                coverage::text::reword(list, l);
            }
        }
        Ok(report)
    })
    .await
    .map_err(|e| Error::Internal(e.into()))??;
    Ok(axum::Json(&report).into_response())
}

fn feature_id(
    top: Option<&serde_json::Value>,
    in_properties: Option<&serde_json::Value>,
) -> Result<Option<GridId>, Error> {
    let v = match top.filter(|v| !v.is_null()) {
        Some(v) => Some(("id", v)),
        None => in_properties
            .filter(|v| !v.is_null())
            .map(|v| ("properties.id", v)),
    };
    let Some((field, v)) = v else { return Ok(None) };
    grid::lenient_f64(v)
        .filter(|f| f.fract() == 0.0)
        .map(|f| Some(f as GridId))
        .ok_or_else(|| {
            Error::Invalid(vec![FieldError::new(
                field,
                format!("must be a grid id, got {v}"),
            )])
        })
}
