//! The full audit of one subdistrict: projects every grid once, runs the checks
//! ([`super::checks`]) level by level, counts and sorts.

use std::collections::HashMap;
use std::time::Instant;

use geo::{Area, BoundingRect, Coord, Rect};

use super::checks::{BUILDING_LEVEL, Ctx, FULL_COVER_LEVELS, Group, nodes, project};
use super::par;
use super::report::{LevelReport, Noise, Report, Severity, SubdistrictRef};
use super::text::{Key, Lang};
use super::{Config, LocalFrame};
use crate::domain::grid::Grid;
use crate::domain::reference::Building;
use crate::domain::subdistrict::Subdistrict;
use crate::index::Atlas;

/// What an audit reads: a subdistrict, its grids and its buildings.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// The subdistrict.
    pub subdistrict: &'a Subdistrict,
    /// Its grids, any order.
    pub grids: Vec<&'a Grid>,
    /// Its buildings.
    pub buildings: Vec<&'a Building>,
}

impl<'a> Input<'a> {
    /// Everything the atlas holds for one subdistrict.
    pub fn from_atlas(atlas: &'a Atlas, subdistrict: i64) -> Option<Self> {
        let s = atlas.subdistrict(subdistrict)?;
        let grids = atlas
            .grids(Some(subdistrict), None, None, None)
            .into_iter()
            .map(|g| &g.grid)
            .collect();
        let buildings = atlas
            .buildings_in(None)
            .into_iter()
            .filter(|b| b.subdistrict_id == subdistrict)
            .map(|b| &**b)
            .collect();
        Some(Self {
            subdistrict: s,
            grids,
            buildings,
        })
    }
}

/// The frame every measure of a subdistrict is taken in: tangent at the centre of
/// its bounding box.
pub(super) fn frame_of(s: &Subdistrict) -> LocalFrame {
    LocalFrame::around(
        s.boundary
            .bounding_rect()
            .unwrap_or_else(|| Rect::new(Coord::zero(), Coord::zero())),
    )
}

/// Audits a subdistrict.
///
/// # Examples
/// ```
/// let (s, grids, buildings) = gridd::coverage::synthetic::hierarchy(&gridd::coverage::synthetic::Spec::small());
/// let input = gridd::coverage::Input {
///     subdistrict: &s,
///     grids: grids.iter().collect(),
///     buildings: buildings.iter().collect(),
/// };
/// let report = gridd::coverage::audit(&input, &Default::default());
/// assert!(report.is_clean(), "{:?}", report.problems().next());
/// // areas in m²: the small synthetic subdistrict is 1.2 km × 1 km
/// assert!((report.levels[0].covered_area_m2 / 1.2e6 - 1.0).abs() < 0.01);
/// ```
pub fn audit(input: &Input<'_>, config: &Config) -> Report {
    let t0 = Instant::now();
    let s = input.subdistrict;
    let frame = frame_of(s);
    let mut timings = Vec::new();
    let mut lap = {
        let mut t = Instant::now();
        move |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
            timings.push((name, t.elapsed().as_secs_f64() * 1000.0));
            t = Instant::now();
        }
    };
    let (boundary, _) = project(&frame, &s.boundary);
    let nodes = nodes(&frame, &input.grids);
    lap("project", &mut timings);
    let ctx = Ctx::new(&frame, &boundary, &nodes, config, &s.code);
    let deepest = nodes.iter().map(|n| n.grid.draft.level).max().unwrap_or(0);
    let mut levels = Vec::new();
    for l in 1..=deepest {
        let (report, groups_ms) = level(&ctx, l);
        timings.push((LEVEL_GROUPS[usize::from(l.clamp(1, 5)) - 1], groups_ms));
        lap(LEVEL_NAMES[usize::from(l.clamp(1, 5)) - 1], &mut timings);
        levels.push(report);
    }
    ctx.grid_rules(&mut levels);
    lap("validity and codes", &mut timings);
    let mut households: HashMap<usize, i64> = HashMap::new();
    if let Some(l3) = levels.get_mut(usize::from(BUILDING_LEVEL) - 1) {
        let (problems, from_buildings) = ctx.buildings(&input.buildings);
        households = from_buildings;
        l3.problems.extend(problems);
    }
    lap("buildings", &mut timings);
    ctx.size_rule(&mut levels, &households);

    let mut defects = 0;
    let mut warnings = 0;
    for l in &mut levels {
        finish_level(l);
        defects += l.defects;
        warnings += l.warnings;
    }
    Report {
        subdistrict: SubdistrictRef {
            id: s.id,
            code: s.code.clone(),
            name: s.name.clone(),
            area_m2: boundary.unsigned_area(),
        },
        config: *config,
        method: METHOD,
        defects,
        warnings,
        buildings: input.buildings.len(),
        levels,
        elapsed_ms: t0.elapsed().as_secs_f64() * 1000.0,
        timings_ms: timings,
    }
}

const LEVEL_GROUPS: [&str; 5] = [
    "L1 gaps and nesting",
    "L2 gaps and nesting",
    "L3 gaps and nesting",
    "L4 gaps and nesting",
    "L5 gaps and nesting",
];
const LEVEL_NAMES: [&str; 5] = ["L1 total", "L2 total", "L3 total", "L4 total", "L5 total"];

/// How measures are taken, as the report states it.
pub(super) const METHOD: &str = Key::Method.text(Lang::En);

/// A level's report with nothing counted yet.
pub(super) fn empty_level(level: u8) -> LevelReport {
    LevelReport {
        level,
        grids: 0,
        target_area_m2: 0.0,
        covered_area_m2: 0.0,
        coverage_ratio: 0.0,
        households: 0,
        defects: 0,
        warnings: 0,
        noise: Noise::default(),
        problems: Vec::new(),
    }
}

/// Gaps, nesting and overlaps of one level, and the time the parent groups took.
fn level(ctx: &Ctx, level: u8) -> (LevelReport, f64) {
    let of_level = ctx.of_level(level);
    // Parent groups: the subdistrict for L1, every grid one level up otherwise.
    let empty: &[usize] = &[];
    let groups: Vec<Group> = if level == 1 {
        let roots = ctx.children.get(&None).map_or(empty, Vec::as_slice);
        vec![Group {
            parent: None,
            children: roots,
        }]
    } else {
        ctx.of_level(level - 1)
            .into_iter()
            .map(|p| Group {
                parent: Some(p),
                children: ctx
                    .children
                    .get(&Some(ctx.nodes[p].grid.id))
                    .map_or(empty, Vec::as_slice),
            })
            .filter(|g| level <= FULL_COVER_LEVELS || !g.children.is_empty())
            .collect()
    };
    let mut report = LevelReport {
        grids: of_level.len(),
        ..empty_level(level)
    };
    let t = Instant::now();
    let results = par::map(&groups, |g| ctx.group(level, g));
    let groups_ms = t.elapsed().as_secs_f64() * 1000.0;
    for (target, covered, problems, gap_noise, out_noise) in results {
        report.target_area_m2 += target;
        report.covered_area_m2 += covered;
        report.problems.extend(problems);
        report.noise.gaps += gap_noise.count;
        report.noise.gap_area_m2 += gap_noise.area;
        report.noise.outside += out_noise.count;
        report.noise.outside_area_m2 += out_noise.area;
    }
    let (problems, noise) = ctx.overlaps(level, &of_level, None);
    report.problems.extend(problems);
    report.noise.overlaps += noise.count;
    report.noise.overlap_area_m2 += noise.area;
    report.coverage_ratio = if report.target_area_m2 > 0.0 {
        report.covered_area_m2 / report.target_area_m2
    } else {
        0.0
    };
    (report, groups_ms)
}

/// Sorts problems (defects first, then kind, then largest first) and counts them.
pub(super) fn finish_level(l: &mut LevelReport) {
    l.problems.sort_by(|a, b| {
        (a.severity, a.kind)
            .cmp(&(b.severity, b.kind))
            .then(
                b.area_m2
                    .unwrap_or(0.0)
                    .total_cmp(&a.area_m2.unwrap_or(0.0)),
            )
            .then(a.grids.cmp(&b.grids))
    });
    l.defects = l
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Defect)
        .count();
    l.warnings = l.problems.len() - l.defects;
}
