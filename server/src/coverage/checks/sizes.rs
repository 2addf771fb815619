//! The size rule (clause 5.2.4): an L3 `residential` grid holds about 300
//! households, a `scattered` one about 100; the households of every level are
//! counted on the way.

use std::collections::HashMap;

use super::{BUILDING_LEVEL, Ctx};
use crate::coverage::report::{Detail, LevelReport, ProblemKind, Severity};
use crate::domain::grid::GridKind;

impl Ctx<'_, '_> {
    /// Households per level (given, or counted from buildings) and the size rule
    /// on L3 grids of kind residential or scattered.
    pub fn size_rule(&self, levels: &mut [LevelReport], from_buildings: &HashMap<usize, i64>) {
        // Per grid: the sum of its children's figures when any child has one (the
        // roll-up of `domain::grid::rolled_households`), else its own (given, or
        // counted from buildings); deepest level first.
        let mut rolled: Vec<Option<i64>> = vec![None; self.nodes.len()];
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.nodes[i].grid.draft.level));
        for i in order {
            let g = self.nodes[i].grid;
            let own = g
                .draft
                .households
                .map(i64::from)
                .or_else(|| from_buildings.get(&i).copied());
            let kids = self
                .children
                .get(&Some(g.id))
                .map_or(&[][..], Vec::as_slice);
            let known: Vec<i64> = kids.iter().filter_map(|&c| rolled[c]).collect();
            rolled[i] = if known.is_empty() {
                own
            } else {
                Some(known.iter().sum())
            };
        }
        for l in levels.iter_mut() {
            l.households = self
                .nodes
                .iter()
                .zip(&rolled)
                .filter(|(n, _)| n.grid.draft.level == l.level)
                .map(|(_, h)| h.unwrap_or(0))
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
                    Detail::TooManyHouseholds {
                        grid_kind: d.kind,
                        households: h,
                        most: hi,
                        about,
                        parts,
                    },
                ));
            } else if h < lo {
                let siblings = d
                    .parent_id
                    .and_then(|p| self.children.get(&Some(p)))
                    .map_or(0, |c| c.len().saturating_sub(1));
                // With nothing to merge it with at this level, the planner judges.
                let severity = if siblings > 0 {
                    Severity::Defect
                } else {
                    Severity::Warning
                };
                l3.problems.push(self.grid_problem(
                    n,
                    ProblemKind::TooFewHouseholds,
                    severity,
                    Detail::TooFewHouseholds {
                        grid_kind: d.kind,
                        households: h,
                        least: lo,
                        about,
                        only_child: siblings == 0,
                    },
                ));
            }
        }
    }
}
