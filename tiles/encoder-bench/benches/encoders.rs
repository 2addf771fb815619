//! MVT encoders compared on the same input: ~3,000 grid polygons already clipped and
//! snapped to integer tile units, each with an id and two attributes. Only the encoding
//! step is timed, so the figures compare encoders, not our pipeline.
#![allow(clippy::unwrap_used)]

#[path = "../../tests/support/grids.rs"]
mod grids;

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use fast_mvt::{MvtCoord, MvtGeomType, MvtLayerBuilder, MvtValueRef};
use geo::{Coord, LineString, Polygon};
use gridd_tiles::TileCoord;

use grids::Lattice;

/// One prepared grid: id, code, household count and its open ring in tile units.
struct Grid {
    id: u64,
    code: String,
    households: u64,
    ring: Vec<MvtCoord>,
}

/// 55 × 55 = 3,025 grids strictly inside the z14 tile over Helsinki, in tile units.
fn grids() -> Vec<Grid> {
    let tile = TileCoord::new(14, 9327, 4742).unwrap();
    let b = tile.bounds_mercator();
    let scale = 4096.0 / tile.size_mercator();
    let mut lattice = Lattice::over_tile(tile, 55, 7);
    // Drop the margin: every grid lies inside the tile, so no clipping is involved.
    lattice.origin = Coord {
        x: b.min().x,
        y: b.min().y,
    };
    lattice.nx = 55;
    lattice.ny = 55;
    lattice
        .grids()
        .into_iter()
        .map(|(id, p)| {
            let mut ring: Vec<MvtCoord> = p.exterior().0[1..]
                .iter()
                .map(|c| MvtCoord {
                    x: ((c.x - b.min().x) * scale).round() as i32,
                    y: ((b.max().y - c.y) * scale).round() as i32,
                })
                .collect();
            // Exterior rings clockwise on screen (y down), as the MVT spec wants, so that
            // encoders that do not rewind produce the same tile.
            ring.reverse();
            Grid {
                id,
                code: format!("110105-{id:04}"),
                households: 100 + id % 900,
                ring,
            }
        })
        .collect()
}

fn encode_fast_mvt(grids: &[Grid]) -> Vec<u8> {
    let mut layer = MvtLayerBuilder::new("grids").unwrap();
    for g in grids {
        let mut f = layer.feature_of(MvtGeomType::Polygon);
        f.ring(g.ring.iter().copied(), true).unwrap();
        f.id(Some(g.id));
        f.tag_ref("code", MvtValueRef::String(&g.code)).unwrap();
        f.tag_ref("households", MvtValueRef::UInt(g.households))
            .unwrap();
        layer = f.end();
    }
    layer.encode()
}

fn encode_mvt(grids: &[Grid]) -> Vec<u8> {
    let mut tile = mvt::Tile::new(4096);
    let mut layer = tile.create_layer("grids");
    for g in grids {
        let mut enc = mvt::GeomEncoder::new(mvt::GeomType::Polygon);
        for c in &g.ring {
            enc.add_point(c.x, c.y).unwrap();
        }
        enc.complete_geom().unwrap();
        let mut f = layer.into_feature(enc.encode().unwrap());
        f.set_id(g.id);
        f.add_tag_string("code", &g.code);
        f.add_tag_uint("households", g.households);
        layer = f.into_layer();
    }
    tile.add_layer(layer).unwrap();
    tile.to_bytes().unwrap()
}

fn encode_geozero(grids: &[Grid]) -> Vec<u8> {
    use geozero::ToMvt;
    use geozero::mvt::{Message, TagsBuilder, Tile, TileValue, tile};

    let mut tags = TagsBuilder::new();
    let mut features = Vec::with_capacity(grids.len());
    for g in grids {
        let mut ring: Vec<Coord<f64>> = g
            .ring
            .iter()
            .map(|c| Coord {
                x: f64::from(c.x),
                y: f64::from(c.y),
            })
            .collect();
        ring.push(ring[0]);
        let polygon = geo::Geometry::Polygon(Polygon::new(LineString::new(ring), vec![]));
        let mut f = polygon.to_mvt_unscaled().unwrap();
        f.id = Some(g.id);
        let (k, v) = tags.insert_ref("code", TileValue::Str(g.code.clone()));
        f.tags.extend([k, v]);
        let (k, v) = tags.insert_ref("households", TileValue::Uint(g.households));
        f.tags.extend([k, v]);
        features.push(f);
    }
    let (keys, values) = tags.into_tags();
    let layer = tile::Layer {
        version: 2,
        name: "grids".into(),
        features,
        keys,
        values: values.into_iter().map(Into::into).collect(),
        extent: Some(4096),
    };
    Tile {
        layers: vec![layer],
    }
    .encode_to_vec()
}

fn bench(c: &mut Criterion) {
    let grids = grids();
    let vertices: usize = grids.iter().map(|g| g.ring.len()).sum();
    eprintln!(
        "{} grids, {vertices} vertices; tile bytes: fast-mvt {}, mvt {}, geozero {}",
        grids.len(),
        encode_fast_mvt(&grids).len(),
        encode_mvt(&grids).len(),
        encode_geozero(&grids).len(),
    );
    let mut group = c.benchmark_group("encode_3025_grids");
    group.bench_function("fast-mvt", |b| {
        b.iter(|| encode_fast_mvt(black_box(&grids)))
    });
    group.bench_function("mvt", |b| b.iter(|| encode_mvt(black_box(&grids))));
    group.bench_function("geozero", |b| b.iter(|| encode_geozero(black_box(&grids))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
