//! Exact segment predicates and a plane sweep over segments (Shamos–Hoey): the
//! O(n log n) core of geometry validation and of the split line's check.
//!
//! Orientation tests are exact (`RobustKernel`), so a touch is never mistaken for a
//! crossing, and no coordinate is ever rounded except the point where two segment
//! interiors cross (reported, never stored).
//!
//! The sweep compares only segments that are neighbours in its order. That finds a
//! crossing, an overlap or a vertex lying inside another segment, but not two
//! segments that merely share an end point while others sit between them: callers
//! hash vertices first (`repeated_vertex`) where a shared vertex matters. A sweep
//! stops at the first meeting its caller forbids, because past a crossing its order
//! of segments no longer holds.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use geo::Coord;
use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::line_intersection::{LineIntersection, line_intersection};

/// A coordinate's exact identity (`-0.0` and `0.0` are one point).
pub type Key = (u64, u64);

/// The identity of a coordinate.
pub fn key(c: Coord) -> Key {
    ((c.x + 0.0).to_bits(), (c.y + 0.0).to_bits())
}

/// Exact orientation of `c` against the line `a`→`b`: 1 left, -1 right, 0 on it.
pub fn orient(a: Coord, b: Coord, c: Coord) -> i8 {
    match RobustKernel::orient2d(a, b, c) {
        Orientation::CounterClockwise => 1,
        Orientation::Clockwise => -1,
        Orientation::Collinear => 0,
    }
}

/// The sweep's order of points: by x, then by y.
pub fn lex(a: Coord, b: Coord) -> Ordering {
    let by = |p: f64, q: f64| p.partial_cmp(&q).unwrap_or(Ordering::Equal);
    by(a.x, b.x).then_with(|| by(a.y, b.y))
}

/// The positions of a chain with runs of equal consecutive positions kept once; for a
/// ring (`closed`) without the closing repeat of the first position.
pub fn distinct(coords: &[Coord], closed: bool) -> Vec<Coord> {
    let mut out: Vec<Coord> = Vec::with_capacity(coords.len());
    for &c in coords {
        if out.last() != Some(&c) {
            out.push(c);
        }
    }
    if closed && out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

/// The first position that occurs twice in `pts` (exact equality).
pub fn repeated_vertex(pts: &[Coord]) -> Option<Coord> {
    let mut seen = HashMap::with_capacity(pts.len());
    pts.iter()
        .copied()
        .find(|&c| seen.insert(key(c), ()).is_some())
}

/// How two segments meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Meet {
    /// Their interiors cross at one point (rounded: the only computed coordinate).
    Cross(Coord),
    /// They share one point, an end point of at least one of them (exact).
    Touch(Coord),
    /// They overlap along a stretch that starts at this point (exact).
    Overlap(Coord),
}

impl Meet {
    /// Where they meet.
    pub fn at(self) -> Coord {
        match self {
            Meet::Cross(c) | Meet::Touch(c) | Meet::Overlap(c) => c,
        }
    }
}

/// How segments `s` and `t` meet, if they do. Neither may be degenerate.
pub fn meet(s: (Coord, Coord), t: (Coord, Coord)) -> Option<Meet> {
    let (o1, o2) = (orient(s.0, s.1, t.0), orient(s.0, s.1, t.1));
    if o1 == 0 && o2 == 0 {
        let (s_lo, s_hi) = ordered(s);
        let (t_lo, t_hi) = ordered(t);
        let lo = if lex(s_lo, t_lo) == Ordering::Less {
            t_lo
        } else {
            s_lo
        };
        let hi = if lex(s_hi, t_hi) == Ordering::Less {
            s_hi
        } else {
            t_hi
        };
        return match lex(lo, hi) {
            Ordering::Greater => None,
            Ordering::Equal => Some(Meet::Touch(lo)),
            Ordering::Less => Some(Meet::Overlap(lo)),
        };
    }
    if o1 * o2 > 0 {
        return None;
    }
    let (o3, o4) = (orient(t.0, t.1, s.0), orient(t.0, t.1, s.1));
    if o3 * o4 > 0 {
        return None;
    }
    for (o, p) in [(o1, t.0), (o2, t.1), (o3, s.0), (o4, s.1)] {
        if o == 0 {
            return Some(Meet::Touch(p));
        }
    }
    let at = match line_intersection(geo::Line::new(s.0, s.1), geo::Line::new(t.0, t.1)) {
        Some(LineIntersection::SinglePoint { intersection, .. }) => intersection,
        _ => Coord {
            x: (s.0.x + s.1.x) / 2.0,
            y: (s.0.y + s.1.y) / 2.0,
        },
    };
    Some(Meet::Cross(at))
}

fn ordered((a, b): (Coord, Coord)) -> (Coord, Coord) {
    if lex(a, b) == Ordering::Greater {
        (b, a)
    } else {
        (a, b)
    }
}

/// A segment of a chain (a ring or a line), as traversed from `a` to `b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seg {
    /// Where the chain enters the segment.
    pub a: Coord,
    /// Where it leaves.
    pub b: Coord,
    /// Which chain (ring) it belongs to.
    pub chain: u32,
    /// Its position in the chain.
    pub index: u32,
}

impl Seg {
    fn ends(&self) -> (Coord, Coord) {
        (self.a, self.b)
    }

    /// True when the chain runs through it in the sweep's direction.
    fn forward(&self) -> bool {
        lex(self.a, self.b) == Ordering::Less
    }
}

/// The segments of one chain of distinct consecutive positions; a ring (`closed`)
/// also gets the segment back to its first position.
pub fn chain_segments(pts: &[Coord], closed: bool, chain: u32, out: &mut Vec<Seg>) {
    let n = pts.len();
    let m = if closed && n > 2 {
        n
    } else {
        n.saturating_sub(1)
    };
    out.extend((0..m).map(|i| Seg {
        a: pts[i],
        b: pts[(i + 1) % n],
        chain,
        index: i as u32,
    }));
}

/// A segment in the sweep's order, left end first.
#[derive(Debug, Clone, Copy)]
struct Entry {
    l: Coord,
    r: Coord,
    id: u32,
}

impl Entry {
    fn of(s: &Seg, id: usize) -> Self {
        let (l, r) = ordered(s.ends());
        Self {
            l,
            r,
            id: id as u32,
        }
    }
}

/// The order of two segments that are both cut by the sweep line and do not cross:
/// which one is below. Equal means they overlap (or are the same segment).
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        // `p` relative to this segment's line, as an order of segments: a point above
        // (to the left of l→r) means the other segment is above.
        let side = |p: Coord| orient(self.l, self.r, p).cmp(&0).reverse();
        match lex(self.l, o.l) {
            Ordering::Equal => side(o.r),
            Ordering::Less => match side(o.l) {
                Ordering::Equal => side(o.r),
                other => other,
            },
            Ordering::Greater => o.cmp(self).reverse(),
        }
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Entry {}

/// What a sweep found.
#[derive(Debug, Default)]
pub struct Found {
    /// The first forbidden meeting: two indices into the segments and where.
    pub first: Option<(usize, usize, Meet)>,
    /// With `nest` and no forbidden meeting: for each chain (a closed ring), the
    /// innermost other ring that encloses it.
    pub parents: Vec<Option<u32>>,
}

/// Sweeps `segs` (none degenerate, chains numbered from 0 to `chains`) and stops at
/// the first meeting of two segments for which `forbidden` says so. With `nest`, the
/// chains must be closed rings and `parents` tells how they nest (rings may touch,
/// not cross, when no meeting is forbidden).
pub fn sweep(
    segs: &[Seg],
    chains: usize,
    nest: bool,
    mut forbidden: impl FnMut(&Seg, &Seg, Meet) -> bool,
) -> Found {
    let mut events: Vec<(Coord, bool, u32)> = Vec::with_capacity(2 * segs.len());
    for (i, s) in segs.iter().enumerate() {
        let e = Entry::of(s, i);
        events.push((e.l, true, i as u32));
        events.push((e.r, false, i as u32));
    }
    // At one point, segments that end there leave before those that start there
    // arrive, so collinear neighbours are never in the order together.
    events.sort_unstable_by(|x, y| lex(x.0, y.0).then(x.1.cmp(&y.1)));
    let rings = if nest {
        Rings::new(segs, chains)
    } else {
        Rings::default()
    };
    let mut parents: Vec<Option<u32>> = vec![None; if nest { chains } else { 0 }];
    let mut next_ring = 0;
    let mut status: BTreeSet<Entry> = BTreeSet::new();
    let mut check = |i: u32, j: u32| -> Option<(usize, usize, Meet)> {
        let (s, t) = (&segs[i as usize], &segs[j as usize]);
        let m = meet(s.ends(), t.ends())?;
        forbidden(s, t, m).then_some((i as usize, j as usize, m))
    };
    let mut k = 0;
    while k < events.len() {
        let p = events[k].0;
        let mut end = k;
        while end < events.len() && lex(events[end].0, p) == Ordering::Equal {
            end += 1;
        }
        for &(_, insert, id) in &events[k..end] {
            let e = Entry::of(&segs[id as usize], id as usize);
            if insert {
                if !status.insert(e) {
                    let other = status.get(&e).map_or(id, |o| o.id);
                    let at = meet(segs[other as usize].ends(), segs[id as usize].ends())
                        .unwrap_or(Meet::Overlap(e.l));
                    return Found {
                        first: Some((other as usize, id as usize, at)),
                        parents: Vec::new(),
                    };
                }
                let below = status.range(..e).next_back().map(|b| b.id);
                let above = status.range(e..).nth(1).map(|a| a.id);
                for n in below.into_iter().chain(above) {
                    if let Some(f) = check(n, id) {
                        return Found {
                            first: Some(f),
                            parents: Vec::new(),
                        };
                    }
                }
            } else {
                let below = status.range(..e).next_back().map(|b| b.id);
                let above = status.range(e..).nth(1).map(|a| a.id);
                status.remove(&e);
                if let (Some(b), Some(a)) = (below, above)
                    && let Some(f) = check(b, a)
                {
                    return Found {
                        first: Some(f),
                        parents: Vec::new(),
                    };
                }
            }
        }
        if nest {
            // Rings whose lowest-leftmost vertex is here, bottom first, so that a ring
            // directly below one of them already knows its parent.
            let start = next_ring;
            while next_ring < rings.order.len()
                && lex(rings.start[rings.order[next_ring] as usize].0, p) != Ordering::Greater
            {
                next_ring += 1;
            }
            let mut here: Vec<Entry> = rings.order[start..next_ring]
                .iter()
                .map(|&c| {
                    let id = rings.start[c as usize].1 as usize;
                    Entry::of(&segs[id], id)
                })
                .collect();
            here.sort();
            for e in here {
                let c = segs[e.id as usize].chain as usize;
                parents[c] = status.range(..e).next_back().and_then(|b| {
                    let s = &segs[b.id as usize];
                    if s.forward() == rings.ccw[s.chain as usize] {
                        Some(s.chain)
                    } else {
                        parents[s.chain as usize]
                    }
                });
            }
        }
        k = end;
    }
    Found {
        first: None,
        parents,
    }
}

/// For nesting: each ring's lowest-leftmost vertex with the lower of its two segments
/// there, and its orientation.
#[derive(Default)]
struct Rings {
    start: Vec<(Coord, u32)>,
    ccw: Vec<bool>,
    /// Rings by their start vertex.
    order: Vec<u32>,
}

impl Rings {
    fn new(segs: &[Seg], chains: usize) -> Self {
        // Per ring: its start vertex, the lower segment there, and the positions
        // before and after the start vertex.
        #[derive(Clone, Copy)]
        struct At {
            v: Coord,
            lower: u32,
            before: Coord,
            after: Coord,
        }
        let mut at: Vec<Option<At>> = vec![None; chains];
        for (i, s) in segs.iter().enumerate() {
            let e = Entry::of(s, i);
            let slot = &mut at[s.chain as usize];
            let fresh = At {
                v: e.l,
                lower: i as u32,
                before: s.a,
                after: s.b,
            };
            match slot {
                None => *slot = Some(fresh),
                Some(cur) => match lex(e.l, cur.v) {
                    Ordering::Less => *slot = Some(fresh),
                    Ordering::Equal => {
                        if e < Entry::of(&segs[cur.lower as usize], cur.lower as usize) {
                            cur.lower = i as u32;
                        }
                        if s.a == cur.v {
                            cur.after = s.b;
                        } else {
                            cur.before = s.a;
                        }
                    }
                    Ordering::Greater => {}
                },
            }
        }
        let origin = Coord { x: 0.0, y: 0.0 };
        let at: Vec<At> = at
            .into_iter()
            .map(|a| {
                a.unwrap_or(At {
                    v: origin,
                    lower: 0,
                    before: origin,
                    after: origin,
                })
            })
            .collect();
        // At its lowest-leftmost vertex a simple ring turns left when it runs
        // counter-clockwise.
        let ccw = at
            .iter()
            .map(|a| orient(a.before, a.v, a.after) > 0)
            .collect();
        let start: Vec<(Coord, u32)> = at.iter().map(|a| (a.v, a.lower)).collect();
        let mut order: Vec<u32> = (0..chains as u32).collect();
        order.sort_by(|&a, &b| lex(start[a as usize].0, start[b as usize].0));
        Self { start, ccw, order }
    }
}

/// True when segments `i` and `j` of a chain of `n` segments follow each other.
pub fn consecutive(i: u32, j: u32, n: u32, closed: bool) -> bool {
    let d = i.abs_diff(j);
    d == 1 || (closed && d + 1 == n && n > 2)
}

/// The first place where a chain meets itself other than where consecutive segments
/// join: a crossing, an overlap (a spike), a vertex on another segment or a vertex
/// visited twice. `closed`: a ring, whose last position repeats its first. Repeated
/// consecutive positions are one vertex. A non-finite position is reported as such a
/// place (callers refuse those earlier).
pub fn self_meeting(coords: &[Coord], closed: bool) -> Option<Coord> {
    if let Some(c) = coords
        .iter()
        .find(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return Some(*c);
    }
    let pts = distinct(coords, closed);
    if let Some(c) = repeated_vertex(&pts) {
        return Some(c);
    }
    let mut segs = Vec::with_capacity(pts.len());
    chain_segments(&pts, closed, 0, &mut segs);
    let n = segs.len() as u32;
    let found = sweep(&segs, 1, false, |s, t, m| {
        !(matches!(m, Meet::Touch(_)) && consecutive(s.index, t.index, n, closed))
    });
    found.first.map(|(_, _, m)| m.at())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::Rng;

    fn c(x: f64, y: f64) -> Coord {
        Coord { x, y }
    }

    fn chain(pts: &[(f64, f64)]) -> Vec<Coord> {
        pts.iter().map(|&(x, y)| c(x, y)).collect()
    }

    #[test]
    fn meet_tells_crossing_touch_and_overlap_apart() {
        let m = meet((c(0., 0.), c(2., 2.)), (c(0., 2.), c(2., 0.)));
        assert_eq!(m, Some(Meet::Cross(c(1., 1.))));
        let m = meet((c(0., 0.), c(2., 0.)), (c(1., 0.), c(1., 5.)));
        assert_eq!(m, Some(Meet::Touch(c(1., 0.))));
        let m = meet((c(0., 0.), c(2., 0.)), (c(3., 0.), c(1., 0.)));
        assert_eq!(m, Some(Meet::Overlap(c(1., 0.))));
        let m = meet((c(0., 0.), c(1., 0.)), (c(1., 0.), c(3., 0.)));
        assert_eq!(m, Some(Meet::Touch(c(1., 0.))));
        assert_eq!(meet((c(0., 0.), c(1., 0.)), (c(2., 0.), c(3., 0.))), None);
        assert_eq!(meet((c(0., 0.), c(1., 1.)), (c(0., 1.), c(0.4, 0.6))), None);
    }

    #[test]
    fn open_lines() {
        let zigzag: Vec<Coord> = (0..1000)
            .map(|i| c(f64::from(i), f64::from(i % 2)))
            .collect();
        assert_eq!(self_meeting(&zigzag, false), None);
        // Crossing back over an earlier segment.
        let mut back = zigzag.clone();
        back.push(c(500.5, -1.0));
        let at = self_meeting(&back, false).expect("crosses");
        let on_last = (at.y - 1.0) / (at.x - 999.0) - 2.0 / 498.5;
        assert!(on_last.abs() < 1e-9 && at.x < 999.0, "{at:?}");
        // Folding back along itself (A-B-A) and touching an earlier vertex.
        assert!(self_meeting(&chain(&[(0., 0.), (2., 0.), (1., 0.)]), false).is_some());
        let touch = chain(&[(0., 0.), (2., 0.), (2., 2.), (1., 2.), (1., 0.)]);
        assert_eq!(self_meeting(&touch, false), Some(c(1., 0.)));
        // Closed: the last position repeats the first.
        let closed = chain(&[(0., 0.), (1., 0.), (1., 1.), (0., 0.)]);
        assert_eq!(self_meeting(&closed, false), Some(c(0., 0.)));
        assert_eq!(self_meeting(&closed, true), None);
        // Repeated consecutive positions are one vertex.
        let dup = chain(&[(0., 0.), (1., 0.), (1., 0.), (1., 1.)]);
        assert_eq!(self_meeting(&dup, false), None);
        assert!(self_meeting(&[c(f64::NAN, 0.), c(1., 1.)], false).is_some());
    }

    /// Every pair compared: the definition the sweep must match.
    fn slow(coords: &[Coord], closed: bool) -> bool {
        let pts = distinct(coords, closed);
        let mut segs = Vec::new();
        chain_segments(&pts, closed, 0, &mut segs);
        let n = segs.len() as u32;
        for (i, s) in segs.iter().enumerate() {
            for t in &segs[i + 1..] {
                match meet(s.ends(), t.ends()) {
                    None => {}
                    Some(Meet::Touch(_)) if consecutive(s.index, t.index, n, closed) => {}
                    Some(_) => return true,
                }
            }
        }
        false
    }

    #[test]
    fn sweep_agrees_with_every_pair_on_random_small_chains() {
        let mut rng = Rng::new(11);
        let (mut hits, mut misses) = (0, 0);
        for _ in 0..40_000 {
            let n = 2 + rng.below(9);
            let side = 2 + rng.below(6);
            let pts: Vec<Coord> = (0..n)
                .map(|_| c(rng.below(side) as f64, rng.below(side) as f64))
                .collect();
            for closed in [false, true] {
                let mut p = pts.clone();
                if closed {
                    let d = distinct(&p, true);
                    if d.len() < 3 {
                        continue;
                    }
                    p.push(p[0]);
                } else if distinct(&p, false).len() < 2 {
                    continue;
                }
                let fast = self_meeting(&p, closed).is_some();
                assert_eq!(fast, slow(&p, closed), "{p:?} closed={closed}");
                if fast {
                    hits += 1;
                } else {
                    misses += 1;
                }
            }
        }
        assert!(hits > 1000 && misses > 1000, "{hits} {misses}");
    }
}
