//! Coverage audit benchmark: a deterministic synthetic subdistrict of 30 L1, 300
//! L2 and 3,000 L3 grids with 20,000 buildings, every vertex rounded to 7
//! decimals (`gridd::coverage::synthetic::Spec::bench`).
//!
//! Besides criterion's figures, one run prints, side by side on the same data:
//! - gridd's whole audit (median of 7 runs);
//! - the same checks in PostGIS SQL (`coverage.sql`: ST_Union, ST_Difference,
//!   pairwise ST_Intersection over the GiST index, ST_Buffer for the width test)
//!   when `DATABASE_URL` is set (`scripts/pg.sh start` prints one); the data is
//!   written into the schema `cb`, which is dropped and recreated;
//! - GEOS coverage validation through shapely (`coverage_geos.py`) when
//!   `python3` can import shapely ≥ 2.2.
//!
//! `cargo bench -p gridd --bench coverage`; `COVERAGE_BENCH_COMPARE=0` skips the
//! comparison.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gridd::coverage::synthetic::{self, Spec};
use gridd::coverage::{Config, Edit, Input, audit, preview};
use gridd::domain::grid::Grid;
use gridd::domain::reference::Building;
use gridd::domain::subdistrict::Subdistrict;
use gridd::index::Atlas;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench(c: &mut Criterion) {
    let (s, grids, buildings) = synthetic::hierarchy(&Spec::bench());
    let config = Config::default();
    let input = Input {
        subdistrict: &s,
        grids: grids.iter().collect(),
        buildings: buildings.iter().collect(),
    };
    let r = audit(&input, &config);
    eprintln!(
        "coverage bench data: {} grids ({} L3), {} buildings; audit finds {} defects, {} warnings; noise slivers L3: {} gaps {} overlaps {} outside",
        grids.len(),
        r.levels[2].grids,
        buildings.len(),
        r.defects,
        r.warnings,
        r.levels[2].noise.gaps,
        r.levels[2].noise.overlaps,
        r.levels[2].noise.outside
    );
    eprintln!("phases (ms, one cold run): {:?}", r.timings_ms);
    let mut g = c.benchmark_group("coverage");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("audit 3000 L3 + 20000 buildings", |b| {
        b.iter(|| audit(&input, &config))
    });

    let atlas = Atlas::build(vec![s.clone()], grids.clone(), buildings.clone(), vec![]);
    let target = grids
        .iter()
        .find(|g| g.draft.level == 3 && g.draft.code.ends_with("002"))
        .expect("an L3 grid");
    let mut draft = target.draft.clone();
    if let geo::Geometry::Polygon(p) = &mut draft.geometry {
        p.exterior_mut(|r| {
            r.0[1].x += 3.0e-5; // drag one vertex about 3 m east
            r.0[1].y += 1.0e-5;
        });
    }
    let edit = Edit {
        id: Some(target.id),
        subdistrict_id: s.id,
        draft,
    };
    g.bench_function("preview of a dragged vertex (L3)", |b| {
        b.iter(|| preview(&atlas, &edit, &config))
    });
    g.finish();

    if std::env::var("COVERAGE_BENCH_COMPARE").as_deref() != Ok("0") {
        compare(&s, &grids, &buildings, &input, &config);
    }
}

fn compare(
    s: &Subdistrict,
    grids: &[Grid],
    buildings: &[Building],
    input: &Input<'_>,
    config: &Config,
) {
    let ours = median(
        (0..7)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(audit(input, config));
                t.elapsed().as_secs_f64()
            })
            .collect(),
    );
    println!("\n== coverage audit, same data, one run ==");
    println!(
        "gridd audit (3 levels, overlaps, nesting, codes, sizes, buildings): {:.1} ms (median of 7)",
        ours * 1e3
    );
    match std::env::var("DATABASE_URL") {
        Ok(url) => match postgis(&url, s, grids, buildings, config.tolerance_m) {
            Ok((total, per)) => {
                for (name, secs, row) in &per {
                    println!("  postgis {name}: {:.1} ms  {row}", secs * 1e3);
                }
                println!(
                    "PostGIS SQL, same checks: {:.1} ms → gridd is {:.1}× faster",
                    total * 1e3,
                    total / ours
                );
            }
            Err(e) => println!("PostGIS comparison failed: {e}"),
        },
        Err(_) => println!("PostGIS comparison skipped: set DATABASE_URL (scripts/pg.sh start)"),
    }
    let path = std::env::temp_dir().join("gridd-coverage-bench-grids.geojson");
    let fc = serde_json::json!({
        "type": "FeatureCollection",
        "features": grids.iter().map(|g| serde_json::json!({
            "type": "Feature",
            "geometry": geojson::Geometry::new((&g.draft.geometry).into()),
            "properties": {"level": g.draft.level, "code": g.draft.code},
        })).collect::<Vec<_>>(),
    });
    if let Err(e) = std::fs::write(&path, fc.to_string()) {
        println!(
            "GEOS comparison skipped: cannot write {}: {e}",
            path.display()
        );
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/coverage_geos.py");
    let python = std::env::var("GRIDD_PYTHON").unwrap_or_else(|_| "python3".into());
    match std::process::Command::new(python)
        .arg(script)
        .arg(&path)
        .arg(config.tolerance_m.to_string())
        .output()
    {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            println!("GEOS coverage validation (shapely): {}", text.trim());
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
                && let Some(t) = v["total_s"].as_f64()
            {
                println!(
                    "GEOS coverage_is_valid + coverage_invalid_edges, all levels: {:.1} ms",
                    t * 1e3
                );
            }
        }
        Ok(o) => println!(
            "GEOS comparison failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => println!("GEOS comparison skipped: {e}"),
    }
}

type Timings = (f64, Vec<(String, f64, String)>);

fn postgis(
    url: &str,
    s: &Subdistrict,
    grids: &[Grid],
    buildings: &[Building],
    tol: f64,
) -> Result<Timings, Box<dyn std::error::Error>> {
    use sqlx::{Executor, Row};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await?;
        pool.execute(
            "CREATE EXTENSION IF NOT EXISTS postgis; DROP SCHEMA IF EXISTS cb CASCADE; CREATE SCHEMA cb;
             CREATE TABLE cb.sub (id bigint PRIMARY KEY, geom geometry(Geometry, 4326), gm geometry);
             CREATE TABLE cb.grids (id bigint PRIMARY KEY, level int, parent_id bigint, code text, kind text, households int, geom geometry(Geometry, 4326), gm geometry);
             CREATE TABLE cb.buildings (id bigint PRIMARY KEY, households int, geom geometry(Geometry, 4326), gm geometry);",
        )
        .await?;
        let gj = |g: &geo::Geometry| geojson::Geometry::new(g.into()).to_string();
        sqlx::query("INSERT INTO cb.sub SELECT $1, g, ST_Transform(g, 32651) FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($2), 4326) g) x")
            .bind(s.id)
            .bind(gj(&s.boundary))
            .execute(&pool)
            .await?;
        sqlx::query(
            "INSERT INTO cb.grids SELECT id, level, parent_id, code, kind, households, g, ST_Transform(g, 32651)
             FROM (SELECT *, ST_SetSRID(ST_GeomFromGeoJSON(j), 4326) g
                   FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::text[])
                        AS t(id, level, parent_id, code, kind, households, j)) x",
        )
        .bind(grids.iter().map(|g| g.id).collect::<Vec<_>>())
        .bind(grids.iter().map(|g| i32::from(g.draft.level)).collect::<Vec<_>>())
        .bind(grids.iter().map(|g| g.draft.parent_id).collect::<Vec<_>>())
        .bind(grids.iter().map(|g| g.draft.code.clone()).collect::<Vec<_>>())
        .bind(grids.iter().map(|g| g.draft.kind.as_str().to_owned()).collect::<Vec<_>>())
        .bind(grids.iter().map(|g| g.draft.households).collect::<Vec<_>>())
        .bind(grids.iter().map(|g| gj(&g.draft.geometry)).collect::<Vec<_>>())
        .execute(&pool)
        .await?;
        sqlx::query(
            "INSERT INTO cb.buildings SELECT id, households, g, ST_Transform(g, 32651)
             FROM (SELECT *, ST_SetSRID(ST_GeomFromGeoJSON(j), 4326) g FROM unnest($1::bigint[], $2::int[], $3::text[]) AS t(id, households, j)) x",
        )
        .bind(buildings.iter().map(|b| b.id).collect::<Vec<_>>())
        .bind(buildings.iter().map(|b| b.households).collect::<Vec<_>>())
        .bind(buildings.iter().map(|b| gj(&b.footprint)).collect::<Vec<_>>())
        .execute(&pool)
        .await?;
        pool.execute(
            "CREATE INDEX ON cb.grids USING gist (gm); CREATE INDEX ON cb.grids (parent_id); CREATE INDEX ON cb.grids (level);
             CREATE INDEX ON cb.buildings USING gist (gm); ANALYZE cb.sub; ANALYZE cb.grids; ANALYZE cb.buildings;",
        )
        .await?;
        let sql = include_str!("coverage.sql").replace(":tol", &format!("{tol:.6}"));
        let statements: Vec<&str> = sql.split("\n;;\n").map(str::trim).filter(|s| !s.is_empty()).collect();
        let mut runs: Vec<Vec<(String, f64, String)>> = Vec::new();
        for _ in 0..3 {
            let mut per = Vec::new();
            for st in &statements {
                let t = Instant::now();
                let rows = sqlx::query(st).fetch_all(&pool).await?;
                let secs = t.elapsed().as_secs_f64();
let first: String = st
                    .lines()
                    .take_while(|l| l.starts_with("--"))
                    .last()
                    .unwrap_or_default()
                    .trim_start_matches("-- ")
                    .chars()
                    .take(60)
                    .collect();
                let detail: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        (1..r.len())
                            .map(|i| {
                                r.try_get::<i64, _>(i)
                                    .map(|v| v.to_string())
                                    .or_else(|_| r.try_get::<f64, _>(i).map(|v| format!("{v:.1}")))
                                    .unwrap_or_default()
                            })
                            .collect::<Vec<_>>()
                            .join("/")
                    })
                    .collect();
                per.push((first, secs, detail.join("; ")));
            }
            runs.push(per);
        }
        runs.sort_by(|a, b| a.iter().map(|x| x.1).sum::<f64>().total_cmp(&b.iter().map(|x| x.1).sum::<f64>()));
        let mid = runs.swap_remove(1);
        let total = mid.iter().map(|x| x.1).sum();
        Ok((total, mid))
    })
}

criterion_group!(benches, bench);
criterion_main!(benches);
