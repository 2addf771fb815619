//! Coverage of a grid by its patrols (issue 13, item 4): of the grid's buildings,
//! the share passed within [`REACH_M`] (30 m), of its road length the share
//! walked, and what nobody walked, drawn.
//!
//! Everything is measured in the crate's one local metric frame
//! ([`LocalFrame`], tangent at the centre of the grid's bounding box):
//!
//! - **A track** is a polyline of fixes (degrees); its segments are the steps
//!   between consecutive fixes (a lone fix is a point).
//! - **The grid's buildings** are those whose footprint's interior point lies in
//!   the grid (one grid per building, as the household count places them). A
//!   building is **passed** when some track segment comes within the reach of its
//!   footprint (0 when the segment crosses or lies inside it).
//! - **The grid's roads** are the road centre lines clipped to the grid polygon.
//!   A piece of road is **walked** when it lies within the reach of some track
//!   segment. This is computed exactly, not sampled: a segment's reach is a
//!   capsule (convex), so the part of a road segment inside it is one interval,
//!   found from the two end discs and the strip between them; the intervals of all
//!   the track segments near a road segment are merged and measured.
//! - **Unwalked**: the road pieces outside every capsule (a MultiLineString) and
//!   the footprints of the buildings not passed.
//!
//! Which fixes make the tracks (the patrols' fixes of the grid) is the caller's
//! choice (`docs/patrols.md`, "Coverage").

use geo::{
    BooleanOps, BoundingRect, Contains, Coord, Distance, Euclidean, Geometry, InteriorPoint, Line,
    LineString, MultiLineString, MultiPolygon, Rect,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::domain::frame::LocalFrame;
use crate::domain::reference::{Building, Road};

/// How near a track must come: 30 m.
pub const REACH_M: f64 = 30.0;

/// A building not passed: its id and footprint (degrees).
#[derive(Debug, Clone, PartialEq)]
pub struct Unpassed {
    /// The building's id.
    pub id: i64,
    /// Its footprint, degrees.
    pub footprint: Geometry,
}

/// A grid's coverage by a set of tracks.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// The grid's buildings.
    pub buildings: usize,
    /// Of them, passed within the reach.
    pub passed: usize,
    /// The grid's road length, metres (roads clipped to the grid).
    pub road_m: f64,
    /// Of it, within the reach of a track, metres.
    pub walked_m: f64,
    /// The road pieces nobody walked, degrees.
    pub unwalked_roads: MultiLineString,
    /// The buildings nobody passed, by id.
    pub unpassed: Vec<Unpassed>,
}

impl Coverage {
    /// `passed / buildings`, `None` for a grid without buildings.
    pub fn building_share(&self) -> Option<f64> {
        (self.buildings > 0).then(|| self.passed as f64 / self.buildings as f64)
    }

    /// `walked_m / road_m`, `None` for a grid without roads.
    pub fn road_share(&self) -> Option<f64> {
        (self.road_m > 0.0).then(|| (self.walked_m / self.road_m).min(1.0))
    }

    /// What nobody walked as GeoJSON: one `kind: "road"` MultiLineString feature
    /// (when any road is unwalked), then one `kind: "building"` feature per
    /// building not passed (its footprint, its id as feature id).
    pub fn unwalked_geojson(&self) -> geojson::FeatureCollection {
        let mut features = Vec::with_capacity(self.unpassed.len() + 1);
        if !self.unwalked_roads.0.is_empty() {
            let len: f64 = self.road_m - self.walked_m;
            features.push(crate::domain::geometry::feature(
                0,
                &Geometry::MultiLineString(self.unwalked_roads.clone()),
                serde_json::json!({"kind": "road", "length_m": round_cm(len)}),
            ));
            // A road feature has no id of its own.
            if let Some(f) = features.last_mut() {
                f.id = None;
            }
        }
        for b in &self.unpassed {
            features.push(crate::domain::geometry::feature(
                b.id,
                &b.footprint,
                serde_json::json!({"kind": "building", "id": b.id}),
            ));
        }
        crate::domain::geometry::collection(features)
    }
}

/// Metres to the centimetre.
pub fn round_cm(m: f64) -> f64 {
    (m * 100.0).round() / 100.0
}

type SegEntry = GeomWithData<Rectangle<[f64; 2]>, Line>;

/// The coverage of `grid` (a Polygon or MultiPolygon, degrees) by `tracks`
/// (polylines of fixes, degrees): `buildings` and `roads` are candidates (those
/// near the grid; the grid's own are picked here), `reach_m` how near counts
/// ([`REACH_M`]).
pub fn coverage(
    grid: &Geometry,
    buildings: &[&Building],
    roads: &[&Road],
    tracks: &[Vec<Coord>],
    reach_m: f64,
) -> Coverage {
    let Some(bbox) = grid.bounding_rect() else {
        return Coverage {
            buildings: 0,
            passed: 0,
            road_m: 0.0,
            walked_m: 0.0,
            unwalked_roads: MultiLineString(vec![]),
            unpassed: vec![],
        };
    };
    let frame = LocalFrame::around(bbox);
    let grid_m = frame.project(grid);
    let segments = track_index(&frame, tracks);
    let near = |r: Rect| {
        let env = AABB::from_corners(
            [r.min().x - reach_m, r.min().y - reach_m],
            [r.max().x + reach_m, r.max().y + reach_m],
        );
        segments
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
    };

    // Buildings.
    let mut total = 0;
    let mut passed = 0;
    let mut unpassed = Vec::new();
    for b in buildings {
        let meets = b
            .footprint
            .bounding_rect()
            .is_some_and(|bb| geo::Intersects::intersects(&bb, &bbox));
        let inside = meets
            && b.footprint
                .interior_point()
                .is_some_and(|p| grid.contains(&p));
        if !inside {
            continue;
        }
        total += 1;
        let fp = frame.project(&b.footprint);
        let hit = fp.bounding_rect().is_some_and(|r| {
            near(r).any(|s| {
                fp.0.iter()
                    .any(|poly| Euclidean.distance(&s, poly) <= reach_m)
            })
        });
        if hit {
            passed += 1;
        } else {
            unpassed.push(Unpassed {
                id: b.id,
                footprint: b.footprint.clone(),
            });
        }
    }
    unpassed.sort_by_key(|u| u.id);

    // Roads.
    let mut road_m = 0.0;
    let mut walked_m = 0.0;
    let mut pieces: Vec<LineString> = Vec::new();
    for r in roads {
        let meets = r
            .line
            .bounding_rect()
            .is_some_and(|rb| geo::Intersects::intersects(&rb, &bbox));
        if !meets {
            continue;
        }
        let lines = project_lines(&frame, &r.line);
        if lines.0.is_empty() {
            continue;
        }
        let clipped = clip(&grid_m, &lines);
        for line in &clipped.0 {
            let mut open: Option<Vec<Coord>> = None;
            for seg in line.lines() {
                let len = seg.dx().hypot(seg.dy());
                if len == 0.0 {
                    continue;
                }
                road_m += len;
                let sb = Rect::new(seg.start, seg.end);
                let mut got: Vec<(f64, f64)> = near(sb)
                    .filter_map(|s| capsule_interval(seg, s, reach_m))
                    .collect();
                let covered = merge(&mut got);
                walked_m += covered.iter().map(|(a, b)| (b - a) * len).sum::<f64>();
                // The complement, as pieces joined across the line's vertices.
                let at = |t: f64| seg.start + (seg.end - seg.start) * t;
                let mut t = 0.0;
                for &(a, b) in &covered {
                    if a > t {
                        open.get_or_insert_with(|| vec![at(t)]).push(at(a));
                    }
                    // Walked from `a` to `b`: an open piece ends at `a`.
                    if let Some(p) = open.take() {
                        pieces.push(LineString(p));
                    }
                    t = f64::max(t, b);
                }
                if t < 1.0 {
                    open.get_or_insert_with(|| vec![at(t)]).push(at(1.0));
                }
            }
            if let Some(p) = open.take() {
                pieces.push(LineString(p));
            }
        }
    }
    let r = |v: f64| (v * 1e7).round() / 1e7;
    let unwalked_roads = MultiLineString(
        pieces
            .into_iter()
            .filter(|p| p.0.len() >= 2)
            .map(|p| {
                LineString(
                    p.0.into_iter()
                        .map(|c| {
                            let d = frame.to_degrees(c);
                            Coord {
                                x: r(d.x),
                                y: r(d.y),
                            }
                        })
                        .collect(),
                )
            })
            .collect(),
    );
    Coverage {
        buildings: total,
        passed,
        road_m,
        walked_m: walked_m.min(road_m),
        unwalked_roads,
        unpassed,
    }
}

/// The tracks' segments in metres, indexed by their boxes.
fn track_index(frame: &LocalFrame, tracks: &[Vec<Coord>]) -> RTree<SegEntry> {
    let mut out = Vec::new();
    for t in tracks {
        let pts: Vec<Coord> = t.iter().map(|&c| frame.to_metres(c)).collect();
        let push = |out: &mut Vec<SegEntry>, a: Coord, b: Coord| {
            out.push(GeomWithData::new(
                Rectangle::from_corners([a.x.min(b.x), a.y.min(b.y)], [a.x.max(b.x), a.y.max(b.y)]),
                Line::new(a, b),
            ));
        };
        match pts.as_slice() {
            [] => {}
            [p] => push(&mut out, *p, *p),
            _ => {
                for w in pts.windows(2) {
                    push(&mut out, w[0], w[1]);
                }
            }
        }
    }
    RTree::bulk_load(out)
}

/// A road's line (LineString or MultiLineString, degrees) in metres.
fn project_lines(frame: &LocalFrame, g: &Geometry) -> MultiLineString {
    let conv = |l: &LineString| LineString(l.0.iter().map(|&c| frame.to_metres(c)).collect());
    match g {
        Geometry::LineString(l) => MultiLineString(vec![conv(l)]),
        Geometry::MultiLineString(m) => MultiLineString(m.0.iter().map(conv).collect()),
        _ => MultiLineString(vec![]),
    }
}

/// The parts of `lines` inside `area` (both in metres).
fn clip(area: &MultiPolygon, lines: &MultiLineString) -> MultiLineString {
    area.clip(lines, false)
}

/// Sorts and merges intervals in place, answering the merged ones.
fn merge(v: &mut [(f64, f64)]) -> Vec<(f64, f64)> {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(v.len());
    for &(a, b) in v.iter() {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The parameters `t` in `[0, 1]` of `road` (`start + t·(end − start)`) within `r`
/// of the segment `s`, as one interval (the capsule around `s` is convex), or
/// `None` when the road stays farther away.
pub fn capsule_interval(road: Line, s: Line, r: f64) -> Option<(f64, f64)> {
    let a = road.start;
    let d = road.end - road.start;
    let dd = d.x * d.x + d.y * d.y;
    if dd == 0.0 {
        return None;
    }
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut take = |iv: Option<(f64, f64)>| {
        if let Some((x, y)) = iv {
            lo = lo.min(x);
            hi = hi.max(y);
        }
    };
    // The end discs.
    for c in [s.start, s.end] {
        let w = a - c;
        let b = 2.0 * (d.x * w.x + d.y * w.y);
        let k = w.x * w.x + w.y * w.y - r * r;
        let disc = b * b - 4.0 * dd * k;
        if disc >= 0.0 {
            let q = disc.sqrt();
            take(Some(((-b - q) / (2.0 * dd), (-b + q) / (2.0 * dd))));
        }
    }
    // The strip along the segment: 0 ≤ (P − p)·u ≤ L and |(P − p)·n| ≤ r.
    let e = s.end - s.start;
    let len = e.x.hypot(e.y);
    if len > 0.0 {
        let u = Coord {
            x: e.x / len,
            y: e.y / len,
        };
        let n = Coord { x: -u.y, y: u.x };
        let w = a - s.start;
        let lin = |v: Coord| (w.x * v.x + w.y * v.y, d.x * v.x + d.y * v.y);
        let (a1, b1) = lin(u);
        let (a2, b2) = lin(n);
        let iv = range(a1, b1, 0.0, len).and_then(|(x0, x1)| {
            range(a2, b2, -r, r).and_then(|(y0, y1)| {
                let (p, q) = (x0.max(y0), x1.min(y1));
                (p <= q).then_some((p, q))
            })
        });
        take(iv);
    }
    let (p, q) = (lo.max(0.0), hi.min(1.0));
    (p < q).then_some((p, q))
}

/// The `t` with `lo ≤ α + β·t ≤ hi`, as an interval (possibly unbounded).
fn range(alpha: f64, beta: f64, lo: f64, hi: f64) -> Option<(f64, f64)> {
    if beta == 0.0 {
        return (lo..=hi)
            .contains(&alpha)
            .then_some((f64::NEG_INFINITY, f64::INFINITY));
    }
    let (x, y) = ((lo - alpha) / beta, (hi - alpha) / beta);
    Some((x.min(y), x.max(y)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use geo::{LineString, Polygon, coord};

    use super::*;
    use crate::domain::reference::intern_usage;

    /// A frame at 31.3° N: positions are given in metres east and north of it.
    fn frame() -> LocalFrame {
        LocalFrame::new(coord! { x: 120.6, y: 31.3 })
    }

    fn deg(x: f64, y: f64) -> Coord {
        frame().to_degrees(coord! { x: x, y: y })
    }

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Geometry {
        Geometry::Polygon(Polygon::new(
            LineString(vec![
                deg(x0, y0),
                deg(x1, y0),
                deg(x1, y1),
                deg(x0, y1),
                deg(x0, y0),
            ]),
            vec![],
        ))
    }

    fn building(id: i64, x0: f64, y0: f64) -> Building {
        Building {
            id,
            subdistrict_id: 1,
            osm_id: None,
            name: None,
            usage: intern_usage("residential"),
            levels: 4.0,
            households: 10,
            footprint: square(x0, y0, x0 + 10.0, y0 + 10.0),
        }
    }

    fn road(id: i64, pts: &[(f64, f64)]) -> Road {
        Road {
            id,
            subdistrict_id: 1,
            osm_id: None,
            name: None,
            highway: "residential".into(),
            line: Geometry::LineString(LineString(pts.iter().map(|&(x, y)| deg(x, y)).collect())),
        }
    }

    #[test]
    fn a_walk_along_one_street_of_a_square_grid_by_hand() {
        // The grid: 200 m × 200 m. A street east–west along y = 100 from x = −50
        // to 250 (200 m inside), one north–south along x = 150 (200 m inside).
        // The walk: along y = 100 from x = −10 (outside) to x = 130, a fix every
        // 10 m.
        let grid = square(0.0, 0.0, 200.0, 200.0);
        let roads = [
            road(1, &[(-50.0, 100.0), (250.0, 100.0)]),
            road(2, &[(150.0, 0.0), (150.0, 200.0)]),
        ];
        let track: Vec<Coord> = (0..=14)
            .map(|k| deg(-10.0 + 10.0 * k as f64, 100.0))
            .collect();
        // Buildings (10 m squares by their south-west corner):
        // 1 at (40, 120): 20 m from the walk — passed;
        // 2 at (40, 135): 35 m — not;
        // 3 at (155, 60): its corner (155, 70) is 25 m east and 30 m south of the
        //   walk's end (130, 100): 39 m — not;
        // 4 at (10, 80): its corner (20, 90) is 10 m from the walk — passed;
        // 5 at (−30, 95): 20 m from the walk's start but outside the grid — not
        //   the grid's.
        let bs = [
            building(1, 40.0, 120.0),
            building(2, 40.0, 135.0),
            building(3, 155.0, 60.0),
            building(4, 10.0, 80.0),
            building(5, -30.0, 95.0),
        ];
        let b: Vec<&Building> = bs.iter().collect();
        let r: Vec<&Road> = roads.iter().collect();
        let c = coverage(&grid, &b, &r, &[track], REACH_M);
        assert_eq!((c.buildings, c.passed), (4, 2));
        assert_eq!(c.unpassed.iter().map(|u| u.id).collect::<Vec<_>>(), [2, 3]);
        assert!((c.road_m - 400.0).abs() < 0.05, "{}", c.road_m);
        // East–west: within 30 m of the walk from x = −40 to 160, inside the grid
        // 0 to 160: 160 m. North–south: within 30 m of the walk's end (130, 100)
        // where 20² + dy² ≤ 30², |dy| ≤ √500: 2·√500 = 44.72 m.
        let expected = 160.0 + 2.0 * 500f64.sqrt();
        assert!((c.walked_m - expected).abs() < 0.05, "{}", c.walked_m);
        assert!((c.road_share().unwrap() - expected / 400.0).abs() < 1e-3);
        assert_eq!(c.building_share(), Some(0.5));
        // Unwalked: x 160–200 of the first street, and y 0–77.64 and
        // 122.36–200 of the second.
        let f = frame();
        let mut lens: Vec<f64> = c
            .unwalked_roads
            .0
            .iter()
            .map(|l| l.lines().map(|s| f.distance_m(s.start, s.end)).sum::<f64>())
            .collect();
        lens.sort_by(f64::total_cmp);
        let side = 100.0 - 500f64.sqrt();
        assert_eq!(lens.len(), 3, "{lens:?}");
        for (got, want) in lens.iter().zip([40.0, side, side]) {
            assert!((got - want).abs() < 0.05, "{lens:?}");
        }
        let fc = c.unwalked_geojson();
        assert_eq!(fc.features.len(), 3);
        assert_eq!(
            fc.features[0].geometry.as_ref().unwrap().value.type_name(),
            "MultiLineString"
        );
        assert_eq!(fc.features[1].property("kind").unwrap(), "building");
    }

    #[test]
    fn nothing_walked_and_nothing_in_the_grid() {
        let grid = square(0.0, 0.0, 100.0, 100.0);
        let roads = [road(1, &[(0.0, 50.0), (100.0, 50.0)])];
        let r: Vec<&Road> = roads.iter().collect();
        let c = coverage(&grid, &[], &r, &[], REACH_M);
        assert_eq!((c.buildings, c.building_share()), (0, None));
        assert!((c.road_m - 100.0).abs() < 0.05);
        assert_eq!(c.walked_m, 0.0);
        assert_eq!(c.unwalked_roads.0.len(), 1);
        // A lone fix right on the road covers 60 m of it.
        let c = coverage(&grid, &[], &r, &[vec![deg(50.0, 50.0)]], REACH_M);
        assert!((c.walked_m - 60.0).abs() < 0.05, "{}", c.walked_m);
        assert_eq!(c.unwalked_roads.0.len(), 2);
    }

    #[test]
    fn the_capsule_interval_of_a_crossing_and_a_parallel_segment() {
        let l = |a: (f64, f64), b: (f64, f64)| {
            Line::new(coord! {x: a.0, y: a.1}, coord! {x: b.0, y: b.1})
        };
        // A road from (0,0) to (100,0); a segment crossing it at x = 50.
        let iv = capsule_interval(
            l((0.0, 0.0), (100.0, 0.0)),
            l((50.0, -10.0), (50.0, 10.0)),
            30.0,
        );
        let (a, b) = iv.unwrap();
        assert!((a - 0.2).abs() < 1e-9 && (b - 0.8).abs() < 1e-9, "{a} {b}");
        // Parallel 40 m off: never within 30 m.
        assert_eq!(
            capsule_interval(
                l((0.0, 0.0), (100.0, 0.0)),
                l((0.0, 40.0), (100.0, 40.0)),
                30.0
            ),
            None
        );
        // Parallel 20 m off from x = 30 to 60: x in [30 − √500, 60 + √500].
        let (a, b) = capsule_interval(
            l((0.0, 0.0), (100.0, 0.0)),
            l((30.0, 20.0), (60.0, 20.0)),
            30.0,
        )
        .unwrap();
        let h = 500f64.sqrt();
        assert!((a * 100.0 - (30.0 - h)).abs() < 1e-9, "{a}");
        assert!((b * 100.0 - (60.0 + h)).abs() < 1e-9, "{b}");
    }
}
