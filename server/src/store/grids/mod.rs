//! The storage of the grid tree and its reference layers (subdistricts, grids,
//! buildings, roads, code history): the [`GridStore`] trait, its transaction
//! bodies written once over [`GridStatements`], and the statements of each backend
//! (`postgis.rs`, `gpkg.rs`; long SQL in `sql/`).

mod gpkg;
mod postgis;

use std::collections::HashMap;

use async_trait::async_trait;

use super::journal::{AuditEntry, Journal};
use crate::domain::change::{
    Actor, ChangeRecord, ChangedIds, CodeChange, CodeHistoryEntry, Delta, EditBatch, EditResult,
    ImportBatch, ImportGrid, Loaded,
};
use crate::domain::grid::{Grid, GridDraft, GridId, SubdistrictId};
use crate::domain::reference::{Building, Road};
use crate::domain::subdistrict::Subdistrict;
use crate::error::{Error, Result, StaleGrid};

/// Storage of subdistricts, grids, buildings and roads.
#[async_trait]
pub trait GridStore: Send + Sync {
    /// `"postgis"` or `"gpkg"`.
    fn backend(&self) -> &'static str;
    /// The name this instance's writes carry in the change log.
    fn origin(&self) -> &str;
    /// Reads everything, consistently, with the number of the newest change it
    /// includes (at start).
    async fn load(&self) -> Result<(Loaded, i64)>;
    /// Whether the store holds no subdistrict yet.
    async fn is_empty(&self) -> Result<bool>;
    /// Stores a whole batch in one transaction; answers the stored rows.
    async fn import(&self, batch: &ImportBatch, actor: &Actor) -> Result<Delta>;
    /// Applies an edit of grids of one subdistrict in one transaction. Every update
    /// and delete names the version it started from; if any is stale, nothing is
    /// stored and the answer is [`Error::StaleGrids`] with every stale grid.
    async fn apply_edit(&self, batch: &EditBatch, actor: &Actor) -> Result<(EditResult, Delta)>;
    /// A grid's code history, oldest first.
    async fn code_history(
        &self,
        subdistrict: SubdistrictId,
        grid: GridId,
    ) -> Result<Vec<CodeHistoryEntry>>;
    /// The change log after `seq`, oldest first (how other instances are followed).
    async fn changes_since(&self, seq: i64) -> Result<Vec<ChangeRecord>>;
    /// The rows a change names, as stored now (a grid named but absent was deleted).
    async fn rows(&self, ids: &ChangedIds) -> Result<Loaded>;
}

/// The statements the grid transactions are made of, once per backend.
#[async_trait]
pub(crate) trait GridStatements: Journal {
    /// Inserts a subdistrict (its `id` is ignored); answers it as stored.
    async fn insert_subdistrict(&mut self, s: &Subdistrict) -> Result<Subdistrict>;
    /// Inserts a grid; answers it as stored.
    async fn insert_grid(&mut self, sid: SubdistrictId, d: &GridDraft) -> Result<Grid>;
    /// A grid, locked for the rest of the transaction where the backend can lock rows.
    async fn grid_for_update(&mut self, sid: SubdistrictId, id: GridId) -> Result<Option<Grid>>;
    /// Sets a grid's code only (the first phase of a code change).
    async fn set_code(&mut self, sid: SubdistrictId, id: GridId, code: &str) -> Result<()>;
    /// Replaces a grid and bumps its version if it is still at `expected`; `None`
    /// when it is not.
    async fn rewrite_grid(
        &mut self,
        sid: SubdistrictId,
        id: GridId,
        expected: i64,
        d: &GridDraft,
    ) -> Result<Option<Grid>>;
    /// Deletes a grid.
    async fn delete_grid(&mut self, sid: SubdistrictId, id: GridId) -> Result<()>;
    /// How many grids have `id` as parent.
    async fn child_count(&mut self, sid: SubdistrictId, id: GridId) -> Result<i64>;
    /// Inserts buildings (stored subdistrict ids); answers their ids in order.
    async fn insert_buildings(&mut self, b: &[Building]) -> Result<Vec<i64>>;
    /// Inserts roads (stored subdistrict ids); answers their ids in order.
    async fn insert_roads(&mut self, r: &[Road]) -> Result<Vec<i64>>;
    /// Appends a code change to the code history.
    async fn insert_code_change(
        &mut self,
        sid: SubdistrictId,
        c: &CodeChange,
        actor: &Actor,
    ) -> Result<()>;
    /// Subdistricts (all, or those with the given ids), by id.
    async fn subdistricts(&mut self, ids: Option<&[i64]>) -> Result<Vec<Subdistrict>>;
    /// Grids (all, or those with the given ids), by subdistrict and id.
    async fn grids(&mut self, ids: Option<&[i64]>) -> Result<Vec<Grid>>;
    /// Buildings (all, or those with the given ids), by subdistrict and id.
    async fn buildings(&mut self, ids: Option<&[i64]>) -> Result<Vec<Building>>;
    /// Roads (all, or those with the given ids), by subdistrict and id.
    async fn roads(&mut self, ids: Option<&[i64]>) -> Result<Vec<Road>>;
    /// A grid's code history, oldest first.
    async fn code_history(
        &mut self,
        sid: SubdistrictId,
        grid: GridId,
    ) -> Result<Vec<CodeHistoryEntry>>;
    /// The number of subdistricts.
    async fn subdistrict_count(&mut self) -> Result<i64>;
}

/// A backend whose transactions speak [`GridStatements`]: [`GridStore`] follows.
#[async_trait]
pub(crate) trait Dialect: Send + Sync + 'static {
    /// Its transaction.
    type Tx: GridStatements;
    /// `"postgis"` or `"gpkg"`.
    const BACKEND: &'static str;
    /// The name of this instance's writes in the change log.
    fn origin(&self) -> &str;
    /// Begins a write transaction.
    async fn begin(&self) -> Result<Self::Tx>;
    /// Begins a read-only transaction that sees one consistent state.
    async fn begin_read(&self) -> Result<Self::Tx>;
    /// A handle for reads of ONE statement, which is its own consistent
    /// snapshot: on PostGIS a pooled connection without BEGIN/ROLLBACK (two
    /// round trips fewer), elsewhere [`Self::begin_read`]. Writing through it,
    /// or reading twice and expecting one state, is a bug.
    async fn begin_single(&self) -> Result<Self::Tx> {
        self.begin_read().await
    }
}

/// A grid as an audit row's JSON: a GeoJSON feature whose geometry is null (it is
/// stored in the row's geometry column, see [`AuditEntry`]).
fn feature_json(g: &Grid) -> serde_json::Value {
    serde_json::json!({
        "type": "Feature",
        "id": g.id,
        "geometry": null,
        "properties": g.properties(),
    })
}

/// Orders batch grids so that parents come before children.
fn by_level(batch: &ImportBatch) -> Vec<&ImportGrid> {
    let mut v: Vec<&ImportGrid> = batch.grids.iter().collect();
    v.sort_by_key(|g| g.draft.level);
    v
}

/// Maps a possibly batch-local (negative) id to a stored one.
fn real_id(map: &HashMap<i64, i64>, id: i64, what: &str) -> Result<i64> {
    if id >= 0 {
        return Ok(id);
    }
    map.get(&id).copied().ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "import batch refers to unknown {what} {id}"
        ))
    })
}

#[async_trait]
impl<D: Dialect> GridStore for D {
    fn backend(&self) -> &'static str {
        D::BACKEND
    }

    fn origin(&self) -> &str {
        Dialect::origin(self)
    }

    async fn load(&self) -> Result<(Loaded, i64)> {
        let mut tx = self.begin_read().await?;
        let seq = tx.last_seq().await?;
        let loaded = Loaded {
            subdistricts: tx.subdistricts(None).await?,
            grids: tx.grids(None).await?,
            buildings: tx.buildings(None).await?,
            roads: tx.roads(None).await?,
        };
        tx.commit().await?;
        Ok((loaded, seq))
    }

    async fn is_empty(&self) -> Result<bool> {
        let mut tx = self.begin_read().await?;
        let n = tx.subdistrict_count().await?;
        tx.commit().await?;
        Ok(n == 0)
    }

    async fn import(&self, batch: &ImportBatch, actor: &Actor) -> Result<Delta> {
        let mut tx = self.begin().await?;
        let mut rows = Loaded::default();
        let mut sids = HashMap::new();
        for s in &batch.subdistricts {
            let stored = tx.insert_subdistrict(s).await?;
            sids.insert(s.id, stored.id);
            rows.subdistricts.push(stored);
        }
        let mut gids = HashMap::new();
        for g in by_level(batch) {
            let sid = real_id(&sids, g.subdistrict_id, "subdistrict")?;
            let mut d = g.draft.clone();
            d.parent_id = d.parent_id.map(|p| real_id(&gids, p, "grid")).transpose()?;
            let stored = tx.insert_grid(sid, &d).await?;
            gids.insert(g.local_id, stored.id);
            rows.grids.push(stored);
        }
        let mut buildings = batch
            .buildings
            .iter()
            .map(|b| {
                Ok(Building {
                    subdistrict_id: real_id(&sids, b.subdistrict_id, "subdistrict")?,
                    ..b.clone()
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let ids = tx.insert_buildings(&buildings).await?;
        for (b, id) in buildings.iter_mut().zip(ids) {
            b.id = id;
        }
        rows.buildings = buildings;
        let mut roads = batch
            .roads
            .iter()
            .map(|r| {
                Ok(Road {
                    subdistrict_id: real_id(&sids, r.subdistrict_id, "subdistrict")?,
                    ..r.clone()
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let ids = tx.insert_roads(&roads).await?;
        for (r, id) in roads.iter_mut().zip(ids) {
            r.id = id;
        }
        rows.roads = roads;
        let sid = rows
            .subdistricts
            .first()
            .map(|s| s.id)
            .or_else(|| rows.grids.first().map(|g| g.subdistrict_id))
            .or_else(|| rows.buildings.first().map(|b| b.subdistrict_id))
            .or_else(|| rows.roads.first().map(|r| r.subdistrict_id))
            .unwrap_or(0);
        let summary = serde_json::json!({
            "subdistricts": rows.subdistricts.len(), "grids": rows.grids.len(),
            "buildings": rows.buildings.len(), "roads": rows.roads.len(),
        });
        tx.audit(
            actor,
            AuditEntry {
                subdistrict_id: sid,
                action: "import",
                entity: "batch",
                entity_id: None,
                before: None,
                after: Some(summary),
                before_geom: None,
                after_geom: None,
            },
        )
        .await?;
        let seq = tx
            .log_change(self.origin(), sid, &ChangedIds::of(&rows, &[]))
            .await?;
        tx.commit().await?;
        Ok(Delta {
            seq,
            origin: self.origin().to_owned(),
            rows,
            removed_grids: Vec::new(),
        })
    }

    async fn apply_edit(&self, b: &EditBatch, actor: &Actor) -> Result<(EditResult, Delta)> {
        let sid = b.subdistrict_id;
        let mut tx = self.begin().await?;
        // Lock every grid the edit names, in id order (no deadlock between edits),
        // and check each version.
        let mut named: Vec<(GridId, i64)> = b
            .updates
            .iter()
            .map(|u| (u.id, u.expected_version))
            .chain(b.deletes.iter().copied())
            .collect();
        named.sort_unstable();
        let mut before = HashMap::new();
        let mut stale = Vec::new();
        for (id, expected) in named {
            match tx.grid_for_update(sid, id).await? {
                Some(g) => {
                    if g.version != expected {
                        stale.push(StaleGrid {
                            id,
                            given: Some(expected),
                            current: Some(g.version),
                        });
                    }
                    before.insert(id, g);
                }
                None => stale.push(StaleGrid {
                    id,
                    given: Some(expected),
                    current: None,
                }),
            }
        }
        if !stale.is_empty() {
            return Err(Error::StaleGrids(stale));
        }
        // Phase 1: grids whose code changes take a temporary code, so that codes
        // swapped or shifted between grids never collide on the unique constraint.
        for u in &b.updates {
            if before
                .get(&u.id)
                .is_some_and(|g| g.draft.code != u.draft.code)
            {
                tx.set_code(sid, u.id, &super::temporary_code(u.id)).await?;
            }
        }
        let mut out = EditResult::default();
        for u in &b.updates {
            let g = tx
                .rewrite_grid(sid, u.id, u.expected_version, &u.draft)
                .await?
                .ok_or_else(|| {
                    // Locked and checked above: only another process writing the
                    // same GeoPackage file behind our lock gets here.
                    Error::StaleGrids(vec![StaleGrid {
                        id: u.id,
                        given: Some(u.expected_version),
                        current: None,
                    }])
                })?;
            out.changed.push(g);
        }
        for (id, _) in &b.deletes {
            let n = tx.child_count(sid, *id).await?;
            if n > 0 {
                return Err(Error::Conflict {
                    message: format!("grid {id} has {n} child grids; delete or move them first"),
                    field: None,
                });
            }
            tx.delete_grid(sid, *id).await?;
        }
        for d in &b.creates {
            out.created.push(tx.insert_grid(sid, d).await?);
        }
        for c in &b.code_changes {
            tx.insert_code_change(sid, c, actor).await?;
        }
        for (id, _) in &b.deletes {
            if let Some(g) = before.remove(id) {
                out.deleted.push(g);
            }
        }
        // One audit row per touched grid: changed (before, after), deleted (before),
        // created (after).
        let entries: Vec<(GridId, Option<&Grid>, Option<&Grid>)> = out
            .changed
            .iter()
            .map(|g| (g.id, before.get(&g.id), Some(g)))
            .chain(out.deleted.iter().map(|g| (g.id, Some(g), None)))
            .chain(out.created.iter().map(|g| (g.id, None, Some(g))))
            .collect();
        for (id, old, new) in entries {
            tx.audit(
                actor,
                AuditEntry {
                    subdistrict_id: sid,
                    action: &b.action,
                    entity: "grid",
                    entity_id: Some(id),
                    before: old.map(feature_json),
                    after: new.map(feature_json),
                    before_geom: old.map(|g| &g.draft.geometry),
                    after_geom: new.map(|g| &g.draft.geometry),
                },
            )
            .await?;
        }
        let rows = Loaded {
            grids: out.changed.iter().chain(&out.created).cloned().collect(),
            ..Default::default()
        };
        let removed: Vec<GridId> = out.deleted.iter().map(|g| g.id).collect();
        let seq = tx
            .log_change(self.origin(), sid, &ChangedIds::of(&rows, &removed))
            .await?;
        tx.commit().await?;
        out.code_changes = b.code_changes.clone();
        Ok((
            out,
            Delta {
                seq,
                origin: self.origin().to_owned(),
                rows,
                removed_grids: removed,
            },
        ))
    }

    async fn code_history(
        &self,
        sid: SubdistrictId,
        grid: GridId,
    ) -> Result<Vec<CodeHistoryEntry>> {
        let mut tx = self.begin_read().await?;
        let h = tx.code_history(sid, grid).await?;
        tx.commit().await?;
        Ok(h)
    }

    async fn changes_since(&self, seq: i64) -> Result<Vec<ChangeRecord>> {
        let mut tx = self.begin_read().await?;
        let c = tx.changes_since(seq).await?;
        tx.commit().await?;
        Ok(c)
    }

    async fn rows(&self, ids: &ChangedIds) -> Result<Loaded> {
        let mut tx = self.begin_read().await?;
        let some = |v: &[i64]| (!v.is_empty()).then(|| v.to_vec());
        let mut out = Loaded::default();
        if let Some(v) = some(&ids.subdistricts) {
            out.subdistricts = tx.subdistricts(Some(&v)).await?;
        }
        if let Some(v) = some(&ids.grids) {
            out.grids = tx.grids(Some(&v)).await?;
        }
        if let Some(v) = some(&ids.buildings) {
            out.buildings = tx.buildings(Some(&v)).await?;
        }
        if let Some(v) = some(&ids.roads) {
            out.roads = tx.roads(Some(&v)).await?;
        }
        tx.commit().await?;
        Ok(out)
    }
}
