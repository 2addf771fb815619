//! The household desk (issue 14): households in (the all-or-nothing import),
//! households out (a grid's list, one household, always within the caller's
//! scope, identity numbers only masked), visits in (a visit may open a case
//! through the case desk) and the year's figures: who is due and overdue (every
//! household twice a calendar year, 11.1.3; special households every quarter,
//! Annex A 16), per grid, per worker and for the scope, with the collection rate
//! (households on record against those estimated from buildings, Annex A 15,
//! against 90 %) and the accuracy (the share of records confirmed at a visit in
//! the year, against 95 %).
//!
//! The rules are `households/` (plain Rust); this desk reads and writes the
//! store, places buildings into grids with the atlas, and decides scope with
//! [`authorize`]. Nothing here logs personal data: progress lines carry counts.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Weak};

use serde::Serialize;

use crate::cases::calendar::CHINA_OFFSET;
use crate::domain::access::{Action, Denied, Principal, Resource, Role, Scope, authorize};
use crate::domain::grid::{GridId, SubdistrictId};
use crate::error::{Error, FieldError, Result};
use crate::households::IdKey;
use crate::households::import::{self, Column, ImportError, Progress};
use crate::households::visits::{
    self, Compliance, HouseholdStatus, Outcome, Standing, Subject, Tally, VisitDraft, VisitMark,
    WorkerTally,
};
use crate::households::{Household, IdHash, SpecialKind, SpecialKinds};
use crate::index::Atlas;
use crate::store::AccountStore;
use crate::store::households::{
    HouseholdMark, HouseholdStore, StoredHousehold, StoredVisit, Which,
};

/// Annex A 15: households on record against those estimated, at least this share.
pub const COLLECTION_TARGET: f64 = 0.90;
/// Annex A 15: records confirmed at a visit in the year, at least this share.
pub const ACCURACY_TARGET: f64 = 0.95;

// ---------------------------------------------------------------------------
// The identity-number key.

/// The environment variable holding the key (64+ hex digits).
pub const KEY_ENV: &str = "GRIDD_ID_KEY";

/// The server's identity-number key: `GRIDD_ID_KEY` (hex) when given, else the
/// key file (64 hex digits), created with a new random key (mode 0600) when it
/// does not exist. The key is never logged; the file's path is.
pub fn load_id_key(from_env: Option<&str>, file: &Path) -> Result<IdKey> {
    if let Some(hex) = from_env.map(str::trim).filter(|s| !s.is_empty()) {
        return IdKey::from_hex(hex)
            .map_err(|e| Error::invalid(KEY_ENV, format!("not a usable key: {e}")));
    }
    match std::fs::read_to_string(file) {
        Ok(text) => IdKey::from_hex(text.trim()).map_err(|e| {
            Error::invalid(
                "id-key-file",
                format!("{} is not a usable key: {e}", file.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            getrandom::getrandom(&mut bytes)
                .map_err(|e| Error::Internal(anyhow::anyhow!("random source: {e}")))?;
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            write_new_key(file, &hex)?;
            tracing::info!(path = %file.display(), "created the identity-number key file; back it up with the store");
            IdKey::from_hex(&hex).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))
        }
        Err(e) => Err(Error::Internal(anyhow::anyhow!(
            "cannot read the identity-number key file {}: {e}",
            file.display()
        ))),
    }
}

fn write_new_key(file: &Path, hex: &str) -> Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(file).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "cannot create the identity-number key file {}: {e}",
            file.display()
        ))
    })?;
    writeln!(f, "{hex}")
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::Internal(anyhow::anyhow!("{}: {e}", file.display())))
}

// ---------------------------------------------------------------------------
// Buildings as households see them.

/// Every building's subdistrict, leaf grid and estimated households, for one
/// atlas snapshot (placing is the costly part: done once per snapshot).
struct Places {
    atlas: Weak<Atlas>,
    /// Building id → (subdistrict, leaf grid, estimated households).
    buildings: HashMap<i64, (SubdistrictId, Option<GridId>, i32)>,
    /// (subdistrict, name) → building, for names that are unique.
    by_name: HashMap<(SubdistrictId, String), Option<i64>>,
}

impl Places {
    fn of(atlas: &Arc<Atlas>) -> Places {
        let mut buildings = HashMap::new();
        let mut by_name: HashMap<(SubdistrictId, String), Option<i64>> = HashMap::new();
        for b in atlas.buildings_in(None) {
            let leaf = crate::lookup::buildings::assign(atlas, b);
            buildings.insert(b.id, (b.subdistrict_id, leaf, b.households));
            if let Some(n) = b.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                by_name
                    .entry((b.subdistrict_id, n.to_owned()))
                    .and_modify(|v| *v = None)
                    .or_insert(Some(b.id));
            }
        }
        Places {
            atlas: Arc::downgrade(atlas),
            buildings,
            by_name,
        }
    }

    /// A building cell (an id, or a name unique in the subdistrict) → its id.
    fn resolve(&self, sd: SubdistrictId, cell: &str) -> Option<i64> {
        let cell = cell.trim();
        if let Ok(id) = cell.parse::<i64>()
            && self.buildings.get(&id).is_some_and(|b| b.0 == sd)
        {
            return Some(id);
        }
        self.by_name.get(&(sd, cell.to_owned())).copied().flatten()
    }
}

// ---------------------------------------------------------------------------
// Answers.

/// A person as a caller in scope sees them: the identity number masked only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonOut {
    /// Name.
    pub name: String,
    /// Phone, normalised (shown whole only within the caller's scope).
    pub phone: Option<String>,
    /// The identity number, masked (`110105********002X`); never whole.
    pub id_number_masked: Option<String>,
    /// Relation to the head (户主, 配偶, …).
    pub relation: Option<String>,
}

/// A household as a caller in scope sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseholdOut {
    /// Its id.
    pub id: i64,
    /// Its subdistrict.
    pub subdistrict_id: SubdistrictId,
    /// The grid its building lies in (placed at import).
    pub grid_id: Option<GridId>,
    /// Its building.
    pub building_id: i64,
    /// Address text.
    pub address: String,
    /// Unit (单元).
    pub unit: String,
    /// Room (室).
    pub room: String,
    /// Its special kinds (`disabled`, …).
    #[schema(value_type = Vec<String>)]
    pub special: SpecialKinds,
    /// The kinds in Chinese (残疾人, …).
    pub special_zh: Vec<&'static str>,
    /// People, the head first.
    pub people: Vec<PersonOut>,
    /// When it was put on record (Unix seconds).
    pub created_at: i64,
}

impl HouseholdOut {
    fn of(h: StoredHousehold, phones: bool) -> HouseholdOut {
        let hh = h.household;
        HouseholdOut {
            id: hh.id,
            subdistrict_id: h.subdistrict_id,
            grid_id: h.grid_id,
            building_id: hh.building_id,
            address: hh.address,
            unit: hh.unit,
            room: hh.room,
            special: hh.special,
            special_zh: hh.special.iter().map(SpecialKind::title_zh).collect(),
            people: hh
                .people
                .into_iter()
                .map(|p| PersonOut {
                    phone: p.phone.map(|x| {
                        if phones {
                            x.as_str().to_owned()
                        } else {
                            x.masked()
                        }
                    }),
                    id_number_masked: p.id_number.map(|r| r.masked),
                    name: p.name,
                    relation: p.relation,
                })
                .collect(),
            created_at: h.created_at,
        }
    }
}

/// A visit as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VisitOut {
    /// Its id.
    pub id: i64,
    /// The household.
    pub household_id: i64,
    /// The worker's account id.
    pub worker_id: i64,
    /// The worker's name as it was.
    pub worker_name: String,
    /// When (Unix seconds).
    pub at: i64,
    /// `visited` (入户走访), `not_home` (未遇), `declined` (拒访).
    #[schema(value_type = String)]
    pub outcome: Outcome,
    /// The outcome in Chinese.
    pub outcome_zh: &'static str,
    /// Note.
    pub note: String,
    /// Photo ids (`GET /case-photos/{id}`).
    pub photos: Vec<i64>,
    /// Whether the record was checked with the household (Annex A 15).
    pub record_confirmed: bool,
    /// The case it opened.
    pub case_id: Option<i64>,
    /// When it was recorded (Unix seconds).
    pub recorded_at: i64,
}

impl VisitOut {
    fn of(v: StoredVisit) -> VisitOut {
        VisitOut {
            id: v.visit.id,
            household_id: v.visit.household_id,
            worker_id: v.visit.worker_id,
            worker_name: v.worker_name,
            at: v.visit.at,
            outcome: v.visit.outcome,
            outcome_zh: v.visit.outcome.title_zh(),
            note: v.visit.note,
            photos: v.visit.photos,
            record_confirmed: v.visit.record_confirmed,
            case_id: v.visit.case_id,
            recorded_at: v.recorded_at,
        }
    }
}

/// One household with its visits.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseholdDetail {
    /// The household.
    pub household: HouseholdOut,
    /// Its visits, newest first.
    pub visits: Vec<VisitOut>,
}

/// What an import stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportAnswer {
    /// Households stored.
    pub households: usize,
    /// People stored (one per data row).
    pub people: u64,
    /// Data rows read.
    pub rows: u64,
    /// Special households among them.
    pub special: usize,
    /// Households whose building lies in no grid (stored without a grid).
    pub outside_grids: usize,
    /// The first and last ids given.
    pub first_id: Option<i64>,
    /// The last id given.
    pub last_id: Option<i64>,
}

/// A visit to record.
#[derive(Debug, Clone)]
pub struct VisitInput {
    /// The visit.
    pub draft: VisitDraft,
    /// A case to open from it (its category code and what is wrong).
    pub case: Option<CaseFromVisit>,
}

/// A case a visit opens.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseFromVisit {
    /// Category code (`GET /case-categories`).
    pub category: String,
    /// What is wrong (at most 4,000 characters).
    pub description: String,
    /// Urgency (default: the category's).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub urgency: Option<crate::cases::Urgency>,
}

/// A share against its target.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct Rate {
    /// The numerator.
    pub count: u64,
    /// The denominator.
    pub of: u64,
    /// `count / of` (`null` when `of` is 0).
    pub rate: Option<f64>,
    /// The standard's target.
    pub target: f64,
    /// Whether the rate meets it (`false` when unknown).
    pub met: bool,
}

impl Rate {
    fn new(count: u64, of: u64, target: f64) -> Rate {
        #[allow(clippy::cast_precision_loss)] // counts of households
        let rate = (of > 0).then(|| count as f64 / of as f64);
        Rate {
            count,
            of,
            rate,
            target,
            met: rate.is_some_and(|r| r >= target),
        }
    }
}

/// A scope's figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VisitFigures {
    /// Households by standing, the rules' required and done.
    #[schema(value_type = Object)]
    pub tally: Tally,
    /// Share visited twice this year (11.1.3).
    pub year_rate: Option<f64>,
    /// Per quarter, the share of special households visited (Annex A 16, 100 %).
    pub quarter_rates: [Option<f64>; 4],
    /// Households on record against those estimated from buildings (Annex A 15, 90 %).
    pub collection: Rate,
    /// Households whose record was confirmed at a visit this year (Annex A 15, 95 %).
    pub accuracy: Rate,
}

/// A grid's figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GridFigures {
    /// The grid.
    pub grid_id: GridId,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its level (1 = L1).
    pub level: u8,
    /// Its parent.
    pub parent_id: Option<GridId>,
    /// Its figures (every household at or below it).
    pub figures: VisitFigures,
}

/// A worker's figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkerFigures {
    /// The worker's account id.
    pub worker_id: i64,
    /// Their name.
    pub name: String,
    /// The grids they work in (grid-worker grants).
    pub grids: Vec<GridId>,
    /// Their grids' households by standing.
    #[schema(value_type = Object)]
    pub households: Tally,
    /// Share of their households visited twice this year.
    pub year_rate: Option<f64>,
    /// Counting visits they made this year.
    pub visits_made: u32,
}

/// A household on a due or overdue list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Listed {
    /// The household.
    pub household_id: i64,
    /// Its grid.
    pub grid_id: GridId,
    /// Its building.
    pub building_id: i64,
    /// Whether it is special (visited every quarter).
    pub special: bool,
    /// Counting visits this year.
    pub visits: u32,
    /// The newest (Unix seconds).
    pub last_visit: Option<i64>,
    /// The twice-a-year rule's standing.
    #[schema(value_type = String)]
    pub year: Standing,
    /// Each quarter's standing (`not_required` for a household that is not special).
    #[schema(value_type = Vec<String>)]
    pub quarters: [Standing; 4],
}

impl Listed {
    fn of(s: &HouseholdStatus, building: i64) -> Listed {
        Listed {
            household_id: s.household_id,
            grid_id: s.grid_id,
            building_id: building,
            special: s.special,
            visits: s.visits,
            last_visit: s.last_visit,
            year: s.year,
            quarters: s.quarters,
        }
    }
}

/// Who is due and overdue, with the figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplianceAnswer {
    /// The year (Asia/Shanghai).
    pub year: i32,
    /// As of (Unix seconds).
    pub now: i64,
    /// The quarter the lists are of (`null`: the year).
    pub quarter: Option<u8>,
    /// The grid the lists are of (`null`: the caller's whole scope).
    pub grid_id: Option<GridId>,
    /// The scope's figures.
    pub total: VisitFigures,
    /// Per grid, every level (L1, L2, L3 … each counting what lies below it).
    pub grids: Vec<GridFigures>,
    /// Per worker on a grid of the scope.
    pub workers: Vec<WorkerFigures>,
    /// Households due (open window not met), at most `limit`; empty for a caller
    /// who may read counts only.
    pub due: Vec<Listed>,
    /// Households overdue (a window closed unmet), at most `limit`.
    pub overdue: Vec<Listed>,
    /// Due households in all (the list may be cut at `limit`).
    pub due_count: usize,
    /// Overdue households in all.
    pub overdue_count: usize,
    /// Whether the lists are given (the caller may read households).
    pub lists: bool,
}

/// What the compliance figures are asked for.
#[derive(Debug, Clone, Copy)]
pub struct ComplianceQuery {
    /// The year (default: now's).
    pub year: Option<i32>,
    /// Lists and figures of this grid's subtree only.
    pub grid: Option<GridId>,
    /// Lists of this quarter (1–4).
    pub quarter: Option<u8>,
    /// At most this many households per list.
    pub limit: usize,
}

// ---------------------------------------------------------------------------
// The desk.

/// The household desk.
pub struct HouseholdDesk {
    store: Arc<dyn HouseholdStore>,
    accounts: Arc<dyn AccountStore>,
    key: IdKey,
    places: parking_lot::Mutex<Option<Arc<Places>>>,
    /// One import at a time per instance (the store's unique keys guard across
    /// instances).
    importing: tokio::sync::Mutex<()>,
}

/// Today in Asia/Shanghai.
fn today(now: i64) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .with_timezone(&CHINA_OFFSET)
        .date_naive()
}

impl HouseholdDesk {
    /// A desk over a store, with the accounts (grid workers' grids make the teams
    /// until teams are stored) and the identity-number key.
    pub fn new(
        store: Arc<dyn HouseholdStore>,
        accounts: Arc<dyn AccountStore>,
        key: IdKey,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            accounts,
            key,
            places: parking_lot::Mutex::new(None),
            importing: tokio::sync::Mutex::new(()),
        })
    }

    /// The store (reads).
    pub fn store(&self) -> &Arc<dyn HouseholdStore> {
        &self.store
    }

    /// The buildings of this atlas snapshot, placed (once per snapshot).
    async fn places(&self, atlas: &Arc<Atlas>) -> Result<Arc<Places>> {
        if let Some(p) = self.places.lock().as_ref()
            && p.atlas.upgrade().is_some_and(|a| Arc::ptr_eq(&a, atlas))
        {
            return Ok(Arc::clone(p));
        }
        let a = Arc::clone(atlas);
        let p = Arc::new(
            tokio::task::spawn_blocking(move || Places::of(&a))
                .await
                .map_err(|e| Error::Internal(e.into()))?,
        );
        *self.places.lock() = Some(Arc::clone(&p));
        Ok(p)
    }

    /// Imports households from CSV (or the first sheet of an .xlsx file) into
    /// subdistrict `sd`: all or nothing, every
    /// bad row named (`rows[12].id_number`), nothing stored when any is bad.
    pub async fn import(
        &self,
        atlas: &Arc<Atlas>,
        who: &Principal,
        sd: SubdistrictId,
        csv: bytes::Bytes,
        mapping: Vec<(Column, String)>,
        now: i64,
    ) -> Result<ImportAnswer> {
        if atlas.subdistrict(sd).is_none() {
            return Err(Error::NotFound(format!("subdistrict {sd}")));
        }
        authorize(who, Action::ManageHouseholds, Resource::Subdistrict(sd))?;
        let _one = self.importing.lock().await;
        let csv = if crate::households::xlsx::is_xlsx(&csv) {
            let sheet = tokio::task::spawn_blocking(move || crate::households::xlsx::to_csv(&csv))
                .await
                .map_err(|e| Error::Internal(e.into()))?;
            bytes::Bytes::from(sheet.map_err(|e| import_error(&e))?)
        } else {
            csv
        };
        let places = self.places(atlas).await?;
        let keys = self.store.household_keys(sd).await?;
        let key = self.key.clone();
        let day = today(now);
        let run = |taken: Option<HashSet<IdHash>>| {
            let (places, keys, key, csv, mapping) = (
                Arc::clone(&places),
                keys.clone(),
                key.clone(),
                csv.clone(),
                mapping.clone(),
            );
            tokio::task::spawn_blocking(move || {
                let seen = std::cell::RefCell::new(Vec::new());
                let named: Vec<(Column, &str)> =
                    mapping.iter().map(|(c, h)| (*c, h.as_str())).collect();
                let building = |cell: &str| places.resolve(sd, cell);
                let id_taken = |h: &IdHash| match &taken {
                    Some(t) => t.contains(h),
                    None => {
                        seen.borrow_mut().push(*h);
                        false
                    }
                };
                let exists =
                    |b: i64, u: &str, r: &str| keys.contains(&(b, u.to_owned(), r.to_owned()));
                let cx = import::Context {
                    key: &key,
                    today: day,
                    building: &building,
                    id_taken: &id_taken,
                    household_exists: &exists,
                };
                let mut progress = |p: Progress| {
                    tracing::debug!(rows = p.rows, bad_rows = p.bad_rows, "household import");
                };
                let out = import::import_csv(&csv, &named, &cx, &mut progress);
                (out, seen.into_inner())
            })
        };
        let (mut out, seen) = run(None).await.map_err(|e| Error::Internal(e.into()))?;
        // Numbers already on record: a second pass names their rows.
        let taken = self.store.taken_ids(&seen).await?;
        if !taken.is_empty() {
            out = run(Some(taken))
                .await
                .map_err(|e| Error::Internal(e.into()))?
                .0;
        }
        let imported = out.map_err(|e| import_error(&e))?;
        let rows: Vec<(Household, Option<GridId>)> = imported
            .households
            .into_iter()
            .map(|h| {
                let grid = places.buildings.get(&h.building_id).and_then(|b| b.1);
                (h, grid)
            })
            .collect();
        let special = rows.iter().filter(|(h, _)| h.special.is_special()).count();
        let outside = rows.iter().filter(|(_, g)| g.is_none()).count();
        let ids = self.store.insert_households(sd, &rows, now).await?;
        tracing::info!(
            subdistrict = sd,
            households = ids.len(),
            people = imported.people,
            "households imported"
        );
        Ok(ImportAnswer {
            households: ids.len(),
            people: imported.people,
            rows: imported.rows,
            special,
            outside_grids: outside,
            first_id: ids.first().copied(),
            last_id: ids.last().copied(),
        })
    }

    /// The households of a grid's subtree, for a caller who may read households
    /// there (the access guard checked the grid).
    pub async fn of_grid(
        &self,
        atlas: &Atlas,
        who: &Principal,
        grid: GridId,
    ) -> Result<Vec<HouseholdOut>> {
        let Some(res) = atlas.authorize_grid(who, Action::ReadHouseholds, grid) else {
            return Err(Error::NotFound(format!("grid {grid}")));
        };
        res?;
        let grids = subtree(atlas, grid);
        let list = self.store.households(Which::Grids(&grids)).await?;
        Ok(list
            .into_iter()
            .map(|h| HouseholdOut::of(h, true))
            .collect())
    }

    /// One household with its visits, when it lies in the caller's scope (else
    /// not found: its existence is not told).
    pub async fn household(
        &self,
        atlas: &Atlas,
        who: &Principal,
        id: i64,
    ) -> Result<HouseholdDetail> {
        let h = self
            .store
            .household(id)
            .await?
            .filter(|h| {
                may(
                    atlas,
                    who,
                    Action::ReadHouseholds,
                    h.subdistrict_id,
                    h.grid_id,
                )
            })
            .ok_or_else(|| Error::NotFound(format!("household {id}")))?;
        let visits = self.store.visits_of(id).await?;
        Ok(HouseholdDetail {
            household: HouseholdOut::of(h, true),
            visits: visits.into_iter().map(VisitOut::of).collect(),
        })
    }

    /// Records a visit by the caller (a grid worker of the household's grid) at
    /// `now`: refused whole when bad (a time in the future, a note too long, …).
    /// With `case`, the visit opens a case (source 走访) at the household's
    /// building first, through the case desk.
    pub async fn record_visit(
        &self,
        atlas: &Arc<Atlas>,
        cases: &crate::case_desk::Desk,
        who: &Principal,
        actor: crate::store::cases::StepActor,
        input: VisitInput,
        now: i64,
    ) -> Result<VisitOut> {
        let Some(worker) = who.user_id else {
            return Err(Denied::SignIn.into());
        };
        let d = &input.draft;
        let h = if d.household_id > 0 {
            self.store
                .household(d.household_id)
                .await?
                .filter(|h| may(atlas, who, Action::RecordVisit, h.subdistrict_id, h.grid_id))
        } else {
            None
        };
        let mut visit =
            visits::check_visit(d, worker, now, &|_| h.is_some()).map_err(Error::Invalid)?;
        let Some(h) = h else {
            return Err(Error::Invalid(vec![FieldError::new(
                "household_id",
                "no such household",
            )]));
        };
        self.check_photos(cases, &visit.photos).await?;
        if let Some(c) = input.case {
            let places = self.places(atlas).await?;
            let at = building_point(atlas, h.household.building_id, &places)
                .ok_or_else(|| Error::invalid("case", "the household's building has no place"))?;
            let address = format!(
                "{} {} {}",
                h.household.address, h.household.unit, h.household.room
            );
            let report = crate::case_desk::Report {
                intake: crate::cases::Intake {
                    source: crate::cases::Source::Visit,
                    category: c.category,
                    urgency: c.urgency,
                    lon: at.x,
                    lat: at.y,
                    address: address.trim().to_owned(),
                    description: c.description,
                    reporter: crate::cases::Reporter::default(),
                    photos: visit.photos.clone(),
                    media_url: None,
                    attributes: vec![],
                    note: format!("走访 household {}", h.household.id),
                },
                datum: crate::lookup::datum::Datum::Wgs84,
                key: None,
            };
            let opened = cases
                .report(atlas, who, actor.clone(), report)
                .await
                .map_err(|e| prefix_fields(e, "case."))?;
            visit.case_id = Some(opened.case.id);
        }
        let mut stored = StoredVisit {
            subdistrict_id: h.subdistrict_id,
            worker_name: actor.name.clone(),
            recorded_at: now,
            visit,
        };
        stored.visit.id = self.store.insert_visit(&stored).await?;
        Ok(VisitOut::of(stored))
    }

    async fn check_photos(&self, cases: &crate::case_desk::Desk, photos: &[i64]) -> Result<()> {
        if photos.is_empty() {
            return Ok(());
        }
        let missing = cases.store().missing_photos(photos).await?;
        let errors: Vec<FieldError> = photos
            .iter()
            .enumerate()
            .filter(|(_, id)| missing.contains(id))
            .map(|(i, _)| {
                FieldError::new(
                    format!("photos[{i}]"),
                    "no such photo (upload it with POST /api/v1/case-photos)",
                )
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(errors))
        }
    }

    /// Who is due and overdue in the caller's scope, with the figures.
    pub async fn compliance(
        &self,
        atlas: &Arc<Atlas>,
        who: &Principal,
        q: ComplianceQuery,
        now: i64,
    ) -> Result<ComplianceAnswer> {
        let year = q.year.unwrap_or_else(|| visits::year_quarter(now).0);
        let Some(bounds) = visits::quarter_starts(year).filter(|_| (1900..=9999).contains(&year))
        else {
            return Err(Error::invalid("year", "1900 to 9999"));
        };
        if let Some(qq) = q.quarter
            && !(1..=4).contains(&qq)
        {
            return Err(Error::invalid("quarter", "1 to 4"));
        }
        if let Some(g) = q.grid {
            match atlas.authorize_grid(who, Action::ReadHouseholdStats, g) {
                None => return Err(Error::NotFound(format!("grid {g}"))),
                Some(r) => r?,
            }
        }
        let places = self.places(atlas).await?;
        let marks = self.store.marks(None).await?;
        let visit_rows = self.store.visit_rows(None, bounds[0], bounds[4]).await?;
        let accounts = self.accounts.accounts().await?;

        // Scope, once per grid: whether the caller may read the figures there,
        // and (with `grid`) whether it lies in that subtree.
        let mut paths: HashMap<Option<GridId>, (bool, Vec<GridId>)> = HashMap::new();
        let mut in_scope = |sd: SubdistrictId, g: Option<GridId>| -> bool {
            paths
                .entry(g)
                .or_insert_with(|| {
                    let path = g
                        .and_then(|g| atlas.path(g))
                        .map(|(_, p)| p)
                        .unwrap_or_default();
                    let ok = may(atlas, who, Action::ReadHouseholdStats, sd, g)
                        && q.grid.is_none_or(|f| path.contains(&f));
                    (ok, path)
                })
                .0
        };
        let mine: Vec<&HouseholdMark> = marks
            .iter()
            .filter(|m| in_scope(m.subdistrict_id, m.grid_id))
            .collect();
        // Households in no grid are counted in the scope's total under grid 0.
        let subjects: Vec<Subject> = mine
            .iter()
            .map(|m| Subject {
                household_id: m.id,
                grid_id: m.grid_id.unwrap_or(0),
                special: m.special,
                since: m.created_at,
            })
            .collect();
        let building_of: HashMap<i64, i64> = mine.iter().map(|m| (m.id, m.building_id)).collect();
        let mut parent: HashMap<GridId, GridId> = HashMap::new();
        for (_, path) in paths.values() {
            for w in path.windows(2) {
                parent.insert(w[0], w[1]);
            }
        }
        // Teams: grid workers' grants over grids (until teams are stored).
        let mut teams: HashMap<GridId, Vec<i64>> = HashMap::new();
        let mut names: HashMap<i64, (String, Vec<GridId>)> = HashMap::new();
        for a in accounts.iter().filter(|a| a.disabled_at.is_none()) {
            for g in &a.grants {
                if let (Role::GridWorker, Scope::Grid(gid)) = (g.role, g.scope)
                    && atlas.grid(gid).is_some()
                {
                    teams.entry(gid).or_default().push(a.id);
                    names
                        .entry(a.id)
                        .or_insert_with(|| (a.display_name.clone(), Vec::new()))
                        .1
                        .push(gid);
                    if let Some((_, p)) = atlas.path(gid) {
                        for w in p.windows(2) {
                            parent.insert(w[0], w[1]);
                        }
                    }
                }
            }
        }
        let marks_iter = visit_rows.iter().map(|v| VisitMark {
            household_id: v.household_id,
            worker_id: v.worker_id,
            at: v.at,
            outcome: v.outcome,
        });
        let c: Compliance = visits::compliance(year, now, &subjects, marks_iter, &parent, &teams);

        // Accuracy: households whose record was confirmed at a visit this year.
        let mine_ids: HashSet<i64> = subjects.iter().map(|s| s.household_id).collect();
        let confirmed: HashSet<i64> = visit_rows
            .iter()
            .filter(|v| {
                v.record_confirmed
                    && v.outcome == Outcome::Visited
                    && v.at <= now
                    && mine_ids.contains(&v.household_id)
            })
            .map(|v| v.household_id)
            .collect();
        let grid_of: HashMap<i64, GridId> = subjects
            .iter()
            .map(|s| (s.household_id, s.grid_id))
            .collect();
        let up = |g: GridId| -> Vec<GridId> {
            let mut p = vec![g];
            while let Some(x) = p.last().and_then(|l| parent.get(l)).copied() {
                if p.contains(&x) || p.len() > 16 {
                    break;
                }
                p.push(x);
            }
            p
        };
        let mut confirmed_by_grid: HashMap<GridId, u64> = HashMap::new();
        for h in &confirmed {
            if let Some(&g) = grid_of.get(h) {
                for x in up(g) {
                    *confirmed_by_grid.entry(x).or_default() += 1;
                }
            }
        }
        // Collection: buildings' estimates, per grid and for the scope.
        let mut estimated: HashMap<GridId, u64> = HashMap::new();
        let mut estimated_total = 0u64;
        let mut leaf_paths: HashMap<Option<GridId>, (bool, Vec<GridId>)> = HashMap::new();
        for (sd, leaf, n) in places.buildings.values() {
            let (ok, path) = leaf_paths.entry(*leaf).or_insert_with(|| {
                let path = leaf
                    .and_then(|g| atlas.path(g))
                    .map(|(_, p)| p)
                    .unwrap_or_default();
                let ok = may(atlas, who, Action::ReadHouseholdStats, *sd, *leaf)
                    && q.grid.is_none_or(|f| path.contains(&f));
                (ok, path)
            });
            if !*ok {
                continue;
            }
            let n = u64::try_from(*n).unwrap_or(0);
            estimated_total += n;
            for g in path.iter() {
                *estimated.entry(*g).or_default() += n;
            }
        }

        let figures = |t: &Tally, est: u64, conf: u64| VisitFigures {
            tally: *t,
            year_rate: t.year_rate(),
            quarter_rates: [1, 2, 3, 4].map(|k| t.quarter_rate(k)),
            collection: Rate::new(u64::from(t.households), est, COLLECTION_TARGET),
            accuracy: Rate::new(conf, u64::from(t.households), ACCURACY_TARGET),
        };
        let total = figures(&c.total, estimated_total, confirmed.len() as u64);
        let mut grid_ids: Vec<GridId> = c
            .by_grid
            .keys()
            .chain(estimated.keys())
            .copied()
            .filter(|g| *g != 0)
            .collect();
        grid_ids.sort_unstable();
        grid_ids.dedup();
        let empty = Tally::default();
        let mut grids: Vec<GridFigures> = grid_ids
            .into_iter()
            .filter_map(|g| {
                let ig = atlas.grid(g)?;
                let t = c.by_grid.get(&g).unwrap_or(&empty);
                Some(GridFigures {
                    grid_id: g,
                    code: ig.grid.draft.code.clone(),
                    name: ig.grid.draft.name.clone(),
                    level: ig.grid.draft.level,
                    parent_id: ig.grid.draft.parent_id,
                    figures: figures(
                        t,
                        estimated.get(&g).copied().unwrap_or(0),
                        confirmed_by_grid.get(&g).copied().unwrap_or(0),
                    ),
                })
            })
            .collect();
        grids.sort_by(|a, b| (a.level, &a.code).cmp(&(b.level, &b.code)));
        let mut workers: Vec<WorkerFigures> = c
            .by_worker
            .iter()
            .filter_map(|(w, t): (&i64, &WorkerTally)| {
                let (name, gs) = names.get(w)?;
                // Only workers of grids in the caller's scope.
                let shown: Vec<GridId> = gs
                    .iter()
                    .copied()
                    .filter(|g| {
                        atlas
                            .authorize_grid(who, Action::ReadHouseholdStats, *g)
                            .is_some_and(|r| r.is_ok())
                    })
                    .collect();
                if shown.is_empty() {
                    return None;
                }
                Some(WorkerFigures {
                    worker_id: *w,
                    name: name.clone(),
                    grids: shown,
                    households: t.households,
                    year_rate: t.households.year_rate(),
                    visits_made: t.visits_made,
                })
            })
            .collect();
        workers.sort_by_key(|w| w.worker_id);

        // The lists: only for a caller who may read the households listed.
        let lists = who.may_somewhere(Action::ReadHouseholds);
        let list = |standing: Standing| -> (Vec<Listed>, usize) {
            let mut n = 0;
            let mut out = Vec::new();
            for s in c.list(None, q.quarter, standing) {
                n += 1;
                if lists && out.len() < q.limit {
                    out.push(Listed::of(
                        s,
                        building_of.get(&s.household_id).copied().unwrap_or(0),
                    ));
                }
            }
            (out, n)
        };
        let (due, due_count) = list(Standing::Due);
        let (overdue, overdue_count) = list(Standing::Overdue);
        Ok(ComplianceAnswer {
            year,
            now,
            quarter: q.quarter,
            grid_id: q.grid,
            total,
            grids,
            workers,
            due: if lists { due } else { Vec::new() },
            overdue: if lists { overdue } else { Vec::new() },
            due_count,
            overdue_count,
            lists,
        })
    }
}

/// Whether `who` may take `action` on a household of subdistrict `sd` lying in
/// grid `g` (in no grid: the subdistrict's).
fn may(
    atlas: &Atlas,
    who: &Principal,
    action: Action,
    sd: SubdistrictId,
    g: Option<GridId>,
) -> bool {
    match g.and_then(|g| atlas.authorize_grid(who, action, g)) {
        Some(r) => r.is_ok(),
        None => authorize(who, action, Resource::Subdistrict(sd)).is_ok(),
    }
}

/// A grid and every grid below it.
fn subtree(atlas: &Atlas, grid: GridId) -> Vec<GridId> {
    let mut out = vec![grid];
    let mut i = 0;
    while i < out.len() && out.len() < 1_000_000 {
        let g = out[i];
        out.extend(atlas.children(g).iter().map(|c| c.grid.id));
        i += 1;
    }
    out
}

/// A point inside a building's footprint.
fn building_point(atlas: &Atlas, building: i64, places: &Places) -> Option<geo::Coord> {
    use geo::InteriorPoint;
    let (sd, _, _) = places.buildings.get(&building)?;
    let s = atlas.subdistrict(*sd)?;
    let r = geo::BoundingRect::bounding_rect(&s.boundary)?;
    atlas
        .buildings_in(Some(r))
        .into_iter()
        .find(|b| b.id == building)
        .and_then(|b| b.footprint.interior_point())
        .map(|p| p.0)
}

/// An import's refusal: 422 naming every bad row.
fn import_error(e: &ImportError) -> Error {
    let mut errors = e.field_errors();
    if e.bad_rows as usize > e.errors.len() {
        errors.push(FieldError::new(
            "rows",
            format!(
                "{} bad rows in all; the first {} reasons are listed",
                e.bad_rows,
                e.errors.len()
            ),
        ));
    }
    Error::Invalid(errors)
}

/// A case desk's refusal of the case a visit opens, its fields under `case.`.
fn prefix_fields(e: Error, prefix: &str) -> Error {
    match e {
        Error::Invalid(v) => Error::Invalid(
            v.into_iter()
                .map(|mut f| {
                    f.field = format!("{prefix}{}", f.field);
                    f
                })
                .collect(),
        ),
        e => e,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::households::IdNumber;

    fn id() -> IdNumber {
        IdNumber::parse(
            "11010519491231002X",
            chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn the_key_file_is_made_once_private_and_the_environment_wins() {
        let dir = std::env::temp_dir().join(format!("gridd-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("store.gpkg.id-key");
        let _ = std::fs::remove_file(&file);
        let first = load_id_key(None, &file).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text.trim().len(), 64, "64 hex digits");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Started again: the same key, so numbers still match.
        let again = load_id_key(None, &file).unwrap();
        assert_eq!(first.hash(&id()), again.hash(&id()));
        // The environment's key wins over the file.
        let env = load_id_key(Some(&"ab".repeat(32)), &file).unwrap();
        assert_ne!(env.hash(&id()), first.hash(&id()));
        assert_eq!(
            env.hash(&id()),
            IdKey::from_hex(&"ab".repeat(32)).unwrap().hash(&id())
        );
        // A bad key is refused, without repeating it.
        let e = load_id_key(Some("not hex at all"), &file)
            .unwrap_err()
            .to_string();
        assert!(e.contains(KEY_ENV) && !e.contains("not hex at all"), "{e}");
        std::fs::write(&file, "short").unwrap();
        assert!(load_id_key(None, &file).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
