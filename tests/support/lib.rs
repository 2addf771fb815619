//! Test support: start the real gridd HTTP server on a free port against a real
//! store — a fresh PostGIS database or a fresh GeoPackage file — and talk to it
//! over real HTTP.
//!
//! PostGIS tests need `GRIDD_TEST_DATABASE_URL` (an account that may create
//! databases); `scripts/test.sh` starts PostgreSQL + PostGIS and sets it. Without
//! it PostGIS tests fail with that message: they never silently skip.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use gridd::app::App;
use gridd::domain::change::Actor;
use gridd::http::WebConfig;
use gridd::store::{GpkgStore, GridStore, PostgisStore};

/// Which store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh GeoPackage file.
    Gpkg,
    /// A fresh PostGIS database.
    Postgis,
}

/// A fresh, empty store location.
#[derive(Debug, Clone)]
pub enum StoreLocation {
    /// GeoPackage file path.
    Gpkg(PathBuf),
    /// PostgreSQL URL of a fresh database.
    Postgis(String),
}

impl StoreLocation {
    /// A fresh location for the backend.
    pub async fn fresh(backend: Backend) -> Self {
        match backend {
            Backend::Gpkg => Self::Gpkg(temp_dir().join("store.gpkg")),
            Backend::Postgis => Self::Postgis(fresh_database().await),
        }
    }

    /// Opens (migrating) the store.
    pub async fn open(&self) -> Arc<dyn GridStore> {
        self.open_backend().await.grids()
    }

    /// Opens (migrating) every capability's storage.
    pub async fn open_backend(&self) -> gridd::store::Backend {
        match self {
            Self::Gpkg(p) => {
                gridd::store::Backend::Gpkg(GpkgStore::open(p).await.expect("open GeoPackage"))
            }
            Self::Postgis(url) => gridd::store::Backend::Postgis(
                PostgisStore::connect(url).await.expect("connect PostGIS"),
            ),
        }
    }

    /// The PostgreSQL URL, for PostGIS locations.
    pub fn database_url(&self) -> Option<&str> {
        match self {
            Self::Postgis(u) => Some(u),
            Self::Gpkg(_) => None,
        }
    }

    /// Command-line arguments selecting this store for the `gridd` binary.
    pub fn cli_args(&self) -> Vec<String> {
        match self {
            Self::Gpkg(p) => vec!["--gpkg".into(), p.display().to_string()],
            Self::Postgis(u) => vec!["--database-url".into(), u.clone()],
        }
    }
}

/// A unique temporary folder (kept under target/ for inspection after failures).
pub fn temp_dir() -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/e2e-tmp")
        .join(format!(
            "{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            nanos()
        ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// The admin URL of the test PostgreSQL server.
pub fn admin_url() -> String {
    std::env::var("GRIDD_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!("GRIDD_TEST_DATABASE_URL is not set: PostGIS tests need a PostgreSQL + PostGIS server. Run scripts/test.sh (it starts one), or scripts/pg.sh start and export the URL it prints.")
    })
}

/// Creates a new empty database with PostGIS, from a template made once.
pub async fn fresh_database() -> String {
    use sqlx::Connection;
    let admin = admin_url();
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to the test PostgreSQL");
    // One template per server; creating it is serialised across test processes.
    sqlx::query("SELECT pg_advisory_lock(727001)")
        .execute(&mut conn)
        .await
        .expect("lock");
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'gridd_test_template')",
    )
    .fetch_one(&mut conn)
    .await
    .expect("query");
    if !exists {
        sqlx::query("CREATE DATABASE gridd_test_template")
            .execute(&mut conn)
            .await
            .expect("create template");
        let url = with_database(&admin, "gridd_test_template");
        let mut t = sqlx::PgConnection::connect(&url)
            .await
            .expect("connect template");
        sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis")
            .execute(&mut t)
            .await
            .expect("postgis");
        t.close().await.ok();
    }
    let name = format!(
        "gridd_t_{}_{}",
        std::process::id(),
        nanos() % 1_000_000_000_000
    );
    sqlx::query(&format!(
        "CREATE DATABASE {name} TEMPLATE gridd_test_template"
    ))
    .execute(&mut conn)
    .await
    .expect("create test database");
    sqlx::query("SELECT pg_advisory_unlock(727001)")
        .execute(&mut conn)
        .await
        .expect("unlock");
    conn.close().await.ok();
    with_database(&admin, &name)
}

/// The same server URL with another database name.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let cut = base.rfind('/').expect("a database URL has a path");
    let mut out = format!("{}/{db}", &base[..cut]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A running server.
pub struct Server {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// Where its data lives.
    pub store: StoreLocation,
    /// The application (for tests that look inside).
    pub app: gridd::http::State,
    handle: tokio::task::JoinHandle<()>,
    /// An HTTP client signed in (by API token) as `test-admin`, a subdistrict
    /// admin over everything.
    pub http: reqwest::Client,
    /// The admin's API token.
    pub admin_token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl Server {
    /// Starts a server on an empty store.
    pub async fn empty(backend: Backend) -> Self {
        Self::on(StoreLocation::fresh(backend).await, false).await
    }

    /// Starts a server on a fresh store loaded with the demo subdistrict.
    pub async fn demo(backend: Backend) -> Self {
        Self::on(StoreLocation::fresh(backend).await, true).await
    }

    /// Starts a server on a fresh demo store that serves a (tiny) web app, so that a
    /// request falling through to the app's page shows.
    pub async fn demo_with_web(backend: Backend) -> Self {
        let web = temp_dir().join("web");
        std::fs::create_dir_all(&web).expect("web dir");
        std::fs::write(
            web.join("index.html"),
            "<!doctype html><title>gridd</title><p>the web app</p>",
        )
        .expect("index.html");
        Self::serve(StoreLocation::fresh(backend).await, true, web).await
    }

    /// Starts a server on the given store, loading the demo first when asked.
    pub async fn on(store: StoreLocation, demo: bool) -> Self {
        Self::serve(store, demo, PathBuf::from("/nonexistent")).await
    }

    /// Starts a server with these account options (e.g. a short session).
    pub async fn with_auth(backend: Backend, options: gridd::http::auth::AuthOptions) -> Self {
        Self::serve_with(
            StoreLocation::fresh(backend).await,
            true,
            PathBuf::from("/nonexistent"),
            options,
        )
        .await
    }

    async fn serve(store: StoreLocation, demo: bool, web: PathBuf) -> Self {
        Self::serve_with(store, demo, web, gridd::http::auth::AuthOptions::default()).await
    }

    async fn serve_with(
        store: StoreLocation,
        demo: bool,
        web: PathBuf,
        options: gridd::http::auth::AuthOptions,
    ) -> Self {
        let stores = store.open_backend().await;
        let backend = stores.grids();
        if demo {
            let batch = gridd::demo::batch(&gridd::demo::default_dir(), &gridd::import::quiet)
                .expect("demo data");
            backend
                .import(&batch, &Actor("test".into()))
                .await
                .expect("load demo");
        }
        let app = App::start(backend).await.expect("start app");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let auth = gridd::http::auth::Auth::new(stores.accounts(), stores.audit(), options);
        // Tests may move the case desk's clock (PUT /api/v1/test-clock).
        let desk = gridd::case_desk::Desk::start(
            stores.cases(),
            Arc::new(gridd::case_desk::Clock::new(true)),
        )
        .await
        .expect("start the case desk");
        // The map's glyphs from the default font (read once per test process).
        static FONTS: std::sync::OnceLock<Option<Arc<gridd::glyphs::FontLibrary>>> =
            std::sync::OnceLock::new();
        let fonts = FONTS
            .get_or_init(|| gridd::cli::load_fonts(&[]).expect("the default font"))
            .clone();
        let map = gridd::http::MapOptions {
            fonts,
            ..Default::default()
        };
        let patrols = gridd::patrol_desk::PatrolDesk::new(stores.patrols());
        // A fixed identity-number key (tests compare hashes across restarts).
        let households = gridd::household_desk::HouseholdDesk::new(
            stores.households(),
            stores.accounts(),
            gridd::households::IdKey::new(&[7; 32]).expect("a test key"),
        );
        let teams = gridd::team_desk::TeamDesk::new(stores.teams());
        let app = gridd::http::State::new(app, map, auth, desk, patrols, households, teams);
        let router = gridd::http::router(app.clone(), &WebConfig { dir: web });
        let handle = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .ok();
        });
        let admin_token = add_account(&app, "test-admin", &["subdistrict_admin@all"]).await;
        Self {
            url: format!("http://{addr}"),
            store,
            app,
            handle,
            http: bearer_client(&admin_token),
            admin_token,
        }
    }

    /// A client with no credentials at all.
    pub fn anonymous(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    /// Adds an account holding these grants (`role@scope`) and answers a client
    /// signed in as it by API token.
    pub async fn client_for(&self, name: &str, grants: &[&str]) -> reqwest::Client {
        bearer_client(&add_account(&self.app, name, grants).await)
    }

    /// `GET` a path, answering status and JSON body (Null when not JSON).
    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("GET");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Sends a request with a JSON body and optional extra headers; answers the
    /// status, the content type and the JSON body (Null when not JSON).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut rb = self.http.request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            rb = rb.json(b);
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        Response::from(rb.send().await.expect("request")).await
    }

    /// Sends raw bytes as the body of a POST.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Response {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST");
        Response::from(r).await
    }

    /// Everything in the store, read straight from it (not from the server's memory).
    pub async fn stored(&self) -> gridd::domain::change::Loaded {
        self.store.open().await.load().await.expect("load store").0
    }
}

/// A client that sends `Authorization: Bearer <token>` with every request.
pub fn bearer_client(token: &str) -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header"),
    );
    reqwest::Client::builder()
        .default_headers(h)
        .build()
        .expect("client")
}

/// The password every account made by [`add_account`] has.
pub const TEST_PASSWORD: &str = "test-password-1";

/// Adds an account with these grants straight into the store and issues it a token.
pub async fn add_account(state: &gridd::http::State, name: &str, grants: &[&str]) -> String {
    use gridd::accounts::{NewAccount, secret};
    let store = &state.auth.store;
    let grants = grants
        .iter()
        .map(|g| gridd::domain::access::Grant::parse(g).expect("grant"))
        .collect();
    let actor = Actor::new("test", None);
    // A second server on the same store finds the account made by the first.
    let exists = store
        .account_by_name(name)
        .await
        .expect("read account")
        .is_some();
    if !exists {
        store
            .add_account(
                &NewAccount {
                    name: name.into(),
                    display_name: name.into(),
                    password_hash: hashed_test_password().to_owned(),
                    grants,
                },
                &actor,
            )
            .await
            .expect("add account");
    }
    let token = secret::new_token();
    store
        .issue_token(
            name,
            "tests",
            &secret::digest(&token),
            gridd::accounts::now() + 86_400,
            &actor,
        )
        .await
        .expect("issue token");
    token
}

/// The hash of [`TEST_PASSWORD`], made once per test process.
fn hashed_test_password() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| gridd::accounts::secret::hash_password(TEST_PASSWORD))
}

/// An HTTP answer, read whole.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Content-Type header.
    pub content_type: String,
    /// ETag header.
    pub etag: Option<String>,
    /// Body as JSON (Null when it is not JSON).
    pub json: serde_json::Value,
}

impl Response {
    async fn from(r: reqwest::Response) -> Self {
        let status = r.status().as_u16();
        let header = |n: &str| {
            r.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type").unwrap_or_default();
        let etag = header("etag");
        let bytes = r.bytes().await.unwrap_or_default();
        Self {
            status,
            content_type,
            etag,
            json: serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        }
    }

    /// Asserts this is an RFC 9457 problem with a 4xx status and returns its errors' fields.
    pub fn assert_problem(&self, status: u16) -> Vec<String> {
        assert_eq!(self.status, status, "status; body: {}", self.json);
        assert_eq!(
            self.content_type, "application/problem+json",
            "content type; body: {}",
            self.json
        );
        assert_eq!(self.json["status"], status, "problem status member");
        assert!(
            self.json["title"].is_string() && self.json["detail"].is_string(),
            "problem title/detail: {}",
            self.json
        );
        self.json["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Runs the same async test body against both stores: `both_backends!(name);`
/// expands to `mod name { gpkg(), postgis() }` calling `super::name(Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn gpkg() {
                    super::$name($crate::Backend::Gpkg).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgis() {
                    super::$name($crate::Backend::Postgis).await;
                }
            }
        )*
    };
}

/// The path of the built `gridd` binary (built by `cargo build -p gridd` or by the
/// test run of the workspace); `GRIDD_BIN` overrides.
pub fn gridd_bin() -> PathBuf {
    if let Ok(p) = std::env::var("GRIDD_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let p = target.join("debug/gridd");
    assert!(
        p.exists(),
        "{} is missing: build it first with `cargo build -p gridd` (scripts/test.sh does)",
        p.display()
    );
    p
}

/// Runs the `gridd` binary with arguments; answers (exit code, stdout, stderr).
pub fn run_gridd(args: &[String]) -> (i32, String, String) {
    let out = std::process::Command::new(gridd_bin())
        .args(args)
        .output()
        .expect("run gridd");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
