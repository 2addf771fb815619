//! Merging adjacent sibling grids: the union dissolved on exact coordinates, the
//! grid with the smallest code kept, the others' children moved under it.

use std::collections::HashMap;

use geo::{Geometry, MultiPolygon};

use super::shared::{area_of, check_versions, grid, invalid_reason, recode_descendants};
use super::{numbering, topo};
use crate::domain::change::{CodeChange, EditBatch, EditUpdate};
use crate::domain::code;
use crate::domain::grid::{Grid, GridDraft, GridId, MAX_RESPONSIBLE};
use crate::error::{Error, FieldError};
use crate::index::Atlas;

/// Plans merging sibling grids (see the API document).
pub fn plan_merge(
    atlas: &Atlas,
    ids: &[GridId],
    versions: &HashMap<GridId, i64>,
) -> Result<EditBatch, Error> {
    let mut ids: Vec<GridId> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() < 2 {
        return Err(Error::invalid("ids", "name at least two different grids"));
    }
    let missing: Vec<String> = ids
        .iter()
        .filter(|i| !versions.contains_key(i))
        .map(ToString::to_string)
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid(
            "versions",
            format!(
                "name the version of every grid; missing for {}",
                missing.join(", ")
            ),
        ));
    }
    let grids: Vec<&Grid> = ids
        .iter()
        .map(|&i| grid(atlas, i))
        .collect::<Result<_, _>>()?;
    check_versions(atlas, &ids.iter().map(|i| (*i, versions[i])).collect())?;
    let first = grids[0];
    if grids.iter().any(|g| {
        g.subdistrict_id != first.subdistrict_id
            || g.draft.parent_id != first.draft.parent_id
            || g.draft.level != first.draft.level
    }) {
        return Err(Error::invalid(
            "ids",
            "only siblings can be merged: the grids must have the same parent and level",
        ));
    }
    let areas: Vec<MultiPolygon> = grids.iter().map(|g| area_of(&g.draft.geometry)).collect();
    let union = topo::dissolve(&areas).map_err(|e| match e {
        topo::TopoError::Overlap(c) => Error::Invalid(vec![FieldError::at(
            "ids",
            "the grids overlap; fix their boundaries before merging",
            [c.x, c.y],
        )]),
        topo::TopoError::Unsupported(m) => Error::invalid("ids", m),
        topo::TopoError::LineAlongBoundary(_) => Error::invalid("ids", "cannot merge these grids"),
    })?;
    if union.len() != 1 {
        return Err(Error::invalid(
            "ids",
            format!(
                "the grids are not adjacent: their union is {} separate polygons, not one",
                union.len()
            ),
        ));
    }
    let geometry = Geometry::Polygon(union.into_iter().next().expect("one polygon"));
    if let Some(why) = invalid_reason(&geometry) {
        return Err(Error::invalid(
            "ids",
            format!("the merged grid would be invalid: {why}"),
        ));
    }
    let keep = *grids
        .iter()
        .min_by(|a, b| a.draft.code.cmp(&b.draft.code))
        .expect("two grids");
    let sum = |f: fn(&GridDraft) -> Option<i32>| -> Option<i32> {
        let v: Vec<i32> = grids.iter().filter_map(|g| f(&g.draft)).collect();
        (!v.is_empty()).then(|| v.iter().sum())
    };
    let mut responsible = keep.draft.responsible.clone();
    for g in &grids {
        for r in &g.draft.responsible {
            if !responsible.contains(r) && responsible.len() < MAX_RESPONSIBLE {
                responsible.push(r.clone());
            }
        }
    }
    let mut batch = EditBatch {
        subdistrict_id: keep.subdistrict_id,
        action: "merge".into(),
        ..Default::default()
    };
    batch.updates.push(EditUpdate {
        id: keep.id,
        expected_version: versions[&keep.id],
        draft: GridDraft {
            geometry,
            households: sum(|d| d.households),
            population: sum(|d| d.population),
            responsible,
            ..keep.draft.clone()
        },
    });
    // Children of the merged-away grids move under the kept one, numbered after
    // its own children; their descendants follow the new prefix.
    let mut seq = numbering::next_sequence(
        atlas
            .children(keep.id)
            .iter()
            .map(|c| c.grid.draft.code.as_str()),
    )
    .map_err(|e| Error::conflict("code", e))?;
    let mut prefixes = Vec::new();
    for g in grids.iter().filter(|g| g.id != keep.id) {
        for c in atlas.children(g.id) {
            let c = &c.grid;
            let new = code::child_code(&keep.draft.code, seq).map_err(|e| {
                Error::conflict("code", format!("no free code under grid {}: {e}", keep.id))
            })?;
            seq += 1;
            batch.code_changes.push(CodeChange {
                id: c.id,
                old_code: c.draft.code.clone(),
                new_code: new.clone(),
            });
            prefixes.push((c.draft.code.clone(), new.clone()));
            batch.updates.push(EditUpdate {
                id: c.id,
                expected_version: c.version,
                draft: GridDraft {
                    code: new,
                    parent_id: Some(keep.id),
                    ..c.draft.clone()
                },
            });
            recode_descendants(atlas, c.id, &prefixes, &mut batch);
        }
        batch.deletes.push((g.id, versions[&g.id]));
    }
    Ok(batch)
}
