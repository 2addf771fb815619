//! Vertex operations across grids: move, insert and delete a vertex in every grid
//! that has it (or an edge through the position), so shared edges stay shared.

use std::collections::{BTreeMap, HashMap};

use geo::Coord;

use super::shared::{check_versions, insert_into_neighbours, updates_from};
use super::{MAX_TOLERANCE_M, vertex};
use crate::domain::change::EditBatch;
use crate::domain::grid::{GridId, SubdistrictId};
use crate::error::{Error, FieldError};
use crate::index::Atlas;

/// The grids of an edit must be of one subdistrict (one transaction, one key).
fn one_subdistrict(
    atlas: &Atlas,
    ids: impl Iterator<Item = GridId>,
    field: &str,
) -> Result<SubdistrictId, Error> {
    let mut sids: Vec<SubdistrictId> = ids
        .filter_map(|i| atlas.grid(i).map(|g| g.grid.subdistrict_id))
        .collect();
    sids.sort_unstable();
    sids.dedup();
    match sids[..] {
        [s] => Ok(s),
        [] => Err(Error::invalid(field, "no grid is there")),
        _ => Err(Error::invalid(
            field,
            "the grids there belong to several subdistricts; edit each separately",
        )),
    }
}

fn check_tolerance(tol_m: f64) -> Result<(), Error> {
    if !(tol_m.is_finite() && tol_m > 0.0 && tol_m <= MAX_TOLERANCE_M) {
        return Err(Error::invalid(
            "tolerance_m",
            format!(
                "must be a number of metres above 0 and at most {MAX_TOLERANCE_M}, got {tol_m}"
            ),
        ));
    }
    Ok(())
}

/// Plans moving the vertex at `from` to `to` in every grid that has it.
pub fn plan_move_vertex(
    atlas: &Atlas,
    from: Coord,
    to: Coord,
    tol_m: f64,
    versions: Option<&HashMap<GridId, i64>>,
) -> Result<EditBatch, Error> {
    check_tolerance(tol_m)?;
    let mut edited = BTreeMap::new();
    for g in atlas.grids(None, None, None, Some(vertex::search_box(from, tol_m))) {
        if let Some(n) = vertex::move_vertex(&g.grid.draft.geometry, from, to, tol_m) {
            edited.insert(g.grid.id, n);
        }
    }
    if edited.is_empty() {
        return Err(Error::Invalid(vec![FieldError::at(
            "from",
            format!("no grid has a vertex within {tol_m} m"),
            [from.x, from.y],
        )]));
    }
    let empty = HashMap::new();
    let versions = versions.unwrap_or(&empty);
    check_versions(
        atlas,
        &versions
            .iter()
            .filter(|(id, _)| edited.contains_key(id))
            .map(|(a, b)| (*a, *b))
            .collect(),
    )?;
    let sid = one_subdistrict(atlas, edited.keys().copied(), "from")?;
    let updates = updates_from(atlas, edited, versions)?;
    Ok(EditBatch {
        subdistrict_id: sid,
        action: "move-vertex".into(),
        updates,
        ..Default::default()
    })
}

/// Plans inserting a vertex at `at` into every grid edge passing within `tol_m`.
pub fn plan_insert_vertex(atlas: &Atlas, at: Coord, tol_m: f64) -> Result<EditBatch, Error> {
    check_tolerance(tol_m)?;
    let mut edited = BTreeMap::new();
    insert_into_neighbours(atlas, at, tol_m, &[], &mut edited);
    if edited.is_empty() {
        return Err(Error::Invalid(vec![FieldError::at(
            "at",
            format!("no grid edge passes within {tol_m} m without already having a vertex there"),
            [at.x, at.y],
        )]));
    }
    let sid = one_subdistrict(atlas, edited.keys().copied(), "at")?;
    let updates = updates_from(atlas, edited, &HashMap::new())?;
    Ok(EditBatch {
        subdistrict_id: sid,
        action: "insert-vertex".into(),
        updates,
        ..Default::default()
    })
}

/// Plans deleting the vertex at `at` from every grid that has it.
pub fn plan_delete_vertex(atlas: &Atlas, at: Coord, tol_m: f64) -> Result<EditBatch, Error> {
    check_tolerance(tol_m)?;
    let mut edited = BTreeMap::new();
    let mut refused = Vec::new();
    for g in atlas.grids(None, None, None, Some(vertex::search_box(at, tol_m))) {
        match vertex::delete_vertex(&g.grid.draft.geometry, at, tol_m) {
            Ok(Some(n)) => {
                edited.insert(g.grid.id, n);
            }
            Ok(None) => {}
            Err(why) => refused.push(FieldError::at(
                format!("grids.{}", g.grid.id),
                format!("grid {} ({}): {why}", g.grid.id, g.grid.draft.code),
                [at.x, at.y],
            )),
        }
    }
    if !refused.is_empty() {
        return Err(Error::Invalid(refused));
    }
    if edited.is_empty() {
        return Err(Error::Invalid(vec![FieldError::at(
            "at",
            format!("no grid has a vertex within {tol_m} m"),
            [at.x, at.y],
        )]));
    }
    let sid = one_subdistrict(atlas, edited.keys().copied(), "at")?;
    let updates = updates_from(atlas, edited, &HashMap::new())?;
    Ok(EditBatch {
        subdistrict_id: sid,
        action: "delete-vertex".into(),
        updates,
        ..Default::default()
    })
}
