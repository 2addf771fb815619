//! The full audit of one subdistrict.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use geo::orient::{Direction, Orient};
use geo::{
    Area, BooleanOps, BoundingRect, Coord, Distance, Euclidean, Geometry, Intersects, MultiPolygon,
    Rect, Validation,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::pieces::{self, Piece, Slivers};
use super::report::{
    GridRef, LevelReport, Noise, Problem, ProblemKind, Report, Severity, SubdistrictRef,
};
use super::{Config, LocalFrame, par};
use crate::domain::code;
use crate::domain::grid::{Grid, GridId, GridKind};
use crate::domain::reference::Building;
use crate::domain::subdistrict::Subdistrict;
use crate::index::Atlas;

/// Levels whose grids must cover their parents completely (clause 4.1 names the
/// three levels every subdistrict has; L4/L5 divide only commercial complexes).
pub(super) const FULL_COVER_LEVELS: u8 = 3;
/// The level buildings and the size rule are checked against (clause 5.2.3/5.2.4).
pub(super) const BUILDING_LEVEL: u8 = 3;

/// What an audit reads: a subdistrict, its grids and its buildings.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// The subdistrict.
    pub subdistrict: &'a Subdistrict,
    /// Its grids, any order.
    pub grids: Vec<&'a Grid>,
    /// Its buildings.
    pub buildings: Vec<&'a Building>,
}

impl<'a> Input<'a> {
    /// Everything the atlas holds for one subdistrict.
    pub fn from_atlas(atlas: &'a Atlas, subdistrict: i64) -> Option<Self> {
        let s = atlas.subdistrict(subdistrict)?;
        let grids = atlas
            .grids(Some(subdistrict), None, None, None)
            .into_iter()
            .map(|g| &g.grid)
            .collect();
        let buildings = atlas
            .buildings_in(None)
            .into_iter()
            .filter(|b| b.subdistrict_id == subdistrict)
            .map(|b| &**b)
            .collect();
        Some(Self {
            subdistrict: s,
            grids,
            buildings,
        })
    }
}

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

pub(super) fn project(frame: &LocalFrame, g: &Geometry) -> (MultiPolygon, Rect) {
    let shape = frame.project(g).orient(Direction::Default);
    let bbox = shape
        .bounding_rect()
        .unwrap_or_else(|| Rect::new(Coord::zero(), Coord::zero()));
    (shape, bbox)
}

/// Audits a subdistrict.
///
/// # Examples
/// ```
/// let (s, grids, buildings) = gridd::coverage::synthetic::hierarchy(&gridd::coverage::synthetic::Spec::small());
/// let input = gridd::coverage::Input {
///     subdistrict: &s,
///     grids: grids.iter().collect(),
///     buildings: buildings.iter().collect(),
/// };
/// let report = gridd::coverage::audit(&input, &Default::default());
/// assert!(report.is_clean(), "{:?}", report.problems().next());
/// // areas in m²: the small synthetic subdistrict is 1.2 km × 1 km
/// assert!((report.levels[0].covered_area_m2 / 1.2e6 - 1.0).abs() < 0.01);
/// ```
pub fn audit(input: &Input<'_>, config: &Config) -> Report {
    let t0 = Instant::now();
    let s = input.subdistrict;
    let frame = LocalFrame::around(
        s.boundary
            .bounding_rect()
            .unwrap_or_else(|| Rect::new(Coord::zero(), Coord::zero())),
    );
    let mut timings = Vec::new();
    let mut lap = {
        let mut t = Instant::now();
        move |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
            timings.push((name, t.elapsed().as_secs_f64() * 1000.0));
            t = Instant::now();
        }
    };
    let (boundary, _) = project(&frame, &s.boundary);
    let nodes: Vec<Node> = par::map(&input.grids, |g| {
        let (shape, bbox) = project(&frame, &g.draft.geometry);
        Node {
            grid: g,
            shape,
            bbox,
        }
    });
    lap("project", &mut timings);
    let ctx = Ctx::new(&frame, &boundary, &nodes, config, &s.code);
    let deepest = nodes.iter().map(|n| n.grid.draft.level).max().unwrap_or(0);
    let mut levels = Vec::new();
    for l in 1..=deepest {
        let (report, groups_ms) = ctx.level(l);
        timings.push((LEVEL_GROUPS[usize::from(l.clamp(1, 5)) - 1], groups_ms));
        lap(LEVEL_NAMES[usize::from(l.clamp(1, 5)) - 1], &mut timings);
        levels.push(report);
    }
    ctx.grid_rules(&mut levels);
    lap("validity and codes", &mut timings);
    let mut households: HashMap<usize, i64> = HashMap::new();
    if let Some(l3) = levels.get_mut(usize::from(BUILDING_LEVEL) - 1) {
        let (problems, from_buildings) = ctx.buildings(&input.buildings);
        households = from_buildings;
        l3.problems.extend(problems);
    }
    lap("buildings", &mut timings);
    ctx.size_rule(&mut levels, &households);

    let mut defects = 0;
    let mut warnings = 0;
    for l in &mut levels {
        finish_level(l);
        defects += l.defects;
        warnings += l.warnings;
    }
    Report {
        subdistrict: SubdistrictRef {
            id: s.id,
            code: s.code.clone(),
            name: s.name.clone(),
            area_m2: boundary.unsigned_area(),
        },
        config: *config,
        method: METHOD,
        defects,
        warnings,
        buildings: input.buildings.len(),
        levels,
        elapsed_ms: t0.elapsed().as_secs_f64() * 1000.0,
        timings_ms: timings,
    }
}

const LEVEL_GROUPS: [&str; 5] = [
    "L1 gaps and nesting",
    "L2 gaps and nesting",
    "L3 gaps and nesting",
    "L4 gaps and nesting",
    "L5 gaps and nesting",
];
const LEVEL_NAMES: [&str; 5] = ["L1 total", "L2 total", "L3 total", "L4 total", "L5 total"];

pub(super) const METHOD: &str = "areas and widths in metres in an equirectangular frame tangent at the subdistrict's centre on the WGS 84 ellipsoid; \
width = short side of the rectangle with the piece's area and perimeter; a piece is noise when an inward buffer of half the tolerance erases it";

/// Sorts problems (defects first, then kind, then largest first) and counts them.
pub(super) fn finish_level(l: &mut LevelReport) {
    l.problems.sort_by(|a, b| {
        (a.severity, a.kind)
            .cmp(&(b.severity, b.kind))
            .then(
                b.area_m2
                    .unwrap_or(0.0)
                    .total_cmp(&a.area_m2.unwrap_or(0.0)),
            )
            .then(a.grids.cmp(&b.grids))
    });
    l.defects = l
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Defect)
        .count();
    l.warnings = l.problems.len() - l.defects;
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

    fn parent_shape(&self, parent: Option<usize>) -> &MultiPolygon {
        parent.map_or(self.boundary, |p| &self.nodes[p].shape)
    }

    fn parent_name(&self, parent: Option<usize>) -> String {
        parent.map_or_else(
            || "the subdistrict".to_owned(),
            |p| format!("grid {}", self.nodes[p].grid.draft.code),
        )
    }

    /// Gaps, overlaps and nesting of one level.
    pub fn level(&self, level: u8) -> (LevelReport, f64) {
        let of_level: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].grid.draft.level == level)
            .collect();
        // Parent groups: the subdistrict for L1, every grid one level up otherwise.
        let empty: &[usize] = &[];
        let groups: Vec<Group> = if level == 1 {
            let roots = self.children.get(&None).map_or(empty, Vec::as_slice);
            vec![Group {
                parent: None,
                children: roots,
            }]
        } else {
            (0..self.nodes.len())
                .filter(|&p| self.nodes[p].grid.draft.level == level - 1)
                .map(|p| Group {
                    parent: Some(p),
                    children: self
                        .children
                        .get(&Some(self.nodes[p].grid.id))
                        .map_or(empty, Vec::as_slice),
                })
                .filter(|g| level <= FULL_COVER_LEVELS || !g.children.is_empty())
                .collect()
        };
        let mut report = LevelReport {
            level,
            grids: of_level.len(),
            target_area_m2: 0.0,
            covered_area_m2: 0.0,
            coverage_ratio: 0.0,
            households: 0,
            defects: 0,
            warnings: 0,
            noise: Noise::default(),
            problems: Vec::new(),
        };
        let t = Instant::now();
        let results = par::map(&groups, |g| self.group(level, g));
        let groups_ms = t.elapsed().as_secs_f64() * 1000.0;
        for (target, covered, problems, gap_noise, out_noise) in results {
            report.target_area_m2 += target;
            report.covered_area_m2 += covered;
            report.problems.extend(problems);
            report.noise.gaps += gap_noise.count;
            report.noise.gap_area_m2 += gap_noise.area;
            report.noise.outside += out_noise.count;
            report.noise.outside_area_m2 += out_noise.area;
        }
        let (problems, noise) = self.overlaps(level, &of_level, None);
        report.problems.extend(problems);
        report.noise.overlaps += noise.count;
        report.noise.overlap_area_m2 += noise.area;
        report.coverage_ratio = if report.target_area_m2 > 0.0 {
            report.covered_area_m2 / report.target_area_m2
        } else {
            0.0
        };
        (report, groups_ms)
    }

    /// One parent: the union of its children, the parent minus the union (gaps),
    /// the union minus the parent (outside).
    pub fn group(&self, level: u8, g: &Group) -> (f64, f64, Vec<Problem>, Slivers, Slivers) {
        let parent = self.parent_shape(g.parent);
        let target = parent.unsigned_area();
        let union = geo::unary_union(g.children.iter().map(|&c| &self.nodes[c].shape));
        let outside = union.difference(parent);
        let covered = (union.unsigned_area() - outside.unsigned_area()).max(0.0);
        let mut problems = Vec::new();
        let tol = self.config.tolerance_m;
        let gap_noise = if level <= FULL_COVER_LEVELS {
            let (gaps, noise) = pieces::split(parent.difference(&union), tol);
            problems.extend(gaps.into_iter().map(|p| self.gap_problem(level, g, p)));
            noise
        } else {
            Slivers::default()
        };
        let (outs, out_noise) = pieces::split(outside, tol);
        problems.extend(outs.into_iter().map(|p| self.outside_problem(level, g, p)));
        (target, covered, problems, gap_noise, out_noise)
    }

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

    fn gap_problem(&self, level: u8, g: &Group, p: Piece) -> Problem {
        let tol = self.config.tolerance_m;
        let bbox = p
            .shape
            .bounding_rect()
            .unwrap_or_else(|| Rect::new(Coord::zero(), Coord::zero()));
        let mut near: Vec<GridRef> = g
            .children
            .iter()
            .map(|&c| &self.nodes[c])
            .filter(|n| {
                n.bbox.intersects(&grow(bbox, tol)) && Euclidean.distance(&n.shape, &p.shape) <= tol
            })
            .map(Node::gref)
            .collect();
        near.sort();
        let names: Vec<&str> = near.iter().map(|r| r.code.as_str()).collect();
        let parent = self.parent_name(g.parent);
        let fix = if names.is_empty() {
            format!("draw a new level {level} grid over the gap in {parent}")
        } else {
            format!(
                "extend {} to cover the gap, or draw a new level {level} grid there",
                join_or(&names)
            )
        };
        let (geometry, bbox) = self.geometry(&p.shape);
        Problem {
            kind: ProblemKind::Gap,
            severity: Severity::Defect,
            level,
            grids: near,
            building_id: None,
            geometry,
            area_m2: Some(p.area),
            width_m: Some(p.width),
            message: format!(
                "{:.1} m² ({:.2} m wide) of {parent} is in no level {level} grid",
                p.area, p.width
            ),
            fix,
            bbox,
        }
    }

    fn outside_problem(&self, level: u8, g: &Group, p: Piece) -> Problem {
        let mut culprits: Vec<GridRef> = g
            .children
            .iter()
            .map(|&c| &self.nodes[c])
            .filter(|n| {
                n.bbox
                    .intersects(&p.shape.bounding_rect().unwrap_or(n.bbox))
            })
            .filter(|n| n.shape.intersection(&p.shape).unsigned_area() > 0.0)
            .map(Node::gref)
            .collect();
        culprits.sort();
        let names: Vec<&str> = culprits.iter().map(|r| r.code.as_str()).collect();
        let parent = self.parent_name(g.parent);
        let who = if names.is_empty() {
            "a grid".to_owned()
        } else {
            join_and(&names)
        };
        let verb = if names.len() > 1 { "reach" } else { "reaches" };
        let (geometry, bbox) = self.geometry(&p.shape);
        Problem {
            kind: ProblemKind::OutsideParent,
            severity: Severity::Defect,
            level,
            grids: culprits,
            building_id: None,
            geometry,
            area_m2: Some(p.area),
            width_m: Some(p.width),
            message: format!(
                "{who} {verb} {:.1} m² ({:.2} m wide) outside {parent}",
                p.area, p.width
            ),
            fix: if g.parent.is_none() {
                format!("trim {who} to the subdistrict boundary")
            } else {
                format!("trim {who} to {parent}, or move this part under the grid that holds it")
            },
            bbox,
        }
    }

    /// Overlaps between grids of one level. With `only`, just the pairs that
    /// involve that node (the preview of an edit).
    pub fn overlaps(
        &self,
        level: u8,
        of_level: &[usize],
        only: Option<usize>,
    ) -> (Vec<Problem>, Slivers) {
        let tree = RTree::bulk_load(
            of_level
                .iter()
                .map(|&i| rect_entry(self.nodes[i].bbox, i))
                .collect(),
        );
        let firsts: Vec<usize> = only.map_or_else(|| of_level.to_vec(), |o| vec![o]);
        let results = par::map(&firsts, |&i| {
            let a = &self.nodes[i];
            let mut problems = Vec::new();
            let mut noise = Slivers::default();
            for e in tree.locate_in_envelope_intersecting(&aabb(a.bbox, 0.0)) {
                let j = e.data;
                if j == i || (only.is_none() && j < i) {
                    continue;
                }
                let b = &self.nodes[j];
                let (found, n) =
                    pieces::split(a.shape.intersection(&b.shape), self.config.tolerance_m);
                noise.add(n);
                for p in found {
                    let (x, y) = if a.grid.draft.code <= b.grid.draft.code {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    let (geometry, bbox) = self.geometry(&p.shape);
                    problems.push(Problem {
                        kind: ProblemKind::Overlap,
                        severity: Severity::Defect,
                        level,
                        grids: vec![x.gref(), y.gref()],
                        building_id: None,
                        geometry,
                        area_m2: Some(p.area),
                        width_m: Some(p.width),
                        message: format!(
                            "grids {} and {} overlap on {:.1} m² ({:.2} m wide)",
                            x.grid.draft.code, y.grid.draft.code, p.area, p.width
                        ),
                        fix: format!(
                            "assign the overlap to one of {} or {}: cut it from the other",
                            x.grid.draft.code, y.grid.draft.code
                        ),
                        bbox,
                    });
                }
            }
            (problems, noise)
        });
        let mut problems = Vec::new();
        let mut noise = Slivers::default();
        for (p, n) in results {
            problems.extend(p);
            noise.add(n);
        }
        (problems, noise)
    }

    pub fn grid_problem(
        &self,
        n: &Node,
        kind: ProblemKind,
        severity: Severity,
        message: String,
        fix: String,
    ) -> Problem {
        let g = &n.grid.draft.geometry;
        let bbox = g
            .bounding_rect()
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
        Problem {
            kind,
            severity,
            level: n.grid.draft.level,
            grids: vec![n.gref()],
            building_id: None,
            geometry: Some(geojson::Geometry::new(g.into())),
            area_m2: None,
            width_m: None,
            message,
            fix,
            bbox,
        }
    }

    /// Validity, codes and parents of every grid.
    pub fn grid_rules(&self, levels: &mut [LevelReport]) {
        let invalid: Vec<Option<String>> = par::map(self.nodes, |n| {
            let errors = n.grid.draft.geometry.validation_errors();
            (!errors.is_empty()).then(|| {
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        });
        let mut by_code: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            by_code
                .entry(n.grid.draft.code.as_str())
                .or_default()
                .push(i);
        }
        let mut push = |p: Problem| {
            if let Some(l) = levels.get_mut(usize::from(p.level.max(1)) - 1) {
                l.problems.push(p);
            }
        };
        for (i, n) in self.nodes.iter().enumerate() {
            let d = &n.grid.draft;
            if let Some(why) = &invalid[i] {
                push(self.grid_problem(
                    n,
                    ProblemKind::InvalidGeometry,
                    Severity::Defect,
                    format!("grid {} has an invalid geometry: {why}", d.code),
                    format!("redraw grid {}: {why}", d.code),
                ));
            }
            let parent = match d.parent_id {
                None if d.level == 1 => Some((0u8, self.subdistrict_code.clone())),
                None => {
                    push(self.grid_problem(
                        n,
                        ProblemKind::BadParent,
                        Severity::Defect,
                        format!("level {} grid {} has no parent", d.level, d.code),
                        format!("put grid {} under a level {} grid", d.code, d.level - 1),
                    ));
                    None
                }
                Some(pid) => match self.by_id.get(&pid).map(|&p| &self.nodes[p]) {
                    None => {
                        push(self.grid_problem(
                            n,
                            ProblemKind::BadParent,
                            Severity::Defect,
                            format!("grid {}'s parent {pid} does not exist", d.code),
                            format!(
                                "put grid {} under an existing level {} grid",
                                d.code,
                                d.level.saturating_sub(1)
                            ),
                        ));
                        None
                    }
                    Some(p) => Some((p.grid.draft.level, p.grid.draft.code.clone())),
                },
            };
            if let Some((plevel, pcode)) = parent {
                if plevel + 1 != d.level {
                    push(self.grid_problem(
                        n,
                        ProblemKind::BadParent,
                        Severity::Defect,
                        format!(
                            "level {} grid {} has a level {plevel} parent",
                            d.level, d.code
                        ),
                        format!(
                            "put grid {} under a level {} grid",
                            d.code,
                            d.level.saturating_sub(1)
                        ),
                    ));
                } else if let Err(e) = code::check_grid_code("code", &d.code, d.level, &pcode) {
                    let kind = if e.reason.contains("must start with") {
                        ProblemKind::CodePrefix
                    } else {
                        ProblemKind::MalformedCode
                    };
                    let fix = match kind {
                        ProblemKind::CodePrefix => format!(
                            "renumber grid {} as {pcode} + a free 3-digit sequence",
                            d.code
                        ),
                        _ => format!("renumber grid {}: {}", d.code, e.reason),
                    };
                    push(self.grid_problem(
                        n,
                        kind,
                        Severity::Defect,
                        format!("grid {}: {}", d.code, e.reason),
                        fix,
                    ));
                }
            }
        }
        for (c, ids) in by_code.iter().filter(|(_, v)| v.len() > 1) {
            let grids: Vec<GridRef> = ids.iter().map(|&i| self.nodes[i].gref()).collect();
            let n = &self.nodes[ids[0]];
            let mut p = self.grid_problem(
                n,
                ProblemKind::DuplicateCode,
                Severity::Defect,
                format!(
                    "{} grids carry code {c} (ids {})",
                    ids.len(),
                    grids
                        .iter()
                        .map(|g| g.id.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!("renumber all but one of the grids with code {c}"),
            );
            p.grids = grids;
            push(p);
        }
    }

    /// Buildings against L3 grids: in none, or split. Also returns the households
    /// of each L3 grid counted from the buildings whose main grid it is.
    pub fn buildings(&self, buildings: &[&Building]) -> (Vec<Problem>, HashMap<usize, i64>) {
        let l3: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].grid.draft.level == BUILDING_LEVEL)
            .collect();
        if l3.is_empty() {
            return (Vec::new(), HashMap::new());
        }
        let tree = RTree::bulk_load(
            l3.iter()
                .map(|&i| rect_entry(self.nodes[i].bbox, i))
                .collect(),
        );
        let results = par::map(buildings, |b| self.building(&tree, b));
        let mut problems = Vec::new();
        let mut households: HashMap<usize, i64> = HashMap::new();
        for (main, problem) in results {
            if let Some((i, h)) = main {
                *households.entry(i).or_default() += h;
            }
            problems.extend(problem);
        }
        (problems, households)
    }

    /// One building: its main L3 grid (with its households) and a problem, if any.
    pub fn building(
        &self,
        tree: &RTree<Entry>,
        b: &Building,
    ) -> (Option<(usize, i64)>, Option<Problem>) {
        let (fp, bbox) = project(self.frame, &b.footprint);
        let cands: Vec<usize> = tree
            .locate_in_envelope_intersecting(&aabb(bbox, 0.0))
            .map(|e| e.data)
            .collect();
        let h = i64::from(b.households);
        // Fast path: every vertex in one grid, and none of that grid's vertices
        // inside the building's box (so no edge of the grid cuts into it).
        for &c in &cands {
            let n = &self.nodes[c];
            if fp
                .0
                .iter()
                .flat_map(|p| p.exterior().0.iter())
                .all(|v| n.shape.intersects(v))
                && !n
                    .shape
                    .0
                    .iter()
                    .flat_map(|p| {
                        p.exterior()
                            .0
                            .iter()
                            .chain(p.interiors().iter().flat_map(|r| r.0.iter()))
                    })
                    .any(|v| strictly_inside(bbox, *v))
            {
                return (Some((c, h)), None);
            }
        }
        let area = fp.unsigned_area();
        if area <= 0.0 {
            return (None, None);
        }
        let mut shares: Vec<(usize, f64)> = cands
            .iter()
            .map(|&c| {
                (
                    c,
                    self.nodes[c].shape.intersection(&fp).unsigned_area() / area,
                )
            })
            .filter(|(_, s)| *s > 1e-6)
            .collect();
        shares.sort_by(|a, b| b.1.total_cmp(&a.1));
        let inside: f64 = shares.iter().map(|s| s.1).sum::<f64>().min(1.0);
        let main = shares.first().copied();
        let deg = b
            .footprint
            .bounding_rect()
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
        let base = |kind, grids, message, fix| Problem {
            kind,
            severity: Severity::Defect,
            level: BUILDING_LEVEL,
            grids,
            building_id: Some(b.id),
            geometry: Some(geojson::Geometry::new((&b.footprint).into())),
            area_m2: Some(area),
            width_m: None,
            message,
            fix,
            bbox: deg,
        };
        let label = b.name.as_deref().map_or_else(
            || format!("building {}", b.id),
            |n| format!("building {} ({n})", b.id),
        );
        match main {
            Some((m, share)) if share >= 0.5 => {
                let outside = 1.0 - share;
                // A warning: a grid line through a building is for the planner to
                // judge (a corner building may rightly face two grids), while a
                // building in no grid breaks clause 4.1.
                let problem = (outside > self.config.split_share).then(|| {
                    let mut grids: Vec<GridRef> =
                        shares.iter().map(|(c, _)| self.nodes[*c].gref()).collect();
                    grids.sort();
                    let parts: Vec<String> = shares
                        .iter()
                        .filter(|(_, s)| *s >= 0.005)
                        .map(|(c, s)| {
                            format!("{:.0} % in {}", s * 100.0, self.nodes[*c].grid.draft.code)
                        })
                        .chain(
                            (inside < 0.999)
                                .then(|| format!("{:.0} % in no grid", (1.0 - inside) * 100.0)),
                        )
                        .collect();
                    Problem {
                        severity: Severity::Warning,
                        ..base(
                            ProblemKind::BuildingSplit,
                            grids,
                            format!("{label} is split: {}", parts.join(", ")),
                            format!(
                                "move the boundary so that {label} lies wholly in grid {}",
                                self.nodes[m].grid.draft.code
                            ),
                        )
                    }
                });
                (Some((m, h)), problem)
            }
            _ => {
                let grids: Vec<GridRef> =
                    shares.iter().map(|(c, _)| self.nodes[*c].gref()).collect();
                (
                    None,
                    Some(base(
                        ProblemKind::BuildingUnassigned,
                        grids,
                        format!(
                            "{label} ({:.0} households) has {:.0} % of its footprint in no level 3 grid",
                            b.households,
                            (1.0 - inside) * 100.0
                        ),
                        format!("extend a level 3 grid over {label}"),
                    )),
                )
            }
        }
    }

    /// Clause 5.2.4 on L3 grids of kind residential or scattered.
    pub fn size_rule(&self, levels: &mut [LevelReport], from_buildings: &HashMap<usize, i64>) {
        for l in levels.iter_mut() {
            l.households = self
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.grid.draft.level == l.level)
                .map(|(i, n)| {
                    n.grid
                        .draft
                        .households
                        .map_or_else(|| from_buildings.get(&i).copied().unwrap_or(0), i64::from)
                })
                .sum();
        }
        let Some(l3) = levels.get_mut(usize::from(BUILDING_LEVEL) - 1) else {
            return;
        };
        for (i, n) in self.nodes.iter().enumerate() {
            let d = &n.grid.draft;
            if d.level != BUILDING_LEVEL {
                continue;
            }
            let [lo, hi] = match d.kind {
                GridKind::Residential => self.config.residential_band,
                GridKind::Scattered => self.config.scattered_band,
                GridKind::Commercial | GridKind::Other => continue,
            };
            let Some(h) = d
                .households
                .map(i64::from)
                .or_else(|| from_buildings.get(&i).copied())
            else {
                continue;
            };
            let about = (lo + hi) / 2;
            let kind = d.kind.as_str();
            let divided = self
                .children
                .get(&Some(n.grid.id))
                .is_some_and(|c| !c.is_empty());
            if h > hi && !divided {
                let parts = (h + about - 1) / about.max(1);
                l3.problems.push(self.grid_problem(
                    n,
                    ProblemKind::TooManyHouseholds,
                    Severity::Defect,
                    format!("{kind} grid {} holds {h} households, more than {hi} (about {about})", d.code),
                    format!("divide grid {} into {parts} grids of about {about} households, or add level 4 grids under it", d.code),
                ));
            } else if h < lo {
                let siblings = d
                    .parent_id
                    .and_then(|p| self.children.get(&Some(p)))
                    .map_or(0, |c| c.len().saturating_sub(1));
                let (severity, fix) = if siblings > 0 {
                    (
                        Severity::Defect,
                        format!(
                            "merge grid {} with a neighbouring grid of the same parent",
                            d.code
                        ),
                    )
                } else {
                    (
                        Severity::Warning,
                        format!(
                            "grid {} is its parent's only grid, so nothing at this level can be merged with it; consider merging its parent with a neighbour",
                            d.code
                        ),
                    )
                };
                l3.problems.push(self.grid_problem(
                    n,
                    ProblemKind::TooFewHouseholds,
                    severity,
                    format!(
                        "{kind} grid {} holds {h} households, fewer than {lo} (about {about})",
                        d.code
                    ),
                    fix,
                ));
            }
        }
    }
}

fn strictly_inside(r: Rect, c: Coord) -> bool {
    c.x > r.min().x && c.x < r.max().x && c.y > r.min().y && c.y < r.max().y
}

fn grow(r: Rect, d: f64) -> Rect {
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

fn join_or(names: &[&str]) -> String {
    join(names, "or")
}

fn join_and(names: &[&str]) -> String {
    join(names, "and")
}

fn join(names: &[&str], word: &str) -> String {
    let shown: Vec<String> = names.iter().take(4).map(|n| format!("grid {n}")).collect();
    match shown.len() {
        0 => String::new(),
        1 => shown[0].clone(),
        _ if names.len() > 4 => format!("{} {word} {} more", shown.join(", "), names.len() - 4),
        k => format!("{} {word} {}", shown[..k - 1].join(", "), shown[k - 1]),
    }
}
