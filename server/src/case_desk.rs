//! The case desk: every case write goes through it. It checks a report or a step
//! against the caller's rights and the rules (outside any transaction), places a
//! report into its grid path with the atlas, and hands the write to one writer
//! task that commits whatever has queued meanwhile as one batch
//! ([`CaseStore::write`]): group commit, so intake scales with the database's
//! fsyncs rather than per request, and history numbers grow in commit order. A
//! write is answered only after its batch committed. Committed steps are then
//! published to subscribers (the live feed), numbered by the store.
//!
//! It also sweeps for deadlines that passed (once a second), records them as
//! `overdue` steps and escalates (督办).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use arc_swap::ArcSwap;
use parking_lot::RwLock;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::case_map::CaseMap;
use crate::cases::calendar::Calendar;
use crate::cases::category::{Category, UnitInfo, default_categories, default_units, propose};
use crate::cases::duplicates::{Candidate, DuplicateRule, candidates, search_box};
use crate::cases::lifecycle::{self, Command};
use crate::cases::scope::CaseScope;
use crate::cases::stats::{Evaluation, GroupBy, evaluate};
use crate::cases::{Case, Intake, Step, Unit};
use crate::domain::access::{Action, Principal, Resource, authorize};
use crate::domain::change::Actor;
use crate::domain::grid::SubdistrictId;
use crate::error::{Error, FieldError, Result};
use crate::index::Atlas;
use crate::lookup::datum::Datum;
use crate::store::CaseStore;
use crate::store::cases::{CaseOp, CaseQuery, IdemKey, Rules, StepActor, Written};

/// Most writes in one batch.
const BATCH: usize = 512;

/// The key of the stored calendar setting.
const CALENDAR_KEY: &str = "calendar";
/// The key of the stored duplicate rule.
const DUPLICATES_KEY: &str = "duplicates";
/// The most duplicates proposed for one report (the nearest).
const MAX_DUPLICATES: usize = 100;

/// The rules in force: replaced whole when an admin edits them.
pub struct RuleSet {
    /// The business calendar.
    pub calendar: Calendar,
    /// Categories by code.
    pub categories: HashMap<String, Category>,
    /// Categories in code order.
    pub list: Vec<Category>,
    /// How duplicates are found.
    pub duplicates: DuplicateRule,
}

impl RuleSet {
    fn new(calendar: Calendar, list: Vec<Category>, duplicates: DuplicateRule) -> Self {
        Self {
            calendar,
            categories: list.iter().map(|c| (c.code.clone(), c.clone())).collect(),
            list,
            duplicates,
        }
    }
}

/// The desk's clock: the system clock, moved by an offset in tests
/// (`gridd serve --test-clock`).
#[derive(Default)]
pub struct Clock {
    offset: AtomicI64,
    settable: bool,
}

impl Clock {
    /// The system clock, settable when `settable`.
    pub fn new(settable: bool) -> Self {
        Self {
            offset: AtomicI64::new(0),
            settable,
        }
    }

    /// Now, Unix seconds.
    pub fn now(&self) -> i64 {
        crate::accounts::now() + self.offset.load(Ordering::Relaxed)
    }

    /// Sets now (tests only): `Err` when the clock is not settable.
    pub fn set(&self, now: i64) -> Result<()> {
        if !self.settable {
            return Err(Error::NotFound(
                "the test clock (start gridd with --test-clock)".into(),
            ));
        }
        self.offset
            .store(now - crate::accounts::now(), Ordering::Relaxed);
        Ok(())
    }
}

struct Job {
    op: CaseOp,
    answer: oneshot::Sender<Result<Written>>,
}

/// A committed step and the case after it: what the live feed carries.
#[derive(Debug)]
pub struct Event {
    /// The step (its `seq` is the event's number).
    pub step: Step,
    /// The case after it (unmasked: mask with [`Desk::shown`] per subscriber).
    pub case: Case,
    /// The event as the feed writes it, made once per event for all
    /// subscribers: `[0]` with the reporter, `[1]` with the reporter masked.
    frames: [std::sync::OnceLock<bytes::Bytes>; 2],
}

impl Event {
    /// An event of a committed step.
    pub fn new(step: Step, case: Case) -> Self {
        Self {
            step,
            case,
            frames: Default::default(),
        }
    }

    /// The event's bytes for subscribers who see the reporter or not, made by
    /// `make` the first time they are asked for and shared afterwards.
    pub fn frame(&self, masked: bool, make: impl FnOnce() -> bytes::Bytes) -> bytes::Bytes {
        self.frames[usize::from(masked)].get_or_init(make).clone()
    }
}

/// A report as the desk receives it.
#[derive(Debug, Clone)]
pub struct Report {
    /// The report (position in `datum`).
    pub intake: Intake,
    /// The datum of the position.
    pub datum: Datum,
    /// A retry key.
    pub key: Option<IdemKey>,
}

/// The answer to a report.
#[derive(Debug, Clone)]
pub struct Reported {
    /// The case as the caller may see it.
    pub case: Case,
    /// Open cases it may duplicate (same category, near, recent).
    pub duplicates: Vec<Candidate>,
    /// Whether a retry key answered with the earlier report.
    pub replayed: bool,
}

/// Filters of a case list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Store-side filters.
    pub query: CaseQuery,
    /// Only cases in this grid's subtree.
    pub grid: Option<i64>,
    /// Only overdue (`true`) or not overdue (`false`) cases.
    pub overdue: Option<bool>,
    /// Only cases dispatched to this unit.
    pub unit: Option<Unit>,
    /// Only from this source.
    pub source: Option<crate::cases::Source>,
}

/// The case desk.
pub struct Desk {
    store: Arc<dyn CaseStore>,
    jobs: mpsc::Sender<Job>,
    rules: ArcSwap<RuleSet>,
    units: RwLock<HashMap<SubdistrictId, Arc<Vec<UnitInfo>>>>,
    events: broadcast::Sender<Arc<Event>>,
    /// The newest step published: steps go out once each, in number order,
    /// whether this instance wrote them or another one did.
    published: tokio::sync::Mutex<i64>,
    clock: Arc<Clock>,
    /// The open cases on the map, kept with every step published.
    map: Arc<CaseMap>,
}

fn resource<'a>(c: &Case, path: &'a [i64]) -> Resource<'a> {
    if path.is_empty() {
        Resource::Subdistrict(c.subdistrict_id)
    } else {
        Resource::Grid {
            subdistrict: c.subdistrict_id,
            path,
        }
    }
}

fn leaf_first(c: &Case) -> Vec<i64> {
    c.grid_path.iter().rev().copied().collect()
}

/// Bytes of case tiles kept (all scopes together).
const CASE_TILE_CACHE: u64 = 32 * 1024 * 1024;

impl Desk {
    /// Opens the desk over a store: loads the rules (the defaults when none are
    /// stored) and starts the writer and the overdue sweep.
    pub async fn start(store: Arc<dyn CaseStore>, clock: Arc<Clock>) -> Result<Arc<Self>> {
        let mut list = store.categories().await?;
        if list.is_empty() {
            list = default_categories();
        }
        let calendar = match store.setting(CALENDAR_KEY).await? {
            Some(text) => calendar_from_setting(&text)?,
            None => Calendar::china(),
        };
        let duplicates = match store.setting(DUPLICATES_KEY).await? {
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| Error::Internal(anyhow::anyhow!("the stored duplicate rule: {e}")))?,
            None => DuplicateRule::default(),
        };
        let published = store.last_step().await?;
        let (jobs, rx) = mpsc::channel(8192);
        let (events, _) = broadcast::channel(16_384);
        let desk = Arc::new(Self {
            store,
            jobs,
            rules: ArcSwap::from_pointee(RuleSet::new(calendar, list, duplicates)),
            units: RwLock::new(HashMap::new()),
            events,
            published: tokio::sync::Mutex::new(published),
            clock,
            map: Arc::new(CaseMap::new(CASE_TILE_CACHE)),
        });
        desk.load_map().await?;
        tokio::spawn(writer(Arc::downgrade(&desk), rx));
        tokio::spawn(sweeper(Arc::downgrade(&desk)));
        Ok(desk)
    }

    /// Puts every open case on the map.
    async fn load_map(&self) -> Result<()> {
        let mut before = None;
        loop {
            let page = self
                .store
                .cases(&CaseQuery {
                    open: Some(true),
                    before_id: before,
                    limit: 5000,
                    ..Default::default()
                })
                .await?;
            for c in &page {
                self.map.apply(c);
            }
            match page.last() {
                Some(c) if page.len() == 5000 => before = Some(c.id),
                _ => return Ok(()),
            }
        }
    }

    /// The open cases on the map and their tiles.
    pub fn map(&self) -> &CaseMap {
        &self.map
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The rules in force.
    pub fn rules(&self) -> Arc<RuleSet> {
        self.rules.load_full()
    }

    /// Committed steps from now on (a lagging receiver loses steps: resume from
    /// [`Desk::steps_after`]).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    /// The store (reads).
    pub fn store(&self) -> &Arc<dyn CaseStore> {
        &self.store
    }

    async fn submit(&self, op: CaseOp) -> Result<Written> {
        let (answer, rx) = oneshot::channel();
        self.jobs
            .send(Job { op, answer })
            .await
            .map_err(|_| Error::Internal(anyhow::anyhow!("the case writer stopped")))?;
        rx.await
            .map_err(|_| Error::Internal(anyhow::anyhow!("the case writer stopped")))?
    }

    /// A subdistrict's units (the defaults when none are stored).
    pub async fn units(&self, sd: SubdistrictId) -> Result<Arc<Vec<UnitInfo>>> {
        if let Some(u) = self.units.read().get(&sd) {
            return Ok(u.clone());
        }
        let mut list = self.store.units(sd).await?;
        if list.is_empty() {
            list = default_units();
        }
        let list = Arc::new(list);
        self.units.write().insert(sd, list.clone());
        Ok(list)
    }

    /// Whether `who` may read the case: through a role other than department over
    /// its grid, or as a department account acting for one of its units.
    pub async fn may_read(&self, who: &Principal, c: &Case) -> Result<bool> {
        self.may(who, Action::ReadCases, c).await
    }

    async fn may(&self, who: &Principal, action: Action, c: &Case) -> Result<bool> {
        let scope = self.scope(who, &[c.subdistrict_id]).await?;
        Ok(scope.may_case(action, c))
    }

    /// What `who` may see of the cases of `subdistricts`: the units it acts for
    /// are looked up once (only for a department account), the checks are then
    /// synchronous ([`CaseScope::may`]).
    pub async fn scope<'a>(
        &self,
        who: &'a Principal,
        subdistricts: &[SubdistrictId],
    ) -> Result<CaseScope<'a>> {
        let mut acting = std::collections::HashSet::new();
        if CaseScope::needs_units(who) {
            for &sd in subdistricts {
                for u in self.units(sd).await?.iter() {
                    if u.members.iter().any(|m| m == &who.name) {
                        acting.insert((sd, u.code.clone()));
                    }
                }
            }
        }
        Ok(CaseScope::new(who, acting))
    }

    /// The case as `who` may see it: reporters masked unless they may read them.
    pub fn shown(&self, who: &Principal, mut c: Case) -> Case {
        if self.hides_reporter(who, &c) {
            c.reporter = c.reporter.masked();
        }
        c
    }

    /// Whether [`Self::shown`] masks the case's reporter for `who`.
    pub fn hides_reporter(&self, who: &Principal, c: &Case) -> bool {
        let path = leaf_first(c);
        authorize(who, Action::ReadReporter, resource(c, &path)).is_err()
    }

    /// Takes a report: checks it, places it, stores it; proposes duplicates.
    pub async fn report(
        &self,
        atlas: &Atlas,
        who: &Principal,
        actor: StepActor,
        r: Report,
    ) -> Result<Reported> {
        let mut intake = r.intake;
        intake.check().map_err(Error::Invalid)?;
        let rules = self.rules();
        match rules.categories.get(&intake.category) {
            Some(c) if c.active => {}
            Some(_) => {
                return Err(Error::invalid(
                    "category",
                    "this category is no longer used for new reports",
                ));
            }
            None => {
                return Err(Error::invalid(
                    "category",
                    format!("unknown category {:?}", intake.category),
                ));
            }
        }
        let wgs = r.datum.to_wgs84(geo::Coord {
            x: intake.lon,
            y: intake.lat,
        });
        intake.lon = wgs.x;
        intake.lat = wgs.y;
        let placed = atlas.place(wgs);
        let Some(sd) = placed.subdistrict else {
            return Err(Error::Invalid(vec![FieldError::at(
                "location",
                "the point lies outside every subdistrict",
                [wgs.x, wgs.y],
            )]));
        };
        let grid_path: Vec<i64> = placed.grids().collect();
        let leaf: Vec<i64> = grid_path.iter().rev().copied().collect();
        let res = if leaf.is_empty() {
            Resource::Subdistrict(sd)
        } else {
            Resource::Grid {
                subdistrict: sd,
                path: &leaf,
            }
        };
        authorize(who, Action::ReportCase, res)?;
        self.check_photos(&intake.photos, "photos").await?;
        let urgency = intake
            .urgency
            .unwrap_or_else(|| rules.categories[&intake.category].urgency);
        let w = self
            .submit(CaseOp::Intake {
                subdistrict_id: sd,
                grid_path,
                intake: Box::new(intake),
                urgency,
                actor,
                key: r.key,
            })
            .await?;
        let duplicates = self
            .duplicates(
                sd,
                &w.case.category,
                w.case.lon,
                w.case.lat,
                w.case.reported_at,
            )
            .into_iter()
            .filter(|d| d.id != w.case.id)
            .collect();
        Ok(Reported {
            case: self.shown(who, w.case),
            duplicates,
            replayed: w.replayed,
        })
    }

    /// Open cases of a category near a point, reported within the rule's days,
    /// nearest first (at most [`MAX_DUPLICATES`]), from the open cases on the map.
    pub fn duplicates(
        &self,
        sd: SubdistrictId,
        category: &str,
        lon: f64,
        lat: f64,
        at: i64,
    ) -> Vec<Candidate> {
        // From the open cases on the map (this instance's and, through the feed,
        // every other instance's), not the store: one query fewer per intake.
        let rule = self.rules().duplicates;
        let near = self.map.near(
            sd,
            category,
            search_box(lon, lat, rule.radius_m),
            at - rule.days * 86_400,
        );
        let mut out = candidates(&near, lon, lat, at, rule);
        out.truncate(MAX_DUPLICATES);
        out
    }

    async fn check_photos(&self, ids: &[i64], field: &str) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let missing = self.store.missing_photos(ids).await?;
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::Invalid(
            ids.iter()
                .enumerate()
                .filter(|(_, id)| missing.contains(id))
                .map(|(i, id)| {
                    FieldError::new(
                        format!("{field}[{i}]"),
                        format!("no photo {id}; upload it first"),
                    )
                })
                .collect(),
        ))
    }

    /// A case `who` may read (404 otherwise: a case outside one's scope is not
    /// admitted to exist).
    pub async fn case(&self, who: &Principal, id: i64) -> Result<Case> {
        let c = self
            .store
            .case(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("case {id}")))?;
        if !self.may_read(who, &c).await? {
            return Err(Error::NotFound(format!("case {id}")));
        }
        Ok(self.shown(who, c))
    }

    /// A case's history.
    pub async fn history(&self, who: &Principal, id: i64) -> Result<Vec<Step>> {
        self.case(who, id).await?;
        self.store.history(id).await
    }

    /// Takes a step of the loop.
    #[allow(clippy::too_many_arguments)]
    pub async fn step(
        &self,
        atlas: &Atlas,
        who: &Principal,
        actor: StepActor,
        id: i64,
        expected_version: Option<i64>,
        command: Command,
        key: Option<IdemKey>,
    ) -> Result<Written> {
        let action = command.action();
        if !who.may_somewhere(action) {
            authorize(who, action, Resource::Everything)?;
        }
        let c = self.case(who, id).await?;
        if !self.may(who, action, &c).await? {
            let path = leaf_first(&c);
            authorize(who, action, resource(&c, &path))?;
            return Err(Error::Forbidden(format!(
                "{} may only {} cases dispatched to a unit they act for",
                who.name,
                command.name()
            )));
        }
        lifecycle::check(&command).map_err(Error::Invalid)?;
        self.check_photos(command.photos(), "photos").await?;
        if let Command::Dispatch { units, .. } = &command {
            self.check_units(atlas, c.subdistrict_id, units).await?;
        }
        if let Command::File {
            category: Some(code),
            ..
        } = &command
            && !self.rules().categories.contains_key(code)
        {
            return Err(Error::invalid(
                "category",
                format!("unknown category {code:?}"),
            ));
        }
        let mut w = self
            .submit(CaseOp::Step {
                case_id: id,
                expected_version,
                command,
                actor,
                key,
            })
            .await?;
        w.case = self.shown(who, w.case);
        Ok(w)
    }

    async fn check_units(&self, atlas: &Atlas, sd: SubdistrictId, units: &[Unit]) -> Result<()> {
        let known = self.units(sd).await?;
        let mut e = Vec::new();
        for (i, u) in units.iter().enumerate() {
            let ok = match u {
                Unit::Grid { grid_id } => atlas
                    .grid(*grid_id)
                    .is_some_and(|g| g.grid.subdistrict_id == sd),
                Unit::Department { code } => known.iter().any(|k| &k.code == code),
            };
            if !ok {
                e.push(FieldError::new(
                    format!("units[{i}]"),
                    format!("no unit {u} in this subdistrict"),
                ));
            }
        }
        if e.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(e))
        }
    }

    /// The dispatch the product proposes for a case.
    pub async fn proposal(&self, who: &Principal, id: i64) -> Result<Vec<Unit>> {
        let c = self.case(who, id).await?;
        let rules = self.rules();
        let cat = rules
            .categories
            .get(&c.category)
            .ok_or_else(|| Error::NotFound(format!("category {}", c.category)))?;
        Ok(propose(cat, &c.grid_path))
    }

    /// Cases `who` may read, newest first, filtered.
    pub async fn list(&self, who: &Principal, f: &ListFilter) -> Result<Vec<Case>> {
        let want = f.query.limit.clamp(1, 1000);
        let now = self.clock.now();
        let mut q = f.query.clone();
        q.limit = want.max(200);
        let mut out = Vec::new();
        loop {
            let page = self.store.cases(&q).await?;
            let n = page.len() as i64;
            for c in page {
                q.before_id = Some(c.id);
                if f.grid.is_some_and(|g| !c.grid_path.contains(&g))
                    || f.overdue.is_some_and(|o| c.is_overdue(now) != o)
                    || f.unit.as_ref().is_some_and(|u| !c.units.contains(u))
                    || f.source.is_some_and(|s| c.source != s)
                    || !self.may_read(who, &c).await?
                {
                    continue;
                }
                out.push(self.shown(who, c));
                if out.len() as i64 >= want {
                    return Ok(out);
                }
            }
            if n < q.limit {
                return Ok(out);
            }
        }
    }

    /// The evaluation over the cases `who` may read.
    pub async fn evaluation(
        &self,
        who: &Principal,
        sd: Option<SubdistrictId>,
        from: i64,
        to: i64,
        group_by: GroupBy,
    ) -> Result<Evaluation> {
        let mut q = CaseQuery {
            subdistrict_id: sd,
            limit: 5000,
            ..CaseQuery::default()
        };
        let mut all = Vec::new();
        loop {
            let page = self.store.cases(&q).await?;
            let n = page.len() as i64;
            for c in page {
                q.before_id = Some(c.id);
                if c.filed_at.is_some_and(|t| t >= from && t < to)
                    && self.may(who, Action::ReadCaseStats, &c).await?
                {
                    all.push(c);
                }
            }
            if n < q.limit {
                break;
            }
        }
        Ok(evaluate(&all, self.clock.now(), from, to, group_by))
    }

    /// Replaces the categories (checked against the units of every subdistrict's
    /// defaults).
    pub async fn set_categories(&self, list: Vec<Category>, actor: &Actor) -> Result<()> {
        let units = default_units();
        let mut e = Vec::new();
        for (i, c) in list.iter().enumerate() {
            if let Err(f) = c.check(&units) {
                e.extend(f.into_iter().map(|f| f.under(&format!("[{i}]."))));
            }
            if list[..i].iter().any(|x| x.code == c.code) {
                e.push(FieldError::new(format!("[{i}].code"), "used twice"));
            }
        }
        if !e.is_empty() {
            return Err(Error::Invalid(e));
        }
        self.store.put_categories(&list, actor).await?;
        let old = self.rules();
        self.rules.store(Arc::new(RuleSet::new(
            old.calendar.clone(),
            list,
            old.duplicates,
        )));
        Ok(())
    }

    /// Replaces a subdistrict's units.
    pub async fn set_units(
        &self,
        sd: SubdistrictId,
        list: Vec<UnitInfo>,
        actor: &Actor,
    ) -> Result<()> {
        let mut e = Vec::new();
        for (i, u) in list.iter().enumerate() {
            if let Err(f) = u.check() {
                e.extend(f.into_iter().map(|f| f.under(&format!("[{i}]."))));
            }
            if list[..i].iter().any(|x| x.code == u.code) {
                e.push(FieldError::new(format!("[{i}].code"), "used twice"));
            }
        }
        for code in crate::cases::category::REQUIRED_UNITS {
            if !list.iter().any(|u| u.code == code) {
                e.push(FieldError::new(
                    "",
                    format!("the unit {code:?} is needed by the loop and cannot be removed"),
                ));
            }
        }
        if !e.is_empty() {
            return Err(Error::Invalid(e));
        }
        self.store.put_units(sd, &list, actor).await?;
        self.units.write().insert(sd, Arc::new(list));
        Ok(())
    }

    /// Replaces the calendar's overrides (text in `calendar_cn.txt`'s format).
    pub async fn set_calendar(&self, overrides: &str, actor: &Actor) -> Result<()> {
        let calendar = calendar_from_setting(overrides)?;
        self.store
            .put_setting(CALENDAR_KEY, overrides, actor)
            .await?;
        let old = self.rules();
        self.rules.store(Arc::new(RuleSet::new(
            calendar,
            old.list.clone(),
            old.duplicates,
        )));
        Ok(())
    }

    /// Replaces the duplicate rule (radius and days).
    pub async fn set_duplicates(&self, rule: DuplicateRule, actor: &Actor) -> Result<()> {
        rule.check().map_err(Error::Invalid)?;
        let text = serde_json::to_string(&rule).map_err(|e| Error::Internal(e.into()))?;
        self.store.put_setting(DUPLICATES_KEY, &text, actor).await?;
        let old = self.rules();
        self.rules.store(Arc::new(RuleSet::new(
            old.calendar.clone(),
            old.list.clone(),
            rule,
        )));
        Ok(())
    }

    /// Steps after `seq` (the feed's replay), at most `limit`.
    pub async fn steps_after(&self, seq: i64, limit: i64) -> Result<Vec<Step>> {
        self.store.steps_after(seq, limit).await
    }
}

fn calendar_from_setting(text: &str) -> Result<Calendar> {
    let overrides = Calendar::parse_overrides(text).map_err(|e| {
        Error::Invalid(vec![FieldError::new(
            format!("overrides (line {})", e.line),
            format!("{}: {}", e.field, e.reason),
        )])
    })?;
    let periods = Calendar::china().periods().to_vec();
    Calendar::new(periods, overrides)
        .map_err(|e| Error::Invalid(vec![FieldError::new(e.field, e.reason)]))
}

/// The writer: takes what has queued (up to [`BATCH`]), commits it as one batch,
/// answers each, publishes the steps. A storage failure of a batch is retried one
/// write at a time, so one write's failure is its own.
async fn writer(desk: std::sync::Weak<Desk>, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(BATCH);
    while let Some(first) = rx.recv().await {
        jobs.push(first);
        while jobs.len() < BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let Some(desk) = desk.upgrade() else { return };
        let rules = desk.rules();
        let r = Rules {
            now: desk.clock.now(),
            calendar: &rules.calendar,
            categories: &rules.categories,
        };
        let ops: Vec<CaseOp> = jobs.iter().map(|j| j.op.clone()).collect();
        match desk.store.write(&ops, &r).await {
            Ok(results) => {
                for (job, res) in jobs.drain(..).zip(results) {
                    if let Ok(w) = &res {
                        desk.publish(w).await;
                    }
                    let _ = job.answer.send(res);
                }
            }
            Err(e) if jobs.len() == 1 => {
                if let Some(job) = jobs.pop() {
                    let _ = job.answer.send(Err(e));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, writes = jobs.len(), "case batch failed; retrying one by one");
                for job in jobs.drain(..) {
                    let res = match desk.store.write(std::slice::from_ref(&job.op), &r).await {
                        Ok(mut v) => v.pop().unwrap_or_else(|| {
                            Err(Error::Internal(anyhow::anyhow!(
                                "no answer for a case write"
                            )))
                        }),
                        Err(e) => Err(e),
                    };
                    if let Ok(w) = &res {
                        desk.publish(w).await;
                    }
                    let _ = job.answer.send(res);
                }
            }
        }
    }
}

impl Desk {
    async fn publish(&self, w: &Written) {
        let mut published = self.published.lock().await;
        for s in &w.steps {
            if s.seq <= *published {
                continue;
            }
            if s.seq > *published + 1 {
                // Steps of other instances (or of a batch that failed and was
                // retried) came before: read them back first, in order.
                self.publish_from_store(&mut published, s.seq - 1).await;
            }
            let case = std::iter::once(&w.case)
                .chain(&w.others)
                .find(|c| c.id == s.case_id)
                .cloned();
            if let Some(case) = case {
                self.map.apply(&case);
                // Nobody listening is fine.
                let _ = self.events.send(Arc::new(Event::new(s.clone(), case)));
            }
            *published = s.seq;
        }
    }

    /// Publishes the stored steps after `*published` up to `upto` (all when
    /// `None`), each with its case as stored now.
    async fn publish_from_store(&self, published: &mut i64, upto: i64) {
        loop {
            let steps = match self.store.steps_after(*published, 1000).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "reading case steps back failed");
                    return;
                }
            };
            let n = steps.len();
            for s in steps {
                if s.seq > upto {
                    return;
                }
                match self.store.case(s.case_id).await {
                    Ok(Some(case)) => {
                        self.map.apply(&case);
                        let _ = self.events.send(Arc::new(Event::new(s.clone(), case)));
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "reading a case back failed");
                        return;
                    }
                }
                *published = s.seq;
            }
            if n < 1000 {
                return;
            }
        }
    }

    /// The newest step published to subscribers.
    pub async fn published(&self) -> i64 {
        *self.published.lock().await
    }

    /// Publishes what other instances committed since the newest step published
    /// (the doorbell of `NOTIFY gridd_cases`, see `follow::spawn_cases`).
    pub async fn catch_up(&self) {
        let mut published = self.published.lock().await;
        self.publish_from_store(&mut published, i64::MAX).await;
    }
}

/// Records passed deadlines once a second.
async fn sweeper(desk: std::sync::Weak<Desk>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(desk) = desk.upgrade() else { return };
        let now = desk.clock.now();
        let ids = match desk.store.overdue(now, 500).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "overdue sweep failed");
                continue;
            }
        };
        for case_id in ids {
            if let Err(e) = desk.submit(CaseOp::Overdue { case_id }).await {
                tracing::warn!(error = %e, case_id, "recording an overdue case failed");
            }
        }
    }
}
