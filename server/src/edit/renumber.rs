//! Codes: the next free code under a parent, and renumbering a parent's children
//! in reading order with the change cascaded to every descendant.

use geo::Geometry;

use super::numbering;
use super::shared::{descendants, grid, parent_code_and_siblings, push_recode};
use crate::domain::change::EditBatch;
use crate::domain::code;
use crate::domain::grid::{Grid, GridId, SubdistrictId};
use crate::error::Error;
use crate::index::Atlas;

/// The next free child code under a grid (`Some`) or a subdistrict (`None` + sid).
pub fn next_code(
    atlas: &Atlas,
    sid: SubdistrictId,
    parent: Option<GridId>,
) -> Result<(String, u32), Error> {
    let (pcode, siblings) = parent_code_and_siblings(atlas, sid, parent)?;
    if let Some(p) = parent
        && grid(atlas, p)?.draft.level >= code::MAX_LEVEL
    {
        return Err(Error::invalid(
            "id",
            format!(
                "grid {p} is level {} and cannot have children",
                code::MAX_LEVEL
            ),
        ));
    }
    let seq = numbering::next_sequence(siblings.iter().map(|g| g.draft.code.as_str()))
        .map_err(|e| Error::conflict("code", e))?;
    let c = code::child_code(&pcode, seq).map_err(|e| Error::conflict("code", e))?;
    Ok((c, seq))
}

/// Plans renumbering the children of grid `parent` (or the L1 grids of subdistrict
/// `sid` when `parent` is `None`) in reading order, cascading to descendants.
pub fn plan_renumber(
    atlas: &Atlas,
    sid: SubdistrictId,
    parent: Option<GridId>,
) -> Result<EditBatch, Error> {
    let (pcode, siblings) = parent_code_and_siblings(atlas, sid, parent)?;
    let sid = match parent {
        Some(p) => grid(atlas, p)?.subdistrict_id,
        None => sid,
    };
    let sib: Vec<(GridId, String, &Geometry)> = siblings
        .iter()
        .map(|g| (g.id, g.draft.code.clone(), &g.draft.geometry))
        .collect();
    let mut below: Vec<&Grid> = Vec::new();
    for g in &siblings {
        below.extend(descendants(atlas, g.id));
    }
    let pairs: Vec<(GridId, String)> = below.iter().map(|g| (g.id, g.draft.code.clone())).collect();
    let changes =
        numbering::renumber(&pcode, &sib, &pairs).map_err(|e| Error::conflict("code", e))?;
    let mut batch = EditBatch {
        subdistrict_id: sid,
        action: "renumber".into(),
        ..Default::default()
    };
    for ch in changes {
        push_recode(&mut batch, grid(atlas, ch.id)?, ch);
    }
    Ok(batch)
}
