//! The running application: the store (system of record) and the in-memory atlas
//! kept in step with it. Every write goes store first, then atlas, under one write
//! lock, so the atlas always shows exactly the committed state in commit order.

use std::sync::Arc;

use parking_lot::RwLock;

use crate::domain::change::{Actor, ImportBatch, Loaded};
use crate::domain::geometry::Limits;
use crate::domain::grid::{self, Grid, GridId, GridProps};
use crate::error::{Error, Result};
use crate::index::Atlas;
use crate::store::Store;

/// What changed in one committed write, for caches to invalidate.
#[derive(Debug, Clone)]
pub struct Change {
    /// Bounding boxes (degrees) of every geometry before and after the write.
    pub areas: Vec<geo::Rect>,
}

/// The application: store + atlas.
pub struct App {
    store: Box<dyn Store>,
    atlas: RwLock<Atlas>,
    write: tokio::sync::Mutex<()>,
    limits: Limits,
    changes: tokio::sync::broadcast::Sender<Change>,
    tiles: crate::vector_tiles::TileCache,
    options: Options,
}

/// Tunables of a running application.
#[derive(Debug, Clone)]
pub struct Options {
    /// Bytes of rendered tiles to keep; 0 turns the tile cache off.
    pub tile_cache_bytes: u64,
    /// Public base URL for absolute links in TileJSON and styles (default: from Host).
    pub public_url: Option<String>,
    /// An XYZ raster basemap URL template to draw under the data (e.g. Tianditu).
    pub raster_basemap: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            tile_cache_bytes: 256 * 1024 * 1024,
            public_url: None,
            raster_basemap: None,
        }
    }
}

impl App {
    /// Loads everything from the store into a fresh atlas.
    pub async fn start(store: Box<dyn Store>) -> Result<Arc<Self>> {
        Self::start_with(store, Options::default()).await
    }

    /// Like [`App::start`], with options.
    pub async fn start_with(store: Box<dyn Store>, options: Options) -> Result<Arc<Self>> {
        let Loaded {
            subdistricts,
            grids,
            buildings,
            roads,
        } = store.load().await?;
        tracing::info!(
            backend = store.backend(),
            subdistricts = subdistricts.len(),
            grids = grids.len(),
            buildings = buildings.len(),
            roads = roads.len(),
            "loaded store"
        );
        let atlas = Atlas::build(subdistricts, grids, buildings, roads);
        let (changes, _) = tokio::sync::broadcast::channel(1024);
        Ok(Arc::new(Self {
            store,
            atlas: RwLock::new(atlas),
            write: tokio::sync::Mutex::new(()),
            limits: Limits::default(),
            changes,
            tiles: crate::vector_tiles::TileCache::new(options.tile_cache_bytes),
            options,
        }))
    }

    /// The atlas, for reading.
    pub fn atlas(&self) -> parking_lot::RwLockReadGuard<'_, Atlas> {
        self.atlas.read()
    }

    /// The storage backend's name.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// Input limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Subscribes to committed changes.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    /// Map-serving options.
    pub fn map_options(&self) -> &Options {
        &self.options
    }

    /// The vector tile cache.
    pub fn tiles(&self) -> &crate::vector_tiles::TileCache {
        &self.tiles
    }

    /// Tells caches and subscribers what a committed write touched. Tile caches are
    /// invalidated here, synchronously, before the write's answer is sent.
    fn publish(&self, areas: Vec<geo::Rect>) {
        self.tiles.invalidate(&areas);
        let _ = self.changes.send(Change { areas });
    }

    /// Creates a grid from API input.
    pub async fn create_grid(
        &self,
        props: &GridProps,
        geometry: Option<&geojson::Geometry>,
        actor: &Actor,
    ) -> Result<Grid> {
        let checked = grid::check_fields(props, geometry, self.limits).map_err(Error::Invalid)?;
        let _w = self.write.lock().await;
        let (sid, draft) = grid::resolve(&checked, &*self.atlas.read(), None)?;
        let g = self.store.create_grid(sid, &draft, actor).await?;
        let b = bbox(&g);
        self.atlas.write().put_grid(g.clone());
        self.publish(vec![b]);
        Ok(g)
    }

    /// Replaces a grid. `version` is the version the edit started from (If-Match or
    /// the body's `version`); without one the edit is refused.
    pub async fn update_grid(
        &self,
        id: GridId,
        version: Option<i64>,
        props: &GridProps,
        geometry: Option<&geojson::Geometry>,
        actor: &Actor,
    ) -> Result<Grid> {
        let checked = grid::check_fields(props, geometry, self.limits).map_err(Error::Invalid)?;
        let version = version.or(checked.version).ok_or_else(|| {
            Error::PreconditionRequired(
                "name the version the edit started from: an If-Match header (the grid's ETag) or properties.version".into(),
            )
        })?;
        let _w = self.write.lock().await;
        let (sid, draft) = {
            let atlas = self.atlas.read();
            let current = atlas
                .grid(id)
                .ok_or_else(|| Error::NotFound(format!("grid {id}")))?;
            if current.grid.version != version {
                return Err(Error::Stale {
                    given: version,
                    current: current.grid.version,
                });
            }
            let (sid, draft) = grid::resolve(&checked, &*atlas, Some(id))?;
            if sid != current.grid.subdistrict_id {
                return Err(Error::invalid(
                    "properties.subdistrict_id",
                    "a grid cannot move to another subdistrict",
                ));
            }
            if draft.level != current.grid.draft.level && atlas.has_children(id) {
                return Err(Error::conflict(
                    "properties.level",
                    "a grid with children cannot change level",
                ));
            }
            (sid, draft)
        };
        let _ = sid;
        let g = self.store.update_grid(id, version, &draft, actor).await?;
        let new_box = bbox(&g);
        let old_box = self.atlas.write().put_grid(g.clone());
        self.publish(old_box.into_iter().chain([new_box]).collect());
        Ok(g)
    }

    /// Deletes a grid without children.
    pub async fn delete_grid(
        &self,
        id: GridId,
        version: Option<i64>,
        actor: &Actor,
    ) -> Result<Grid> {
        let _w = self.write.lock().await;
        {
            let atlas = self.atlas.read();
            let current = atlas
                .grid(id)
                .ok_or_else(|| Error::NotFound(format!("grid {id}")))?;
            if let Some(v) = version.filter(|v| *v != current.grid.version) {
                return Err(Error::Stale {
                    given: v,
                    current: current.grid.version,
                });
            }
            let n = atlas.children(id).len();
            if n > 0 {
                return Err(Error::Conflict {
                    message: format!("grid {id} has {n} child grids; delete or move them first"),
                    field: None,
                });
            }
        }
        let g = self.store.delete_grid(id, version, actor).await?;
        self.atlas.write().remove_grid(id);
        self.publish(vec![bbox(&g)]);
        Ok(g)
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
        let _w = self.write.lock().await;
        let batch = make(&self.atlas.read())?;
        let stored = self.store.import(&batch, actor).await?;
        let mut areas = Vec::new();
        {
            let mut atlas = self.atlas.write();
            for s in &stored.subdistricts {
                atlas.put_subdistrict(s.clone());
            }
            for g in &stored.grids {
                areas.push(bbox(g));
                atlas.put_grid(g.clone());
            }
            atlas.add_reference(stored.buildings.clone(), stored.roads.clone());
        }
        use geo::BoundingRect;
        areas.extend(
            stored
                .buildings
                .iter()
                .filter_map(|b| b.footprint.bounding_rect()),
        );
        areas.extend(stored.roads.iter().filter_map(|r| r.line.bounding_rect()));
        areas.extend(
            stored
                .subdistricts
                .iter()
                .filter_map(|s| s.boundary.bounding_rect()),
        );
        self.publish(areas);
        Ok(stored)
    }

    /// Follows a write that another instance committed (see `crate::follow`):
    /// re-reads one grid from the store (`Some(id)`; applied only when newer than
    /// the atlas's copy, removed when gone), or reloads everything (`None`).
    /// Idempotent, so this instance's own notifications are harmless.
    pub async fn follow(&self, grid: Option<GridId>) -> Result<()> {
        let _w = self.write.lock().await;
        let mut areas = Vec::new();
        match grid {
            Some(id) => {
                let stored = self.store.grid(id).await?;
                let mut atlas = self.atlas.write();
                let current = atlas.grid(id).map(|g| (g.grid.version, g.bbox));
                match (stored, current) {
                    (Some(g), Some((v, _))) if g.version <= v => {}
                    (Some(g), _) => {
                        areas.push(bbox(&g));
                        areas.extend(atlas.put_grid(g));
                    }
                    (None, Some((_, b))) => {
                        atlas.remove_grid(id);
                        areas.push(b);
                    }
                    (None, None) => {}
                }
            }
            None => {
                let Loaded {
                    subdistricts,
                    grids,
                    buildings,
                    roads,
                } = self.store.load().await?;
                *self.atlas.write() = Atlas::build(subdistricts, grids, buildings, roads);
                areas.push(geo::Rect::new(
                    geo::coord! { x: -180.0, y: -90.0 },
                    geo::coord! { x: 180.0, y: 90.0 },
                ));
            }
        }
        if !areas.is_empty() {
            self.publish(areas);
        }
        Ok(())
    }

    /// Applies an edit planned over the atlas under the write lock: the plan sees
    /// exactly the committed state, the store applies it in one transaction, then
    /// the atlas takes every changed, created and deleted grid and the touched
    /// areas are published (tiles invalidate).
    async fn edit(
        &self,
        actor: &Actor,
        plan: impl FnOnce(&Atlas) -> Result<crate::domain::change::EditBatch>,
    ) -> Result<crate::domain::change::EditResult> {
        let _w = self.write.lock().await;
        let batch = plan(&self.atlas.read())?;
        let out = self.store.apply_edit(&batch, actor).await?;
        let mut areas = Vec::new();
        {
            let mut atlas = self.atlas.write();
            // Remove every touched grid first, then put the new versions: codes may
            // have moved from one grid to another (renumbering).
            for id in out.deleted.iter().chain(&out.changed).map(|g| g.id) {
                if let Some(old) = atlas.remove_grid(id) {
                    areas.push(old.bbox);
                }
            }
            for g in out.changed.iter().chain(&out.created) {
                areas.push(bbox(g));
                atlas.put_grid(g.clone());
            }
        }
        self.publish(areas);
        Ok(out)
    }

    /// Splits a grid with a line (see [`crate::edit::plan_split`]).
    pub async fn split_grid(
        &self,
        id: GridId,
        version: i64,
        line: &geo::LineString,
        actor: &Actor,
    ) -> Result<crate::domain::change::EditResult> {
        self.edit(actor, |a| crate::edit::plan_split(a, id, version, line))
            .await
    }

    /// Merges sibling grids (see [`crate::edit::plan_merge`]).
    pub async fn merge_grids(
        &self,
        ids: &[GridId],
        versions: &std::collections::HashMap<GridId, i64>,
        actor: &Actor,
    ) -> Result<crate::domain::change::EditResult> {
        self.edit(actor, |a| crate::edit::plan_merge(a, ids, versions))
            .await
    }

    /// Moves a vertex in every grid that has it.
    pub async fn move_vertex(
        &self,
        from: geo::Coord,
        to: geo::Coord,
        tolerance_m: f64,
        versions: Option<&std::collections::HashMap<GridId, i64>>,
        actor: &Actor,
    ) -> Result<crate::domain::change::EditResult> {
        self.edit(actor, |a| {
            crate::edit::plan_move_vertex(a, from, to, tolerance_m, versions)
        })
        .await
    }

    /// Inserts a vertex into every grid edge passing there.
    pub async fn insert_vertex(
        &self,
        at: geo::Coord,
        tolerance_m: f64,
        actor: &Actor,
    ) -> Result<crate::domain::change::EditResult> {
        self.edit(actor, |a| {
            crate::edit::plan_insert_vertex(a, at, tolerance_m)
        })
        .await
    }

    /// Deletes a vertex from every grid that has it.
    pub async fn delete_vertex(
        &self,
        at: geo::Coord,
        tolerance_m: f64,
        actor: &Actor,
    ) -> Result<crate::domain::change::EditResult> {
        self.edit(actor, |a| {
            crate::edit::plan_delete_vertex(a, at, tolerance_m)
        })
        .await
    }

    /// Renumbers the children of a grid (`Some`) or the L1 grids of a subdistrict.
    pub async fn renumber(
        &self,
        subdistrict: grid::SubdistrictId,
        parent: Option<GridId>,
        actor: &Actor,
    ) -> Result<crate::domain::change::EditResult> {
        if parent.is_none() && self.atlas.read().subdistrict(subdistrict).is_none() {
            return Err(Error::NotFound(format!("subdistrict {subdistrict}")));
        }
        self.edit(actor, |a| {
            crate::edit::plan_renumber(a, subdistrict, parent)
        })
        .await
    }

    /// A grid's code history (from the store: the atlas keeps no history).
    pub async fn code_history(
        &self,
        id: GridId,
    ) -> Result<Vec<crate::domain::change::CodeHistoryEntry>> {
        let sid = match self.atlas.read().grid(id) {
            Some(g) => g.grid.subdistrict_id,
            None => return Err(Error::NotFound(format!("grid {id}"))),
        };
        self.store.code_history(sid, id).await
    }
}

fn bbox(g: &Grid) -> geo::Rect {
    use geo::BoundingRect;
    g.draft.geometry.bounding_rect().unwrap_or_else(|| {
        geo::Rect::new(
            geo::coord! { x: 0.0, y: 0.0 },
            geo::coord! { x: 0.0, y: 0.0 },
        )
    })
}
