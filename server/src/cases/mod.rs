//! Cases (案卷): one reported problem, tracked through the seven-step closed loop of
//! DB32/T 2763-2015, 11.6.2 — information collection (信息收集), filing (案卷建立),
//! dispatch (任务派遣), handling (任务处置), result feedback (结果反馈), verification
//! and closing (核查结案), evaluation (综合评价) — with escalation (督办, 11.6.8),
//! deferral (缓办) and explain-and-file (11.3.3).
//!
//! Plain synchronous Rust: the case record, the state machine (`lifecycle.rs`), the
//! categories and their routing (`category.rs`, 9.3.1 and CJ/T 214), the business
//! calendar of deadlines (`calendar.rs`), duplicates (`duplicates.rs`) and the
//! evaluation (`stats.rs`). Storage is `store/cases/`, the write path `case_desk.rs`,
//! the routes `http/cases.rs` and `http/open311.rs`.

pub mod calendar;
pub mod category;
pub mod duplicates;
pub mod lifecycle;
pub mod scope;
pub mod stats;

use serde::{Deserialize, Serialize};

use crate::domain::grid::{GridId, SubdistrictId};
use crate::error::FieldError;

/// Longest description accepted (characters).
pub const MAX_DESCRIPTION: usize = 4000;
/// Longest note on a step (characters).
pub const MAX_NOTE: usize = 2000;
/// Longest address text (characters).
pub const MAX_ADDRESS: usize = 300;
/// Most photos on one report or step.
pub const MAX_PHOTOS: usize = 9;

/// Where a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 来访: somebody came to the office.
    WalkIn,
    /// 热线: the hotline.
    Hotline,
    /// 巡查: a grid worker on patrol.
    Patrol,
    /// 走访: a grid worker on a household visit.
    Visit,
    /// 市民上报: a citizen through Open311.
    Open311,
    /// 系统对接: another system through the API.
    Api,
}

impl Source {
    /// Every source.
    pub const ALL: [Source; 6] = [
        Source::WalkIn,
        Source::Hotline,
        Source::Patrol,
        Source::Visit,
        Source::Open311,
        Source::Api,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::WalkIn => "walk_in",
            Source::Hotline => "hotline",
            Source::Patrol => "patrol",
            Source::Visit => "visit",
            Source::Open311 => "open311",
            Source::Api => "api",
        }
    }
}

/// How fast a case must move (9.3.3.1: important situations the same day,
/// emergencies at once).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 一般: the category's working hours.
    Normal,
    /// 当日: by the end of the working day it is filed on, at the latest.
    SameDay,
    /// 立即: within two hours of clock time, day or night.
    Immediate,
}

impl Urgency {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::SameDay => "same_day",
            Urgency::Immediate => "immediate",
        }
    }
}

/// Clock seconds an immediate case has (day or night).
pub const IMMEDIATE_SECS: i64 = 2 * 3600;

/// Where a case is in the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 信息收集: reported, waiting for the command center.
    Reported,
    /// 案卷建立: filed and classified; the deadline runs.
    Filed,
    /// 不予立案: refused as invalid (closed, never counted).
    Refused,
    /// 合并: a duplicate, merged into another case (closed, never counted).
    Merged,
    /// 任务派遣: dispatched to its units.
    Dispatched,
    /// 任务处置: a unit is on it.
    Handling,
    /// 结果反馈: the unit reported its result; waiting for verification.
    ResultReported,
    /// 缓办: deferred with a reason and an approver; the clock stands still.
    Deferred,
    /// 核查结案: verified and closed.
    Closed,
    /// 解释备案: cannot be solved soon; explained and filed (11.3.3).
    Explained,
    /// 综合评价: closed and evaluated.
    Evaluated,
}

impl Stage {
    /// Every stage, in loop order.
    pub const ALL: [Stage; 11] = [
        Stage::Reported,
        Stage::Filed,
        Stage::Refused,
        Stage::Merged,
        Stage::Dispatched,
        Stage::Handling,
        Stage::ResultReported,
        Stage::Deferred,
        Stage::Closed,
        Stage::Explained,
        Stage::Evaluated,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Reported => "reported",
            Stage::Filed => "filed",
            Stage::Refused => "refused",
            Stage::Merged => "merged",
            Stage::Dispatched => "dispatched",
            Stage::Handling => "handling",
            Stage::ResultReported => "result_reported",
            Stage::Deferred => "deferred",
            Stage::Closed => "closed",
            Stage::Explained => "explained",
            Stage::Evaluated => "evaluated",
        }
    }

    /// The stage's Chinese name.
    pub fn title_zh(self) -> &'static str {
        match self {
            Stage::Reported => "信息收集",
            Stage::Filed => "案卷建立",
            Stage::Refused => "不予立案",
            Stage::Merged => "已合并",
            Stage::Dispatched => "任务派遣",
            Stage::Handling => "任务处置",
            Stage::ResultReported => "结果反馈",
            Stage::Deferred => "缓办",
            Stage::Closed => "核查结案",
            Stage::Explained => "解释备案",
            Stage::Evaluated => "综合评价",
        }
    }

    /// Whether the case is still being worked on (Open311 `open`).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Stage::Refused | Stage::Merged | Stage::Closed | Stage::Explained | Stage::Evaluated
        )
    }

    /// Whether the case was resolved (closed, explained, evaluated).
    pub fn is_resolved(self) -> bool {
        matches!(self, Stage::Closed | Stage::Explained | Stage::Evaluated)
    }

    /// Parses a stored or sent name.
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A responsible unit a case is dispatched to: a grid (its team) or a department
/// of the subdistrict (by its code, e.g. `emergency`, `public_order`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unit {
    /// A grid's team.
    Grid {
        /// The grid.
        grid_id: GridId,
    },
    /// A department, emergency body or office, by its code.
    Department {
        /// Its code in the subdistrict's units.
        code: String,
    },
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unit::Grid { grid_id } => write!(f, "grid:{grid_id}"),
            Unit::Department { code } => write!(f, "department:{code}"),
        }
    }
}

/// Who reported a case and how to reach them: personal data, seen only by roles
/// that call reporters back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reporter {
    /// Their name, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Their phone, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Their e-mail, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Reporter {
    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.phone.is_none() && self.email.is_none()
    }

    /// The same with every part masked (`张*`, `138****5678`).
    pub fn masked(&self) -> Reporter {
        Reporter {
            name: self.name.as_deref().map(mask_name),
            phone: self.phone.as_deref().map(mask_phone),
            email: self.email.as_deref().map(|e| match e.split_once('@') {
                Some((_, d)) => format!("***@{d}"),
                None => "***".into(),
            }),
        }
    }
}

fn mask_name(n: &str) -> String {
    let mut c = n.chars();
    match c.next() {
        Some(first) => format!("{first}{}", "*".repeat(c.count().max(1))),
        None => String::new(),
    }
}

fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let keep_head = if chars.len() >= 11 { 3 } else { 0 };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < keep_head || i + 4 >= chars.len() {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// A case: its report, where it is placed and where it is in the loop. Stored whole
/// as JSON beside the columns the store queries by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Case {
    /// Store id.
    pub id: i64,
    /// Its subdistrict.
    pub subdistrict_id: SubdistrictId,
    /// The number people read out: `YYYY-NNNNNN`, per subdistrict and year.
    pub number: String,
    /// Grows by one with every step; a transition names the version it saw.
    pub version: i64,
    /// Where it is in the loop.
    pub stage: Stage,
    /// Where the report came from.
    pub source: Source,
    /// The category's code.
    pub category: String,
    /// How fast it must move.
    pub urgency: Urgency,
    /// Longitude, WGS 84 degrees.
    pub lon: f64,
    /// Latitude, WGS 84 degrees.
    pub lat: f64,
    /// The grids it lies in, from L1 down to the smallest.
    pub grid_path: Vec<GridId>,
    /// Address text.
    pub address: String,
    /// What was reported.
    pub description: String,
    /// The reporter (personal data).
    #[serde(default, skip_serializing_if = "Reporter::is_empty")]
    pub reporter: Reporter,
    /// Photos of the report (ids of stored photos).
    #[serde(default)]
    pub photos: Vec<i64>,
    /// A photo's address elsewhere (Open311 `media_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// Open311 attributes given at intake.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<(String, Vec<String>)>,
    /// When it was reported (Unix seconds).
    pub reported_at: i64,
    /// When it was filed.
    pub filed_at: Option<i64>,
    /// When it is due (Unix seconds), once filed; `None` while deferred.
    pub deadline: Option<i64>,
    /// Working seconds left when it was deferred.
    pub remaining_secs: Option<i64>,
    /// The stage it was deferred from.
    pub deferred_from: Option<Stage>,
    /// When the current deferral began.
    pub deferred_at: Option<i64>,
    /// Working seconds spent deferred, all deferrals together.
    pub deferred_secs: i64,
    /// Whether it was ever deferred (then outside the on-time rate's denominator).
    pub ever_deferred: bool,
    /// The units it is dispatched to; the first leads.
    pub units: Vec<Unit>,
    /// 0: none; 1: 督办 by the command center; 2: handed to the leading group (领导小组).
    pub supervision: u8,
    /// Failed verifications (each one rework, 返工).
    pub rework: u32,
    /// The case it was merged into, for a merged duplicate.
    pub merged_into: Option<i64>,
    /// Reports merged into this one.
    #[serde(default)]
    pub merged: Vec<i64>,
    /// When it was resolved (closed, explained or refused).
    pub closed_at: Option<i64>,
    /// Whether it was resolved by its deadline.
    pub on_time: Option<bool>,
    /// Working seconds from filing to resolution, deferrals excluded.
    pub handling_secs: Option<i64>,
    /// Whether the deadline passed while it was open (known to the second, recorded
    /// by the first step or sweep after it).
    pub overdue_recorded: bool,
    /// Evaluation score 1–5, once evaluated.
    pub score: Option<u8>,
    /// When it last changed.
    pub updated_at: i64,
}

impl Case {
    /// A case as reported (信息收集): version 1, not yet filed, placed in `grid_path`.
    pub fn reported(
        id: i64,
        subdistrict_id: SubdistrictId,
        number: String,
        grid_path: Vec<GridId>,
        intake: &Intake,
        urgency: Urgency,
        now: i64,
    ) -> Case {
        Case {
            id,
            subdistrict_id,
            number,
            version: 1,
            stage: Stage::Reported,
            source: intake.source,
            category: intake.category.clone(),
            urgency,
            lon: intake.lon,
            lat: intake.lat,
            grid_path,
            address: intake.address.clone(),
            description: intake.description.clone(),
            reporter: intake.reporter.clone(),
            photos: intake.photos.clone(),
            media_url: intake.media_url.clone(),
            attributes: intake.attributes.clone(),
            reported_at: now,
            filed_at: None,
            deadline: None,
            remaining_secs: None,
            deferred_from: None,
            deferred_at: None,
            deferred_secs: 0,
            ever_deferred: false,
            units: vec![],
            supervision: 0,
            rework: 0,
            merged_into: None,
            merged: vec![],
            closed_at: None,
            on_time: None,
            handling_secs: None,
            overdue_recorded: false,
            score: None,
            updated_at: now,
        }
    }

    /// Whether it is overdue at `now`: open, not deferred, past its deadline.
    pub fn is_overdue(&self, now: i64) -> bool {
        self.stage.is_open() && self.deadline.is_some_and(|d| now > d)
    }

    /// The L2 grid it lies in (or the deepest one above L2 when it lies in no L2).
    pub fn l2_grid(&self) -> Option<GridId> {
        self.grid_path
            .get(1)
            .or_else(|| self.grid_path.first())
            .copied()
    }

    /// The number for a year and a sequence: `2026-000123`.
    pub fn format_number(year: i32, n: i64) -> String {
        format!("{year}-{n:06}")
    }
}

/// What a step did, as recorded in the case's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Reported (信息收集).
    Report,
    /// Filed (立案).
    File,
    /// Refused as invalid.
    Refuse,
    /// Merged into another case as its duplicate.
    Merge,
    /// Another report was merged into this case.
    Absorb,
    /// Dispatched (派遣), or dispatched again to other units.
    Dispatch,
    /// A unit accepted it and is on it.
    Accept,
    /// The unit reported its result.
    ReportResult,
    /// Verified and closed.
    Close,
    /// Verification failed: back to handling (返工).
    SendBack,
    /// Escalated (督办, then 领导小组).
    Escalate,
    /// Deferred (缓办).
    Defer,
    /// Resumed after a deferral.
    Resume,
    /// Explained and filed (11.3.3).
    Explain,
    /// Evaluated (综合评价).
    Evaluate,
    /// The deadline passed (recorded by the system).
    Overdue,
}

impl StepKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Report => "report",
            StepKind::File => "file",
            StepKind::Refuse => "refuse",
            StepKind::Merge => "merge",
            StepKind::Absorb => "absorb",
            StepKind::Dispatch => "dispatch",
            StepKind::Accept => "accept",
            StepKind::ReportResult => "report_result",
            StepKind::Close => "close",
            StepKind::SendBack => "send_back",
            StepKind::Escalate => "escalate",
            StepKind::Defer => "defer",
            StepKind::Resume => "resume",
            StepKind::Explain => "explain",
            StepKind::Evaluate => "evaluate",
            StepKind::Overdue => "overdue",
        }
    }
}

/// One step of a case's history: append-only, never updated or deleted. Its `seq`
/// numbers every step of every case in commit order: the event feed resumes from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Step {
    /// Number in the store (the feed's event id).
    pub seq: i64,
    /// The case.
    pub case_id: i64,
    /// Its subdistrict.
    pub subdistrict_id: SubdistrictId,
    /// The case's version after the step.
    pub version: i64,
    /// What happened.
    pub kind: StepKind,
    /// Stage before.
    pub from: Option<Stage>,
    /// Stage after.
    pub to: Stage,
    /// Who took it (account name, or `system`).
    pub actor: String,
    /// When (Unix seconds).
    pub at: i64,
    /// The actor's note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Photos (stored photo ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<i64>,
    /// What the step decided: units, reason, approver, deadline, score…
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// A new report, checked (see [`Intake::check`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Intake {
    /// Where it came from.
    pub source: Source,
    /// The category's code.
    pub category: String,
    /// Urgency, when the reporter chose one (else the category's).
    pub urgency: Option<Urgency>,
    /// WGS 84 longitude.
    pub lon: f64,
    /// WGS 84 latitude.
    pub lat: f64,
    /// Address text.
    pub address: String,
    /// What was reported.
    pub description: String,
    /// The reporter.
    pub reporter: Reporter,
    /// Stored photo ids.
    pub photos: Vec<i64>,
    /// A photo's address elsewhere.
    pub media_url: Option<String>,
    /// Open311 attributes.
    pub attributes: Vec<(String, Vec<String>)>,
    /// The note of the report step.
    pub note: String,
}

/// Checks a text field: length in characters, no control characters.
pub fn check_text(field: &str, s: &str, max: usize, out: &mut Vec<FieldError>) {
    let n = s.chars().count();
    if n > max {
        out.push(FieldError::new(
            field,
            format!("{n} characters; at most {max} are allowed"),
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        out.push(FieldError::new(
            field,
            format!("control character U+{:04X} is not allowed", c as u32),
        ));
    }
}

impl Intake {
    /// Checks what does not need the store: lengths, the position's range, the
    /// reporter's contact. The category and the placement are checked by the desk.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if !self.lon.is_finite() || !(-180.0..=180.0).contains(&self.lon) {
            e.push(FieldError::new(
                "location.lon",
                "longitude must be a number from -180 to 180",
            ));
        }
        if !self.lat.is_finite() || !(-90.0..=90.0).contains(&self.lat) {
            e.push(FieldError::new(
                "location.lat",
                "latitude must be a number from -90 to 90",
            ));
        }
        if self.description.trim().is_empty() {
            e.push(FieldError::new("description", "describe the problem"));
        }
        check_text("description", &self.description, MAX_DESCRIPTION, &mut e);
        check_text("address", &self.address, MAX_ADDRESS, &mut e);
        check_text("note", &self.note, MAX_NOTE, &mut e);
        if let Some(p) = &self.reporter.phone {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            if !(5..=20).contains(&digits)
                || p.chars()
                    .any(|c| !(c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')')))
            {
                e.push(FieldError::new(
                    "reporter.phone",
                    "a phone number: 5 to 20 digits, with + - ( ) or spaces",
                ));
            }
        }
        if let Some(m) = &self.reporter.email
            && (m.len() > 200 || !m.contains('@') || m.chars().any(char::is_whitespace))
        {
            e.push(FieldError::new("reporter.email", "not an e-mail address"));
        }
        if let Some(n) = &self.reporter.name {
            check_text("reporter.name", n, 100, &mut e);
        }
        if self.photos.len() > MAX_PHOTOS {
            e.push(FieldError::new(
                "photos",
                format!("at most {MAX_PHOTOS} photos"),
            ));
        }
        if let Some(u) = &self.media_url
            && (u.len() > 2000 || !(u.starts_with("https://") || u.starts_with("http://")))
        {
            e.push(FieldError::new("media_url", "an http(s) address"));
        }
        if e.is_empty() { Ok(()) } else { Err(e) }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reporters_are_masked() {
        let r = Reporter {
            name: Some("张三丰".into()),
            phone: Some("13812345678".into()),
            email: Some("zs@example.cn".into()),
        };
        let m = r.masked();
        assert_eq!(m.name.as_deref(), Some("张**"));
        assert_eq!(m.phone.as_deref(), Some("138****5678"));
        assert_eq!(m.email.as_deref(), Some("***@example.cn"));
        assert_eq!(mask_phone("110"), "***");
    }

    #[test]
    fn numbers_read_out() {
        assert_eq!(Case::format_number(2026, 123), "2026-000123");
    }

    #[test]
    fn intake_checks_name_the_field() {
        let i = Intake {
            source: Source::Hotline,
            category: "x".into(),
            urgency: None,
            lon: 200.0,
            lat: f64::NAN,
            address: String::new(),
            description: "a".repeat(4001),
            reporter: Reporter {
                phone: Some("abc".into()),
                ..Reporter::default()
            },
            photos: vec![],
            media_url: Some("ftp://x".into()),
            attributes: vec![],
            note: String::new(),
        };
        let e = i.check().unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "location.lon",
                "location.lat",
                "description",
                "reporter.phone",
                "media_url"
            ]
        );
        assert!(e[2].reason.contains("4001"));
    }
}
