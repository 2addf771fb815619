//! The point index: for each grid level a uniform bucket grid over the level's
//! extent; each bucket lists the grids whose bounding box meets it, in code order,
//! so the first grid that covers the point is the answer for that level (the
//! boundary rule) and the search stops there. Updated in place on every edit.

use std::collections::HashMap;
use std::sync::Arc;

use geo::{Coord, Geometry, Rect};

use super::prepared::PreparedArea;
use crate::domain::grid::{GridId, SubdistrictId};

/// Levels 1 to 5.
pub const LEVELS: usize = 5;

/// Buckets per grid aimed at when the bucket grid is (re)built.
const BUCKETS_PER_GRID: f64 = 2.0;

#[derive(Debug)]
struct Slot {
    id: GridId,
    subdistrict: SubdistrictId,
    code: Box<str>,
    area: PreparedArea,
}

/// One level's grids in a bucket grid. Cloned when a write changes the level of a
/// shared snapshot: slots are shared (`Arc`), only the lists are copied.
#[derive(Debug, Default, Clone)]
pub struct LevelIndex {
    slots: Vec<Option<Arc<Slot>>>,
    free: Vec<u32>,
    by_id: HashMap<GridId, u32>,
    /// Bucket grid: origin, inverse bucket size, shape.
    x0: f64,
    y0: f64,
    inv_w: f64,
    inv_h: f64,
    nx: usize,
    ny: usize,
    extent: Option<Rect>,
    buckets: Vec<Vec<u32>>,
    /// Grids counted at the last rebuild, to rebuild when the level has grown a lot.
    built_for: usize,
}

impl LevelIndex {
    /// Number of grids.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether the level holds no grid.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Adds or replaces a grid.
    pub fn put(&mut self, id: GridId, subdistrict: SubdistrictId, code: &str, geometry: &Geometry) {
        let (i, bbox) = self.store(id, subdistrict, code, geometry);
        let fits = self.extent.is_some_and(|e| contains_rect(e, bbox));
        if !fits || self.len() > 4 * self.built_for.max(16) {
            self.rebuild();
        } else {
            self.bucket(i, bbox);
        }
    }

    /// Adds many grids, then builds the bucket grid once.
    pub fn put_many<'a>(
        &mut self,
        grids: impl IntoIterator<Item = (GridId, SubdistrictId, &'a str, &'a Geometry)>,
    ) {
        for (id, sid, code, g) in grids {
            self.store(id, sid, code, g);
        }
        self.rebuild();
    }

    fn store(
        &mut self,
        id: GridId,
        subdistrict: SubdistrictId,
        code: &str,
        geometry: &Geometry,
    ) -> (u32, Rect) {
        self.remove(id);
        let slot = Arc::new(Slot {
            id,
            subdistrict,
            code: code.into(),
            area: PreparedArea::new(geometry),
        });
        let bbox = slot.area.bbox();
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(slot);
                i
            }
            None => {
                self.slots.push(Some(slot));
                (self.slots.len() - 1) as u32
            }
        };
        self.by_id.insert(id, i);
        (i, bbox)
    }

    /// Removes a grid (no-op when absent).
    pub fn remove(&mut self, id: GridId) {
        let Some(i) = self.by_id.remove(&id) else {
            return;
        };
        if let Some(slot) = self.slots[i as usize].take()
            && let Some((c0, c1, r0, r1)) = self.cells(slot.area.bbox())
        {
            for r in r0..=r1 {
                for c in c0..=c1 {
                    self.buckets[r * self.nx + c].retain(|&s| s != i);
                }
            }
        }
        self.free.push(i);
    }

    fn code(&self, i: u32) -> &str {
        self.slots[i as usize].as_ref().map_or("", |s| &s.code)
    }

    fn bucket(&mut self, i: u32, bbox: Rect) {
        let Some((c0, c1, r0, r1)) = self.cells(bbox) else {
            return;
        };
        let code: Box<str> = self.code(i).into();
        for r in r0..=r1 {
            for c in c0..=c1 {
                let b = r * self.nx + c;
                let at = self.buckets[b].partition_point(|&s| {
                    self.slots[s as usize]
                        .as_ref()
                        .is_some_and(|x| *x.code < *code)
                });
                self.buckets[b].insert(at, i);
            }
        }
    }

    /// Rebuilds the bucket grid over the current extent, with a margin so that
    /// grids added later nearby still fit.
    fn rebuild(&mut self) {
        let boxes: Vec<(u32, Rect)> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i as u32, s.area.bbox())))
            .filter(|(_, b)| b.min().x.is_finite())
            .collect();
        self.built_for = boxes.len();
        self.buckets.clear();
        self.extent = None;
        let Some(first) = boxes.first().map(|b| b.1) else {
            return;
        };
        let (mut lo, mut hi) = (first.min(), first.max());
        let mut area_sum = 0.0;
        for (_, b) in &boxes {
            lo = Coord {
                x: lo.x.min(b.min().x),
                y: lo.y.min(b.min().y),
            };
            hi = Coord {
                x: hi.x.max(b.max().x),
                y: hi.y.max(b.max().y),
            };
            area_sum += b.width() * b.height();
        }
        let (w, h) = ((hi.x - lo.x).max(1e-9), (hi.y - lo.y).max(1e-9));
        // A wide margin: grids added later nearby still fit, and a level that keeps
        // growing outwards is rebuilt only a logarithmic number of times.
        let (mx, my) = (w * 0.25, h * 0.25);
        lo = Coord {
            x: lo.x - mx,
            y: lo.y - my,
        };
        hi = Coord {
            x: hi.x + mx,
            y: hi.y + my,
        };
        // Bucket size from the mean grid box, so a grid spans about
        // 1/BUCKETS_PER_GRID … a few buckets whatever the extent.
        let mean = (area_sum / boxes.len() as f64).max(1e-18);
        let (w, h) = (hi.x - lo.x, hi.y - lo.y);
        // …but never more than a few buckets per grid over the whole extent
        // (scattered grids would otherwise ask for a huge empty bucket grid).
        let cap = 8.0 * boxes.len() as f64 + 64.0;
        let side = (mean / BUCKETS_PER_GRID).sqrt().max((w * h / cap).sqrt());
        self.nx = ((w / side).ceil() as usize).clamp(1, 4096);
        self.ny = ((h / side).ceil() as usize).clamp(1, 4096);
        self.x0 = lo.x;
        self.y0 = lo.y;
        self.inv_w = self.nx as f64 / w;
        self.inv_h = self.ny as f64 / h;
        self.extent = Some(Rect::new(lo, hi));
        self.buckets = vec![Vec::new(); self.nx * self.ny];
        let mut order = boxes;
        order.sort_by(|a, b| self.code(a.0).cmp(self.code(b.0)));
        for (i, b) in order {
            if let Some((c0, c1, r0, r1)) = self.cells(b) {
                for r in r0..=r1 {
                    for c in c0..=c1 {
                        self.buckets[r * self.nx + c].push(i);
                    }
                }
            }
        }
    }

    /// The bucket columns and rows a box meets (inclusive), clamped to the grid.
    fn cells(&self, b: Rect) -> Option<(usize, usize, usize, usize)> {
        if self.buckets.is_empty() || !b.min().x.is_finite() {
            return None;
        }
        let col = |x: f64| (((x - self.x0) * self.inv_w) as usize).min(self.nx - 1);
        let row = |y: f64| (((y - self.y0) * self.inv_h) as usize).min(self.ny - 1);
        Some((
            col(b.min().x),
            col(b.max().x),
            row(b.min().y),
            row(b.max().y),
        ))
    }

    /// The grid of this level that covers `p` and has the smallest code.
    #[inline]
    pub fn covering(&self, p: Coord) -> Option<GridId> {
        self.covering_slot(p).map(|s| s.id)
    }

    #[inline]
    fn covering_slot(&self, p: Coord) -> Option<&Slot> {
        let e = self.extent?;
        if !(p.x >= e.min().x && p.x <= e.max().x && p.y >= e.min().y && p.y <= e.max().y) {
            return None;
        }
        let c = (((p.x - self.x0) * self.inv_w) as usize).min(self.nx - 1);
        let r = (((p.y - self.y0) * self.inv_h) as usize).min(self.ny - 1);
        for &i in &self.buckets[r * self.nx + c] {
            if let Some(s) = &self.slots[i as usize]
                && s.area.covers(p)
            {
                return Some(s);
            }
        }
        None
    }

    /// Every grid of this level that covers `p`, smallest code first.
    pub fn all_covering(&self, p: Coord) -> Vec<GridId> {
        let Some((c0, _, r0, _)) = self.cells(Rect::new(p, p)) else {
            return vec![];
        };
        if !self
            .extent
            .is_some_and(|e| contains_rect(e, Rect::new(p, p)))
        {
            return vec![];
        }
        self.buckets[r0 * self.nx + c0]
            .iter()
            .filter_map(|&i| self.slots[i as usize].as_ref())
            .filter(|s| s.area.covers(p))
            .map(|s| s.id)
            .collect()
    }

    /// Heap bytes held, roughly (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Option<Slot>>()
            + self
                .slots
                .iter()
                .flatten()
                .map(|s| s.code.len() + s.area.heap_bytes())
                .sum::<usize>()
            + self
                .buckets
                .iter()
                .map(|b| 24 + b.capacity() * 4)
                .sum::<usize>()
            + self.by_id.capacity() * 24
    }
}

fn contains_rect(outer: Rect, inner: Rect) -> bool {
    inner.min().x >= outer.min().x
        && inner.min().y >= outer.min().y
        && inner.max().x <= outer.max().x
        && inner.max().y <= outer.max().y
}

/// Every level's index plus the subdistrict boundaries; each part shared between
/// atlas snapshots and copied only when written.
#[derive(Debug, Default, Clone)]
pub struct PointIndex {
    levels: [Arc<LevelIndex>; LEVELS],
    subdistricts: Arc<Vec<(SubdistrictId, PreparedArea)>>,
}

/// Where a point falls: the subdistrict and, per level, the covering grid with the
/// smallest code. Plain ids, `Copy`, no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Placement {
    /// The subdistrict: that of the level 1 grid when there is one, else the one
    /// whose boundary covers the point, else none.
    pub subdistrict: Option<SubdistrictId>,
    /// `path[l - 1]` is the level `l` grid, when a grid of that level covers the point.
    pub path: [Option<GridId>; LEVELS],
}

impl Placement {
    /// Whether some grid covers the point.
    pub fn inside(&self) -> bool {
        self.path.iter().any(Option::is_some)
    }

    /// The grids of the path, level 1 first.
    pub fn grids(&self) -> impl Iterator<Item = GridId> + '_ {
        self.path.iter().flatten().copied()
    }

    /// The deepest grid of the path.
    pub fn deepest(&self) -> Option<GridId> {
        self.path.iter().rev().flatten().next().copied()
    }
}

impl PointIndex {
    /// Adds or replaces a grid of level `level` (1 to 5; others are ignored).
    pub fn put_grid(
        &mut self,
        id: GridId,
        subdistrict: SubdistrictId,
        level: u8,
        code: &str,
        geometry: &Geometry,
    ) {
        self.remove_grid(id);
        if let Some(l) = self.level_mut(level) {
            l.put(id, subdistrict, code, geometry);
        }
    }

    /// Adds many grids `(id, subdistrict, level, code, geometry)` at once, building
    /// each level's bucket grid once.
    pub fn put_grids<'a>(
        &mut self,
        grids: impl IntoIterator<Item = (GridId, SubdistrictId, u8, &'a str, &'a Geometry)>,
    ) {
        let mut per_level: [Vec<(GridId, SubdistrictId, &'a str, &'a Geometry)>; LEVELS] =
            Default::default();
        for (id, sid, level, code, g) in grids {
            if let Some(v) = usize::from(level)
                .checked_sub(1)
                .and_then(|l| per_level.get_mut(l))
            {
                v.push((id, sid, code, g));
            }
        }
        for (l, v) in self.levels.iter_mut().zip(per_level) {
            if !v.is_empty() {
                Arc::make_mut(l).put_many(v);
            }
        }
    }

    /// Removes a grid from every level.
    pub fn remove_grid(&mut self, id: GridId) {
        for l in &mut self.levels {
            if l.by_id.contains_key(&id) {
                Arc::make_mut(l).remove(id);
            }
        }
    }

    /// Adds or replaces a subdistrict boundary.
    pub fn put_subdistrict(&mut self, id: SubdistrictId, boundary: &Geometry) {
        let all = Arc::make_mut(&mut self.subdistricts);
        all.retain(|(s, _)| *s != id);
        all.push((id, PreparedArea::new(boundary)));
        all.sort_by_key(|(s, _)| *s);
    }

    fn level_mut(&mut self, level: u8) -> Option<&mut LevelIndex> {
        self.levels
            .get_mut(usize::from(level).checked_sub(1)?)
            .map(Arc::make_mut)
    }

    /// One level's index (1 to 5).
    pub fn level(&self, level: u8) -> Option<&LevelIndex> {
        self.levels
            .get(usize::from(level).checked_sub(1)?)
            .map(AsRef::as_ref)
    }

    /// Places a point (lon, lat in degrees, WGS 84).
    #[inline]
    pub fn place(&self, p: Coord) -> Placement {
        let mut out = Placement::default();
        for (slot, l) in out.path.iter_mut().zip(&self.levels) {
            if l.is_empty() {
                continue;
            }
            if let Some(s) = l.covering_slot(p) {
                *slot = Some(s.id);
                out.subdistrict = out.subdistrict.or(Some(s.subdistrict));
            }
        }
        if out.subdistrict.is_none() {
            out.subdistrict = self
                .subdistricts
                .iter()
                .find(|(_, a)| a.covers(p))
                .map(|(s, _)| *s);
        }
        out
    }

    /// Heap bytes held, roughly.
    pub fn heap_bytes(&self) -> usize {
        self.levels.iter().map(|l| l.heap_bytes()).sum::<usize>()
            + self
                .subdistricts
                .iter()
                .map(|(_, a)| a.heap_bytes())
                .sum::<usize>()
    }
}
