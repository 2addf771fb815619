//! Buildings in grids. Rule (documented): a building belongs to the **leaf grid**
//! (a grid without children, at whatever level) whose area overlaps its footprint
//! the most; on a tie, the smallest code. Its ancestors hold it through the tree. On
//! a nested tessellation the leaves tile the subdistrict, so every building inside it
//! has exactly one leaf, and a grid's household total is the sum over the buildings
//! of its leaves. Overlap is compared in degrees² — between candidates for one
//! building, at one latitude, that orders exactly as square metres would.

use std::collections::HashMap;
use std::sync::Arc;

use geo::{Area, BooleanOps, BoundingRect, Geometry, Intersects, MultiPolygon};

use crate::domain::grid::GridId;
use crate::domain::reference::Building;
use crate::index::{Atlas, IndexedGrid};

fn multi(g: &Geometry) -> Option<MultiPolygon> {
    match g {
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(mp) => Some(mp.clone()),
        _ => None,
    }
}

/// The leaf grid a building belongs to, or `None` when no leaf overlaps it.
pub fn assign(atlas: &Atlas, b: &Building) -> Option<GridId> {
    let r = b.footprint.bounding_rect()?;
    let leaves: Vec<&Arc<IndexedGrid>> = atlas
        .grids(None, None, None, Some(r))
        .into_iter()
        .filter(|g| {
            !atlas.has_children(g.grid.id) && g.grid.draft.geometry.intersects(&b.footprint)
        })
        .collect();
    match leaves.as_slice() {
        [] => None,
        [one] => Some(one.grid.id),
        many => {
            let fp = multi(&b.footprint)?;
            let mut best: Option<(f64, GridId)> = None;
            // `grids` answers in code order, so `>` keeps the smallest code on a tie.
            for g in many {
                let Some(gm) = multi(&g.grid.draft.geometry) else {
                    continue;
                };
                let a = gm.intersection(&fp).unsigned_area();
                if best.is_none_or(|(b, _)| a > b) {
                    best = Some((a, g.grid.id));
                }
            }
            best.map(|(_, id)| id)
        }
    }
}

/// Whether `grid` is `leaf` or one of its ancestors.
fn holds(atlas: &Atlas, grid: GridId, leaf: GridId) -> bool {
    let mut at = Some(leaf);
    for _ in 0..8 {
        match at {
            Some(id) if id == grid => return true,
            Some(id) => at = atlas.grid(id).and_then(|g| g.grid.draft.parent_id),
            None => return false,
        }
    }
    false
}

/// The buildings a grid holds (through its leaves), each with the leaf it belongs
/// to, in building id order.
pub fn of_grid(atlas: &Atlas, grid: GridId) -> Vec<(Arc<Building>, GridId)> {
    let Some(g) = atlas.grid(grid) else {
        return vec![];
    };
    let mut v: Vec<(Arc<Building>, GridId)> = atlas
        .buildings_in(Some(g.bbox))
        .into_iter()
        .filter_map(|b| {
            let leaf = assign(atlas, b)?;
            holds(atlas, grid, leaf).then(|| (Arc::clone(b), leaf))
        })
        .collect();
    v.sort_by_key(|(b, _)| b.id);
    v
}

/// Every building's leaf grid (buildings in no grid are left out).
pub fn assign_all(atlas: &Atlas) -> HashMap<i64, GridId> {
    atlas
        .buildings_in(None)
        .into_iter()
        .filter_map(|b| Some((b.id, assign(atlas, b)?)))
        .collect()
}
