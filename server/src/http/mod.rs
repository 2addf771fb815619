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

/// Largest request body accepted by ordinary endpoints.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// The shared state of every handler.
pub type State = Arc<App>;

/// Where the built web app lives.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Folder with `index.html` (the Vite build output, `web/dist`).
    pub dir: PathBuf,
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
