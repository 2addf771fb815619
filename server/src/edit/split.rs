//! Splitting a grid by a line: the pieces in reading order (the first keeps the
//! id), households and population shared by the buildings in each piece, new
//! codes after the siblings', and the new boundary vertices put into the
//! neighbours' edges.

use std::collections::{BTreeMap, HashMap};

use geo::{Area, BooleanOps, Geometry, Intersects, LineString, MultiPolygon, Point, Polygon};

use super::shared::{
    area_of, grid, insert_into_neighbours, invalid_reason, parent_code_and_siblings, updates_from,
};
use super::{numbering, topo};
use crate::domain::change::{EditBatch, EditUpdate};
use crate::domain::code;
use crate::domain::grid::{GridDraft, GridId, TreeView};
use crate::error::{Error, FieldError};
use crate::index::Atlas;

/// Tolerance for putting a split's new boundary vertices into neighbours' edges,
/// metres: the computed point lies on the edge up to rounding (~1e-11 m).
const SPLIT_NEIGHBOUR_TOLERANCE_M: f64 = 1e-6;

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
