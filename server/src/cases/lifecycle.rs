//! The closed loop of 11.6.2 as an explicit state machine. A [`Command`] names the
//! action a caller needs ([`Command::action`]), the stages it may start from
//! ([`Command::from`]) and what it requires; [`apply`] turns a case and a command
//! into the next case and the step to append to its history, or refuses with the
//! commands that *are* allowed from the current stage.
//!
//! ```text
//! reported ─file─► filed ─dispatch─► dispatched ─accept─► handling ─report_result─► result_reported
//!    │ refuse/merge    │                 │  defer ⇄ resume (clock stopped)              │ verify
//!    ▼                 ▼ explain         ▼                                              ├─ passed ─► closed ─evaluate─► evaluated
//! refused/merged    explained ◄──────────┘                                              └─ failed ─► handling (返工; 2nd failure 督办,
//!                                                                                                    failure under 督办 → 领导小组)
//! ```

use serde::{Deserialize, Serialize};

use super::calendar::Calendar;
use super::category::{Category, escalate_to};
use super::{
    Case, IMMEDIATE_SECS, MAX_NOTE, MAX_PHOTOS, Stage, StepKind, Unit, Urgency, check_text,
};
use crate::domain::access::Action;
use crate::error::FieldError;

/// A step a caller asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    /// 立案: accept and classify (the category and urgency may be corrected).
    File {
        /// A corrected category.
        #[serde(default)]
        category: Option<String>,
        /// A corrected urgency.
        #[serde(default)]
        urgency: Option<Urgency>,
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 不予立案: refuse as invalid, with a reason.
    Refuse {
        /// Why.
        #[serde(default)]
        reason: String,
    },
    /// Merge into another case as its duplicate.
    Merge {
        /// The case it duplicates (its number, e.g. `2026-000123`).
        #[serde(default)]
        into: String,
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 任务派遣: to these units (the first leads); again later to change them.
    Dispatch {
        /// The units.
        #[serde(default)]
        units: Vec<Unit>,
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// A unit accepts and goes on site.
    Accept {
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 结果反馈: the unit reports its result.
    ReportResult {
        /// What was done.
        #[serde(default)]
        note: String,
        /// Photos of the result.
        #[serde(default)]
        photos: Vec<i64>,
    },
    /// 核查: on-site verification; passed closes, failed sends back (返工).
    Verify {
        /// Whether the result meets the standard.
        passed: bool,
        /// What was found (required when failed).
        #[serde(default)]
        note: String,
        /// Photos of the site.
        #[serde(default)]
        photos: Vec<i64>,
    },
    /// 督办: escalate by hand (then to the leading group).
    Escalate {
        /// Why.
        #[serde(default)]
        note: String,
    },
    /// 缓办: defer with a reason and the approver; the clock stops.
    Defer {
        /// Why.
        #[serde(default)]
        reason: String,
        /// Who approved it.
        #[serde(default)]
        approver: String,
    },
    /// Resume a deferred case; its deadline moves by the deferral.
    Resume {
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 解释备案: cannot be solved soon; explain and file (11.3.3).
    Explain {
        /// The explanation given.
        #[serde(default)]
        explanation: String,
    },
    /// 综合评价: score a resolved case.
    Evaluate {
        /// 1 (poor) to 5 (excellent).
        score: u8,
        /// Note.
        #[serde(default)]
        note: String,
    },
}

/// Every command's name, in loop order.
pub const COMMANDS: [&str; 12] = [
    "file",
    "refuse",
    "merge",
    "dispatch",
    "accept",
    "report_result",
    "verify",
    "escalate",
    "defer",
    "resume",
    "explain",
    "evaluate",
];

/// Stages a case is worked on in (escalation and explain-and-file apply there).
const WORKING: [Stage; 4] = [
    Stage::Filed,
    Stage::Dispatched,
    Stage::Handling,
    Stage::ResultReported,
];

impl Command {
    /// Its name in the API.
    pub fn name(&self) -> &'static str {
        match self {
            Command::File { .. } => "file",
            Command::Refuse { .. } => "refuse",
            Command::Merge { .. } => "merge",
            Command::Dispatch { .. } => "dispatch",
            Command::Accept { .. } => "accept",
            Command::ReportResult { .. } => "report_result",
            Command::Verify { .. } => "verify",
            Command::Escalate { .. } => "escalate",
            Command::Defer { .. } => "defer",
            Command::Resume { .. } => "resume",
            Command::Explain { .. } => "explain",
            Command::Evaluate { .. } => "evaluate",
        }
    }

    /// Who may take it: the action the caller needs over the case's grid.
    pub fn action(&self) -> Action {
        action_of(self.name())
    }

    /// The stages it may start from.
    pub fn from(&self) -> &'static [Stage] {
        from_of(self.name())
    }

    /// The photos it attaches.
    pub fn photos(&self) -> &[i64] {
        match self {
            Command::ReportResult { photos, .. } | Command::Verify { photos, .. } => photos,
            _ => &[],
        }
    }
}

/// The action a command (by name) needs.
pub fn action_of(command: &str) -> Action {
    match command {
        "accept" | "report_result" => Action::HandleCase,
        "verify" => Action::VerifyCase,
        _ => Action::DispatchCase,
    }
}

/// The stages a command (by name) may start from.
pub fn from_of(command: &str) -> &'static [Stage] {
    match command {
        "file" | "refuse" => &[Stage::Reported],
        "merge" => &[Stage::Reported, Stage::Filed],
        "dispatch" => &[Stage::Filed, Stage::Dispatched, Stage::Handling],
        "accept" => &[Stage::Dispatched],
        "report_result" => &[Stage::Dispatched, Stage::Handling],
        "verify" => &[Stage::ResultReported],
        "escalate" => &WORKING,
        "defer" => &[Stage::Dispatched, Stage::Handling],
        "resume" => &[Stage::Deferred],
        "explain" => &[
            Stage::Filed,
            Stage::Dispatched,
            Stage::Handling,
            Stage::Deferred,
        ],
        "evaluate" => &[Stage::Closed, Stage::Explained],
        _ => &[],
    }
}

/// The commands allowed from a stage.
pub fn allowed(stage: Stage) -> Vec<&'static str> {
    COMMANDS
        .into_iter()
        .filter(|c| from_of(c).contains(&stage))
        .collect()
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Not allowed from the current stage (409): these are.
    WrongStage {
        /// The current stage.
        stage: Stage,
        /// The commands allowed from it.
        allowed: Vec<&'static str>,
    },
    /// A field is missing or wrong (422).
    Invalid(Vec<FieldError>),
}

/// What the step records, before the store numbers it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepDraft {
    /// What happened.
    pub kind: StepKind,
    /// Stage before (`None` for the report).
    pub from: Option<Stage>,
    /// Stage after.
    pub to: Stage,
    /// Note.
    pub note: String,
    /// Photos.
    pub photos: Vec<i64>,
    /// What it decided.
    pub detail: serde_json::Value,
}

/// What [`apply`] needs besides the case and the command.
pub struct Context<'a> {
    /// Now, Unix seconds.
    pub now: i64,
    /// The business calendar.
    pub calendar: &'a Calendar,
    /// The case's category — for `file`, the corrected one when given.
    pub category: &'a Category,
}

fn utc(t: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t, 0).unwrap_or_default()
}

/// The deadline of a case filed at `filed` (9.3.3.1: same-day cases by the end of
/// the working day, immediate ones within two clock hours; never later than the
/// category's working hours).
pub fn deadline(cal: &Calendar, filed: i64, hours: u32, urgency: Urgency) -> i64 {
    let base = cal
        .add_working_seconds(utc(filed), i64::from(hours) * 3600)
        .timestamp();
    match urgency {
        Urgency::Normal => base,
        Urgency::SameDay => base.min(cal.end_of_working_day(utc(filed)).timestamp()),
        Urgency::Immediate => base.min(filed + IMMEDIATE_SECS),
    }
}

fn required(field: &str, v: &str, e: &mut Vec<FieldError>) {
    if v.trim().is_empty() {
        e.push(FieldError::new(field, "required"));
    }
    check_text(field, v, MAX_NOTE, e);
}

/// Checks a command's own fields (before looking at any case).
pub fn check(cmd: &Command) -> Result<(), Vec<FieldError>> {
    let mut e = Vec::new();
    match cmd {
        Command::File { note, .. }
        | Command::Accept { note }
        | Command::Resume { note }
        | Command::Merge { note, .. }
        | Command::Evaluate { note, .. } => check_text("note", note, MAX_NOTE, &mut e),
        Command::Refuse { reason } => required("reason", reason, &mut e),
        Command::Dispatch { units, note } => {
            check_text("note", note, MAX_NOTE, &mut e);
            if units.is_empty() {
                e.push(FieldError::new("units", "dispatch to at least one unit"));
            }
            if units.len() > 10 {
                e.push(FieldError::new("units", "at most 10 units"));
            }
            for (i, u) in units.iter().enumerate() {
                if units[..i].contains(u) {
                    e.push(FieldError::new(format!("units[{i}]"), "named twice"));
                }
            }
        }
        Command::ReportResult { note, .. } => required("note", note, &mut e),
        Command::Verify { passed, note, .. } => {
            if *passed {
                check_text("note", note, MAX_NOTE, &mut e);
            } else {
                required("note", note, &mut e);
            }
        }
        Command::Escalate { note } => required("note", note, &mut e),
        Command::Defer { reason, approver } => {
            required("reason", reason, &mut e);
            required("approver", approver, &mut e);
        }
        Command::Explain { explanation } => required("explanation", explanation, &mut e),
    }
    if let Command::Merge { into, .. } = cmd
        && into.trim().is_empty()
    {
        e.push(FieldError::new(
            "into",
            "the number of the case it duplicates",
        ));
    }
    if let Command::Evaluate { score, .. } = cmd
        && !(1..=5).contains(score)
    {
        e.push(FieldError::new("score", "a score from 1 to 5"));
    }
    if cmd.photos().len() > MAX_PHOTOS {
        e.push(FieldError::new(
            "photos",
            format!("at most {MAX_PHOTOS} photos"),
        ));
    }
    if e.is_empty() { Ok(()) } else { Err(e) }
}

/// Resolves a case at `now`: closed, on time or not, its handling time.
fn resolve(c: &mut Case, ctx: &Context<'_>) {
    c.closed_at = Some(ctx.now);
    c.on_time = c.deadline.map(|d| ctx.now <= d);
    if let Some(filed) = c.filed_at {
        let worked = ctx.calendar.working_seconds(utc(filed), utc(ctx.now));
        c.handling_secs = Some((worked - c.deferred_secs).max(0));
    }
}

/// Raises supervision by one level and adds the unit it goes to.
fn raise(c: &mut Case) -> Option<Unit> {
    if c.supervision >= 2 {
        return None;
    }
    c.supervision += 1;
    let to = escalate_to(c.supervision, &c.grid_path)?;
    if !c.units.contains(&to) {
        c.units.push(to.clone());
    }
    Some(to)
}

/// Applies a command to a case: the next case (version + 1) and the step to append.
pub fn apply(case: &Case, cmd: &Command, ctx: &Context<'_>) -> Result<(Case, StepDraft), Refusal> {
    if !cmd.from().contains(&case.stage) {
        return Err(Refusal::WrongStage {
            stage: case.stage,
            allowed: allowed(case.stage),
        });
    }
    check(cmd).map_err(Refusal::Invalid)?;
    let mut c = case.clone();
    let from = case.stage;
    let mut note = String::new();
    let mut detail = serde_json::Value::Null;
    let kind = match cmd {
        Command::File {
            urgency, note: n, ..
        } => {
            c.category = ctx.category.code.clone();
            c.urgency = urgency.unwrap_or(c.urgency);
            c.filed_at = Some(ctx.now);
            let due = deadline(ctx.calendar, ctx.now, ctx.category.hours, c.urgency);
            c.deadline = Some(due);
            c.stage = Stage::Filed;
            note.clone_from(n);
            detail = serde_json::json!({
                "category": c.category,
                "urgency": c.urgency,
                "hours": ctx.category.hours,
                "deadline": due,
            });
            StepKind::File
        }
        Command::Refuse { reason } => {
            c.stage = Stage::Refused;
            c.closed_at = Some(ctx.now);
            note.clone_from(reason);
            StepKind::Refuse
        }
        Command::Merge { into, note: n } => {
            c.stage = Stage::Merged;
            c.closed_at = Some(ctx.now);
            c.deadline = None;
            note.clone_from(n);
            detail = serde_json::json!({ "into": into });
            StepKind::Merge
        }
        Command::Dispatch { units, note: n } => {
            c.units.clone_from(units);
            if c.stage == Stage::Filed {
                c.stage = Stage::Dispatched;
            }
            note.clone_from(n);
            detail = serde_json::json!({ "units": units });
            StepKind::Dispatch
        }
        Command::Accept { note: n } => {
            c.stage = Stage::Handling;
            note.clone_from(n);
            StepKind::Accept
        }
        Command::ReportResult { note: n, .. } => {
            c.stage = Stage::ResultReported;
            note.clone_from(n);
            StepKind::ReportResult
        }
        Command::Verify {
            passed: true,
            note: n,
            ..
        } => {
            c.stage = Stage::Closed;
            resolve(&mut c, ctx);
            note.clone_from(n);
            detail = serde_json::json!({ "passed": true, "on_time": c.on_time });
            StepKind::Close
        }
        Command::Verify {
            passed: false,
            note: n,
            ..
        } => {
            c.stage = Stage::Handling;
            c.rework += 1;
            // 11.6.8: a second failure is escalated (督办); a failure under
            // escalation goes to the leading group.
            let to = if c.supervision >= 1 || c.rework >= 2 {
                raise(&mut c)
            } else {
                None
            };
            note.clone_from(n);
            detail = serde_json::json!({
                "passed": false,
                "rework": c.rework,
                "supervision": c.supervision,
                "escalated_to": to,
            });
            StepKind::SendBack
        }
        Command::Escalate { note: n } => {
            let Some(to) = raise(&mut c) else {
                return Err(Refusal::Invalid(vec![FieldError::new(
                    "action",
                    "already with the leading group (领导小组); nothing is above it",
                )]));
            };
            note.clone_from(n);
            detail = serde_json::json!({ "supervision": c.supervision, "escalated_to": to });
            StepKind::Escalate
        }
        Command::Defer { reason, approver } => {
            let now = utc(ctx.now);
            let remaining = match c.deadline {
                Some(d) if d > ctx.now => ctx.calendar.working_seconds(now, utc(d)),
                _ => 0,
            };
            c.remaining_secs = Some(remaining);
            c.deferred_from = Some(c.stage);
            c.deferred_at = Some(ctx.now);
            c.deadline = None;
            c.ever_deferred = true;
            c.stage = Stage::Deferred;
            note.clone_from(reason);
            detail = serde_json::json!({ "approver": approver, "remaining_secs": remaining });
            StepKind::Defer
        }
        Command::Resume { note: n } => {
            let since = c.deferred_at.unwrap_or(ctx.now);
            let stopped = ctx.calendar.working_seconds(utc(since), utc(ctx.now));
            c.deferred_secs += stopped;
            let remaining = c.remaining_secs.unwrap_or(0);
            let due = if remaining > 0 {
                ctx.calendar
                    .add_working_seconds(utc(ctx.now), remaining)
                    .timestamp()
            } else {
                ctx.now
            };
            c.deadline = Some(due);
            c.stage = c.deferred_from.unwrap_or(Stage::Handling);
            c.deferred_from = None;
            c.deferred_at = None;
            c.remaining_secs = None;
            note.clone_from(n);
            detail = serde_json::json!({ "deferred_secs": stopped, "deadline": due });
            StepKind::Resume
        }
        Command::Explain { explanation } => {
            if c.stage == Stage::Deferred {
                let since = c.deferred_at.unwrap_or(ctx.now);
                c.deferred_secs += ctx.calendar.working_seconds(utc(since), utc(ctx.now));
                c.deferred_from = None;
                c.deferred_at = None;
                c.remaining_secs = None;
            }
            c.stage = Stage::Explained;
            resolve(&mut c, ctx);
            note.clone_from(explanation);
            StepKind::Explain
        }
        Command::Evaluate { score, note: n } => {
            c.stage = Stage::Evaluated;
            c.score = Some(*score);
            note.clone_from(n);
            detail = serde_json::json!({ "score": score });
            StepKind::Evaluate
        }
    };
    c.version += 1;
    c.updated_at = ctx.now;
    let to = c.stage;
    Ok((
        c,
        StepDraft {
            kind,
            from: Some(from),
            to,
            note,
            photos: cmd.photos().to_vec(),
            detail,
        },
    ))
}

/// The step the system records when a case's deadline has passed (known to the
/// second): once per case, escalating it (督办) if nobody has.
pub fn mark_overdue(case: &Case, now: i64) -> Option<(Case, StepDraft)> {
    if case.overdue_recorded || !case.is_overdue(now) {
        return None;
    }
    let mut c = case.clone();
    c.overdue_recorded = true;
    let to = if c.supervision == 0 {
        raise(&mut c)
    } else {
        None
    };
    c.version += 1;
    c.updated_at = now;
    Some((
        c.clone(),
        StepDraft {
            kind: StepKind::Overdue,
            from: Some(case.stage),
            to: case.stage,
            note: String::new(),
            photos: Vec::new(),
            detail: serde_json::json!({
                "deadline": case.deadline,
                "supervision": c.supervision,
                "escalated_to": to,
            }),
        },
    ))
}

/// The step recorded on a case when a duplicate is merged into it.
pub fn absorb(case: &Case, duplicate: &Case, now: i64) -> (Case, StepDraft) {
    let mut c = case.clone();
    if !c.merged.contains(&duplicate.id) {
        c.merged.push(duplicate.id);
    }
    c.version += 1;
    c.updated_at = now;
    (
        c,
        StepDraft {
            kind: StepKind::Absorb,
            from: Some(case.stage),
            to: case.stage,
            note: String::new(),
            photos: Vec::new(),
            detail: serde_json::json!({ "duplicate": duplicate.number, "duplicate_id": duplicate.id }),
        },
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::cases::category::default_categories;
    use crate::cases::{Intake, Reporter, Source};

    /// 2026-11-02 (Monday) 09:00 +08:00.
    const MONDAY_9: i64 = 1_793_581_200;

    fn base() -> Case {
        let intake = Intake {
            source: Source::Hotline,
            category: "SJ-01-01".into(),
            urgency: None,
            lon: 24.94,
            lat: 60.17,
            address: String::new(),
            description: "垃圾".into(),
            reporter: Reporter::default(),
            photos: vec![],
            media_url: None,
            attributes: vec![],
            note: String::new(),
        };
        Case::reported(
            1,
            1,
            "2026-000001".into(),
            vec![10, 20, 30],
            &intake,
            Urgency::Normal,
            MONDAY_9,
        )
    }

    fn run(c: &Case, cmd: Command, now: i64) -> Result<(Case, StepDraft), Refusal> {
        let cal = Calendar::china();
        let cats = default_categories();
        let cat = cats.iter().find(|x| x.code == c.category).unwrap();
        apply(
            c,
            &cmd,
            &Context {
                now,
                calendar: &cal,
                category: cat,
            },
        )
    }

    fn go(c: &Case, cmd: Command, now: i64) -> Case {
        run(c, cmd, now).unwrap().0
    }

    fn note(s: &str) -> String {
        s.into()
    }

    #[test]
    fn straight_through_the_loop() {
        let c = base();
        let c = go(
            &c,
            Command::File {
                category: None,
                urgency: None,
                note: String::new(),
            },
            MONDAY_9,
        );
        assert_eq!(c.stage, Stage::Filed);
        // 8 working hours from Monday 09:00 is Monday 18:00.
        assert_eq!(c.deadline, Some(MONDAY_9 + 9 * 3600));
        let c = go(
            &c,
            Command::Dispatch {
                units: vec![Unit::Grid { grid_id: 20 }],
                note: String::new(),
            },
            MONDAY_9 + 60,
        );
        assert_eq!(c.stage, Stage::Dispatched);
        let c = go(
            &c,
            Command::Accept {
                note: String::new(),
            },
            MONDAY_9 + 120,
        );
        let c = go(
            &c,
            Command::ReportResult {
                note: note("清理完毕"),
                photos: vec![],
            },
            MONDAY_9 + 3600,
        );
        let c = go(
            &c,
            Command::Verify {
                passed: true,
                note: String::new(),
                photos: vec![],
            },
            MONDAY_9 + 7200,
        );
        assert_eq!(c.stage, Stage::Closed);
        assert_eq!(c.on_time, Some(true));
        assert_eq!(c.handling_secs, Some(7200));
        let c = go(
            &c,
            Command::Evaluate {
                score: 5,
                note: String::new(),
            },
            MONDAY_9 + 7300,
        );
        assert_eq!(c.stage, Stage::Evaluated);
        assert_eq!(c.version, 7);
    }

    #[test]
    fn a_wrong_stage_names_the_allowed_commands() {
        let c = base();
        let e = run(
            &c,
            Command::Accept {
                note: String::new(),
            },
            MONDAY_9,
        )
        .unwrap_err();
        assert_eq!(
            e,
            Refusal::WrongStage {
                stage: Stage::Reported,
                allowed: vec!["file", "refuse", "merge"],
            }
        );
    }

    #[test]
    fn failures_escalate_then_go_to_the_leading_group() {
        let mut c = base();
        c.stage = Stage::ResultReported;
        c.filed_at = Some(MONDAY_9);
        c.deadline = Some(MONDAY_9 + 9 * 3600);
        let fail = || Command::Verify {
            passed: false,
            note: note("未清理干净"),
            photos: vec![],
        };
        let back = |c: &Case| {
            let mut c = c.clone();
            c.stage = Stage::ResultReported;
            c
        };
        let c1 = go(&c, fail(), MONDAY_9 + 100);
        assert_eq!(
            (c1.stage, c1.rework, c1.supervision),
            (Stage::Handling, 1, 0)
        );
        let c2 = go(&back(&c1), fail(), MONDAY_9 + 200);
        assert_eq!((c2.rework, c2.supervision), (2, 1));
        assert!(
            c2.units.contains(&Unit::Grid { grid_id: 10 }),
            "L1 takes over"
        );
        let c3 = go(&back(&c2), fail(), MONDAY_9 + 300);
        assert_eq!((c3.rework, c3.supervision), (3, 2));
        assert!(c3.units.contains(&Unit::Department {
            code: "leading_group".into()
        }));
        // A failed verification needs a note.
        let e = run(
            &back(&c3),
            Command::Verify {
                passed: false,
                note: String::new(),
                photos: vec![],
            },
            MONDAY_9,
        )
        .unwrap_err();
        assert!(matches!(e, Refusal::Invalid(f) if f[0].field == "note"));
    }

    #[test]
    fn a_deferral_moves_the_deadline_by_exactly_its_working_time() {
        let mut c = base();
        c.stage = Stage::Handling;
        c.filed_at = Some(MONDAY_9);
        c.deadline = Some(MONDAY_9 + 9 * 3600); // Monday 18:00
        // Deferred at 10:00 (7 working hours left), resumed Tuesday 10:00: a full
        // working day (8 h) stood still.
        let d = go(
            &c,
            Command::Defer {
                reason: note("等待配件"),
                approver: note("王主任"),
            },
            MONDAY_9 + 3600,
        );
        assert_eq!(
            (d.stage, d.deadline, d.remaining_secs),
            (Stage::Deferred, None, Some(7 * 3600))
        );
        let r = go(
            &d,
            Command::Resume {
                note: String::new(),
            },
            MONDAY_9 + 25 * 3600,
        );
        assert_eq!(r.stage, Stage::Handling);
        assert_eq!(r.deferred_secs, 8 * 3600);
        // Tuesday 18:00: the old deadline plus one working day.
        assert_eq!(r.deadline, Some(MONDAY_9 + 33 * 3600));
        assert!(r.ever_deferred);
    }

    #[test]
    fn urgency_caps_the_deadline() {
        let cal = Calendar::china();
        // Same day: a 40-hour category filed Monday 09:00 is due Monday 18:00.
        assert_eq!(
            deadline(&cal, MONDAY_9, 40, Urgency::SameDay),
            MONDAY_9 + 9 * 3600
        );
        // Immediate: two clock hours, even at night.
        let night = MONDAY_9 + 13 * 3600; // 22:00
        assert_eq!(deadline(&cal, night, 8, Urgency::Immediate), night + 7200);
    }

    #[test]
    fn overdue_is_recorded_once_and_escalates() {
        let mut c = base();
        c.stage = Stage::Handling;
        c.deadline = Some(MONDAY_9);
        assert!(
            mark_overdue(&c, MONDAY_9).is_none(),
            "not before the second after"
        );
        let (o, step) = mark_overdue(&c, MONDAY_9 + 1).unwrap();
        assert_eq!((o.supervision, step.kind), (1, StepKind::Overdue));
        assert!(mark_overdue(&o, MONDAY_9 + 2).is_none());
    }

    #[test]
    fn commands_check_their_fields() {
        let e = check(&Command::Defer {
            reason: String::new(),
            approver: " ".into(),
        })
        .unwrap_err();
        assert_eq!(e.len(), 2);
        let e = check(&Command::Dispatch {
            units: vec![],
            note: String::new(),
        })
        .unwrap_err();
        assert_eq!(e[0].field, "units");
        assert!(
            check(&Command::Evaluate {
                score: 6,
                note: String::new()
            })
            .is_err()
        );
    }
}
