//! The HTTP layer: translates between HTTP and the application, nothing more.
//! `router()` merges each resource module's routes.

pub(crate) mod coverage;
mod docs;
mod edits;
mod grids;
mod imports;
mod lookup;
pub mod problem;
mod reference;
mod subdistricts;
pub mod tiles;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

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

/// The whole HTTP application.
pub fn router(app: State, web: &WebConfig) -> Router {
    let api = Router::new()
        .merge(subdistricts::router())
        .merge(grids::router())
        .merge(edits::router())
        .merge(imports::router())
        .merge(coverage::router())
        .merge(lookup::router())
        .merge(reference::router())
        .merge(docs::router());
    let index = web.dir.join("index.html");
    let site: Router = if index.exists() {
        Router::new().fallback_service(ServeDir::new(&web.dir).fallback(ServeFile::new(index)))
    } else {
        let dir = web.dir.display().to_string();
        Router::new().fallback(move || async move { no_web(&dir) })
    };
    let layered = Router::new()
        .route("/health", get(health))
        .nest("/api/v1", api)
        .merge(tiles::router())
        .with_state(app.clone())
        .merge(site)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http());
    // Tiles bypass the compression and trace layers: the handler serves gzip it
    // compressed once per cached tile, and per-request layers cost warm throughput
    // (BENCHMARKS.md, Vector tiles).
    Router::new()
        .merge(tiles::tile_router().with_state(app))
        .merge(layered)
}

async fn health(axum::extract::State(app): axum::extract::State<State>) -> impl IntoResponse {
    let a = app.atlas();
    axum::Json(serde_json::json!({
        "status": "ok",
        "backend": app.backend(),
        "subdistricts": a.subdistricts().count(),
        "grids": a.grid_count(),
        "version": env!("CARGO_PKG_VERSION"),
    }))
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
