//! Who may see or act on a case: one rule for the case reads, the live feed and
//! the case tiles. A role other than department over the case's grid (or its
//! subdistrict) covers it; a department account covers only the cases
//! dispatched to a unit it acts for.

use std::collections::HashSet;

use super::{Case, Unit};
use crate::domain::access::{Action, Principal, Resource, Role, authorize};
use crate::domain::grid::{GridId, SubdistrictId};

/// A caller's view of cases, with the units it acts for already looked up.
#[derive(Debug)]
pub struct CaseScope<'a> {
    who: &'a Principal,
    /// The caller without its department grants, when it holds one.
    others: Option<Principal>,
    /// `(subdistrict, unit code)` of every unit the caller acts for.
    units: HashSet<(SubdistrictId, String)>,
}

impl<'a> CaseScope<'a> {
    /// Whether `who` holds a department grant (then [`CaseScope::new`] needs the
    /// units it acts for).
    pub fn needs_units(who: &Principal) -> bool {
        who.grants.iter().any(|g| g.role == Role::Department)
    }

    /// The scope of `who`, acting for `units` (`(subdistrict, code)`; ignored
    /// without a department grant).
    pub fn new(who: &'a Principal, units: HashSet<(SubdistrictId, String)>) -> Self {
        let others = Self::needs_units(who).then(|| Principal {
            grants: who
                .grants
                .iter()
                .copied()
                .filter(|g| g.role != Role::Department)
                .collect(),
            ..who.clone()
        });
        Self { who, others, units }
    }

    /// Whether the caller may take `action` on a case of `subdistrict` whose grid
    /// path is `path` (leaf first) and which is dispatched to `dispatched`.
    pub fn may(
        &self,
        action: Action,
        subdistrict: SubdistrictId,
        path: &[GridId],
        dispatched: &[Unit],
    ) -> bool {
        let res = if path.is_empty() {
            Resource::Subdistrict(subdistrict)
        } else {
            Resource::Grid { subdistrict, path }
        };
        let Some(others) = &self.others else {
            return authorize(self.who, action, res).is_ok();
        };
        if authorize(others, action, res).is_ok() {
            return true;
        }
        if authorize(self.who, action, res).is_err() {
            return false;
        }
        dispatched.iter().any(|u| match u {
            Unit::Department { code } => self.units.contains(&(subdistrict, code.clone())),
            Unit::Grid { .. } => false,
        })
    }

    /// [`CaseScope::may`] for a whole case.
    pub fn may_case(&self, action: Action, c: &Case) -> bool {
        let path: Vec<GridId> = c.grid_path.iter().rev().copied().collect();
        self.may(action, c.subdistrict_id, &path, &c.units)
    }
}
