//! Point-in-grid benchmarks: full-path placements (every level) per second on one
//! core, on a deterministic synthetic three-level subdistrict (~3,000 L3 grids), on
//! the demo data, and on a city-scale set; the older R-tree + `geo::Covers` path for
//! comparison. Writes the synthetic grids and points to `target/lookup-bench/` for
//! the anchors (`lookup_anchors.py`: PostGIS, shapely/GEOS, HTTP batch).
//!
//! `GRIDD_BENCH_MEMORY=1` also reports the resident size of a city-scale atlas
//! (100,000+ grids, 1,000,000 buildings).

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::Coord;
use gridd::domain::change::ImportBatch;
use gridd::domain::grid::Grid;
use gridd::index::Atlas;
use gridd::lookup::synthetic::{Tessellation, city, points};

const N: usize = 100_000;

/// Stored rows from an import batch (negated batch-local ids), as `synthetic::city`.
fn rows(
    b: ImportBatch,
) -> (
    Vec<gridd::domain::subdistrict::Subdistrict>,
    Vec<Grid>,
    Vec<gridd::domain::reference::Building>,
) {
    let subs = b
        .subdistricts
        .into_iter()
        .map(|s| gridd::domain::subdistrict::Subdistrict { id: -s.id, ..s })
        .collect();
    let grids = b
        .grids
        .into_iter()
        .map(|g| Grid {
            id: -g.local_id,
            subdistrict_id: -g.subdistrict_id,
            draft: gridd::domain::grid::GridDraft {
                parent_id: g.draft.parent_id.map(|p| -p),
                ..g.draft
            },
            version: 1,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        })
        .collect();
    let buildings = b
        .buildings
        .into_iter()
        .enumerate()
        .map(|(i, x)| gridd::domain::reference::Building {
            id: i as i64 + 1,
            subdistrict_id: -x.subdistrict_id,
            ..x
        })
        .collect();
    (subs, grids, buildings)
}

fn bench_atlas(c: &mut Criterion, name: &str, atlas: &Atlas, pts: &[Coord]) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(pts.len() as u64));
    g.sample_size(20);
    g.bench_function("place_full_path", |b| {
        b.iter(|| {
            let mut acc = 0i64;
            for p in pts {
                let pl = atlas.place(*p);
                acc = acc.wrapping_add(pl.deepest().unwrap_or(0));
            }
            black_box(acc)
        });
    });
    g.bench_function("lookup_with_names", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for p in pts {
                acc += atlas.lookup(*p).path.len();
            }
            black_box(acc)
        });
    });
    g.bench_function("rtree_geo_covers_3_levels", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for p in pts {
                for l in 1..=3 {
                    acc += atlas.covering(l, *p).len();
                }
            }
            black_box(acc)
        });
    });
    g.finish();
}

fn export(t: &Tessellation, grids: &[Grid], pts: &[Coord]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/lookup-bench");
    let _ = std::fs::create_dir_all(&dir);
    let sub = t.batch().subdistricts.remove(0);
    let sub_fc = serde_json::json!({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": geojson::Geometry::new((&sub.boundary).into()),
        "properties": {"code": sub.code, "name": sub.name}}]});
    let by_id: std::collections::HashMap<i64, &Grid> = grids.iter().map(|g| (g.id, g)).collect();
    let features: Vec<serde_json::Value> = grids
        .iter()
        .map(|g| {
            serde_json::json!({"type": "Feature", "geometry": geojson::Geometry::new((&g.draft.geometry).into()),
                "properties": {"id": g.id, "code": g.draft.code, "name": g.draft.name, "level": g.draft.level,
                    "parent_code": g.draft.parent_id.and_then(|p| by_id.get(&p)).map(|p| p.draft.code.clone())}})
        })
        .collect();
    let fc = serde_json::json!({"type": "FeatureCollection", "features": features});
    let _ = std::fs::write(dir.join("subdistrict.geojson"), sub_fc.to_string());
    let _ = std::fs::write(dir.join("grids.geojson"), fc.to_string());
    if let Ok(f) = std::fs::File::create(dir.join("points.csv")) {
        let mut w = std::io::BufWriter::new(f);
        let _ = writeln!(w, "lon,lat");
        for p in pts {
            let _ = writeln!(w, "{},{}", p.x, p.y);
        }
    }
}

fn vm_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn memory() {
    let t = Tessellation::city_scale();
    let before = vm_rss_kib();
    let (subs, grids) = city(&t);
    let buildings = t.buildings(1_000_000, 5);
    let n = grids.len();
    let atlas = Atlas::build(subs, grids, buildings, vec![]);
    let after = vm_rss_kib();
    eprintln!(
        "memory: city-scale atlas with {n} grids and {} buildings: {:.0} MiB resident (VmRSS growth); point index {:.0} MiB",
        atlas.building_count(),
        (after - before) as f64 / 1024.0,
        atlas.point_index().heap_bytes() as f64 / 1048576.0
    );
}

fn benches(c: &mut Criterion) {
    if std::env::var_os("GRIDD_BENCH_MEMORY").is_some() {
        memory();
    }
    let t = Tessellation::default();
    let (subs, grids) = city(&t);
    let pts = points(t.extent(), N, 42);
    export(&t, &grids, &pts);
    let l3 = grids.iter().filter(|g| g.draft.level == 3).count();
    eprintln!("synthetic: {} grids ({l3} L3), {N} points", grids.len());
    let atlas = Atlas::build(subs, grids, vec![], vec![]);
    bench_atlas(c, "lookup_synthetic_3k_l3", &atlas, &pts);

    let demo = gridd::demo::batch(&gridd::demo::default_dir(), &|_, _, _| {}).expect("demo data");
    let (subs, grids, buildings) = rows(demo);
    let extent = {
        use geo::BoundingRect;
        subs[0].boundary.bounding_rect().expect("boundary")
    };
    let atlas = Atlas::build(subs, grids, buildings, vec![]);
    bench_atlas(c, "lookup_demo", &atlas, &points(extent, N, 42));

    let t = Tessellation::city_scale();
    let (subs, grids) = city(&t);
    let atlas = Atlas::build(subs, grids, vec![], vec![]);
    let pts = points(t.extent(), N, 42);
    let mut g = c.benchmark_group("lookup_city_100k");
    g.throughput(Throughput::Elements(pts.len() as u64));
    g.sample_size(20);
    g.bench_function("place_full_path", |b| {
        b.iter(|| {
            let mut acc = 0i64;
            for p in &pts {
                acc = acc.wrapping_add(atlas.place(*p).deepest().unwrap_or(0));
            }
            black_box(acc)
        });
    });
    g.finish();
}

criterion_group!(lookup, benches);
criterion_main!(lookup);
