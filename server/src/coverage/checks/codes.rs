//! Parents and codes: every grid below L1 has a parent one level up, every code
//! follows the coding rule with its parent's code as prefix, and no two grids of
//! the subdistrict share a code (clause 5.1.4, docs/grid-codes.md).

use std::collections::BTreeMap;

use super::Ctx;
use crate::coverage::report::{Detail, GridRef, Problem, ProblemKind, Severity};
use crate::domain::code;

impl Ctx<'_, '_> {
    /// Parent and code problems in node order, then duplicate codes in code order.
    pub(super) fn codes(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        for n in self.nodes {
            let d = &n.grid.draft;
            let bad_parent =
                |detail| self.grid_problem(n, ProblemKind::BadParent, Severity::Defect, detail);
            let parent = match d.parent_id {
                None if d.level == 1 => Some((0u8, self.subdistrict_code.clone())),
                None => {
                    out.push(bad_parent(Detail::NoParent));
                    None
                }
                Some(pid) => match self.by_id.get(&pid).map(|&p| &self.nodes[p]) {
                    None => {
                        out.push(bad_parent(Detail::MissingParent { parent_id: pid }));
                        None
                    }
                    Some(p) => Some((p.grid.draft.level, p.grid.draft.code.clone())),
                },
            };
            let Some((plevel, pcode)) = parent else {
                continue;
            };
            if plevel + 1 != d.level {
                out.push(bad_parent(Detail::ParentLevel {
                    parent_level: plevel,
                }));
            } else if let Err(e) = code::check_grid_code("code", &d.code, d.level, &pcode) {
                let kind = if e.reason.contains("must start with") {
                    ProblemKind::CodePrefix
                } else {
                    ProblemKind::MalformedCode
                };
                out.push(self.grid_problem(
                    n,
                    kind,
                    Severity::Defect,
                    Detail::Code {
                        reason: e.reason,
                        parent_code: pcode,
                    },
                ));
            }
        }
        let mut by_code: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            by_code
                .entry(n.grid.draft.code.as_str())
                .or_default()
                .push(i);
        }
        for ids in by_code.values().filter(|v| v.len() > 1) {
            let grids: Vec<GridRef> = ids.iter().map(|&i| self.nodes[i].gref()).collect();
            let mut p = self.grid_problem(
                &self.nodes[ids[0]],
                ProblemKind::DuplicateCode,
                Severity::Defect,
                Detail::DuplicateCode,
            );
            p.grids = grids;
            // worded again: the words name every grid of the code
            out.push(super::english(p));
        }
        out
    }
}
