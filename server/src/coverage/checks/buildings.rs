//! Buildings against L3 grids (clause 5.2.3): a building in no grid is a defect,
//! a building split between grids beyond a share is a warning. Each building's
//! households are counted in its main grid for the size rule.

use std::collections::HashMap;

use geo::{Area, BooleanOps, BoundingRect, Coord, Intersects, Rect};
use rstar::RTree;

use super::{BUILDING_LEVEL, Ctx, Entry, aabb, english, project, tree_of};
use crate::coverage::par;
use crate::coverage::report::{Detail, GridRef, Problem, ProblemKind, Severity};
use crate::domain::reference::Building;

impl Ctx<'_, '_> {
    /// Buildings against L3 grids: in none, or split. Also returns the households
    /// of each L3 grid counted from the buildings whose main grid it is.
    pub fn buildings(&self, buildings: &[&Building]) -> (Vec<Problem>, HashMap<usize, i64>) {
        let l3 = self.of_level(BUILDING_LEVEL);
        if l3.is_empty() {
            return (Vec::new(), HashMap::new());
        }
        let tree = tree_of(self.nodes, &l3);
        // A problem is boxed while the results are gathered: an unboxed one makes
        // every building's result hundreds of bytes, and at a million buildings the
        // results (collected twice by `par::map`) are held all at once.
        let results = par::map(buildings, |b| {
            let (main, problem) = self.building(&tree, b);
            (main, problem.map(Box::new))
        });
        let mut problems = Vec::new();
        let mut households: HashMap<usize, i64> = HashMap::new();
        for (main, problem) in results {
            if let Some((i, h)) = main {
                *households.entry(i).or_default() += h;
            }
            problems.extend(problem.map(|p| *p));
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
        let base = |kind, severity, grids, detail| {
            english(Problem {
                kind,
                severity,
                level: BUILDING_LEVEL,
                grids,
                building_id: Some(b.id),
                geometry: Some(geojson::Geometry::new((&b.footprint).into())),
                area_m2: Some(area),
                width_m: None,
                message: String::new(),
                fix: String::new(),
                bbox: deg,
                detail,
            })
        };
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
                    let parts = shares
                        .iter()
                        .filter(|(_, s)| *s >= 0.005)
                        .map(|(c, s)| (self.nodes[*c].grid.draft.code.clone(), *s))
                        .collect();
                    base(
                        ProblemKind::BuildingSplit,
                        Severity::Warning,
                        grids,
                        Detail::BuildingSplit {
                            name: b.name.clone(),
                            parts,
                            in_no_grid: (inside < 0.999).then_some(1.0 - inside),
                            main: self.nodes[m].grid.draft.code.clone(),
                        },
                    )
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
                        Severity::Defect,
                        grids,
                        Detail::BuildingUnassigned {
                            name: b.name.clone(),
                            households: b.households,
                            in_no_grid: 1.0 - inside,
                        },
                    )),
                )
            }
        }
    }
}

fn strictly_inside(r: Rect, c: Coord) -> bool {
    c.x > r.min().x && c.x < r.max().x && c.y > r.min().y && c.y < r.max().y
}
