//! Planar topology on exact coordinates: noding segments, tracing the faces of a
//! planar graph, and the two overlays the editor needs (cutting a polygon with a
//! line, dissolving polygons that share edges).
//!
//! Everything here keeps input coordinates bit for bit: a vertex shared with a
//! neighbouring grid stays exactly the same number, so neighbours keep sharing
//! edges. New vertices (where a cut line meets a boundary) are computed once and
//! used, identically, by every piece that touches them. No `BooleanOps` here: its
//! integer overlay moves coordinates.

use std::collections::HashMap;

use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{Area, Contains, Coord, InteriorPoint, Line, LineString, MultiPolygon, Polygon};

/// A coordinate's exact identity (`-0.0` and `0.0` are one point).
pub type Key = (u64, u64);

/// The identity of a coordinate.
pub fn key(c: Coord) -> Key {
    ((c.x + 0.0).to_bits(), (c.y + 0.0).to_bits())
}

/// An undirected planar graph on exact coordinates.
#[derive(Debug, Default)]
pub struct Graph {
    nodes: Vec<Coord>,
    index: HashMap<Key, usize>,
    edges: HashMap<(usize, usize), u32>,
}

impl Graph {
    fn node(&mut self, c: Coord) -> usize {
        let k = key(c);
        if let Some(&i) = self.index.get(&k) {
            return i;
        }
        self.nodes.push(c);
        self.index.insert(k, self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    /// Adds an edge (ignored when degenerate); counts how often it was added.
    pub fn add(&mut self, a: Coord, b: Coord) {
        let (i, j) = (self.node(a), self.node(b));
        if i != j {
            *self.edges.entry((i.min(j), i.max(j))).or_default() += 1;
        }
    }

    /// Drops every edge added more than once (edges shared by two polygons).
    pub fn drop_shared(&mut self) {
        self.edges.retain(|_, n| *n == 1);
    }

    /// Every face cycle as a closed ring; bounded faces are counter-clockwise
    /// (positive signed area), outer boundaries of components clockwise.
    pub fn faces(&self) -> Vec<LineString> {
        let n = self.nodes.len();
        let mut around: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(i, j) in self.edges.keys() {
            around[i].push(j);
            around[j].push(i);
        }
        for (i, list) in around.iter_mut().enumerate() {
            let c = self.nodes[i];
            list.sort_by(|&a, &b| {
                let (pa, pb) = (self.nodes[a], self.nodes[b]);
                (pa.y - c.y)
                    .atan2(pa.x - c.x)
                    .total_cmp(&(pb.y - c.y).atan2(pb.x - c.x))
            });
        }
        let mut used: HashMap<(usize, usize), bool> = HashMap::new();
        let mut out = Vec::new();
        let mut starts: Vec<(usize, usize)> = self
            .edges
            .keys()
            .flat_map(|&(i, j)| [(i, j), (j, i)])
            .collect();
        starts.sort_unstable();
        for start in starts {
            if used.contains_key(&start) {
                continue;
            }
            let mut ring = vec![self.nodes[start.0]];
            let (mut u, mut v) = start;
            let mut guard = 0usize;
            loop {
                used.insert((u, v), true);
                ring.push(self.nodes[v]);
                // Next edge keeping the face on the left: the neighbour of v just
                // clockwise from u.
                let list = &around[v];
                let Some(pos) = list.iter().position(|&w| w == u) else {
                    break;
                };
                let w = list[(pos + list.len() - 1) % list.len()];
                u = v;
                v = w;
                guard += 1;
                if (u, v) == start || guard > 4 * self.edges.len() + 4 {
                    break;
                }
            }
            out.push(LineString(ring));
        }
        out
    }
}

/// Signed area of a closed ring (counter-clockwise positive), degrees².
pub fn signed_area(r: &LineString) -> f64 {
    r.0.windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum::<f64>()
        / 2.0
}

fn rings(mp: &MultiPolygon) -> impl Iterator<Item = &LineString> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

/// Why an overlay could not be done.
#[derive(Debug, Clone, PartialEq)]
pub enum TopoError {
    /// The cut line runs along the boundary for a stretch.
    LineAlongBoundary(Coord),
    /// The polygons cross each other (they overlap rather than share edges).
    Overlap(Coord),
    /// The result is not what the inputs add up to (a case not handled).
    Unsupported(String),
}

/// Distance below which a computed point is taken to be an existing vertex, degrees
/// (about 0.1 µm): only absorbs rounding of the intersection arithmetic.
const SNAP: f64 = 1e-12;

fn near(a: Coord, b: Coord) -> bool {
    (a.x - b.x).abs() <= SNAP && (a.y - b.y).abs() <= SNAP
}

/// Splits a segment at the given points (on it), in order from `a` to `b`.
fn pieces(a: Coord, b: Coord, mut at: Vec<Coord>) -> Vec<(Coord, Coord)> {
    let d = b - a;
    let t = |c: Coord| (c - a).x * d.x + (c - a).y * d.y;
    at.retain(|c| key(*c) != key(a) && key(*c) != key(b));
    at.sort_by(|p, q| t(*p).total_cmp(&t(*q)));
    at.dedup_by(|p, q| key(*p) == key(*q));
    let mut out = Vec::with_capacity(at.len() + 1);
    let mut prev = a;
    for c in at {
        out.push((prev, c));
        prev = c;
    }
    out.push((prev, b));
    out
}

/// Cuts a (multi)polygon with a line. Answers the pieces (each a polygon, exact
/// input coordinates kept, cut points shared by the pieces on both sides) and the
/// new vertices made where the line meets the boundary.
pub fn cut(
    area: &MultiPolygon,
    line: &LineString,
) -> Result<(Vec<Polygon>, Vec<Coord>), TopoError> {
    let ring_segs: Vec<Line> = rings(area).flat_map(|r| r.lines()).collect();
    let line_segs: Vec<Line> = line.lines().filter(|l| l.start != l.end).collect();
    let mut on_ring: Vec<Vec<Coord>> = vec![Vec::new(); ring_segs.len()];
    let mut on_line: Vec<Vec<Coord>> = vec![Vec::new(); line_segs.len()];
    let mut new_vertices: Vec<Coord> = Vec::new();
    // Only pairs whose bounding boxes meet can intersect: an R-tree of the ring
    // segments answers them in O((n + m) log n + k), not n × m. They are handled in
    // the order the every-pair loop had (ring segment, then line segment), so the
    // answer is the same.
    for (i, j) in meeting_pairs(&ring_segs, &line_segs) {
        let (r, l) = (&ring_segs[i], &line_segs[j]);
        match line_intersection(*r, *l) {
            None => {}
            Some(LineIntersection::Collinear { intersection }) => {
                if intersection.start != intersection.end {
                    return Err(TopoError::LineAlongBoundary(intersection.start));
                }
                on_ring[i].push(intersection.start);
                on_line[j].push(intersection.start);
            }
            Some(LineIntersection::SinglePoint { intersection, .. }) => {
                // Prefer an existing boundary vertex, then a line vertex.
                let c = [r.start, r.end, l.start, l.end]
                    .into_iter()
                    .find(|v| near(*v, intersection))
                    .unwrap_or(intersection);
                if key(c) != key(r.start) && key(c) != key(r.end) {
                    new_vertices.push(c);
                }
                on_ring[i].push(c);
                on_line[j].push(c);
            }
        }
    }
    let mut g = Graph::default();
    for (r, at) in ring_segs.iter().zip(on_ring) {
        for (a, b) in pieces(r.start, r.end, at) {
            g.add(a, b);
        }
    }
    // A run of line segments that meet no ring lies wholly inside or wholly outside
    // (their shared vertices are on no ring either), so one point-in-polygon test
    // answers the run.
    let mut run_inside: Option<bool> = None;
    for (l, at) in line_segs.iter().zip(on_line) {
        let free = at.is_empty();
        if !free {
            run_inside = None;
        }
        for (a, b) in pieces(l.start, l.end, at) {
            let inside = match (free, run_inside) {
                (true, Some(known)) => known,
                _ => {
                    let mid = Coord {
                        x: (a.x + b.x) / 2.0,
                        y: (a.y + b.y) / 2.0,
                    };
                    area.contains(&mid)
                }
            };
            if free {
                run_inside = Some(inside);
            }
            if inside {
                g.add(a, b);
            }
        }
        if !free {
            run_inside = None;
        }
    }
    let parts = assemble(&g, |p| area.contains(p))?;
    let want = area.unsigned_area();
    let got: f64 = parts.iter().map(Area::unsigned_area).sum();
    if (got - want).abs() > 1e-9 * want.max(f64::MIN_POSITIVE) {
        return Err(TopoError::Unsupported(format!(
            "the pieces' area {got} differs from the grid's {want}"
        )));
    }
    new_vertices.sort_by_key(|a| key(*a));
    new_vertices.dedup_by(|a, b| key(*a) == key(*b));
    Ok((parts, new_vertices))
}

/// The pairs (ring segment, line segment) whose bounding boxes meet, in order.
fn meeting_pairs(ring_segs: &[Line], line_segs: &[Line]) -> Vec<(usize, usize)> {
    use rstar::primitives::{GeomWithData, Rectangle};
    use rstar::{AABB, RTree};
    let boxed = |l: &Line| {
        AABB::from_corners(
            [l.start.x.min(l.end.x), l.start.y.min(l.end.y)],
            [l.start.x.max(l.end.x), l.start.y.max(l.end.y)],
        )
    };
    let tree = RTree::bulk_load(
        ring_segs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let b = boxed(r);
                GeomWithData::new(Rectangle::from_corners(b.lower(), b.upper()), i)
            })
            .collect(),
    );
    let mut pairs: Vec<(usize, usize)> = line_segs
        .iter()
        .enumerate()
        .flat_map(|(j, l)| {
            tree.locate_in_envelope_intersecting(&boxed(l))
                .map(move |e| (e.data, j))
        })
        .collect();
    pairs.sort_unstable();
    pairs
}

/// Faces of a graph as polygons: counter-clockwise faces whose inside is `inside`
/// become shells; clockwise cycles strictly inside a shell become its holes.
fn assemble(g: &Graph, inside: impl Fn(&geo::Point) -> bool) -> Result<Vec<Polygon>, TopoError> {
    let faces = g.faces();
    let mut shells: Vec<(Polygon, Vec<LineString>)> = Vec::new();
    let mut cw: Vec<LineString> = Vec::new();
    for f in faces {
        let a = signed_area(&f);
        if a > 0.0 {
            let p = Polygon::new(f.clone(), vec![]);
            if p.interior_point().is_some_and(|pt| inside(&pt)) {
                shells.push((p, Vec::new()));
            }
        } else if a < 0.0 {
            cw.push(f);
        }
    }
    // A hole has vertices strictly inside its shell; the outer boundary of a
    // component has all of them on shells' edges: its vertices are shells' vertices
    // (every meeting is noded), so only other vertices are tested (a test is O(n),
    // and an outer boundary can have as many vertices as the grid).
    let on_shells: std::collections::HashSet<Key> = shells
        .iter()
        .flat_map(|(s, _)| s.exterior().0.iter().map(|c| key(*c)))
        .collect();
    for h in cw {
        let best = shells
            .iter_mut()
            .filter(|(s, _)| {
                h.0.iter()
                    .filter(|c| !on_shells.contains(&key(**c)))
                    .any(|c| s.contains(c))
            })
            .min_by(|a, b| a.0.unsigned_area().total_cmp(&b.0.unsigned_area()));
        if let Some((_, holes)) = best {
            let mut h = h;
            h.0.reverse();
            holes.push(h);
        }
    }
    Ok(shells
        .into_iter()
        .map(|(s, holes)| {
            let mut holes = holes;
            for h in &mut holes {
                // holes clockwise, as the exterior is counter-clockwise
                if signed_area(h) > 0.0 {
                    h.0.reverse();
                }
            }
            Polygon::new(s.exterior().clone(), holes)
        })
        .collect())
}

/// Dissolves polygons that share edges into their union, keeping every input
/// coordinate. Edges that two inputs share (after noding vertices of one that lie
/// on edges of another) disappear. Refuses inputs that cross each other.
pub fn dissolve(parts: &[MultiPolygon]) -> Result<Vec<Polygon>, TopoError> {
    // Segments per input, noded at vertices of the other inputs lying on them.
    let segs: Vec<Vec<Line>> = parts
        .iter()
        .map(|mp| {
            rings(mp)
                .flat_map(|r| r.lines())
                .filter(|l| l.start != l.end)
                .collect()
        })
        .collect();
    let verts: Vec<Vec<Coord>> = parts
        .iter()
        .map(|mp| rings(mp).flat_map(|r| r.0.iter().copied()).collect())
        .collect();
    let mut g = Graph::default();
    for (i, ss) in segs.iter().enumerate() {
        for s in ss {
            let mut at = Vec::new();
            for (j, vs) in verts.iter().enumerate() {
                if i == j {
                    continue;
                }
                for v in vs {
                    if on_segment(*v, *s) {
                        at.push(*v);
                    }
                }
                for o in &segs[j] {
                    if let Some(LineIntersection::SinglePoint {
                        intersection,
                        is_proper: true,
                    }) = line_intersection(*s, *o)
                        && ![s.start, s.end, o.start, o.end]
                            .iter()
                            .any(|v| near(*v, intersection))
                    {
                        return Err(TopoError::Overlap(intersection));
                    }
                }
            }
            for (a, b) in pieces(s.start, s.end, at) {
                g.add(a, b);
            }
        }
    }
    g.drop_shared();
    let covered = |p: &geo::Point| {
        parts
            .iter()
            .any(|mp| mp.contains(p) || geo::Intersects::intersects(mp, p))
    };
    let out = assemble(&g, covered)?;
    let want: f64 = parts.iter().map(Area::unsigned_area).sum();
    let got: f64 = out.iter().map(Area::unsigned_area).sum();
    if (got - want).abs() > 1e-9 * want.max(f64::MIN_POSITIVE) {
        return Err(TopoError::Unsupported(format!(
            "the union's area {got} differs from the sum of the grids' areas {want}: they overlap or only touch"
        )));
    }
    Ok(out)
}

/// Whether `v` lies on segment `s` strictly between its ends (within rounding).
fn on_segment(v: Coord, s: Line) -> bool {
    if key(v) == key(s.start) || key(v) == key(s.end) {
        return false;
    }
    let (minx, maxx) = (s.start.x.min(s.end.x), s.start.x.max(s.end.x));
    let (miny, maxy) = (s.start.y.min(s.end.y), s.start.y.max(s.end.y));
    if v.x < minx - SNAP || v.x > maxx + SNAP || v.y < miny - SNAP || v.y > maxy + SNAP {
        return false;
    }
    let d = s.end - s.start;
    let len = d.x.hypot(d.y);
    if len == 0.0 {
        return false;
    }
    let cross = (v.x - s.start.x) * d.y - (v.y - s.start.y) * d.x;
    (cross / len).abs() <= SNAP
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Validation, polygon};

    fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon {
        MultiPolygon(vec![
            polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)],
        ])
    }

    #[test]
    fn cut_square_in_two() {
        let a = sq(0.0, 0.0, 1.0, 1.0);
        let line = LineString::from(vec![(0.3, -1.0), (0.6, 2.0)]);
        let (parts, new) = cut(&a, &line).expect("cut");
        assert_eq!(parts.len(), 2);
        assert_eq!(new.len(), 2);
        let total: f64 = parts.iter().map(Area::unsigned_area).sum();
        assert!((total - 1.0).abs() < 1e-12);
        for p in &parts {
            assert!(p.is_valid(), "{p:?}");
            assert!(signed_area(p.exterior()) > 0.0);
        }
        // The cut points are vertices of both pieces.
        for c in new {
            for p in &parts {
                assert!(p.exterior().0.iter().any(|e| key(*e) == key(c)));
            }
        }
    }

    #[test]
    fn cut_with_a_bent_line_and_three_pieces() {
        let a = sq(0.0, 0.0, 1.0, 1.0);
        // crosses in, out, and in again: a zig-zag giving three pieces
        let line = LineString::from(vec![(-0.5, 0.2), (1.5, 0.4), (-0.5, 0.6)]);
        let (parts, _) = cut(&a, &line).expect("cut");
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(Validation::is_valid));
    }

    #[test]
    fn cut_keeps_holes() {
        let mut a = sq(0.0, 0.0, 4.0, 4.0);
        a.0[0].interiors_push(LineString::from(vec![
            (1.0, 1.0),
            (1.0, 1.5),
            (1.5, 1.5),
            (1.5, 1.0),
            (1.0, 1.0),
        ]));
        let line = LineString::from(vec![(2.0, -1.0), (2.0, 5.0)]);
        let (parts, _) = cut(&a, &line).expect("cut");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts.iter().map(|p| p.interiors().len()).sum::<usize>(), 1);
        assert!(parts.iter().all(Validation::is_valid));
        // and a cut through the hole
        let line = LineString::from(vec![(1.25, -1.0), (1.25, 5.0)]);
        let (parts, _) = cut(&a, &line).expect("cut through hole");
        assert_eq!(parts.len(), 2);
        let total: f64 = parts.iter().map(Area::unsigned_area).sum();
        assert!((total - (16.0 - 0.25)).abs() < 1e-12);
    }

    #[test]
    fn dissolve_neighbours() {
        let a = sq(0.0, 0.0, 1.0, 1.0);
        // b shares half of a's right edge: a T-junction at (1, 0.5)
        let b = MultiPolygon(vec![
            polygon![(x: 1.0, y: 0.5), (x: 2.0, y: 0.5), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0)],
        ]);
        let u = dissolve(&[a.clone(), b.clone()]).expect("dissolve");
        assert_eq!(u.len(), 1);
        assert!(u[0].is_valid());
        assert!((u[0].unsigned_area() - 1.5).abs() < 1e-12);
        // far apart: two shells
        let c = sq(5.0, 5.0, 6.0, 6.0);
        assert_eq!(dissolve(&[a.clone(), c]).expect("two").len(), 2);
        // overlapping: refused
        let d = sq(0.5, 0.5, 1.5, 1.5);
        assert!(dissolve(&[a, d]).is_err());
    }

    #[test]
    fn cut_then_dissolve_gives_the_original_back() {
        let a = sq(0.0, 0.0, 1.0, 1.0);
        let line = LineString::from(vec![(0.31, -1.0), (0.62, 0.5), (0.4, 2.0)]);
        let (parts, _) = cut(&a, &line).expect("cut");
        let mps: Vec<MultiPolygon> = parts.into_iter().map(|p| MultiPolygon(vec![p])).collect();
        let u = dissolve(&mps).expect("dissolve");
        assert_eq!(u.len(), 1);
        assert!((u[0].unsigned_area() - 1.0).abs() < 1e-12);
    }
}
