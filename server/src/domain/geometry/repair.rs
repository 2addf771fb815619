//! Repairing an area that arrives slightly invalid, when the planner asks for it:
//! published boundaries often cross or touch themselves, or carry spikes.
//!
//! Only rings that are invalid on their own are touched; every other ring comes back
//! bit for bit, and a valid input comes back unchanged. In a ring that is repaired,
//! repeated positions and A-B-A spikes are dropped, the points where it crosses or
//! touches itself become vertices of both segments (the only new coordinates, each
//! computed once and shared), and the ring is split there into simple loops. No
//! coordinate is snapped or rounded otherwise (unlike `BooleanOps`; see `edit::topo`).
//! The loops are read even-odd, as GEOS's `MakeValid` reads linework: a loop inside
//! an odd number of others is a hole, so a bow-tie gives its two lobes and a ring
//! that pinches round a hole gives the hole. What still is not valid (holes
//! crossing their exterior, parts overlapping) is refused as validation refuses it.

use std::cmp::Ordering;
use std::collections::HashMap;

use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::Serialize;

use super::segments::{self, Meet, key, lex, orient};
use super::validate::{self, Invalid, is_collinear};
use super::{Limits, area_m2, field_error, read_area};
use crate::error::FieldError;

/// What a repair changed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RepairReport {
    /// False when the input was valid and comes back exactly as given.
    pub changed: bool,
    /// Where rings crossed or touched themselves (where they were split).
    pub self_intersections: Vec<[f64; 2]>,
    /// Tips of spikes (A-B-A, or a cut line of zero width) removed.
    pub spikes_removed: Vec<[f64; 2]>,
    /// Repeated consecutive positions dropped from the repaired rings.
    pub duplicate_points_dropped: usize,
    /// Polygons in the input.
    pub parts_before: usize,
    /// Polygons in the result.
    pub parts_after: usize,
    /// Polygons added by splitting one (a bow-tie's second lobe).
    pub parts_added: usize,
    /// Polygons dropped for having no area.
    pub parts_dropped: usize,
    /// Holes added (loops that a pinched ring enclosed, a hole split in two).
    pub holes_added: usize,
    /// Holes dropped for having no area.
    pub holes_dropped: usize,
    /// Geodesic area of the input as given, m² (a self-crossing ring's lobes may
    /// cancel out here).
    pub area_before_m2: f64,
    /// Geodesic area of the result, m².
    pub area_after_m2: f64,
    /// `area_after_m2 - area_before_m2`.
    pub area_difference_m2: f64,
}

/// Most segment pairs whose boxes overlap that a repair examines per segment, on
/// top of a fixed allowance: past it a ring is refused as too tangled rather than
/// taking quadratic time.
const PAIRS_PER_SEGMENT: usize = 64;
const PAIRS_ALLOWANCE: usize = 1_000_000;

/// Reads a GeoJSON Polygon or MultiPolygon as `parse_area` does and, when it is not
/// valid, repairs what can be repaired (see the module text). Position errors
/// (numbers, ranges, unclosed rings, too many vertices) and what repair cannot fix
/// are refused naming the field and coordinate, as `parse_area` does.
pub fn repair_area(
    field: &str,
    g: &geojson::Geometry,
    limits: Limits,
) -> Result<(Geometry, RepairReport), Vec<FieldError>> {
    let input = read_area(field, g, limits)?;
    let (parts, multi): (Vec<&Polygon>, bool) = match &input {
        Geometry::Polygon(p) => (vec![p], false),
        Geometry::MultiPolygon(mp) => (mp.0.iter().collect(), true),
        _ => return Err(vec![FieldError::new(field, "no geometry")]),
    };
    let area_before = area_m2(&input);
    let mut report = RepairReport {
        changed: false,
        self_intersections: Vec::new(),
        spikes_removed: Vec::new(),
        duplicate_points_dropped: 0,
        parts_before: parts.len(),
        parts_after: parts.len(),
        parts_added: 0,
        parts_dropped: 0,
        holes_added: 0,
        holes_dropped: 0,
        area_before_m2: area_before,
        area_after_m2: area_before,
        area_difference_m2: 0.0,
    };
    if validate::validate(&parts).is_empty() {
        return Ok((input.clone(), report));
    }
    let refuse = |errors: Vec<Invalid>| -> Vec<FieldError> {
        errors
            .iter()
            .map(|e| field_error(field, multi, e))
            .collect()
    };
    let mut out: Vec<Polygon> = Vec::new();
    // For each polygon of the result: the input part it came from, and for each of
    // its rings the input ring.
    let mut origin: Vec<(usize, Vec<usize>)> = Vec::new();
    for (p, poly) in parts.iter().enumerate() {
        let pieces = repair_polygon(p, poly, limits, &mut report).map_err(|e| refuse(vec![e]))?;
        if pieces.is_empty() {
            report.parts_dropped += 1;
        }
        report.parts_added += pieces.len().saturating_sub(1);
        for (poly, rings) in pieces {
            out.push(poly);
            origin.push((p, rings));
        }
    }
    if out.is_empty() {
        return Err(vec![FieldError::new(
            format!("{field}.coordinates"),
            "nothing with an area is left after repair: every ring lies on a line",
        )]);
    }
    let n: usize = out
        .iter()
        .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
        .sum();
    if n > limits.max_vertices {
        return Err(vec![FieldError::new(
            format!("{field}.coordinates"),
            format!(
                "the repaired geometry would have {n} vertices; at most {} are accepted",
                limits.max_vertices
            ),
        )]);
    }
    let errors = validate::validate(&out.iter().collect::<Vec<_>>());
    if !errors.is_empty() {
        let back = |part: usize, ring: usize| (origin[part].0, origin[part].1[ring]);
        return Err(refuse(
            errors.into_iter().map(|e| to_input(e, back)).collect(),
        ));
    }
    let geom = if out.len() == 1 && !multi {
        Geometry::Polygon(out.remove(0))
    } else {
        Geometry::MultiPolygon(MultiPolygon(out))
    };
    report.changed = true;
    report
        .self_intersections
        .sort_by(|a, b| lex(Coord::from(*a), Coord::from(*b)));
    report.self_intersections.dedup();
    report.parts_after = match &geom {
        Geometry::MultiPolygon(mp) => mp.0.len(),
        _ => 1,
    };
    report.area_after_m2 = area_m2(&geom);
    report.area_difference_m2 = report.area_after_m2 - area_before;
    Ok((geom, report))
}

/// Renames the parts and rings of a problem found in the result after the input's.
fn to_input(e: Invalid, back: impl Fn(usize, usize) -> (usize, usize)) -> Invalid {
    let (part_of, ring_of) = (|p| back(p, 0).0, |p, r| back(p, r).1);
    match e {
        Invalid::TooFewPoints { part, ring } => Invalid::TooFewPoints {
            part: part_of(part),
            ring: ring_of(part, ring),
        },
        Invalid::NoArea { part, ring, at } => Invalid::NoArea {
            part: part_of(part),
            ring: ring_of(part, ring),
            at,
        },
        Invalid::SelfIntersection { part, ring, at } => Invalid::SelfIntersection {
            part: part_of(part),
            ring: ring_of(part, ring),
            at,
        },
        Invalid::HoleOutside { part, ring, at } => Invalid::HoleOutside {
            part: part_of(part),
            ring: ring_of(part, ring),
            at,
        },
        Invalid::RingsOnLine { part, a, b, at } => Invalid::RingsOnLine {
            part: part_of(part),
            a: ring_of(part, a),
            b: ring_of(part, b),
            at,
        },
        Invalid::HolesOverlap { part, a, b, at } => Invalid::HolesOverlap {
            part: part_of(part),
            a: ring_of(part, a),
            b: ring_of(part, b),
            at,
        },
        Invalid::Disconnected { part, at } => Invalid::Disconnected {
            part: part_of(part),
            at,
        },
        Invalid::PartsOverlap { a, b, at } => Invalid::PartsOverlap {
            a: part_of(a),
            b: part_of(b),
            at,
        },
    }
}

/// A simple closed loop (positions without the closing repeat) and the input ring it
/// came from; `exact` keeps a ring that needed no repair as it was given.
struct Loop {
    pts: Vec<Coord>,
    ring: usize,
    exact: Option<LineString>,
}

impl Loop {
    fn line(&self) -> LineString {
        self.exact.clone().unwrap_or_else(|| {
            let mut v = self.pts.clone();
            v.push(v[0]);
            LineString(v)
        })
    }
}

/// Repairs the rings of input polygon `part` and assembles the result: polygons,
/// each with the input ring of each of its rings.
fn repair_polygon(
    part: usize,
    poly: &Polygon,
    limits: Limits,
    report: &mut RepairReport,
) -> Result<Vec<(Polygon, Vec<usize>)>, Invalid> {
    let mut loops: Vec<Loop> = Vec::new();
    let mut from_ring: Vec<usize> = Vec::new();
    for (r, ls) in std::iter::once(poly.exterior())
        .chain(poly.interiors())
        .enumerate()
    {
        let before = loops.len();
        match validate::ring(part, r, &ls.0) {
            Ok(pts) => loops.push(Loop {
                pts,
                ring: r,
                exact: Some(ls.clone()),
            }),
            Err(Invalid::SelfIntersection { .. }) => {
                for pts in repair_ring(part, r, &ls.0, limits, report)? {
                    loops.push(Loop {
                        pts,
                        ring: r,
                        exact: None,
                    });
                }
            }
            Err(_) => {}
        }
        if r == 0 && loops.is_empty() {
            report.holes_dropped += poly.interiors().len();
            return Ok(Vec::new());
        }
        from_ring.push(loops.len() - before);
    }
    // Nesting of the loops (they touch at most, when the input's rings did not
    // cross each other), then even-odd.
    let mut segs = Vec::new();
    for (c, l) in loops.iter().enumerate() {
        segments::chain_segments(&l.pts, true, c as u32, &mut segs);
    }
    let found = segments::sweep(&segs, loops.len(), true, |s, t, m| {
        if s.chain == t.chain {
            let n = loops[s.chain as usize].pts.len() as u32;
            return !(matches!(m, Meet::Touch(_))
                && segments::consecutive(s.index, t.index, n, true));
        }
        !matches!(m, Meet::Touch(_))
    });
    if let Some((i, j, m)) = found.first {
        let (a, b) = (
            loops[segs[i].chain as usize].ring,
            loops[segs[j].chain as usize].ring,
        );
        let at = m.at();
        return Err(match (a.min(b), a.max(b)) {
            (x, y) if x == y => Invalid::SelfIntersection { part, ring: x, at },
            (x, y) if matches!(m, Meet::Overlap(_)) => Invalid::RingsOnLine {
                part,
                a: x,
                b: y,
                at,
            },
            (0, y) => Invalid::HoleOutside { part, ring: y, at },
            (x, y) => Invalid::HolesOverlap {
                part,
                a: x,
                b: y,
                at,
            },
        });
    }
    let depth = depths(&found.parents);
    for (c, l) in loops.iter().enumerate() {
        let at = l.pts[0];
        let parent = found.parents[c].map(|q| &loops[q as usize]);
        if l.ring > 0 && depth[c].is_multiple_of(2) {
            return Err(Invalid::HoleOutside {
                part,
                ring: l.ring,
                at,
            });
        }
        if let Some(q) = parent
            && l.ring == 0
            && q.ring > 0
        {
            return Err(Invalid::HoleOutside {
                part,
                ring: q.ring,
                at,
            });
        }
    }
    for &n in from_ring.iter().skip(1) {
        if n == 0 {
            report.holes_dropped += 1;
        }
        report.holes_added += n.saturating_sub(1);
    }
    report.holes_added += (0..loops.len())
        .filter(|&c| loops[c].ring == 0 && depth[c] % 2 == 1)
        .count();
    let mut out: Vec<(Polygon, Vec<usize>)> = Vec::new();
    let mut slot: HashMap<usize, usize> = HashMap::new();
    for (c, l) in loops.iter().enumerate() {
        if depth[c].is_multiple_of(2) {
            slot.insert(c, out.len());
            out.push((Polygon::new(l.line(), vec![]), vec![l.ring]));
        }
    }
    for (c, l) in loops.iter().enumerate() {
        if depth[c] % 2 == 1
            && let Some(q) = found.parents[c]
            && let Some(&k) = slot.get(&(q as usize))
        {
            out[k].0.interiors_push(l.line());
            out[k].1.push(l.ring);
        }
    }
    Ok(out)
}

/// How many loops enclose each loop, from the innermost enclosing one of each.
fn depths(parents: &[Option<u32>]) -> Vec<usize> {
    let mut depth: Vec<Option<usize>> = vec![None; parents.len()];
    for start in 0..parents.len() {
        let mut chain = Vec::new();
        let mut c = start;
        let base = loop {
            if let Some(d) = depth[c] {
                break d;
            }
            chain.push(c);
            match parents[c] {
                Some(q) if chain.len() <= parents.len() => c = q as usize,
                _ => break usize::MAX,
            }
        };
        for (k, &c) in chain.iter().rev().enumerate() {
            depth[c] = Some(if base == usize::MAX { k } else { base + k + 1 });
        }
    }
    depth.into_iter().map(Option::unwrap_or_default).collect()
}

/// The simple loops of one self-intersecting ring: duplicates and spikes dropped,
/// noded where it meets itself, split at every vertex it visits twice; loops without
/// area dropped (as spikes).
fn repair_ring(
    part: usize,
    ring: usize,
    coords: &[Coord],
    limits: Limits,
    report: &mut RepairReport,
) -> Result<Vec<Vec<Coord>>, Invalid> {
    let pts = segments::distinct(coords, true);
    report.duplicate_points_dropped += coords.len().saturating_sub(1 + pts.len());
    let pts = despike(pts, report);
    if pts.len() < 3 || is_collinear(&pts) {
        return Ok(Vec::new());
    }
    let walk = node(part, ring, &pts, limits, report)?;
    let mut loops = Vec::new();
    let mut stack: Vec<Coord> = Vec::new();
    let mut index: HashMap<segments::Key, usize> = HashMap::new();
    for &p in walk.iter().chain(walk.first()) {
        if let Some(&k) = index.get(&key(p)) {
            let mut lp: Vec<Coord> = stack.drain(k..).collect();
            for q in &lp[1..] {
                index.remove(&key(*q));
            }
            stack.push(p);
            if lp.len() < 3 || is_collinear(&lp) {
                report
                    .spikes_removed
                    .push(xy(lp.get(1).copied().unwrap_or(p)));
                continue;
            }
            lp.shrink_to_fit();
            loops.push(lp);
        } else {
            index.insert(key(p), stack.len());
            stack.push(p);
        }
    }
    Ok(loops)
}

fn xy(c: Coord) -> [f64; 2] {
    [c.x, c.y]
}

/// Drops A-B-A spikes (a position where the ring turns back along itself) and the
/// repeats they leave, all round the ring.
fn despike(pts: Vec<Coord>, report: &mut RepairReport) -> Vec<Coord> {
    let mut out: std::collections::VecDeque<Coord> = std::collections::VecDeque::new();
    for p in pts {
        loop {
            let n = out.len();
            if out.back() == Some(&p) {
                report.duplicate_points_dropped += 1;
                break;
            }
            if n >= 2 && turns_back(out[n - 2], out[n - 1], p) {
                if let Some(tip) = out.pop_back() {
                    report.spikes_removed.push(xy(tip));
                }
                continue;
            }
            out.push_back(p);
            break;
        }
    }
    // Round the closing joint.
    while out.len() >= 3 {
        let n = out.len();
        if out[n - 1] == out[0] {
            out.pop_back();
            report.duplicate_points_dropped += 1;
        } else if turns_back(out[n - 2], out[n - 1], out[0]) {
            report.spikes_removed.extend(out.pop_back().map(xy));
        } else if turns_back(out[n - 1], out[0], out[1]) {
            report.spikes_removed.extend(out.pop_front().map(xy));
        } else {
            break;
        }
    }
    out.into()
}

/// True when the path a→b→c turns back along itself at b (a, b, c on one line and
/// b not between a and c). Exact.
fn turns_back(a: Coord, b: Coord, c: Coord) -> bool {
    if a == b || b == c || orient(a, b, c) != 0 {
        return false;
    }
    if a.x != b.x {
        (b.x > a.x) != (c.x > b.x) || c.x == b.x
    } else {
        (b.y > a.y) != (c.y > b.y) || c.y == b.y
    }
}

/// The ring's positions with every point where it meets itself inserted into the
/// segments it lies on (a crossing computed once, the same value in both).
fn node(
    part: usize,
    ring: usize,
    pts: &[Coord],
    limits: Limits,
    report: &mut RepairReport,
) -> Result<Vec<Coord>, Invalid> {
    let n = pts.len();
    let seg = |i: usize| (pts[i], pts[(i + 1) % n]);
    let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = (0..n)
        .map(|i| {
            let (a, b) = seg(i);
            GeomWithData::new(Rectangle::from_corners([a.x, a.y], [b.x, b.y]), i)
        })
        .collect();
    let tree = RTree::bulk_load(boxes);
    let budget = PAIRS_ALLOWANCE + PAIRS_PER_SEGMENT * n;
    let mut pairs = 0usize;
    let mut on: Vec<Vec<Coord>> = vec![Vec::new(); n];
    let mut added = 0usize;
    let inside = |p: Coord, (a, b): (Coord, Coord)| {
        p != a && p != b && orient(a, b, p) == 0 && lex(p, a) != lex(p, b)
    };
    for i in 0..n {
        let (a, b) = seg(i);
        let env = AABB::from_corners([a.x.min(b.x), a.y.min(b.y)], [a.x.max(b.x), a.y.max(b.y)]);
        for cand in tree.locate_in_envelope_intersecting(&env) {
            let j = cand.data;
            if j <= i || segments::consecutive(i as u32, j as u32, n as u32, true) {
                continue;
            }
            pairs += 1;
            if pairs > budget {
                return Err(Invalid::SelfIntersection { part, ring, at: a });
            }
            let (s, t) = (seg(i), seg(j));
            let Some(m) = segments::meet(s, t) else {
                continue;
            };
            report.self_intersections.push(xy(m.at()));
            match m {
                Meet::Cross(x) => {
                    on[i].push(x);
                    on[j].push(x);
                    added += 1;
                }
                Meet::Touch(_) | Meet::Overlap(_) => {
                    for (end, (k, other)) in
                        [(s.0, (j, t)), (s.1, (j, t)), (t.0, (i, s)), (t.1, (i, s))]
                    {
                        if inside(end, other) {
                            on[k].push(end);
                            added += 1;
                        }
                    }
                }
            }
            if n + added > limits.max_vertices {
                return Err(Invalid::SelfIntersection {
                    part,
                    ring,
                    at: m.at(),
                });
            }
        }
    }
    let mut walk = Vec::with_capacity(n + added);
    for (i, mut extra) in on.into_iter().enumerate() {
        let (a, b) = seg(i);
        walk.push(a);
        let forward = lex(a, b) == Ordering::Less;
        extra.sort_by(|p, q| if forward { lex(*p, *q) } else { lex(*q, *p) });
        extra.dedup();
        walk.extend(extra.into_iter().filter(|&p| p != a && p != b));
    }
    Ok(walk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing;

    const X: f64 = 120.0;
    const Y: f64 = 30.0;
    /// A binary fraction, so that grid positions are exact and collinear ones truly so.
    const D: f64 = 1.0 / 1024.0;

    fn gj(v: serde_json::Value) -> geojson::Geometry {
        serde_json::from_value(v).expect("geojson")
    }

    fn polygon(rings: &[Vec<[f64; 2]>]) -> geojson::Geometry {
        gj(serde_json::json!({"type": "Polygon", "coordinates": rings}))
    }

    /// Positions at (X + i·D, Y + j·D), closed.
    fn grid_ring(ij: &[(i32, i32)]) -> Vec<[f64; 2]> {
        let mut r: Vec<[f64; 2]> = ij
            .iter()
            .map(|&(i, j)| [X + f64::from(i) * D, Y + f64::from(j) * D])
            .collect();
        r.push(r[0]);
        r
    }

    /// Area of a small shape given in grid cells (D × D) near (X, Y), by the local
    /// scale of a degree on the WGS 84 ellipsoid.
    fn cells_m2(cells: f64) -> f64 {
        let (a, e2) = (6_378_137.0_f64, 0.006_694_379_990_14_f64);
        let phi = (Y + 0.002).to_radians();
        let w = 1.0 - e2 * phi.sin().powi(2);
        let east = a * phi.cos() / w.sqrt() * D.to_radians();
        let north = a * (1.0 - e2) / w.powf(1.5) * D.to_radians();
        cells * east * north
    }

    fn repair(g: &geojson::Geometry) -> Result<(Geometry, RepairReport), Vec<FieldError>> {
        repair_area("geometry", g, Limits::default())
    }

    fn coords(g: &Geometry) -> Vec<Coord> {
        use geo::CoordsIter;
        g.coords_iter().collect()
    }

    #[test]
    fn valid_input_comes_back_bit_for_bit() {
        // With a repeated position and full-precision numbers.
        let mut shell = grid_ring(&[(0, 0), (4, 0), (4, 4), (0, 4)]);
        shell.insert(1, shell[1]);
        shell[2][0] += 1.234_567_890_123e-9;
        let hole = grid_ring(&[(1, 1), (1, 2), (2, 2)]);
        let g = polygon(&[shell.clone(), hole.clone()]);
        let (out, report) = repair(&g).expect("valid");
        assert!(!report.changed);
        assert_eq!(
            out,
            super::super::parse_area("geometry", &g, Limits::default()).expect("ok")
        );
        let flat: Vec<[f64; 2]> = shell.iter().chain(&hole).copied().collect();
        let got: Vec<[f64; 2]> = coords(&out).iter().map(|c| [c.x, c.y]).collect();
        assert_eq!(got, flat);
        assert_eq!(report.area_difference_m2, 0.0);
    }

    #[test]
    fn a_bow_tie_becomes_its_two_lobes() {
        let g = polygon(&[grid_ring(&[(0, 0), (2, 2), (2, 0), (0, 2)])]);
        let (out, report) = repair(&g).expect("repaired");
        let Geometry::MultiPolygon(mp) = &out else {
            panic!("{out:?}")
        };
        assert_eq!(mp.0.len(), 2);
        assert!(report.changed);
        assert_eq!(report.self_intersections, vec![[X + D, Y + D]]);
        assert_eq!((report.parts_before, report.parts_after), (1, 2));
        assert_eq!((report.parts_added, report.parts_dropped), (1, 0));
        // Each lobe is a triangle of one cell; the input's lobes cancel out.
        assert!(
            report.area_before_m2.abs() < 1.0,
            "{}",
            report.area_before_m2
        );
        let want = cells_m2(2.0);
        assert!(
            (report.area_after_m2 - want).abs() < want * 1e-3,
            "{} vs {want}",
            report.area_after_m2
        );
        assert!(
            (report.area_difference_m2 - (report.area_after_m2 - report.area_before_m2)).abs()
                < 1e-9
        );
        // Valid edges keep their exact vertices: every output position is an input
        // position or the crossing.
        let input: Vec<[f64; 2]> = grid_ring(&[(0, 0), (2, 2), (2, 0), (0, 2)]);
        for c in coords(&out) {
            assert!(
                input.contains(&[c.x, c.y]) || [c.x, c.y] == [X + D, Y + D],
                "{c:?}"
            );
        }
        assert!(validate::validate(&mp.0.iter().collect::<Vec<_>>()).is_empty());
    }

    #[test]
    fn a_spike_is_removed_and_the_area_kept() {
        // Square with an A-B-A spike out of its top edge, and a repeated position.
        let g = polygon(&[grid_ring(&[
            (0, 0),
            (4, 0),
            (4, 4),
            (2, 4),
            (2, 7),
            (2, 4),
            (2, 4),
            (0, 4),
        ])]);
        let (out, report) = repair(&g).expect("repaired");
        let Geometry::Polygon(p) = &out else {
            panic!("{out:?}")
        };
        assert_eq!(report.spikes_removed, vec![[X + 2.0 * D, Y + 7.0 * D]]);
        assert_eq!(report.duplicate_points_dropped, 2);
        assert_eq!(p.exterior().0.len(), 6, "{p:?}");
        let want = cells_m2(16.0);
        assert!((report.area_after_m2 - want).abs() < want * 1e-3);
        assert!(report.area_difference_m2.abs() < 1e-3 * want);
    }

    #[test]
    fn a_ring_touching_itself_is_split_into_its_loops() {
        // Figure eight through (2, 2): two squares of 4 cells.
        let g = polygon(&[grid_ring(&[
            (0, 0),
            (2, 0),
            (2, 2),
            (4, 2),
            (4, 4),
            (2, 4),
            (2, 2),
            (0, 2),
        ])]);
        let (out, report) = repair(&g).expect("repaired");
        let Geometry::MultiPolygon(mp) = &out else {
            panic!("{out:?}")
        };
        assert_eq!(mp.0.len(), 2);
        assert_eq!(report.self_intersections, vec![[X + 2.0 * D, Y + 2.0 * D]]);
        let want = cells_m2(8.0);
        assert!((report.area_after_m2 - want).abs() < want * 1e-3);
        // Pinched round a hole: the inner loop becomes a hole.
        let g = polygon(&[grid_ring(&[
            (0, 0),
            (8, 0),
            (8, 8),
            (0, 8),
            (0, 4),
            (4, 2),
            (6, 4),
            (4, 6),
            (0, 4),
        ])]);
        let (out, report) = repair(&g).expect("repaired");
        let Geometry::Polygon(p) = &out else {
            panic!("{out:?}")
        };
        assert_eq!(p.interiors().len(), 1);
        assert_eq!((report.holes_added, report.parts_added), (1, 0));
        let want = cells_m2(64.0 - 12.0);
        assert!(
            (report.area_after_m2 - want).abs() < want * 1e-3,
            "{}",
            report.area_after_m2
        );
    }

    #[test]
    fn rings_without_area_are_dropped_and_reported() {
        let shell = grid_ring(&[(0, 0), (4, 0), (4, 4), (0, 4)]);
        let flat = grid_ring(&[(1, 1), (2, 1), (3, 1)]);
        let g = polygon(&[shell, flat]);
        let (out, report) = repair(&g).expect("repaired");
        let Geometry::Polygon(p) = &out else {
            panic!("{out:?}")
        };
        assert!(p.interiors().is_empty());
        assert_eq!(report.holes_dropped, 1);
        let g = polygon(&[grid_ring(&[(0, 0), (1, 1), (2, 2)])]);
        let e = repair(&g).expect_err("nothing left");
        assert!(e[0].reason.contains("nothing with an area"), "{e:?}");
    }

    #[test]
    fn what_cannot_be_repaired_is_refused_as_today() {
        let mut open = grid_ring(&[(0, 0), (4, 0), (4, 4), (0, 4)]);
        open.pop();
        let e = repair(&polygon(&[open])).expect_err("open ring");
        assert!(e[0].reason.contains("not closed"));
        let shell = grid_ring(&[(0, 0), (4, 0), (4, 4), (0, 4)]);
        let outside = grid_ring(&[(10, 10), (11, 10), (11, 11)]);
        let e = repair(&polygon(&[shell.clone(), outside])).expect_err("hole outside");
        assert_eq!(e[0].field, "geometry.coordinates");
        assert!(e[0].reason.contains("not contained"), "{e:?}");
        let other = grid_ring(&[(2, 2), (6, 2), (6, 6), (2, 6)]);
        let mp = gj(serde_json::json!({"type": "MultiPolygon", "coordinates": [[shell], [other]]}));
        let e = repair(&mp).expect_err("overlap");
        assert_eq!(e.len(), 1);
        assert!(e[0].reason.contains("overlap"), "{e:?}");
    }

    #[test]
    fn repairs_are_valid_and_valid_inputs_untouched_on_random_geometries() {
        let mut rng = fuzzing::Rng::new(3);
        let mut repaired = 0;
        for _ in 0..20_000 {
            let bytes: Vec<u8> = (0..4 + rng.below(30)).map(|_| rng.bits() as u8).collect();
            fuzzing::repair(&bytes);
            if let Some(g) = fuzzing::geometry_from_bytes(&bytes) {
                let gj = geojson::Geometry::new((&g).into());
                if repair(&gj).is_ok_and(|(_, r)| r.changed) {
                    repaired += 1;
                }
            }
        }
        assert!(repaired > 1000, "{repaired}");
    }
}
