//! Replacing one grid: the rules a plain update follows, and the cascade that keeps
//! a subtree's codes under their parent's when the grid's code changes.

use super::shared::recode_descendants;
use crate::domain::change::{CodeChange, EditBatch, EditUpdate};
use crate::domain::grid::{GridDraft, GridId, SubdistrictId};
use crate::error::Error;
use crate::index::Atlas;

/// Plans replacing grid `id` (at `version`, already checked against the stored one)
/// by `draft` of subdistrict `sid` (resolved and checked against its parent).
///
/// A grid cannot move to another subdistrict, nor change level while it has
/// children. A new code (a renumbering by hand, or the code a new parent calls
/// for) is recorded in the code history, and every descendant's code takes the
/// new prefix in the same batch, with its own history entry: codes stay prefixed
/// by their parent's (`docs/grid-codes.md`) whatever is edited.
pub fn plan_update(
    atlas: &Atlas,
    id: GridId,
    version: i64,
    sid: SubdistrictId,
    draft: GridDraft,
) -> Result<EditBatch, Error> {
    let current = atlas
        .grid(id)
        .ok_or_else(|| Error::NotFound(format!("grid {id}")))?;
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
    let old_code = current.grid.draft.code.clone();
    let recoded = draft.code != old_code;
    let new_code = draft.code.clone();
    let mut batch = EditBatch {
        subdistrict_id: sid,
        action: "update".into(),
        updates: vec![EditUpdate {
            id,
            expected_version: version,
            draft,
        }],
        ..Default::default()
    };
    if recoded {
        batch.code_changes.push(CodeChange {
            id,
            old_code: old_code.clone(),
            new_code: new_code.clone(),
        });
        recode_descendants(atlas, id, &[(old_code, new_code)], &mut batch);
    }
    Ok(batch)
}
