//! The grid editor's operations, planned over the atlas (plain synchronous Rust; no
//! axum, sqlx or tokio): split, merge, vertex move / insert / delete, next code and
//! renumbering. Each `plan_*` checks everything and answers an [`EditBatch`] that
//! the store applies in one transaction; nothing here writes.
//!
//! Topology: grids of one level share edges exactly (same vertices, same numbers).
//! The operations keep it that way: geometry is cut and dissolved on exact
//! coordinates ([`topo`]), a vertex moves in every grid that has it, an inserted
//! vertex goes into every edge that passes there, and the points where a split
//! line meets a boundary are inserted into the neighbours' edges too, so no
//! T-junction is left behind.

pub mod numbering;
pub mod topo;
pub mod vertex;

use std::collections::{BTreeMap, HashMap};

use geo::{
    Area, BooleanOps, Coord, Geometry, Intersects, LineString, MultiPolygon, Point, Polygon,
    Validation,
};

use crate::domain::change::{CodeChange, EditBatch, EditUpdate};
use crate::domain::code;
use crate::domain::grid::{Grid, GridDraft, GridId, MAX_RESPONSIBLE, SubdistrictId, TreeView};
use crate::error::{Error, FieldError, StaleGrid};
use crate::index::Atlas;

/// Default tolerance for finding a vertex or an edge, metres.
pub const DEFAULT_TOLERANCE_M: f64 = 0.05;
/// Largest tolerance accepted, metres.
pub const MAX_TOLERANCE_M: f64 = 10.0;
/// Tolerance for putting a split's new boundary vertices into neighbours' edges,
/// metres: the computed point lies on the edge up to rounding (~1e-11 m).
const SPLIT_NEIGHBOUR_TOLERANCE_M: f64 = 1e-6;

fn grid(atlas: &Atlas, id: GridId) -> Result<&Grid, Error> {
    atlas
        .grid(id)
        .map(|g| &g.grid)
        .ok_or_else(|| Error::NotFound(format!("grid {id}")))
}

fn area_of(g: &Geometry) -> MultiPolygon {
    crate::domain::geometry::to_multi_polygon(g)
}

/// Why a geometry is not valid, if it is not.
pub fn invalid_reason(g: &Geometry) -> Option<String> {
    let all = g.validation_errors();
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
fn parent_code_and_siblings(
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

/// Splits shares of a whole number so they add up exactly (largest remainder).
pub fn apportion(total: i32, weights: &[f64]) -> Vec<i32> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() {
        return vec![];
    }
    if sum.is_nan() || sum <= 0.0 {
        let mut v = vec![0; weights.len()];
        v[0] = total;
        return v;
    }
    let exact: Vec<f64> = weights.iter().map(|w| f64::from(total) * w / sum).collect();
    let mut out: Vec<i32> = exact.iter().map(|e| e.floor() as i32).collect();
    let mut rest = total - out.iter().sum::<i32>();
    let mut idx: Vec<usize> = (0..weights.len()).collect();
    idx.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    for i in idx.into_iter().cycle() {
        if rest <= 0 {
            break;
        }
        out[i] += 1;
        rest -= 1;
    }
    out
}

/// Weights for sharing a grid's households among pieces: households of the
/// buildings by the share of each building's footprint inside each piece; when no
/// building with households overlaps, the pieces' areas.
pub fn household_weights(atlas: &Atlas, pieces: &[Polygon]) -> Vec<f64> {
    use geo::BoundingRect;
    let mut w = vec![0.0; pieces.len()];
    let Some(r) = MultiPolygon(pieces.to_vec()).bounding_rect() else {
        return w;
    };
    for b in atlas.buildings_in(Some(r)) {
        if b.households <= 0 {
            continue;
        }
        let fp = area_of(&b.footprint);
        let a = fp.unsigned_area();
        if a.is_nan() || a <= 0.0 {
            continue;
        }
        for (i, p) in pieces.iter().enumerate() {
            if p.intersects(&fp) {
                w[i] += f64::from(b.households) * p.intersection(&fp).unsigned_area() / a;
            }
        }
    }
    if w.iter().sum::<f64>() > 0.0 {
        return w;
    }
    pieces.iter().map(Area::unsigned_area).collect()
}

/// Adds `at` into every edge, of every grid but `skip`, passing within `tol_m`;
/// accumulates into `edited` (grid id → new geometry).
fn insert_into_neighbours(
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

fn updates_from(
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
fn check_versions(atlas: &Atlas, versions: &HashMap<GridId, i64>) -> Result<(), Error> {
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

/// Checks a cut line: at least two distinct positions, no crossing of itself.
fn check_line(line: &LineString) -> Result<(), Error> {
    if line.0.len() < 2 || line.0.windows(2).all(|w| w[0] == w[1]) {
        return Err(Error::invalid(
            "line",
            "needs at least two distinct positions",
        ));
    }
    if let Some(c) = crate::domain::geometry::segments::self_meeting(&line.0, false) {
        return Err(Error::Invalid(vec![FieldError::at(
            "line",
            "crosses itself; draw a line that does not",
            [c.x, c.y],
        )]));
    }
    Ok(())
}

/// Plans cutting grid `id` (at `version`) with `line` (see the API document).
pub fn plan_split(
    atlas: &Atlas,
    id: GridId,
    version: i64,
    line: &LineString,
) -> Result<EditBatch, Error> {
    let g = grid(atlas, id)?;
    if g.version != version {
        return Err(Error::Stale {
            given: version,
            current: g.version,
        });
    }
    let n = atlas.children(id).len();
    if n > 0 {
        return Err(Error::Conflict {
            message: format!(
                "grid {id} has {n} child grids; split their parent only when it has none (merge or delete them first)"
            ),
            field: Some("id".into()),
        });
    }
    check_line(line)?;
    let area = area_of(&g.draft.geometry);
    for (end, c) in [("start", line.0[0]), ("end", line.0[line.0.len() - 1])] {
        if area.intersects(&Point(c)) {
            return Err(Error::Invalid(vec![FieldError::at(
                "line",
                format!(
                    "must cross the grid from outside to outside; its {end} is inside or on the grid"
                ),
                [c.x, c.y],
            )]));
        }
    }
    let (pieces, new_vertices) = topo::cut(&area, line).map_err(|e| match e {
        topo::TopoError::LineAlongBoundary(c) => Error::Invalid(vec![FieldError::at(
            "line",
            "runs along the grid's boundary; cut across the grid instead",
            [c.x, c.y],
        )]),
        other => Error::invalid(
            "line",
            format!("cannot cut this grid with this line: {other:?}"),
        ),
    })?;
    if pieces.len() < 2 {
        return Err(Error::invalid(
            "line",
            "does not cut the grid into pieces: it must cross the grid from outside to outside",
        ));
    }
    for p in &pieces {
        if let Some(why) = invalid_reason(&Geometry::Polygon(p.clone())) {
            return Err(Error::invalid(
                "line",
                format!("a piece would be invalid: {why}"),
            ));
        }
    }
    // The piece first in reading order keeps the id.
    let geoms: Vec<Geometry> = pieces.iter().cloned().map(Geometry::Polygon).collect();
    let order = numbering::order(&geoms.iter().collect::<Vec<_>>());
    let weights = household_weights(atlas, &pieces);
    let w: Vec<f64> = order.iter().map(|&i| weights[i]).collect();
    let households = g.draft.households.map(|h| apportion(h, &w));
    let population = g.draft.population.map(|p| apportion(p, &w));
    let (pcode, siblings) = parent_code_and_siblings(atlas, g.subdistrict_id, g.draft.parent_id)?;
    let mut seq = numbering::next_sequence(siblings.iter().map(|s| s.draft.code.as_str()))
        .map_err(|e| Error::conflict("code", e))?;
    let mut batch = EditBatch {
        subdistrict_id: g.subdistrict_id,
        action: "split".into(),
        ..Default::default()
    };
    for (k, &i) in order.iter().enumerate() {
        let mut d = GridDraft {
            geometry: geoms[i].clone(),
            households: households.as_ref().map(|h| h[k]),
            population: population.as_ref().map(|p| p[k]),
            ..g.draft.clone()
        };
        if k == 0 {
            batch.updates.push(EditUpdate {
                id,
                expected_version: version,
                draft: d,
            });
        } else {
            d.name = format!("{} ({})", g.draft.name, k + 1);
            d.code = code::child_code(&pcode, seq).map_err(|e| {
                Error::conflict("code", format!("no free code under the parent: {e}"))
            })?;
            while atlas.grid_by_code(g.subdistrict_id, &d.code).is_some() {
                seq += 1;
                d.code = code::child_code(&pcode, seq).map_err(|e| {
                    Error::conflict("code", format!("no free code under the parent: {e}"))
                })?;
            }
            seq += 1;
            batch.creates.push(d);
        }
    }
    // Neighbours (any level) whose edges pass through the new boundary vertices get
    // them too, so the shared edges stay vertex for vertex.
    let mut edited = BTreeMap::new();
    for c in new_vertices {
        insert_into_neighbours(atlas, c, SPLIT_NEIGHBOUR_TOLERANCE_M, &[id], &mut edited);
    }
    batch
        .updates
        .extend(updates_from(atlas, edited, &HashMap::new())?);
    Ok(batch)
}

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

fn descendants(atlas: &Atlas, id: GridId) -> Vec<&Grid> {
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

fn recode_descendants(
    atlas: &Atlas,
    id: GridId,
    prefixes: &[(String, String)],
    batch: &mut EditBatch,
) {
    let desc = descendants(atlas, id);
    let pairs: Vec<(GridId, String)> = desc.iter().map(|g| (g.id, g.draft.code.clone())).collect();
    for ch in numbering::cascade(prefixes, &pairs) {
        if let Some(g) = desc.iter().find(|g| g.id == ch.id) {
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
    }
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
    for ch in &changes {
        let g = grid(atlas, ch.id)?;
        batch.updates.push(EditUpdate {
            id: g.id,
            expected_version: g.version,
            draft: GridDraft {
                code: ch.new_code.clone(),
                ..g.draft.clone()
            },
        });
    }
    batch.code_changes = changes;
    Ok(batch)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_keeps_the_total() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0.0, 0.0]), vec![7, 0]);
        assert_eq!(apportion(100, &[0.25, 0.75]), vec![25, 75]);
        assert_eq!(apportion(5, &[0.6, 0.4]).iter().sum::<i32>(), 5);
    }
}
