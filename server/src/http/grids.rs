//! `/grids`, `/tree`: read from the atlas, write through the application.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::problem::{ApiError, Json};
use crate::domain::change::Actor;
use crate::domain::geometry::collection;
use crate::domain::grid::{GridId, GridProps};
use crate::error::{Error, FieldError};

pub(super) fn router() -> Router<super::State> {
    Router::new()
        .route("/grids", get(list).post(create))
        .route("/grids/{id}", get(one).put(update).delete(remove))
        .route("/grids/{id}/children", get(children))
        .route("/tree", get(tree))
}

/// Query of `GET /grids`.
#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    level: Option<String>,
    parent: Option<String>,
    bbox: Option<String>,
    subdistrict: Option<String>,
}

fn int_param<T: std::str::FromStr>(name: &str, v: Option<&str>) -> Result<Option<T>, Error> {
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

pub(super) fn geojson_response(v: &impl serde::Serialize) -> Response {
    let mut res = axum::Json(v).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    res
}

async fn list(
    State(app): State<super::State>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let level: Option<u8> = int_param("level", q.level.as_deref())?;
    if let Some(l) = level.filter(|l| !(1..=5).contains(l)) {
        return Err(Error::invalid("level", format!("must be 1 to 5, got {l}")).into());
    }
    let parent: Option<GridId> = int_param("parent", q.parent.as_deref())?;
    let sub: Option<i64> = int_param("subdistrict", q.subdistrict.as_deref())?;
    let bbox = parse_bbox(q.bbox.as_deref())?;
    let atlas = app.atlas();
    if let Some(p) = parent.filter(|p| atlas.grid(*p).is_none()) {
        return Err(Error::NotFound(format!("grid {p}")).into());
    }
    let features: Vec<geojson::Feature> = atlas
        .grids(sub, level, parent, bbox)
        .into_iter()
        .map(|g| g.grid.to_feature())
        .collect();
    Ok(geojson_response(&collection(features)))
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

fn feature_response(status: StatusCode, g: &crate::domain::grid::Grid) -> Response {
    let mut res = geojson_response(&g.to_feature());
    *res.status_mut() = status;
    res.headers_mut().insert(header::ETAG, etag(g.version));
    res
}

fn path_id(id: &str) -> Result<GridId, Error> {
    id.parse()
        .map_err(|_| Error::invalid("id", format!("must be a whole number, got {id:?}")))
}

async fn one(
    State(app): State<super::State>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let atlas = app.atlas();
    let g = atlas
        .grid(id)
        .ok_or_else(|| Error::NotFound(format!("grid {id}")))?;
    Ok(feature_response(StatusCode::OK, &g.grid))
}

async fn children(
    State(app): State<super::State>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let atlas = app.atlas();
    if atlas.grid(id).is_none() {
        return Err(Error::NotFound(format!("grid {id}")).into());
    }
    let features = atlas
        .children(id)
        .into_iter()
        .map(|g| g.grid.to_feature())
        .collect();
    Ok(geojson_response(&collection(features)))
}

async fn tree(State(app): State<super::State>) -> Response {
    axum::Json(app.atlas().tree()).into_response()
}

/// Splits a GeoJSON Feature body into checked properties and its geometry.
pub(super) fn parse_feature(
    body: &serde_json::Value,
) -> Result<(GridProps, Option<geojson::Geometry>), Error> {
    let obj = body
        .as_object()
        .ok_or_else(|| Error::invalid("body", "must be a GeoJSON Feature object"))?;
    match obj.get("type").and_then(|t| t.as_str()) {
        Some("Feature") => {}
        Some(t) => {
            return Err(Error::invalid(
                "type",
                format!("must be \"Feature\", got {t:?}"),
            ));
        }
        None => {
            return Err(Error::invalid(
                "type",
                "is required and must be \"Feature\"",
            ));
        }
    }
    let props: GridProps = match obj.get("properties") {
        Some(p @ serde_json::Value::Object(_)) => serde_json::from_value(p.clone())
            .map_err(|e| Error::invalid("properties", format!("{e}")))?,
        Some(serde_json::Value::Null) | None => GridProps::default(),
        Some(_) => return Err(Error::invalid("properties", "must be an object")),
    };
    let geometry = match obj.get("geometry") {
        None | Some(serde_json::Value::Null) => None,
        Some(g) => Some(
            serde_json::from_value::<geojson::Geometry>(g.clone()).map_err(|e| {
                Error::Invalid(vec![FieldError::new(
                    "geometry",
                    format!("not a GeoJSON geometry: {e}"),
                )])
            })?,
        ),
    };
    Ok((props, geometry))
}

/// The actor named by `X-Gridd-User` (authentication comes later), with the reason
/// given in `X-Gridd-Reason` (percent-decoded, so Chinese text can travel in a
/// header), both stored in the audit log.
pub(super) fn actor(headers: &HeaderMap) -> Actor {
    let text = |name: &str, max: usize| -> Option<String> {
        let v = headers.get(name)?;
        let s = match v.to_str() {
            Ok(s) if name == "x-gridd-reason" => percent_decode(s),
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(v.as_bytes()).into_owned(),
        };
        let s = s.trim();
        (!s.is_empty()).then(|| s.chars().take(max).collect())
    };
    Actor::new(
        text("x-gridd-user", 100).unwrap_or_else(|| "anonymous".into()),
        text("x-gridd-reason", 2000),
    )
}

/// Decodes `%XX` escapes (UTF-8); text without valid escapes is returned as is.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

fn if_match(headers: &HeaderMap) -> Result<Option<i64>, Error> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or("").trim();
    let s = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
    s.parse().map(Some).map_err(|_| {
        Error::invalid(
            "If-Match",
            format!("must be the grid's ETag, e.g. \"3\", got {s:?}"),
        )
    })
}

async fn create(
    State(app): State<super::State>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let (props, geometry) = parse_feature(&body)?;
    let g = app
        .create_grid(&props, geometry.as_ref(), &actor(&headers))
        .await?;
    let mut res = feature_response(StatusCode::CREATED, &g);
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/grids/{}", g.id)) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(res)
}

async fn update(
    State(app): State<super::State>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let version = if_match(&headers)?;
    let (props, geometry) = parse_feature(&body)?;
    let g = app
        .update_grid(id, version, &props, geometry.as_ref(), &actor(&headers))
        .await?;
    Ok(feature_response(StatusCode::OK, &g))
}

async fn remove(
    State(app): State<super::State>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    app.delete_grid(id, if_match(&headers)?, &actor(&headers))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
