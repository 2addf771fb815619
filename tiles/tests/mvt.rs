//! End-to-end tests of `TileBuilder`: tiles are decoded with `mvt-reader`, a decoder
//! independent of the fast-mvt encoder, and checked on integer tile coordinates.
#![allow(clippy::unwrap_used)]

#[path = "support/grids.rs"]
mod grids;

use std::collections::HashMap;

use geo::{Coord, Geometry, LineString, MultiPoint, Point, Polygon, Rect, coord};
use gridd_tiles::{PropValue, TileBuilder, TileCoord, tiles_covering};
use mvt_reader::Reader;
use mvt_reader::feature::{Feature, Value};

use grids::Lattice;

/// The z14 tile over central Helsinki (24.94 E, 60.17 N).
fn helsinki() -> TileCoord {
    TileCoord::new(14, 9327, 4742).unwrap()
}

/// Tile units (out of 4096, y down) of `tile` back to Web Mercator metres.
fn metres(tile: TileCoord, x: f64, y: f64) -> Coord<f64> {
    let b = tile.bounds_mercator();
    let s = tile.size_mercator() / 4096.0;
    coord! { x: b.min().x + x * s, y: b.max().y - y * s }
}

fn polygon_in_tile_units(tile: TileCoord, ring: &[(f64, f64)]) -> Polygon<f64> {
    let ring: Vec<_> = ring.iter().map(|&(x, y)| metres(tile, x, y)).collect();
    Polygon::new(LineString::new(ring), vec![])
}

/// Every layer of a tile: name and features with integer coordinates.
fn decode(bytes: &[u8]) -> Vec<(String, Vec<Feature<i32>>)> {
    let reader = Reader::new(bytes.to_vec()).unwrap();
    let names = reader.get_layer_names().unwrap();
    let meta = reader.get_layer_metadata().unwrap();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            assert_eq!(meta[i].extent, 4096);
            (name, reader.get_features_as::<i32>(i).unwrap())
        })
        .collect()
}

fn polygons(g: &Geometry<i32>) -> Vec<Polygon<i32>> {
    match g {
        Geometry::Polygon(p) => vec![p.clone()],
        Geometry::MultiPolygon(mp) => mp.0.clone(),
        other => panic!("expected polygons, got {other:?}"),
    }
}

/// Twice the signed area of a closed ring, surveyor's formula as in MVT spec §4.3.4.4.
fn area2(ring: &LineString<i32>) -> i64 {
    ring.0
        .windows(2)
        .map(|w| i64::from(w[0].x) * i64::from(w[1].y) - i64::from(w[1].x) * i64::from(w[0].y))
        .sum()
}

/// The open ring's vertices (the decoder repeats the first one at the end).
fn open(ring: &LineString<i32>) -> Vec<(i32, i32)> {
    let v: Vec<_> = ring.0.iter().map(|c| (c.x, c.y)).collect();
    v[..v.len() - 1].to_vec()
}

/// Offset of sample points from integer rows. With 43 719 / 100 000 in lowest terms, no
/// edge between integer points shorter than 50 000 units can pass through a sample at
/// `(x + 0.5, y + SAMPLE_DY)`, so samples never sit on an edge.
const SAMPLE_DY: f64 = 0.437_19;

/// Even-odd point-in-polygon on integer rings.
fn covers(p: &Polygon<i32>, x: f64, y: f64) -> bool {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|ring| {
            ring.0
                .windows(2)
                .filter(|w| {
                    let (a, b) = (w[0], w[1]);
                    let (ay, by) = (f64::from(a.y), f64::from(b.y));
                    (ay > y) != (by > y) && {
                        let t = (y - ay) / (by - ay);
                        x < f64::from(a.x) + t * f64::from(b.x - a.x)
                    }
                })
                .count()
        })
        .sum::<usize>()
        % 2
        == 1
}

#[test]
fn polygon_crossing_tile_edges_is_clipped_to_the_buffer() {
    let tile = helsinki();
    // A diamond centred on the east edge, in tile units.
    let diamond = polygon_in_tile_units(
        tile,
        &[
            (3072.0, 2048.0),
            (4096.0, 1024.0),
            (5120.0, 2048.0),
            (4096.0, 3072.0),
        ],
    );
    let mut b = TileBuilder::new(tile);
    let l = b.layer("grids");
    assert!(b.add_feature(l, Some(1), &diamond.clone().into(), &[]));
    let tiles = decode(&b.finish());
    let ring = polygons(&tiles[0].1[0].geometry)[0].exterior().clone();
    let mut got = open(&ring);
    got.sort_unstable();
    let mut want = vec![
        (3072, 2048),
        (4096, 1024),
        (4160, 1088),
        (4160, 3008),
        (4096, 3072),
    ];
    want.sort_unstable();
    assert_eq!(got, want);

    // Without a buffer the cut is on the tile edge itself.
    let mut b = TileBuilder::new(tile).with_buffer(0);
    let l = b.layer("grids");
    assert!(b.add_feature(l, None, &diamond.into(), &[]));
    let tiles = decode(&b.finish());
    let mut got = open(polygons(&tiles[0].1[0].geometry)[0].exterior());
    got.sort_unstable();
    assert_eq!(got, vec![(3072, 2048), (4096, 1024), (4096, 3072)]);

    // A square over the north-west corner keeps only the corner quarter.
    let corner = polygon_in_tile_units(
        tile,
        &[
            (-2048.0, -2048.0),
            (2048.0, -2048.0),
            (2048.0, 2048.0),
            (-2048.0, 2048.0),
        ],
    );
    let mut b = TileBuilder::new(tile);
    let l = b.layer("grids");
    assert!(b.add_feature(l, None, &corner.into(), &[]));
    let tiles = decode(&b.finish());
    let mut got = open(polygons(&tiles[0].1[0].geometry)[0].exterior());
    got.sort_unstable();
    assert_eq!(
        got,
        vec![(-64, -64), (-64, 2048), (2048, -64), (2048, 2048)]
    );
}

#[test]
fn lines_are_split_where_they_leave_and_points_filtered() {
    let tile = helsinki();
    let line = LineString::new(
        [
            (1000.0, 1000.0),
            (5000.0, 1000.0),
            (5000.0, 2000.0),
            (1000.0, 2000.0),
        ]
        .iter()
        .map(|&(x, y)| metres(tile, x, y))
        .collect(),
    );
    let points = MultiPoint::new(
        [(100.0, 100.0), (5000.0, 100.0), (-50.0, -50.0)]
            .iter()
            .map(|&(x, y)| Point::from(metres(tile, x, y)))
            .collect(),
    );
    let mut b = TileBuilder::new(tile);
    let l = b.layer("patrols");
    assert!(b.add_feature(l, Some(1), &line.into(), &[]));
    assert!(b.add_feature(l, Some(2), &points.into(), &[]));
    let tiles = decode(&b.finish());
    let features = &tiles[0].1;
    let Geometry::MultiLineString(parts) = &features[0].geometry else {
        panic!("expected two parts, got {:?}", features[0].geometry);
    };
    let parts: Vec<Vec<(i32, i32)>> = parts
        .0
        .iter()
        .map(|l| l.0.iter().map(|c| (c.x, c.y)).collect())
        .collect();
    assert_eq!(
        parts,
        vec![
            vec![(1000, 1000), (4160, 1000)],
            vec![(4160, 2000), (1000, 2000)]
        ]
    );
    let Geometry::MultiPoint(mp) = &features[1].geometry else {
        panic!("expected points, got {:?}", features[1].geometry);
    };
    let got: Vec<_> = mp.0.iter().map(|p| (p.x(), p.y())).collect();
    assert_eq!(got, vec![(100, 100), (-50, -50)]);
}

/// Two squares, tilted 17°, sharing an edge (with a middle vertex) that crosses the
/// buffered north edge of the tile; the pair also runs off the east edge.
fn tilted_pair(tile: TileCoord) -> (Polygon<f64>, Polygon<f64>) {
    let b = tile.bounds_mercator();
    let s = tile.size_mercator();
    let (sin, cos) = 17.0_f64.to_radians().sin_cos();
    let u = coord! { x: 0.5 * s * cos, y: 0.5 * s * sin };
    let v = coord! { x: -0.5 * s * sin, y: 0.5 * s * cos };
    let p0 = coord! { x: b.min().x + 0.3 * s + 0.123_456_7, y: b.max().y - 0.4 * s - 0.076_543_2 };
    // Each lattice point computed once and reused, as shared vertices are in the source.
    let c = |i: f64, j: f64| p0 + u * i + v * j;
    let (c00, c10, c20) = (c(0.0, 0.0), c(1.0, 0.0), c(2.0, 0.0));
    let (c01, c11, c21) = (c(0.0, 1.0), c(1.0, 1.0), c(2.0, 1.0));
    let mid = c(1.0, 0.37);
    let ring = |v: Vec<Coord<f64>>| {
        let mut v = v;
        v.push(v[0]);
        Polygon::new(LineString::new(v), vec![])
    };
    (
        ring(vec![c00, c10, mid, c11, c01]),
        ring(vec![c10, c20, c21, c11, mid]),
    )
}

#[test]
fn adjacent_squares_share_their_edge_exactly_at_every_zoom() {
    for z in 10..=18 {
        // The tile around Helsinki at this zoom.
        let here = coord! { x: 24.94, y: 60.17 };
        let tile = tiles_covering(Rect::new(here, here), z)
            .iter()
            .next()
            .unwrap();
        let (a, b) = tilted_pair(tile);
        let mut builder = TileBuilder::new(tile);
        let l = builder.layer("grids");
        assert!(builder.add_feature(l, Some(1), &a.into(), &[]));
        assert!(builder.add_feature(l, Some(2), &b.into(), &[]));
        let tiles = decode(&builder.finish());
        let f = &tiles[0].1;
        let ra = open(polygons(&f[0].geometry)[0].exterior());
        let rb = open(polygons(&f[1].geometry)[0].exterior());

        // The vertices the two rings have in common form one run in each ring, the same
        // run in opposite directions: the shared edge, clipped, snapped and cleaned alike.
        let run = |ring: &[(i32, i32)], other: &[(i32, i32)]| {
            let n = ring.len();
            let start = (0..n)
                .find(|&i| other.contains(&ring[i]) && !other.contains(&ring[(i + n - 1) % n]))
                .unwrap();
            (0..n)
                .map(|k| ring[(start + k) % n])
                .take_while(|p| other.contains(p))
                .collect::<Vec<_>>()
        };
        let shared_a = run(&ra, &rb);
        let mut shared_b = run(&rb, &ra);
        shared_b.reverse();
        assert!(shared_a.len() >= 2, "z{z}: {ra:?} vs {rb:?}");
        assert_eq!(shared_a, shared_b, "z{z}");
        let common = ra.iter().filter(|p| rb.contains(p)).count();
        assert_eq!(
            common,
            shared_a.len(),
            "z{z}: common vertices outside the run"
        );
        // The edge was clipped at the buffered north edge (y = -64).
        assert!(shared_a.iter().any(|p| p.1 == -64), "z{z}: {shared_a:?}");

        // No overlap: no sample point lies in both.
        let (pa, pb) = (polygons(&f[0].geometry), polygons(&f[1].geometry));
        for y in (-64..4160).step_by(16) {
            for x in (-64..4160).step_by(16) {
                let (x, y) = (f64::from(x) + 0.5, f64::from(y) + SAMPLE_DY);
                assert!(
                    !(covers(&pa[0], x, y) && covers(&pb[0], x, y)),
                    "z{z}: overlap at {x},{y}"
                );
            }
        }
    }
}

/// ~3,000 lattice grids over one tile: every sample point of the tile must be covered by
/// exactly one snapped grid — no gap, no overlap.
fn assert_tessellation_survives(tile: TileCoord, n: u32) {
    let lattice = Lattice::over_tile(tile, n, 42);
    let mut builder = TileBuilder::new(tile);
    let l = builder.layer("grids");
    for (id, g) in lattice.grids() {
        builder.add_feature(l, Some(id), &g.into(), &[]);
    }
    let tiles = decode(&builder.finish());
    let decoded: Vec<Polygon<i32>> = tiles[0]
        .1
        .iter()
        .flat_map(|f| polygons(&f.geometry))
        .collect();
    assert!(decoded.len() >= (n * n) as usize, "{}", decoded.len());
    let mut count = HashMap::new();
    for p in &decoded {
        let (mut x0, mut y0, mut x1, mut y1) = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
        for c in &p.exterior().0 {
            (x0, y0, x1, y1) = (x0.min(c.x), y0.min(c.y), x1.max(c.x), y1.max(c.y));
        }
        for y in (y0.max(0)..=y1.min(4095)).filter(|y| y % 3 == 0) {
            for x in (x0.max(0)..=x1.min(4095)).filter(|x| x % 3 == 0) {
                if covers(p, f64::from(x) + 0.5, f64::from(y) + SAMPLE_DY) {
                    *count.entry((x, y)).or_insert(0_u32) += 1;
                }
            }
        }
    }
    let samples = (0..4096).filter(|v| v % 3 == 0).count().pow(2);
    let bad: Vec<_> = count.iter().filter(|(_, c)| **c != 1).take(5).collect();
    assert!(
        bad.is_empty(),
        "{tile}: samples covered more than once: {bad:?}"
    );
    assert_eq!(count.len(), samples, "{tile}: samples not covered");
}

#[test]
fn tessellation_has_no_gaps_or_overlaps_after_clip_and_snap() {
    // 55 × 55 cells per tile: ~75 tile units each.
    assert_tessellation_survives(helsinki(), 55);
    // Much smaller cells (~16 units) and a different tile.
    assert_tessellation_survives(TileCoord::new(16, 37310, 18969).unwrap(), 256);
}

#[test]
fn winding_follows_the_spec_whatever_the_input_orientation() {
    let tile = helsinki();
    let outer = [
        (100.0, 100.0),
        (1000.0, 100.0),
        (1000.0, 1000.0),
        (100.0, 1000.0),
    ];
    let inner = [
        (300.0, 300.0),
        (600.0, 300.0),
        (600.0, 600.0),
        (300.0, 600.0),
    ];
    let ring = |pts: &[(f64, f64)], reverse: bool| {
        let mut v: Vec<_> = pts.iter().map(|&(x, y)| metres(tile, x, y)).collect();
        if reverse {
            v.reverse();
        }
        LineString::new(v)
    };
    for (rev_outer, rev_inner) in [(false, false), (true, false), (false, true), (true, true)] {
        let with_hole = Polygon::new(ring(&outer, rev_outer), vec![ring(&inner, rev_inner)]);
        let second = polygon_in_tile_units(
            tile,
            &[
                (2000.0, 2000.0),
                (2500.0, 2000.0),
                (2500.0, 2500.0),
                (2000.0, 2500.0),
            ],
        );
        let mp = geo::MultiPolygon::new(vec![with_hole, second]);
        let mut b = TileBuilder::new(tile);
        let l = b.layer("grids");
        assert!(b.add_feature(l, None, &mp.into(), &[]));
        let tiles = decode(&b.finish());
        let ps = polygons(&tiles[0].1[0].geometry);
        // The decoder starts a new polygon at each positive-area ring.
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].interiors().len(), 1);
        assert!(area2(ps[0].exterior()) > 0);
        assert_eq!(area2(ps[0].exterior()), 2 * 900 * 900);
        assert_eq!(area2(&ps[0].interiors()[0]), -2 * 300 * 300);
        assert!(area2(ps[1].exterior()) > 0);
    }
}

#[test]
fn attributes_and_ids_round_trip() {
    let tile = helsinki();
    let square = polygon_in_tile_units(
        tile,
        &[(10.0, 10.0), (20.0, 10.0), (20.0, 20.0), (10.0, 20.0)],
    );
    let mut b = TileBuilder::new(tile);
    let l = b.layer("grids");
    let props = [
        ("code", PropValue::Str("110105-001")),
        ("delta", PropValue::Int(-42)),
        ("households", PropValue::UInt(1234)),
        ("rate", PropValue::Double(0.875)),
        ("active", PropValue::Bool(true)),
    ];
    assert!(b.add_feature(l, Some(u64::MAX - 1), &square.clone().into(), &props));
    assert!(b.add_feature(l, None, &square.into(), &[("code", PropValue::Str("B"))]));
    let tiles = decode(&b.finish());
    let f = &tiles[0].1;
    assert_eq!(f[0].id, Some(u64::MAX - 1));
    assert_eq!(f[1].id, None);
    let p = f[0].properties.as_ref().unwrap();
    assert_eq!(p["code"], Value::String("110105-001".into()));
    assert_eq!(p["delta"], Value::SInt(-42));
    assert_eq!(p["households"], Value::UInt(1234));
    assert_eq!(p["rate"], Value::Double(0.875));
    assert_eq!(p["active"], Value::Bool(true));
    assert_eq!(p.len(), 5);
    assert_eq!(
        f[1].properties.as_ref().unwrap()["code"],
        Value::String("B".into())
    );
}

#[test]
fn empty_results_and_layers() {
    let tile = helsinki();
    let far = polygon_in_tile_units(
        tile,
        &[
            (5000.0, 10.0),
            (5100.0, 10.0),
            (5100.0, 20.0),
            (5000.0, 20.0),
        ],
    );
    let near = polygon_in_tile_units(
        tile,
        &[(10.0, 10.0), (20.0, 10.0), (20.0, 20.0), (10.0, 20.0)],
    );
    let mut b = TileBuilder::new(tile);
    let grids = b.layer("grids");
    let cases = b.layer("cases");
    assert_eq!(b.layer("grids"), grids);
    assert!(!b.add_feature(grids, Some(1), &far.into(), &[]));
    assert!(b.is_empty());
    assert!(b.finish().is_empty());

    let mut b = TileBuilder::new(tile);
    let grids = b.layer("grids");
    let _cases = b.layer("cases");
    assert!(b.add_feature(grids, Some(1), &near.into(), &[]));
    assert!(!b.is_empty());
    let tiles = decode(&b.finish());
    assert_eq!(tiles.len(), 1, "the empty layer is omitted");
    assert_eq!(tiles[0].0, "grids");
    let _ = cases;
}

#[test]
fn collapsed_rings_are_dropped_and_thin_ones_kept() {
    let tile = helsinki();
    // 0.3 units wide: snaps to a line.
    let sliver = polygon_in_tile_units(
        tile,
        &[(10.1, 10.0), (10.4, 10.0), (10.4, 500.0), (10.1, 500.0)],
    );
    // 0.6 units wide: snaps to width 1 (10 → 11), still an area.
    let thin = polygon_in_tile_units(
        tile,
        &[(10.2, 10.0), (10.8, 10.0), (10.8, 500.0), (10.2, 500.0)],
    );
    let mut b = TileBuilder::new(tile);
    let l = b.layer("grids");
    assert!(!b.add_feature(l, Some(1), &sliver.into(), &[]));
    assert!(b.add_feature(l, Some(2), &thin.into(), &[]));
    let tiles = decode(&b.finish());
    let ps = polygons(&tiles[0].1[0].geometry);
    assert_eq!(area2(ps[0].exterior()), 2 * 490);
}

#[test]
fn geometry_collections_become_one_feature_per_type() {
    let tile = helsinki();
    let gc = geo::GeometryCollection::new_from(vec![
        Point::from(metres(tile, 5.0, 6.0)).into(),
        polygon_in_tile_units(tile, &[(10.0, 10.0), (20.0, 10.0), (20.0, 20.0)]).into(),
    ]);
    let mut b = TileBuilder::new(tile);
    let l = b.layer("mixed");
    assert!(b.add_feature(
        l,
        Some(9),
        &Geometry::GeometryCollection(gc),
        &[("k", PropValue::Bool(false))]
    ));
    let tiles = decode(&b.finish());
    let f = &tiles[0].1;
    assert_eq!(f.len(), 2);
    assert!(matches!(f[0].geometry, Geometry::MultiPoint(_)));
    assert_eq!(polygons(&f[1].geometry).len(), 1);
    assert!(f.iter().all(|f| f.id == Some(9)));
}
