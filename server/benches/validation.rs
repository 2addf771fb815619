//! Geometry validation time against vertex count, with the algorithm it replaced
//! measured side by side in the same run (kept here only, as the anchor).
//!
//! Shapes, n = 1,000 … 100,000 positions:
//! - `star`: a noisy star-shaped boundary around 120.5° E 31.2° N (a real-looking
//!   district boundary with many vertices), through `parse_area`;
//! - `comb`: a comb whose teeth are horizontal, so one vertical sweep line cuts
//!   every tooth (the sweep's worst case: its order holds n/2 segments at once);
//! - `split line`: a long zigzag cut line, through the split's line check.
//!
//! One run prints a Markdown table (median of 5 one-shot runs per cell, and
//! time / (n log₂ n) for the n log n check), then criterion's figures.
//! `cargo bench -p gridd --bench validation`.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use geo::{Coord, Geometry, LineString, Polygon, Validation};
use gridd::domain::geometry::{Limits, parse_area, segments};

const SIZES: &[usize] = &[1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000];
/// The old algorithm is quadratic: measured up to here (10,000 took 1.8 s).
const OLD_UP_TO: usize = 10_000;

/// A closed ring of `n` positions (first = last) round a noisy star.
fn star(n: usize) -> Vec<[f64; 2]> {
    let m = n - 1;
    let mut ring: Vec<[f64; 2]> = (0..m)
        .map(|i| {
            let t = std::f64::consts::TAU * i as f64 / m as f64;
            let noise = ((i.wrapping_mul(2_654_435_761) >> 7) % 1000) as f64 / 1000.0;
            let r = 0.02 * (1.0 + 0.15 * (7.0 * t).sin() + 0.01 * noise);
            [120.5 + r * t.cos(), 31.2 + r * t.sin()]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

/// A closed comb of about `n` positions: a spine on the left, horizontal teeth
/// stacked upwards.
fn comb(n: usize) -> Vec<[f64; 2]> {
    let teeth = (n - 2) / 4;
    let (w, len) = (1e-5, 0.01);
    let (x0, y0) = (120.5, 31.2);
    let mut ring = vec![[x0, y0]];
    for k in 0..teeth {
        let y = y0 + (2 * k) as f64 * w;
        ring.push([x0 + len, y]);
        ring.push([x0 + len, y + w]);
        if k + 1 < teeth {
            ring.push([x0 + 0.1 * len, y + w]);
            ring.push([x0 + 0.1 * len, y + 2.0 * w]);
        } else {
            ring.push([x0, y + w]);
        }
    }
    ring.push([x0, y0]);
    ring
}

/// A zigzag cut line of `n` positions.
fn zigzag(n: usize) -> LineString {
    LineString(
        (0..n)
            .map(|i| Coord {
                x: 120.5 + i as f64 * 1e-6,
                y: 31.2 + (i % 2) as f64 * 1e-4,
            })
            .collect(),
    )
}

fn polygon(ring: &[[f64; 2]]) -> geojson::Geometry {
    serde_json::from_value(serde_json::json!({"type": "Polygon", "coordinates": [ring]}))
        .expect("geojson")
}

fn new_area(g: &geojson::Geometry) -> bool {
    parse_area("geometry", g, Limits::default()).is_ok()
}

/// The replaced check: `geo`'s `Validation` (every pair of segments per ring), as
/// `check_topology` called it before, on the already converted polygon.
fn old_area(p: &Polygon) -> bool {
    p.validation_errors().is_empty()
}

/// The replaced split line check: every pair of non-consecutive segments.
fn old_line(line: &LineString) -> bool {
    use geo::Intersects;
    let segs: Vec<geo::Line> = line.lines().collect();
    for i in 0..segs.len() {
        for j in i + 2..segs.len() {
            if segs[i].intersects(&segs[j]) {
                return false;
            }
        }
    }
    true
}

fn new_line(line: &LineString) -> bool {
    segments::self_meeting(&line.0, false).is_none()
}

fn to_polygon(ring: &[[f64; 2]]) -> Polygon {
    Polygon::new(LineString::from(ring.to_vec()), vec![])
}

/// Median seconds of `runs` one-shot calls (each must say "valid").
fn median(runs: usize, f: &mut dyn FnMut() -> bool) -> f64 {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            assert!(f(), "the benchmark's shapes are valid");
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn per_nlogn(secs: f64, n: usize) -> f64 {
    secs * 1e9 / (n as f64 * (n as f64).log2())
}

fn table() {
    println!(
        "| n | star: gridd | ns/(n log₂ n) | star: old | comb: gridd | ns/(n log₂ n) | split line: gridd | ns/(n log₂ n) | split line: old |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let ms = |s: f64| format!("{:.2} ms", s * 1e3);
    for &n in SIZES {
        let (s, c, z) = (polygon(&star(n)), polygon(&comb(n)), zigzag(n));
        let sp = to_polygon(&star(n));
        let ts = median(5, &mut || new_area(&s));
        let tc = median(5, &mut || new_area(&c));
        let tz = median(5, &mut || new_line(&z));
        let (old_s, old_z) = if n <= OLD_UP_TO {
            let runs = if n >= 5_000 { 3 } else { 5 };
            (
                ms(median(runs, &mut || old_area(&sp))),
                ms(median(runs, &mut || old_line(&z))),
            )
        } else {
            ("–".into(), "–".into())
        };
        println!(
            "| {n} | {} | {:.1} | {old_s} | {} | {:.1} | {} | {:.1} | {old_z} |",
            ms(ts),
            per_nlogn(ts, n),
            ms(tc),
            per_nlogn(tc, n),
            ms(tz),
            per_nlogn(tz, n),
        );
    }
}

fn bench(c: &mut Criterion) {
    table();
    let mut g = c.benchmark_group("validation");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    for &n in &[1_000, 10_000, 100_000] {
        let s = polygon(&star(n));
        g.bench_with_input(BenchmarkId::new("star", n), &s, |b, s| {
            b.iter(|| new_area(s))
        });
        let z = zigzag(n);
        g.bench_with_input(BenchmarkId::new("split line", n), &z, |b, z| {
            b.iter(|| new_line(z))
        });
    }
    let sp = to_polygon(&star(1_000));
    g.bench_function("star, old/1000", |b| b.iter(|| old_area(&sp)));
    g.finish();
    // The shapes are what they claim: the comb's teeth all cross one vertical line.
    let ring = comb(1_000);
    let x = 120.5 + 0.005;
    let crossing = ring
        .windows(2)
        .filter(|w| (w[0][0] - x) * (w[1][0] - x) < 0.0)
        .count();
    assert!(crossing >= 490, "{crossing}");
    assert!(matches!(
        parse_area("g", &polygon(&ring), Limits::default()),
        Ok(Geometry::Polygon(_))
    ));
}

criterion_group!(benches, bench);
criterion_main!(benches);
