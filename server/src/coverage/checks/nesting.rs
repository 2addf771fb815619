//! Nesting: the parts of a parent's children that lie outside it (outside the
//! subdistrict for L1), wider than the tolerance (clause 5.2).

use geo::{Area, BooleanOps, BoundingRect, Intersects, MultiPolygon};

use super::{Ctx, Group, Node, english};
use crate::coverage::pieces::{self, Piece, Slivers};
use crate::coverage::report::{Detail, GridRef, Problem, ProblemKind, Severity};

impl Ctx<'_, '_> {
    /// The parts outside one parent, given the union of its children; also the
    /// whole area outside (noise included).
    pub(super) fn outside(
        &self,
        level: u8,
        g: &Group,
        parent: &MultiPolygon,
        union: &MultiPolygon,
    ) -> (Vec<Problem>, Slivers, f64) {
        let outside = union.difference(parent);
        let area = outside.unsigned_area();
        let (outs, noise) = pieces::split(outside, self.config.tolerance_m);
        let problems = outs
            .into_iter()
            .map(|p| self.outside_problem(level, g, p))
            .collect();
        (problems, noise, area)
    }

    /// A part outside, naming the children it belongs to.
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
        let (geometry, bbox) = self.geometry(&p.shape);
        english(Problem {
            kind: ProblemKind::OutsideParent,
            severity: Severity::Defect,
            level,
            grids: culprits,
            building_id: None,
            geometry,
            area_m2: Some(p.area),
            width_m: Some(p.width),
            message: String::new(),
            fix: String::new(),
            bbox,
            detail: Detail::Outside {
                parent: self.parent_code(g.parent),
            },
        })
    }
}
