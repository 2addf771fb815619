//! Helpers every operation shares: looking grids up, turning edited geometries
//! into checked updates, version checks, vertex insertion into neighbours, and the
//! code prefix cascade to descendants.

use std::collections::{BTreeMap, HashMap};

use geo::{Coord, Geometry, MultiPolygon};

use super::{numbering, vertex};
use crate::domain::change::{CodeChange, EditBatch, EditUpdate};
use crate::domain::grid::{Grid, GridDraft, GridId, SubdistrictId};
use crate::error::{Error, FieldError, StaleGrid};
use crate::index::Atlas;

pub(super) fn grid(atlas: &Atlas, id: GridId) -> Result<&Grid, Error> {
    atlas
        .grid(id)
        .map(|g| &g.grid)
        .ok_or_else(|| Error::NotFound(format!("grid {id}")))
}

pub(super) fn area_of(g: &Geometry) -> MultiPolygon {
    crate::domain::geometry::to_multi_polygon(g)
}

/// Every reason why a geometry is not valid (empty when it is), each with its
/// position, by the O(n log n) check every create and update passes
/// ([`crate::domain::geometry::validate`]; `geo`'s `Validation` compares every pair
/// of segments: seconds for a 50,000-vertex piece of a split, minutes for a
/// 100,000-vertex grid in a coverage preview).
pub fn invalid_reasons(g: &Geometry) -> Vec<String> {
    use crate::domain::geometry::{field_error, validate::validate};
    let (polys, multi): (Vec<&geo::Polygon>, bool) = match g {
        Geometry::Polygon(p) => (vec![p], false),
        Geometry::MultiPolygon(mp) => (mp.0.iter().collect(), true),
        _ => return vec!["is not a Polygon or MultiPolygon".into()],
    };
    validate(&polys)
        .iter()
        .map(|e| {
            let f = field_error("geometry", multi, e);
            match f.coordinate {
                Some([x, y]) => format!("{} at ({x}, {y})", f.reason),
                None => f.reason,
            }
        })
        .collect()
}

/// Why a geometry is not valid, if it is not: the first of [`invalid_reasons`].
pub fn invalid_reason(g: &Geometry) -> Option<String> {
    let all = invalid_reasons(g);
    all.first().map(|e| {
        let more = if all.len() > 1 {
            format!(" (and {} more problems)", all.len() - 1)
        } else {
            String::new()
        };
        format!("{e}{more}")
    })
}

/// The code of a grid's parent (the subdistrict's for L1) and its siblings' codes.
pub(super) fn parent_code_and_siblings(
    atlas: &Atlas,
    sid: SubdistrictId,
    parent: Option<GridId>,
) -> Result<(String, Vec<&Grid>), Error> {
    match parent {
        Some(p) => Ok((
            grid(atlas, p)?.draft.code.clone(),
            atlas.children(p).into_iter().map(|g| &g.grid).collect(),
        )),
        None => {
            let s = atlas
                .subdistrict(sid)
                .ok_or_else(|| Error::NotFound(format!("subdistrict {sid}")))?;
            Ok((
                s.code.clone(),
                atlas
                    .grids(Some(sid), Some(1), None, None)
                    .into_iter()
                    .map(|g| &g.grid)
                    .collect(),
            ))
        }
    }
}

/// Adds `at` into every edge, of every grid but `skip`, passing within `tol_m`;
/// accumulates into `edited` (grid id → new geometry).
pub(super) fn insert_into_neighbours(
    atlas: &Atlas,
    at: Coord,
    tol_m: f64,
    skip: &[GridId],
    edited: &mut BTreeMap<GridId, Geometry>,
) {
    for g in atlas.grids(
        None,
        None,
        None,
        Some(vertex::search_box(at, tol_m.max(0.01))),
    ) {
        let id = g.grid.id;
        if skip.contains(&id) {
            continue;
        }
        let current = edited
            .get(&id)
            .cloned()
            .unwrap_or_else(|| g.grid.draft.geometry.clone());
        if let Some(n) = vertex::insert_vertex(&current, at, tol_m) {
            edited.insert(id, n);
        }
    }
}

pub(super) fn updates_from(
    atlas: &Atlas,
    edited: BTreeMap<GridId, Geometry>,
    versions: &HashMap<GridId, i64>,
) -> Result<Vec<EditUpdate>, Error> {
    let mut invalid = Vec::new();
    let mut out = Vec::new();
    for (id, geometry) in edited {
        let g = grid(atlas, id)?;
        if let Some(why) = invalid_reason(&geometry) {
            invalid.push(FieldError::new(
                format!("grids.{id}"),
                format!("grid {id} ({}) would become invalid: {why}", g.draft.code),
            ));
            continue;
        }
        out.push(EditUpdate {
            id,
            expected_version: versions.get(&id).copied().unwrap_or(g.version),
            draft: GridDraft {
                geometry,
                ..g.draft.clone()
            },
        });
    }
    if !invalid.is_empty() {
        return Err(Error::Invalid(invalid));
    }
    Ok(out)
}

/// Refuses named versions that are not the current ones.
pub(super) fn check_versions(atlas: &Atlas, versions: &HashMap<GridId, i64>) -> Result<(), Error> {
    let stale: Vec<StaleGrid> = versions
        .iter()
        .filter_map(|(&id, &v)| {
            let current = atlas.grid(id).map(|g| g.grid.version);
            (current != Some(v)).then_some(StaleGrid {
                id,
                given: Some(v),
                current,
            })
        })
        .collect();
    if stale.is_empty() {
        Ok(())
    } else {
        Err(Error::StaleGrids(stale))
    }
}

pub(super) fn descendants(atlas: &Atlas, id: GridId) -> Vec<&Grid> {
    let mut out = Vec::new();
    let mut stack = vec![id];
    while let Some(p) = stack.pop() {
        for c in atlas.children(p) {
            out.push(&c.grid);
            stack.push(c.grid.id);
        }
    }
    out
}

pub(super) fn recode_descendants(
    atlas: &Atlas,
    id: GridId,
    prefixes: &[(String, String)],
    batch: &mut EditBatch,
) {
    let list = descendants(atlas, id);
    let pairs: Vec<(GridId, String)> = list.iter().map(|g| (g.id, g.draft.code.clone())).collect();
    let desc: HashMap<GridId, &Grid> = list.into_iter().map(|g| (g.id, g)).collect();
    for ch in numbering::cascade(prefixes, &pairs) {
        if let Some(g) = desc.get(&ch.id) {
            push_recode(batch, g, ch);
        }
    }
}

/// Adds grid `g` under its new code to `batch`, with the code-history entry.
pub(super) fn push_recode(batch: &mut EditBatch, g: &Grid, ch: CodeChange) {
    batch.updates.push(EditUpdate {
        id: g.id,
        expected_version: g.version,
        draft: GridDraft {
            code: ch.new_code.clone(),
            ..g.draft.clone()
        },
    });
    batch.code_changes.push(ch);
}
