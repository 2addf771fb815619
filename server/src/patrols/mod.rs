//! Patrols (巡查, issue 13): grid workers' GPS tracks placed into grids and the
//! twice-a-week rule of DB32/T 2763-2015, 11.2.1 (Annex A item 8, 9 points).
//!
//! Plain synchronous Rust, no I/O (`docs/patrols.md`):
//!
//! - `fix.rs` — a GPS fix, the checks of one request's fixes as a whole (refused
//!   whole), and the flags of fixes that are kept but not counted
//!   ([`fix::Flag`]: time backwards, faster than 50 km/h, accuracy worse than
//!   100 m, outside every subdistrict); [`fix::place_and_flag`], ingest's step.
//! - `patrol.rs` — from a worker's counted, placed fixes in time order, the patrols:
//!   continuous stretches inside one of the worker's own grids of at least 20 min
//!   and 500 m ([`patrol::PatrolRules`]); one pass, no allocation per fix.
//! - `audit.rs` — per grid and ISO week (China time) the patrols, who made them,
//!   time and distance; the grids under two a week, per worker and per L2/L1.
//! - `track_file.rs` — GPX and GeoJSON track files in and out.
//! - `walk.rs` — a seeded walk along a street network, for tests and benchmarks.
//!
//! Storage (`store/patrols/`), HTTP and pages build on it; none of them is here.

pub mod audit;
pub mod coverage;
pub mod fix;
pub mod patrol;
pub mod track_file;
pub mod walk;

use geo::Coord;

use crate::domain::frame::LocalFrame;
use crate::domain::grid::GridId;
use crate::index::{Atlas, IdMap};

/// An account id (`accounts::Account::id`): the worker a fix belongs to.
pub type AccountId = i64;

/// Milliseconds since 1970-01-01T00:00:00Z (the unit of every patrol time).
pub type Millis = i64;

/// A grid's place in the tree: its parent and its level (1–5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeNode {
    /// The parent grid, `None` for an L1 grid.
    pub parent: Option<GridId>,
    /// Level 1 to 5.
    pub level: u8,
}

/// The grid tree as patrols need it: parent and level by grid id. Built from the
/// atlas ([`GridTree::from_atlas`]) or from a list (tests, benchmarks).
#[derive(Debug, Clone, Default)]
pub struct GridTree {
    nodes: IdMap<TreeNode>,
}

impl GridTree {
    /// From `(grid, parent, level)` triples.
    pub fn new(nodes: impl IntoIterator<Item = (GridId, Option<GridId>, u8)>) -> Self {
        Self {
            nodes: nodes
                .into_iter()
                .map(|(id, parent, level)| (id, TreeNode { parent, level }))
                .collect(),
        }
    }

    /// Every grid of a snapshot.
    pub fn from_atlas(atlas: &Atlas) -> Self {
        Self::new(
            atlas
                .grids(None, None, None, None)
                .into_iter()
                .map(|g| (g.grid.id, g.grid.draft.parent_id, g.grid.draft.level)),
        )
    }

    /// A grid's node.
    pub fn get(&self, id: GridId) -> Option<TreeNode> {
        self.nodes.get(&id).copied()
    }

    /// The parent of a grid.
    pub fn parent(&self, id: GridId) -> Option<GridId> {
        self.get(id).and_then(|n| n.parent)
    }

    /// The level of a grid (0 when it is unknown).
    pub fn level(&self, id: GridId) -> u8 {
        self.get(id).map_or(0, |n| n.level)
    }

    /// The grid itself and its ancestors, nearest first (at most 9 grids: a cycle
    /// in a broken tree stops there).
    pub fn up(&self, id: GridId) -> impl Iterator<Item = GridId> + '_ {
        let mut next = Some(id);
        let mut steps = 0;
        std::iter::from_fn(move || {
            let cur = next?;
            steps += 1;
            next = if steps > 8 { None } else { self.parent(cur) };
            Some(cur)
        })
    }

    /// The ancestor of `id` (or `id` itself) at `level`, if any.
    pub fn ancestor_at(&self, id: GridId, level: u8) -> Option<GridId> {
        self.up(id).find(|&g| self.level(g) == level)
    }
}

/// Degrees → metres between nearby positions, on the WGS 84 ellipsoid: the crate's
/// one local metric frame ([`LocalFrame`]) re-centred as the worker moves. Its
/// scale is taken at a reference latitude and taken again once a position is more
/// than 0.05° (≈ 5.5 km) north or south of it, so a step's length is within 0.05 %
/// of the frame tangent at the step (at 31° N) for one multiply-add per step
/// instead of trigonometry per fix.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    lat: f64,
    kx: f64,
    ky: f64,
}

impl Metric {
    /// How far (degrees of latitude) a position may be from the reference before
    /// the scale is taken again.
    const RECENTRE_DEG: f64 = 0.05;

    /// A metric for positions near `at` (degrees).
    pub fn new(at: Coord) -> Self {
        let f = LocalFrame::new(at);
        Self {
            lat: at.y,
            kx: f.kx,
            ky: f.ky,
        }
    }

    /// The distance in metres from `a` to `b` (degrees), re-centring on `b` when it
    /// is far from the reference latitude.
    #[inline]
    pub fn distance(&mut self, a: Coord, b: Coord) -> f64 {
        if (b.y - self.lat).abs() > Self::RECENTRE_DEG {
            *self = Self::new(b);
        }
        let dx = (b.x - a.x) * self.kx;
        let dy = (b.y - a.y) * self.ky;
        (dx * dx + dy * dy).sqrt()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
