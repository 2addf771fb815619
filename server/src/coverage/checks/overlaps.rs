//! Overlaps: grids of one level that cover the same ground over more than the
//! tolerance (clause 4.1). Candidate pairs come from an R-tree of the level's
//! bounding boxes, so only neighbours are intersected.

use geo::BooleanOps;

use super::{Ctx, aabb, english, tree_of};
use crate::coverage::par;
use crate::coverage::pieces::{self, Slivers};
use crate::coverage::report::{Detail, Problem, ProblemKind, Severity};

impl Ctx<'_, '_> {
    /// Overlaps between grids of one level. With `only`, just the pairs that
    /// involve that node (the preview of an edit).
    pub fn overlaps(
        &self,
        level: u8,
        of_level: &[usize],
        only: Option<usize>,
    ) -> (Vec<Problem>, Slivers) {
        let tree = tree_of(self.nodes, of_level);
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
                    problems.push(english(Problem {
                        kind: ProblemKind::Overlap,
                        severity: Severity::Defect,
                        level,
                        grids: vec![x.gref(), y.gref()],
                        building_id: None,
                        geometry,
                        area_m2: Some(p.area),
                        width_m: Some(p.width),
                        message: String::new(),
                        fix: String::new(),
                        bbox,
                        detail: Detail::Overlap,
                    }));
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
}
