//! What flows up from the domain to storage and caches: the write commands
//! (`ImportBatch`, `EditBatch`), what a commit stored (`Loaded`, `EditResult`), code
//! changes and the actor behind a write. Lower layers own these types, so the store,
//! the tiles and the HTTP layer depend on the domain, never the reverse.

use super::grid::{Grid, GridDraft, GridId, SubdistrictId};
use super::reference::{Building, Road};
use super::subdistrict::Subdistrict;

/// Everything in a store, for building the in-memory atlas.
#[derive(Debug, Default)]
pub struct Loaded {
    /// All subdistricts.
    pub subdistricts: Vec<Subdistrict>,
    /// All grids.
    pub grids: Vec<Grid>,
    /// All buildings.
    pub buildings: Vec<Building>,
    /// All roads.
    pub roads: Vec<Road>,
}

/// A grid to import. Ids below zero are references to other rows of the same batch
/// (a subdistrict or parent grid imported alongside); others are stored rows.
#[derive(Debug, Clone)]
pub struct ImportGrid {
    /// Batch-local id (negative), for children to refer to.
    pub local_id: i64,
    /// Subdistrict: stored id, or a negative batch-local id.
    pub subdistrict_id: SubdistrictId,
    /// The grid; `parent_id` may be a negative batch-local id.
    pub draft: GridDraft,
}

/// An all-or-nothing import. Negative ids refer to rows of the same batch.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    /// New subdistricts; their `id` is a negative batch-local id.
    pub subdistricts: Vec<Subdistrict>,
    /// New grids, parents before children (sorted by level by the store anyway).
    pub grids: Vec<ImportGrid>,
    /// New buildings (`subdistrict_id` may be batch-local).
    pub buildings: Vec<Building>,
    /// New roads (`subdistrict_id` may be batch-local).
    pub roads: Vec<Road>,
}

impl ImportBatch {
    /// Whether there is nothing to import.
    pub fn is_empty(&self) -> bool {
        self.subdistricts.is_empty()
            && self.grids.is_empty()
            && self.buildings.is_empty()
            && self.roads.is_empty()
    }
}

/// One grid replaced by an edit, if it is still at `expected_version`.
#[derive(Debug, Clone)]
pub struct EditUpdate {
    /// The grid.
    pub id: GridId,
    /// The version the edit started from.
    pub expected_version: i64,
    /// Its new content (code, parent and geometry may all change).
    pub draft: GridDraft,
}

/// A grid code changed by an edit, for `code_history`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CodeChange {
    /// The grid.
    #[schema(value_type = i64)]
    pub id: GridId,
    /// Its code before.
    pub old_code: String,
    /// Its code after.
    pub new_code: String,
}

/// An all-or-nothing edit of several grids of one subdistrict (split, merge,
/// vertex moves, renumbering). Applied in this order: updates (codes through a
/// temporary value, so swapped codes never meet the unique constraint), deletes,
/// creates; then the code history and one audit row per grid.
#[derive(Debug, Clone, Default)]
pub struct EditBatch {
    /// The subdistrict of every grid in the batch.
    pub subdistrict_id: SubdistrictId,
    /// What the edit is, for the audit log (`split`, `merge`, `move-vertex`, …).
    pub action: String,
    /// Grids replaced.
    pub updates: Vec<EditUpdate>,
    /// Grids deleted, each with the version the edit started from.
    pub deletes: Vec<(GridId, i64)>,
    /// New grids.
    pub creates: Vec<GridDraft>,
    /// Codes changed by the updates, recorded in `code_history`.
    pub code_changes: Vec<CodeChange>,
}

impl EditBatch {
    /// Checks that the client named the version of every grid this edit changes or
    /// deletes, and that each is the one the plan started from (the current one).
    ///
    /// # Errors
    /// 428 listing the grids not named (`missing`); 409 with every stale grid.
    pub fn require_versions(
        &self,
        named: &std::collections::HashMap<GridId, i64>,
    ) -> Result<(), crate::error::Error> {
        use crate::error::{Error, StaleGrid};
        let touched = self
            .updates
            .iter()
            .map(|u| (u.id, u.expected_version))
            .chain(self.deletes.iter().copied());
        let mut missing = Vec::new();
        let mut stale = Vec::new();
        for (id, current) in touched {
            match named.get(&id) {
                None => missing.push(id),
                Some(&v) if v != current => stale.push(StaleGrid {
                    id,
                    given: Some(v),
                    current: Some(current),
                }),
                Some(_) => {}
            }
        }
        if !stale.is_empty() {
            return Err(Error::StaleGrids(stale));
        }
        if !missing.is_empty() {
            missing.sort_unstable();
            return Err(Error::PreconditionRequired {
                message: format!(
                    "name the version of every grid the edit changes in \"versions\"; missing for {}",
                    missing
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                missing,
            });
        }
        Ok(())
    }
}

/// What an applied [`EditBatch`] stored.
#[derive(Debug, Clone, Default)]
pub struct EditResult {
    /// The updated grids, as stored.
    pub changed: Vec<Grid>,
    /// The new grids, as stored.
    pub created: Vec<Grid>,
    /// The deleted grids, as they were.
    pub deleted: Vec<Grid>,
    /// The codes changed (as recorded in `code_history`).
    pub code_changes: Vec<CodeChange>,
}

/// One row of `code_history`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CodeHistoryEntry {
    /// The grid.
    #[schema(value_type = i64)]
    pub grid_id: GridId,
    /// Code before.
    pub old_code: String,
    /// Code after.
    pub new_code: String,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who.
    pub actor: String,
    /// Why, when given.
    #[schema(required = true)]
    pub reason: Option<String>,
}

/// Who made a change, and why, for the audit log. `Actor("name".into())` still
/// builds one without a reason.
#[derive(Debug, Clone)]
pub struct Actor(pub Signature);

/// The person (or program) behind a write and the reason they gave, if any
/// (`X-Gridd-Reason`, e.g. why an edit that breaks coverage was saved anyway).
#[derive(Debug, Clone, Default)]
pub struct Signature {
    /// Who: the signed-in account's name, or a program name.
    pub name: String,
    /// Why, when given.
    pub reason: Option<String>,
    /// Where the request came from (the client's address), when over HTTP.
    pub address: Option<String>,
    /// What the caller may do, when the write comes from a caller who must be
    /// authorized (over HTTP); `None` for the command line and programs, which act
    /// with the rights of whoever runs them.
    pub access: Option<std::sync::Arc<super::access::Principal>>,
}

impl From<&str> for Signature {
    fn from(name: &str) -> Self {
        name.to_owned().into()
    }
}

impl From<String> for Signature {
    fn from(name: String) -> Self {
        Self {
            name,
            ..Self::default()
        }
    }
}

impl Actor {
    /// An actor with a reason.
    pub fn new(name: impl Into<String>, reason: Option<String>) -> Self {
        Self(Signature {
            name: name.into(),
            reason,
            ..Signature::default()
        })
    }

    /// A caller over HTTP: who they are (and may do), why, from where.
    pub fn caller(
        principal: std::sync::Arc<super::access::Principal>,
        reason: Option<String>,
        address: Option<String>,
    ) -> Self {
        Self(Signature {
            name: principal.name.clone(),
            reason,
            address,
            access: Some(principal),
        })
    }

    /// Who.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Why, when given.
    pub fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// From where, when known.
    pub fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }

    /// The caller's rights, when they must be checked.
    pub fn access(&self) -> Option<&super::access::Principal> {
        self.0.access.as_deref()
    }
}

/// The ids a committed write touched, as the store's change log keeps them: what a
/// follower re-reads to bring its atlas up to date.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChangedIds {
    /// Subdistricts created or changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subdistricts: Vec<SubdistrictId>,
    /// Grids created, changed or deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grids: Vec<GridId>,
    /// Buildings created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buildings: Vec<i64>,
    /// Roads created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roads: Vec<i64>,
}

impl ChangedIds {
    /// The ids of every row in `rows`, plus `removed` grids.
    pub fn of(rows: &Loaded, removed: &[GridId]) -> Self {
        Self {
            subdistricts: rows.subdistricts.iter().map(|s| s.id).collect(),
            grids: rows
                .grids
                .iter()
                .map(|g| g.id)
                .chain(removed.iter().copied())
                .collect(),
            buildings: rows.buildings.iter().map(|b| b.id).collect(),
            roads: rows.roads.iter().map(|r| r.id).collect(),
        }
    }

    /// Whether nothing is named.
    pub fn is_empty(&self) -> bool {
        self.subdistricts.is_empty()
            && self.grids.is_empty()
            && self.buildings.is_empty()
            && self.roads.is_empty()
    }
}

/// One entry of the store's change log: a committed write, numbered in commit order.
#[derive(Debug, Clone)]
pub struct ChangeRecord {
    /// Its number; numbers grow in commit order.
    pub seq: i64,
    /// The instance that committed it (see `GridStore::origin`).
    pub origin: String,
    /// What it touched.
    pub ids: ChangedIds,
}

/// What a committed write left in the store, to bring an atlas up to date: every row
/// it touched as stored now, and the grids that are gone. A local commit knows its
/// rows; a follower reads them for the ids of a [`ChangeRecord`].
#[derive(Debug, Default)]
pub struct Delta {
    /// The change log's number of the write.
    pub seq: i64,
    /// The instance that committed it.
    pub origin: String,
    /// Rows created or changed, as stored.
    pub rows: Loaded,
    /// Grids deleted.
    pub removed_grids: Vec<GridId>,
}

/// A committed change as caches and subscribers see it: what was touched and where,
/// the same whether this instance committed it or followed another's commit.
#[derive(Debug, Clone)]
pub struct Change {
    /// The change log's number.
    pub seq: i64,
    /// The instance that committed it.
    pub origin: String,
    /// The ids touched.
    pub ids: ChangedIds,
    /// Bounding boxes (degrees) of every touched geometry, before and after.
    pub areas: Vec<geo::Rect>,
}

/// Something told of every committed change, synchronously, after the atlas took it
/// and before the write's answer is sent (a cache that must never serve stale data).
pub trait ChangeListener: Send + Sync {
    /// Called once per change, in commit order.
    fn changed(&self, change: &Change);
}

/// The version a write names for the row it changes (`If-Match`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// `*`: whatever version is stored.
    Any,
    /// Exactly this version.
    Version(i64),
}

/// The version an edit started from, named by a precondition (`If-Match`), by the
/// body, or by both when they agree; `*` stands for the `current` one.
///
/// # Errors
/// 428 when neither names one; 422 naming `body_field` when they disagree.
pub fn expected_version(
    header: Option<Expected>,
    body: Option<i64>,
    body_field: &str,
    current: i64,
) -> Result<i64, crate::error::Error> {
    use crate::error::{Error, FieldError};
    match (header, body) {
        (Some(Expected::Version(h)), Some(b)) if h != b => {
            Err(Error::Invalid(vec![FieldError::new(
                body_field,
                format!("says version {b} but If-Match says {h}; name one version"),
            )]))
        }
        (Some(Expected::Version(h)), _) => Ok(h),
        (Some(Expected::Any), b) => Ok(b.unwrap_or(current)),
        (None, Some(b)) => Ok(b),
        (None, None) => Err(Error::version_required(format!(
            "name the version the edit started from: an If-Match header (the ETag, or * for any) or {body_field}"
        ))),
    }
}
