//! Patrols (巡查) found in a worker's track: continuous stretches inside one of the
//! worker's own grids, long enough in time and in distance.
//!
//! **The stretch.** From a worker's counted fixes in time order, each placed into
//! its deepest grid, a stretch in grid G is a run of fixes from a first to a last
//! fix in G such that
//!
//! - no two consecutive fixes are more than [`PatrolRules::max_gap_ms`] apart
//!   (default 5 min: a phone that stopped sending ends the stretch), and
//! - the worker is never away from G (fixes elsewhere or in no grid) for more than
//!   [`PatrolRules::max_excursion_ms`] (default 60 s), counted from the last fix in
//!   G before to the first fix in G after: a walk along G's boundary street whose
//!   fixes jitter across the line stays one stretch.
//!
//! Its **duration** is the time from its first to its last fix, its **distance** the
//! sum of the steps between consecutive fixes from the first to the last (a short
//! excursion's steps included), its **fixes** the fixes in G. A stretch is a
//! **patrol** when it lasts at least [`PatrolRules::min_duration_ms`] (20 min) and
//! covers at least [`PatrolRules::min_distance_m`] (500 m).
//!
//! **Own grids.** A fix counts for the nearest of the worker's own grids on its
//! path — its deepest grid or an ancestor of it ([`GridTree::up`]), so a worker of an
//! L2 grid patrols it through its L3 grids. A fix in none of them counts for none.
//!
//! Steps are measured with [`Metric`] (the WGS 84 local frame, re-centred as the
//! worker moves). [`Detector`] is one pass with no allocation per fix: the audit
//! runs one per worker, in parallel.

use geo::Coord;
use serde::{Deserialize, Serialize};

use super::fix::Placed;
use super::{AccountId, GridTree, Metric, Millis};
use crate::domain::grid::GridId;

/// The thresholds of a patrol.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PatrolRules {
    /// The shortest patrol, ms (default 20 minutes).
    pub min_duration_ms: Millis,
    /// The shortest distance walked, metres (default 500).
    pub min_distance_m: f64,
    /// The longest time between two consecutive fixes of one stretch, ms (default
    /// 5 minutes).
    pub max_gap_ms: Millis,
    /// The longest time away from the grid inside one stretch, ms (default 60 s);
    /// 0: any fix outside ends the stretch.
    pub max_excursion_ms: Millis,
}

impl Default for PatrolRules {
    fn default() -> Self {
        Self {
            min_duration_ms: 20 * 60_000,
            min_distance_m: 500.0,
            max_gap_ms: 5 * 60_000,
            max_excursion_ms: 60_000,
        }
    }
}

impl PatrolRules {
    /// Why these rules are unusable, naming the field (`None`: fine).
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        if self.min_duration_ms < 0 {
            Some(("min_duration_ms", "must be 0 or more"))
        } else if !(self.min_distance_m.is_finite() && self.min_distance_m >= 0.0) {
            Some(("min_distance_m", "must be a number of metres, 0 or more"))
        } else if self.max_gap_ms <= 0 {
            Some(("max_gap_ms", "must be more than 0"))
        } else if self.max_excursion_ms < 0 {
            Some(("max_excursion_ms", "must be 0 or more"))
        } else {
            None
        }
    }
}

/// A counted fix placed into its grid: what patrols are found from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlacedFix {
    /// Device time, ms since the epoch.
    pub time_ms: Millis,
    /// WGS 84 degrees.
    pub pos: Coord,
    /// The deepest grid covering it (`Placement::deepest`), `None` in no grid.
    pub grid: Option<GridId>,
}

impl PlacedFix {
    /// A placed fix of ingest, when it is counted.
    pub fn counted(p: &Placed) -> Option<Self> {
        p.flag.is_none().then_some(Self {
            time_ms: p.fix.time_ms,
            pos: p.fix.pos,
            grid: p.placement.deepest(),
        })
    }
}

/// One patrol: a worker's stretch inside one of their grids.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Patrol {
    /// The grid worker.
    pub worker: AccountId,
    /// The worker's grid it was in.
    #[schema(value_type = i64)]
    pub grid: GridId,
    /// The first fix's time, ms.
    pub start_ms: Millis,
    /// The last fix's time, ms.
    pub end_ms: Millis,
    /// `end_ms - start_ms`.
    pub duration_ms: Millis,
    /// Metres walked from the first fix to the last.
    pub distance_m: f64,
    /// Fixes inside the grid.
    pub fixes: u32,
}

/// The worker's own grids, and which of them a placed grid counts for.
#[derive(Debug, Clone)]
pub struct OwnGrids<'a> {
    own: Vec<GridId>,
    tree: &'a GridTree,
}

impl<'a> OwnGrids<'a> {
    /// A worker's grids (any level) over the tree.
    pub fn new(own: &[GridId], tree: &'a GridTree) -> Self {
        let mut own = own.to_vec();
        own.sort_unstable();
        own.dedup();
        Self { own, tree }
    }

    /// The nearest own grid at or above `grid` (see the module's documentation).
    pub fn resolve(&self, grid: GridId) -> Option<GridId> {
        self.tree
            .up(grid)
            .find(|g| self.own.binary_search(g).is_ok())
            // A grid unknown to the tree still counts when it is itself own.
            .or_else(|| self.own.binary_search(&grid).is_ok().then_some(grid))
    }
}

/// A stretch being followed.
#[derive(Debug, Clone, Copy)]
struct Run {
    grid: GridId,
    start_ms: Millis,
    /// The last fix in the grid.
    end_ms: Millis,
    /// Distance from the first fix to the last in the grid.
    dist_end: f64,
    /// Distance from the first fix to the newest fix (in the grid or not).
    dist_run: f64,
    /// Fixes in the grid.
    fixes: u32,
    /// Whether a fix since `end_ms` was elsewhere.
    away: bool,
}

impl Run {
    fn start(grid: GridId, t: Millis) -> Self {
        Self {
            grid,
            start_ms: t,
            end_ms: t,
            dist_end: 0.0,
            dist_run: 0.0,
            fixes: 1,
            away: false,
        }
    }

    /// A fix in the grid, `step` metres after the previous fix.
    fn inside(&mut self, t: Millis, step: f64) {
        self.dist_run += step;
        self.end_ms = t;
        self.dist_end = self.dist_run;
        self.fixes += 1;
        self.away = false;
    }
}

/// Finds one worker's patrols, fix by fix ([`Detector::push`], then
/// [`Detector::finish`]). No allocation per fix.
#[derive(Debug, Clone)]
pub struct Detector<'a> {
    worker: AccountId,
    rules: PatrolRules,
    own: OwnGrids<'a>,
    /// The last placed grid looked up and what it counts for.
    cache: Option<(GridId, Option<GridId>)>,
    prev: Option<(Millis, Coord)>,
    metric: Option<Metric>,
    cur: Option<Run>,
    /// A run in another own grid begun while away from `cur`'s.
    pending: Option<Run>,
}

impl<'a> Detector<'a> {
    /// A detector for `worker`'s track.
    pub fn new(worker: AccountId, own: OwnGrids<'a>, rules: PatrolRules) -> Self {
        Self {
            worker,
            rules,
            own,
            cache: None,
            prev: None,
            metric: None,
            cur: None,
            pending: None,
        }
    }

    fn own_grid(&mut self, grid: Option<GridId>) -> Option<GridId> {
        let g = grid?;
        match self.cache {
            Some((k, v)) if k == g => v,
            _ => {
                let v = self.own.resolve(g);
                self.cache = Some((g, v));
                v
            }
        }
    }

    fn close(&self, run: Option<Run>) -> Option<Patrol> {
        let r = run?;
        let duration = r.end_ms - r.start_ms;
        (duration >= self.rules.min_duration_ms && r.dist_end >= self.rules.min_distance_m)
            .then_some(Patrol {
                worker: self.worker,
                grid: r.grid,
                start_ms: r.start_ms,
                end_ms: r.end_ms,
                duration_ms: duration,
                distance_m: r.dist_end,
                fixes: r.fixes,
            })
    }

    /// The next fix (in time order; a fix earlier than the one before breaks the
    /// stretch as a gap does). Returns the patrol it ends, if any.
    pub fn push(&mut self, fix: &PlacedFix) -> Option<Patrol> {
        let t = fix.time_ms;
        let own = self.own_grid(fix.grid);
        let prev = self.prev.replace((t, fix.pos));
        let step = match prev {
            Some((pt, pp)) if t >= pt && t - pt <= self.rules.max_gap_ms => {
                let m = self.metric.get_or_insert_with(|| Metric::new(pp));
                Some(m.distance(pp, fix.pos))
            }
            _ => None,
        };
        let Some(step) = step else {
            // First fix, a gap or time backwards: the stretch ends here.
            self.pending = None;
            let done = self.cur.take();
            self.cur = own.map(|g| Run::start(g, t));
            return self.close(done);
        };
        let Some(mut cur) = self.cur else {
            self.cur = own.map(|g| Run::start(g, t));
            return None;
        };
        let excursion_over = t - cur.end_ms > self.rules.max_excursion_ms;
        if own == Some(cur.grid) && !(cur.away && excursion_over) {
            cur.inside(t, step);
            self.cur = Some(cur);
            self.pending = None;
            return None;
        }
        if own == Some(cur.grid) {
            // Back, but after too long away: a new stretch begins here.
            self.pending = None;
            self.cur = Some(Run::start(cur.grid, t));
            return self.close(Some(cur));
        }
        // Elsewhere.
        cur.away = true;
        cur.dist_run += step;
        let pending = match (self.pending, own) {
            (Some(mut p), Some(g)) if p.grid == g => {
                p.inside(t, step);
                Some(p)
            }
            (_, Some(g)) => Some(Run::start(g, t)),
            (_, None) => None,
        };
        if excursion_over {
            self.cur = pending;
            self.pending = None;
            self.close(Some(cur))
        } else {
            self.cur = Some(cur);
            self.pending = pending;
            None
        }
    }

    /// The end of the track: the patrol the last stretch makes, if any.
    pub fn finish(&mut self) -> Option<Patrol> {
        self.pending = None;
        self.prev = None;
        let done = self.cur.take();
        self.close(done)
    }
}

/// A worker's patrols in a track (counted fixes in time order), in time order.
pub fn detect(
    worker: AccountId,
    own: OwnGrids<'_>,
    rules: PatrolRules,
    fixes: &[PlacedFix],
) -> Vec<Patrol> {
    let mut d = Detector::new(worker, own, rules);
    let mut out: Vec<Patrol> = fixes.iter().filter_map(|f| d.push(f)).collect();
    out.extend(d.finish());
    out
}
