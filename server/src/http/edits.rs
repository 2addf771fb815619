//! The grid editor's server operations: split, merge, shared-vertex edits, next
//! code, renumbering and code history. Thin: parse, call `App`, answer every grid
//! the edit changed (Features as `GET /grids/{id}` gives them).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::grids::actor;
use super::problem::{ApiError, Json};
use crate::domain::change::EditResult;
use crate::domain::grid::GridId;
use crate::edit::DEFAULT_TOLERANCE_M;
use crate::error::{Error, FieldError};

pub(super) fn router() -> Router<super::State> {
    Router::new()
        .route("/grids/merge", post(merge))
        .route("/grids/{id}/split", post(split))
        .route("/grids/{id}/next-code", get(next_code_grid))
        .route("/grids/{id}/renumber", post(renumber_grid))
        .route("/grids/{id}/code-history", get(code_history))
        .route("/subdistricts/{id}/next-code", get(next_code_subdistrict))
        .route("/subdistricts/{id}/renumber", post(renumber_subdistrict))
        .route("/edits/move-vertex", post(move_vertex))
        .route("/edits/insert-vertex", post(insert_vertex))
        .route("/edits/delete-vertex", post(delete_vertex))
}

fn path_id(id: &str) -> Result<i64, Error> {
    id.parse()
        .map_err(|_| Error::invalid("id", format!("must be a whole number, got {id:?}")))
}

fn features(grids: &[crate::domain::grid::Grid]) -> Vec<geojson::Feature> {
    grids
        .iter()
        .map(crate::domain::grid::Grid::to_feature)
        .collect()
}

fn answer(out: &EditResult) -> Response {
    axum::Json(json!({
        "changed": features(&out.changed),
        "created": features(&out.created),
        "deleted": out.deleted.iter().map(|g| g.id).collect::<Vec<_>>(),
    }))
    .into_response()
}

fn object(body: &Value) -> Result<&serde_json::Map<String, Value>, Error> {
    body.as_object()
        .ok_or_else(|| Error::invalid("body", "must be a JSON object"))
}

fn int(field: &str, v: Option<&Value>) -> Result<Option<i64>, Error> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .map(Some)
            .ok_or_else(|| Error::invalid(field, format!("must be a whole number, got {v}"))),
    }
}

/// A `[lon, lat]` position in degrees.
fn position(field: &str, v: Option<&Value>) -> Result<geo::Coord, Error> {
    let bad = || Error::invalid(field, "must be a position [lon, lat] in degrees");
    let a = v.and_then(Value::as_array).ok_or_else(bad)?;
    let [x, y] = &a[..] else { return Err(bad()) };
    let (Some(x), Some(y)) = (x.as_f64(), y.as_f64()) else {
        return Err(bad());
    };
    if !(x.is_finite()
        && y.is_finite()
        && (-180.0..=180.0).contains(&x)
        && (-90.0..=90.0).contains(&y))
    {
        return Err(Error::invalid(
            field,
            format!("[{x}, {y}] is not within [-180,180]×[-90,90]"),
        ));
    }
    Ok(geo::Coord { x, y })
}

fn tolerance(o: &serde_json::Map<String, Value>) -> Result<f64, Error> {
    match o.get("tolerance_m") {
        None | Some(Value::Null) => Ok(DEFAULT_TOLERANCE_M),
        Some(v) => v.as_f64().ok_or_else(|| {
            Error::invalid(
                "tolerance_m",
                format!("must be a number of metres, got {v}"),
            )
        }),
    }
}

/// `{"<id>": version, …}`.
fn versions(field: &str, v: Option<&Value>) -> Result<Option<HashMap<GridId, i64>>, Error> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let o = v
        .as_object()
        .ok_or_else(|| Error::invalid(field, "must be an object {\"<grid id>\": version}"))?;
    let mut out = HashMap::new();
    for (k, v) in o {
        let id: GridId = k
            .trim()
            .parse()
            .map_err(|_| Error::invalid(format!("{field}.{k}"), "keys are grid ids"))?;
        let ver = int(&format!("{field}.{k}"), Some(v))?
            .ok_or_else(|| Error::invalid(format!("{field}.{k}"), "must be a version number"))?;
        out.insert(id, ver);
    }
    Ok(Some(out))
}

fn line(v: Option<&Value>) -> Result<geo::LineString, Error> {
    let v =
        v.ok_or_else(|| Error::invalid("line", "is required: a GeoJSON LineString (lon/lat)"))?;
    let g: geojson::Geometry = serde_json::from_value(v.clone())
        .map_err(|e| Error::invalid("line", format!("not a GeoJSON geometry: {e}")))?;
    let geojson::GeometryValue::LineString { coordinates } = &g.value else {
        return Err(Error::invalid(
            "line.type",
            format!("must be LineString, not {}", g.value.type_name()),
        ));
    };
    let mut out = Vec::with_capacity(coordinates.len());
    for (i, p) in coordinates.iter().enumerate() {
        let f = format!("line.coordinates[{i}]");
        match p.as_slice() {
            [x, y, ..]
                if x.is_finite()
                    && y.is_finite()
                    && (-180.0..=180.0).contains(x)
                    && (-90.0..=90.0).contains(y) =>
            {
                out.push(geo::Coord { x: *x, y: *y });
            }
            _ => {
                return Err(Error::Invalid(vec![FieldError::new(
                    f,
                    "must be [lon, lat] within [-180,180]×[-90,90]",
                )]));
            }
        }
    }
    Ok(geo::LineString(out))
}

async fn split(
    State(app): State<super::State>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let o = object(&body)?;
    let version = int("version", o.get("version"))?.ok_or_else(|| {
        Error::PreconditionRequired(
            "name the version the edit started from: \"version\" in the body".into(),
        )
    })?;
    let line = line(o.get("line"))?;
    let out = app.split_grid(id, version, &line, &actor(&headers)).await?;
    Ok(answer(&out))
}

async fn merge(
    State(app): State<super::State>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let o = object(&body)?;
    let ids: Vec<GridId> = o
        .get("ids")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::invalid("ids", "is required: an array of grid ids"))?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            int(&format!("ids[{i}]"), Some(v))?
                .ok_or_else(|| Error::invalid(format!("ids[{i}]"), "must be a grid id"))
        })
        .collect::<Result<_, _>>()?;
    let versions = versions("versions", o.get("versions"))?.ok_or_else(|| {
        Error::PreconditionRequired(
            "name the version of every grid: \"versions\": {\"<id>\": n}".into(),
        )
    })?;
    let out = app.merge_grids(&ids, &versions, &actor(&headers)).await?;
    Ok(answer(&out))
}

async fn move_vertex(
    State(app): State<super::State>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let o = object(&body)?;
    let (from, to) = (
        position("from", o.get("from"))?,
        position("to", o.get("to"))?,
    );
    let versions = versions("versions", o.get("versions"))?;
    let out = app
        .move_vertex(from, to, tolerance(o)?, versions.as_ref(), &actor(&headers))
        .await?;
    Ok(axum::Json(json!({ "changed": features(&out.changed) })).into_response())
}

async fn insert_vertex(
    State(app): State<super::State>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let o = object(&body)?;
    let out = app
        .insert_vertex(
            position("at", o.get("at"))?,
            tolerance(o)?,
            &actor(&headers),
        )
        .await?;
    Ok(axum::Json(json!({ "changed": features(&out.changed) })).into_response())
}

async fn delete_vertex(
    State(app): State<super::State>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let o = object(&body)?;
    let out = app
        .delete_vertex(
            position("at", o.get("at"))?,
            tolerance(o)?,
            &actor(&headers),
        )
        .await?;
    Ok(axum::Json(json!({ "changed": features(&out.changed) })).into_response())
}

async fn next_code_grid(
    State(app): State<super::State>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let atlas = app.atlas();
    let sid = atlas
        .grid(id)
        .ok_or_else(|| Error::NotFound(format!("grid {id}")))?
        .grid
        .subdistrict_id;
    let (code, sequence) = crate::edit::next_code(&atlas, sid, Some(id))?;
    Ok(axum::Json(json!({ "code": code, "sequence": sequence })).into_response())
}

async fn next_code_subdistrict(
    State(app): State<super::State>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let sid = path_id(&id)?;
    let atlas = app.atlas();
    let (code, sequence) = crate::edit::next_code(&atlas, sid, None)?;
    Ok(axum::Json(json!({ "code": code, "sequence": sequence })).into_response())
}

fn renumbered(out: &EditResult) -> Response {
    axum::Json(json!({ "changes": out.code_changes, "changed": features(&out.changed) }))
        .into_response()
}

async fn renumber_grid(
    State(app): State<super::State>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let sid = app
        .atlas()
        .grid(id)
        .ok_or_else(|| Error::NotFound(format!("grid {id}")))?
        .grid
        .subdistrict_id;
    let out = app.renumber(sid, Some(id), &actor(&headers)).await?;
    Ok(renumbered(&out))
}

async fn renumber_subdistrict(
    State(app): State<super::State>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let sid = path_id(&id)?;
    let out = app.renumber(sid, None, &actor(&headers)).await?;
    Ok(renumbered(&out))
}

async fn code_history(
    State(app): State<super::State>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let history = app.code_history(id).await?;
    Ok(axum::Json(json!({ "id": id, "history": history })).into_response())
}
