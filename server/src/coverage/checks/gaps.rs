//! Gaps: the parts of a parent (the subdistrict for L1) that none of its children
//! covers, wider than the tolerance (clause 4.1).

use geo::{BooleanOps, BoundingRect, Coord, Distance, Euclidean, Intersects, MultiPolygon, Rect};

use super::{Ctx, Group, Node, english, grow};
use crate::coverage::pieces::{self, Piece, Slivers};
use crate::coverage::report::{Detail, GridRef, Problem, ProblemKind, Severity};

impl Ctx<'_, '_> {
    /// The gaps of one parent group, given the union of its children.
    pub(super) fn gaps(
        &self,
        level: u8,
        g: &Group,
        parent: &MultiPolygon,
        union: &MultiPolygon,
    ) -> (Vec<Problem>, Slivers) {
        let (gaps, noise) = pieces::split(parent.difference(union), self.config.tolerance_m);
        let problems = gaps
            .into_iter()
            .map(|p| self.gap_problem(level, g, p))
            .collect();
        (problems, noise)
    }

    /// A gap, naming the children within the tolerance of it (those that could be
    /// extended over it).
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
        let (geometry, bbox) = self.geometry(&p.shape);
        english(Problem {
            kind: ProblemKind::Gap,
            severity: Severity::Defect,
            level,
            grids: near,
            building_id: None,
            geometry,
            area_m2: Some(p.area),
            width_m: Some(p.width),
            message: String::new(),
            fix: String::new(),
            bbox,
            detail: Detail::Gap {
                parent: self.parent_code(g.parent),
            },
        })
    }
}
