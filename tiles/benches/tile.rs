//! The whole pipeline for one z14 tile (transform, clip, snap, clean, orient, encode) over
//! ~3,000 grids in Web Mercator metres, some crossing the tile edges.
#![allow(clippy::unwrap_used)]

#[path = "../tests/support/grids.rs"]
mod grids;

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use geo::Geometry;
use gridd_tiles::{PropValue, TileBuilder, TileCoord};

use grids::Lattice;

fn build(tile: TileCoord, grids: &[(u64, Geometry<f64>, String)]) -> Vec<u8> {
    let mut builder = TileBuilder::new(tile);
    let layer = builder.layer("grids");
    for (id, g, code) in grids {
        builder.add_feature(
            layer,
            Some(*id),
            g,
            &[
                ("code", PropValue::Str(code)),
                ("households", PropValue::UInt(100 + id % 900)),
            ],
        );
    }
    builder.finish()
}

fn bench(c: &mut Criterion) {
    let tile = TileCoord::new(14, 9327, 4742).unwrap();
    // 53 × 53 cells over the tile plus a one-cell margin: 55 × 55 = 3,025 grids, the
    // outer ring of them crossing the buffered tile edge.
    let grids: Vec<_> = Lattice::over_tile(tile, 53, 11)
        .grids()
        .into_iter()
        .map(|(id, p)| (id, Geometry::Polygon(p), format!("110105-{id:04}")))
        .collect();
    eprintln!(
        "{} grids -> {} tile bytes",
        grids.len(),
        build(tile, &grids).len()
    );
    c.bench_function("z14_tile_3025_grids", |b| {
        b.iter(|| build(black_box(tile), black_box(&grids)))
    });
    // The same grids seen from z12: 16× smaller, so snapping collapses many vertices.
    let z12 = TileCoord::new(12, 9327 / 4, 4742 / 4).unwrap();
    eprintln!("z12: {} tile bytes", build(z12, &grids).len());
    c.bench_function("z12_tile_same_grids", |b| {
        b.iter(|| build(black_box(z12), black_box(&grids)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
