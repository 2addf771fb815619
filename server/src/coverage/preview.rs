//! The dry run of an edit: what a changed or new grid would break or fix, checked
//! only in the edit's neighbourhood so that it can run while a vertex is dragged.
//!
//! Only the checks an edit can change are run, before and after: the gaps and
//! nesting of the edited grid's parent (old and new) and of the grid itself as a
//! parent, the overlaps of the edited grid with its neighbours, its own geometry
//! and code, and (for L3) the buildings under the old and new outline. The answer
//! is the difference: problems the edit would create and problems it would fix.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use geo::{BoundingRect, Coord, Rect};
use serde::Serialize;

use super::Config;
use super::audit::{empty_level, frame_of};
use super::checks::{BUILDING_LEVEL, Ctx, Group, Node, project, tree_of};
use super::report::{LevelReport, Problem};
use crate::domain::grid::{Grid, GridDraft, GridId, SubdistrictId};
use crate::index::Atlas;

/// A proposed edit: a changed grid (`id` of a stored grid) or a new grid (`id` = None).
#[derive(Debug, Clone)]
pub struct Edit {
    /// The grid changed, or `None` for a new grid.
    pub id: Option<GridId>,
    /// Its subdistrict.
    pub subdistrict_id: SubdistrictId,
    /// The grid as it would be after the edit (parent resolved).
    pub draft: GridDraft,
}

/// What an edit would do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreviewReport {
    /// The grid edited (`None` for a new grid).
    #[schema(value_type = Option<i64>)]
    pub grid: Option<GridId>,
    /// Its level.
    pub level: u8,
    /// Problems the edit would create (or make larger).
    pub breaks: Vec<Problem>,
    /// Problems the edit would remove.
    pub fixes: Vec<Problem>,
    /// Every problem of the neighbourhood after the edit.
    pub after: Vec<Problem>,
    /// Grids looked at.
    pub grids_checked: usize,
    /// Time taken, milliseconds.
    pub elapsed_ms: f64,
}

/// Runs the checks an edit can change, before and after it.
pub fn preview(atlas: &Atlas, edit: &Edit, config: &Config) -> Result<PreviewReport, String> {
    let t0 = Instant::now();
    let s = atlas
        .subdistrict(edit.subdistrict_id)
        .ok_or_else(|| format!("no subdistrict has id {}", edit.subdistrict_id))?;
    let old = match edit.id {
        Some(id) => Some(
            &atlas
                .grid(id)
                .ok_or_else(|| format!("no grid has id {id}"))?
                .grid,
        ),
        None => None,
    };
    let level = edit.draft.level;
    let edited = Grid {
        id: edit.id.unwrap_or(i64::MIN),
        subdistrict_id: edit.subdistrict_id,
        draft: edit.draft.clone(),
        version: old.map_or(0, |g| g.version + 1),
        created_at: old.map_or_else(chrono::Utc::now, |g| g.created_at),
        updated_at: chrono::Utc::now(),
    };
    let window = [Some(&edited), old]
        .into_iter()
        .flatten()
        .filter_map(|g| g.draft.geometry.bounding_rect())
        .reduce(union_rect)
        .ok_or("the edit has no geometry")?;
    // The neighbourhood: same-level grids in the window, the parents (old and new)
    // with all their children, the edited grid's children.
    let mut ids: Vec<GridId> = atlas
        .grids(Some(edit.subdistrict_id), Some(level), None, Some(window))
        .into_iter()
        .map(|g| g.grid.id)
        .collect();
    let parents: HashSet<Option<GridId>> =
        [Some(edit.draft.parent_id), old.map(|g| g.draft.parent_id)]
            .into_iter()
            .flatten()
            .collect();
    for p in &parents {
        match p {
            Some(p) => {
                ids.push(*p);
                ids.extend(atlas.children(*p).into_iter().map(|c| c.grid.id));
            }
            None => ids.extend(
                atlas
                    .grids(Some(edit.subdistrict_id), Some(1), None, None)
                    .into_iter()
                    .map(|g| g.grid.id),
            ),
        }
    }
    if let Some(id) = edit.id {
        ids.extend(atlas.children(id).into_iter().map(|c| c.grid.id));
    }
    ids.sort_unstable();
    ids.dedup();
    ids.retain(|&i| Some(i) != edit.id);
    let buildings: Vec<_> = if level == BUILDING_LEVEL {
        atlas
            .buildings_in(Some(window))
            .into_iter()
            .filter(|b| b.subdistrict_id == edit.subdistrict_id)
            .map(|b| &**b)
            .collect()
    } else {
        Vec::new()
    };
    // Buildings reaching out of the window need every L3 grid they touch.
    if let Some(reach) = buildings
        .iter()
        .filter_map(|b| b.footprint.bounding_rect())
        .reduce(union_rect)
    {
        ids.extend(
            atlas
                .grids(
                    Some(edit.subdistrict_id),
                    Some(BUILDING_LEVEL),
                    None,
                    Some(reach),
                )
                .into_iter()
                .map(|g| g.grid.id),
        );
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|&i| Some(i) != edit.id);
    }
    let others: Vec<&Grid> = ids
        .iter()
        .filter_map(|&i| atlas.grid(i))
        .map(|g| &g.grid)
        .collect();

    let frame = frame_of(s);
    let (boundary, _) = project(&frame, &s.boundary);
    let run = |subject: Option<&Grid>| -> Vec<Problem> {
        let mut grids = others.clone();
        grids.extend(subject);
        let nodes: Vec<Node> = grids
            .iter()
            .map(|g| {
                let (shape, bbox) = project(&frame, &g.draft.geometry);
                Node {
                    grid: g,
                    shape,
                    bbox,
                }
            })
            .collect();
        let ctx = Ctx::new(&frame, &boundary, &nodes, config, &s.code);
        let mut problems = Vec::new();
        let Some(me) = subject.and_then(|g| ctx.by_id.get(&g.id).copied()) else {
            return problems;
        };
        let empty = Vec::new();
        // The parent groups of the subject (only the new one exists in `nodes` as a
        // parent of the subject; the old parent's group lost it).
        for p in &parents {
            let parent = match p {
                Some(pid) => match ctx.by_id.get(pid) {
                    Some(&i) => Some(i),
                    None => continue,
                },
                None => None,
            };
            let children = ctx.children.get(p).unwrap_or(&empty);
            problems.extend(ctx.group(level, &Group { parent, children }).2);
        }
        if let Some(children) = ctx.children.get(&Some(nodes[me].grid.id)) {
            problems.extend(
                ctx.group(
                    level + 1,
                    &Group {
                        parent: Some(me),
                        children,
                    },
                )
                .2,
            );
        }
        problems.extend(ctx.overlaps(level, &ctx.of_level(level), Some(me)).0);
        // Geometry and code of the subject only.
        let mut levels: Vec<LevelReport> = (1..=5).map(empty_level).collect();
        ctx.grid_rules(&mut levels);
        problems.extend(
            levels
                .into_iter()
                .flat_map(|l| l.problems)
                .filter(|p| p.grids.iter().any(|g| g.id == nodes[me].grid.id)),
        );
        if !buildings.is_empty() {
            let tree = tree_of(&nodes, &ctx.of_level(BUILDING_LEVEL));
            problems.extend(buildings.iter().filter_map(|b| ctx.building(&tree, b).1));
        }
        problems
    };
    let before = run(old);
    let after = run(Some(&edited));
    let key = |p: &Problem| {
        (
            p.kind,
            p.level,
            p.grids.iter().map(|g| g.id).collect::<Vec<_>>(),
            p.building_id,
        )
    };
    let mut before_by: BTreeMap<_, f64> = BTreeMap::new();
    for p in &before {
        *before_by.entry(key(p)).or_default() += p.area_m2.unwrap_or(0.0);
    }
    let mut after_by: BTreeMap<_, f64> = BTreeMap::new();
    for p in &after {
        *after_by.entry(key(p)).or_default() += p.area_m2.unwrap_or(0.0);
    }
    let breaks = after
        .iter()
        .filter(|p| {
            before_by
                .get(&key(p))
                .is_none_or(|a| after_by.get(&key(p)).copied().unwrap_or(0.0) > a * 1.01 + 0.01)
        })
        .cloned()
        .collect();
    let fixes = before
        .iter()
        .filter(|p| !after_by.contains_key(&key(p)))
        .cloned()
        .collect();
    Ok(PreviewReport {
        grid: edit.id,
        level,
        breaks,
        fixes,
        after,
        grids_checked: others.len() + 1,
        elapsed_ms: t0.elapsed().as_secs_f64() * 1000.0,
    })
}

fn union_rect(a: Rect, b: Rect) -> Rect {
    Rect::new(
        Coord {
            x: a.min().x.min(b.min().x),
            y: a.min().y.min(b.min().y),
        },
        Coord {
            x: a.max().x.max(b.max().x),
            y: a.max().y.max(b.max().y),
        },
    )
}
