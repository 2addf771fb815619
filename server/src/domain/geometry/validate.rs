//! OGC validity of polygons and multipolygons in O(n log n), by plane sweeps over
//! their segments (`segments::sweep`) instead of comparing every pair of segments.
//!
//! The rules: every ring has at least 3 distinct positions and an area, and is simple
//! (it neither crosses nor touches itself; repeated consecutive positions are one
//! vertex); the rings of a polygon do not cross or share a stretch, though they may
//! touch at points; holes lie inside their exterior and not inside one another; the
//! interior is connected (touching rings never enclose a piece of it); the parts of
//! a multipolygon do not overlap and touch only at points.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use geo::{Coord, Polygon};

use super::segments::{self, Key, Meet, key, lex};

/// Why a polygonal geometry is not valid. Parts and rings are indices; ring 0 is the
/// exterior, ring `i > 0` the interior ring at index `i - 1`.
#[derive(Debug, Clone, PartialEq)]
pub enum Invalid {
    /// Fewer than 3 distinct positions.
    TooFewPoints { part: usize, ring: usize },
    /// All positions on one line.
    NoArea { part: usize, ring: usize, at: Coord },
    /// The ring crosses or touches itself.
    SelfIntersection { part: usize, ring: usize, at: Coord },
    /// A hole crosses its exterior or lies outside it.
    HoleOutside { part: usize, ring: usize, at: Coord },
    /// Two rings of one polygon share a stretch.
    RingsOnLine {
        part: usize,
        a: usize,
        b: usize,
        at: Coord,
    },
    /// Two holes cross, or one lies inside the other.
    HolesOverlap {
        part: usize,
        a: usize,
        b: usize,
        at: Coord,
    },
    /// Rings touch so that they cut the interior in pieces.
    Disconnected { part: usize, at: Coord },
    /// Two parts of a multipolygon overlap or share a stretch.
    PartsOverlap { a: usize, b: usize, at: Coord },
}

/// The ring's distinct positions (without the closing repeat) when the ring on its
/// own is fine.
pub fn ring(part: usize, ring: usize, coords: &[Coord]) -> Result<Vec<Coord>, Invalid> {
    let pts = segments::distinct(coords, true);
    if pts.len() < 3 {
        return Err(Invalid::TooFewPoints { part, ring });
    }
    if is_collinear(&pts) {
        return Err(Invalid::NoArea {
            part,
            ring,
            at: pts[0],
        });
    }
    if let Some(at) = segments::self_meeting(&pts, true) {
        return Err(Invalid::SelfIntersection { part, ring, at });
    }
    Ok(pts)
}

/// True when every position lies on the line through the first two (distinct) ones.
pub fn is_collinear(pts: &[Coord]) -> bool {
    pts.len() < 3
        || pts[2..]
            .iter()
            .all(|&c| segments::orient(pts[0], pts[1], c) == 0)
}

/// Every reason why the parts `polys` (one polygon, or a multipolygon's) are not
/// valid; empty when they are. Ring problems come first; only when every ring is
/// fine are the rings checked against each other, and then the first problem found
/// between rings is the one reported.
pub fn validate(polys: &[&Polygon]) -> Vec<Invalid> {
    let mut errors = Vec::new();
    let mut rings: Vec<Placed> = Vec::new();
    for (p, poly) in polys.iter().enumerate() {
        for (r, ls) in std::iter::once(poly.exterior())
            .chain(poly.interiors())
            .enumerate()
        {
            match ring(p, r, &ls.0) {
                Ok(pts) => rings.push(Placed {
                    part: p,
                    ring: r,
                    pts,
                }),
                Err(e) => errors.push(e),
            }
        }
    }
    if errors.is_empty() && rings.len() > 1 {
        errors = between(&rings);
    }
    errors
}

/// A ring that is fine on its own, with where it belongs.
pub struct Placed {
    /// Index of its polygon.
    pub part: usize,
    /// Index within its polygon (0: the exterior).
    pub ring: usize,
    /// Its distinct positions, without the closing repeat.
    pub pts: Vec<Coord>,
}

/// Where a ring passes through a point another ring also passes through: the
/// ring, the point, and the ring's neighbouring positions on either side of it.
#[derive(Debug, Clone, Copy)]
struct Touch {
    chain: u32,
    key: Key,
    at: Coord,
    sides: (Coord, Coord),
}

/// Checks rings that are each fine against each other: crossings and shared
/// stretches, nesting, connected interiors.
pub fn between(rings: &[Placed]) -> Vec<Invalid> {
    let mut segs = Vec::with_capacity(rings.iter().map(|r| r.pts.len()).sum());
    for (c, r) in rings.iter().enumerate() {
        segments::chain_segments(&r.pts, true, c as u32, &mut segs);
    }
    let around = |c: u32, i: usize| {
        let pts = &rings[c as usize].pts;
        let n = pts.len();
        (pts[(i + n - 1) % n], pts[(i + 1) % n])
    };
    // Points where two rings meet. Shared vertices are hashed here (the sweep need
    // not see them); a vertex lying inside another ring's segment is seen by the sweep.
    let mut touches: Vec<Touch> = Vec::new();
    let mut seen: HashMap<Key, (u32, usize)> = HashMap::new();
    for (c, r) in rings.iter().enumerate() {
        let c = c as u32;
        for (i, &v) in r.pts.iter().enumerate() {
            let (first, j) = *seen.entry(key(v)).or_insert((c, i));
            if first != c {
                for (chain, idx) in [(first, j), (c, i)] {
                    touches.push(Touch {
                        chain,
                        key: key(v),
                        at: v,
                        sides: around(chain, idx),
                    });
                }
            }
        }
    }
    let found = segments::sweep(&segs, rings.len(), true, |s, t, m| {
        if s.chain == t.chain {
            let n = rings[s.chain as usize].pts.len() as u32;
            return !(matches!(m, Meet::Touch(_))
                && segments::consecutive(s.index, t.index, n, true));
        }
        let Meet::Touch(at) = m else { return true };
        for g in [s, t] {
            let n = rings[g.chain as usize].pts.len();
            let sides = if at == g.a {
                around(g.chain, g.index as usize)
            } else if at == g.b {
                around(g.chain, (g.index as usize + 1) % n)
            } else {
                (g.a, g.b)
            };
            touches.push(Touch {
                chain: g.chain,
                key: key(at),
                at,
                sides,
            });
        }
        false
    });
    if let Some((i, j, m)) = found.first {
        let (rs, rt) = (
            &rings[segs[i].chain as usize],
            &rings[segs[j].chain as usize],
        );
        return vec![conflict(rs, rt, m)];
    }
    touches.sort_unstable_by_key(|t| (t.key, t.chain));
    touches.dedup_by_key(|t| (t.key, t.chain));
    if let Some(e) = crossing_at_touches(rings, &touches) {
        return vec![e];
    }
    let mut errors = nesting(rings, &found.parents);
    if errors.is_empty() {
        errors = connectivity(rings, &touches);
    }
    errors
}

/// Rings that meet only at points may still cross there: at each such point the
/// rings' sides must not interleave in the order around it.
fn crossing_at_touches(rings: &[Placed], touches: &[Touch]) -> Option<Invalid> {
    for group in touches.chunk_by(|a, b| a.key == b.key) {
        let p = group[0].at;
        let mut sides: Vec<(Coord, u32)> = group
            .iter()
            .flat_map(|t| [(t.sides.0, t.chain), (t.sides.1, t.chain)])
            .collect();
        sides.sort_by(|a, b| angle(p, a.0, b.0));
        let cross =
            |a: u32, b: u32| conflict(&rings[a as usize], &rings[b as usize], Meet::Cross(p));
        for w in sides.windows(2) {
            if angle(p, w[0].0, w[1].0) == Ordering::Equal {
                return Some(conflict(
                    &rings[w[0].1 as usize],
                    &rings[w[1].1 as usize],
                    Meet::Overlap(p),
                ));
            }
        }
        // Each ring's two sides pair up like brackets unless two rings interleave.
        let mut open: Vec<u32> = Vec::new();
        for (_, c) in sides {
            match open.iter().rposition(|&o| o == c) {
                Some(i) if i + 1 == open.len() => {
                    open.pop();
                }
                Some(_) => return Some(cross(c, *open.last()?)),
                None => open.push(c),
            }
        }
    }
    None
}

/// The order of directions from `p` to `a` and to `b`, counter-clockwise from +x.
fn angle(p: Coord, a: Coord, b: Coord) -> Ordering {
    let half = |q: Coord| u8::from(!(q.y > p.y || (q.y == p.y && q.x > p.x)));
    half(a)
        .cmp(&half(b))
        .then_with(|| 0.cmp(&segments::orient(p, a, b)))
}

/// What it means that rings `s` and `t` (distinct) cross or overlap.
fn conflict(s: &Placed, t: &Placed, m: Meet) -> Invalid {
    let at = m.at();
    if s.part == t.part && s.ring == t.ring {
        return Invalid::SelfIntersection {
            part: s.part,
            ring: s.ring,
            at,
        };
    }
    if s.part != t.part {
        return Invalid::PartsOverlap {
            a: s.part.min(t.part),
            b: s.part.max(t.part),
            at,
        };
    }
    let (part, a, b) = (s.part, s.ring.min(t.ring), s.ring.max(t.ring));
    match m {
        Meet::Overlap(_) => Invalid::RingsOnLine { part, a, b, at },
        _ if a == 0 => Invalid::HoleOutside { part, ring: b, at },
        _ => Invalid::HolesOverlap { part, a, b, at },
    }
}

/// Holes directly inside their own exterior; exteriors outside every other part (or
/// inside one of its holes).
fn nesting(rings: &[Placed], parents: &[Option<u32>]) -> Vec<Invalid> {
    let mut errors = Vec::new();
    for (c, r) in rings.iter().enumerate() {
        let at = lowest(&r.pts);
        let parent = parents
            .get(c)
            .copied()
            .flatten()
            .map(|q| &rings[q as usize]);
        let error = match (r.ring, parent) {
            (0, None) => None,
            (0, Some(q)) if q.part != r.part && q.ring > 0 => None,
            (0, Some(q)) if q.part != r.part => Some(Invalid::PartsOverlap {
                a: q.part.min(r.part),
                b: q.part.max(r.part),
                at,
            }),
            (0, Some(q)) => Some(Invalid::HoleOutside {
                part: r.part,
                ring: q.ring,
                at,
            }),
            (_, Some(q)) if q.part == r.part && q.ring == 0 => None,
            (h, Some(q)) if q.part == r.part => Some(Invalid::HolesOverlap {
                part: r.part,
                a: q.ring.min(h),
                b: q.ring.max(h),
                at,
            }),
            (h, _) => Some(Invalid::HoleOutside {
                part: r.part,
                ring: h,
                at,
            }),
        };
        if let Some(e) = error
            && !errors.contains(&e)
        {
            errors.push(e);
        }
    }
    errors
}

/// The interior of each polygon is connected unless its rings and the points where
/// they touch form a cycle (two holes touching twice, a hole touching the exterior
/// twice, a chain of holes from the exterior back to it).
fn connectivity(rings: &[Placed], touches: &[Touch]) -> Vec<Invalid> {
    let mut sets = Sets((0..rings.len()).collect());
    let mut point_node: HashMap<(usize, Key), usize> = HashMap::new();
    let mut errors = Vec::new();
    let mut broken: HashSet<usize> = HashSet::new();
    for t in touches {
        let part = rings[t.chain as usize].part;
        if broken.contains(&part) {
            continue;
        }
        let node = *point_node
            .entry((part, t.key))
            .or_insert_with(|| sets.add());
        if !sets.join(t.chain as usize, node) {
            errors.push(Invalid::Disconnected { part, at: t.at });
            broken.insert(part);
        }
    }
    errors
}

/// Disjoint sets (union–find) over numbered nodes.
struct Sets(Vec<usize>);

impl Sets {
    fn add(&mut self) -> usize {
        self.0.push(self.0.len());
        self.0.len() - 1
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }

    /// Joins the sets of `a` and `b`; false when they were one set already.
    fn join(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.root(a), self.root(b));
        self.0[ra] = rb;
        ra != rb
    }
}

/// The lowest-leftmost position (where the sweep first meets a ring).
fn lowest(pts: &[Coord]) -> Coord {
    pts.iter()
        .copied()
        .min_by(|a, b| lex(*a, *b))
        .unwrap_or(Coord { x: 0.0, y: 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::{Rng, oracle, polygons_from_bytes};
    use geo::LineString;

    fn ring(pts: &[(f64, f64)]) -> LineString {
        let mut v: Vec<Coord> = pts.iter().map(|&(x, y)| Coord { x, y }).collect();
        v.push(v[0]);
        LineString(v)
    }

    fn poly(rings: &[&[(f64, f64)]]) -> Polygon {
        let mut rs: Vec<LineString> = rings.iter().map(|r| ring(r)).collect();
        let ext = rs.remove(0);
        Polygon::new(ext, rs)
    }

    fn check(polys: &[Polygon]) -> Vec<Invalid> {
        validate(&polys.iter().collect::<Vec<_>>())
    }

    const SHELL: &[(f64, f64)] = &[(0., 0.), (10., 0.), (10., 10.), (0., 10.)];

    #[test]
    fn holes_inside_crossing_outside_and_nested() {
        let inside: &[(f64, f64)] = &[(2., 2.), (4., 2.), (4., 4.), (2., 4.)];
        assert_eq!(check(&[poly(&[SHELL, inside])]), vec![]);
        // Touching the exterior at one point is fine.
        let touching: &[(f64, f64)] = &[(0., 5.), (3., 4.), (3., 6.)];
        assert_eq!(check(&[poly(&[SHELL, touching])]), vec![]);
        let crossing: &[(f64, f64)] = &[(8., 8.), (12., 8.), (12., 9.)];
        assert!(matches!(
            check(&[poly(&[SHELL, crossing])])[..],
            [Invalid::HoleOutside { part: 0, ring: 1, at }] if at.x == 10.
        ));
        let outside: &[(f64, f64)] = &[(20., 20.), (21., 20.), (21., 21.)];
        assert!(matches!(
            check(&[poly(&[SHELL, outside])])[..],
            [Invalid::HoleOutside {
                part: 0,
                ring: 1,
                ..
            }]
        ));
        let big: &[(f64, f64)] = &[(1., 1.), (9., 1.), (9., 9.), (1., 9.)];
        assert!(matches!(
            check(&[poly(&[SHELL, big, inside])])[..],
            [Invalid::HolesOverlap {
                part: 0,
                a: 1,
                b: 2,
                ..
            }]
        ));
        // A hole crossing the exterior at two shared vertices, meeting it nowhere else.
        let through: &[(f64, f64)] = &[(10., 10.), (5., 12.), (0., 10.), (5., 8.)];
        assert!(matches!(
            check(&[poly(&[SHELL, through])])[..],
            [Invalid::HoleOutside {
                part: 0,
                ring: 1,
                ..
            }]
        ));
        let on_edge: &[(f64, f64)] = &[(0., 2.), (0., 6.), (3., 4.)];
        assert!(matches!(
            check(&[poly(&[SHELL, on_edge])])[..],
            [Invalid::RingsOnLine {
                part: 0,
                a: 0,
                b: 1,
                ..
            }]
        ));
    }

    #[test]
    fn touching_rings_must_leave_the_interior_connected() {
        // A hole touching the exterior at two points cuts the polygon in two.
        let cutting: &[(f64, f64)] = &[(0., 5.), (5., 2.), (10., 5.), (5., 8.)];
        assert!(matches!(
            check(&[poly(&[SHELL, cutting])])[..],
            [Invalid::Disconnected { part: 0, .. }]
        ));
        // Two holes touching at two points enclose a piece of the interior.
        let a: &[(f64, f64)] = &[(2., 2.), (5., 2.), (5., 8.), (2., 8.)];
        let b: &[(f64, f64)] = &[(5., 2.), (8., 2.), (8., 8.), (5., 8.)];
        let e = check(&[poly(&[SHELL, a, b])]);
        assert!(matches!(e[..], [Invalid::RingsOnLine { .. }]), "{e:?}");
        let a: &[(f64, f64)] = &[(2., 2.), (5., 2.), (4., 5.), (5., 8.), (2., 8.)];
        let b: &[(f64, f64)] = &[(5., 2.), (8., 2.), (8., 8.), (5., 8.), (6., 5.)];
        assert!(matches!(
            check(&[poly(&[SHELL, a, b])])[..],
            [Invalid::Disconnected { part: 0, .. }]
        ));
        // Three holes meeting at one point leave it connected.
        let p: &[(f64, f64)] = &[(5., 5.), (3., 2.), (7., 2.)];
        let q: &[(f64, f64)] = &[(5., 5.), (8., 7.), (6., 8.)];
        let r: &[(f64, f64)] = &[(5., 5.), (4., 8.), (2., 6.)];
        assert_eq!(check(&[poly(&[SHELL, p, q, r])]), vec![]);
    }

    #[test]
    fn multipolygon_parts() {
        let right: &[(f64, f64)] = &[(10., 10.), (20., 10.), (20., 20.), (10., 20.)];
        assert_eq!(check(&[poly(&[SHELL]), poly(&[right])]), vec![]);
        let overlapping: &[(f64, f64)] = &[(5., 5.), (15., 5.), (15., 15.), (5., 15.)];
        let e = check(&[poly(&[SHELL]), poly(&[overlapping])]);
        assert!(
            matches!(e[..], [Invalid::PartsOverlap { a: 0, b: 1, .. }]),
            "one report for one pair: {e:?}"
        );
        let sharing: &[(f64, f64)] = &[(10., 0.), (20., 0.), (20., 10.), (10., 10.)];
        assert!(matches!(
            check(&[poly(&[SHELL]), poly(&[sharing])])[..],
            [Invalid::PartsOverlap { a: 0, b: 1, .. }]
        ));
        // A part inside another's exterior overlaps it; inside a hole it does not.
        let small: &[(f64, f64)] = &[(3., 3.), (6., 3.), (6., 6.)];
        assert!(matches!(
            check(&[poly(&[SHELL]), poly(&[small])])[..],
            [Invalid::PartsOverlap { a: 0, b: 1, .. }]
        ));
        let hole: &[(f64, f64)] = &[(2., 2.), (8., 2.), (8., 8.), (2., 8.)];
        assert_eq!(check(&[poly(&[SHELL, hole]), poly(&[small])]), vec![]);
    }

    #[test]
    fn rings_without_area_or_positions() {
        let line: &[(f64, f64)] = &[(0., 0.), (1., 1.), (2., 2.)];
        assert!(matches!(
            check(&[poly(&[line])])[..],
            [Invalid::NoArea {
                part: 0,
                ring: 0,
                ..
            }]
        ));
        let two: &[(f64, f64)] = &[(0., 0.), (1., 1.), (1., 1.)];
        assert_eq!(
            check(&[poly(&[two])]),
            vec![Invalid::TooFewPoints { part: 0, ring: 0 }]
        );
        let flat_hole: &[(f64, f64)] = &[(1., 1.), (2., 1.), (3., 1.)];
        assert!(matches!(
            check(&[poly(&[SHELL, flat_hole])])[..],
            [Invalid::NoArea {
                part: 0,
                ring: 1,
                ..
            }]
        ));
    }

    /// Random small geometries: a rectangle exterior with random holes and parts,
    /// and pure random bytes, against the every-pair reference.
    #[test]
    fn sweep_agrees_with_the_reference_on_random_geometries() {
        let mut rng = Rng::new(5);
        let (mut valid, mut invalid) = (0, 0);
        for i in 0..30_000 {
            let mut bytes = Vec::new();
            if i % 3 == 0 {
                bytes = (0..4 + rng.below(40)).map(|_| rng.bits() as u8).collect();
            } else {
                let parts = rng.below(3);
                bytes.push(parts as u8);
                for _ in 0..=parts {
                    let holes = rng.below(3);
                    bytes.push(holes as u8);
                    let (x0, y0) = (rng.below(8) as u8, rng.below(8) as u8);
                    let (x1, y1) = (x0 + 2 + rng.below(7) as u8, y0 + 2 + rng.below(7) as u8);
                    let (x1, y1) = (x1.min(15), y1.min(15));
                    bytes.push(1);
                    for (x, y) in [(x0, y0), (x1, y0), (x1, y1), (x0, y1)] {
                        bytes.push(y << 4 | x);
                    }
                    for _ in 0..holes {
                        let n = rng.below(3);
                        bytes.push(n as u8);
                        for _ in 0..3 + n {
                            let x = x0 + rng.below(usize::from(x1 - x0) + 1) as u8;
                            let y = y0 + rng.below(usize::from(y1 - y0) + 1) as u8;
                            bytes.push(y << 4 | x);
                        }
                    }
                }
            }
            let polys = polygons_from_bytes(&bytes);
            if polys.is_empty() {
                continue;
            }
            let refs: Vec<&Polygon> = polys.iter().collect();
            let fast = validate(&refs);
            let slow = oracle::is_valid(&refs);
            assert_eq!(fast.is_empty(), slow, "{fast:?} for {polys:?}");
            if slow {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        assert!(
            valid > 2000 && invalid > 2000,
            "{valid} valid, {invalid} invalid"
        );
    }
}
