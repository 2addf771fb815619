//! The weekly patrol audit of 11.2.1 (Annex A item 8): per grid and ISO week, the
//! patrols, who made them, the time and distance inside; the grids under the
//! weekly minimum (two), per week, per worker and per L2/L1 grid.
//!
//! **Weeks** are ISO 8601 weeks (Monday to Sunday) in China Standard Time, the
//! fixed UTC+08:00 of the case calendar ([`CHINA_OFFSET`]): a week begins on Monday
//! 00:00 +08:00, which is Sunday 16:00 UTC. A patrol belongs to the week of its
//! start (a patrol from Sunday 23:50 to Monday 00:20 is the earlier week's).
//!
//! **Two rules, two views.** A grid is *short* in a week when all its workers'
//! patrols in it number fewer than [`AuditRules::min_per_week`] (Annex A item 8 is
//! scored per L3 grid). A worker is short in one of their grids when the patrols
//! *they* made there number fewer (11.2.1: every grid worker patrols their area);
//! the worker rows list those grids. Parents (L2, L1) count the audited grids below
//! them and the short ones.
//!
//! **Speed.** Patrols are found by one [`Detector`] pass per worker, workers in
//! parallel ([`crate::coverage::par::map`]); the rest is per patrol and per grid,
//! never per fix.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::patrol::{Detector, OwnGrids, Patrol, PatrolRules, PlacedFix};
use super::{AccountId, GridTree, Millis};
use crate::cases::calendar::CHINA_OFFSET;
use crate::coverage::par;
use crate::domain::access::{Grant, Role, Scope};
use crate::domain::grid::GridId;
use crate::index::IdMap;

/// An ISO 8601 week in China Standard Time, shown `2026-W49`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Week {
    /// The ISO week-numbering year.
    pub year: i32,
    /// 1 to 53.
    pub week: u32,
}

const MS_PER_WEEK: Millis = 7 * 86_400_000;

impl Week {
    /// The week holding an instant (ms since the epoch); instants chrono cannot
    /// represent give the week of the epoch.
    pub fn of(ms: Millis) -> Self {
        let local = DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .with_timezone(&CHINA_OFFSET);
        let w = local.iso_week();
        Self {
            year: w.year(),
            week: w.week(),
        }
    }

    /// The week, if it exists (week 53 only in long years).
    pub fn new(year: i32, week: u32) -> Option<Self> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|_| Self { year, week })
    }

    /// Its Monday, local date.
    pub fn monday(self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or_default()
    }

    /// Its first instant: Monday 00:00 +08:00, ms since the epoch.
    pub fn start_ms(self) -> Millis {
        let offset = Millis::from(CHINA_OFFSET.local_minus_utc()) * 1000;
        self.monday()
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp_millis()
            - offset
    }

    /// The first instant after it (the next Monday 00:00 +08:00).
    pub fn end_ms(self) -> Millis {
        self.start_ms() + MS_PER_WEEK
    }

    /// The week after.
    #[must_use]
    pub fn next(self) -> Self {
        Self::of(self.end_ms())
    }

    /// Every week meeting `[from_ms, to_ms)`, in order.
    pub fn range(from_ms: Millis, to_ms: Millis) -> Vec<Self> {
        let mut out = Vec::new();
        if to_ms <= from_ms {
            return out;
        }
        let mut w = Self::of(from_ms);
        while w.start_ms() < to_ms {
            out.push(w);
            w = w.next();
        }
        out
    }
}

impl fmt::Display for Week {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

impl FromStr for Week {
    type Err = String;

    /// `2026-W49` (also `2026W49`, `2026-w49`).
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not an ISO week such as 2026-W49");
        let (y, w) = s.split_once(['W', 'w']).ok_or_else(bad)?;
        let y: i32 = y.trim_end_matches('-').parse().map_err(|_| bad())?;
        let w: u32 = w.parse().map_err(|_| bad())?;
        Self::new(y, w).ok_or_else(|| format!("{y} has no week {w}"))
    }
}

impl Serialize for Week {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Week {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The rules of the audit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditRules {
    /// What a patrol is.
    pub patrol: PatrolRules,
    /// Patrols a grid (and a worker in each of their grids) needs per week
    /// (default 2, clause 11.2.1).
    pub min_per_week: u32,
}

impl Default for AuditRules {
    fn default() -> Self {
        Self {
            patrol: PatrolRules::default(),
            min_per_week: 2,
        }
    }
}

/// One worker's track for the audit.
#[derive(Debug, Clone, Copy)]
pub struct WorkerTrack<'a> {
    /// The grid worker.
    pub worker: AccountId,
    /// The grids they are assigned to (any level).
    pub grids: &'a [GridId],
    /// Their counted fixes in time order, placed.
    pub fixes: &'a [PlacedFix],
}

/// A grid in a week.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GridWeek {
    /// The grid.
    #[schema(value_type = i64)]
    pub grid: GridId,
    /// The week.
    #[schema(value_type = String, example = "2026-W49")]
    pub week: Week,
    /// Patrols in it that week (by all its workers).
    pub patrols: u32,
    /// The workers who made them, ascending.
    pub patrolled_by: Vec<AccountId>,
    /// The workers assigned to it, ascending.
    pub workers: Vec<AccountId>,
    /// Time on patrol inside it, ms.
    pub duration_ms: Millis,
    /// Distance on patrol inside it, metres.
    pub distance_m: f64,
    /// Fewer patrols than the rule asks.
    pub short: bool,
}

/// One of a worker's grids in a week.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WorkerGridWeek {
    /// The grid.
    #[schema(value_type = i64)]
    pub grid: GridId,
    /// Patrols the worker made in it.
    pub patrols: u32,
    /// Fewer than the rule asks.
    pub short: bool,
}

/// A worker in a week.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WorkerWeek {
    /// The grid worker.
    pub worker: AccountId,
    /// The week.
    #[schema(value_type = String, example = "2026-W49")]
    pub week: Week,
    /// Each of their grids, ascending by id.
    pub grids: Vec<WorkerGridWeek>,
    /// Their patrols that week, in all their grids.
    pub patrols: u32,
    /// How many of their grids they patrolled fewer times than the rule asks.
    pub short: u32,
}

/// An L2 or L1 grid in a week: its audited grids below and the short ones.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ParentWeek {
    /// The L2 or L1 grid.
    #[schema(value_type = i64)]
    pub grid: GridId,
    /// 2 or 1.
    pub level: u8,
    /// The week.
    #[schema(value_type = String, example = "2026-W49")]
    pub week: Week,
    /// Audited grids below it.
    pub grids: u32,
    /// Those short that week, ascending.
    pub short_grids: Vec<GridId>,
}

/// The audit of a period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WeeklyAudit {
    /// The rules applied.
    pub rules: AuditRules,
    /// The weeks audited, in order.
    #[schema(value_type = Vec<String>)]
    pub weeks: Vec<Week>,
    /// Every patrol starting in those weeks, by worker then time.
    pub patrols: Vec<Patrol>,
    /// Each audited grid in each week: by week, then grid id.
    pub grids: Vec<GridWeek>,
    /// Each worker in each week: by week, then worker id.
    pub workers: Vec<WorkerWeek>,
    /// Each L2 and L1 grid above an audited grid in each week: by week, level
    /// (L2 first), grid id.
    pub parents: Vec<ParentWeek>,
}

impl WeeklyAudit {
    /// The short grid-weeks.
    pub fn short_grids(&self) -> impl Iterator<Item = &GridWeek> {
        self.grids.iter().filter(|g| g.short)
    }

    /// A grid's row in a week.
    pub fn grid(&self, grid: GridId, week: Week) -> Option<&GridWeek> {
        self.grids.iter().find(|g| g.grid == grid && g.week == week)
    }

    /// A worker's row in a week.
    pub fn worker(&self, worker: AccountId, week: Week) -> Option<&WorkerWeek> {
        self.workers
            .iter()
            .find(|w| w.worker == worker && w.week == week)
    }
}

/// A grid worker's own grids from their grants: the grids they hold
/// `grid_worker` over (a grant over a subdistrict or everything names no grid of
/// their own), ascending.
pub fn own_grids(grants: &[Grant]) -> Vec<GridId> {
    let mut out: Vec<GridId> = grants
        .iter()
        .filter(|g| g.role == Role::GridWorker)
        .filter_map(|g| match g.scope {
            Scope::Grid(id) => Some(id),
            _ => None,
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Every worker's patrols, one detector pass per worker, workers in parallel; in
/// the tracks' order, each worker's in time order.
pub fn patrols(tracks: &[WorkerTrack<'_>], tree: &GridTree, rules: PatrolRules) -> Vec<Patrol> {
    par::map(tracks, |t| {
        let mut d = Detector::new(t.worker, OwnGrids::new(t.grids, tree), rules);
        let mut out: Vec<Patrol> = t.fixes.iter().filter_map(|f| d.push(f)).collect();
        out.extend(d.finish());
        out
    })
    .into_iter()
    .flatten()
    .collect()
}

/// The audit of `weeks` over `grids` (the grids audited, e.g. every L3 grid) from
/// the workers' tracks. Patrols starting outside those weeks are left out; patrols
/// in a worker's grid that is not audited count in the worker's rows only.
pub fn audit(
    tracks: &[WorkerTrack<'_>],
    grids: &[GridId],
    tree: &GridTree,
    weeks: &[Week],
    rules: AuditRules,
) -> WeeklyAudit {
    let workers: Vec<(AccountId, &[GridId])> = tracks.iter().map(|t| (t.worker, t.grids)).collect();
    tally(
        patrols(tracks, tree, rules.patrol),
        &workers,
        grids,
        tree,
        weeks,
        rules,
    )
}

/// The audit from patrols already found ([`patrols`], or [`Detector`]s fed as the
/// fixes are read): `workers` are the workers audited with their grids (any
/// level), `grids` the grids audited. Patrols starting outside `weeks` are left
/// out; the rest as [`audit`].
pub fn tally(
    found: Vec<Patrol>,
    workers: &[(AccountId, &[GridId])],
    grids: &[GridId],
    tree: &GridTree,
    weeks: &[Week],
    rules: AuditRules,
) -> WeeklyAudit {
    let mut weeks = weeks.to_vec();
    weeks.sort_unstable();
    weeks.dedup();
    let week_index = |w: Week| weeks.binary_search(&w).ok();

    let mut found: Vec<Patrol> = found
        .into_iter()
        .filter(|p| week_index(Week::of(p.start_ms)).is_some())
        .collect();
    found.sort_by_key(|p| (p.worker, p.start_ms));

    // Who is assigned where.
    let mut assigned: IdMap<Vec<AccountId>> = IdMap::default();
    for (w, own) in workers {
        for &g in *own {
            assigned.entry(g).or_default().push(*w);
        }
    }
    for v in assigned.values_mut() {
        v.sort_unstable();
        v.dedup();
    }

    // Patrols by (grid, week) and by (worker, grid, week).
    struct Acc {
        patrols: u32,
        by: Vec<AccountId>,
        duration_ms: Millis,
        distance_m: f64,
    }
    let mut by_grid: BTreeMap<(usize, GridId), Acc> = BTreeMap::new();
    let mut by_worker: BTreeMap<(usize, AccountId, GridId), u32> = BTreeMap::new();
    for p in &found {
        let Some(wi) = week_index(Week::of(p.start_ms)) else {
            continue;
        };
        let a = by_grid.entry((wi, p.grid)).or_insert(Acc {
            patrols: 0,
            by: Vec::new(),
            duration_ms: 0,
            distance_m: 0.0,
        });
        a.patrols += 1;
        a.by.push(p.worker);
        a.duration_ms += p.duration_ms;
        a.distance_m += p.distance_m;
        *by_worker.entry((wi, p.worker, p.grid)).or_default() += 1;
    }

    let mut audited = grids.to_vec();
    audited.sort_unstable();
    audited.dedup();
    let min = rules.min_per_week;

    let mut grid_rows = Vec::with_capacity(weeks.len() * audited.len());
    let mut parents: BTreeMap<(usize, u8, GridId), (u32, Vec<GridId>)> = BTreeMap::new();
    for (wi, &week) in weeks.iter().enumerate() {
        for &g in &audited {
            let (patrols, mut by, duration_ms, distance_m) = match by_grid.remove(&(wi, g)) {
                Some(a) => (a.patrols, a.by, a.duration_ms, a.distance_m),
                None => (0, Vec::new(), 0, 0.0),
            };
            by.sort_unstable();
            by.dedup();
            let short = patrols < min;
            for level in [2u8, 1] {
                if tree.level(g) > level
                    && let Some(p) = tree.ancestor_at(g, level)
                {
                    let e = parents.entry((wi, level, p)).or_default();
                    e.0 += 1;
                    if short {
                        e.1.push(g);
                    }
                }
            }
            grid_rows.push(GridWeek {
                grid: g,
                week,
                patrols,
                patrolled_by: by,
                workers: assigned.get(&g).cloned().unwrap_or_default(),
                duration_ms,
                distance_m,
                short,
            });
        }
    }

    let mut workers: Vec<(AccountId, Vec<GridId>)> = workers
        .iter()
        .map(|(w, own)| {
            let mut g = own.to_vec();
            g.sort_unstable();
            g.dedup();
            (*w, g)
        })
        .collect();
    workers.sort_by_key(|(w, _)| *w);
    workers.dedup_by_key(|(w, _)| *w);
    let mut worker_rows = Vec::with_capacity(weeks.len() * workers.len());
    for (wi, &week) in weeks.iter().enumerate() {
        for (w, own) in &workers {
            let grids: Vec<WorkerGridWeek> = own
                .iter()
                .map(|&g| {
                    let patrols = by_worker.get(&(wi, *w, g)).copied().unwrap_or(0);
                    WorkerGridWeek {
                        grid: g,
                        patrols,
                        short: patrols < min,
                    }
                })
                .collect();
            worker_rows.push(WorkerWeek {
                worker: *w,
                week,
                patrols: grids.iter().map(|g| g.patrols).sum(),
                short: grids.iter().filter(|g| g.short).count() as u32,
                grids,
            });
        }
    }

    let parent_rows = parents
        .into_iter()
        .map(|((wi, level, grid), (n, short_grids))| ParentWeek {
            grid,
            level,
            week: weeks[wi],
            grids: n,
            short_grids,
        })
        .collect();
    // BTreeMap order is (week, level ascending): put L2 before L1 within a week.
    let mut parent_rows: Vec<ParentWeek> = parent_rows;
    parent_rows.sort_by_key(|p| (p.week, std::cmp::Reverse(p.level), p.grid));

    WeeklyAudit {
        rules,
        weeks,
        patrols: found,
        grids: grid_rows,
        workers: worker_rows,
        parents: parent_rows,
    }
}
