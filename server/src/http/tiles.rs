//! `/tiles`, `/styles`: vector tiles from the atlas, TileJSON 3.0.0, the catalogue
//! and the default MapLibre style (an offline basemap drawn from our own roads and
//! buildings, plus the grids).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use geo::BoundingRect;
use gridd_tiles::TileCoord;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::problem::{ApiError, ProblemDoc};
use crate::error::Error;
use crate::vector_tiles::{LAYERS, MAX_ZOOM, Tileset};

/// Media type of Mapbox Vector Tiles.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(catalogue))
        .routes(routes!(tilejson))
        .routes(routes!(style))
        .routes(routes!(glyphs))
}

/// The tile route alone, served without the compression and trace layers.
pub(super) fn tile_routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new().routes(routes!(tile))
}

/// Routes whose last segment carries a file extension: the router matches the whole
/// segment (`{y}` is `4742.mvt`), the document shows the URL a client writes.
pub(super) const SUFFIXED: [(&str, &str); 5] = [
    (
        "/fonts/{fontstack}/{range}",
        "/fonts/{fontstack}/{range}.pbf",
    ),
    ("/tiles/{name}", "/tiles/{name}.json"),
    (
        "/tiles/{tileset}/{z}/{x}/{y}",
        "/tiles/{tileset}/{z}/{x}/{y}.mvt",
    ),
    (
        "/api/v1/case-tiles/{z}/{x}/{y}",
        "/api/v1/case-tiles/{z}/{x}/{y}.mvt",
    ),
    (
        "/api/v1/track-tiles/{z}/{x}/{y}",
        "/api/v1/track-tiles/{z}/{x}/{y}.mvt",
    ),
];

/// The public base URL: configured, else from the request's Host (and
/// X-Forwarded-Proto), so TileJSON holds absolute tile URLs.
pub(super) fn base_url(app: &super::State, headers: &HeaderMap) -> String {
    if let Some(u) = &app.map.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    format!("{proto}://{host}")
}

fn tileset(name: &str) -> Result<Tileset, Error> {
    Tileset::parse(name).ok_or_else(|| {
        Error::NotFound(format!(
            "tileset {name:?} (there are {})",
            Tileset::ALL.map(Tileset::name).join(", ")
        ))
    })
}

fn json_response(v: &Value, cache: &'static str) -> Response {
    let mut res = axum::Json(v).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

/// Every tileset with its TileJSON and tile URLs, zoom range and layers, and the
/// default style.
#[utoipa::path(get, operation_id = "tiles_catalogue", path = "/tiles", tag = "maps",
    responses((status = 200, description = "The catalogue", body = Object)))]
async fn catalogue(State(app): State<super::State>, headers: HeaderMap) -> Response {
    let base = base_url(&app, &headers);
    let sets: Vec<Value> = Tileset::ALL
        .iter()
        .map(|t| {
            let (minzoom, maxzoom) = t.zooms();
            json!({
                "id": t.name(),
                "tilejson": format!("{base}/tiles/{}.json", t.name()),
                "tiles": format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", t.name()),
                "minzoom": minzoom,
                "maxzoom": maxzoom,
                "layers": LAYERS.iter().filter(|l| l.tileset == *t).map(|l| l.id).collect::<Vec<_>>(),
            })
        })
        .collect();
    json_response(
        &json!({ "tilesets": sets, "style": format!("{base}/styles/default.json") }),
        "no-cache",
    )
}

fn bounds_and_center(app: &super::State) -> (Vec<f64>, Vec<f64>) {
    let atlas = app.atlas();
    let rect = atlas
        .subdistricts()
        .filter_map(|s| s.boundary.bounding_rect())
        .reduce(|a, b| {
            geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        });
    match rect {
        Some(r) => (
            vec![r.min().x, r.min().y, r.max().x, r.max().y],
            vec![r.center().x, r.center().y, 14.0],
        ),
        None => (
            vec![-180.0, -85.051_128_779_806_59, 180.0, 85.051_128_779_806_59],
            vec![0.0, 0.0, 2.0],
        ),
    }
}

const ATTRIBUTION: &str = "© OpenStreetMap contributors";

/// A tileset's TileJSON 3.0.0: tile URL, zooms, bounds, centre and each layer's
/// fields.
#[utoipa::path(get, operation_id = "tiles_tilejson", path = "/tiles/{name}", tag = "maps",
    params(("name" = String, Path, description = "the tileset: grids, buildings, roads or subdistrict")),
    responses(
        (status = 200, description = "TileJSON 3.0.0", body = Object),
        (status = 404, description = "No such tileset", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn tilejson(
    State(app): State<super::State>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(stem) = name.strip_suffix(".json") else {
        return Err(
            Error::NotFound(format!("{name:?}: TileJSON is at /tiles/{{tileset}}.json")).into(),
        );
    };
    let set = tileset(stem)?;
    let base = base_url(&app, &headers);
    let (minzoom, maxzoom) = set.zooms();
    let (bounds, center) = bounds_and_center(&app);
    let layers: Vec<Value> = LAYERS
        .iter()
        .filter(|l| l.tileset == set)
        .map(|l| {
            let fields: serde_json::Map<String, Value> = l.fields.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
            json!({ "id": l.id, "fields": fields, "minzoom": l.minzoom, "maxzoom": l.maxzoom, "description": l.description })
        })
        .collect();
    let doc = json!({
        "tilejson": "3.0.0",
        "name": set.name(),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", set.name())],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": bounds,
        "center": center,
        "attribution": ATTRIBUTION,
        "vector_layers": layers,
    });
    Ok(json_response(&doc, "no-cache"))
}

pub(super) fn parse_tile(z: &str, x: &str, y: &str) -> Result<TileCoord, Error> {
    let num = |field: &str, v: &str| -> Result<u32, Error> {
        v.parse::<u32>()
            .map_err(|_| Error::invalid(field, format!("must be a whole number, got {v:?}")))
    };
    let y = y
        .strip_suffix(".mvt")
        .or_else(|| y.strip_suffix(".pbf"))
        .ok_or_else(|| Error::invalid("y", "tiles are at /tiles/{tileset}/{z}/{x}/{y}.mvt"))?;
    let (z, x, y) = (num("z", z)?, num("x", x)?, num("y", y)?);
    if z > u32::from(MAX_ZOOM) {
        return Err(Error::invalid(
            "z",
            format!("zoom {z} is out of range 0–{MAX_ZOOM}"),
        ));
    }
    TileCoord::new(z as u8, x, y).map_err(|e| {
        let field = match e {
            gridd_tiles::TileError::ZoomTooDeep { .. } => "z",
            gridd_tiles::TileError::ColumnOutOfRange { .. } => "x",
            gridd_tiles::TileError::RowOutOfRange { .. } => "y",
        };
        Error::invalid(field, e.to_string())
    })
}

/// Bad tile coordinates are 400 (the URL is wrong), not 422.
pub(super) fn bad_request(e: Error) -> Response {
    let errors = match &e {
        Error::Invalid(v) => v.clone(),
        _ => vec![],
    };
    super::problem::problem(
        StatusCode::BAD_REQUEST,
        "Bad tile address",
        &e.to_string(),
        &errors,
        json!({}),
    )
}

/// `/tiles/{tileset}/{z}/{x}/{y}.mvt`. The warm path (a cache hit) allocates
/// nothing but the response: the address is read from the URI (no `Path`
/// extraction into four `String`s), the headers are borrowed from the request (the
/// `HeaderMap` extractor clones them), the ETag header is stored with the tile, and
/// the body is a `Bytes` clone. No tracing span either.
#[utoipa::path(get, operation_id = "tiles_tile", path = "/tiles/{tileset}/{z}/{x}/{y}", tag = "maps",
    params(
        ("tileset" = String, Path, description = "grids, buildings, roads or subdistrict"),
        ("z" = u8, Path, description = "zoom, 0–22"),
        ("x" = u32, Path, description = "column"),
        ("y" = u32, Path, description = "row (the URL adds .mvt)"),
        ("If-None-Match" = Option<String>, Header, description = "a tile's ETag: 304 when unchanged"),
        ("Accept-Encoding" = Option<String>, Header, description = "gzip: the tile compressed"),
    ),
    responses(
        (status = 200, description = "A Mapbox Vector Tile (ETag: xxh3-64 of the bytes)", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "Nothing in the tile"),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 400, description = "A bad tile address, named", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such tileset", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn tile(State(app): State<super::State>, req: axum::extract::Request) -> Response {
    let (set_name, z, x, y) = {
        let mut it = req
            .uri()
            .path()
            .strip_prefix("/tiles/")
            .unwrap_or_default()
            .split('/');
        match (it.next(), it.next(), it.next(), it.next(), it.next()) {
            (Some(s), Some(z), Some(x), Some(y), None) => (s, z, x, y),
            _ => return StatusCode::NOT_FOUND.into_response(),
        }
    };
    let set = match tileset(set_name) {
        Ok(s) => s,
        Err(e) => return ApiError(e).into_response(),
    };
    let coord = match parse_tile(z, x, y) {
        Ok(c) => c,
        Err(e) => return bad_request(e),
    };
    let t = app.tiles.get(|| app.atlas(), set, coord);
    // Clients and CDNs revalidate every time: an edit must show on the next request.
    mvt_response(&t, req.headers(), "no-cache", "Accept-Encoding")
}

/// A tile's answer: 304 when the client has its ETag, 204 when empty, gzip
/// when accepted.
pub(super) fn mvt_response(
    t: &crate::vector_tiles::Tile,
    headers: &HeaderMap,
    cache_control: &'static str,
    vary: &'static str,
) -> Response {
    let etag = t.etag.as_bytes();
    let not_modified = headers.get(header::IF_NONE_MATCH).is_some_and(|v| {
        v.as_bytes().split(|&b| b == b',').any(|e| {
            let e = e.trim_ascii();
            e == etag || e == b"*"
        })
    });
    let (status, body, gzip) = if not_modified {
        (StatusCode::NOT_MODIFIED, Bytes::new(), false)
    } else if t.raw.is_empty() {
        (StatusCode::NO_CONTENT, Bytes::new(), false)
    } else {
        let gz = headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
        if gz {
            let body = if t.gzip.is_empty() {
                crate::vector_tiles::gzip(&t.raw)
            } else {
                t.gzip.clone()
            };
            (StatusCode::OK, body, true)
        } else {
            (StatusCode::OK, t.raw.clone(), false)
        }
    };
    let mut res = Response::new(axum::body::Body::from(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.reserve(6);
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(header::ETAG, t.etag.clone());
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(MVT));
    h.insert(header::VARY, HeaderValue::from_static(vary));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    res
}

/// The default MapLibre style (an offline basemap drawn from our own roads and
/// buildings, the subdistrict, the grids by level): the one source of the map's
/// layers and colours.
#[utoipa::path(get, operation_id = "tiles_style", path = "/styles/default.json", tag = "maps",
    responses((status = 200, description = "A MapLibre style", body = Object)))]
async fn style(State(app): State<super::State>, headers: HeaderMap) -> Response {
    let base = base_url(&app, &headers);
    let mut style = default_style(
        &base,
        app.map.raster_basemap.as_deref(),
        &bounds_and_center(&app).1,
    );
    if let Some(fonts) = &app.map.fonts {
        // Symbol layers may name these fonts (`text-font`).
        style["glyphs"] = json!(format!("{base}/fonts/{{fontstack}}/{{range}}.pbf"));
        style["metadata"]["gridd:fonts"] = json!(fonts.names());
    }
    json_response(&style, "no-cache")
}

/// The selected grid's colour.
const SELECTED: &str = "#e6007e";
/// The hovered grid's outline.
const HOVER: &str = "#222222";
/// Fill colours by grid kind (when the map colours by kind).
const KIND_COLORS: [(&str, &str); 4] = [
    ("residential", "#e8a33d"),
    ("scattered", "#9c7a4f"),
    ("commercial", "#d1495b"),
    ("other", "#8d99ae"),
];

/// The default MapLibre style: a light offline basemap from our own data, the
/// subdistrict, and grids outlined by level. No glyphs are needed (no text layers);
/// the web app draws labels itself.
pub fn default_style(base: &str, raster: Option<&str>, center: &[f64]) -> Value {
    let src = |t: &str| json!({ "type": "vector", "url": format!("{base}/tiles/{t}.json"), "attribution": ATTRIBUTION });
    let mut sources = json!({
        "grids": src("grids"),
        "buildings": src("buildings"),
        "roads": src("roads"),
        "subdistrict": src("subdistrict"),
    });
    let mut layers = vec![
        json!({ "id": "background", "type": "background", "paint": { "background-color": "#f4f2ee" } }),
    ];
    if let Some(url) = raster {
        sources["raster-basemap"] = json!({ "type": "raster", "tiles": [url], "tileSize": 256 });
        layers
            .push(json!({ "id": "raster-basemap", "type": "raster", "source": "raster-basemap" }));
    }
    let level_color = ["#c0392b", "#d35400", "#2471a3", "#7d3c98", "#117a65"];
    let level_width = [3.0, 2.0, 1.0, 0.8, 0.6];
    layers.extend([
        json!({ "id": "subdistrict-fill", "type": "fill", "source": "subdistrict", "source-layer": "subdistrict",
                "paint": { "fill-color": "#ffffff", "fill-opacity": 0.6 } }),
        json!({ "id": "buildings", "type": "fill", "source": "buildings", "source-layer": "buildings", "minzoom": 13,
                "paint": { "fill-color": "#d9d4cc", "fill-outline-color": "#b9b2a7" } }),
        json!({ "id": "roads-path", "type": "line", "source": "roads", "source-layer": "roads", "filter": ["==", ["get", "class"], "path"],
                "paint": { "line-color": "#ffffff", "line-width": 1, "line-dasharray": [2, 1] } }),
        json!({ "id": "roads-minor", "type": "line", "source": "roads", "source-layer": "roads", "filter": ["==", ["get", "class"], "minor"],
                "layout": { "line-cap": "round", "line-join": "round" },
                "paint": { "line-color": "#ffffff", "line-width": ["interpolate", ["linear"], ["zoom"], 12, 1, 18, 8] } }),
        json!({ "id": "roads-major", "type": "line", "source": "roads", "source-layer": "roads", "filter": ["==", ["get", "class"], "major"],
                "layout": { "line-cap": "round", "line-join": "round" },
                "paint": { "line-color": "#fbe3b0", "line-width": ["interpolate", ["linear"], ["zoom"], 8, 1, 18, 14] } }),
    ]);
    // Hover, selection and the editor's hidden grids are feature state on the
    // tiles' feature ids (the grid id), set by the web app: one set of layers.
    let state = |key: &str| json!(["boolean", ["feature-state", key], false]);
    for level in (1..=5usize).rev() {
        let id = format!("grids_l{level}");
        let (color, width) = (level_color[level - 1], level_width[level - 1]);
        layers.push(json!({ "id": format!("{id}-fill"), "type": "fill", "source": "grids", "source-layer": id,
            "paint": {
                "fill-color": ["case", state("selected"), SELECTED, color],
                "fill-opacity": ["case", state("hidden"), 0, state("selected"), 0.22, 0.06],
            } }));
        layers.push(json!({ "id": format!("{id}-line"), "type": "line", "source": "grids", "source-layer": id,
            "paint": {
                "line-color": ["case", state("selected"), SELECTED, state("hover"), HOVER, color],
                "line-width": ["case", state("selected"), width + 3.0, state("hover"), width + 1.0, width],
                "line-opacity": ["case", state("hidden"), 0, 1],
            } }));
    }
    layers.push(json!({ "id": "subdistrict-line", "type": "line", "source": "subdistrict", "source-layer": "subdistrict",
        "paint": { "line-color": "#222222", "line-width": 3, "line-dasharray": [3, 2] } }));
    json!({
        "version": 8,
        "name": "gridd default",
        "metadata": { "gridd:kind-colors": KIND_COLORS.iter().map(|(k, c)| ((*k).to_owned(), json!(c))).collect::<serde_json::Map<_, _>>() },
        "center": [center.first().copied().unwrap_or(0.0), center.get(1).copied().unwrap_or(0.0)],
        "zoom": center.get(2).copied().unwrap_or(14.0),
        "sources": sources,
        "layers": layers,
    })
}

/// The glyphs of one range of 256 code points of a font stack (MapLibre's
/// `glyphs` URL; signed distance fields, 24 px), from the fonts gridd was started
/// with (`--font`, by default Debian's Noto Sans CJK): the first font of the
/// stack that has a character draws it.
#[utoipa::path(get, operation_id = "glyphs", path = "/fonts/{fontstack}/{range}", tag = "maps",
    params(
        ("fontstack" = String, Path, description = "Font names, comma-separated, e.g. `Noto Sans CJK SC Regular`"),
        ("range" = String, Path, description = "`{start}-{end}.pbf`, start a multiple of 256, end = start + 255"),
    ),
    responses(
        (status = 200, description = "Glyphs (protocol buffers)", content_type = "application/x-protobuf"),
        (status = 400, description = "Not a range", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such font (or no fonts)", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn glyphs(
    State(app): State<super::State>,
    Path((stack, range)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let fonts = app
        .map
        .fonts
        .clone()
        .ok_or_else(|| Error::NotFound("fonts (gridd was started without any)".into()))?;
    let bad = || {
        Error::invalid(
            "range",
            format!("must be {{start}}-{{start+255}}.pbf, got {range:?}"),
        )
    };
    let range_parts = range
        .strip_suffix(".pbf")
        .and_then(|r| r.split_once('-'))
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .ok_or_else(bad);
    // As with tiles, a wrong URL is 400, not 422.
    let (start, end) = match range_parts {
        Ok(r) => r,
        Err(e) => return Ok(bad_request(e)),
    };
    if end != start.saturating_add(255) {
        return Ok(bad_request(bad()));
    }
    // The library checks the start (a multiple of 256, at most 65280).
    let pbf = match tokio::task::spawn_blocking(move || fonts.range(&stack, start))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("glyphs: {e}")))?
    {
        Ok(pbf) => pbf,
        Err(e @ crate::glyphs::GlyphError::BadRange(_)) => {
            return Ok(bad_request(Error::invalid("range", e.to_string())));
        }
        Err(e @ crate::glyphs::GlyphError::UnknownFont(_)) => {
            return Err(Error::NotFound(e.to_string()).into());
        }
        Err(e @ crate::glyphs::GlyphError::BadFont(_)) => {
            return Err(Error::Internal(anyhow::anyhow!("{e}")).into());
        }
    };
    let mut res = Response::new(axum::body::Body::from(Bytes::copy_from_slice(&pbf)));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-protobuf"),
    );
    // Glyphs change only with the fonts, i.e. with a restart.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(res)
}
