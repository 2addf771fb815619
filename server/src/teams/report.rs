//! What the teams add up to: the grids whose team misses a role (10.2), the
//! share of subdistrict-office and community staff assigned to grids (10.1,
//! Annex A item 3: at least 85 %) and the share of grids published (4.4, Annex
//! A item 6: 100 %).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use super::roles::{Assignment, Role, missing_roles};
use super::{Staff, StaffId};

/// 10.1: at least 85 % of the subdistrict office's and communities' staff in grids.
pub const STAFFING_TARGET: f64 = 0.85;
/// Annex A item 6: every grid's information published.
pub const PUBLISHED_TARGET: f64 = 1.0;

/// What the reports need of a grid (from the atlas).
#[derive(Debug, Clone, Copy)]
pub struct GridFacts<'a> {
    /// Its id.
    pub id: i64,
    /// Its code.
    pub code: &'a str,
    /// Its name.
    pub name: &'a str,
    /// 1–5.
    pub level: u8,
    /// Whether it has a boundary to show (a polygon of positive area).
    pub has_boundary: bool,
}

/// A grid whose team misses roles 10.2 requires of its level.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TeamProblem {
    /// The grid.
    pub grid_id: i64,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its level.
    pub level: u8,
    /// The roles no serving member holds, in the standard's order.
    pub missing: Vec<Role>,
    /// 缺少：街道领导、科室负责人.
    pub message: String,
}

/// A share against its target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Share {
    /// What counts (staff in a grid; grids published).
    pub part: usize,
    /// Out of (staff of the subdistrict office and communities; grids).
    pub whole: usize,
    /// `part / whole`; none when `whole` is 0.
    pub ratio: Option<f64>,
    /// The standard's target (0.85; 1.0).
    pub target: f64,
    /// Whether the ratio reaches the target (never with nothing to count).
    pub meets: bool,
}

impl Share {
    /// `part` of `whole` against `target`.
    pub fn new(part: usize, whole: usize, target: f64) -> Share {
        let ratio = (whole > 0).then(|| part as f64 / whole as f64);
        Share {
            part,
            whole,
            ratio,
            target,
            // 17 of 20 is 0.85 exactly in decimal; allow the float's last bit.
            meets: ratio.is_some_and(|r| r + 1e-12 >= target),
        }
    }
}

/// Each grid of levels 1–3 whose team misses a role, in the grids' order.
pub fn team_problems<'s>(
    grids: &[GridFacts<'_>],
    teams: &HashMap<i64, Vec<Assignment>>,
    staff: impl Fn(StaffId) -> Option<&'s Staff> + Copy,
) -> Vec<TeamProblem> {
    let none = Vec::new();
    grids
        .iter()
        .filter_map(|g| {
            let missing = missing_roles(g.level, teams.get(&g.id).unwrap_or(&none), staff);
            (!missing.is_empty()).then(|| TeamProblem {
                grid_id: g.id,
                code: g.code.to_owned(),
                name: g.name.to_owned(),
                level: g.level,
                message: missing_message(&missing),
                missing,
            })
        })
        .collect()
}

/// 团队缺少：街道领导、科室负责人（第 10.2 条）.
pub fn missing_message(missing: &[Role]) -> String {
    let names: Vec<&str> = missing.iter().map(|r| r.title_zh()).collect();
    format!("网格团队缺少：{}（第 10.2 条）", names.join("、"))
}

/// 10.1: of the serving staff of the subdistrict office and communities, how
/// many are in at least one team of these grids.
pub fn staffing_share(
    staff: &[Staff],
    grids: &[GridFacts<'_>],
    teams: &HashMap<i64, Vec<Assignment>>,
) -> Share {
    let in_grids: HashSet<StaffId> = grids
        .iter()
        .filter_map(|g| teams.get(&g.id))
        .flatten()
        .map(|a| a.staff_id)
        .collect();
    let counted = staff
        .iter()
        .filter(|s| s.active && s.employer.counts_for_share());
    let whole = counted.clone().count();
    let part = counted.filter(|s| in_grids.contains(&s.id)).count();
    Share::new(part, whole, STAFFING_TARGET)
}

/// Whether a grid is published (网格公示): it has a boundary to show and its
/// team holds every role 10.2 requires of its level (levels 4 and 5 require
/// none), so its page shows where it is, its duties and whom to call.
pub fn published<'s>(
    g: &GridFacts<'_>,
    team: &[Assignment],
    staff: impl Fn(StaffId) -> Option<&'s Staff>,
) -> bool {
    g.has_boundary && missing_roles(g.level, team, staff).is_empty()
}

/// Grids published, of all the grids.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Published {
    /// Grids published against every grid (target 100 %).
    pub share: Share,
    /// The ids of the grids not published.
    pub unpublished: Vec<i64>,
}

/// Annex A item 6: the share of grids published.
pub fn published_share<'s>(
    grids: &[GridFacts<'_>],
    teams: &HashMap<i64, Vec<Assignment>>,
    staff: impl Fn(StaffId) -> Option<&'s Staff> + Copy,
) -> Published {
    let none = Vec::new();
    let unpublished: Vec<i64> = grids
        .iter()
        .filter(|g| !published(g, teams.get(&g.id).unwrap_or(&none), staff))
        .map(|g| g.id)
        .collect();
    Published {
        share: Share::new(
            grids.len() - unpublished.len(),
            grids.len(),
            PUBLISHED_TARGET,
        ),
        unpublished,
    }
}
