//! Storage of households (issue 14): each household (`household`, placed into
//! its building's grid at import), its people (`household_person`: a name, a
//! phone, an identity number only as keyed hash and mask), its special kinds
//! (`household_special`) and its visits (`household_visit`).
//!
//! An import's households are written in one transaction, all or none, in as
//! few statements as the backend allows (PostGIS: `INSERT … SELECT FROM
//! unnest(…)` of arrays, one per table; SQLite: multi-row `VALUES` inside one
//! `BEGIN IMMEDIATE`). The unique keys (a household's building, unit and room; a
//! person's identity-number hash) hold against two imports racing: the second
//! one is refused whole (409).

mod gpkg;
mod postgis;

use std::collections::HashSet;

use async_trait::async_trait;

use crate::domain::grid::{GridId, SubdistrictId};
use crate::error::{Error, Result};
use crate::households::household::IdRecord;
use crate::households::visits::{Outcome, Visit};
use crate::households::{Household, IdHash, Person, Phone, SpecialKind, SpecialKinds};

/// A household as stored: where it lies and since when it is on record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHousehold {
    /// Its subdistrict.
    pub subdistrict_id: SubdistrictId,
    /// The deepest grid its building lies in (placed at import).
    pub grid_id: Option<GridId>,
    /// When it was put on record (Unix seconds).
    pub created_at: i64,
    /// The household (its `id` set).
    pub household: Household,
}

/// A household as the visit rules read it (no personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HouseholdMark {
    /// Its id.
    pub id: i64,
    /// Its subdistrict.
    pub subdistrict_id: SubdistrictId,
    /// Its building.
    pub building_id: i64,
    /// Its grid.
    pub grid_id: Option<GridId>,
    /// Its kinds.
    pub special: SpecialKinds,
    /// On record since (Unix seconds).
    pub created_at: i64,
}

/// A visit as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVisit {
    /// Its subdistrict (the household's).
    pub subdistrict_id: SubdistrictId,
    /// The worker's name as it was.
    pub worker_name: String,
    /// When it was recorded (Unix seconds).
    pub recorded_at: i64,
    /// The visit (its `id` set).
    pub visit: Visit,
}

/// What the compliance figures need of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitRow {
    /// The household.
    pub household_id: i64,
    /// The worker's account id.
    pub worker_id: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// What came of it.
    pub outcome: Outcome,
    /// Whether the record was confirmed with the household (Annex A 15).
    pub record_confirmed: bool,
}

/// Which households a read takes.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    /// Those of a subdistrict.
    Subdistrict(SubdistrictId),
    /// Those placed in these grids (leaves or not: a household's own grid).
    Grids(&'a [GridId]),
}

/// The storage of households and visits.
#[async_trait]
pub trait HouseholdStore: Send + Sync {
    /// Stores an import's households in one transaction (all or none): each with
    /// its grid, on record since `created_at`. Answers their ids, in order.
    async fn insert_households(
        &self,
        subdistrict: SubdistrictId,
        households: &[(Household, Option<GridId>)],
        created_at: i64,
    ) -> Result<Vec<i64>>;
    /// Of these identity-number hashes, those already on record (anywhere).
    async fn taken_ids(&self, hashes: &[IdHash]) -> Result<HashSet<IdHash>>;
    /// Every (building, unit, room) on record in a subdistrict.
    async fn household_keys(
        &self,
        subdistrict: SubdistrictId,
    ) -> Result<HashSet<(i64, String, String)>>;
    /// Households with their people and kinds, in id order.
    async fn households(&self, which: Which<'_>) -> Result<Vec<StoredHousehold>>;
    /// One household.
    async fn household(&self, id: i64) -> Result<Option<StoredHousehold>>;
    /// Every household as the visit rules read it (all subdistricts when `None`).
    async fn marks(&self, subdistrict: Option<SubdistrictId>) -> Result<Vec<HouseholdMark>>;
    /// Stores a visit; answers its id.
    async fn insert_visit(&self, v: &StoredVisit) -> Result<i64>;
    /// Visits with `from <= at < to` (all subdistricts when `None`).
    async fn visit_rows(
        &self,
        subdistrict: Option<SubdistrictId>,
        from: i64,
        to: i64,
    ) -> Result<Vec<VisitRow>>;
    /// A household's visits, newest first.
    async fn visits_of(&self, household_id: i64) -> Result<Vec<StoredVisit>>;
}

/// A stored row the domain would never have written.
fn bad_row(table: &str, id: i64, why: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("{table} {id}: {why}"))
}

/// A household row: subdistrict, id, building, grid, address, unit, room, created.
type HouseholdRow = (i64, i64, i64, Option<i64>, String, String, String, i64);
/// A person row: household, name, phone, id hash, id mask, relation.
type PersonRow = (
    i64,
    String,
    Option<String>,
    Option<Vec<u8>>,
    Option<String>,
    Option<String>,
);
/// A visit row: subdistrict, id, household, worker, name, at, outcome, note,
/// photos, confirmed, case, recorded.
type VisitDbRow = (
    i64,
    i64,
    i64,
    i64,
    String,
    i64,
    String,
    String,
    String,
    bool,
    Option<i64>,
    i64,
);

fn person_of(r: PersonRow) -> Result<Person> {
    let phone = match r.2 {
        None => None,
        Some(p) => Some(
            Phone::parse(&p)
                .map_err(|e| bad_row("household_person", r.0, format!("phone: {e}")))?,
        ),
    };
    let id_number = match (r.3, r.4) {
        (Some(h), Some(masked)) => {
            let hash: [u8; 32] = h
                .try_into()
                .map_err(|_| bad_row("household_person", r.0, "id_hash is not 32 bytes"))?;
            Some(IdRecord {
                hash: IdHash(hash),
                masked,
            })
        }
        (None, None) => None,
        _ => {
            return Err(bad_row(
                "household_person",
                r.0,
                "id_hash without id_masked",
            ));
        }
    };
    Ok(Person {
        name: r.1,
        phone,
        id_number,
        relation: r.5,
    })
}

fn kind_of(household: i64, s: &str) -> Result<SpecialKind> {
    SpecialKind::parse(s).ok_or_else(|| {
        bad_row(
            "household_special",
            household,
            format!("unknown kind {s:?}"),
        )
    })
}

/// Assembles households from their rows, people (household order, then `ord`)
/// and kinds.
fn assemble(
    rows: Vec<HouseholdRow>,
    people: Vec<PersonRow>,
    kinds: Vec<(i64, String)>,
) -> Result<Vec<StoredHousehold>> {
    let mut out: Vec<StoredHousehold> = rows
        .into_iter()
        .map(|r| StoredHousehold {
            subdistrict_id: r.0,
            grid_id: r.3,
            created_at: r.7,
            household: Household {
                id: r.1,
                building_id: r.2,
                address: r.4,
                unit: r.5,
                room: r.6,
                people: Vec::new(),
                special: SpecialKinds::NONE,
            },
        })
        .collect();
    out.sort_by_key(|h| h.household.id);
    let at =
        |out: &[StoredHousehold], id: i64| out.binary_search_by_key(&id, |h| h.household.id).ok();
    for p in people {
        let hid = p.0;
        if let Some(i) = at(&out, hid) {
            let person = person_of(p)?;
            out[i].household.people.push(person);
        }
    }
    for (hid, k) in kinds {
        if let Some(i) = at(&out, hid) {
            out[i].household.special.insert(kind_of(hid, &k)?);
        }
    }
    Ok(out)
}

fn visit_of(r: VisitDbRow) -> Result<StoredVisit> {
    let outcome = Outcome::parse(&r.6)
        .ok_or_else(|| bad_row("household_visit", r.1, format!("unknown outcome {:?}", r.6)))?;
    let photos =
        r.8.split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| bad_row("household_visit", r.1, "photos are not ids"))
            })
            .collect::<Result<Vec<i64>>>()?;
    Ok(StoredVisit {
        subdistrict_id: r.0,
        worker_name: r.4,
        recorded_at: r.11,
        visit: Visit {
            id: r.1,
            household_id: r.2,
            worker_id: r.3,
            at: r.5,
            outcome,
            note: r.7,
            photos,
            record_confirmed: r.9,
            case_id: r.10,
        },
    })
}

fn photos_text(p: &[i64]) -> String {
    p.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

fn visit_row_of(r: (i64, i64, i64, String, bool)) -> Result<VisitRow> {
    Ok(VisitRow {
        household_id: r.0,
        worker_id: r.1,
        at: r.2,
        outcome: Outcome::parse(&r.3)
            .ok_or_else(|| bad_row("household_visit", r.0, format!("unknown outcome {:?}", r.3)))?,
        record_confirmed: r.4,
    })
}

fn marks_of(
    rows: Vec<(i64, i64, i64, Option<i64>, i64)>,
    kinds: Vec<(i64, String)>,
) -> Result<Vec<HouseholdMark>> {
    let mut out: Vec<HouseholdMark> = rows
        .into_iter()
        .map(|r| HouseholdMark {
            id: r.0,
            subdistrict_id: r.1,
            building_id: r.2,
            grid_id: r.3,
            special: SpecialKinds::NONE,
            created_at: r.4,
        })
        .collect();
    out.sort_by_key(|m| m.id);
    for (hid, k) in kinds {
        if let Ok(i) = out.binary_search_by_key(&hid, |m| m.id) {
            out[i].special.insert(kind_of(hid, &k)?);
        }
    }
    Ok(out)
}

/// The household columns read back, in [`HouseholdRow`]'s order.
const HOUSEHOLD_COLUMNS: &str =
    "h.subdistrict_id, h.id, h.building_id, h.grid_id, h.address, h.unit, h.room, h.created_at";
/// The person columns read back, in [`PersonRow`]'s order.
const PERSON_COLUMNS: &str = "p.household_id, p.name, p.phone, p.id_hash, p.id_masked, p.relation";
/// The visit columns read back, in [`VisitDbRow`]'s order.
const VISIT_COLUMNS: &str = "subdistrict_id, id, household_id, worker_id, worker_name, at, \
     outcome, note, photos, record_confirmed, case_id, recorded_at";
