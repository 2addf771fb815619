//! The in-memory picture of every subdistrict: grids by id, code and level, an
//! R-tree per level, buildings and roads. Built at start from the store and updated
//! in the same request as every committed write; all reads (API, tiles, lookup)
//! come from here, never from a query per request.
//!
//! Boundary rule (documented in ARCHITECTURE.md): a point on the shared edge of
//! several grids of one level belongs to the one with the smallest code.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use geo::{BoundingRect, Coord, Covers, Geometry, Intersects, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

pub mod points;
pub mod prepared;
pub mod projected;

pub use points::{Placement, PointIndex};
pub use projected::{Projected, ProjectedLayers};

use crate::domain::access::{Action, Denied, Principal, Resource, authorize};
use crate::domain::grid::{Grid, GridId, SubdistrictId, TreeView};
use crate::domain::reference::{Building, Road};
use crate::domain::subdistrict::Subdistrict;

/// Hashes an integer id with one multiplication (ids are assigned by the store, not
/// chosen by clients, so no flooding resistance is needed). Tiles look up every
/// grid and building they draw by id; SipHash was a visible share of that.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_i64(&mut self, n: i64) {
        self.0 = (self.0 ^ n.cast_unsigned()).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by id, hashed with [`IdHasher`].
pub type IdMap<V> = HashMap<i64, V, std::hash::BuildHasherDefault<IdHasher>>;

/// An R-tree entry: a bounding box carrying the id of what it bounds.
pub type Entry = GeomWithData<Rectangle<[f64; 2]>, i64>;

fn entry(id: i64, r: Rect) -> Entry {
    GeomWithData::new(Rectangle::from_corners(r.min().into(), r.max().into()), id)
}

/// An R-tree payload that carries the item itself, so that walking the tree needs no
/// map lookup (tiles walk hundreds of buildings per tile); compared by id only.
#[derive(Debug)]
pub struct Item<T>(pub i64, pub Arc<T>);

impl<T> Clone for Item<T> {
    fn clone(&self) -> Self {
        Self(self.0, Arc::clone(&self.1))
    }
}

impl<T> PartialEq for Item<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

/// An R-tree entry with its item.
pub type Linked<T> = GeomWithData<Rectangle<[f64; 2]>, Item<T>>;

fn linked<T>(id: i64, r: Rect, item: &Arc<T>) -> Linked<T> {
    GeomWithData::new(
        Rectangle::from_corners(r.min().into(), r.max().into()),
        Item(id, Arc::clone(item)),
    )
}

fn bbox(g: &Geometry) -> Rect {
    g.bounding_rect()
        .unwrap_or_else(|| Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 }))
}

fn aabb(r: Rect) -> AABB<[f64; 2]> {
    AABB::from_corners(r.min().into(), r.max().into())
}

/// A grid held in memory with its bounding box.
#[derive(Debug)]
pub struct IndexedGrid {
    /// The grid.
    pub grid: Grid,
    /// Its bounding box, degrees.
    pub bbox: Rect,
    /// Its Web Mercator copy and label point, for tiles.
    pub projected: Projected,
}

impl IndexedGrid {
    fn new(grid: Grid) -> Arc<Self> {
        let bbox = bbox(&grid.draft.geometry);
        let projected = Projected::area(&grid.draft.geometry);
        Arc::new(Self {
            grid,
            bbox,
            projected,
        })
    }
}

/// A node of the hierarchy, without geometry.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TreeNode {
    /// Grid (or subdistrict) id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Level (0 for the subdistrict).
    pub level: u8,
    /// Kind (grids only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// Households, rolled up the tree (grids only; absent when unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub households: Option<i64>,
    /// Children in code order.
    #[schema(no_recursion)]
    pub children: Vec<TreeNode>,
}

/// Everything the server knows, in memory: an immutable value. Readers hold an
/// `Arc<Atlas>` snapshot; a writer clones the snapshot and changes the clone. The
/// parts are shared between snapshots (`Arc`) and copied only when a write touches
/// them (`Arc::make_mut`): a grid edit copies its level's R-tree and point index, the
/// id map and its subdistrict's tree, never the buildings or roads.
#[derive(Clone, Default)]
pub struct Atlas {
    subdistricts: Arc<BTreeMap<SubdistrictId, Arc<Subdistrict>>>,
    grids: Arc<IdMap<Arc<IndexedGrid>>>,
    trees: Arc<HashMap<SubdistrictId, Arc<SubdistrictTree>>>,
    /// Households rolled up the tree ([`crate::domain::grid::rolled_households`]),
    /// for grids whose figure is known.
    households: Arc<IdMap<i64>>,
    levels: [Arc<RTree<Linked<IndexedGrid>>>; 5],
    /// Buildings, held only by their R-tree (no id map: nothing looks a building up
    /// by id, and at a million buildings the map alone was ~35 MiB).
    building_tree: Arc<RTree<Linked<Building>>>,
    roads: Arc<HashMap<i64, Arc<Road>>>,
    road_tree: Arc<RTree<Entry>>,
    points: PointIndex,
    projected: ProjectedLayers,
}

/// The hierarchy of one subdistrict: codes, children and roots.
#[derive(Clone, Default)]
struct SubdistrictTree {
    by_code: HashMap<String, GridId>,
    children: HashMap<GridId, BTreeSet<GridId>>,
    roots: BTreeSet<GridId>,
}

fn level_slot(level: u8) -> usize {
    usize::from(level.clamp(1, 5)) - 1
}

impl Atlas {
    /// Builds the atlas from everything loaded from the store.
    pub fn build(
        subdistricts: Vec<Subdistrict>,
        grids: Vec<Grid>,
        buildings: Vec<Building>,
        roads: Vec<Road>,
    ) -> Self {
        let mut a = Self::default();
        for s in subdistricts {
            a.put_subdistrict(s);
        }
        let mut per_level: [Vec<Linked<IndexedGrid>>; 5] = Default::default();
        let mut by_id = IdMap::default();
        for g in grids {
            a.link(&g);
            let g = IndexedGrid::new(g);
            per_level[level_slot(g.grid.draft.level)].push(linked(g.grid.id, g.bbox, &g));
            by_id.insert(g.grid.id, g);
        }
        a.levels = per_level.map(|v| Arc::new(RTree::bulk_load(v)));
        a.points.put_grids(by_id.values().map(|g| {
            let g = &g.grid;
            (
                g.id,
                g.subdistrict_id,
                g.draft.level,
                g.draft.code.as_str(),
                &g.draft.geometry,
            )
        }));
        a.grids = Arc::new(by_id);
        let mut deepest_first: Vec<(u8, GridId)> = a
            .grids
            .values()
            .map(|g| (g.grid.draft.level, g.grid.id))
            .collect();
        deepest_first.sort_unstable_by(|x, y| y.cmp(x));
        for (_, id) in deepest_first {
            a.total_households(id);
        }
        let be: Vec<_> = buildings
            .into_iter()
            .map(|b| linked(b.id, bbox(&b.footprint), &Arc::new(b)))
            .collect();
        a.building_tree = Arc::new(RTree::bulk_load(be));
        let mut re = Vec::with_capacity(roads.len());
        let mut rm = HashMap::with_capacity(roads.len());
        for r in roads {
            re.push(entry(r.id, bbox(&r.line)));
            a.projected.put_road(r.id, &r.line);
            rm.insert(r.id, Arc::new(r));
        }
        a.roads = Arc::new(rm);
        a.road_tree = Arc::new(RTree::bulk_load(re));
        a
    }

    fn tree_mut(&mut self, sid: SubdistrictId) -> &mut SubdistrictTree {
        Arc::make_mut(Arc::make_mut(&mut self.trees).entry(sid).or_default())
    }

    fn link(&mut self, g: &Grid) {
        let t = self.tree_mut(g.subdistrict_id);
        t.by_code.insert(g.draft.code.clone(), g.id);
        match g.draft.parent_id {
            Some(p) => t.children.entry(p).or_default().insert(g.id),
            None => t.roots.insert(g.id),
        };
    }

    fn unlink(&mut self, g: &Grid) {
        let t = self.tree_mut(g.subdistrict_id);
        // Only this grid's own entry: after a renumbering another grid may already
        // hold the code.
        if t.by_code.get(&g.draft.code) == Some(&g.id) {
            t.by_code.remove(&g.draft.code);
        }
        match g.draft.parent_id {
            Some(p) => {
                if let Some(set) = t.children.get_mut(&p) {
                    set.remove(&g.id);
                }
            }
            None => {
                t.roots.remove(&g.id);
            }
        }
    }

    /// Recomputes a grid's rolled-up households from its own figure and its
    /// children's totals.
    fn total_households(&mut self, id: GridId) {
        let Some(g) = self.grids.get(&id) else {
            Arc::make_mut(&mut self.households).remove(&id);
            return;
        };
        let children = self
            .child_ids(id)
            .into_iter()
            .flatten()
            .map(|c| self.households.get(c).copied());
        let total = crate::domain::grid::rolled_households(g.grid.draft.households, children);
        let map = Arc::make_mut(&mut self.households);
        match total {
            Some(t) => map.insert(id, t),
            None => map.remove(&id),
        };
    }

    /// Recomputes the totals of a grid and of every ancestor (after it changed).
    fn total_households_up(&mut self, mut id: Option<GridId>) {
        while let Some(g) = id {
            self.total_households(g);
            id = self.grids.get(&g).and_then(|x| x.grid.draft.parent_id);
        }
    }

    /// The households a grid serves, rolled up the tree: its children's sum, or its
    /// own figure (see [`crate::domain::grid::rolled_households`]); `None` when unknown.
    pub fn households(&self, id: GridId) -> Option<i64> {
        self.households.get(&id).copied()
    }

    /// Adds or replaces a subdistrict.
    pub fn put_subdistrict(&mut self, s: Subdistrict) {
        self.points.put_subdistrict(s.id, &s.boundary);
        self.projected.put_subdistrict(s.id, &s.boundary);
        Arc::make_mut(&mut self.subdistricts).insert(s.id, Arc::new(s));
    }

    /// Adds or replaces a grid; returns the bounding box of the old version, if any.
    pub fn put_grid(&mut self, g: Grid) -> Option<Rect> {
        let old = self.remove_grid(g.id).map(|o| o.bbox);
        self.link(&g);
        self.points.put_grid(
            g.id,
            g.subdistrict_id,
            g.draft.level,
            &g.draft.code,
            &g.draft.geometry,
        );
        let g = IndexedGrid::new(g);
        Arc::make_mut(&mut self.levels[level_slot(g.grid.draft.level)])
            .insert(linked(g.grid.id, g.bbox, &g));
        let id = g.grid.id;
        Arc::make_mut(&mut self.grids).insert(id, g);
        // The old version's ancestors were recomputed when it was removed.
        self.total_households_up(Some(id));
        old
    }

    /// Removes a grid; returns it.
    pub fn remove_grid(&mut self, id: GridId) -> Option<Arc<IndexedGrid>> {
        let old = Arc::make_mut(&mut self.grids).remove(&id)?;
        Arc::make_mut(&mut self.levels[level_slot(old.grid.draft.level)])
            .remove(&linked(id, old.bbox, &old));
        self.unlink(&old.grid);
        self.points.remove_grid(id);
        Arc::make_mut(&mut self.households).remove(&id);
        self.total_households_up(old.grid.draft.parent_id);
        Some(old)
    }

    /// Adds buildings and roads (after an import); ones already held are kept.
    pub fn add_reference(&mut self, buildings: Vec<Building>, roads: Vec<Road>) {
        if !buildings.is_empty() {
            let tree = Arc::make_mut(&mut self.building_tree);
            for b in buildings {
                // A building already held (same id) is where its bounding box says.
                let r = bbox(&b.footprint);
                if tree
                    .locate_in_envelope_intersecting(&aabb(r))
                    .any(|e| e.data.0 == b.id)
                {
                    continue;
                }
                tree.insert(linked(b.id, r, &Arc::new(b)));
            }
        }
        if !roads.is_empty() {
            let map = Arc::make_mut(&mut self.roads);
            let tree = Arc::make_mut(&mut self.road_tree);
            for r in roads {
                if map.contains_key(&r.id) {
                    continue;
                }
                tree.insert(entry(r.id, bbox(&r.line)));
                self.projected.put_road(r.id, &r.line);
                map.insert(r.id, Arc::new(r));
            }
        }
    }

    /// Web Mercator copies of every geometry, for tiles.
    pub fn projected(&self) -> &ProjectedLayers {
        &self.projected
    }

    /// All subdistricts in id order.
    pub fn subdistricts(&self) -> impl Iterator<Item = &Arc<Subdistrict>> {
        self.subdistricts.values()
    }

    /// One subdistrict.
    pub fn subdistrict(&self, id: SubdistrictId) -> Option<&Arc<Subdistrict>> {
        self.subdistricts.get(&id)
    }

    /// One grid.
    pub fn grid(&self, id: GridId) -> Option<&Arc<IndexedGrid>> {
        self.grids.get(&id)
    }

    /// A grid's subdistrict and its path up the tree: the grid, its parent, … its
    /// L1 ancestor (what a scope over a grid is checked against). `None` when the
    /// grid does not exist.
    pub fn path(&self, id: GridId) -> Option<(SubdistrictId, Vec<GridId>)> {
        let g = self.grid(id)?;
        let mut path = vec![id];
        let mut at = g.grid.draft.parent_id;
        // A tree never has a cycle; the bound keeps a broken one from looping.
        while let Some(p) = at.filter(|_| path.len() <= 16) {
            path.push(p);
            at = self.grid(p).and_then(|g| g.grid.draft.parent_id);
        }
        Some((g.grid.subdistrict_id, path))
    }

    /// May `who` take `action` on grid `id` (a scope covers it when it covers the
    /// grid or an ancestor)? `None` when there is no such grid.
    pub fn authorize_grid(
        &self,
        who: &Principal,
        action: Action,
        id: GridId,
    ) -> Option<Result<(), Denied>> {
        let (subdistrict, path) = self.path(id)?;
        Some(authorize(
            who,
            action,
            Resource::Grid {
                subdistrict,
                path: &path,
            },
        ))
    }

    /// Number of grids.
    pub fn grid_count(&self) -> usize {
        self.grids.len()
    }

    /// Every grid (any level) whose bounding box meets `r` (degrees), as
    /// `(id, version)` in id order: cheap (R-trees only), for telling whether a
    /// neighbourhood changed between two snapshots.
    pub fn grid_versions_in(&self, r: Rect) -> Vec<(GridId, i64)> {
        let env = aabb(r);
        let mut v: Vec<(GridId, i64)> = self
            .levels
            .iter()
            .flat_map(|l| l.locate_in_envelope_intersecting(&env))
            .map(|e| (e.data.0, e.data.1.grid.version))
            .collect();
        v.sort_unstable();
        v
    }

    /// Whether the grid has children.
    pub fn has_children(&self, id: GridId) -> bool {
        self.child_ids(id).is_some_and(|c| !c.is_empty())
    }

    fn child_ids(&self, id: GridId) -> Option<&BTreeSet<GridId>> {
        let sid = self.grids.get(&id)?.grid.subdistrict_id;
        self.trees.get(&sid)?.children.get(&id)
    }

    /// The children of a grid, in code order.
    pub fn children(&self, id: GridId) -> Vec<&Arc<IndexedGrid>> {
        let mut v: Vec<_> = self
            .child_ids(id)
            .into_iter()
            .flatten()
            .filter_map(|c| self.grids.get(c))
            .collect();
        v.sort_by(|a, b| a.grid.draft.code.cmp(&b.grid.draft.code));
        v
    }

    /// Grids filtered by level, parent and a bounding box (degrees), in code order.
    pub fn grids(
        &self,
        subdistrict: Option<SubdistrictId>,
        level: Option<u8>,
        parent: Option<GridId>,
        within: Option<Rect>,
    ) -> Vec<&Arc<IndexedGrid>> {
        let mut v: Vec<&Arc<IndexedGrid>> = match (parent, within) {
            (Some(p), _) => self.children(p),
            (None, Some(r)) => {
                let env = aabb(r);
                let levels: Vec<usize> = match level {
                    Some(l) => vec![usize::from(l.clamp(1, 5)) - 1],
                    None => (0..5).collect(),
                };
                levels
                    .into_iter()
                    .flat_map(|l| self.levels[l].locate_in_envelope_intersecting(&env))
                    .map(|e| &e.data.1)
                    .filter(|g| g.grid.draft.geometry.intersects(&r))
                    .collect()
            }
            (None, None) => self.grids.values().collect(),
        };
        v.retain(|g| {
            level.is_none_or(|l| g.grid.draft.level == l)
                && subdistrict.is_none_or(|s| g.grid.subdistrict_id == s)
                && within.is_none_or(|r| g.bbox.intersects(&r))
        });
        v.sort_by(|a, b| a.grid.draft.code.cmp(&b.grid.draft.code));
        v
    }

    /// For tiles: the grids of `level` whose bounding box meets `r` (degrees), with
    /// their ids, in no particular order and without an exact test (the tile clips
    /// anyway).
    pub fn grids_meeting(
        &self,
        level: u8,
        r: Rect,
    ) -> impl Iterator<Item = (GridId, &Arc<IndexedGrid>)> {
        self.levels
            .get(usize::from(level.clamp(1, 5)) - 1)
            .into_iter()
            .flat_map(move |t| t.locate_in_envelope_intersecting(&aabb(r)))
            .map(|e| (e.data.0, &e.data.1))
    }

    /// For tiles: the buildings whose bounding box meets `r` (degrees), with their
    /// ids, in no particular order.
    pub fn buildings_meeting(&self, r: Rect) -> impl Iterator<Item = (i64, &Arc<Building>)> {
        self.building_tree
            .locate_in_envelope_intersecting(&aabb(r))
            .map(|e| (e.data.0, &e.data.1))
    }

    /// Buildings whose bounding box meets `r` (degrees); all of them, in id order, without `r`.
    pub fn buildings_in(&self, r: Option<Rect>) -> Vec<&Arc<Building>> {
        match r {
            Some(r) => self
                .building_tree
                .locate_in_envelope_intersecting(&aabb(r))
                .map(|e| &e.data.1)
                .collect(),
            None => {
                let mut all: Vec<_> = self.building_tree.iter().map(|e| &e.data.1).collect();
                all.sort_unstable_by_key(|b| b.id);
                all
            }
        }
    }

    /// Roads whose bounding box meets `r` (degrees).
    pub fn roads_in(&self, r: Option<Rect>) -> Vec<&Arc<Road>> {
        match r {
            Some(r) => self
                .road_tree
                .locate_in_envelope_intersecting(&aabb(r))
                .filter_map(|e| self.roads.get(&e.data))
                .collect(),
            None => self.roads.values().collect(),
        }
    }

    /// The grids of one level that cover a point (lon, lat), smallest code first.
    pub fn covering(&self, level: u8, p: Coord) -> Vec<&Arc<IndexedGrid>> {
        let Some(t) = self.levels.get(usize::from(level.clamp(1, 5)) - 1) else {
            return vec![];
        };
        let mut v: Vec<_> = t
            .locate_all_at_point(&[p.x, p.y])
            .map(|e| &e.data.1)
            .filter(|g| g.grid.draft.geometry.covers(&p))
            .collect();
        v.sort_by(|a, b| a.grid.draft.code.cmp(&b.grid.draft.code));
        v
    }

    /// The point-in-grid index (see [`points`]; the answers are built in `crate::lookup`).
    pub fn point_index(&self) -> &PointIndex {
        &self.points
    }

    /// Number of buildings.
    pub fn building_count(&self) -> usize {
        self.building_tree.size()
    }

    /// The hierarchy of every subdistrict, without geometry.
    pub fn tree(&self) -> Vec<TreeNode> {
        self.subdistricts
            .values()
            .map(|s| {
                let mut roots: Vec<GridId> = self
                    .trees
                    .get(&s.id)
                    .into_iter()
                    .flat_map(|t| t.roots.iter().copied())
                    .collect();
                roots.sort_by(|a, b| self.code_of(*a).cmp(self.code_of(*b)));
                TreeNode {
                    id: s.id,
                    code: s.code.clone(),
                    name: s.name.clone(),
                    level: 0,
                    kind: None,
                    households: None,
                    children: roots.into_iter().filter_map(|g| self.node(g)).collect(),
                }
            })
            .collect()
    }

    fn code_of(&self, id: GridId) -> &str {
        self.grids
            .get(&id)
            .map_or("", |g| g.grid.draft.code.as_str())
    }

    fn node(&self, id: GridId) -> Option<TreeNode> {
        let g = &self.grids.get(&id)?.grid;
        Some(TreeNode {
            id,
            code: g.draft.code.clone(),
            name: g.draft.name.clone(),
            level: g.draft.level,
            kind: Some(g.draft.kind.as_str()),
            households: self.households(id),
            children: self
                .children(id)
                .into_iter()
                .filter_map(|c| self.node(c.grid.id))
                .collect(),
        })
    }
}

impl TreeView for Atlas {
    fn grid_facts(&self, id: GridId) -> Option<(SubdistrictId, u8, String)> {
        self.grids.get(&id).map(|g| {
            (
                g.grid.subdistrict_id,
                g.grid.draft.level,
                g.grid.draft.code.clone(),
            )
        })
    }

    fn grid_by_code(&self, subdistrict: SubdistrictId, code: &str) -> Option<GridId> {
        self.trees.get(&subdistrict)?.by_code.get(code).copied()
    }

    fn subdistrict_code(&self, id: SubdistrictId) -> Option<String> {
        self.subdistricts.get(&id).map(|s| s.code.clone())
    }

    fn grid_area(&self, id: GridId) -> Option<&Geometry> {
        self.grids.get(&id).map(|g| &g.grid.draft.geometry)
    }

    fn subdistrict_area(&self, id: SubdistrictId) -> Option<&Geometry> {
        self.subdistricts.get(&id).map(|s| &s.boundary)
    }

    fn sole_subdistrict(&self) -> Option<SubdistrictId> {
        (self.subdistricts.len() == 1)
            .then(|| self.subdistricts.keys().next().copied())
            .flatten()
    }
}
