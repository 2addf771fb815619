//! The patrol desk: every GPS fix comes in through it (issue 13). It checks a
//! request's fixes as a whole ([`check_fixes`]: refused whole, nothing stored),
//! checks that the caller may record each worker's track, places every fix into
//! its grid path with the atlas, flags the fixes that cannot be true
//! ([`FixChecker`], against each worker's newest counted fix, kept in memory per
//! instance and read from the store the first time), and stores the request's
//! fixes in one transaction. A 201 means stored.
//!
//! One request at a time per instance goes from reading a worker's newest counted
//! fix to storing (a mutex): two requests for one worker would otherwise both be
//! checked against the same previous fix. Across instances a worker's requests may
//! interleave; each is still checked against a real earlier fix of that worker.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;

use crate::accounts::Account;
use crate::domain::access::{Action, Denied, Principal, Resource, Role, authorize};
use crate::domain::grid::GridId;
use crate::error::{Error, FieldError, Result};
use crate::index::Atlas;
use crate::lookup::datum::Datum;
use crate::patrols::audit::{AuditRules, Week, WeeklyAudit, own_grids, tally};
use crate::patrols::fix::{Fix, FixInput, Flag, Last, MAX_FIXES, check_fixes, place_and_flag};
use crate::patrols::patrol::{OwnGrids, Patrol, PlacedFix, detect};
use crate::patrols::track_file::{self, Format};
use crate::patrols::{AccountId, GridTree, Millis};
use crate::store::patrols::{PatrolStore, StoredFix};

/// What a request of fixes did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    /// Fixes stored (every fix of the request).
    pub stored: usize,
    /// Of them, counted (placed, not flagged).
    pub counted: usize,
    /// Flagged fixes per reason code (`time_backwards`, `inaccurate`, `outside`,
    /// `too_fast`).
    pub flagged: BTreeMap<String, usize>,
    /// Per fix, in the request's order: its flag, or `null` when counted.
    pub flags: Vec<Option<Flag>>,
}

/// The patrol desk.
pub struct PatrolDesk {
    store: Arc<dyn PatrolStore>,
    /// Each worker's newest counted fix, once read (`None`: none stored).
    last: tokio::sync::Mutex<HashMap<AccountId, Option<Last>>>,
    /// Workers' newest positions for the live feed (`patrol_positions.rs`).
    positions: crate::patrol_positions::Positions,
}

impl PatrolDesk {
    /// A desk over a store.
    pub fn new(store: Arc<dyn PatrolStore>) -> Arc<Self> {
        Arc::new(Self {
            store,
            last: tokio::sync::Mutex::new(HashMap::new()),
            positions: Default::default(),
        })
    }

    /// The store (reads).
    pub fn store(&self) -> &Arc<dyn PatrolStore> {
        &self.store
    }

    /// The positions published to the live feed.
    pub fn positions(&self) -> &crate::patrol_positions::Positions {
        &self.positions
    }

    /// Records one request's fixes for `who` at `now` (Unix seconds).
    pub async fn record(
        &self,
        atlas: &Atlas,
        who: &Principal,
        fixes: &[FixInput],
        now: i64,
    ) -> Result<Recorded> {
        let fixes = check_fixes(fixes).map_err(Error::Invalid)?;
        self.record_checked(atlas, who, &fixes, now, |i| format!("fixes[{i}].worker"))
            .await
    }

    /// Records a track file (GPX or GeoJSON; `format` from the request's media
    /// type, else guessed from the text) as `worker`'s fixes in `datum`, through
    /// the same checks as [`Self::record`]: refused whole naming the place
    /// (`file`, `trkpt[3]`, `features[0].properties.coordTimes[5]`,
    /// `points[3].time_ms`, `worker`), nothing stored.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_file(
        &self,
        atlas: &Atlas,
        who: &Principal,
        worker: AccountId,
        format: Option<Format>,
        text: &str,
        datum: Datum,
        now: i64,
    ) -> Result<Recorded> {
        let points = match format.or_else(|| Format::sniff(text)) {
            Some(Format::Gpx) => track_file::parse_gpx(text),
            Some(Format::GeoJson) => track_file::parse_geojson(text),
            None => track_file::parse(text),
        }
        .map_err(Error::Invalid)?;
        if points.is_empty() {
            return Err(Error::invalid("file", "no track points"));
        }
        if points.len() > MAX_FIXES {
            return Err(Error::invalid(
                "file",
                format!(
                    "{} track points; at most {MAX_FIXES} in one file",
                    points.len()
                ),
            ));
        }
        let inputs = track_file::to_fixes(&points, worker, datum);
        let fixes = check_fixes(&inputs).map_err(|errors| {
            Error::Invalid(
                errors
                    .into_iter()
                    .map(|mut e| {
                        if let Some(rest) = e.field.strip_prefix("fixes[") {
                            e.field = format!("points[{rest}");
                        }
                        e
                    })
                    .collect(),
            )
        })?;
        self.record_checked(atlas, who, &fixes, now, |_| "worker".to_owned())
            .await
    }

    /// Places, flags and stores checked fixes. A worker's fixes are flagged from
    /// their newest counted fix — or, when the request's first fix of theirs is
    /// older than that (a late upload: an offline phone's batch, last week's
    /// file), from their counted fix stored just before that first fix, so late
    /// fixes are judged against their neighbours in time, not flagged for
    /// arriving late. `worker_field` names fix `i`'s worker in a refusal.
    async fn record_checked(
        &self,
        atlas: &Atlas,
        who: &Principal,
        fixes: &[Fix],
        now: i64,
        worker_field: impl Fn(usize) -> String,
    ) -> Result<Recorded> {
        let mut last = self.last.lock().await;
        // Each worker's first fix in the request.
        let mut firsts: Vec<(AccountId, Millis)> = Vec::new();
        for f in fixes {
            if !firsts.iter().any(|(w, _)| *w == f.worker) {
                firsts.push((f.worker, f.time_ms));
            }
        }
        let mut previous: HashMap<AccountId, Option<Last>> = HashMap::new();
        for &(w, first) in &firsts {
            if let std::collections::hash_map::Entry::Vacant(e) = last.entry(w) {
                e.insert(self.store.last_counted(w).await?.map(|s| last_of(&s)));
            }
            let newest = last.get(&w).copied().flatten();
            let from = match newest {
                Some(n) if first < n.time_ms => self
                    .store
                    .counted_before(w, first)
                    .await?
                    .map(|s| last_of(&s)),
                other => other,
            };
            previous.insert(w, from);
        }
        let (placed, lasts) = place_and_flag(atlas, fixes, |w| previous.get(&w).copied().flatten());
        may_record(
            who,
            fixes,
            |i| placed[i].placement.subdistrict,
            worker_field,
        )?;
        let rows: Vec<StoredFix> = placed
            .iter()
            .map(|p| StoredFix {
                worker: p.fix.worker,
                time_ms: p.fix.time_ms,
                lon: p.fix.pos.x,
                lat: p.fix.pos.y,
                accuracy_m: p.fix.accuracy_m,
                speed_mps: p.fix.speed_mps,
                subdistrict_id: p.placement.subdistrict,
                grid_id: p.placement.deepest(),
                flag: p.flag,
            })
            .collect();
        self.store.insert_fixes(&rows, now).await?;
        self.positions.publish(atlas, &rows);
        // Stored: the workers' newest counted fixes move on (a late batch's last
        // counted fix is not newer than what was stored).
        for (w, l) in lasts {
            let e = last.entry(w).or_insert(None);
            if e.is_none_or(|n| l.time_ms >= n.time_ms) {
                *e = Some(l);
            }
        }
        drop(last);
        let flags: Vec<Option<Flag>> = placed.iter().map(|p| p.flag).collect();
        let mut flagged = BTreeMap::new();
        for f in flags.iter().flatten() {
            *flagged.entry(f.code().to_owned()).or_insert(0) += 1;
        }
        Ok(Recorded {
            stored: rows.len(),
            counted: flags.iter().filter(|f| f.is_none()).count(),
            flagged,
            flags,
        })
    }

    /// A worker's fixes from `from_ms` to `to_ms` (at most `limit`), for `who`:
    /// their own, or any worker's for a caller who may manage tracks (over
    /// everything, or the fixes lying in their scope's subdistricts).
    pub async fn fixes(
        &self,
        atlas: &Atlas,
        who: &Principal,
        worker: AccountId,
        from_ms: Millis,
        to_ms: Millis,
        limit: i64,
    ) -> Result<Vec<StoredFix>> {
        if to_ms <= from_ms {
            return Err(Error::invalid("to", "must be after `from`"));
        }
        let own = who.user_id == Some(worker) && who.may_somewhere(Action::RecordTrack);
        // Other workers' fixes: where the caller manages tracks, or reads patrols by a
        // role beyond grid worker (an operator's, an auditor's: the same fixes the
        // tracks tiles and the live positions show them).
        let others = who.without(Role::GridWorker);
        let reads = others.may_somewhere(Action::ReadPatrols);
        if !own && !who.may_somewhere(Action::ManageTracks) && !reads {
            return Err(Denied::Role(Action::ManageTracks).into());
        }
        let all = self.store.fixes(worker, from_ms, to_ms, limit).await?;
        if own || authorize(who, Action::ManageTracks, Resource::Everything).is_ok() {
            return Ok(all);
        }
        let mut seen: HashMap<GridId, bool> = HashMap::new();
        Ok(all
            .into_iter()
            .filter(|f| {
                let managed = f.subdistrict_id.is_some_and(|sd| {
                    authorize(who, Action::ManageTracks, Resource::Subdistrict(sd)).is_ok()
                });
                managed
                    || (reads
                        && f.grid_id.is_some_and(|g| {
                            *seen.entry(g).or_insert_with(|| {
                                matches!(
                                    atlas.authorize_grid(&others, Action::ReadPatrols, g),
                                    Some(Ok(()))
                                )
                            })
                        }))
            })
            .collect())
    }
}

/// How far before a week's start and after its end the audit reads fixes, so a
/// patrol running across either edge is judged whole: it belongs to the week it
/// starts in. A stretch running on for more than this beyond an edge is judged on
/// what was read.
pub const AUDIT_EDGE_MS: Millis = 6 * 3_600_000;

/// The weekly patrol audit as the desk answers it: the domain's audit of one week
/// for the caller's scope, with the workers' shown names.
#[derive(Debug, Clone)]
pub struct WeekAudit {
    /// The week.
    pub week: Week,
    /// Its first instant (Monday 00:00 +08:00), Unix ms.
    pub from_ms: Millis,
    /// The first instant after it, Unix ms.
    pub to_ms: Millis,
    /// The audit (one week).
    pub audit: WeeklyAudit,
    /// Each audited worker's shown name.
    pub names: HashMap<AccountId, String>,
}

impl PatrolDesk {
    /// The audit of 11.2.1 for `week` over the caller's scope: the L3 grids they
    /// may read patrols of, and the grid workers (accounts holding `grid_worker`
    /// over grids, active at the week's start) with a grid there — each worker's
    /// grids in the answer limited to those in the scope, their patrols found over
    /// all their grids. `worker` restricts it to one of those workers: their
    /// patrols only, over the audited grids at or below their own (404 when they
    /// are not a grid worker in the scope). Fixes are the counted ones stored,
    /// placed where ingest placed them, read worker by worker (see
    /// [`AUDIT_EDGE_MS`]).
    pub async fn audit(
        &self,
        atlas: &Atlas,
        who: &Principal,
        accounts: &[Account],
        week: Week,
        worker: Option<AccountId>,
    ) -> Result<WeekAudit> {
        let tree = GridTree::from_atlas(atlas);
        let visible = |g: GridId| {
            matches!(
                atlas.authorize_grid(who, Action::ReadPatrols, g),
                Some(Ok(()))
            )
        };
        let (from_ms, to_ms) = (week.start_ms(), week.end_ms());
        // Workers: their grids (known to the atlas) and those the caller sees.
        let mut workers: Vec<(AccountId, Vec<GridId>, Vec<GridId>)> = Vec::new();
        let mut names = HashMap::new();
        for a in accounts {
            if a.disabled_at.is_some_and(|t| t * 1000 <= from_ms) {
                continue;
            }
            let own: Vec<GridId> = own_grids(&a.grants)
                .into_iter()
                .filter(|&g| tree.get(g).is_some())
                .collect();
            let seen: Vec<GridId> = own.iter().copied().filter(|&g| visible(g)).collect();
            if seen.is_empty() || worker.is_some_and(|w| w != a.id) {
                continue;
            }
            names.insert(a.id, a.display_name.clone());
            workers.push((a.id, own, seen));
        }
        if let Some(w) = worker
            && workers.is_empty()
        {
            return Err(Error::NotFound(format!(
                "grid worker {w} (an account holding grid_worker over a grid in your scope)"
            )));
        }
        workers.sort_by_key(|w| w.0);
        // The audited grids: every L3 grid in the scope (below the worker's grids
        // when one is asked).
        let grids: Vec<GridId> = atlas
            .grids(None, Some(3), None, None)
            .into_iter()
            .map(|g| g.grid.id)
            .filter(|&g| visible(g))
            .filter(|&g| {
                worker.is_none()
                    || workers
                        .iter()
                        .any(|(_, _, seen)| tree.up(g).any(|a| seen.contains(&a)))
            })
            .collect();
        // Patrols, one detector per worker fed as their fixes are read.
        let rules = AuditRules::default();
        let own_of: HashMap<AccountId, &[GridId]> = workers
            .iter()
            .map(|(w, own, _)| (*w, own.as_slice()))
            .collect();
        let ids: Vec<AccountId> = workers.iter().map(|w| w.0).collect();
        let mut found: Vec<Patrol> = Vec::new();
        let mut sink = |w: AccountId, fixes: &[PlacedFix]| {
            let own = OwnGrids::new(own_of.get(&w).copied().unwrap_or_default(), &tree);
            found.extend(detect(w, own, rules.patrol, fixes));
        };
        self.store
            .counted_tracks(
                &ids,
                from_ms - AUDIT_EDGE_MS,
                to_ms + AUDIT_EDGE_MS,
                &mut sink,
            )
            .await?;
        // Only what the caller sees.
        let seen_of: HashMap<AccountId, &[GridId]> = workers
            .iter()
            .map(|(w, _, seen)| (*w, seen.as_slice()))
            .collect();
        found.retain(|p| seen_of.get(&p.worker).is_some_and(|s| s.contains(&p.grid)));
        let rows: Vec<(AccountId, &[GridId])> = seen_of.iter().map(|(w, s)| (*w, *s)).collect();
        let audit = tally(found, &rows, &grids, &tree, &[week], rules);
        Ok(WeekAudit {
            week,
            from_ms,
            to_ms,
            audit,
            names,
        })
    }
}

/// Whether `who` may record these fixes: their own (their account's id) wherever
/// they are, another worker's only where they may manage tracks (the subdistrict
/// the fix lies in; everything for fixes outside every subdistrict). Refused whole,
/// naming the first fix refused.
fn may_record(
    who: &Principal,
    fixes: &[Fix],
    subdistrict: impl Fn(usize) -> Option<i64>,
    worker_field: impl Fn(usize) -> String,
) -> Result<()> {
    for (i, f) in fixes.iter().enumerate() {
        if who.user_id == Some(f.worker) {
            if !who.may_somewhere(Action::RecordTrack) {
                return Err(Denied::Role(Action::RecordTrack).into());
            }
            continue;
        }
        let res = match subdistrict(i) {
            Some(sd) => Resource::Subdistrict(sd),
            None => Resource::Everything,
        };
        if authorize(who, Action::ManageTracks, res).is_err() {
            return Err(Error::Forbidden(
                FieldError::new(
                    worker_field(i),
                    format!(
                        "account {} is not yours; recording another worker's track needs the right to manage tracks there",
                        f.worker
                    ),
                )
                .to_string(),
            ));
        }
    }
    Ok(())
}

/// A stored fix as the reference of the next.
fn last_of(s: &StoredFix) -> Last {
    Last {
        time_ms: s.time_ms,
        pos: geo::coord! { x: s.lon, y: s.lat },
    }
}
