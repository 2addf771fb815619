//! `/lookup` (point-in-grid, one point or a batch) and `/grids/{id}/buildings`.
//! Parsing and placing run on blocking threads; the batch answer is streamed in
//! chunks, each chunk placed under one read of the atlas.

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use geo::Coord;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::Id;
use super::problem::{ApiError, ProblemDoc, Query, problem};
use super::schema::{AreaFeature, FeatureCollectionType, FeatureType};
use crate::domain::grid::{GridId, SubdistrictId};
use crate::domain::reference::BuildingProperties;
use crate::error::{Error, FieldError};
use crate::lookup::batch::{self, Format};
use crate::lookup::datum::Datum;
use crate::lookup::{LookupAnswer, Placement, buildings};

/// Largest `POST /lookup` body: a million points as GeoJSON Features are ~100 MB.
pub const LOOKUP_MAX_BODY: usize = 160 * 1024 * 1024;

/// Points answered per streamed chunk (and per read of the atlas).
const CHUNK: usize = 16_384;

pub(super) fn routes() -> OpenApiRouter<super::State> {
    let (schemas, paths, lookup) = routes!(one, many);
    OpenApiRouter::new()
        .routes((
            schemas,
            paths,
            lookup.layer(DefaultBodyLimit::max(LOOKUP_MAX_BODY)),
        ))
        .routes(routes!(grid_buildings))
}

/// Query of `GET /lookup`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct OneQuery {
    /// Longitude, degrees.
    #[param(value_type = f64, example = 24.9445)]
    lon: Option<String>,
    /// Latitude, degrees.
    #[param(value_type = f64, example = 60.1716)]
    lat: Option<String>,
    /// The datum of the point: `wgs84` (default, = CGCS2000), `gcj02` (Amap,
    /// Tencent) or `bd09` (Baidu).
    crs: Option<String>,
}

/// Query of `POST /lookup`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ManyQuery {
    /// The datum of the points (as for one point).
    crs: Option<String>,
    /// `ids` (default: ids only) or `full` (codes and names, as for one point).
    detail: Option<String>,
    /// `json` (default, one array) or `ndjson` (one answer per line).
    format: Option<String>,
}

/// One point's answer: where it falls, and the point in WGS 84.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct PointAnswer {
    #[serde(flatten)]
    answer: LookupAnswer,
    /// The point looked up, `[lon, lat]` WGS 84 (converted from `crs`).
    point: [f64; 2],
}

/// One point of a batch answered with `detail=ids` (written by hand for speed;
/// a test reads it back as this type).
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub(super) struct PlacedIds {
    /// Whether some grid holds the point.
    inside: bool,
    /// The subdistrict, null outside every one.
    #[schema(value_type = Option<i64>, required = true)]
    subdistrict_id: Option<SubdistrictId>,
    /// Level 1 first, the id of each level's grid that holds the point.
    #[schema(value_type = Vec<i64>)]
    path: Vec<GridId>,
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

/// Which subdistrict and which grid at every level hold a point. Covers, not
/// contains: a point on a grid's boundary is in it; on an edge shared by grids of
/// one level, the grid with the smallest code holds it.
#[utoipa::path(get, operation_id = "lookup_one", path = "/lookup", tag = "lookup", params(OneQuery),
    responses(
        (status = 200, description = "The grid path, level 1 first (empty outside every grid)", body = PointAnswer),
        (status = 422, description = "Every bad parameter, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
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
    Ok(axum::Json(PointAnswer {
        answer: app.atlas().lookup(p),
        point: [p.x, p.y],
    })
    .into_response())
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

/// Places up to 1,000,000 points in one request: a JSON array (`[[lon, lat], …]` or
/// `[{"lon": …, "lat": …}, …]`), a GeoJSON FeatureCollection of Points, or CSV with
/// a header naming the longitude and latitude columns. Answered in order,
/// streamed; a bad point is refused naming its index.
#[utoipa::path(post, operation_id = "lookup_many", path = "/lookup", tag = "lookup", params(ManyQuery),
    request_body(description = "The points", content(
        (Vec<[f64; 2]> = "application/json"), ("application/geo+json"), ("text/csv"))),
    responses(
        (status = 200, description = "One answer per point, in order (detail=ids shown; detail=full answers as one point does)", body = Vec<PlacedIds>),
        (status = 400, description = "Unreadable body", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "More than 1,000,000 points", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON, GeoJSON or CSV", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad point, named by index", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
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

/// A building as a grid's list shows it: its properties and the childless grid
/// that holds it.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct GridBuildingProperties {
    #[serde(flatten)]
    building: BuildingProperties,
    /// The childless grid the building overlaps most.
    #[schema(value_type = i64)]
    grid_id: GridId,
}

/// The buildings of a grid.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct GridBuildings {
    /// `"FeatureCollection"`.
    #[serde(rename = "type")]
    kind: FeatureCollectionType,
    /// The grid.
    #[schema(value_type = i64)]
    grid_id: GridId,
    /// How many buildings.
    buildings: usize,
    /// Their households, summed.
    households_from_buildings: i64,
    /// The buildings.
    features: Vec<AreaFeature<GridBuildingProperties>>,
}

/// The buildings a grid holds: each building belongs to the childless grid it
/// overlaps most (ties: the smallest code), and to that grid's ancestors.
#[utoipa::path(get, operation_id = "lookup_grid_buildings", path = "/grids/{id}/buildings", tag = "lookup",
    params(("id" = i64, Path, description = "grid id")),
    responses(
        (status = 200, description = "Its buildings", body = GridBuildings, content_type = "application/geo+json"),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn grid_buildings(State(app): State<super::State>, Id(id): Id) -> Result<Response, ApiError> {
    let body = tokio::task::spawn_blocking(move || -> Result<GridBuildings, Error> {
        let atlas = app.atlas();
        if atlas.grid(id).is_none() {
            return Err(Error::NotFound(format!("grid {id}")));
        }
        let held = buildings::of_grid(&atlas, id);
        let households: i64 = held.iter().map(|(b, _)| i64::from(b.households)).sum();
        let features: Vec<AreaFeature<GridBuildingProperties>> = held
            .iter()
            .map(|(b, leaf)| AreaFeature {
                kind: FeatureType::Feature,
                id: b.id,
                geometry: geojson::Geometry::new((&b.footprint).into()),
                properties: GridBuildingProperties {
                    building: b.properties(),
                    grid_id: *leaf,
                },
            })
            .collect();
        Ok(GridBuildings {
            kind: FeatureCollectionType::FeatureCollection,
            grid_id: id,
            buildings: features.len(),
            households_from_buildings: households,
            features,
        })
    })
    .await
    .map_err(|e| Error::Internal(e.into()))??;
    Ok(super::grids::geojson_response(&body))
}

#[cfg(test)]
mod tests {
    use super::{PlacedIds, Placement, write_ids};

    /// The hand-written batch answer is what the document says it is.
    #[test]
    fn ids_answers_are_placed_ids() {
        let p = Placement {
            subdistrict: Some(3),
            path: [Some(12), Some(57), Some(301), None, None],
        };
        let mut out = Vec::new();
        write_ids(&mut out, &p);
        let back: PlacedIds = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(
            back,
            PlacedIds {
                inside: true,
                subdistrict_id: Some(3),
                path: vec![12, 57, 301]
            }
        );
        out.clear();
        write_ids(&mut out, &Placement::default());
        let back: PlacedIds = serde_json::from_slice(&out).expect("JSON");
        assert!(!back.inside && back.subdistrict_id.is_none() && back.path.is_empty());
    }
}
