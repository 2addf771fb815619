//! The command line: `gridd serve | import | export | check | synth | migrate`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

mod accounts;

use clap::{Args, Parser, Subcommand};

use crate::app::App;
use crate::domain::change::Actor;
use crate::domain::geometry::Limits;
use crate::error::{Error, Result};
use crate::http::{self, WebConfig};
use crate::import::{self, Layer};
use crate::index::Atlas;
use crate::store::{self, GridStore};

/// gridd: grid-based social services management for a subdistrict (DB32/T 2763-2015).
#[derive(Debug, Parser)]
#[command(name = "gridd", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// PostgreSQL + PostGIS connection URL (production store). When absent, the
    /// embedded GeoPackage file is used.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The embedded store: a GeoPackage file, created when missing.
    #[arg(long, env = "GRIDD_GPKG", default_value = "gridd.gpkg")]
    pub gpkg: PathBuf,
}

impl StoreArgs {
    /// Opens the store and applies migrations.
    pub async fn open(&self) -> Result<Arc<dyn GridStore>> {
        store::open(self.database_url.as_deref(), &self.gpkg).await
    }

    /// Opens the store (every capability's storage) and applies migrations.
    pub async fn open_backend(&self) -> Result<store::Backend> {
        store::Backend::open(self.database_url.as_deref(), &self.gpkg).await
    }

    fn describe(&self) -> String {
        match &self.database_url {
            Some(url) => format!("PostGIS {}", store::postgis_redact(url)),
            None => format!("GeoPackage {}", self.gpkg.display()),
        }
    }
}

/// The identity-number key (`GRIDD_ID_KEY`, else the key file; see `serve
/// --id-key-file`). Never logged.
fn id_key(file: Option<&std::path::Path>, store: &StoreArgs) -> Result<crate::households::IdKey> {
    let env = std::env::var(crate::household_desk::KEY_ENV).ok();
    let path = match (file, &store.database_url) {
        (Some(f), _) => f.to_path_buf(),
        (None, None) => {
            let mut p = store.gpkg.clone().into_os_string();
            p.push(".id-key");
            PathBuf::from(p)
        }
        (None, Some(_)) => {
            if env.is_none() {
                tracing::warn!(
                    "no GRIDD_ID_KEY or --id-key-file: using gridd-id.key in the working directory; \
                     every instance serving this database must use the same key"
                );
            }
            PathBuf::from("gridd-id.key")
        }
    };
    crate::household_desk::load_id_key(env.as_deref(), &path)
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the web map.
    Serve {
        /// Address to listen on (port 0 picks a free port; the bound address is printed).
        #[arg(long, env = "GRIDD_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Load the demo subdistrict (central Helsinki, OSM) when the store is empty.
        #[arg(long)]
        demo: bool,
        /// Folder of the demo data.
        #[arg(long, env = "GRIDD_DEMO_DIR", default_value_os_t = crate::demo::default_dir())]
        demo_dir: PathBuf,
        /// Folder of the built web app (index.html).
        #[arg(long, env = "GRIDD_WEB_DIR", default_value_os_t = default_web_dir())]
        web_dir: PathBuf,
        /// Megabytes of rendered vector tiles to keep in memory; 0 turns the cache off.
        #[arg(long, env = "GRIDD_TILE_CACHE_MB", default_value_t = 256)]
        tile_cache_mb: u64,
        /// Public base URL written into TileJSON and the style (default: from the Host header).
        #[arg(long, env = "GRIDD_PUBLIC_URL")]
        public_url: Option<String>,
        /// An XYZ raster basemap URL template drawn under the data, e.g. a Tianditu
        /// layer with your key (the default basemap is drawn from our own data).
        #[arg(long, env = "GRIDD_RASTER_BASEMAP")]
        raster_basemap: Option<String>,
        /// A font file (.ttf, .otf, .ttc) whose glyphs the map's labels use,
        /// repeatable (default: Debian's Noto Sans CJK Regular, when installed).
        #[arg(long = "font", env = "GRIDD_FONTS", value_delimiter = ',')]
        fonts: Vec<PathBuf>,
        /// With `--demo`: the password of every demo account (default: a new random
        /// one each, printed).
        #[arg(long, env = "GRIDD_DEMO_PASSWORD", hide_env_values = true)]
        demo_password: Option<String>,
        /// Seconds a signed-in session lasts without being used (default 8 hours).
        #[arg(long, env = "GRIDD_SESSION_TTL", default_value_t = crate::accounts::SESSION_IDLE_SECS)]
        session_ttl: i64,
        /// Mark the session cookie Secure (set it when serving behind TLS; it is set
        /// anyway when --public-url is https:// or the proxy sends X-Forwarded-Proto: https).
        #[arg(long, env = "GRIDD_SECURE_COOKIES")]
        secure_cookies: bool,
        /// An origin whose pages may call the API with an API token (CORS),
        /// repeatable or comma-separated; none by default (closed).
        #[arg(
            long = "cors-origin",
            env = "GRIDD_CORS_ORIGINS",
            value_delimiter = ','
        )]
        cors_origins: Vec<String>,
        /// Lets tests set the case desk's clock (`PUT /api/v1/test-clock`); never
        /// in production.
        #[arg(long, hide = true)]
        test_clock: bool,
        /// The identity-number key file (64 hex digits; created with a new key
        /// when missing). Default: beside the GeoPackage (`<gpkg>.id-key`), or
        /// `gridd-id.key` in the working directory with PostGIS — every instance
        /// serving one store needs the same key. `GRIDD_ID_KEY` (hex) overrides it.
        #[arg(long, env = "GRIDD_ID_KEY_FILE")]
        id_key_file: Option<PathBuf>,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Manage accounts: add (the first administrator too), list, disable, enable,
    /// reset a password, set roles.
    User {
        /// What to do.
        #[command(subcommand)]
        command: accounts::UserCommand,
    },
    /// Manage API tokens (for the field app and integrations): create, revoke, list.
    Token {
        /// What to do.
        #[command(subcommand)]
        command: accounts::TokenCommand,
    },
    /// Import a GeoJSON file (subdistrict, grids, buildings, roads) or an OSM PBF
    /// extract (buildings and roads). All or nothing: every bad feature is listed.
    Import {
        /// What the file holds.
        #[arg(value_enum)]
        layer: Layer,
        /// The file: GeoJSON, or .osm.pbf for `osm`.
        file: PathBuf,
        /// The subdistrict the features belong to (needed when there are several).
        #[arg(long)]
        subdistrict: Option<i64>,
        /// Repair self-intersecting and spiked boundaries (valid edges keep their exact
        /// vertices) and report per feature what changed; without it an invalid
        /// geometry is refused, naming the coordinate.
        #[arg(long)]
        repair: bool,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Export grids (or another layer) as GeoJSON, or everything as a GeoPackage.
    Export {
        /// Output file: `.gpkg` writes every layer into a new GeoPackage; anything
        /// else writes one layer as GeoJSON (`-` for standard output).
        #[arg(long, short)]
        out: PathBuf,
        /// The layer for GeoJSON output.
        #[arg(long, value_enum, default_value = "grids")]
        layer: Layer,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Audit coverage (gaps, overlaps, nesting, codes, sizes, buildings) and print
    /// the report. Exits with status 1 when the subdistrict has defects.
    Check {
        /// The subdistrict (needed when the store holds several).
        #[arg(long)]
        subdistrict: Option<i64>,
        /// Report format: JSON, GeoJSON (problems as features) or a printable HTML page.
        #[arg(long, value_enum, default_value = "json")]
        format: CheckFormat,
        /// Gaps and overlaps narrower than this many metres are noise, not defects.
        #[arg(long, default_value_t = 0.5)]
        tolerance: f64,
        /// Language, zh or en: of the HTML page (Chinese unless given) and, when
        /// given, of the JSON and GeoJSON messages and fixes (English unless given).
        #[arg(long, value_parser = crate::coverage::Lang::parse)]
        lang: Option<crate::coverage::Lang>,
        /// Write the report to this file instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Generate a deterministic synthetic city (an n × n lattice of L1 grids, split
    /// into L2 and L3, with buildings and roads) and import it in one transaction:
    /// data for benchmarks and load tests. The same options give the same data.
    Synth {
        /// At least this many L3 grids (the L1 lattice is the smallest square that
        /// gives them with the chosen splits).
        #[arg(long, default_value_t = 50_000)]
        grids_l3: usize,
        /// Buildings in all, spread evenly over the L3 grids.
        #[arg(long, default_value_t = 500_000)]
        buildings: usize,
        /// Each L1 grid is split into this many × this many L2 grids.
        #[arg(long, default_value_t = 4)]
        l2_split: usize,
        /// Each L2 grid is split into this many × this many L3 grids.
        #[arg(long, default_value_t = 3)]
        l3_split: usize,
        /// Nominal side of an L3 grid, metres.
        #[arg(long, default_value_t = 80.0)]
        cell_m: f64,
        /// Centre of the subdistrict as lon,lat (degrees).
        #[arg(long, default_value = "118.8,32.0", value_parser = parse_lon_lat)]
        centre: (f64, f64),
        /// How far interior vertices move, as a share of an L3 cell (0–0.2).
        #[arg(long, default_value_t = 0.15)]
        jitter: f64,
        /// Nine-digit subdistrict code (must not exist in the store yet).
        #[arg(long, default_value = "320104990")]
        code: String,
        /// Generate and print the sizes, but store nothing.
        #[arg(long)]
        dry_run: bool,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the OpenAPI 3.1 document of every route (what `/api/v1/openapi.json`
    /// serves), or write it to a file.
    Openapi {
        /// Output file (default: standard output).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Create or upgrade the store's schema, then exit.
    Migrate {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Formats of `gridd check`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CheckFormat {
    /// The whole report as JSON.
    Json,
    /// Problems as a GeoJSON FeatureCollection.
    Geojson,
    /// A printable HTML page with a map of each problem.
    Html,
}

fn default_web_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist")
}

fn parse_lon_lat(s: &str) -> std::result::Result<(f64, f64), String> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| format!("expected lon,lat, got {s:?}"))?;
    let num = |v: &str| {
        v.trim()
            .parse::<f64>()
            .map_err(|_| format!("not a number: {v:?}"))
    };
    Ok((num(a)?, num(b)?))
}

fn progress(stage: &str, done: usize, total: usize) {
    if total > 0 {
        eprintln!("{stage}: {done}/{total}");
    } else if done > 0 {
        eprintln!("{stage}: {done}");
    } else {
        eprintln!("{stage}…");
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            addr,
            demo,
            demo_dir,
            web_dir,
            tile_cache_mb,
            public_url,
            raster_basemap,
            fonts,
            demo_password,
            session_ttl,
            secure_cookies,
            cors_origins,
            test_clock,
            id_key_file,
            store,
        } => {
            if session_ttl < 1 {
                return Err(Error::invalid("session-ttl", "must be at least 1 second"));
            }
            if let Some(pw) = &demo_password {
                crate::accounts::check_password("demo-password", pw, "")
                    .map_err(|e| Error::Invalid(vec![e]))?;
            }
            let stores = store.open_backend().await?;
            let backend = stores.grids();
            if demo && backend.is_empty().await? {
                eprintln!("loading the demo subdistrict from {}", demo_dir.display());
                let batch = crate::demo::batch(&demo_dir, &progress)?;
                let n = backend.import(&batch, &Actor("gridd demo".into())).await?;
                eprintln!(
                    "demo loaded: {} grids, {} buildings, {} roads",
                    n.rows.grids.len(),
                    n.rows.buildings.len(),
                    n.rows.roads.len()
                );
            }
            let map = http::MapOptions {
                tile_cache_bytes: tile_cache_mb * 1024 * 1024,
                public_url,
                raster_basemap,
                fonts: load_fonts(&fonts)?,
            };
            // LISTEN before loading, so that start-up needs no second load.
            let early = match &store.database_url {
                Some(url) => match crate::follow::listen(url).await {
                    Ok(l) => Some(l),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot LISTEN before loading; will catch up once following");
                        None
                    }
                },
                None => None,
            };
            let app = App::start(backend).await?;
            if demo {
                accounts::demo_accounts(
                    &*stores.accounts(),
                    &app.atlas(),
                    demo_password.as_deref(),
                )
                .await?;
            }
            let auth = http::auth::Auth::new(
                stores.accounts(),
                stores.audit(),
                http::auth::AuthOptions {
                    session_ttl,
                    secure_cookies,
                },
            );
            let options = http::HttpOptions { cors_origins };
            if let Some(url) = &store.database_url {
                match early {
                    Some(l) => crate::follow::spawn_listening(Arc::clone(&app), url.clone(), l),
                    None => crate::follow::spawn(Arc::clone(&app), url.clone()),
                };
            }
            let desk = crate::case_desk::Desk::start(
                stores.cases(),
                Arc::new(crate::case_desk::Clock::new(test_clock)),
            )
            .await?;
            if let Some(url) = &store.database_url {
                crate::follow::spawn_cases(Arc::clone(&desk), url.clone());
            }
            let patrols = crate::patrol_desk::PatrolDesk::new(stores.patrols());
            let households = crate::household_desk::HouseholdDesk::new(
                stores.households(),
                stores.accounts(),
                id_key(id_key_file.as_deref(), &store)?,
            );
            let teams = crate::team_desk::TeamDesk::new(stores.teams());
            let state = http::State::new(app, map, auth, desk, patrols, households, teams);
            let router = http::router_with(state, &WebConfig { dir: web_dir }, &options);
            serve(router, addr, &store.describe()).await
        }
        Command::User { command } => accounts::user(command).await,
        Command::Token { command } => accounts::token(command).await,
        Command::Import {
            layer,
            file,
            subdistrict,
            repair,
            store,
        } => {
            // A failed import into a GeoPackage that did not exist leaves no file.
            let fresh_file = store.database_url.is_none() && !store.gpkg.exists();
            let out = import_file(layer, &file, subdistrict, repair, &store).await;
            if out.is_err() && fresh_file {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut p = store.gpkg.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            out
        }
        Command::Export { out, layer, store } => {
            let backend = store.open().await?;
            let (data, _) = backend.load().await?;
            if out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"))
            {
                crate::export::gpkg(&data, &out).await?;
                eprintln!("wrote {} ({} grids)", out.display(), data.grids.len());
            } else {
                let fc = crate::export::geojson(&data, layer)?;
                let text = serde_json::to_string(&fc).map_err(|e| Error::Internal(e.into()))?;
                if out.as_os_str() == "-" {
                    println!("{text}");
                } else {
                    std::fs::write(&out, text).map_err(|e| {
                        Error::invalid("out", format!("cannot write {}: {e}", out.display()))
                    })?;
                    eprintln!("wrote {} ({} features)", out.display(), fc.features.len());
                }
            }
            Ok(())
        }
        Command::Check {
            subdistrict,
            format,
            tolerance,
            lang,
            out,
            store,
        } => {
            let app = App::start(store.open().await?).await?;
            let config = crate::coverage::Config::default()
                .with_tolerance(tolerance)
                .map_err(|e| Error::invalid("tolerance", e))?;
            let (report, text) = {
                let atlas = app.atlas();
                let sid = crate::http::coverage::subdistrict(
                    &atlas,
                    subdistrict.map(|s| s.to_string()).as_deref(),
                )?;
                let input = crate::coverage::Input::from_atlas(&atlas, sid)
                    .ok_or_else(|| Error::NotFound(format!("subdistrict {sid}")))?;
                let mut report = crate::coverage::audit(&input, &config);
                if let (Some(l), false) = (lang, matches!(format, CheckFormat::Html)) {
                    crate::coverage::text::reword_report(&mut report, l);
                }
                let text = match format {
                    CheckFormat::Json => serde_json::to_string_pretty(&report)
                        .map_err(|e| Error::Internal(e.into()))?,
                    CheckFormat::Geojson => crate::coverage::render::geojson(&report).to_string(),
                    // a page in a file has no other-language page to link to
                    CheckFormat::Html => crate::coverage::render::html(
                        &report,
                        &input,
                        crate::coverage::render::Page {
                            lang: lang.unwrap_or(crate::coverage::Lang::Zh),
                            other_language: None,
                        },
                    ),
                };
                (report, text)
            };
            match &out {
                Some(path) => std::fs::write(path, text).map_err(|e| {
                    Error::invalid("out", format!("cannot write {}: {e}", path.display()))
                })?,
                None => println!("{text}"),
            }
            eprintln!(
                "coverage of {} ({}): {} defects, {} warnings, {} grids, {} buildings, audited in {:.0} ms",
                report.subdistrict.name,
                report.subdistrict.code,
                report.defects,
                report.warnings,
                report.levels.iter().map(|l| l.grids).sum::<usize>(),
                report.buildings,
                report.elapsed_ms
            );
            if !report.is_clean() {
                use std::io::Write;
                let _ = std::io::stdout().flush();
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Synth {
            grids_l3,
            buildings,
            l2_split,
            l3_split,
            cell_m,
            centre,
            jitter,
            code,
            dry_run,
            store,
        } => {
            let params = crate::synth::Params {
                l1: crate::synth::Params::l1_for(grids_l3, l2_split, l3_split),
                l2_split,
                l3_split,
                buildings,
                cell_m,
                centre,
                jitter,
                code,
                name: "Synthetic subdistrict".into(),
            };
            params.check().map_err(|e| Error::invalid("synth", e))?;
            let (c1, c2, c3) = params.counts();
            eprintln!(
                "generating: {c1} L1 + {c2} L2 + {c3} L3 grids, {buildings} buildings (L1 lattice {0} × {0})",
                params.l1
            );
            let t = std::time::Instant::now();
            let batch = crate::synth::city(&params);
            eprintln!(
                "generated in {:.1} s: {} grids, {} buildings, {} roads",
                t.elapsed().as_secs_f64(),
                batch.grids.len(),
                batch.buildings.len(),
                batch.roads.len()
            );
            if dry_run {
                return Ok(());
            }
            let backend = store.open().await?;
            eprintln!("storing in one transaction into {}…", store.describe());
            let t = std::time::Instant::now();
            let n = backend.import(&batch, &Actor("gridd synth".into())).await?;
            println!(
                "imported {} subdistricts, {} grids, {} buildings, {} roads into {} in {:.1} s",
                n.rows.subdistricts.len(),
                n.rows.grids.len(),
                n.rows.buildings.len(),
                n.rows.roads.len(),
                store.describe(),
                t.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Openapi { out } => {
            let doc = http::openapi_json();
            match out {
                Some(path) => std::fs::write(&path, doc + "\n").map_err(|e| {
                    Error::invalid("out", format!("cannot write {}: {e}", path.display()))
                })?,
                None => println!("{doc}"),
            }
            Ok(())
        }
        Command::Migrate { store } => {
            store.open().await?;
            println!("schema is up to date in {}", store.describe());
            Ok(())
        }
    }
}

/// `gridd import`: reads and checks the file, then stores it in one transaction.
async fn import_file(
    layer: Layer,
    file: &std::path::Path,
    subdistrict: Option<i64>,
    repair: bool,
    store: &StoreArgs,
) -> Result<()> {
    let mut features = if layer == Layer::Osm {
        Vec::new()
    } else {
        eprintln!("reading {}", file.display());
        let f = import::read_any(file, None).await?;
        eprintln!("{} features; checking", f.len());
        f
    };
    if repair {
        let repairs = import::repair_features(&mut features, Limits::default())?;
        for r in &repairs {
            let rep = &r.report;
            eprintln!(
                "repaired features[{}]{}: area {:+.1} m² ({:.1} → {:.1} m²), {} self-intersections, {} spikes, parts {} → {} (+{} −{}), holes +{} −{}",
                r.index,
                r.feature
                    .as_deref()
                    .map(|l| format!(" ({l})"))
                    .unwrap_or_default(),
                rep.area_difference_m2,
                rep.area_before_m2,
                rep.area_after_m2,
                rep.self_intersections.len(),
                rep.spikes_removed.len(),
                rep.parts_before,
                rep.parts_after,
                rep.parts_added,
                rep.parts_dropped,
                rep.holes_added,
                rep.holes_dropped,
            );
        }
        eprintln!("{} of {} features repaired", repairs.len(), features.len());
    }
    let parsed = (layer == Layer::Grids)
        .then(|| import::parse_geometries(&features, Limits::default(), &progress));
    let backend = store.open().await?;
    let app = App::start(backend).await?;
    let mut skipped = None;
    let make = |atlas: &Atlas| -> Result<crate::domain::change::ImportBatch> {
        Ok(match layer {
            Layer::Osm => {
                let (b, s) = import::osm(file, atlas, subdistrict, &progress)?;
                skipped = Some(s);
                eprintln!("storing in one transaction…");
                b
            }
            Layer::Subdistrict => {
                let codes = atlas.subdistricts().map(|s| s.code.clone()).collect();
                import::subdistricts(&features, &codes)?
            }
            Layer::Grids => {
                import::grids_parsed(&features, parsed.unwrap_or_default(), atlas, subdistrict)?
            }
            Layer::Buildings => import::buildings(&features, atlas, subdistrict)?,
            Layer::Roads => import::roads(&features, atlas, subdistrict)?,
        })
    };
    let n = app.import_with(make, &Actor("gridd import".into())).await?;
    println!(
        "imported {} subdistricts, {} grids, {} buildings, {} roads into {}",
        n.subdistricts.len(),
        n.grids.len(),
        n.buildings.len(),
        n.roads.len(),
        store.describe()
    );
    if let Some(s) = skipped {
        println!(
            "skipped: {} clipped buildings, {} invalid buildings, {} multipolygon relations",
            s.clipped_buildings, s.invalid_buildings, s.relations
        );
    }
    Ok(())
}

/// Serves until Ctrl-C / SIGTERM. Prints the bound address on standard output.
pub async fn serve(router: axum::Router, addr: SocketAddr, store: &str) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::invalid("addr", format!("cannot listen on {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::Internal(e.into()))?;
    println!("gridd listening on http://{bound}/ (store: {store})");
    // Small answers (tiles, lookups) go out at once instead of waiting for an ACK.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
    .map_err(|e| Error::Internal(e.into()))
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

/// Debian's CJK font (package fonts-noto-cjk), used when no `--font` is given.
const DEFAULT_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

/// The fonts for the map's glyphs: those named, else the default when it is
/// installed (without it, labels fall back to the web app's own).
pub fn load_fonts(paths: &[PathBuf]) -> Result<Option<std::sync::Arc<crate::glyphs::FontLibrary>>> {
    let paths: Vec<PathBuf> = if paths.is_empty() {
        let d = PathBuf::from(DEFAULT_FONT);
        if !d.is_file() {
            eprintln!(
                "no fonts for map labels: {DEFAULT_FONT} is missing (apt-get install fonts-noto-cjk, or --font FILE)"
            );
            return Ok(None);
        }
        vec![d]
    } else {
        paths.to_vec()
    };
    let mut files = Vec::new();
    for p in &paths {
        files.push(
            std::fs::read(p)
                .map_err(|e| Error::invalid("font", format!("{}: {e}", p.display())))?,
        );
    }
    let lib = crate::glyphs::FontLibrary::from_fonts(files)
        .map_err(|e| Error::invalid("font", e.to_string()))?;
    Ok(Some(std::sync::Arc::new(lib)))
}
