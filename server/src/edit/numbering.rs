//! Sibling numbering: the next free code, and renumbering in reading order with the
//! change cascaded to every descendant's code prefix.

use geo::{BoundingRect, Coord, Geometry, InteriorPoint};

use crate::domain::change::CodeChange;
use crate::domain::code;
use crate::domain::grid::GridId;

/// The next free sequence among sibling codes: one above the highest used, or
/// (when 999 is taken) the lowest gap. `Err` when all 999 are used.
pub fn next_sequence<'a>(siblings: impl IntoIterator<Item = &'a str>) -> Result<u32, String> {
    let used: std::collections::BTreeSet<u32> =
        siblings.into_iter().filter_map(code::sequence).collect();
    let top = used.last().copied().unwrap_or(0);
    if top < code::MAX_SEQUENCE {
        return Ok(top + 1);
    }
    (1..=code::MAX_SEQUENCE)
        .find(|s| !used.contains(s))
        .ok_or_else(|| format!("all {} sequences are used", code::MAX_SEQUENCE))
}

/// The row height (degrees of latitude) used to band siblings into rows for reading
/// order: half the median height of the siblings' bounding boxes, so rows follow
/// the size of the grids being numbered (a row of L1 communities is taller than a
/// row of L3 building groups). At least 1e-7° (about 1 cm).
pub fn row_height(geometries: &[&Geometry]) -> f64 {
    let mut h: Vec<f64> = geometries
        .iter()
        .filter_map(|g| g.bounding_rect())
        .map(|r| r.height())
        .collect();
    if h.is_empty() {
        return 1e-7;
    }
    h.sort_by(f64::total_cmp);
    (h[h.len() / 2] / 2.0).max(1e-7)
}

/// A point inside a geometry (its interior point), for ordering.
pub fn anchor(g: &Geometry) -> Coord {
    g.interior_point()
        .map(|p| p.0)
        .unwrap_or(Coord { x: 0.0, y: 0.0 })
}

/// Indexes of the geometries in reading order (north-west first), see
/// [`code::reading_order`] and [`row_height`].
pub fn order(geometries: &[&Geometry]) -> Vec<usize> {
    let pts: Vec<(f64, f64)> = geometries
        .iter()
        .map(|g| anchor(g))
        .map(|c| (c.x, c.y))
        .collect();
    code::reading_order(&pts, row_height(geometries))
}

/// New codes for siblings in reading order under `parent_code`, sequences 1, 2, …,
/// and the same prefix change for every descendant (`descendants`: id and code of
/// every grid below the siblings). Only real changes are answered.
pub fn renumber(
    parent_code: &str,
    siblings: &[(GridId, String, &Geometry)],
    descendants: &[(GridId, String)],
) -> Result<Vec<CodeChange>, String> {
    let geoms: Vec<&Geometry> = siblings.iter().map(|s| s.2).collect();
    let mut out = Vec::new();
    let mut prefixes: Vec<(String, String)> = Vec::new();
    for (seq, i) in order(&geoms).into_iter().enumerate() {
        let (id, old, _) = &siblings[i];
        let new = code::child_code(parent_code, seq as u32 + 1)?;
        if *old != new {
            out.push(CodeChange {
                id: *id,
                old_code: old.clone(),
                new_code: new.clone(),
            });
            prefixes.push((old.clone(), new));
        }
    }
    out.extend(cascade(&prefixes, descendants));
    Ok(out)
}

/// Rewrites descendants' codes whose prefix is one of the old codes.
pub fn cascade(prefixes: &[(String, String)], descendants: &[(GridId, String)]) -> Vec<CodeChange> {
    descendants
        .iter()
        .filter_map(|(id, c)| {
            let (old, new) = prefixes
                .iter()
                .find(|(old, _)| c.len() > old.len() && c.starts_with(old.as_str()))?;
            let _ = old;
            Some(CodeChange {
                id: *id,
                old_code: c.clone(),
                new_code: format!("{new}{}", &c[old.len()..]),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn next_free() {
        assert_eq!(next_sequence(["320508990001001", "320508990001004"]), Ok(5));
        assert_eq!(next_sequence(Vec::<&str>::new()), Ok(1));
        assert_eq!(next_sequence(["320508990001999", "320508990001001"]), Ok(2));
    }

    #[test]
    fn renumbers_in_reading_order_and_cascades() {
        let sq = |x: f64, y: f64| {
            Geometry::Polygon(
                polygon![(x: x, y: y), (x: x + 1.0, y: y), (x: x + 1.0, y: y + 1.0), (x: x, y: y + 1.0)],
            )
        };
        // north-west, north-east, south-west, south-east; codes given in a muddle
        let (nw, ne, sw, se) = (sq(0.0, 1.0), sq(1.0, 1.05), sq(0.0, 0.0), sq(1.0, 0.0));
        let siblings = vec![
            (1, "100000000001004".to_string(), &se),
            (2, "100000000001001".to_string(), &ne),
            (3, "100000000001002".to_string(), &nw),
            (4, "100000000001003".to_string(), &sw),
        ];
        let desc = vec![
            (10, "100000000001001007".to_string()),
            (11, "100000000001002001".to_string()),
        ];
        let ch = renumber("100000000001", &siblings, &desc).expect("renumber");
        let new = |id: GridId| ch.iter().find(|c| c.id == id).map(|c| c.new_code.clone());
        assert_eq!(new(3).as_deref(), Some("100000000001001"));
        assert_eq!(new(2).as_deref(), Some("100000000001002"));
        assert_eq!(new(4), None, "already 003");
        assert_eq!(new(1), None, "already 004");
        assert_eq!(new(10).as_deref(), Some("100000000001002007"));
        assert_eq!(new(11).as_deref(), Some("100000000001001001"));
    }
}
