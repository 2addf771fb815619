//! Drawing one `cases` tile: every open case the caller may see, as a point (from
//! zoom [`CLUSTER_BELOW`] on), or clustered by cells of the world's pixel grid
//! (so a cluster is the same in every tile that draws it).
//!
//! A case point has the feature id of the case and `number`, `stage`,
//! `category`, `urgency`, `due` (`none`/`ok`/`near`/`overdue`), `deadline` (Unix
//! seconds, when running) and `supervision`. A cluster (2 cases or more) has
//! `cluster: true`, `count`, `overdue`, `near` and `due` (the worst of its cases);
//! it sits at the mean of its cases. A lone case in its cell is a case point.

use std::collections::BTreeMap;

use geo::{Geometry, Point};
use gridd_tiles::{PropValue, TileBuilder, TileCoord};

use super::{CLUSTER_BELOW, Due, Index, Pin, PinFilter};

/// The layer's name.
pub const LAYER: &str = "cases";
/// Cluster cells per tile side (64 px cells on 512 px tiles).
pub const CELLS: u32 = 8;

/// The tile's MVT bytes (empty when no case is in it) and the first time after
/// `now` at which one of its cases changes how it stands against its deadline
/// (`i64::MAX` when none will). `visible` is the caller's scope; `filter` the
/// board's filters (clusters count only the cases that pass it).
pub fn render(
    index: &Index,
    coord: TileCoord,
    now: i64,
    filter: &PinFilter,
    visible: impl Fn(&Pin) -> bool,
) -> (Vec<u8>, i64) {
    let bounds = coord.bounds_mercator();
    let size = coord.size_mercator();
    let pad =
        size * f64::from(gridd_tiles::DEFAULT_BUFFER) / f64::from(gridd_tiles::DEFAULT_EXTENT);
    let (min, max) = (bounds.min(), bounds.max());
    let inside = |x: f64, y: f64| {
        x >= min.x - pad && x <= max.x + pad && y >= min.y - pad && y <= max.y + pad
    };
    let mut until = i64::MAX;
    let mut note = |p: &Pin| {
        if let Some(t) = p.changes_after(now) {
            until = until.min(t);
        }
    };
    let mut b = TileBuilder::new(coord);
    let layer = b.layer(LAYER);
    if coord.z >= CLUSTER_BELOW {
        let mut pins: Vec<&Pin> = index
            .within([min.x - pad, min.y - pad], [max.x + pad, max.y + pad])
            .filter(|p| visible(p))
            .collect();
        pins.sort_by_key(|p| p.id);
        for p in pins {
            // One the filter leaves out now may pass it later (`overdue`).
            note(p);
            if filter.passes(p, now) {
                add_case(&mut b, layer, p, now);
            }
        }
    } else {
        // Cells of the world's grid at this zoom; a cluster may sit up to a
        // cell away from its tile's edge, so look one cell further.
        let cell = size / f64::from(CELLS);
        let origin = gridd_tiles::tile::tile_size_mercator(0) / 2.0;
        let mut cells: BTreeMap<(i64, i64), Vec<&Pin>> = BTreeMap::new();
        for p in index.within(
            [min.x - pad - cell, min.y - pad - cell],
            [max.x + pad + cell, max.y + pad + cell],
        ) {
            if !visible(p) {
                continue;
            }
            if !filter.passes(p, now) {
                note(p);
                continue;
            }
            let k = (
                ((p.x + origin) / cell).floor() as i64,
                ((p.y + origin) / cell).floor() as i64,
            );
            cells.entry(k).or_default().push(p);
        }
        for (_, mut pins) in cells {
            let n = pins.len() as f64;
            let (x, y) = pins
                .iter()
                .fold((0.0, 0.0), |(x, y), p| (x + p.x / n, y + p.y / n));
            if !inside(x, y) {
                continue;
            }
            pins.iter().for_each(|p| note(p));
            if let [p] = pins[..] {
                add_case(&mut b, layer, p, now);
                continue;
            }
            pins.sort_by_key(|p| p.id);
            let dues: Vec<Due> = pins.iter().map(|p| p.due(now)).collect();
            let count = |d: Due| dues.iter().filter(|&&x| x == d).count() as i64;
            let worst = dues.iter().copied().max().unwrap_or(Due::None);
            b.add_feature(
                layer,
                None,
                &Geometry::Point(Point::new(x, y)),
                &[
                    ("cluster", PropValue::Bool(true)),
                    ("count", PropValue::Int(pins.len() as i64)),
                    ("overdue", PropValue::Int(count(Due::Overdue))),
                    ("near", PropValue::Int(count(Due::Near))),
                    ("due", PropValue::Str(worst.as_str())),
                ],
            );
        }
    }
    let raw = if b.is_empty() { Vec::new() } else { b.finish() };
    (raw, until)
}

fn add_case(b: &mut TileBuilder, layer: gridd_tiles::LayerId, p: &Pin, now: i64) {
    let mut props = vec![
        ("number", PropValue::Str(&p.number)),
        ("stage", PropValue::Str(p.stage.as_str())),
        ("category", PropValue::Str(&p.category)),
        ("urgency", PropValue::Str(p.urgency.as_str())),
        ("due", PropValue::Str(p.due(now).as_str())),
        ("supervision", PropValue::Int(i64::from(p.supervision))),
    ];
    if let Some(d) = p.deadline {
        props.push(("deadline", PropValue::Int(d)));
    }
    b.add_feature(
        layer,
        u64::try_from(p.id).ok(),
        &Geometry::Point(Point::new(p.x, p.y)),
        &props,
    );
}
