//! Team problems in the audit (10.2, issue 14): a grid whose team misses a role
//! its level requires is a defect of its level, listed like a gap. The teams
//! are not in the atlas: the caller hands their problems in
//! ([`crate::teams::team_problems`]), and only for a subdistrict that keeps its
//! staff in gridd (see `docs/teams.md`).

use super::report::{Detail, GridRef, Problem, ProblemKind, Report, Severity};
use super::text::{self, Lang};
use crate::teams::TeamProblem;

/// Adds each team problem to its level's report (a level not yet in the report
/// is left out: the audit lists every level that has grids), counting it as a
/// defect, worded in `lang`.
pub fn add_team_problems(report: &mut Report, problems: &[TeamProblem], lang: Lang) {
    for t in problems {
        let Some(level) = report.levels.iter_mut().find(|l| l.level == t.level) else {
            continue;
        };
        let p = text::worded(
            Problem {
                kind: ProblemKind::TeamIncomplete,
                severity: Severity::Defect,
                level: t.level,
                grids: vec![GridRef {
                    id: t.grid_id,
                    code: t.code.clone(),
                }],
                building_id: None,
                geometry: None,
                area_m2: None,
                width_m: None,
                message: String::new(),
                fix: String::new(),
                bbox: None,
                detail: Detail::TeamIncomplete {
                    missing: t.missing.clone(),
                },
            },
            lang,
        );
        // Defects first, as the audit orders them.
        let at = level
            .problems
            .iter()
            .position(|q| q.severity != Severity::Defect)
            .unwrap_or(level.problems.len());
        level.problems.insert(at, p);
        level.defects += 1;
        report.defects += 1;
    }
}
