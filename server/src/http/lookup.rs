//! `/lookup` (point-in-grid, one point or a batch) and `/grids/{id}/buildings`.
//! Parsing and placing run on blocking threads; the batch answer is streamed in
//! chunks, each chunk placed under one read of the atlas.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use geo::Coord;
use serde::Deserialize;
use serde_json::json;

use super::problem::{ApiError, problem};
use crate::error::{Error, FieldError};
use crate::lookup::batch::{self, Format};
use crate::lookup::datum::Datum;
use crate::lookup::{LookupAnswer, Placement, buildings};

/// Largest `POST /lookup` body: a million points as GeoJSON Features are ~100 MB.
pub const LOOKUP_MAX_BODY: usize = 160 * 1024 * 1024;

/// Points answered per streamed chunk (and per read of the atlas).
const CHUNK: usize = 16_384;

pub(super) fn router() -> Router<super::State> {
    Router::new()
        .route(
            "/lookup",
            get(one)
                .post(many)
                .layer(DefaultBodyLimit::max(LOOKUP_MAX_BODY)),
        )
        .route("/grids/{id}/buildings", get(grid_buildings))
}

/// Query of `GET /lookup`.
#[derive(Debug, Deserialize)]
pub(super) struct OneQuery {
    lon: Option<String>,
    lat: Option<String>,
    crs: Option<String>,
}

/// Query of `POST /lookup`.
#[derive(Debug, Deserialize)]
pub(super) struct ManyQuery {
    crs: Option<String>,
    /// `ids` (default) or `full`.
    detail: Option<String>,
    /// `json` (default, one array) or `ndjson` (one answer per line).
    format: Option<String>,
}

fn datum(crs: Option<&str>) -> Result<Datum, Error> {
    let s = crs.unwrap_or("");
    Datum::parse(s)
        .ok_or_else(|| Error::invalid("crs", format!("must be wgs84, gcj02 or bd09, got {s:?}")))
}

fn degrees(name: &str, v: Option<&str>, max: f64) -> Result<f64, Error> {
    let s = v
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Error::invalid(name, "is required (degrees)"))?;
    let x: f64 = s
        .trim()
        .parse()
        .map_err(|_| Error::invalid(name, format!("must be a number of degrees, got {s:?}")))?;
    if !x.is_finite() || x.abs() > max {
        return Err(Error::invalid(
            name,
            format!("must be within [-{max}, {max}] degrees, got {x}"),
        ));
    }
    Ok(x)
}

async fn one(
    State(app): State<super::State>,
    Query(q): Query<OneQuery>,
) -> Result<Response, ApiError> {
    let lon = degrees("lon", q.lon.as_deref(), 180.0);
    let lat = degrees("lat", q.lat.as_deref(), 90.0);
    let d = datum(q.crs.as_deref());
    let errors: Vec<FieldError> = [lon.as_ref().err(), lat.as_ref().err(), d.as_ref().err()]
        .into_iter()
        .flatten()
        .flat_map(|e| match e {
            Error::Invalid(v) => v.clone(),
            _ => vec![],
        })
        .collect();
    let (Ok(lon), Ok(lat), Ok(d), true) = (lon, lat, d, errors.is_empty()) else {
        return Err(Error::Invalid(errors).into());
    };
    let p = d.to_wgs84(Coord { x: lon, y: lat });
    let answer = app.atlas().lookup(p);
    let mut body = serde_json::to_value(&answer).map_err(|e| Error::Internal(e.into()))?;
    body["point"] = json!([p.x, p.y]);
    Ok(axum::Json(body).into_response())
}

fn bytes_rejection(r: &BytesRejection) -> Response {
    let status = r.status();
    let title = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "Request too large"
    } else {
        "Unreadable body"
    };
    problem(
        status,
        title,
        &r.body_text(),
        &[FieldError::new("body", r.body_text())],
        json!({}),
    )
}

async fn many(
    State(app): State<super::State>,
    Query(q): Query<ManyQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = match body {
        Ok(b) => b,
        Err(r) => return Ok(bytes_rejection(&r)),
    };
    let d = datum(q.crs.as_deref())?;
    let full = match q.detail.as_deref().unwrap_or("ids") {
        "ids" => false,
        "full" => true,
        other => {
            return Err(
                Error::invalid("detail", format!("must be ids or full, got {other:?}")).into(),
            );
        }
    };
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ndjson = match q.format.as_deref() {
        Some("ndjson" | "jsonl") => true,
        Some("json") => false,
        None => accept.contains("ndjson") || accept.contains("jsonl"),
        Some(other) => {
            return Err(
                Error::invalid("format", format!("must be json or ndjson, got {other:?}")).into(),
            );
        }
    };
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(format) = Format::from_content_type(ct) else {
        return Ok(problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            "send application/json, application/geo+json or text/csv",
            &[FieldError::new(
                "Content-Type",
                format!("unsupported: {ct:?}"),
            )],
            json!({}),
        ));
    };
    let points = tokio::task::spawn_blocking(move || batch::parse(&body, format))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    let n = points.len();
    tokio::task::spawn_blocking(move || {
        let mut first = true;
        if !ndjson && tx.blocking_send(Bytes::from_static(b"[")).is_err() {
            return;
        }
        for chunk in points.chunks(CHUNK) {
            let mut out = Vec::with_capacity(chunk.len() * if full { 200 } else { 48 });
            {
                let atlas = app.atlas();
                for c in chunk {
                    if !ndjson && !first {
                        out.push(b',');
                    }
                    first = false;
                    let placed = atlas.place(d.to_wgs84(*c));
                    if full {
                        let _ =
                            serde_json::to_writer(&mut out, &LookupAnswer::new(&atlas, &placed));
                    } else {
                        write_ids(&mut out, &placed);
                    }
                    out.push(b'\n');
                }
            }
            if tx.blocking_send(Bytes::from(out)).is_err() {
                return; // the client went away
            }
        }
        if !ndjson {
            let _ = tx.blocking_send(Bytes::from_static(b"]"));
        }
    });
    let stream = futures::stream::poll_fn(move |cx| {
        rx.poll_recv(cx)
            .map(|o| o.map(Ok::<_, std::convert::Infallible>))
    });
    let mut res = Response::new(Body::from_stream(stream));
    let ct = if ndjson {
        "application/x-ndjson"
    } else {
        "application/json"
    };
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(&n.to_string()) {
        res.headers_mut().insert("x-gridd-points", v);
    }
    Ok(res)
}

/// `{"inside":true,"subdistrict_id":1,"path":[12,57,301]}` without serde.
fn write_ids(out: &mut Vec<u8>, p: &Placement) {
    use std::io::Write;
    let _ = write!(out, "{{\"inside\":{},\"subdistrict_id\":", p.inside());
    match p.subdistrict {
        Some(s) => {
            let _ = write!(out, "{s}");
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"path\":[");
    for (k, id) in p.grids().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        let _ = write!(out, "{id}");
    }
    out.extend_from_slice(b"]}");
}

async fn grid_buildings(
    State(app): State<super::State>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::invalid("id", format!("must be a whole number, got {id:?}")))?;
    let body = tokio::task::spawn_blocking(move || -> Result<serde_json::Value, Error> {
        let atlas = app.atlas();
        if atlas.grid(id).is_none() {
            return Err(Error::NotFound(format!("grid {id}")));
        }
        let held = buildings::of_grid(&atlas, id);
        let households: i64 = held.iter().map(|(b, _)| i64::from(b.households)).sum();
        let features: Vec<serde_json::Value> = held
            .iter()
            .map(|(b, leaf)| {
                json!({
                    "type": "Feature",
                    "id": b.id,
                    "geometry": geojson::Geometry::new((&b.footprint).into()),
                    "properties": {
                        "id": b.id, "osm_id": b.osm_id, "name": b.name, "usage": b.usage,
                        "levels": b.levels, "households": b.households, "grid_id": leaf,
                    },
                })
            })
            .collect();
        Ok(json!({
            "type": "FeatureCollection",
            "grid_id": id,
            "buildings": features.len(),
            "households_from_buildings": households,
            "features": features,
        }))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))??;
    Ok(super::grids::geojson_response(&body))
}
