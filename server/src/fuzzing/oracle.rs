//! A slow, plain reference for polygon validity: every pair of segments compared,
//! nesting by point-in-ring tests. The fuzz target `validate` and the unit tests
//! compare the fast sweep (`domain::geometry::validate`) against it. O(n²): small
//! inputs only.

use std::collections::HashMap;

use geo::{Coord, Polygon};

use crate::domain::geometry::segments::{self, Key, Meet, key, meet, orient};
use crate::domain::geometry::validate::is_collinear;

/// True when the parts `polys` form a valid polygon or multipolygon.
pub fn is_valid(polys: &[&Polygon]) -> bool {
    // (part, ring index, distinct positions)
    let mut rings: Vec<(usize, usize, Vec<Coord>)> = Vec::new();
    for (p, poly) in polys.iter().enumerate() {
        for (r, ls) in std::iter::once(poly.exterior())
            .chain(poly.interiors())
            .enumerate()
        {
            let pts = segments::distinct(&ls.0, true);
            if pts.len() < 3 || is_collinear(&pts) || !simple(&pts) {
                return false;
            }
            rings.push((p, r, pts));
        }
    }
    let mut touches: Vec<(usize, Key)> = Vec::new();
    for (i, a) in rings.iter().enumerate() {
        for (j, b) in rings.iter().enumerate().skip(i + 1) {
            for s in edges(&a.2) {
                for t in edges(&b.2) {
                    match meet(s, t) {
                        None => {}
                        Some(Meet::Touch(c)) if a.0 == b.0 => {
                            touches.push((i, key(c)));
                            touches.push((j, key(c)));
                        }
                        Some(Meet::Touch(_)) => {}
                        Some(_) => return false,
                    }
                }
            }
        }
    }
    let n = rings.len();
    let mut inside = vec![vec![false; n]; n];
    for r in 0..n {
        for q in 0..n {
            if q != r {
                let (i, o) = sides(&rings[q].2, &rings[r].2);
                if i && o {
                    return false;
                }
                inside[r][q] = i;
            }
        }
    }
    for (r, (p, idx, _)) in rings.iter().enumerate() {
        for (q, (pq, iq, _)) in rings.iter().enumerate() {
            if q == r || (*idx > 0 && *pq != *p) {
                continue;
            }
            let within = inside[r][q];
            let bad = match (*idx, *iq) {
                (h, 0) if h > 0 => *pq == *p && !within,
                (h, _) if h > 0 => within,
                (0, 0) => {
                    // Inside another part's exterior: only allowed within one of its holes.
                    within
                        && !rings
                            .iter()
                            .enumerate()
                            .any(|(h, (ph, ih, _))| *ph == *pq && *ih > 0 && inside[r][h])
                }
                _ => false,
            };
            if bad {
                return false;
            }
        }
    }
    connected(&rings, touches)
}

fn edges(pts: &[Coord]) -> impl Iterator<Item = (Coord, Coord)> + '_ {
    (0..pts.len()).map(move |i| (pts[i], pts[(i + 1) % pts.len()]))
}

fn simple(pts: &[Coord]) -> bool {
    let n = pts.len();
    let es: Vec<(Coord, Coord)> = edges(pts).collect();
    for i in 0..n {
        for j in i + 1..n {
            let next = j == i + 1 || (i == 0 && j == n - 1);
            match meet(es[i], es[j]) {
                None => {}
                Some(Meet::Touch(_)) if next => {}
                Some(_) => return false,
            }
        }
    }
    true
}

/// Which sides of ring `outer` ring `inner` has points on: (inside, outside), judged
/// at its positions and at eighths of its segments that are not on `outer` (exact
/// for the small coordinates the fuzz inputs use).
fn sides(outer: &[Coord], inner: &[Coord]) -> (bool, bool) {
    let (mut inside, mut outside) = (false, false);
    for (a, b) in edges(inner) {
        for k in 0..8 {
            let t = f64::from(k) / 8.0;
            let p = Coord {
                x: a.x + (b.x - a.x) * t,
                y: a.y + (b.y - a.y) * t,
            };
            if edges(outer).any(|e| on(e, p)) {
                continue;
            }
            if crossings(outer, p) % 2 == 1 {
                inside = true;
            } else {
                outside = true;
            }
        }
    }
    (inside, outside)
}

fn on((a, b): (Coord, Coord), p: Coord) -> bool {
    orient(a, b, p) == 0
        && p.x >= a.x.min(b.x)
        && p.x <= a.x.max(b.x)
        && p.y >= a.y.min(b.y)
        && p.y <= a.y.max(b.y)
}

/// Crossings of the ray from `p` towards +x with the ring (exact).
fn crossings(ring: &[Coord], p: Coord) -> usize {
    edges(ring)
        .filter(|&(a, b)| {
            (a.y <= p.y && b.y > p.y && orient(a, b, p) > 0)
                || (b.y <= p.y && a.y > p.y && orient(a, b, p) < 0)
        })
        .count()
}

/// No cycle of rings and touch points within a polygon.
fn connected(rings: &[(usize, usize, Vec<Coord>)], mut touches: Vec<(usize, Key)>) -> bool {
    touches.sort_unstable();
    touches.dedup();
    let mut up: Vec<usize> = (0..rings.len()).collect();
    let mut node: HashMap<Key, usize> = HashMap::new();
    fn root(up: &mut [usize], mut i: usize) -> usize {
        while up[i] != i {
            i = up[i];
        }
        i
    }
    for (r, k) in touches {
        let n = *node.entry(k).or_insert_with(|| {
            up.push(up.len());
            up.len() - 1
        });
        let (a, b) = (root(&mut up, r), root(&mut up, n));
        if a == b {
            return false;
        }
        up[a] = b;
    }
    true
}
