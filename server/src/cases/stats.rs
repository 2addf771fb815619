//! The evaluation of case handling (综合评价, DB32/T 2763-2015, 11.6.9; Annex A
//! item 17): counts and rates over the cases filed in a period, in total and by grid,
//! unit, category or month. The rates are the ones Chinese digital city management
//! reports (结案率, 按期结案率, 返工率, 超期率); the definitions below are the
//! product's.
//!
//! # Which cases count
//!
//! The input is the cases, the moment `now` and a period `[from, to)`, all in Unix
//! seconds. A case belongs to the period when it was filed (`filed_at`) at or after
//! `from` and before `to`. Cases that were never filed — still reported (信息收集),
//! refused (不予立案) or merged into another case as a duplicate (合并) — are not
//! counted at all, whatever their `filed_at` says.
//!
//! # Counts
//!
//! - `cases` (立案数): the cases of the period.
//! - `due` (应结案数): the cases whose deadline is before `min(now, to)`, or that are
//!   resolved (closed 核查结案, explained 解释备案 or evaluated 综合评价). A case still
//!   running whose deadline has not passed is not due; neither is one deferred now
//!   (缓办: it has no deadline while deferred) unless it is resolved.
//! - `closed` (结案数): the due cases that are resolved. A case explained and filed
//!   (11.3.3) counts as resolved.
//! - `on_time_base` (按期结案基数): the due cases never deferred.
//! - `closed_on_time` (按期结案数): the resolved cases resolved by their deadline
//!   (`on_time`), never deferred. Cases ever deferred are out of both the numerator
//!   and the denominator of the on-time rate: their deadline was moved by an approved
//!   deferral, so "on time" says nothing about the handling.
//! - `reworked` (返工案卷数): the due cases sent back at least once (`rework > 0`);
//!   `reworks` (返工次数): the sends-back of the due cases together.
//! - `overdue` (超期数): the due cases that are late: resolved after their deadline
//!   (`on_time` false), or still open with their deadline before `now`.
//! - `open` (在办数): the cases of the period still being worked on (deferred ones
//!   included).
//! - `escalated` (督办数): the cases under supervision (`supervision >= 1`: 督办 by
//!   the command center or above); `leading_group` (领导小组): those handed to the
//!   leading group (`supervision >= 2`).
//!
//! # Rates
//!
//! Rates are fractions from 0 to 1 rounded to 4 decimals, `None` when the
//! denominator is 0:
//!
//! - 结案率 `closing_rate` = `closed / due`;
//! - 按期结案率 `on_time_rate` = `closed_on_time / on_time_base`;
//! - 返工率 `rework_rate` = `reworked / due`;
//! - 超期率 `overdue_rate` = `overdue / due`.
//!
//! `mean_handling_hours` (平均处置工时) is the mean of the working seconds from
//! filing to resolution (`handling_secs`, deferrals excluded) over the resolved cases
//! that have it, in hours rounded to 2 decimals; `None` when there is none.
//!
//! # Grouping
//!
//! `total` counts each case once. The rows ([`GroupBy`]) are sorted by key:
//!
//! - `grid`: a case counts in every grid of its `grid_path`, so an L1 grid's figures
//!   include the cases of its L2 and L3 grids; the key is the grid id in decimals,
//!   rows sorted by id as a number.
//! - `unit`: a case counts under every unit it is dispatched to; the key is the
//!   unit's display (`grid:12`, `department:emergency`).
//! - `category`: by category code.
//! - `month`: by the month of `filed_at` in China time (UTC+08:00), `2026-10`.
//! - `none`: no rows, only the total.
//!
//! [`to_csv`] writes the rows and then the total (key `all`) for a spreadsheet.

use std::collections::{BTreeMap, BTreeSet};

use super::{Case, Stage};

/// How the rows of an evaluation are grouped.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// By grid, rolled up the tree (a case counts in every grid of its path).
    Grid,
    /// By responsible unit (a case counts under every unit it is dispatched to).
    Unit,
    /// By category code.
    Category,
    /// By month of filing, China time (UTC+08:00).
    Month,
    /// No rows: the total only.
    None,
}

impl GroupBy {
    /// The name used in queries.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Grid => "grid",
            GroupBy::Unit => "unit",
            GroupBy::Category => "category",
            GroupBy::Month => "month",
            GroupBy::None => "none",
        }
    }
}

/// The counts and rates of a set of cases (see the module documentation for the
/// definitions).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// 立案数: cases filed in the period.
    pub cases: u64,
    /// 应结案数: cases past their deadline (before `min(now, to)`) or resolved.
    pub due: u64,
    /// 结案数: due cases resolved (closed, explained or evaluated).
    pub closed: u64,
    /// 按期结案数: resolved by their deadline, never deferred.
    pub closed_on_time: u64,
    /// 按期结案基数: due cases never deferred.
    pub on_time_base: u64,
    /// 返工案卷数: due cases sent back at least once.
    pub reworked: u64,
    /// 返工次数: sends-back of the due cases together.
    pub reworks: u64,
    /// 超期数: due cases resolved late or still open past their deadline.
    pub overdue: u64,
    /// 在办数: cases still being worked on.
    pub open: u64,
    /// 督办数: cases under supervision (督办 or the leading group).
    pub escalated: u64,
    /// 领导小组: cases handed to the leading group.
    pub leading_group: u64,
    /// 结案率: `closed / due`, 0 to 1, 4 decimals.
    pub closing_rate: Option<f64>,
    /// 按期结案率: `closed_on_time / on_time_base`, 0 to 1, 4 decimals.
    pub on_time_rate: Option<f64>,
    /// 返工率: `reworked / due`, 0 to 1, 4 decimals.
    pub rework_rate: Option<f64>,
    /// 超期率: `overdue / due`, 0 to 1, 4 decimals.
    pub overdue_rate: Option<f64>,
    /// 平均处置工时: mean working hours from filing to resolution, 2 decimals.
    pub mean_handling_hours: Option<f64>,
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Row {
    /// The group: a grid id (`12`), a unit (`grid:12`, `department:emergency`), a
    /// category code, a month in China time (`2026-10`).
    pub key: String,
    /// Its figures.
    pub figures: Figures,
}

/// The evaluation of the cases filed in `[from, to)`, as seen at `now`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Evaluation {
    /// Start of the period (Unix seconds, included).
    pub from: i64,
    /// End of the period (Unix seconds, excluded).
    pub to: i64,
    /// The moment the figures are for (Unix seconds).
    pub now: i64,
    /// How the rows are grouped.
    pub group_by: GroupBy,
    /// Every case of the period, once.
    pub total: Figures,
    /// The groups, sorted by key.
    pub rows: Vec<Row>,
}

/// China time's offset from UTC (UTC+08:00, no daylight saving).
const CHINA_OFFSET_SECS: i64 = 8 * 3600;

/// Evaluates the cases filed in `[from, to)` as seen at `now`, grouped by `group_by`.
pub fn evaluate(cases: &[Case], now: i64, from: i64, to: i64, group_by: GroupBy) -> Evaluation {
    let mut total = Tally::default();
    // Grid rows are keyed by the id as a number so that they sort numerically.
    let mut by_grid: BTreeMap<i64, Tally> = BTreeMap::new();
    let mut by_text: BTreeMap<String, Tally> = BTreeMap::new();
    for c in cases.iter().filter(|c| in_period(c, from, to)) {
        total.add(c, now, to);
        match group_by {
            GroupBy::Grid => {
                let grids: BTreeSet<i64> = c.grid_path.iter().copied().collect();
                for g in grids {
                    by_grid.entry(g).or_default().add(c, now, to);
                }
            }
            GroupBy::Unit => {
                let units: BTreeSet<String> = c.units.iter().map(ToString::to_string).collect();
                for u in units {
                    by_text.entry(u).or_default().add(c, now, to);
                }
            }
            GroupBy::Category => {
                by_text
                    .entry(c.category.clone())
                    .or_default()
                    .add(c, now, to);
            }
            GroupBy::Month => {
                if let Some(at) = c.filed_at {
                    by_text.entry(month_key(at)).or_default().add(c, now, to);
                }
            }
            GroupBy::None => {}
        }
    }
    let rows = by_grid
        .into_iter()
        .map(|(g, t)| Row {
            key: g.to_string(),
            figures: t.finish(),
        })
        .chain(by_text.into_iter().map(|(key, t)| Row {
            key,
            figures: t.finish(),
        }))
        .collect();
    Evaluation {
        from,
        to,
        now,
        group_by,
        total: total.finish(),
        rows,
    }
}

/// Whether a case counts in the period: filed (not merely reported, refused or
/// merged) in `[from, to)`.
fn in_period(c: &Case, from: i64, to: i64) -> bool {
    !matches!(c.stage, Stage::Reported | Stage::Refused | Stage::Merged)
        && c.filed_at.is_some_and(|t| from <= t && t < to)
}

/// The counts as they are gathered, with the handling time's sum.
#[derive(Debug, Default)]
struct Tally {
    f: Figures,
    handling_secs: i128,
    handled: u64,
}

impl Tally {
    fn add(&mut self, c: &Case, now: i64, to: i64) {
        let f = &mut self.f;
        let resolved = c.stage.is_resolved();
        let open = c.stage.is_open();
        f.cases += 1;
        if open {
            f.open += 1;
        }
        if c.supervision >= 1 {
            f.escalated += 1;
        }
        if c.supervision >= 2 {
            f.leading_group += 1;
        }
        if resolved && let Some(s) = c.handling_secs {
            self.handling_secs += i128::from(s);
            self.handled += 1;
        }
        let due = resolved || c.deadline.is_some_and(|d| d < now.min(to));
        if !due {
            return;
        }
        f.due += 1;
        if resolved {
            f.closed += 1;
        }
        if !c.ever_deferred {
            f.on_time_base += 1;
            if resolved && c.on_time == Some(true) {
                f.closed_on_time += 1;
            }
        }
        if c.rework > 0 {
            f.reworked += 1;
        }
        f.reworks += u64::from(c.rework);
        let late = if resolved {
            c.on_time == Some(false)
        } else {
            open && c.deadline.is_some_and(|d| d < now)
        };
        if late {
            f.overdue += 1;
        }
    }

    fn finish(self) -> Figures {
        let mut f = self.f;
        f.closing_rate = rate(f.closed, f.due);
        f.on_time_rate = rate(f.closed_on_time, f.on_time_base);
        f.rework_rate = rate(f.reworked, f.due);
        f.overdue_rate = rate(f.overdue, f.due);
        f.mean_handling_hours = (self.handled > 0).then(|| {
            let hours = self.handling_secs as f64 / self.handled as f64 / 3600.0;
            round_to(hours, 100.0)
        });
        f
    }
}

/// `part / whole` rounded to 4 decimals; `None` when `whole` is 0.
fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round_to(part as f64 / whole as f64, 10_000.0))
}

fn round_to(x: f64, scale: f64) -> f64 {
    (x * scale).round() / scale
}

/// The month of a moment in China time: `2026-10`.
fn month_key(at: i64) -> String {
    let days = (at + CHINA_OFFSET_SECS).div_euclid(86_400);
    let (y, m, _) = civil_from_days(days);
    format!("{y:04}-{m:02}")
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // 0..=365
    let mp = (5 * doy + 2) / 153; // 0..=11, from March
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The CSV columns: the name the figures carry and the Chinese one.
const CSV_HEADER: &str = "key,cases,due (应结案),closed (结案),closing_rate (结案率),\
closed_on_time (按期结案),on_time_base (按期结案基数),on_time_rate (按期结案率),\
reworked (返工案卷),reworks (返工次数),rework_rate (返工率),overdue (超期),\
overdue_rate (超期率),open (在办),escalated (督办),leading_group (领导小组),\
mean_handling_hours (平均处置工时)";

/// The evaluation as CSV for a spreadsheet: UTF-8 with a byte-order mark (so Excel
/// reads the Chinese column names), CRLF line ends, a header row, one line per row
/// and the total last under the key `all`. Rates are written as decimals (4
/// places, hours 2), empty when there is none; a key a spreadsheet would run as a
/// formula (starting with `=`, `+`, `-`, `@`) gets a leading `'`.
pub fn to_csv(e: &Evaluation) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    let total = Row {
        key: "all".into(),
        figures: e.total.clone(),
    };
    for r in e.rows.iter().chain(std::iter::once(&total)) {
        csv_line(&mut out, r);
    }
    out
}

fn csv_line(out: &mut String, r: &Row) {
    let f = &r.figures;
    let rate = |x: Option<f64>| x.map(|x| format!("{x:.4}")).unwrap_or_default();
    let cells = [
        csv_field(&r.key),
        f.cases.to_string(),
        f.due.to_string(),
        f.closed.to_string(),
        rate(f.closing_rate),
        f.closed_on_time.to_string(),
        f.on_time_base.to_string(),
        rate(f.on_time_rate),
        f.reworked.to_string(),
        f.reworks.to_string(),
        rate(f.rework_rate),
        f.overdue.to_string(),
        rate(f.overdue_rate),
        f.open.to_string(),
        f.escalated.to_string(),
        f.leading_group.to_string(),
        f.mean_handling_hours
            .map(|h| format!("{h:.2}"))
            .unwrap_or_default(),
    ];
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// One text cell: text a spreadsheet would run as a formula gets a leading `'`;
/// quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::cases::{Reporter, Source, Stage, Unit, Urgency};

    // The period: October and November 2026 in China time.
    /// 2026-09-30T16:00:00Z = 2026-10-01 00:00 +08:00.
    const FROM: i64 = 1_790_784_000;
    /// 2026-11-30T16:00:00Z = 2026-12-01 00:00 +08:00.
    const TO: i64 = 1_796_054_400;
    /// 2026-11-20T00:00:00Z.
    const NOW: i64 = 1_795_132_800;
    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;

    fn dept(code: &str) -> Unit {
        Unit::Department { code: code.into() }
    }

    /// A case closed on time, every field set; the tests change what they need.
    fn base(id: i64, filed_at: i64) -> Case {
        Case {
            id,
            subdistrict_id: 1,
            number: Case::format_number(2026, id),
            version: 7,
            stage: Stage::Closed,
            source: Source::Patrol,
            category: "road".into(),
            urgency: Urgency::Normal,
            lon: 118.78,
            lat: 32.04,
            grid_path: vec![9, 10],
            address: "中山路 1 号".into(),
            description: "路面破损".into(),
            reporter: Reporter {
                name: Some("张三".into()),
                phone: Some("13812345678".into()),
                email: None,
            },
            photos: vec![1],
            media_url: None,
            attributes: vec![],
            reported_at: filed_at - 600,
            filed_at: Some(filed_at),
            deadline: Some(filed_at + 2 * DAY),
            remaining_secs: None,
            deferred_from: None,
            deferred_at: None,
            deferred_secs: 0,
            ever_deferred: false,
            units: vec![dept("emergency")],
            supervision: 0,
            rework: 0,
            merged_into: None,
            merged: vec![],
            closed_at: Some(filed_at + DAY),
            on_time: Some(true),
            handling_secs: Some(4 * HOUR),
            overdue_recorded: false,
            score: None,
            updated_at: filed_at + DAY,
        }
    }

    fn still_open(mut c: Case, stage: Stage) -> Case {
        c.stage = stage;
        c.closed_at = None;
        c.on_time = None;
        c.handling_secs = None;
        c
    }

    /// Grids: L1 9; L2 10 (with L3 100) and 11. Every counted case lies in exactly
    /// one L2 grid.
    fn cases() -> Vec<Case> {
        // A: closed on time, filed 2026-09-30T16:30:00Z (2026-10-01 00:30 China time).
        let mut a = base(1, 1_790_785_800);
        a.grid_path = vec![9, 10, 100];
        a.units = vec![Unit::Grid { grid_id: 100 }, dept("emergency")];
        a.handling_secs = Some(4 * HOUR + 1800);
        // B: evaluated, late, under 督办; filed 2026-10-15T02:00:00Z.
        let mut b = base(2, 1_792_029_600);
        b.stage = Stage::Evaluated;
        b.score = Some(3);
        b.grid_path = vec![9, 11];
        b.units = vec![dept("public_order")];
        b.on_time = Some(false);
        b.overdue_recorded = true;
        b.supervision = 1;
        b.handling_secs = Some(10 * HOUR);
        // C: explained and filed (11.3.3), no handling time; a formula-like category;
        // filed 2026-10-31T15:59:59Z (23:59:59 China time, still October).
        let mut c = base(3, 1_793_462_399);
        c.stage = Stage::Explained;
        c.category = "=HYPERLINK(\"http://x\",\"y\")".into();
        c.handling_secs = None;
        // D: open and overdue, handed to the leading group; filed
        // 2026-10-31T16:00:00Z (2026-11-01 00:00 China time).
        let mut d = still_open(base(4, 1_793_462_400), Stage::Handling);
        d.category = "noise".into();
        d.grid_path = vec![9, 11];
        d.units = vec![dept("public_order"), dept("emergency")];
        d.supervision = 2;
        d.overdue_recorded = true;
        // E: open, not yet due (deadline after `to`), sent back once; filed
        // 2026-11-18T01:00:00Z.
        let mut e = still_open(base(5, 1_794_963_600), Stage::Dispatched);
        e.category = "noise".into();
        e.grid_path = vec![9, 10, 100];
        e.units = vec![Unit::Grid { grid_id: 100 }];
        e.deadline = Some(TO + DAY);
        e.rework = 1;
        // F: deferred once, then closed on time; filed 2026-10-05T01:00:00Z.
        let mut f = base(6, 1_791_162_000);
        f.grid_path = vec![9, 11];
        f.units = vec![dept("urban")];
        f.ever_deferred = true;
        f.deferred_secs = 3 * HOUR;
        f.handling_secs = Some(6 * HOUR);
        // G: reworked twice, then closed on time, under 督办; filed
        // 2026-11-02T01:00:00Z; dispatched twice to the same unit.
        let mut g = base(7, 1_793_581_200);
        g.rework = 2;
        g.supervision = 1;
        g.units = vec![dept("emergency"), dept("emergency")];
        g.handling_secs = Some(8 * HOUR + 100);
        // Not counted: reported, never filed.
        let mut h = still_open(base(8, NOW - DAY), Stage::Reported);
        h.filed_at = None;
        h.deadline = None;
        // Not counted: merged as a duplicate (even with a filing time in the period).
        let mut i = base(9, NOW - 2 * DAY);
        i.stage = Stage::Merged;
        i.merged_into = Some(1);
        i.on_time = None;
        // Not counted: filed 2026-09-30T15:59:59Z, a second before the period.
        let j = base(10, FROM - 1);
        // Not counted: refused.
        let mut k = base(11, NOW - 3 * DAY);
        k.stage = Stage::Refused;
        vec![a, b, c, d, e, f, g, h, i, j, k]
    }

    fn row<'a>(e: &'a Evaluation, key: &str) -> &'a Figures {
        &e.rows.iter().find(|r| r.key == key).unwrap().figures
    }

    fn keys(e: &Evaluation) -> Vec<&str> {
        e.rows.iter().map(|r| r.key.as_str()).collect()
    }

    /// The counts of two figures added (rates left out).
    fn add_counts(a: &Figures, b: &Figures) -> [u64; 11] {
        let c = |f: &Figures| {
            [
                f.cases,
                f.due,
                f.closed,
                f.closed_on_time,
                f.on_time_base,
                f.reworked,
                f.reworks,
                f.overdue,
                f.open,
                f.escalated,
                f.leading_group,
            ]
        };
        let (a, b) = (c(a), c(b));
        std::array::from_fn(|i| a[i] + b[i])
    }

    fn counts(f: &Figures) -> [u64; 11] {
        add_counts(f, &Figures::default())
    }

    #[test]
    fn the_total_counts_each_filed_case_of_the_period_once() {
        let e = evaluate(&cases(), NOW, FROM, TO, GroupBy::None);
        assert_eq!(
            (e.from, e.to, e.now, e.group_by),
            (FROM, TO, NOW, GroupBy::None)
        );
        assert!(e.rows.is_empty());
        assert_eq!(
            e.total,
            Figures {
                // A B C D E F G.
                cases: 7,
                // A B C F G resolved, D past its deadline; E not yet due.
                due: 6,
                closed: 5,
                // A C G; B late, F deferred.
                closed_on_time: 3,
                // A B C D G: F was deferred.
                on_time_base: 5,
                // G (E's send-back is not counted: E is not due).
                reworked: 1,
                reworks: 2,
                // B resolved late, D open past its deadline.
                overdue: 2,
                // D E.
                open: 2,
                // B G (督办), D (领导小组).
                escalated: 3,
                leading_group: 1,
                // 5/6 = 0.83333…
                closing_rate: Some(0.8333),
                // 3/5.
                on_time_rate: Some(0.6),
                // 1/6 = 0.16666…
                rework_rate: Some(0.1667),
                // 2/6 = 0.33333…
                overdue_rate: Some(0.3333),
                // A 4.5 h, B 10 h, F 6 h, G 8 h 100 s (C has none):
                // 102 700 s / 4 / 3600 = 7.1319… h.
                mean_handling_hours: Some(7.13),
            }
        );
    }

    #[test]
    fn a_deadline_after_the_period_is_not_due_even_when_now_is_later() {
        // Ten days after the period: E's deadline (a day after `to`) has passed,
        // but it is not before min(now, to), so E is neither due nor overdue.
        let later = TO + 10 * DAY;
        let e = evaluate(&cases(), later, FROM, TO, GroupBy::None);
        assert_eq!((e.total.due, e.total.overdue, e.total.open), (6, 2, 2));
        assert_eq!(
            e.total,
            evaluate(&cases(), NOW, FROM, TO, GroupBy::None).total
        );

        // Before D's deadline (2026-11-02T16:00:00Z) D is neither due nor overdue.
        let early = 1_793_462_400 + 2 * DAY - 1;
        let e = evaluate(&cases(), early, FROM, TO, GroupBy::None);
        assert_eq!((e.total.due, e.total.overdue), (5, 1));
        assert_eq!(e.total.on_time_base, 4);
        assert_eq!(e.total.closing_rate, Some(1.0));
        assert_eq!(e.total.on_time_rate, Some(0.75));
        assert_eq!(e.total.overdue_rate, Some(0.2));
    }

    #[test]
    fn no_cases_give_zeros_and_no_rates() {
        let e = evaluate(&[], NOW, FROM, TO, GroupBy::Grid);
        assert_eq!(e.total, Figures::default());
        assert!(e.rows.is_empty());
        // Only uncounted cases: the same.
        let e = evaluate(&cases()[7..], NOW, FROM, TO, GroupBy::Unit);
        assert_eq!(e.total, Figures::default());
        assert!(e.rows.is_empty());
    }

    #[test]
    fn grids_roll_up_the_tree() {
        let e = evaluate(&cases(), NOW, FROM, TO, GroupBy::Grid);
        // Numerically, not as text ("10" < "100" < "11" < "9").
        assert_eq!(keys(&e), ["9", "10", "11", "100"]);
        // Every case lies in L1 grid 9.
        assert_eq!(row(&e, "9"), &e.total);
        // Each lies in exactly one L2 grid: 9 is the sum of 10 and 11.
        assert_eq!(
            add_counts(row(&e, "10"), row(&e, "11")),
            counts(row(&e, "9"))
        );
        assert_eq!(
            row(&e, "10"),
            &Figures {
                // A C E G.
                cases: 4,
                due: 3,
                closed: 3,
                closed_on_time: 3,
                on_time_base: 3,
                reworked: 1,
                reworks: 2,
                overdue: 0,
                open: 1,
                escalated: 1,
                leading_group: 0,
                closing_rate: Some(1.0),
                on_time_rate: Some(1.0),
                rework_rate: Some(0.3333),
                overdue_rate: Some(0.0),
                // A 16 200 s, G 28 900 s: 22 550 s = 6.2638… h.
                mean_handling_hours: Some(6.26),
            }
        );
        assert_eq!(
            row(&e, "11"),
            &Figures {
                // B D F.
                cases: 3,
                due: 3,
                closed: 2,
                closed_on_time: 0,
                on_time_base: 2,
                reworked: 0,
                reworks: 0,
                overdue: 2,
                open: 1,
                escalated: 2,
                leading_group: 1,
                closing_rate: Some(0.6667),
                on_time_rate: Some(0.0),
                rework_rate: Some(0.0),
                overdue_rate: Some(0.6667),
                // B 10 h, F 6 h.
                mean_handling_hours: Some(8.0),
            }
        );
        // L3 grid 100: A (closed) and E (open, not due).
        let g100 = row(&e, "100");
        assert_eq!((g100.cases, g100.due, g100.closed, g100.open), (2, 1, 1, 1));
        assert_eq!(g100.mean_handling_hours, Some(4.5));
    }

    #[test]
    fn a_case_counts_under_each_of_its_units() {
        let e = evaluate(&cases(), NOW, FROM, TO, GroupBy::Unit);
        assert_eq!(
            keys(&e),
            [
                "department:emergency",
                "department:public_order",
                "department:urban",
                "grid:100"
            ]
        );
        assert_eq!(
            row(&e, "department:emergency"),
            &Figures {
                // A C D G (G once, though dispatched to it twice).
                cases: 4,
                due: 4,
                closed: 3,
                closed_on_time: 3,
                on_time_base: 4,
                reworked: 1,
                reworks: 2,
                overdue: 1,
                open: 1,
                escalated: 2,
                leading_group: 1,
                closing_rate: Some(0.75),
                on_time_rate: Some(0.75),
                rework_rate: Some(0.25),
                overdue_rate: Some(0.25),
                mean_handling_hours: Some(6.26),
            }
        );
        assert_eq!(
            row(&e, "department:public_order"),
            &Figures {
                // B D.
                cases: 2,
                due: 2,
                closed: 1,
                closed_on_time: 0,
                on_time_base: 2,
                reworked: 0,
                reworks: 0,
                overdue: 2,
                open: 1,
                escalated: 2,
                leading_group: 1,
                closing_rate: Some(0.5),
                on_time_rate: Some(0.0),
                rework_rate: Some(0.0),
                overdue_rate: Some(1.0),
                mean_handling_hours: Some(10.0),
            }
        );
        // F alone: deferred, so no on-time rate.
        let urban = row(&e, "department:urban");
        assert_eq!((urban.due, urban.closed, urban.on_time_base), (1, 1, 0));
        assert_eq!(urban.closed_on_time, 0);
        assert_eq!(urban.on_time_rate, None);
        assert_eq!(urban.closing_rate, Some(1.0));
        let g100 = row(&e, "grid:100");
        assert_eq!((g100.cases, g100.due, g100.open), (2, 1, 1));
    }

    #[test]
    fn categories_group_by_code() {
        let e = evaluate(&cases(), NOW, FROM, TO, GroupBy::Category);
        assert_eq!(
            keys(&e),
            ["=HYPERLINK(\"http://x\",\"y\")", "noise", "road"]
        );
        let noise = row(&e, "noise");
        // D (due, overdue) and E (not due).
        assert_eq!((noise.cases, noise.due, noise.overdue), (2, 1, 1));
        assert_eq!(noise.closing_rate, Some(0.0));
        assert_eq!(noise.mean_handling_hours, None);
        let road = row(&e, "road");
        // A B F G.
        assert_eq!((road.cases, road.closed, road.closed_on_time), (4, 4, 2));
        assert_eq!(road.on_time_rate, Some(0.6667));
    }

    #[test]
    fn months_are_china_time() {
        let e = evaluate(&cases(), NOW, FROM, TO, GroupBy::Month);
        assert_eq!(keys(&e), ["2026-10", "2026-11"]);
        assert_eq!(
            row(&e, "2026-10"),
            &Figures {
                // A (filed 2026-09-30T16:30Z) B C (2026-10-31T15:59:59Z) F.
                cases: 4,
                due: 4,
                closed: 4,
                closed_on_time: 2,
                on_time_base: 3,
                reworked: 0,
                reworks: 0,
                overdue: 1,
                open: 0,
                escalated: 1,
                leading_group: 0,
                closing_rate: Some(1.0),
                on_time_rate: Some(0.6667),
                rework_rate: Some(0.0),
                overdue_rate: Some(0.25),
                // A 16 200 s, B 36 000 s, F 21 600 s: 24 600 s = 6.8333… h.
                mean_handling_hours: Some(6.83),
            }
        );
        assert_eq!(
            row(&e, "2026-11"),
            &Figures {
                // D (filed 2026-10-31T16:00Z) E G.
                cases: 3,
                due: 2,
                closed: 1,
                closed_on_time: 1,
                on_time_base: 2,
                reworked: 1,
                reworks: 2,
                overdue: 1,
                open: 2,
                escalated: 2,
                leading_group: 1,
                closing_rate: Some(0.5),
                on_time_rate: Some(0.5),
                rework_rate: Some(0.5),
                overdue_rate: Some(0.5),
                // G 28 900 s = 8.0277… h.
                mean_handling_hours: Some(8.03),
            }
        );
        assert_eq!(
            add_counts(row(&e, "2026-10"), row(&e, "2026-11")),
            counts(&e.total)
        );
    }

    #[test]
    fn month_keys_cross_boundaries_in_china_time() {
        // 2026-09-30T16:30:00Z is 2026-10-01 00:30 in China.
        assert_eq!(month_key(1_790_785_800), "2026-10");
        assert_eq!(month_key(1_790_783_999), "2026-09");
        // New year: 2026-12-31T16:00:00Z is 2027-01-01 00:00 in China.
        assert_eq!(month_key(1_798_732_800), "2027-01");
        assert_eq!(month_key(1_798_732_799), "2026-12");
        // Leap day 2024-02-29T12:00:00Z; the epoch; before it.
        assert_eq!(civil_from_days(1_709_208_000 / DAY), (2024, 2, 29));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(month_key(-8 * HOUR - 1), "1969-12");
    }

    #[test]
    fn rates_round_to_four_decimals() {
        assert_eq!(rate(2, 3), Some(0.6667));
        assert_eq!(rate(1, 3), Some(0.3333));
        assert_eq!(rate(1, 7), Some(0.1429));
        assert_eq!(rate(1, 20_000), Some(0.0001));
        assert_eq!(rate(1, 30_000), Some(0.0));
        assert_eq!(rate(3, 3), Some(1.0));
        assert_eq!(rate(0, 0), None);
    }

    #[test]
    fn group_by_reads_and_writes_snake_case() {
        for g in [
            GroupBy::Grid,
            GroupBy::Unit,
            GroupBy::Category,
            GroupBy::Month,
            GroupBy::None,
        ] {
            let s = serde_json::to_value(g).unwrap();
            assert_eq!(s, g.as_str());
            assert_eq!(serde_json::from_value::<GroupBy>(s).unwrap(), g);
        }
        let e = evaluate(&cases(), NOW, FROM, TO, GroupBy::Month);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["group_by"], "month");
        assert_eq!(v["total"]["closing_rate"], 0.8333);
        assert_eq!(v["rows"][0]["key"], "2026-10");
        let urban = evaluate(&cases()[5..6], NOW, FROM, TO, GroupBy::None);
        assert!(serde_json::to_value(&urban).unwrap()["total"]["on_time_rate"].is_null());
    }

    #[test]
    fn csv_has_a_bom_a_header_empty_cells_and_no_formulas() {
        let e = evaluate(&cases(), NOW, FROM, TO, GroupBy::Unit);
        let csv = to_csv(&e);
        assert!(csv.starts_with('\u{feff}'));
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(
            lines[0],
            "key,cases,due (应结案),closed (结案),closing_rate (结案率),\
             closed_on_time (按期结案),on_time_base (按期结案基数),on_time_rate (按期结案率),\
             reworked (返工案卷),reworks (返工次数),rework_rate (返工率),overdue (超期),\
             overdue_rate (超期率),open (在办),escalated (督办),leading_group (领导小组),\
             mean_handling_hours (平均处置工时)"
        );
        assert_eq!(lines[0].split(',').count(), 17);
        // Four units, the total, and the empty string after the last CRLF.
        assert_eq!(lines.len(), 1 + 4 + 1 + 1);
        assert_eq!(lines[6], "");
        assert_eq!(
            lines[1],
            "department:emergency,4,4,3,0.7500,3,4,0.7500,1,2,0.2500,1,0.2500,1,2,1,6.26"
        );
        // F's department: no on-time rate, an empty cell.
        assert_eq!(
            lines[3],
            "department:urban,1,1,1,1.0000,0,0,,0,0,0.0000,0,0.0000,0,0,0,6.00"
        );
        assert_eq!(
            lines[5],
            "all,7,6,5,0.8333,3,5,0.6000,1,2,0.1667,2,0.3333,2,3,1,7.13"
        );

        // A formula-like category is defused and quoted; no handling time: empty.
        let e = evaluate(&cases(), NOW, FROM, TO, GroupBy::Category);
        let csv = to_csv(&e);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[1],
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",1,1,1,1.0000,1,1,1.0000,0,0,0.0000,0,0.0000,0,0,0,"
        );
        // Only the header and the total when nothing is grouped or counted.
        let csv = to_csv(&evaluate(&[], NOW, FROM, TO, GroupBy::None));
        assert_eq!(csv.lines().count(), 2);
        assert!(csv.ends_with("\r\nall,0,0,0,,0,0,,0,0,,0,,0,0,0,\r\n"));
    }

    #[test]
    fn csv_fields_defuse_every_formula_lead() {
        assert_eq!(csv_field("road"), "road");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("+86"), "'+86");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
