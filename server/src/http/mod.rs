//! The HTTP layer: translates between HTTP and the application, nothing more.
//! Every route is declared once, in the `routes()` of its resource module, with its
//! documentation (`#[utoipa::path]` on the handler): [`router`] and [`openapi`] are
//! both built from that one list, so a route cannot exist undocumented.

pub(crate) mod coverage;
mod docs;
mod edits;
mod extract;
mod grids;
mod imports;
mod lookup;
pub mod problem;
mod reference;
pub mod schema;
mod subdistricts;
pub mod tiles;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use serde::Serialize;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::App;
use crate::vector_tiles::TileCache;

/// Largest request body accepted by ordinary endpoints.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// The shared state of every handler: the application, the tile cache (a listener
/// of the application's changes) and the map-serving options. Derefs to the
/// application.
#[derive(Clone)]
pub struct State {
    /// The application.
    pub app: Arc<App>,
    /// Rendered vector tiles.
    pub tiles: Arc<TileCache>,
    /// How maps are served.
    pub map: Arc<MapOptions>,
}

impl std::ops::Deref for State {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

/// Tunables of map serving.
#[derive(Debug, Clone)]
pub struct MapOptions {
    /// Bytes of rendered tiles to keep; 0 turns the tile cache off.
    pub tile_cache_bytes: u64,
    /// Public base URL for absolute links in TileJSON and styles (default: from Host).
    pub public_url: Option<String>,
    /// An XYZ raster basemap URL template to draw under the data (e.g. Tianditu).
    pub raster_basemap: Option<String>,
}

impl Default for MapOptions {
    fn default() -> Self {
        Self {
            tile_cache_bytes: 256 * 1024 * 1024,
            public_url: None,
            raster_basemap: None,
        }
    }
}

/// Where the built web app lives.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Folder with `index.html` (the Vite build output, `web/dist`).
    pub dir: PathBuf,
}

impl State {
    /// The state over `app`, with a tile cache that listens to its changes.
    pub fn new(app: Arc<App>, map: MapOptions) -> Self {
        let tiles = Arc::new(TileCache::new(map.tile_cache_bytes));
        app.listen(tiles.clone());
        Self {
            app,
            tiles,
            map: Arc::new(map),
        }
    }
}

/// The document's front matter.
fn info() -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{InfoBuilder, OpenApiBuilder};
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("gridd API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Grid-based social services management for a subdistrict (DB32/T 2763-2015): \
                     the grid tree, the editor's operations, point-in-grid, the coverage audit, \
                     vector tiles. Errors are RFC 9457 application/problem+json naming the field \
                     and the reason; nothing is stored when a write answers an error, and every \
                     2xx on a write means committed. Coordinates are [longitude, latitude] in \
                     degrees (EPSG:4326); areas are m².",
                )),
        )
        .build()
}

/// Every route with its documentation: those behind the compression and trace
/// layers, and the tile route, which bypasses them (its handler serves gzip it
/// compressed once per cached tile; per-request layers cost warm throughput, see
/// BENCHMARKS.md).
fn documented() -> (OpenApiRouter<State>, OpenApiRouter<State>) {
    let api = OpenApiRouter::new()
        .merge(subdistricts::routes())
        .merge(grids::routes())
        .merge(edits::routes())
        .merge(imports::routes())
        .merge(coverage::routes())
        .merge(lookup::routes())
        .merge(reference::routes())
        .merge(docs::routes());
    let layered = OpenApiRouter::with_openapi(info())
        .routes(routes!(health))
        .nest("/api/v1", api)
        .merge(tiles::routes());
    (layered, tiles::tile_routes())
}

/// The OpenAPI 3.1 document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (layered, tile) = documented();
    let mut doc = layered.into_openapi();
    doc.merge(tile.into_openapi());
    show_suffixes(&mut doc);
    doc
}

/// The document as pretty JSON (what `/api/v1/openapi.json` and `gridd openapi` give).
pub fn openapi_json() -> String {
    serde_json::to_string_pretty(&openapi()).unwrap_or_default()
}

/// Shows routes whose last segment carries an extension as clients write them
/// (`/tiles/{name}.json`), see [`tiles::SUFFIXED`].
fn show_suffixes(doc: &mut utoipa::openapi::OpenApi) {
    for (route, shown) in tiles::SUFFIXED {
        if let Some(item) = doc.paths.paths.remove(route) {
            doc.paths.paths.insert(shown.to_owned(), item);
        }
    }
}

/// Whether a path belongs to the API or the maps (never answered by the web app).
fn is_served_here(path: &str) -> bool {
    path.starts_with("/api/")
        || path == "/api"
        || path.starts_with("/tiles")
        || path.starts_with("/styles/")
        || path == "/health"
}

/// The whole HTTP application.
pub fn router(app: State, web: &WebConfig) -> Router {
    let (layered, tile) = documented();
    let (layered, _) = layered.split_for_parts();
    let (tile, _) = tile.split_for_parts();
    let index = web.dir.join("index.html");
    let site = if index.exists() {
        Some(ServeDir::new(&web.dir).fallback(ServeFile::new(index)))
    } else {
        None
    };
    let dir = web.dir.display().to_string();
    // Unknown API and map paths are problems; anything else is the web app's page
    // (its routes live in the browser).
    let fallback = move |req: Request| {
        let site = site.clone();
        let dir = dir.clone();
        async move {
            let path = req.uri().path().to_owned();
            if is_served_here(&path) {
                let method = req.method().clone();
                return problem::no_route(method, axum::extract::OriginalUri(req.uri().clone()))
                    .await;
            }
            match site {
                Some(s) => s.oneshot(req).await.into_response(),
                None => no_web(&dir).into_response(),
            }
        }
    };
    let layered = layered
        .with_state(app.clone())
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http());
    Router::new()
        .merge(tile.with_state(app))
        .merge(layered)
        .method_not_allowed_fallback(problem::no_method)
}

/// The answer of `/health`.
#[derive(Debug, Serialize, ToSchema)]
struct Health {
    /// `ok`.
    status: &'static str,
    /// `postgis` or `gpkg`.
    backend: &'static str,
    /// Subdistricts held.
    subdistricts: usize,
    /// Grids held.
    grids: usize,
    /// gridd's version.
    version: &'static str,
}

/// Whether the server is up, with what it holds.
#[utoipa::path(get, operation_id = "server_health", path = "/health", tag = "docs",
    responses((status = 200, description = "Up", body = Health)))]
async fn health(axum::extract::State(app): axum::extract::State<State>) -> impl IntoResponse {
    let a = app.atlas();
    axum::Json(Health {
        status: "ok",
        backend: app.backend(),
        subdistricts: a.subdistricts().count(),
        grids: a.grid_count(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

fn no_web(dir: &str) -> (StatusCode, Html<String>) {
    (
        StatusCode::NOT_FOUND,
        Html(format!(
            "<!doctype html><meta charset=utf-8><title>gridd</title><h1>gridd</h1>\
             <p>The web app is not built: no <code>index.html</code> in <code>{dir}</code>. \
             Run <code>scripts/run.sh</code> (or <code>npm ci && npm run build</code> in <code>web/</code>).</p>\
             <p>The API is at <a href=\"/api/v1/docs\">/api/v1/docs</a>.</p>"
        )),
    )
}
