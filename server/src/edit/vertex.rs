//! Vertex edits on one geometry: move, insert, delete. The caller applies the same
//! edit to every grid that has the vertex (or the edge), so shared boundaries move
//! together. Distances are metres in the local frame ([`LocalFrame`]) at the
//! positions measured.

use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};

use crate::domain::frame::LocalFrame;

/// Distance in metres between two nearby positions.
pub fn distance_m(a: Coord, b: Coord) -> f64 {
    LocalFrame::new(Coord {
        x: (a.x + b.x) / 2.0,
        y: (a.y + b.y) / 2.0,
    })
    .distance_m(a, b)
}

/// Distance in metres from `p` to the segment `a`–`b`.
pub fn segment_distance_m(p: Coord, a: Coord, b: Coord) -> f64 {
    let f = LocalFrame::new(p);
    let (a, b) = (f.to_metres(a), f.to_metres(b));
    let d = b - a;
    let len2 = d.x * d.x + d.y * d.y;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (-(a.x * d.x + a.y * d.y) / len2).clamp(0.0, 1.0)
    };
    (a.x + t * d.x).hypot(a.y + t * d.y)
}

/// A box (degrees) around `p` reaching `m` metres in every direction.
pub fn search_box(p: Coord, m: f64) -> geo::Rect {
    LocalFrame::new(p).box_around_centre(m)
}

fn map_rings(
    g: &Geometry,
    mut f: impl FnMut(&LineString) -> Result<Option<LineString>, String>,
) -> Result<Option<Geometry>, String> {
    let mut changed = false;
    let mut poly = |p: &Polygon| -> Result<Polygon, String> {
        let mut ring = |r: &LineString| -> Result<LineString, String> {
            Ok(match f(r)? {
                Some(n) => {
                    changed = true;
                    n
                }
                None => r.clone(),
            })
        };
        let ext = ring(p.exterior())?;
        let holes = p
            .interiors()
            .iter()
            .map(&mut ring)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Polygon::new(ext, holes))
    };
    let out = match g {
        Geometry::Polygon(p) => Geometry::Polygon(poly(p)?),
        Geometry::MultiPolygon(mp) => Geometry::MultiPolygon(MultiPolygon(
            mp.0.iter().map(&mut poly).collect::<Result<_, _>>()?,
        )),
        _ => return Ok(None),
    };
    Ok(changed.then_some(out))
}

/// Whether the geometry has a vertex within `tol_m` metres of `at`.
pub fn has_vertex(g: &Geometry, at: Coord, tol_m: f64) -> bool {
    use geo::CoordsIter;
    g.coords_iter().any(|c| distance_m(c, at) <= tol_m)
}

/// Moves every vertex within `tol_m` of `from` to `to`; `None` when there is none.
/// Consecutive repeated positions that the move creates are merged.
pub fn move_vertex(g: &Geometry, from: Coord, to: Coord, tol_m: f64) -> Option<Geometry> {
    map_rings(g, |r| {
        if !r.0.iter().any(|c| distance_m(*c, from) <= tol_m) {
            return Ok(None);
        }
        let mut out: Vec<Coord> = Vec::with_capacity(r.0.len());
        for c in &r.0 {
            let c = if distance_m(*c, from) <= tol_m {
                to
            } else {
                *c
            };
            if out.last() != Some(&c) {
                out.push(c);
            }
        }
        Ok(Some(LineString(out)))
    })
    .ok()
    .flatten()
}

/// Inserts `at` into every edge passing within `tol_m` of it, unless the ring
/// already has a vertex that close; `None` when no edge is that close.
pub fn insert_vertex(g: &Geometry, at: Coord, tol_m: f64) -> Option<Geometry> {
    map_rings(g, |r| {
        if r.0.iter().any(|c| distance_m(*c, at) <= tol_m) {
            return Ok(None);
        }
        let mut out: Vec<Coord> = Vec::with_capacity(r.0.len() + 1);
        let mut changed = false;
        for w in r.0.windows(2) {
            out.push(w[0]);
            if !changed && segment_distance_m(at, w[0], w[1]) <= tol_m {
                out.push(at);
                changed = true;
            }
        }
        out.extend(r.0.last().copied());
        Ok(changed.then_some(LineString(out)))
    })
    .ok()
    .flatten()
}

/// Removes every vertex within `tol_m` of `at`. `Ok(None)` when there is none;
/// an error when a ring would keep fewer than 4 positions.
pub fn delete_vertex(g: &Geometry, at: Coord, tol_m: f64) -> Result<Option<Geometry>, String> {
    map_rings(g, |r| {
        if !r.0.iter().any(|c| distance_m(*c, at) <= tol_m) {
            return Ok(None);
        }
        // Work on the open ring, then close it again.
        let open = &r.0[..r.0.len().saturating_sub(1)];
        let kept: Vec<Coord> = open
            .iter()
            .copied()
            .filter(|c| distance_m(*c, at) > tol_m)
            .collect();
        if kept.len() < 3 {
            return Err(format!(
                "a ring would keep {} positions; a ring needs at least 4 (first = last)",
                kept.len() + usize::from(!kept.is_empty())
            ));
        }
        let mut closed = kept.clone();
        closed.push(kept[0]);
        Ok(Some(LineString(closed)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Validation, polygon};

    fn two() -> (Geometry, Geometry) {
        let a = polygon![(x: 0.0, y: 0.0), (x: 0.001, y: 0.0), (x: 0.001, y: 0.001), (x: 0.0, y: 0.001)];
        let b = polygon![(x: 0.001, y: 0.0), (x: 0.002, y: 0.0), (x: 0.002, y: 0.001), (x: 0.001, y: 0.001)];
        (Geometry::Polygon(a), Geometry::Polygon(b))
    }

    #[test]
    fn shared_vertex_moves_in_both() {
        let (a, b) = two();
        let from = Coord { x: 0.001, y: 0.001 };
        let to = Coord {
            x: 0.0012,
            y: 0.0011,
        };
        let (a2, b2) = (
            move_vertex(&a, from, to, 0.05).expect("a"),
            move_vertex(&b, from, to, 0.05).expect("b"),
        );
        assert!(a2.is_valid() && b2.is_valid());
        assert!(has_vertex(&a2, to, 1e-9) && has_vertex(&b2, to, 1e-9));
        assert!(move_vertex(&a, Coord { x: 0.5, y: 0.5 }, to, 0.05).is_none());
        // the closing position moves with the first one
        let first = Coord { x: 0.0, y: 0.0 };
        let Geometry::Polygon(p) =
            move_vertex(&a, first, Coord { x: -0.0001, y: 0.0 }, 0.05).expect("first")
        else {
            panic!()
        };
        assert_eq!(p.exterior().0.first(), p.exterior().0.last());
    }

    #[test]
    fn insert_and_delete() {
        let (a, b) = two();
        let at = Coord {
            x: 0.001,
            y: 0.0004,
        };
        let a2 = insert_vertex(&a, at, 0.05).expect("a");
        let b2 = insert_vertex(&b, at, 0.05).expect("b");
        assert!(has_vertex(&a2, at, 0.0) && has_vertex(&b2, at, 0.0));
        assert!(insert_vertex(&a2, at, 0.05).is_none(), "already there");
        let a3 = delete_vertex(&a2, at, 0.05).expect("ok").expect("changed");
        assert_eq!(a3, a);
        // a triangle cannot lose a vertex
        let t =
            Geometry::Polygon(polygon![(x: 0.0, y: 0.0), (x: 0.001, y: 0.0), (x: 0.0, y: 0.001)]);
        assert!(delete_vertex(&t, Coord { x: 0.0, y: 0.0 }, 0.05).is_err());
    }

    #[test]
    fn distances() {
        let a = Coord { x: 120.0, y: 31.0 };
        let b = Coord {
            x: 120.0,
            y: 31.0 + 1.0 / LocalFrame::new(a).ky,
        };
        assert!((distance_m(a, b) - 1.0).abs() < 1e-9);
        assert!(
            segment_distance_m(
                Coord { x: 120.0, y: 31.0 },
                Coord { x: 119.0, y: 31.0 },
                Coord { x: 121.0, y: 31.0 }
            ) < 1e-9
        );
    }
}
