//! Validity: every grid's geometry is a valid (multi)polygon.

use super::Ctx;
use crate::coverage::par;
use crate::coverage::report::{Detail, Problem, ProblemKind, Severity};

impl Ctx<'_, '_> {
    /// One problem per grid whose geometry is invalid, in node order.
    pub(super) fn validity(&self) -> Vec<Problem> {
        let invalid: Vec<Option<String>> = par::map(self.nodes, |n| {
            // O(n log n): the check creates and updates pass.
            let errors = crate::edit::invalid_reasons(&n.grid.draft.geometry);
            (!errors.is_empty()).then(|| errors.join("; "))
        });
        self.nodes
            .iter()
            .zip(invalid)
            .filter_map(|(n, why)| {
                let why = why?;
                Some(self.grid_problem(
                    n,
                    ProblemKind::InvalidGeometry,
                    Severity::Defect,
                    Detail::InvalidGeometry { why },
                ))
            })
            .collect()
    }
}
