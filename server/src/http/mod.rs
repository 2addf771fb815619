//! The HTTP layer: translates between HTTP and the application, nothing more.
//! Every route is declared once, in the `routes()` of its resource module, with its
//! documentation (`#[utoipa::path]` on the handler): [`router`] and [`openapi`] are
//! both built from that one list, so a route cannot exist undocumented.

pub mod access;
pub mod auth;
mod case_feed;
mod case_tiles;
mod cases;
pub(crate) mod coverage;
mod docs;
mod edits;
mod extract;
mod grids;
mod households;
mod imports;
mod lookup;
mod open311;
mod patrol_coverage;
mod patrols;
pub mod problem;
mod published;
mod reference;
pub mod schema;
mod subdistricts;
mod teams;
pub mod tiles;
mod track_tiles;

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
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::App;
use crate::vector_tiles::TileCache;

/// Largest request body accepted by ordinary endpoints.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// The shared state of every handler: the application, the tile cache (a listener
/// of the application's changes), accounts and the serving options. Derefs to the
/// application.
#[derive(Clone)]
pub struct State {
    /// The application.
    pub app: Arc<App>,
    /// Rendered vector tiles.
    pub tiles: Arc<TileCache>,
    /// How maps are served.
    pub map: Arc<MapOptions>,
    /// Accounts, sessions, tokens, the audit log.
    pub auth: Arc<auth::Auth>,
    /// Cases: intake, the loop, the event feed.
    pub desk: Arc<crate::case_desk::Desk>,
    /// Patrol tracks: GPS fixes in.
    pub patrols: Arc<crate::patrol_desk::PatrolDesk>,
    /// Households and visits.
    pub households: Arc<crate::household_desk::HouseholdDesk>,
    /// Staff, grid teams and the published grid pages.
    pub teams: Arc<crate::team_desk::TeamDesk>,
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
    /// Fonts whose glyphs `/fonts/{fontstack}/{range}.pbf` serves (none: 404).
    pub fonts: Option<Arc<crate::glyphs::FontLibrary>>,
}

impl Default for MapOptions {
    fn default() -> Self {
        Self {
            tile_cache_bytes: 256 * 1024 * 1024,
            public_url: None,
            raster_basemap: None,
            fonts: None,
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
    /// The state over `app` and the accounts of `auth`, with a tile cache that
    /// listens to the application's changes.
    pub fn new(
        app: Arc<App>,
        map: MapOptions,
        auth: auth::Auth,
        desk: Arc<crate::case_desk::Desk>,
        patrols: Arc<crate::patrol_desk::PatrolDesk>,
        households: Arc<crate::household_desk::HouseholdDesk>,
        teams: Arc<crate::team_desk::TeamDesk>,
    ) -> Self {
        let tiles = Arc::new(TileCache::new(map.tile_cache_bytes));
        app.listen(tiles.clone());
        Self {
            app,
            tiles,
            map: Arc::new(map),
            auth: Arc::new(auth),
            desk,
            patrols,
            households,
            teams,
        }
    }
}

/// Who may call the API from other origins' pages (CORS). Closed by default:
/// the web app is served from the same origin and needs none.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// Origins (`https://example.org`) whose pages may call the API with an API
    /// token (never with the session cookie).
    pub cors_origins: Vec<String>,
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
        .merge(auth::routes())
        .merge(cases::routes())
        .merge(case_feed::routes())
        .merge(case_tiles::routes())
        .merge(patrols::routes())
        .merge(patrol_coverage::routes())
        .merge(track_tiles::routes())
        .merge(households::routes())
        .merge(teams::routes())
        .merge(published::routes())
        .merge(docs::routes());
    let layered = OpenApiRouter::with_openapi(info())
        .routes(routes!(health))
        .nest("/api/v1", api)
        .merge(open311::routes())
        .merge(tiles::routes());
    (layered, tiles::tile_routes())
}

/// Every route as routed: (method, path), from the same list as the router.
pub fn openapi_routes() -> Vec<(String, String)> {
    let (layered, tile) = documented();
    let mut doc = layered.into_openapi();
    doc.merge(tile.into_openapi());
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            ("GET", &item.get),
            ("PUT", &item.put),
            ("POST", &item.post),
            ("DELETE", &item.delete),
            ("PATCH", &item.patch),
            ("HEAD", &item.head),
        ] {
            if op.is_some() {
                out.push((method.to_owned(), path.clone()));
            }
        }
    }
    out
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
    for (route, shown) in tiles::SUFFIXED.into_iter().chain(open311::SUFFIXED) {
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
        || path.starts_with("/fonts/")
        || path.starts_with("/open311/")
        || path == "/health"
}

/// The whole HTTP application.
pub fn router(app: State, web: &WebConfig) -> Router {
    router_with(app, web, &HttpOptions::default())
}

/// The whole HTTP application, with these options.
pub fn router_with(app: State, web: &WebConfig, options: &HttpOptions) -> Router {
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
    let guard = axum::middleware::from_fn_with_state(app.clone(), access::guard);
    let csp = access::content_security_policy(app.map.raster_basemap.as_deref());
    let mut layered = layered
        .route_layer(guard.clone())
        .with_state(app.clone())
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(CompressionLayer::new());
    for (name, value) in access::security_headers(&csp) {
        layered = layered.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    let layered = layered
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(axum::middleware::from_fn(request_id));
    // The tile route answers published information to anybody: its rule is
    // public (the access table says so and its test checks), so it takes no
    // per-request layer at all (warm tiles are cache hits; see BENCHMARKS.md).
    let all = Router::new()
        .merge(tile.with_state(app))
        .merge(layered)
        .method_not_allowed_fallback(problem::no_method);
    // Outermost, so a preflight is answered before routing (and only when an
    // allow-list is configured: closed, and no cost, by default).
    match cors(&options.cors_origins) {
        Some(cors) => all.layer(cors),
        None => all,
    }
}

/// The CORS layer of an allow-list (none when it is empty: closed). Credentials
/// (the cookie) are never allowed across origins; an API token is.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{HeaderName, HeaderValue, Method};
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    if list.is_empty() {
        return None;
    }
    Some(
        tower_http::cors::CorsLayer::new()
            .allow_origin(list)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                axum::http::header::AUTHORIZATION,
                axum::http::header::CONTENT_TYPE,
                axum::http::header::IF_MATCH,
                HeaderName::from_static("x-gridd-reason"),
            ])
            .expose_headers([
                axum::http::header::ETAG,
                HeaderName::from_static("x-request-id"),
            ]),
    )
}

/// Gives every request an id (the client's `X-Request-Id` when it is short and
/// plain, else a new one), answers it in `X-Request-Id`, and logs it in the
/// request's span.
async fn request_id(mut req: Request, next: axum::middleware::Next) -> axum::response::Response {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    let given = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned);
    let id = given.unwrap_or_else(|| {
        format!(
            "{:x}-{:x}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        )
    });
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        req.headers_mut().insert("x-request-id", v.clone());
        let mut r = next.run(req).await;
        r.headers_mut().insert("x-request-id", v);
        return r;
    }
    next.run(req).await
}

/// The log span of a request: method, path (never the query: it may hold
/// personal data) and request id; no headers (they hold cookies and tokens).
fn request_span(req: &Request) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!("request", method = %req.method(), path = req.uri().path(), request_id = id)
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
