//! The published grid information (网格公示, issue 14; 4.4, Annex A item 6),
//! public, no sign-in: a grid's page (boundary, code, level, duties, the team's
//! names, roles and public phones — never a phone not marked public, never any
//! household data), the QR code of its printed notice, and the share of grids
//! published. Handlers only translate: the team desk answers.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::Id;
use super::problem::{ApiError, ProblemDoc, Query};
use crate::error::Error;
use crate::team_desk::{PublishedGrid, PublishedSummary, page_path};

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(grid))
        .routes(routes!(qr))
        .routes(routes!(summary))
}

/// A grid's published page: boundary, code, name, level, the level's duties
/// (clause 9) and service domains (clause 7), and its team (names, roles, the
/// phones marked public). No personal data beyond that.
#[utoipa::path(get, operation_id = "published_grid", path = "/published/grids/{id}", tag = "published",
    params(("id" = i64, Path, description = "the grid")),
    responses(
        (status = 200, description = "The page's facts", body = PublishedGrid),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn grid(
    State(s): State<super::State>,
    Id(id): Id,
) -> Result<axum::Json<PublishedGrid>, ApiError> {
    let atlas = s.atlas();
    Ok(axum::Json(s.teams.published_grid(&atlas, id).await?))
}

/// The QR code of a grid's printed notice (SVG): it encodes the grid's public
/// page in the web app, `{base}/#/public/grid/{id}` (the base is `--public-url`,
/// else the request's host), also given in the SVG's `data-url`.
#[utoipa::path(get, operation_id = "published_grid_qr", path = "/published/grids/{id}/qr", tag = "published",
    params(("id" = i64, Path, description = "the grid")),
    responses(
        (status = 200, description = "The QR code", content_type = "image/svg+xml", body = String),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn qr(
    State(s): State<super::State>,
    headers: HeaderMap,
    Id(id): Id,
) -> Result<Response, ApiError> {
    if s.atlas().grid(id).is_none() {
        return Err(Error::NotFound(format!("grid {id}")).into());
    }
    let url = format!("{}{}", super::tiles::base_url(&s, &headers), page_path(id));
    let svg = qr_svg(&url)?;
    let mut res = svg.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml; charset=utf-8"),
    );
    Ok(res)
}

/// A QR code (error correction M) as SVG: a white square with a quiet zone of
/// four modules and one `<rect>` per dark module, the text in `data-url`.
pub fn qr_svg(text: &str) -> Result<String, Error> {
    use qrcode::{Color, EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Error::invalid("url", format!("too long for a QR code: {e}")))?;
    let w = code.width();
    let side = w + 8;
    let colors = code.to_colors();
    let dark = colors.iter().filter(|c| **c == Color::Dark).count();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
         shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"网格公示二维码\" \
         class=\"qr\" data-url=\"{}\" data-modules=\"{w}\" data-dark=\"{dark}\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><g fill=\"#000\">",
        attr(text)
    );
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            out.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"1\" height=\"1\"/>",
                i % w + 4,
                i / w + 4
            ));
        }
    }
    out.push_str("</g></svg>");
    Ok(out)
}

/// Text for an XML attribute.
fn attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Which grids the summary counts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct SummaryQuery {
    /// A subdistrict (none: every subdistrict).
    subdistrict: Option<i64>,
}

/// The share of grids published (Annex A item 6, target 100 %): a grid is
/// published when it has a boundary and its team holds every role 10.2 requires
/// of its level (levels 4 and 5 require none).
#[utoipa::path(get, operation_id = "published_summary", path = "/published/summary", tag = "published",
    params(SummaryQuery),
    responses(
        (status = 200, description = "The share", body = PublishedSummary),
        (status = 404, description = "No such subdistrict", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn summary(
    State(s): State<super::State>,
    Query(q): Query<SummaryQuery>,
) -> Result<axum::Json<PublishedSummary>, ApiError> {
    let atlas = s.atlas();
    Ok(axum::Json(
        s.teams.published_summary(&atlas, q.subdistrict).await?,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn the_qr_code_carries_its_url_and_its_modules() {
        let svg = super::qr_svg("http://x.test/#/public/grid/33?a=1&b=\"2\"").unwrap();
        assert!(
            svg.contains("data-url=\"http://x.test/#/public/grid/33?a=1&amp;b=&quot;2&quot;\"")
        );
        assert!(
            svg.contains("data-modules=\"29\"") || svg.contains("data-modules=\"33\""),
            "{svg}"
        );
        assert!(svg.matches("<rect").count() > 100);
    }
}
