//! The checks of the audit, one file each, over a shared context ([`Ctx`]): every
//! grid projected to metres once, indexed by id and by parent.
//!
//! - [`gaps`]: parts of a parent no child covers (clause 4.1);
//! - [`nesting`]: parts of children outside their parent (clause 5.2);
//! - [`overlaps`]: grids of one level covering the same ground (clause 4.1);
//! - [`validity`]: geometries that are not valid (multi)polygons;
//! - [`codes`]: parents one level up and codes by the coding rule (clause 5.1.4);
//! - [`sizes`]: the L3 size rule (clause 5.2.4);
//! - [`buildings`]: buildings in no L3 grid or split between several.

pub(super) mod buildings;
pub(super) mod codes;
pub(super) mod gaps;
pub(super) mod nesting;
pub(super) mod overlaps;
pub(super) mod sizes;
pub(super) mod validity;

use std::collections::HashMap;

use geo::orient::{Direction, Orient};
use geo::{Area, BoundingRect, Coord, Geometry, MultiPolygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::pieces::Slivers;
use super::report::{Detail, GridRef, Problem, ProblemKind, Severity};
use super::text::{self, Lang};
use super::{Config, LocalFrame};
use crate::domain::grid::{Grid, GridId};

/// Levels whose grids must cover their parents completely (clause 4.1 names the
/// three levels every subdistrict has; L4/L5 divide only commercial complexes).
pub(super) const FULL_COVER_LEVELS: u8 = 3;
/// The level buildings and the size rule are checked against (clause 5.2.3/5.2.4).
pub(super) const BUILDING_LEVEL: u8 = 3;

/// A grid projected to metres.
pub(super) struct Node<'a> {
    pub grid: &'a Grid,
    pub shape: MultiPolygon,
    pub bbox: Rect,
}

impl Node<'_> {
    pub fn gref(&self) -> GridRef {
        GridRef {
            id: self.grid.id,
            code: self.grid.draft.code.clone(),
        }
    }
}

pub(super) type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

pub(super) fn rect_entry(r: Rect, i: usize) -> Entry {
    GeomWithData::new(Rectangle::from_corners(r.min().into(), r.max().into()), i)
}

pub(super) fn aabb(r: Rect, grow: f64) -> AABB<[f64; 2]> {
    AABB::from_corners(
        [r.min().x - grow, r.min().y - grow],
        [r.max().x + grow, r.max().y + grow],
    )
}

/// An R-tree of the bounding boxes of some nodes, carrying their indexes.
pub(super) fn tree_of(nodes: &[Node], which: &[usize]) -> RTree<Entry> {
    RTree::bulk_load(
        which
            .iter()
            .map(|&i| rect_entry(nodes[i].bbox, i))
            .collect(),
    )
}

pub(super) fn project(frame: &LocalFrame, g: &Geometry) -> (MultiPolygon, Rect) {
    let shape = frame.project(g).orient(Direction::Default);
    let bbox = shape
        .bounding_rect()
        .unwrap_or_else(|| Rect::new(Coord::zero(), Coord::zero()));
    (shape, bbox)
}

/// Nodes of `grids` in `frame`.
pub(super) fn nodes<'a>(frame: &LocalFrame, grids: &[&'a Grid]) -> Vec<Node<'a>> {
    super::par::map(grids, |g| {
        let (shape, bbox) = project(frame, &g.draft.geometry);
        Node {
            grid: g,
            shape,
            bbox,
        }
    })
}

/// A problem worded in English, as the JSON carries it.
pub(super) fn english(p: Problem) -> Problem {
    text::worded(p, Lang::En)
}

/// Everything the checks share.
pub(super) struct Ctx<'a, 'n> {
    pub frame: &'a LocalFrame,
    pub boundary: &'a MultiPolygon,
    pub nodes: &'n [Node<'n>],
    pub by_id: HashMap<GridId, usize>,
    pub children: HashMap<Option<GridId>, Vec<usize>>,
    pub config: &'a Config,
    pub subdistrict_code: String,
}

/// A parent and its children: one unit of gap and nesting work.
pub(super) struct Group<'a> {
    pub parent: Option<usize>,
    pub children: &'a [usize],
}

impl<'a, 'n> Ctx<'a, 'n> {
    pub fn new(
        frame: &'a LocalFrame,
        boundary: &'a MultiPolygon,
        nodes: &'n [Node<'n>],
        config: &'a Config,
        subdistrict_code: &str,
    ) -> Self {
        let by_id = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.grid.id, i))
            .collect();
        let mut children: HashMap<Option<GridId>, Vec<usize>> = HashMap::new();
        for (i, n) in nodes.iter().enumerate() {
            children.entry(n.grid.draft.parent_id).or_default().push(i);
        }
        Self {
            frame,
            boundary,
            nodes,
            by_id,
            children,
            config,
            subdistrict_code: subdistrict_code.to_owned(),
        }
    }

    /// The nodes of one level, in node order.
    pub fn of_level(&self, level: u8) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].grid.draft.level == level)
            .collect()
    }

    fn parent_shape(&self, parent: Option<usize>) -> &MultiPolygon {
        parent.map_or(self.boundary, |p| &self.nodes[p].shape)
    }

    /// The parent's code for the words (`None`: the subdistrict).
    fn parent_code(&self, parent: Option<usize>) -> Option<String> {
        parent.map(|p| self.nodes[p].grid.draft.code.clone())
    }

    /// One parent: the union of its children, the parent minus the union (gaps),
    /// the union minus the parent (outside). Answers the target and covered areas,
    /// the problems, and the gap and outside noise.
    pub fn group(&self, level: u8, g: &Group) -> (f64, f64, Vec<Problem>, Slivers, Slivers) {
        let parent = self.parent_shape(g.parent);
        let target = parent.unsigned_area();
        let union = geo::unary_union(g.children.iter().map(|&c| &self.nodes[c].shape));
        let (outs, out_noise, outside_area) = self.outside(level, g, parent, &union);
        let covered = (union.unsigned_area() - outside_area).max(0.0);
        let mut problems = Vec::new();
        let gap_noise = if level <= FULL_COVER_LEVELS {
            let (gaps, noise) = self.gaps(level, g, parent, &union);
            problems.extend(gaps);
            noise
        } else {
            Slivers::default()
        };
        problems.extend(outs);
        (target, covered, problems, gap_noise, out_noise)
    }

    /// A shape in metres as GeoJSON in degrees, with its bounding box.
    pub fn geometry(&self, shape: &MultiPolygon) -> (Option<geojson::Geometry>, Option<[f64; 4]>) {
        let deg = self.frame.unproject(shape);
        let bbox = deg
            .bounding_rect()
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
        (
            Some(geojson::Geometry::new(
                (&Geometry::MultiPolygon(deg)).into(),
            )),
            bbox,
        )
    }

    /// A problem about one grid as a whole, drawn as the grid.
    pub fn grid_problem(
        &self,
        n: &Node,
        kind: ProblemKind,
        severity: Severity,
        detail: Detail,
    ) -> Problem {
        let g = &n.grid.draft.geometry;
        let bbox = g
            .bounding_rect()
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
        english(Problem {
            kind,
            severity,
            level: n.grid.draft.level,
            grids: vec![n.gref()],
            building_id: None,
            geometry: Some(geojson::Geometry::new(g.into())),
            area_m2: None,
            width_m: None,
            message: String::new(),
            fix: String::new(),
            bbox,
            detail,
        })
    }

    /// Validity, parents and codes of every grid, each into its level's report.
    pub fn grid_rules(&self, levels: &mut [super::report::LevelReport]) {
        let mut push = |p: Problem| {
            if let Some(l) = levels.get_mut(usize::from(p.level.max(1)) - 1) {
                l.problems.push(p);
            }
        };
        for p in self.validity() {
            push(p);
        }
        for p in self.codes() {
            push(p);
        }
    }
}

pub(super) fn grow(r: Rect, d: f64) -> Rect {
    Rect::new(
        Coord {
            x: r.min().x - d,
            y: r.min().y - d,
        },
        Coord {
            x: r.max().x + d,
            y: r.max().y + d,
        },
    )
}
