//! The weekly patrol audit of issue 13, timed end to end against PostGIS, beside
//! the same computation written in PostGIS SQL (`patrol_audit.sql`), in one run.
//!
//! Data: the coverage benchmark's synthetic subdistrict (30 L1, 300 L2, 3,000 L3
//! grids of about 100 m × 100 m, `gridd::coverage::synthetic::Spec::bench`); 1,000
//! grid workers, three L3 grids each (every L3 grid has one worker); 2026-W50,
//! Monday to Friday 09:00–17:00 China time, a fix every 10 s for every worker:
//! 14.4 M fixes. Each worker's week, seeded per worker: in each of their grids
//! 0–3 patrols (30–45 min walking a loop at 1.2 m/s), one walk too short (12 min)
//! and one too slow (25 min at 0.2 m/s ≈ 300 m); between them and for the rest of
//! the day they stand in another worker's grid (their "office"). Rows go into the
//! product's `track_fix` by `COPY`, in 10-minute batches per worker interleaved
//! across workers (as phones send them), then `VACUUM ANALYZE`.
//!
//! Timed (each with `/work/QUIET` present while it runs, when `PATROL_BENCH_QUIET`
//! names that file):
//! - gridd: `PatrolDesk::audit` (accounts → workers and grids, the fixes read
//!   from PostGIS worker by worker, one detector each, the tally), three runs;
//!   and the read alone (`PatrolStore::counted_tracks` into a sink that counts);
//! - PostGIS SQL: `patrol_audit.sql` (ST_MakeLine per stretch, ST_Intersection
//!   with the worker's own grids, patrol ≥ 20 min and ≥ 500 m, counts per grid)
//!   over the first `PATROL_SQL_WORKERS` workers (default all).
//!
//! The short-grid lists (fewer than two patrols) of both are compared.
//!
//! `DATABASE_URL=$(scripts/pg.sh url) cargo bench -p gridd --bench patrol_audit`;
//! the data goes into a fresh database `gridd_bench_patrols` on that server.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use geo::{Contains, Coord, InteriorPoint, Point};
use gridd::accounts::Account;
use gridd::coverage::synthetic::{Spec, hierarchy};
use gridd::domain::access::{Grant, Principal, Role, Scope};
use gridd::domain::frame::LocalFrame;
use gridd::domain::grid::Grid;
use gridd::index::Atlas;
use gridd::patrol_desk::PatrolDesk;
use gridd::patrols::audit::Week;
use gridd::store::PostgisStore;
use gridd::store::patrols::PatrolStore;
use sqlx::postgres::PgPoolCopyExt;

/// 2026-12-07 00:00 +08:00 (Monday of 2026-W50), ms.
const MONDAY: i64 = 1_796_572_800_000;
const HOUR: i64 = 3_600_000;
const MIN: i64 = 60_000;
const STEP: i64 = 10_000;
const WORKERS: usize = 1000;
const FIRST_ID: i64 = 1001;

fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_add(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A square loop around a grid's interior point, inside the grid.
struct Loop {
    frame: LocalFrame,
    half: f64,
}

impl Loop {
    fn new(g: &Grid) -> Self {
        let p = g
            .draft
            .geometry
            .interior_point()
            .expect("a grid has an interior point");
        let frame = LocalFrame::new(p.0);
        for half in [30.0, 25.0, 20.0, 15.0, 10.0] {
            let l = Self { frame, half };
            if (0..4).all(|k| {
                g.draft
                    .geometry
                    .contains(&Point::from(l.at(f64::from(k) * 2.0 * half)))
            }) {
                return l;
            }
        }
        panic!("grid {} has no room for a loop", g.id);
    }

    /// The position `s` metres along the loop.
    fn at(&self, s: f64) -> Coord {
        let h = self.half;
        let s = s.rem_euclid(8.0 * h);
        let (x, y) = match (s / (2.0 * h)) as u32 {
            0 => (-h + s, -h),
            1 => (h, -h + (s - 2.0 * h)),
            2 => (h - (s - 4.0 * h), h),
            _ => (-h, h - (s - 6.0 * h)),
        };
        self.frame.to_degrees(Coord { x, y })
    }
}

/// One worker's week: (time, position, grid) every 10 s of working hours.
fn week_of(w: usize, own: &[(i64, Loop)], office: (i64, Coord)) -> Vec<(i64, Coord, i64)> {
    // (grid index, duration, speed): patrols, one too short, one too slow.
    let mut segs: Vec<(usize, i64, f64)> = Vec::new();
    for (j, _) in own.iter().enumerate() {
        let r = mix(w as u64, j as u64);
        let patrols = match r % 10 {
            0 | 1 => 0,
            2 | 3 => 1,
            4..=6 => 2,
            _ => 3,
        };
        for k in 0..patrols {
            let mins = 30 + (mix(r, k) % 16) as i64;
            segs.push((j, mins * MIN, 1.2));
        }
        segs.push((j, 12 * MIN, 1.2));
        segs.push((j, 25 * MIN, 0.2));
    }
    // Shuffled (seeded), then dealt to the five days.
    for i in (1..segs.len()).rev() {
        let k = (mix(w as u64 + 77, i as u64) % (i as u64 + 1)) as usize;
        segs.swap(i, k);
    }
    let mut out = Vec::with_capacity(5 * 8 * 360);
    for day in 0..5i64 {
        let start = MONDAY + day * 24 * HOUR + 9 * HOUR;
        let end = start + 8 * HOUR;
        let mut t = start;
        let push_office = |t: &mut i64, until: i64, out: &mut Vec<_>| {
            while *t < until.min(end) {
                out.push((*t, office.1, office.0));
                *t += STEP;
            }
        };
        for (n, &(j, dur, speed)) in segs.iter().enumerate() {
            if n % 5 != day as usize {
                continue;
            }
            let gap = (8 + mix(w as u64, n as u64 + 1000) % 12) as i64 * MIN;
            let until = t + gap;
            push_office(&mut t, until, &mut out);
            let (grid, lp) = &own[j];
            let offset = (mix(w as u64, n as u64 + 2000) % 240) as f64;
            let seg_end = (t + dur).min(end);
            let mut s = offset;
            while t < seg_end {
                out.push((t, lp.at(s), *grid));
                s += speed * (STEP as f64 / 1000.0);
                t += STEP;
            }
        }
        push_office(&mut t, end, &mut out);
    }
    out
}

/// Creates `/work/QUIET` (or the file named) for the life of the guard.
struct Quiet(Option<std::path::PathBuf>);

impl Quiet {
    fn new() -> Self {
        let p = std::env::var_os("PATROL_BENCH_QUIET").map(std::path::PathBuf::from);
        if let Some(p) = &p {
            let _ = std::fs::write(p, "patrol_audit bench\n");
        }
        Self(p)
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let cut = base.rfind('/').expect("a database URL names a database");
    let mut s = format!("{}/{db}", &base[..cut]);
    if let Some(q) = query {
        s.push('?');
        s.push_str(q);
    }
    s
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(()); // `cargo bench -- --list`
    }
    let admin = std::env::var("DATABASE_URL")
        .or_else(|_| std::env::var("GRIDD_TEST_DATABASE_URL"))
        .map_err(|_| anyhow::anyhow!("set DATABASE_URL (scripts/pg.sh url)"))?;
    let sql_workers: usize = std::env::var("PATROL_SQL_WORKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(WORKERS);
    let skip_load = std::env::var("PATROL_BENCH_REUSE").is_ok_and(|v| v == "1");

    // Grids, workers, their loops and offices.
    let made = Instant::now();
    let (sd, grids, _) = hierarchy(&Spec::bench());
    let mut l3: Vec<&Grid> = grids.iter().filter(|g| g.draft.level == 3).collect();
    l3.sort_by_key(|g| g.id);
    assert_eq!(l3.len(), 3 * WORKERS, "3,000 L3 grids");
    let loops: Vec<Loop> = l3.iter().map(|g| Loop::new(g)).collect();
    let accounts: Vec<Account> = (0..WORKERS)
        .map(|w| Account {
            id: FIRST_ID + w as i64,
            name: format!("w{w}"),
            display_name: format!("网格员{w}"),
            grants: (0..3)
                .map(|k| Grant {
                    role: Role::GridWorker,
                    scope: Scope::Grid(l3[3 * w + k].id),
                })
                .collect(),
            created_at: 0,
            disabled_at: None,
        })
        .collect();
    let atlas = Atlas::build(vec![sd], grids.clone(), vec![], vec![]);
    eprintln!(
        "grids: {} ({} L3), {} workers; made in {:.1} s",
        grids.len(),
        l3.len(),
        WORKERS,
        made.elapsed().as_secs_f64()
    );

    // A fresh database with the product's schema.
    let db = "gridd_bench_patrols";
    let url = with_database(&admin, db);
    if !skip_load {
        let pool = sqlx::PgPool::connect(&admin).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {db}"))
            .execute(&pool)
            .await?;
        sqlx::query(&format!("CREATE DATABASE {db}"))
            .execute(&pool)
            .await?;
        pool.close().await;
    }
    let store = PostgisStore::connect(&url).await?;
    let pool = store.pool().clone();
    let week = Week::of(MONDAY + 9 * HOUR);

    if !skip_load {
        // The fixes.
        let made = Instant::now();
        let ids: Vec<usize> = (0..WORKERS).collect();
        let tracks: Vec<Vec<(i64, Coord, i64)>> = gridd::coverage::par::map(&ids, |&w| {
            let own: Vec<(i64, Loop)> = (0..3)
                .map(|k| {
                    let g = l3[3 * w + k];
                    (g.id, Loop::new(g))
                })
                .collect();
            let o = 3 * ((w + WORKERS / 2) % WORKERS);
            let office = (l3[o].id, loops[o].at(0.0));
            week_of(w, &own, office)
        });
        let n: usize = tracks.iter().map(Vec::len).sum();
        eprintln!("fixes: {n} made in {:.1} s", made.elapsed().as_secs_f64());
        // Placed where the atlas places them (checked on a sample).
        for t in &tracks {
            for &(_, c, g) in t.iter().step_by(997) {
                assert_eq!(atlas.place(c).deepest(), Some(g), "placing at {c:?}");
            }
        }
        sqlx::query(
            "CREATE TABLE track_fix_y2026m12 PARTITION OF track_fix \
             FOR VALUES FROM (1796083200000) TO (1798761600000)",
        )
        .execute(&pool)
        .await?;
        let loaded = Instant::now();
        let mut copy = pool
            .copy_in_raw(
                "COPY track_fix (worker, time_ms, lon, lat, subdistrict_id, grid_id, received_at) \
                 FROM STDIN",
            )
            .await?;
        let per = tracks[0].len();
        let mut buf = String::with_capacity(8 << 20);
        for batch in 0..per.div_ceil(60) {
            for (w, t) in tracks.iter().enumerate() {
                for &(time, c, g) in t.iter().skip(batch * 60).take(60) {
                    let _ = writeln!(
                        buf,
                        "{}\t{time}\t{}\t{}\t1\t{g}\t{}",
                        FIRST_ID + w as i64,
                        c.x,
                        c.y,
                        time / 1000
                    );
                }
            }
            if buf.len() > 6 << 20 {
                copy.send(buf.as_bytes()).await?;
                buf.clear();
            }
        }
        copy.send(buf.as_bytes()).await?;
        let rows = copy.finish().await?;
        eprintln!(
            "COPY {rows} rows in {:.1} s",
            loaded.elapsed().as_secs_f64()
        );
        drop(tracks);
        let v = Instant::now();
        sqlx::query("VACUUM (ANALYZE) track_fix")
            .execute(&pool)
            .await?;
        eprintln!("VACUUM ANALYZE in {:.1} s", v.elapsed().as_secs_f64());
        // The SQL version's grids and assignments.
        sqlx::raw_sql(
            "CREATE SCHEMA pa; CREATE TABLE pa.grid (id bigint PRIMARY KEY, geom geometry(Polygon, 4326)); \
             CREATE TABLE pa.own (worker bigint, grid bigint, PRIMARY KEY (worker, grid));",
        )
        .execute(&pool)
        .await?;
        for g in &l3 {
            let geo::Geometry::Polygon(p) = &g.draft.geometry else {
                anyhow::bail!("grid {} is not a polygon", g.id);
            };
            let ring: Vec<String> = p
                .exterior()
                .0
                .iter()
                .map(|c| format!("{} {}", c.x, c.y))
                .collect();
            let gj = format!("POLYGON(({}))", ring.join(","));
            sqlx::query("INSERT INTO pa.grid VALUES ($1, ST_GeomFromText($2, 4326))")
                .bind(g.id)
                .bind(gj)
                .execute(&pool)
                .await?;
        }
        for a in &accounts {
            for gr in &a.grants {
                if let Scope::Grid(g) = gr.scope {
                    sqlx::query("INSERT INTO pa.own VALUES ($1, $2)")
                        .bind(a.id)
                        .bind(g)
                        .execute(&pool)
                        .await?;
                }
            }
        }
        sqlx::raw_sql(
            "CREATE INDEX ON pa.grid USING gist (geom); ANALYZE pa.grid; ANALYZE pa.own;",
        )
        .execute(&pool)
        .await?;
    }

    // gridd: the desk's audit, end to end from PostGIS.
    let desk = PatrolDesk::new(Arc::new(store.clone()));
    let who = Principal::system("bench");
    let mut runs = Vec::new();
    let mut audit = None;
    for _ in 0..3 {
        let _quiet = Quiet::new();
        let t = Instant::now();
        let a = desk.audit(&atlas, &who, &accounts, week, None).await?;
        runs.push(t.elapsed().as_secs_f64());
        audit = Some(a);
    }
    let audit = audit.expect("three runs");
    let read = {
        let _quiet = Quiet::new();
        let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
        let mut n = 0usize;
        let t = Instant::now();
        store
            .counted_tracks(&ids, week.start_ms(), week.end_ms(), &mut |_, f| {
                n += f.len()
            })
            .await?;
        (t.elapsed().as_secs_f64(), n)
    };
    let a = &audit.audit;
    eprintln!(
        "gridd audit of {}: runs {:?} s; the read alone {:.2} s ({} fixes); {} patrols, {} of {} grids short",
        audit.week,
        runs.iter().map(|r| format!("{r:.2}")).collect::<Vec<_>>(),
        read.0,
        read.1,
        a.patrols.len(),
        a.short_grids().count(),
        a.grids.len()
    );

    // PostGIS SQL.
    let max_worker = FIRST_ID + sql_workers as i64 - 1;
    let sql = include_str!("patrol_audit.sql")
        .replace("{from_ms}", &week.start_ms().to_string())
        .replace("{to_ms}", &week.end_ms().to_string())
        .replace("{max_worker}", &max_worker.to_string());
    let (sql_secs, rows) = {
        let _quiet = Quiet::new();
        let t = Instant::now();
        let rows: Vec<(i64, i64)> = sqlx::query_as(&sql).fetch_all(&pool).await?;
        (t.elapsed().as_secs_f64(), rows)
    };
    eprintln!(
        "PostGIS SQL over {sql_workers} workers ({} grids): {sql_secs:.1} s",
        rows.len()
    );

    // Compare, over the grids of the workers the SQL measured.
    let sql_count: BTreeMap<i64, i64> = rows.into_iter().collect();
    let mut same = 0;
    let mut differ = Vec::new();
    for g in &a.grids {
        let Some(&s) = sql_count.get(&g.grid) else {
            continue;
        };
        if i64::from(g.patrols) == s {
            same += 1;
        } else {
            differ.push((g.grid, g.patrols, s));
        }
    }
    let short_gridd: Vec<i64> = a
        .grids
        .iter()
        .filter(|g| g.short && sql_count.contains_key(&g.grid))
        .map(|g| g.grid)
        .collect();
    let short_sql: Vec<i64> = sql_count
        .iter()
        .filter(|(_, n)| **n < 2)
        .map(|(g, _)| *g)
        .collect();
    let best = runs.iter().copied().fold(f64::INFINITY, f64::min);
    let scale = WORKERS as f64 / sql_workers as f64;
    println!(
        "patrol audit, 2026-W50: {WORKERS} workers, {} L3 grids, {} fixes",
        a.grids.len(),
        read.1
    );
    println!(
        "  gridd (PatrolDesk::audit from PostGIS): {runs:.2?} s; read alone {:.2} s",
        read.0
    );
    println!(
        "  PostGIS SQL (ST_MakeLine + ST_Intersection) over {sql_workers} workers: {sql_secs:.1} s{}",
        if sql_workers < WORKERS {
            format!(
                " (× {scale:.1} = {:.0} s for all, linear)",
                sql_secs * scale
            )
        } else {
            String::new()
        }
    );
    println!(
        "  ratio (SQL, scaled to all workers / gridd best): {:.0}×",
        sql_secs * scale / best
    );
    println!(
        "  per-grid patrol counts equal in {same} of {} grids; short grids: gridd {}, SQL {}, same list: {}",
        same + differ.len(),
        short_gridd.len(),
        short_sql.len(),
        short_gridd == short_sql
    );
    if !differ.is_empty() {
        println!(
            "  first differences (grid, gridd, SQL): {:?}",
            &differ[..differ.len().min(10)]
        );
    }
    Ok(())
}
