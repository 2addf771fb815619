//! The running application: the store (system of record) and the in-memory atlas
//! kept equal to it.
//!
//! One change path: every write — this instance's commit or another instance's,
//! followed through the store's change log — becomes a [`Delta`] (the rows as
//! stored now) that [`App::apply`] puts into a copy of the current atlas snapshot;
//! the copy is swapped in, then the [`Change`] (ids and before/after boxes) goes to
//! every listener (the tile cache, synchronously, before the write's answer) and to
//! every subscriber (the coming live feed). Writers take one lock, so snapshots
//! follow commit order; readers never take it: they hold a snapshot, so a long
//! audit or a tile render never waits for a writer and a writer never waits for
//! them.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use geo::BoundingRect;
use parking_lot::RwLock;

use crate::domain::change::{
    Actor, Change, ChangeListener, ChangedIds, CodeHistoryEntry, Delta, EditBatch, EditResult,
    Expected, ImportBatch, Loaded, expected_version,
};
use crate::domain::geometry::Limits;
use crate::domain::grid::{self, Grid, GridId, GridProps};
use crate::error::{Error, Result, StaleGrid};
use crate::index::Atlas;
use crate::store::GridStore;

/// Refuses an edit that touches a grid outside the caller's scope (every grid it
/// changes or deletes where it is now, every grid it puts under a new parent,
/// every parent it creates under), before anything is stored. Programs (no
/// `actor.access()`) act with the rights of whoever runs them.
fn authorize_edit(atlas: &Atlas, batch: &EditBatch, actor: &Actor) -> Result<()> {
    use crate::domain::access::{Action, Resource, authorize};
    let Some(who) = actor.access() else {
        return Ok(());
    };
    let sid = batch.subdistrict_id;
    // A grid not (yet) in the atlas, or no parent: the subdistrict decides.
    let check = |grid: Option<GridId>| -> Result<()> {
        grid.and_then(|g| atlas.authorize_grid(who, Action::EditGrids, g))
            .unwrap_or_else(|| authorize(who, Action::EditGrids, Resource::Subdistrict(sid)))
            .map_err(Error::from)
    };
    for u in &batch.updates {
        check(Some(u.id))?;
        check(u.draft.parent_id)?;
    }
    for (id, _) in &batch.deletes {
        check(Some(*id))?;
    }
    for c in &batch.creates {
        check(c.parent_id)?;
    }
    Ok(())
}

/// The application: store + atlas snapshots + the change path.
pub struct App {
    store: Arc<dyn GridStore>,
    atlas: ArcSwap<Atlas>,
    /// Held by every writer (local commits and followed changes) from planning to
    /// the swap; holds the number of the newest change the atlas has.
    write: tokio::sync::Mutex<i64>,
    limits: Limits,
    listeners: RwLock<Vec<Arc<dyn ChangeListener>>>,
    changes: tokio::sync::broadcast::Sender<Arc<Change>>,
}

impl App {
    /// Loads everything from the store into a fresh atlas.
    pub async fn start(store: Arc<dyn GridStore>) -> Result<Arc<Self>> {
        crate::memory::log_stage("before load");
        let (loaded, seq) = store.load().await?;
        crate::memory::log_stage("store loaded");
        tracing::info!(
            backend = store.backend(),
            subdistricts = loaded.subdistricts.len(),
            grids = loaded.grids.len(),
            buildings = loaded.buildings.len(),
            roads = loaded.roads.len(),
            change = seq,
            "loaded store"
        );
        let Loaded {
            subdistricts,
            grids,
            buildings,
            roads,
        } = loaded;
        let atlas = Atlas::build(subdistricts, grids, buildings, roads);
        crate::memory::log_stage("atlas built");
        tracing::info!(
            point_index_mib = (atlas.point_index().heap_bytes() as f64 / 1048576.0).round(),
            "point index"
        );
        let (changes, _) = tokio::sync::broadcast::channel(1024);
        Ok(Arc::new(Self {
            store,
            atlas: ArcSwap::from_pointee(atlas),
            write: tokio::sync::Mutex::new(seq),
            limits: Limits::default(),
            listeners: RwLock::new(Vec::new()),
            changes,
        }))
    }

    /// The current atlas snapshot: every committed write up to now, immutable.
    pub fn atlas(&self) -> Arc<Atlas> {
        self.atlas.load_full()
    }

    /// The storage backend's name.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// The name of this instance's writes in the change log.
    pub fn origin(&self) -> &str {
        self.store.origin()
    }

    /// Input limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Tells `listener` of every change from now on, synchronously (see
    /// [`ChangeListener`]).
    pub fn listen(&self, listener: Arc<dyn ChangeListener>) {
        self.listeners.write().push(listener);
    }

    /// Subscribes to committed changes (asynchronously; a lagging receiver loses
    /// changes, so resuming reads the store's change log).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }

    /// Puts a committed write into a new snapshot and tells listeners and
    /// subscribers. Idempotent: a grid no newer than the atlas's copy is left alone,
    /// buildings and roads already held are kept, so applying a change twice (a
    /// follower seeing its own write, a catch-up overlapping a notification) changes
    /// nothing. The caller holds the write lock (`last` is its guard's value).
    fn apply(&self, last: &mut i64, delta: Delta) -> Arc<Change> {
        let mut next = Atlas::clone(&self.atlas.load());
        let mut areas = Vec::new();
        let Delta {
            seq,
            origin,
            rows,
            removed_grids,
        } = delta;
        let ids = ChangedIds::of(&rows, &removed_grids);
        let newer: Vec<Grid> = rows
            .grids
            .into_iter()
            .filter(|g| next.grid(g.id).is_none_or(|c| c.grid.version < g.version))
            .collect();
        // Remove every touched grid first, then put the new versions: codes may have
        // moved from one grid to another (renumbering).
        for id in removed_grids
            .iter()
            .copied()
            .chain(newer.iter().map(|g| g.id))
        {
            if let Some(old) = next.remove_grid(id) {
                areas.push(old.bbox);
            }
        }
        for g in newer {
            areas.extend(g.draft.geometry.bounding_rect());
            next.put_grid(g);
        }
        for s in rows.subdistricts {
            areas.extend(s.boundary.bounding_rect());
            next.put_subdistrict(s);
        }
        areas.extend(
            rows.buildings
                .iter()
                .filter_map(|b| b.footprint.bounding_rect()),
        );
        areas.extend(rows.roads.iter().filter_map(|r| r.line.bounding_rect()));
        next.add_reference(rows.buildings, rows.roads);
        self.atlas.store(Arc::new(next));
        *last = (*last).max(seq);
        let change = Arc::new(Change {
            seq,
            origin,
            ids,
            areas,
        });
        for l in self.listeners.read().iter() {
            l.changed(&change);
        }
        let _ = self.changes.send(Arc::clone(&change));
        change
    }

    /// Brings the atlas up to date with writes other instances committed: reads the
    /// change log after the newest change the atlas has and applies each foreign
    /// change's rows (this instance's own are already in). Called by
    /// `crate::follow` on every notification and after a lost connection.
    pub async fn catch_up(&self) -> Result<usize> {
        let mut last = self.write.lock().await;
        let records = self.store.changes_since(*last).await?;
        let mut applied = 0;
        for r in records {
            if r.origin == self.origin() {
                *last = (*last).max(r.seq);
                continue;
            }
            let rows = self.store.rows(&r.ids).await?;
            let removed_grids = r
                .ids
                .grids
                .iter()
                .copied()
                .filter(|id| rows.grids.iter().all(|g| g.id != *id))
                .collect();
            self.apply(
                &mut last,
                Delta {
                    seq: r.seq,
                    origin: r.origin,
                    rows,
                    removed_grids,
                },
            );
            applied += 1;
        }
        Ok(applied)
    }

    /// The newest change number the atlas has.
    pub async fn last_change(&self) -> i64 {
        *self.write.lock().await
    }

    /// Holds the write lock until the answer is dropped: no write of this instance
    /// commits meanwhile, while reads go on. For tests (what must not wait for
    /// writers) and maintenance.
    pub async fn hold_writes(&self) -> impl Drop + '_ {
        self.write.lock().await
    }

    /// Plans an edit over the newest snapshot under the write lock, stores it in one
    /// transaction and applies it.
    async fn edit(
        &self,
        actor: &Actor,
        plan: impl FnOnce(&Atlas) -> Result<EditBatch>,
    ) -> Result<EditResult> {
        let mut last = self.write.lock().await;
        let mut held = WriteTimer::start();
        let atlas = self.atlas.load();
        let batch = plan(&atlas)?;
        authorize_edit(&atlas, &batch, actor)?;
        drop(atlas);
        held.lap();
        let (out, delta) = self.store.apply_edit(&batch, actor).await?;
        held.lap();
        self.apply(&mut last, delta);
        held.applied(&batch.action, actor);
        Ok(out)
    }

    /// Plans an edit on the current snapshot on a blocking thread, without the
    /// write lock (splitting a 100,000-vertex grid takes a good part of a second),
    /// and stores it under the lock when what the plan read (`reads`) is the same in
    /// the newest snapshot, so it is the plan the lock holder would have made. When
    /// something it read changed meanwhile it plans again, up to five times in
    /// all, never under the lock (writers would wait for it), then refuses with a
    /// conflict to try again. A plan that fails is refused without taking the lock.
    async fn edit_planned<P, R>(&self, actor: &Actor, plan: P, reads: R) -> Result<EditResult>
    where
        P: Fn(&Atlas) -> Result<EditBatch> + Send + Sync + 'static,
        R: Fn(&Atlas) -> Vec<(GridId, i64)> + Send + Sync + 'static,
    {
        let plan = Arc::new(plan);
        let reads = Arc::new(reads);
        for _ in 0..5 {
            let snapshot = self.atlas();
            let (p, r) = (Arc::clone(&plan), Arc::clone(&reads));
            let (batch, seen) = tokio::task::spawn_blocking(move || {
                let batch = p(&snapshot);
                (batch, r(&snapshot))
            })
            .await
            .map_err(|e| Error::Internal(e.into()))?;
            let batch = batch?;
            let mut last = self.write.lock().await;
            let mut held = WriteTimer::start();
            let atlas = self.atlas.load();
            if reads(&atlas) == seen {
                authorize_edit(&atlas, &batch, actor)?;
                drop(atlas);
                held.lap();
                let (out, delta) = self.store.apply_edit(&batch, actor).await?;
                held.lap();
                self.apply(&mut last, delta);
                held.applied(&batch.action, actor);
                return Ok(out);
            }
        }
        Err(Error::Conflict {
            message: "the grids around this one changed five times while the edit was \
                      planned; try again"
                .into(),
            field: None,
        })
    }

    /// Checks a grid input on a blocking thread, never on the async workers and
    /// never under the write lock (geometry validation of a large boundary takes
    /// milliseconds): its fields, and — against the current snapshot — that it
    /// meets its parent. Answers the checked input and the parent it was checked
    /// against; under the lock the parent is checked again only if it changed.
    async fn check(
        &self,
        props: GridProps,
        geometry: Option<geojson::Geometry>,
        editing: Option<GridId>,
    ) -> Result<(grid::CheckedGrid, Option<ParentKey>)> {
        let limits = self.limits;
        let atlas = self.atlas();
        tokio::task::spawn_blocking(move || {
            let checked =
                grid::check_fields(&props, geometry.as_ref(), limits).map_err(Error::Invalid)?;
            let key = match grid::resolve(&checked, &*atlas, editing) {
                Ok((sid, draft)) => meets_parent(&atlas, sid, &draft)?,
                // Refused again under the lock, with the reason.
                Err(_) => None,
            };
            Ok((checked, key))
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?
    }

    /// Creates a grid from API input.
    pub async fn create_grid(
        &self,
        props: GridProps,
        geometry: Option<geojson::Geometry>,
        actor: &Actor,
    ) -> Result<Grid> {
        let (checked, met) = self.check(props, geometry, None).await?;
        let out = self
            .edit(actor, |atlas| {
                let (sid, draft) = grid::resolve(&checked, atlas, None)?;
                if parent_key(atlas, sid, &draft) != met {
                    meets_parent(atlas, sid, &draft)?;
                }
                Ok(EditBatch {
                    subdistrict_id: sid,
                    action: "create".into(),
                    creates: vec![draft],
                    ..Default::default()
                })
            })
            .await?;
        out.created
            .into_iter()
            .next()
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("the store created no grid")))
    }

    /// Replaces a grid. The edit names the version it started from by `header`
    /// (`If-Match`), by `properties.version`, or both agreeing
    /// ([`crate::domain::change::expected_version`]); without one it is refused.
    pub async fn update_grid(
        &self,
        id: GridId,
        header: Option<Expected>,
        props: GridProps,
        geometry: Option<geojson::Geometry>,
        actor: &Actor,
    ) -> Result<Grid> {
        let (checked, met) = self.check(props, geometry, Some(id)).await?;
        if header.is_none() && checked.version.is_none() {
            expected_version(None, None, "properties.version", 0)?;
        }
        let out = self
            .edit(actor, |atlas| {
                let current = atlas
                    .grid(id)
                    .ok_or_else(|| Error::NotFound(format!("grid {id}")))?;
                let version = expected_version(
                    header,
                    checked.version,
                    "properties.version",
                    current.grid.version,
                )?;
                if current.grid.version != version {
                    return Err(Error::Stale {
                        given: version,
                        current: current.grid.version,
                    });
                }
                let (sid, draft) = grid::resolve(&checked, atlas, Some(id))?;
                if parent_key(atlas, sid, &draft) != met {
                    meets_parent(atlas, sid, &draft)?;
                }
                crate::edit::plan_update(atlas, id, version, sid, draft)
            })
            .await
            .map_err(one_stale)?;
        out.changed
            .into_iter()
            .next()
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("the store changed no grid")))
    }

    /// Deletes a grid without children.
    pub async fn delete_grid(
        &self,
        id: GridId,
        header: Option<Expected>,
        actor: &Actor,
    ) -> Result<Grid> {
        let out = self
            .edit(actor, |atlas| {
                let current = atlas
                    .grid(id)
                    .ok_or_else(|| Error::NotFound(format!("grid {id}")))?;
                let version = match header {
                    Some(Expected::Version(v)) => Some(v),
                    Some(Expected::Any) | None => None,
                };
                if let Some(v) = version.filter(|v| *v != current.grid.version) {
                    return Err(Error::Stale {
                        given: v,
                        current: current.grid.version,
                    });
                }
                let n = atlas.children(id).len();
                if n > 0 {
                    return Err(Error::Conflict {
                        message: format!(
                            "grid {id} has {n} child grids; delete or move them first"
                        ),
                        field: None,
                    });
                }
                Ok(EditBatch {
                    subdistrict_id: current.grid.subdistrict_id,
                    action: "delete".into(),
                    deletes: vec![(id, current.grid.version)],
                    ..Default::default()
                })
            })
            .await
            .map_err(one_stale)?;
        out.deleted
            .into_iter()
            .next()
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("the store deleted no grid")))
    }

    /// Stores a checked import batch in one transaction and adds it to the atlas.
    pub async fn import(&self, batch: ImportBatch, actor: &Actor) -> Result<Loaded> {
        self.import_with(|_| Ok(batch), actor).await
    }

    /// Builds an import batch against the current atlas and stores it, all under the
    /// write lock, so no other write can slip between the checks and the commit.
    pub async fn import_with(
        &self,
        make: impl FnOnce(&Atlas) -> Result<ImportBatch>,
        actor: &Actor,
    ) -> Result<Loaded> {
        let mut last = self.write.lock().await;
        let mut held = WriteTimer::start();
        let batch = make(&self.atlas.load())?;
        held.lap();
        let delta = self.store.import(&batch, actor).await?;
        held.lap();
        let stored = Loaded {
            subdistricts: delta.rows.subdistricts.clone(),
            grids: delta.rows.grids.clone(),
            buildings: delta.rows.buildings.clone(),
            roads: delta.rows.roads.clone(),
        };
        self.apply(&mut last, delta);
        held.applied("import", actor);
        Ok(stored)
    }

    /// Splits a grid with a line (see [`crate::edit::plan_split`]), planned outside
    /// the write lock ([`App::edit_planned`]).
    pub async fn split_grid(
        &self,
        id: GridId,
        version: i64,
        line: &geo::LineString,
        actor: &Actor,
    ) -> Result<EditResult> {
        let line = line.clone();
        self.edit_planned(
            actor,
            move |a| crate::edit::plan_split(a, id, version, &line),
            move |a| crate::edit::split_reads(a, id),
        )
        .await
    }

    /// Merges sibling grids (see [`crate::edit::plan_merge`]).
    pub async fn merge_grids(
        &self,
        ids: &[GridId],
        versions: &HashMap<GridId, i64>,
        actor: &Actor,
    ) -> Result<EditResult> {
        self.edit(actor, |a| crate::edit::plan_merge(a, ids, versions))
            .await
    }

    /// Moves a vertex in every grid that has it. `versions` must name every grid
    /// the move changes, at its current version (428 / 409 otherwise).
    pub async fn move_vertex(
        &self,
        from: geo::Coord,
        to: geo::Coord,
        tolerance_m: f64,
        versions: &HashMap<GridId, i64>,
        actor: &Actor,
    ) -> Result<EditResult> {
        self.edit(actor, |a| {
            let b = crate::edit::plan_move_vertex(a, from, to, tolerance_m, Some(versions))?;
            b.require_versions(versions)?;
            Ok(b)
        })
        .await
    }

    /// Inserts a vertex into every grid edge passing there (`versions` as for
    /// [`App::move_vertex`]).
    pub async fn insert_vertex(
        &self,
        at: geo::Coord,
        tolerance_m: f64,
        versions: &HashMap<GridId, i64>,
        actor: &Actor,
    ) -> Result<EditResult> {
        self.edit(actor, |a| {
            let b = crate::edit::plan_insert_vertex(a, at, tolerance_m)?;
            b.require_versions(versions)?;
            Ok(b)
        })
        .await
    }

    /// Deletes a vertex from every grid that has it (`versions` as for
    /// [`App::move_vertex`]).
    pub async fn delete_vertex(
        &self,
        at: geo::Coord,
        tolerance_m: f64,
        versions: &HashMap<GridId, i64>,
        actor: &Actor,
    ) -> Result<EditResult> {
        self.edit(actor, |a| {
            let b = crate::edit::plan_delete_vertex(a, at, tolerance_m)?;
            b.require_versions(versions)?;
            Ok(b)
        })
        .await
    }

    /// Renumbers the children of a grid (`Some`) or the L1 grids of a subdistrict.
    pub async fn renumber(
        &self,
        subdistrict: grid::SubdistrictId,
        parent: Option<GridId>,
        actor: &Actor,
    ) -> Result<EditResult> {
        if parent.is_none() && self.atlas().subdistrict(subdistrict).is_none() {
            return Err(Error::NotFound(format!("subdistrict {subdistrict}")));
        }
        self.edit(actor, |a| {
            crate::edit::plan_renumber(a, subdistrict, parent)
        })
        .await
    }

    /// A grid's code history (from the store: the atlas keeps no history).
    pub async fn code_history(&self, id: GridId) -> Result<Vec<CodeHistoryEntry>> {
        let sid = match self.atlas().grid(id) {
            Some(g) => g.grid.subdistrict_id,
            None => return Err(Error::NotFound(format!("grid {id}"))),
        };
        self.store.code_history(sid, id).await
    }
}

/// The parent a grid was checked against: a grid at a version, or a subdistrict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParentKey {
    Grid(GridId, i64),
    Subdistrict(grid::SubdistrictId),
}

/// Checks that `draft` meets its parent in `atlas` ([`grid::check_meets_parent`]);
/// answers which parent (at which version) it was checked against.
fn meets_parent(
    atlas: &Atlas,
    sid: grid::SubdistrictId,
    draft: &grid::GridDraft,
) -> Result<Option<ParentKey>> {
    let (geometry, label, key) = match draft.parent_id {
        Some(p) => {
            let Some(g) = atlas.grid(p) else {
                return Ok(None);
            };
            (
                &g.grid.draft.geometry,
                format!("grid {} ({})", g.grid.draft.code, g.grid.draft.name),
                ParentKey::Grid(p, g.grid.version),
            )
        }
        None => {
            let Some(s) = atlas.subdistrict(sid) else {
                return Ok(None);
            };
            (
                &s.boundary,
                format!("subdistrict {} ({})", s.code, s.name),
                ParentKey::Subdistrict(sid),
            )
        }
    };
    grid::check_meets_parent(draft, geometry, &label).map_err(|e| Error::Invalid(vec![e]))?;
    Ok(Some(key))
}

/// The parent `draft` would be checked against, without checking.
fn parent_key(
    atlas: &Atlas,
    sid: grid::SubdistrictId,
    draft: &grid::GridDraft,
) -> Option<ParentKey> {
    match draft.parent_id {
        Some(p) => atlas.grid(p).map(|g| ParentKey::Grid(p, g.grid.version)),
        None => atlas.subdistrict(sid).map(|_| ParentKey::Subdistrict(sid)),
    }
}

/// A one-grid edit that the store found stale answers as a single stale grid.
fn one_stale(e: Error) -> Error {
    match e {
        Error::StaleGrids(v) if v.len() == 1 => match v[0] {
            StaleGrid {
                given: Some(given),
                current: Some(current),
                ..
            } => Error::Stale { given, current },
            StaleGrid { id, .. } => Error::NotFound(format!("grid {id}")),
        },
        e => e,
    }
}

/// How long a write held the write lock, by phase: planning (what is checked under
/// the lock), the store's transaction, the new snapshot. Every write logs it at
/// debug level, one that kept other writers waiting long at warn level.
struct WriteTimer {
    start: std::time::Instant,
    /// The end of each phase so far.
    laps: Vec<std::time::Instant>,
}

impl WriteTimer {
    /// Writers waiting longer than this are told of in the log.
    const SLOW: std::time::Duration = std::time::Duration::from_millis(100);

    fn start() -> Self {
        Self {
            start: std::time::Instant::now(),
            laps: Vec::with_capacity(3),
        }
    }

    /// Ends a phase (planning, then storing).
    fn lap(&mut self) {
        self.laps.push(std::time::Instant::now());
    }

    fn applied(&mut self, action: &str, actor: &Actor) {
        self.laps.push(std::time::Instant::now());
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        let mut from = self.start;
        let [plan, store, apply] = [0, 1, 2].map(|i| {
            let to = self.laps.get(i).copied().unwrap_or(from);
            let d = ms(to - from);
            from = to;
            d
        });
        let held = self.start.elapsed();
        macro_rules! log {
            ($level:ident, $message:literal) => {
                tracing::$level!(
                    action,
                    actor = actor.name(),
                    held_ms = ms(held),
                    plan,
                    store,
                    apply,
                    $message
                )
            };
        }
        if held >= Self::SLOW {
            log!(warn, "a write held the write lock long");
        } else {
            log!(debug, "write");
        }
    }
}
