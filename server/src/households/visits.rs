//! Household visits (走访) and who is due: every household at least twice a
//! calendar year (DB32/T 2763-2015, 11.1.3), every special household at least once
//! a quarter (Annex A item 16: 季度走访率 100 %). Years and quarters are those of
//! Asia/Shanghai (UTC+08:00 all year): a visit at 2026-03-31 23:30 +08:00 is one of
//! the first quarter of 2026, though it is 15:30 UTC.
//!
//! [`compliance`] takes the households (their grid and kinds), the visits and a
//! time "now", and answers each household's standing for the year and its
//! quarters, rolled up per grid (each grid counts every household at or below it,
//! through a parent map), per worker (the households of the grids they are on)
//! and for the whole. One pass over the visits, one over the households (each
//! counted once, into its own grid), then one per grid households lie in.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::household::SpecialKinds;
use crate::cases::calendar::CHINA_OFFSET;
use crate::domain::grid::GridId;
use crate::error::FieldError;

/// A worker (an account's or a staff member's id).
pub type WorkerId = i64;

/// Visits a year every household needs (11.1.3).
pub const VISITS_PER_YEAR: u32 = 2;
/// How far past the server's clock a visit's time may be (a phone's clock runs
/// ahead by seconds or minutes); anything later is "in the future" and refused.
pub const CLOCK_SLACK_SECS: i64 = 300;
/// Longest note (characters).
pub const MAX_NOTE: usize = 2000;
/// Most photos on one visit.
pub const MAX_PHOTOS: usize = 9;

/// What came of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 入户走访: somebody of the household was met.
    Visited,
    /// 未遇: nobody was home.
    NotHome,
    /// 拒访: the household declined.
    Declined,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 3] = [Outcome::Visited, Outcome::NotHome, Outcome::Declined];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Visited => "visited",
            Outcome::NotHome => "not_home",
            Outcome::Declined => "declined",
        }
    }

    /// The Chinese name.
    pub fn title_zh(self) -> &'static str {
        match self {
            Outcome::Visited => "入户走访",
            Outcome::NotHome => "未遇",
            Outcome::Declined => "拒访",
        }
    }

    /// Whether it counts towards the rules: only a visit that met the household.
    /// An attempt is recorded, but the household is still due.
    pub fn counts(self) -> bool {
        self == Outcome::Visited
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// A visit, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// Store id (0 before it is stored).
    pub id: i64,
    /// The household visited.
    pub household_id: i64,
    /// Who visited.
    pub worker_id: WorkerId,
    /// When (Unix seconds).
    pub at: i64,
    /// What came of it.
    pub outcome: Outcome,
    /// Note (may be empty; personal data, shown only within scope).
    pub note: String,
    /// Photos (ids of stored photos).
    #[serde(default)]
    pub photos: Vec<i64>,
    /// Whether the household's record was confirmed at the visit (Annex A item 15:
    /// accuracy of the information collected).
    #[serde(default)]
    pub record_confirmed: bool,
    /// The case the visit opened, when it opened one.
    #[serde(default)]
    pub case_id: Option<i64>,
}

/// A visit as sent, before [`check_visit`] (the worker is the caller).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct VisitDraft {
    /// The household visited.
    pub household_id: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// What came of it.
    pub outcome: Outcome,
    /// Note.
    #[serde(default)]
    pub note: String,
    /// Photos.
    #[serde(default)]
    pub photos: Vec<i64>,
    /// Whether the record was confirmed.
    #[serde(default)]
    pub record_confirmed: bool,
}

/// Checks a visit by `worker` at server time `now`: the household must exist, the
/// time must not be in the future (past [`CLOCK_SLACK_SECS`]), the note short and
/// without control characters other than line breaks, at most [`MAX_PHOTOS`].
pub fn check_visit(
    d: &VisitDraft,
    worker: WorkerId,
    now: i64,
    household_known: &dyn Fn(i64) -> bool,
) -> Result<Visit, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !household_known(d.household_id) {
        errors.push(FieldError::new("household_id", "no such household"));
    }
    if d.at > now + CLOCK_SLACK_SECS {
        errors.push(FieldError::new(
            "at",
            format!(
                "is in the future ({} s after the server's clock); a visit is recorded once made",
                d.at - now
            ),
        ));
    }
    let note = d.note.trim_end();
    if let Err(e) = crate::domain::text::check_text("note", note, true) {
        errors.push(e);
    }
    let n = note.chars().count();
    if n > MAX_NOTE {
        errors.push(FieldError::new(
            "note",
            format!("is {n} characters long; at most {MAX_NOTE}"),
        ));
    }
    if d.photos.len() > MAX_PHOTOS {
        errors.push(FieldError::new(
            "photos",
            format!("at most {MAX_PHOTOS} photos"),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Visit {
        id: 0,
        household_id: d.household_id,
        worker_id: worker,
        at: d.at.min(now),
        outcome: d.outcome,
        note: note.to_owned(),
        photos: d.photos.clone(),
        record_confirmed: d.record_confirmed,
        case_id: None,
    })
}

/// The Unix second Asia/Shanghai's `date` begins.
fn start_of(date: NaiveDate) -> i64 {
    date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()
        - i64::from(CHINA_OFFSET.local_minus_utc())
}

/// Where `year`'s quarters begin and the year ends, in Unix seconds: `[Q1, Q2, Q3,
/// Q4, next year]`, Asia/Shanghai. `None` for a year chrono cannot hold.
pub fn quarter_starts(year: i32) -> Option<[i64; 5]> {
    let q = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).map(start_of);
    Some([
        q(year, 1)?,
        q(year, 4)?,
        q(year, 7)?,
        q(year, 10)?,
        q(year.checked_add(1)?, 1)?,
    ])
}

/// The year and quarter (1–4) a Unix second falls in, Asia/Shanghai.
pub fn year_quarter(at: i64) -> (i32, u8) {
    use chrono::Datelike;
    let local = chrono::DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .with_timezone(&CHINA_OFFSET);
    #[allow(clippy::cast_possible_truncation)] // 1–4
    let q = (local.month0() / 3 + 1) as u8;
    (local.year(), q)
}

/// How a household stands against one rule's window (a year or a quarter),
/// declared from the least to the most pressing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The rule does not apply: the window ended before the household was on
    /// record, or (quarters) the household is not special.
    NotRequired,
    /// The window has not begun.
    NotYet,
    /// Met.
    Done,
    /// Open, not yet met.
    Due,
    /// Closed without being met.
    Overdue,
}

impl Standing {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::NotRequired => "not_required",
            Standing::NotYet => "not_yet",
            Standing::Done => "done",
            Standing::Due => "due",
            Standing::Overdue => "overdue",
        }
    }

    fn of(start: i64, end: i64, got: u32, needed: u32, since: i64, now: i64) -> Standing {
        if end <= since {
            Standing::NotRequired
        } else if got >= needed {
            Standing::Done
        } else if now < start {
            Standing::NotYet
        } else if now >= end {
            Standing::Overdue
        } else {
            Standing::Due
        }
    }
}

/// A household as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    /// Its id.
    pub household_id: i64,
    /// The (childless) grid it lies in.
    pub grid_id: GridId,
    /// Its special kinds; any makes it visited every quarter.
    pub special: SpecialKinds,
    /// When it was put on record (Unix seconds): a window that ended before is not
    /// required of it.
    pub since: i64,
}

/// What [`compliance`] needs of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitMark {
    /// The household visited.
    pub household_id: i64,
    /// Who visited.
    pub worker_id: WorkerId,
    /// When (Unix seconds).
    pub at: i64,
    /// What came of it.
    pub outcome: Outcome,
}

impl From<&Visit> for VisitMark {
    fn from(v: &Visit) -> VisitMark {
        VisitMark {
            household_id: v.household_id,
            worker_id: v.worker_id,
            at: v.at,
            outcome: v.outcome,
        }
    }
}

/// One household's standing in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HouseholdStatus {
    /// The household.
    pub household_id: i64,
    /// Its grid.
    pub grid_id: GridId,
    /// Whether it is special.
    pub special: bool,
    /// Visits that count, in the year up to now.
    pub visits: u32,
    /// The newest of them.
    pub last_visit: Option<i64>,
    /// The twice-a-year rule (11.1.3).
    pub year: Standing,
    /// The quarterly rule (Annex A 16), per quarter; `NotRequired` for a household
    /// that is not special.
    pub quarters: [Standing; 4],
}

impl HouseholdStatus {
    /// Its standing for the year as a whole: the worst of its rules (overdue, then
    /// due, then done, then not yet) — a special household that missed a quarter
    /// stays overdue for the year.
    pub fn overall(&self) -> Standing {
        // The variants are declared in that order.
        std::iter::once(self.year)
            .chain(self.quarters)
            .max()
            .unwrap_or(Standing::NotRequired)
    }

    /// Its standing in quarter `q` (1–4): a special household's quarterly rule; a
    /// household that is not special is judged by its year (due all year until
    /// visited twice, overdue once the year is over).
    pub fn in_quarter(&self, q: u8) -> Standing {
        match self.quarters.get(usize::from(q.wrapping_sub(1))) {
            Some(&s) if self.special => s,
            _ => self.year,
        }
    }

    /// Visits still needed for the twice-a-year rule.
    pub fn visits_needed(&self) -> u32 {
        VISITS_PER_YEAR.saturating_sub(self.visits)
    }
}

/// A quarter's special households.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QuarterTally {
    /// Special households the quarter's rule applies to (on record before its end).
    pub required: u32,
    /// Visited in the quarter.
    pub done: u32,
    /// Open and not yet visited.
    pub due: u32,
    /// Closed without a visit.
    pub overdue: u32,
}

/// Households of a scope (a grid with everything below it, a worker's grids, the
/// whole) counted by standing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Households.
    pub households: u32,
    /// Special households among them.
    pub special: u32,
    /// Households by [`HouseholdStatus::overall`].
    pub done: u32,
    /// Due (overall).
    pub due: u32,
    /// Overdue (overall).
    pub overdue: u32,
    /// Households the twice-a-year rule applies to.
    pub year_required: u32,
    /// Of those, visited twice.
    pub year_done: u32,
    /// Counting visits to these households in the year.
    pub visits: u32,
    /// The quarterly rule, per quarter.
    pub quarters: [QuarterTally; 4],
}

impl Tally {
    fn add(&mut self, s: &HouseholdStatus, overall: Standing) {
        self.households += 1;
        self.special += u32::from(s.special);
        match overall {
            Standing::Done => self.done += 1,
            Standing::Due => self.due += 1,
            Standing::Overdue => self.overdue += 1,
            Standing::NotYet | Standing::NotRequired => {}
        }
        if s.year != Standing::NotRequired {
            self.year_required += 1;
            self.year_done += u32::from(s.year == Standing::Done);
        }
        self.visits += s.visits;
        for (t, q) in self.quarters.iter_mut().zip(s.quarters) {
            match q {
                Standing::Done => t.done += 1,
                Standing::Due => t.due += 1,
                Standing::Overdue => t.overdue += 1,
                Standing::NotYet | Standing::NotRequired => continue,
            }
            t.required += 1;
        }
    }

    fn merge(&mut self, o: &Tally) {
        self.households += o.households;
        self.special += o.special;
        self.done += o.done;
        self.due += o.due;
        self.overdue += o.overdue;
        self.year_required += o.year_required;
        self.year_done += o.year_done;
        self.visits += o.visits;
        for (t, x) in self.quarters.iter_mut().zip(&o.quarters) {
            t.required += x.required;
            t.done += x.done;
            t.due += x.due;
            t.overdue += x.overdue;
        }
    }

    /// Share of households visited twice this year (11.1.3); `None` without any.
    pub fn year_rate(&self) -> Option<f64> {
        (self.year_required > 0).then(|| f64::from(self.year_done) / f64::from(self.year_required))
    }

    /// Share of special households visited in quarter `q` (1–4) among those the
    /// quarter has begun for (Annex A 16, against 100 %); `None` without any.
    pub fn quarter_rate(&self, q: u8) -> Option<f64> {
        let t = self.quarters.get(usize::from(q.wrapping_sub(1)))?;
        (t.required > 0).then(|| f64::from(t.done) / f64::from(t.required))
    }
}

/// A worker's scope: the households of the grids they are on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WorkerTally {
    /// Their households by standing (visits by anybody count).
    pub households: Tally,
    /// Counting visits they made in the year up to now, to any of the households
    /// given (also outside their grids).
    pub visits_made: u32,
}

/// The year's standing of every household and the roll-ups.
#[derive(Debug, Clone, PartialEq)]
pub struct Compliance {
    /// The year.
    pub year: i32,
    /// As of when (Unix seconds).
    pub now: i64,
    /// Every household, in the order given.
    pub households: Vec<HouseholdStatus>,
    /// Per grid, every household at or below it (through the parent map).
    pub by_grid: HashMap<GridId, Tally>,
    /// Per worker on a team.
    pub by_worker: HashMap<WorkerId, WorkerTally>,
    /// All households.
    pub total: Tally,
    /// Each household's grid, as an index into `leaf_paths`.
    household_leaf: Vec<u32>,
    /// Each grid households lie in, with its ancestors (itself first).
    leaf_paths: Vec<Vec<GridId>>,
}

impl Compliance {
    /// The households of `grid` (at or below it) whose standing in `quarter` (1–4,
    /// or the year's overall standing for `None`) is `standing`: the due and
    /// overdue lists.
    pub fn list(
        &self,
        grid: Option<GridId>,
        quarter: Option<u8>,
        standing: Standing,
    ) -> impl Iterator<Item = &HouseholdStatus> + '_ {
        // Which of the households' grids lie at or below `grid`: once per grid.
        let inside: Option<Vec<bool>> =
            grid.map(|g| self.leaf_paths.iter().map(|p| p.contains(&g)).collect());
        self.households
            .iter()
            .zip(&self.household_leaf)
            .filter(move |(h, leaf)| {
                let s = match quarter {
                    Some(q) => h.in_quarter(q),
                    None => h.overall(),
                };
                s == standing && inside.as_ref().is_none_or(|inside| inside[**leaf as usize])
            })
            .map(|(h, _)| h)
    }
}

/// Most levels a grid path is followed up (the tree has five; a cycle in a broken
/// parent map stops here).
const MAX_DEPTH: usize = 16;

/// Every household's standing in `year` as of `now`, with the roll-ups. `parent`
/// maps a grid to its parent (the roots have none); `teams` maps a grid to the
/// workers on it (who answer for its households and those below it). Visits after
/// `now`, outside the year, of unknown households or that do not count
/// ([`Outcome::counts`]) are left out.
pub fn compliance<I>(
    year: i32,
    now: i64,
    subjects: &[Subject],
    visits: I,
    parent: &HashMap<GridId, GridId>,
    teams: &HashMap<GridId, Vec<WorkerId>>,
) -> Compliance
where
    I: IntoIterator<Item = VisitMark>,
{
    let Some(q) = quarter_starts(year) else {
        return Compliance {
            year,
            now,
            households: Vec::new(),
            by_grid: HashMap::new(),
            by_worker: HashMap::new(),
            total: Tally::default(),
            household_leaf: Vec::new(),
            leaf_paths: Vec::new(),
        };
    };
    let index: HashMap<i64, u32> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| (s.household_id, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();

    // One pass over the visits: counts per household and quarter.
    let mut counts = vec![(0u32, [false; 4], None::<i64>); subjects.len()];
    let mut made: HashMap<WorkerId, u32> = HashMap::new();
    for v in visits {
        if !v.outcome.counts() || v.at > now || v.at < q[0] || v.at >= q[4] {
            continue;
        }
        let Some(&i) = index.get(&v.household_id) else {
            continue;
        };
        let c = &mut counts[i as usize];
        c.0 += 1;
        let quarter = q[1..4].iter().take_while(|&&s| v.at >= s).count();
        c.1[quarter] = true;
        c.2 = Some(c.2.map_or(v.at, |l: i64| l.max(v.at)));
        *made.entry(v.worker_id).or_default() += 1;
    }

    // Each household counted once, into its own grid's tally.
    let mut leaf_index: HashMap<GridId, u32> = HashMap::new();
    let mut leaves: Vec<(GridId, Tally)> = Vec::new();
    let mut household_leaf = Vec::with_capacity(subjects.len());
    let mut total = Tally::default();
    let mut households = Vec::with_capacity(subjects.len());
    for (s, (n, visited, last)) in subjects.iter().zip(counts) {
        let special = s.special.is_special();
        let quarters = std::array::from_fn(|k| {
            if special {
                Standing::of(q[k], q[k + 1], u32::from(visited[k]), 1, s.since, now)
            } else {
                Standing::NotRequired
            }
        });
        let status = HouseholdStatus {
            household_id: s.household_id,
            grid_id: s.grid_id,
            special,
            visits: n,
            last_visit: last,
            year: Standing::of(q[0], q[4], n, VISITS_PER_YEAR, s.since, now),
            quarters,
        };
        let overall = status.overall();
        total.add(&status, overall);
        let leaf = *leaf_index.entry(s.grid_id).or_insert_with(|| {
            leaves.push((s.grid_id, Tally::default()));
            u32::try_from(leaves.len() - 1).unwrap_or(u32::MAX)
        });
        leaves[leaf as usize].1.add(&status, overall);
        household_leaf.push(leaf);
        households.push(status);
    }

    // Then each grid's tally into its ancestors' and its workers' (each worker once
    // per grid, though on several grids of its path).
    let mut by_grid: HashMap<GridId, Tally> = HashMap::new();
    let mut by_worker: HashMap<WorkerId, WorkerTally> = HashMap::new();
    let mut leaf_paths = Vec::with_capacity(leaves.len());
    let mut workers: Vec<WorkerId> = Vec::new();
    for (grid, tally) in &leaves {
        let mut path = vec![*grid];
        while path.len() < MAX_DEPTH {
            match path.last().and_then(|g| parent.get(g)) {
                Some(&p) if !path.contains(&p) => path.push(p),
                _ => break,
            }
        }
        workers.clear();
        workers.extend(path.iter().filter_map(|g| teams.get(g)).flatten());
        workers.sort_unstable();
        workers.dedup();
        for g in &path {
            by_grid.entry(*g).or_default().merge(tally);
        }
        for w in &workers {
            by_worker.entry(*w).or_default().households.merge(tally);
        }
        leaf_paths.push(path);
    }
    for ws in teams.values() {
        for w in ws {
            by_worker.entry(*w).or_default().visits_made = made.get(w).copied().unwrap_or(0);
        }
    }
    Compliance {
        year,
        now,
        households,
        by_grid,
        by_worker,
        total,
        household_leaf,
        leaf_paths,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
