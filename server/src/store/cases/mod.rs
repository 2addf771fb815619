//! The storage of cases: the [`CaseStore`] trait, its transaction bodies written
//! once over [`CaseStatements`], and the statements, one SQL text for both
//! backends (`$n` parameters, times as Unix seconds), expanded for each backend's
//! transaction by [`case_statements!`].
//!
//! Writes come in batches ([`CaseStore::write`]): the case desk (`case_desk.rs`)
//! gathers what arrives while the previous batch commits and writes it in one
//! transaction — one fsync for many cases, and numbers (case numbers per
//! subdistrict and year, history `seq`) that grow in commit order: on PostGIS
//! every batch holds an advisory lock until it commits, so instances never
//! interleave. Each operation in a batch succeeds or is refused on its own (a
//! refused one wrote nothing); a storage error fails the whole batch, which the
//! desk then retries one operation at a time.

use std::collections::HashMap;

use async_trait::async_trait;

use super::grids::Dialect;
use super::journal::{AuditEntry, Journal};
use crate::cases::calendar::Calendar;
use crate::cases::category::{Category, UnitInfo};
use crate::cases::lifecycle::{self, Command, Context, Refusal, StepDraft};
use crate::cases::{Case, Intake, Stage, Step, StepKind, Urgency};
use crate::domain::change::Actor;
use crate::domain::grid::{GridId, SubdistrictId};
use crate::error::{Error, FieldError, Result};

/// Who writes, as a case step records them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepActor {
    /// Account name (or `system`).
    pub name: String,
    /// The client's address, over HTTP.
    pub address: Option<String>,
}

/// A client's retry key and what it was sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdemKey {
    /// The `Idempotency-Key` header.
    pub key: String,
    /// A digest of the request the key came with.
    pub fingerprint: String,
}

/// One write of a batch.
#[derive(Debug, Clone)]
pub enum CaseOp {
    /// A new report, checked and placed.
    Intake {
        /// Its subdistrict.
        subdistrict_id: SubdistrictId,
        /// Its grids, L1 first.
        grid_path: Vec<GridId>,
        /// The report.
        intake: Box<Intake>,
        /// Urgency (the reporter's or the category's).
        urgency: Urgency,
        /// Who.
        actor: StepActor,
        /// Retry key.
        key: Option<IdemKey>,
    },
    /// A step of the loop on a case.
    Step {
        /// The case.
        case_id: i64,
        /// The version the caller saw (`None`: whatever is current).
        expected_version: Option<i64>,
        /// The step.
        command: Command,
        /// Who.
        actor: StepActor,
        /// Retry key.
        key: Option<IdemKey>,
    },
    /// Record that a case's deadline passed (the system's sweep).
    Overdue {
        /// The case.
        case_id: i64,
    },
}

/// What a write did.
#[derive(Debug, Clone)]
pub struct Written {
    /// The case after it.
    pub case: Case,
    /// The steps appended (empty when a retry key replayed an earlier write, or an
    /// overdue sweep found nothing to do).
    pub steps: Vec<Step>,
    /// Whether a retry key answered with an earlier write.
    pub replayed: bool,
    /// Other cases the write changed (the case a duplicate was merged into).
    pub others: Vec<Case>,
}

impl Written {
    /// A write that appended nothing (a replay, or nothing to do).
    fn unchanged(case: Case, replayed: bool) -> Self {
        Self {
            case,
            steps: vec![],
            replayed,
            others: vec![],
        }
    }
}

/// The rules a batch is checked with.
pub struct Rules<'a> {
    /// Now, Unix seconds.
    pub now: i64,
    /// The business calendar.
    pub calendar: &'a Calendar,
    /// Categories by code.
    pub categories: &'a HashMap<String, Category>,
}

/// Which cases to list.
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    /// One subdistrict.
    pub subdistrict_id: Option<SubdistrictId>,
    /// One stage.
    pub stage: Option<Stage>,
    /// Only open (`true`) or only finished (`false`) cases.
    pub open: Option<bool>,
    /// One category.
    pub category: Option<String>,
    /// Reported at or after.
    pub since: Option<i64>,
    /// Reported before.
    pub until: Option<i64>,
    /// Only ids below (paging, newest first).
    pub before_id: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// A stored photo.
#[derive(Debug, Clone)]
pub struct Photo {
    /// Id.
    pub id: i64,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// SHA-256, hex.
    pub sha256: String,
}

/// Storage of cases, their history, photos and the case reference data.
#[async_trait]
pub trait CaseStore: Send + Sync {
    /// The name of this instance's writes (what its notifications carry).
    fn case_origin(&self) -> &str;
    /// Writes a batch in one transaction: one answer per operation, in order
    /// (`Err` of the outer result: nothing of the batch was stored).
    async fn write(&self, ops: &[CaseOp], rules: &Rules<'_>) -> Result<Vec<Result<Written>>>;
    /// A case by id.
    async fn case(&self, id: i64) -> Result<Option<Case>>;
    /// A case by subdistrict and number.
    async fn case_by_number(
        &self,
        subdistrict: SubdistrictId,
        number: &str,
    ) -> Result<Option<Case>>;
    /// Cases, newest first.
    async fn cases(&self, q: &CaseQuery) -> Result<Vec<Case>>;
    /// A case's history, oldest first.
    async fn history(&self, case_id: i64) -> Result<Vec<Step>>;
    /// Steps of every case after `seq`, oldest first (the event feed's replay).
    async fn steps_after(&self, seq: i64, limit: i64) -> Result<Vec<Step>>;
    /// The newest step number (0 when none).
    async fn last_step(&self) -> Result<i64>;
    /// Open cases whose deadline passed before `now` and is not yet recorded.
    async fn overdue(&self, now: i64, limit: i64) -> Result<Vec<i64>>;
    /// Stores a checked photo.
    async fn add_photo(
        &self,
        content_type: &str,
        bytes: &[u8],
        sha256: &str,
        by: &str,
    ) -> Result<i64>;
    /// A photo.
    async fn photo(&self, id: i64) -> Result<Option<Photo>>;
    /// Whether these photos exist (the ids that do not).
    async fn missing_photos(&self, ids: &[i64]) -> Result<Vec<i64>>;
    /// The stored categories (empty: the defaults apply).
    async fn categories(&self) -> Result<Vec<Category>>;
    /// Stores every category (the first write keeps the defaults as rows), audited.
    async fn put_categories(&self, all: &[Category], actor: &Actor) -> Result<()>;
    /// A subdistrict's stored units (empty: the defaults apply).
    async fn units(&self, subdistrict: SubdistrictId) -> Result<Vec<UnitInfo>>;
    /// Stores every unit of a subdistrict, audited.
    async fn put_units(
        &self,
        subdistrict: SubdistrictId,
        all: &[UnitInfo],
        actor: &Actor,
    ) -> Result<()>;
    /// A setting's stored text (`calendar`).
    async fn setting(&self, key: &str) -> Result<Option<String>>;
    /// Stores a setting, audited.
    async fn put_setting(&self, key: &str, body: &str, actor: &Actor) -> Result<()>;
}

/// A step row before decoding.
pub(crate) type StepRow = (i64, String);

/// Most rows in one multi-row INSERT (12 parameters each: under SQLite's 32,766
/// and PostgreSQL's 65,535 bound parameters).
pub(crate) const ROWS_PER_INSERT: usize = 1000;

/// A case the batch made, to insert at its end.
pub(crate) struct NewCase<'a> {
    pub case: &'a Case,
    pub watch: Option<i64>,
    pub body: String,
}

/// A step the batch appended, with the number the batch gave it.
pub(crate) struct NewStep {
    pub seq: i64,
    pub subdistrict_id: i64,
    pub case_id: i64,
    pub version: i64,
    pub kind: &'static str,
    pub at: i64,
    pub actor: String,
    pub address: Option<String>,
    pub body: String,
}

/// The statements case transactions are made of.
#[async_trait]
pub(crate) trait CaseStatements: Journal {
    /// Serialises case writers across instances until commit.
    async fn lock_cases(&mut self) -> Result<()>;
    /// Tells other instances (at commit) that steps exist up to the payload's
    /// `seq` (`{"origin", "seq"}`, as the change log's notifications).
    async fn notify_cases(&mut self, payload: &str) -> Result<()>;
    async fn counter(&mut self, subdistrict: i64, year: i32) -> Result<Option<i64>>;
    async fn set_counter(&mut self, subdistrict: i64, year: i32, last: i64) -> Result<()>;
    /// Inserts the batch's new cases, in their final state, in one statement per
    /// [`ROWS_PER_INSERT`].
    async fn insert_cases(&mut self, rows: &[NewCase<'_>]) -> Result<()>;
    async fn update_case(&mut self, c: &Case, watch: Option<i64>, body: &str) -> Result<()>;
    async fn case_body(&mut self, id: i64) -> Result<Option<String>>;
    async fn case_body_by_number(&mut self, sd: i64, number: &str) -> Result<Option<String>>;
    /// Inserts the batch's steps, numbered by the batch, in one statement per
    /// [`ROWS_PER_INSERT`].
    async fn insert_steps(&mut self, rows: &[NewStep]) -> Result<()>;
    async fn idem(&mut self, actor: &str, key: &str) -> Result<Option<(String, i64)>>;
    async fn put_idem(
        &mut self,
        actor: &str,
        key: &IdemKey,
        sd: i64,
        case_id: i64,
        at: i64,
    ) -> Result<()>;
    async fn case_bodies(&mut self, q: &CaseQuery) -> Result<Vec<String>>;
    async fn step_rows(
        &mut self,
        case_id: Option<i64>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StepRow>>;
    async fn last_step(&mut self) -> Result<i64>;
    async fn watch(&mut self, now: i64, limit: i64) -> Result<Vec<i64>>;
    async fn insert_photo(
        &mut self,
        content_type: &str,
        bytes: &[u8],
        sha256: &str,
        by: &str,
        at: i64,
    ) -> Result<i64>;
    async fn photo_row(&mut self, id: i64) -> Result<Option<(String, Vec<u8>, String)>>;
    async fn category_bodies(&mut self) -> Result<Vec<String>>;
    async fn delete_categories(&mut self) -> Result<()>;
    async fn insert_category(&mut self, code: &str, body: &str, at: i64) -> Result<()>;
    async fn unit_bodies(&mut self, sd: i64) -> Result<Vec<String>>;
    async fn delete_units(&mut self, sd: i64) -> Result<()>;
    async fn insert_unit(&mut self, sd: i64, code: &str, body: &str) -> Result<()>;
    async fn setting_body(&mut self, key: &str) -> Result<Option<String>>;
    async fn put_setting(&mut self, key: &str, body: &str, at: i64) -> Result<()>;
    async fn commit_cases(self) -> Result<()>;
}

/// An audit row of a change to the case reference data.
fn setup_entry<'a>(action: &'a str, entity: &'a str, subdistrict_id: i64) -> AuditEntry<'a> {
    AuditEntry {
        subdistrict_id,
        action,
        entity,
        entity_id: None,
        before: None,
        after: None,
        before_geom: None,
        after_geom: None,
    }
}

/// The id counter: case ids are global (a case's URL needs no subdistrict).
const ID_COUNTER: (i64, i32) = (0, 0);

fn decode<T: serde::de::DeserializeOwned>(table: &str, body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| super::rows::bad_row(table, 0, e.to_string()))
}

fn encode<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.into()))
}

/// A step's JSON body: what is not a column.
#[derive(serde::Serialize, serde::Deserialize)]
struct StepBody {
    from: Option<Stage>,
    to: Stage,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    note: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    photos: Vec<i64>,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    detail: serde_json::Value,
    kind: StepKind,
    case_id: i64,
    subdistrict_id: i64,
    version: i64,
    actor: String,
    at: i64,
}

fn step_of(seq: i64, body: &str) -> Result<Step> {
    let b: StepBody = decode("case_step", body)?;
    Ok(Step {
        seq,
        case_id: b.case_id,
        subdistrict_id: b.subdistrict_id,
        version: b.version,
        kind: b.kind,
        from: b.from,
        to: b.to,
        actor: b.actor,
        at: b.at,
        note: b.note,
        photos: b.photos,
        detail: b.detail,
    })
}

/// The deadline the overdue sweep watches: open, due, not yet recorded.
fn watch_of(c: &Case) -> Option<i64> {
    if c.stage.is_open() && !c.overdue_recorded {
        c.deadline
    } else {
        None
    }
}

fn year_of(t: i64) -> i32 {
    use chrono::Datelike;
    // The year in China Standard Time (UTC+08:00, no daylight saving).
    chrono::DateTime::from_timestamp(t + 8 * 3600, 0)
        .unwrap_or_default()
        .year()
}

/// The working state of one batch: cases read or written so far, counters.
struct Batch {
    cases: HashMap<i64, Case>,
    /// Cases written by this batch (inserted or changed), with whether they are new.
    dirty: HashMap<i64, bool>,
    counters: HashMap<(i64, i32), i64>,
    keys: HashMap<(String, String), (String, i64)>,
    /// The newest step number so far (read once, under the batch's lock).
    last_seq: Option<i64>,
    /// The steps appended, written at the end in one statement.
    steps: Vec<NewStep>,
}

async fn load<T: CaseStatements>(tx: &mut T, b: &mut Batch, id: i64) -> Result<Case> {
    if let Some(c) = b.cases.get(&id) {
        return Ok(c.clone());
    }
    let body = tx
        .case_body(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("case {id}")))?;
    let c: Case = decode("case_record", &body)?;
    b.cases.insert(id, c.clone());
    Ok(c)
}

async fn next_counter<T: CaseStatements>(
    tx: &mut T,
    b: &mut Batch,
    key: (i64, i32),
) -> Result<i64> {
    let last = match b.counters.get(&key) {
        Some(n) => *n,
        None => tx.counter(key.0, key.1).await?.unwrap_or(0),
    };
    b.counters.insert(key, last + 1);
    Ok(last + 1)
}

/// Appends a step to the batch, numbered after the newest stored one (the
/// batch holds the writers' lock, so nobody else numbers meanwhile).
async fn append<T: CaseStatements>(
    tx: &mut T,
    b: &mut Batch,
    c: &Case,
    d: StepDraft,
    actor: &StepActor,
    at: i64,
) -> Result<Step> {
    let body = StepBody {
        from: d.from,
        to: d.to,
        note: d.note,
        photos: d.photos,
        detail: d.detail,
        kind: d.kind,
        case_id: c.id,
        subdistrict_id: c.subdistrict_id,
        version: c.version,
        actor: actor.name.clone(),
        at,
    };
    let text = encode(&body)?;
    let last = match b.last_seq {
        Some(n) => n,
        None => tx.last_step().await?,
    };
    let seq = last + 1;
    b.last_seq = Some(seq);
    let step = step_of(seq, &text)?;
    b.steps.push(NewStep {
        seq,
        subdistrict_id: c.subdistrict_id,
        case_id: c.id,
        version: c.version,
        kind: d.kind.as_str(),
        at,
        actor: actor.name.clone(),
        address: actor.address.clone(),
        body: text,
    });
    Ok(step)
}

fn refusal(r: Refusal) -> Error {
    match r {
        Refusal::WrongStage { stage, allowed } => Error::WrongStage {
            stage: stage.as_str().into(),
            allowed: allowed.into_iter().map(str::to_owned).collect(),
        },
        Refusal::Invalid(f) => Error::Invalid(f),
    }
}

/// Checks a retry key: `Some(case)` when it answered before.
async fn replay<T: CaseStatements>(
    tx: &mut T,
    b: &mut Batch,
    actor: &StepActor,
    key: &Option<IdemKey>,
) -> Result<Option<Case>> {
    let Some(k) = key else { return Ok(None) };
    let slot = (actor.name.clone(), k.key.clone());
    let found = match b.keys.get(&slot) {
        Some(v) => Some(v.clone()),
        None => tx.idem(&actor.name, &k.key).await?,
    };
    let Some((fingerprint, case_id)) = found else {
        return Ok(None);
    };
    if fingerprint != k.fingerprint {
        return Err(Error::Invalid(vec![FieldError::new(
            "Idempotency-Key",
            "this key was used for a different request; use a new key",
        )]));
    }
    Ok(Some(load(tx, b, case_id).await?))
}

async fn remember<T: CaseStatements>(
    tx: &mut T,
    b: &mut Batch,
    actor: &StepActor,
    key: &Option<IdemKey>,
    c: &Case,
    now: i64,
) -> Result<()> {
    if let Some(k) = key {
        tx.put_idem(&actor.name, k, c.subdistrict_id, c.id, now)
            .await?;
        b.keys.insert(
            (actor.name.clone(), k.key.clone()),
            (k.fingerprint.clone(), c.id),
        );
    }
    Ok(())
}

async fn one<T: CaseStatements>(
    tx: &mut T,
    b: &mut Batch,
    op: &CaseOp,
    rules: &Rules<'_>,
) -> Result<Result<Written>> {
    let now = rules.now;
    // Refusals (the inner error) leave nothing behind: every check runs before
    // this operation writes.
    macro_rules! refuse {
        ($e:expr) => {
            return Ok(Err($e))
        };
    }
    // A retry key that answered before answers the same again.
    if let CaseOp::Intake { actor, key, .. } | CaseOp::Step { actor, key, .. } = op {
        match replay(tx, b, actor, key).await {
            Ok(Some(case)) => return Ok(Ok(Written::unchanged(case, true))),
            Ok(None) => {}
            Err(e @ Error::Invalid(_)) => refuse!(e),
            Err(e) => return Err(e),
        }
    }
    match op {
        CaseOp::Intake {
            subdistrict_id,
            grid_path,
            intake,
            urgency,
            actor,
            key,
        } => {
            if !rules.categories.contains_key(&intake.category) {
                refuse!(Error::invalid("category", "unknown category"));
            }
            let id = next_counter(tx, b, ID_COUNTER).await?;
            let year = year_of(now);
            let n = next_counter(tx, b, (*subdistrict_id, year)).await?;
            let case = Case::reported(
                id,
                *subdistrict_id,
                Case::format_number(year, n),
                grid_path.clone(),
                intake,
                *urgency,
                now,
            );
            // Inserted at the batch's end, in its final state.
            let step = append(
                tx,
                b,
                &case,
                StepDraft {
                    kind: StepKind::Report,
                    from: None,
                    to: Stage::Reported,
                    note: intake.note.clone(),
                    photos: intake.photos.clone(),
                    detail: serde_json::json!({ "source": intake.source, "category": intake.category }),
                },
                actor,
                now,
            )
            .await?;
            remember(tx, b, actor, key, &case, now).await?;
            b.cases.insert(id, case.clone());
            b.dirty.insert(id, true);
            Ok(Ok(Written {
                case,
                steps: vec![step],
                replayed: false,
                others: vec![],
            }))
        }
        CaseOp::Step {
            case_id,
            expected_version,
            command,
            actor,
            key,
        } => {
            let case = match load(tx, b, *case_id).await {
                Ok(c) => c,
                Err(e @ Error::NotFound(_)) => refuse!(e),
                Err(e) => return Err(e),
            };
            if let Some(v) = expected_version
                && *v != case.version
            {
                refuse!(Error::StaleCase {
                    given: *v,
                    current: case.version,
                });
            }
            let code = match command {
                Command::File {
                    category: Some(c), ..
                } => c.as_str(),
                _ => case.category.as_str(),
            };
            let Some(category) = rules.categories.get(code) else {
                refuse!(Error::invalid("category", "unknown category"));
            };
            let ctx = Context {
                now,
                calendar: rules.calendar,
                category,
            };
            // A merge needs the case it joins: open, in the same subdistrict.
            let target = if let Command::Merge { into, .. } = command {
                // This batch's cases first: its new ones are not stored yet.
                let mine = b
                    .cases
                    .values()
                    .find(|c| c.subdistrict_id == case.subdistrict_id && c.number == *into)
                    .cloned();
                let t = match mine {
                    Some(t) => t,
                    None => {
                        let Some(body) = tx.case_body_by_number(case.subdistrict_id, into).await?
                        else {
                            refuse!(Error::invalid(
                                "into",
                                format!("no case numbered {into} in this subdistrict")
                            ));
                        };
                        let t: Case = decode("case_record", &body)?;
                        b.cases.get(&t.id).cloned().unwrap_or(t)
                    }
                };
                if t.id == case.id || !t.stage.is_open() {
                    refuse!(Error::invalid(
                        "into",
                        "a duplicate joins another case that is still open"
                    ));
                }
                Some(t)
            } else {
                None
            };
            let (mut next, draft) = match lifecycle::apply(&case, command, &ctx) {
                Ok(x) => x,
                Err(r) => refuse!(refusal(r)),
            };
            let mut steps = Vec::new();
            let mut others = Vec::new();
            if let Some(t) = target {
                next.merged_into = Some(t.id);
                let (t2, d2) = lifecycle::absorb(&t, &case, now);
                steps.push(append(tx, b, &t2, d2, actor, now).await?);
                b.cases.insert(t2.id, t2.clone());
                b.dirty.entry(t2.id).or_insert(false);
                others.push(t2);
            }
            steps.insert(0, append(tx, b, &next, draft, actor, now).await?);
            remember(tx, b, actor, key, &next, now).await?;
            b.cases.insert(next.id, next.clone());
            b.dirty.entry(next.id).or_insert(false);
            Ok(Ok(Written {
                case: next,
                steps,
                replayed: false,
                others,
            }))
        }
        CaseOp::Overdue { case_id } => {
            let case = load(tx, b, *case_id).await?;
            let Some((next, draft)) = lifecycle::mark_overdue(&case, now) else {
                return Ok(Ok(Written::unchanged(case, false)));
            };
            let system = StepActor {
                name: "system".into(),
                address: None,
            };
            let step = append(tx, b, &next, draft, &system, now).await?;
            b.cases.insert(next.id, next.clone());
            b.dirty.entry(next.id).or_insert(false);
            Ok(Ok(Written {
                case: next,
                steps: vec![step],
                replayed: false,
                others: vec![],
            }))
        }
    }
}

#[async_trait]
impl<D: Dialect> CaseStore for D
where
    D::Tx: CaseStatements,
{
    fn case_origin(&self) -> &str {
        self.origin()
    }

    async fn write(&self, ops: &[CaseOp], rules: &Rules<'_>) -> Result<Vec<Result<Written>>> {
        let mut tx = self.begin().await?;
        tx.lock_cases().await?;
        let mut b = Batch {
            cases: HashMap::new(),
            dirty: HashMap::new(),
            counters: HashMap::new(),
            keys: HashMap::new(),
            last_seq: None,
            steps: Vec::new(),
        };
        let mut out = Vec::with_capacity(ops.len());
        for op in ops {
            out.push(one(&mut tx, &mut b, op, rules).await?);
        }
        // Changed cases are written once each, in their final state: the new ones
        // (then their steps, which refer to them) in as few statements as can be.
        let mut new: Vec<i64> = b
            .dirty
            .iter()
            .filter(|(_, n)| **n)
            .map(|(id, _)| *id)
            .collect();
        new.sort_unstable();
        let mut rows = Vec::with_capacity(new.len());
        for id in &new {
            let c = &b.cases[id];
            rows.push(NewCase {
                case: c,
                watch: watch_of(c),
                body: encode(c)?,
            });
        }
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            tx.insert_cases(chunk).await?;
        }
        for chunk in b.steps.chunks(ROWS_PER_INSERT) {
            tx.insert_steps(chunk).await?;
        }
        for (id, new) in &b.dirty {
            if !*new {
                let c = &b.cases[id];
                tx.update_case(c, watch_of(c), &encode(c)?).await?;
            }
        }
        for ((sd, year), last) in &b.counters {
            tx.set_counter(*sd, *year, *last).await?;
        }
        let newest = out
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .flat_map(|w| w.steps.iter().map(|s| s.seq))
            .max();
        if let Some(seq) = newest {
            let payload = serde_json::json!({ "origin": self.origin(), "seq": seq });
            tx.notify_cases(&payload.to_string()).await?;
        }
        tx.commit_cases().await?;
        Ok(out)
    }

    async fn case(&self, id: i64) -> Result<Option<Case>> {
        let mut tx = self.begin_single().await?;
        tx.case_body(id)
            .await?
            .map(|b| decode("case_record", &b))
            .transpose()
    }

    async fn case_by_number(
        &self,
        subdistrict: SubdistrictId,
        number: &str,
    ) -> Result<Option<Case>> {
        let mut tx = self.begin_single().await?;
        tx.case_body_by_number(subdistrict, number)
            .await?
            .map(|b| decode("case_record", &b))
            .transpose()
    }

    async fn cases(&self, q: &CaseQuery) -> Result<Vec<Case>> {
        let mut tx = self.begin_single().await?;
        tx.case_bodies(q)
            .await?
            .iter()
            .map(|b| decode("case_record", b))
            .collect()
    }

    async fn history(&self, case_id: i64) -> Result<Vec<Step>> {
        let mut tx = self.begin_single().await?;
        tx.step_rows(Some(case_id), 0, i64::MAX)
            .await?
            .iter()
            .map(|(seq, b)| step_of(*seq, b))
            .collect()
    }

    async fn steps_after(&self, seq: i64, limit: i64) -> Result<Vec<Step>> {
        let mut tx = self.begin_single().await?;
        tx.step_rows(None, seq, limit)
            .await?
            .iter()
            .map(|(seq, b)| step_of(*seq, b))
            .collect()
    }

    async fn last_step(&self) -> Result<i64> {
        let mut tx = self.begin_single().await?;
        tx.last_step().await
    }

    async fn overdue(&self, now: i64, limit: i64) -> Result<Vec<i64>> {
        let mut tx = self.begin_single().await?;
        tx.watch(now, limit).await
    }

    async fn add_photo(
        &self,
        content_type: &str,
        bytes: &[u8],
        sha256: &str,
        by: &str,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = tx
            .insert_photo(content_type, bytes, sha256, by, crate::accounts::now())
            .await?;
        tx.commit_cases().await?;
        Ok(id)
    }

    async fn photo(&self, id: i64) -> Result<Option<Photo>> {
        let mut tx = self.begin_single().await?;
        Ok(tx
            .photo_row(id)
            .await?
            .map(|(content_type, bytes, sha256)| Photo {
                id,
                content_type,
                bytes,
                sha256,
            }))
    }

    async fn missing_photos(&self, ids: &[i64]) -> Result<Vec<i64>> {
        let mut tx = self.begin_read().await?;
        let mut out = Vec::new();
        for &id in ids {
            if tx.photo_row(id).await?.is_none() {
                out.push(id);
            }
        }
        Ok(out)
    }

    async fn categories(&self) -> Result<Vec<Category>> {
        let mut tx = self.begin_single().await?;
        tx.category_bodies()
            .await?
            .iter()
            .map(|b| decode("case_category", b))
            .collect()
    }

    async fn put_categories(&self, all: &[Category], actor: &Actor) -> Result<()> {
        let mut tx = self.begin().await?;
        let before: Vec<serde_json::Value> = tx
            .category_bodies()
            .await?
            .iter()
            .map(|b| serde_json::from_str(b).unwrap_or(serde_json::Value::Null))
            .collect();
        let mut e = setup_entry("case_categories_put", "case_category", 0);
        e.before = Some(serde_json::Value::Array(before));
        e.after = Some(serde_json::to_value(all).map_err(|x| Error::Internal(x.into()))?);
        tx.audit(actor, e).await?;
        tx.delete_categories().await?;
        let now = crate::accounts::now();
        for c in all {
            tx.insert_category(&c.code, &encode(c)?, now).await?;
        }
        tx.commit_cases().await
    }

    async fn units(&self, subdistrict: SubdistrictId) -> Result<Vec<UnitInfo>> {
        let mut tx = self.begin_single().await?;
        tx.unit_bodies(subdistrict)
            .await?
            .iter()
            .map(|b| decode("case_unit", b))
            .collect()
    }

    async fn put_units(
        &self,
        subdistrict: SubdistrictId,
        all: &[UnitInfo],
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let before: Vec<serde_json::Value> = tx
            .unit_bodies(subdistrict)
            .await?
            .iter()
            .map(|b| serde_json::from_str(b).unwrap_or(serde_json::Value::Null))
            .collect();
        let mut e = setup_entry("case_units_put", "case_unit", subdistrict);
        e.before = Some(serde_json::Value::Array(before));
        e.after = Some(serde_json::to_value(all).map_err(|x| Error::Internal(x.into()))?);
        tx.audit(actor, e).await?;
        tx.delete_units(subdistrict).await?;
        for u in all {
            tx.insert_unit(subdistrict, &u.code, &encode(u)?).await?;
        }
        tx.commit_cases().await
    }

    async fn setting(&self, key: &str) -> Result<Option<String>> {
        let mut tx = self.begin_single().await?;
        tx.setting_body(key).await
    }

    async fn put_setting(&self, key: &str, body: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.begin().await?;
        let before = tx.setting_body(key).await?;
        let mut e = setup_entry("case_setting_put", "case_setting", 0);
        e.before = before.map(|b| serde_json::json!({ "key": key, "body": b }));
        e.after = Some(serde_json::json!({ "key": key, "body": body }));
        tx.audit(actor, e).await?;
        tx.put_setting(key, body, crate::accounts::now()).await?;
        tx.commit_cases().await
    }
}

/// The statements, one SQL text for both backends, for a transaction type with a
/// `conn()` giving its connection; `$lock` is the statement that serialises case
/// writers (PostGIS: an advisory lock; SQLite: none, `BEGIN IMMEDIATE` already does).
macro_rules! case_statements {
    ($tx:ty, $db:ty, $lock:expr, $notify:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::cases::CaseStatements for $tx {
            async fn lock_cases(&mut self) -> $crate::error::Result<()> {
                if let Some(sql) = $lock {
                    sqlx::query(sql).execute(self.conn()).await?;
                }
                Ok(())
            }

            async fn notify_cases(&mut self, payload: &str) -> $crate::error::Result<()> {
                if let Some(sql) = $notify {
                    sqlx::query(sql).bind(payload).execute(self.conn()).await?;
                }
                Ok(())
            }

            async fn counter(&mut self, sd: i64, year: i32) -> $crate::error::Result<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "SELECT last FROM case_counter WHERE subdistrict_id = $1 AND year = $2",
                )
                .bind(sd)
                .bind(year)
                .fetch_optional(self.conn())
                .await?)
            }

            async fn set_counter(&mut self, sd: i64, year: i32, last: i64) -> $crate::error::Result<()> {
                sqlx::query(
                    "INSERT INTO case_counter (subdistrict_id, year, last) VALUES ($1, $2, $3) \
                     ON CONFLICT (subdistrict_id, year) DO UPDATE SET last = excluded.last",
                )
                .bind(sd)
                .bind(year)
                .bind(last)
                .execute(self.conn())
                .await?;
                Ok(())
            }

            async fn insert_cases(
                &mut self,
                rows: &[$crate::store::cases::NewCase<'_>],
            ) -> $crate::error::Result<()> {
                if rows.is_empty() {
                    return Ok(());
                }
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO case_record (subdistrict_id, id, number, stage, category, lon, lat, \
                     reported_at, watch_deadline, updated_at, version, body) ",
                );
                q.push_values(rows, |mut v, r| {
                    let c = r.case;
                    v.push_bind(c.subdistrict_id)
                        .push_bind(c.id)
                        .push_bind(&c.number)
                        .push_bind(c.stage.as_str())
                        .push_bind(&c.category)
                        .push_bind(c.lon)
                        .push_bind(c.lat)
                        .push_bind(c.reported_at)
                        .push_bind(r.watch)
                        .push_bind(c.updated_at)
                        .push_bind(c.version)
                        .push_bind(&r.body);
                });
                q.build().execute(self.conn()).await?;
                Ok(())
            }

            async fn update_case(
                &mut self,
                c: &$crate::cases::Case,
                watch: Option<i64>,
                body: &str,
            ) -> $crate::error::Result<()> {
                sqlx::query(
                    "UPDATE case_record SET stage = $3, category = $4, watch_deadline = $5, \
                     updated_at = $6, version = $7, body = $8 WHERE subdistrict_id = $1 AND id = $2",
                )
                .bind(c.subdistrict_id)
                .bind(c.id)
                .bind(c.stage.as_str())
                .bind(&c.category)
                .bind(watch)
                .bind(c.updated_at)
                .bind(c.version)
                .bind(body)
                .execute(self.conn())
                .await?;
                Ok(())
            }

            async fn case_body(&mut self, id: i64) -> $crate::error::Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT body FROM case_record WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.conn())
                    .await?)
            }

            async fn case_body_by_number(
                &mut self,
                sd: i64,
                number: &str,
            ) -> $crate::error::Result<Option<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT body FROM case_record WHERE subdistrict_id = $1 AND number = $2",
                )
                .bind(sd)
                .bind(number)
                .fetch_optional(self.conn())
                .await?)
            }

            async fn insert_steps(
                &mut self,
                rows: &[$crate::store::cases::NewStep],
            ) -> $crate::error::Result<()> {
                if rows.is_empty() {
                    return Ok(());
                }
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO case_step (seq, subdistrict_id, case_id, version, kind, at, actor, address, body) ",
                );
                q.push_values(rows, |mut v, r| {
                    v.push_bind(r.seq)
                        .push_bind(r.subdistrict_id)
                        .push_bind(r.case_id)
                        .push_bind(r.version)
                        .push_bind(r.kind)
                        .push_bind(r.at)
                        .push_bind(&r.actor)
                        .push_bind(r.address.as_deref())
                        .push_bind(&r.body);
                });
                q.build().execute(self.conn()).await?;
                Ok(())
            }

            async fn idem(
                &mut self,
                actor: &str,
                key: &str,
            ) -> $crate::error::Result<Option<(String, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT fingerprint, case_id FROM case_idempotency WHERE actor = $1 AND key = $2",
                )
                .bind(actor)
                .bind(key)
                .fetch_optional(self.conn())
                .await?)
            }

            async fn put_idem(
                &mut self,
                actor: &str,
                key: &$crate::store::cases::IdemKey,
                sd: i64,
                case_id: i64,
                at: i64,
            ) -> $crate::error::Result<()> {
                sqlx::query(
                    "INSERT INTO case_idempotency (actor, key, fingerprint, subdistrict_id, case_id, at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(actor)
                .bind(&key.key)
                .bind(&key.fingerprint)
                .bind(sd)
                .bind(case_id)
                .bind(at)
                .execute(self.conn())
                .await?;
                Ok(())
            }

            async fn case_bodies(
                &mut self,
                q: &$crate::store::cases::CaseQuery,
            ) -> $crate::error::Result<Vec<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT body FROM case_record WHERE ($1 IS NULL OR subdistrict_id = $1) \
                     AND ($2 IS NULL OR stage = $2) AND ($3 IS NULL OR category = $3) \
                     AND ($4 IS NULL OR reported_at >= $4) AND ($5 IS NULL OR reported_at < $5) \
                     AND ($6 IS NULL OR id < $6) \
                     AND ($7 IS NULL OR (stage NOT IN ('refused', 'merged', 'closed', 'explained', 'evaluated')) = $7) \
                     ORDER BY id DESC LIMIT $8",
                )
                .bind(q.subdistrict_id)
                .bind(q.stage.map(|s| s.as_str()))
                .bind(q.category.as_deref())
                .bind(q.since)
                .bind(q.until)
                .bind(q.before_id)
                .bind(q.open)
                .bind(q.limit)
                .fetch_all(self.conn())
                .await?)
            }

            async fn step_rows(
                &mut self,
                case_id: Option<i64>,
                after: i64,
                limit: i64,
            ) -> $crate::error::Result<Vec<(i64, String)>> {
                Ok(sqlx::query_as(
                    "SELECT seq, body FROM case_step WHERE ($1 IS NULL OR case_id = $1) AND seq > $2 \
                     ORDER BY seq LIMIT $3",
                )
                .bind(case_id)
                .bind(after)
                .bind(limit)
                .fetch_all(self.conn())
                .await?)
            }

            async fn last_step(&mut self) -> $crate::error::Result<i64> {
                let n: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM case_step")
                    .fetch_one(self.conn())
                    .await?;
                Ok(n.unwrap_or(0))
            }

            async fn watch(&mut self, now: i64, limit: i64) -> $crate::error::Result<Vec<i64>> {
                Ok(sqlx::query_scalar(
                    "SELECT id FROM case_record WHERE watch_deadline IS NOT NULL AND watch_deadline < $1 \
                     ORDER BY watch_deadline LIMIT $2",
                )
                .bind(now)
                .bind(limit)
                .fetch_all(self.conn())
                .await?)
            }

            async fn insert_photo(
                &mut self,
                content_type: &str,
                bytes: &[u8],
                sha256: &str,
                by: &str,
                at: i64,
            ) -> $crate::error::Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO case_photo (content_type, size, sha256, bytes, uploaded_by, at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(content_type)
                .bind(bytes.len() as i64)
                .bind(sha256)
                .bind(bytes)
                .bind(by)
                .bind(at)
                .fetch_one(self.conn())
                .await?)
            }

            async fn photo_row(
                &mut self,
                id: i64,
            ) -> $crate::error::Result<Option<(String, Vec<u8>, String)>> {
                Ok(sqlx::query_as(
                    "SELECT content_type, bytes, sha256 FROM case_photo WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(self.conn())
                .await?)
            }

            async fn category_bodies(&mut self) -> $crate::error::Result<Vec<String>> {
                Ok(sqlx::query_scalar("SELECT body FROM case_category ORDER BY code")
                    .fetch_all(self.conn())
                    .await?)
            }

            async fn delete_categories(&mut self) -> $crate::error::Result<()> {
                sqlx::query("DELETE FROM case_category").execute(self.conn()).await?;
                Ok(())
            }

            async fn insert_category(
                &mut self,
                code: &str,
                body: &str,
                at: i64,
            ) -> $crate::error::Result<()> {
                sqlx::query("INSERT INTO case_category (code, body, updated_at) VALUES ($1, $2, $3)")
                    .bind(code)
                    .bind(body)
                    .bind(at)
                    .execute(self.conn())
                    .await?;
                Ok(())
            }

            async fn unit_bodies(&mut self, sd: i64) -> $crate::error::Result<Vec<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT body FROM case_unit WHERE subdistrict_id = $1 ORDER BY code",
                )
                .bind(sd)
                .fetch_all(self.conn())
                .await?)
            }

            async fn delete_units(&mut self, sd: i64) -> $crate::error::Result<()> {
                sqlx::query("DELETE FROM case_unit WHERE subdistrict_id = $1")
                    .bind(sd)
                    .execute(self.conn())
                    .await?;
                Ok(())
            }

            async fn insert_unit(&mut self, sd: i64, code: &str, body: &str) -> $crate::error::Result<()> {
                sqlx::query("INSERT INTO case_unit (subdistrict_id, code, body) VALUES ($1, $2, $3)")
                    .bind(sd)
                    .bind(code)
                    .bind(body)
                    .execute(self.conn())
                    .await?;
                Ok(())
            }

            async fn setting_body(&mut self, key: &str) -> $crate::error::Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT body FROM case_setting WHERE key = $1")
                    .bind(key)
                    .fetch_optional(self.conn())
                    .await?)
            }

            async fn put_setting(&mut self, key: &str, body: &str, at: i64) -> $crate::error::Result<()> {
                sqlx::query(
                    "INSERT INTO case_setting (key, body, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                )
                .bind(key)
                .bind(body)
                .bind(at)
                .execute(self.conn())
                .await?;
                Ok(())
            }

            async fn commit_cases(self) -> $crate::error::Result<()> {
                <Self as $crate::store::journal::Journal>::commit(self).await
            }
        }
    };
}
pub(crate) use case_statements;
