//! Whether two areas meet at all (share any point), in O((n + m) log(n + m)): the
//! rule that refuses a child grid lying entirely outside its parent.

use geo::{BoundingRect, Coord, Covers, Geometry, Intersects, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::segments::meet;
use super::to_multi_polygon;

type Edge = GeomWithData<Rectangle<[f64; 2]>, (Coord, Coord)>;

fn edges(p: &Polygon) -> impl Iterator<Item = (Coord, Coord)> + '_ {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .flat_map(|r| r.lines().map(|l| (l.start, l.end)))
        .filter(|(a, b)| a != b)
}

fn edge(s: (Coord, Coord)) -> Edge {
    GeomWithData::new(Rectangle::from_corners([s.0.x, s.0.y], [s.1.x, s.1.y]), s)
}

/// Whether areas `a` and `b` (Polygon or MultiPolygon) share any point: boundaries
/// that cross or touch, or one lying inside the other. Edges are found through an
/// R-tree of `b`'s edges; when no edges meet, one point of each tells containment.
///
/// # Examples
/// ```
/// use geo::{Geometry, polygon};
/// use gridd::domain::geometry::meet::areas_meet;
/// let parent = Geometry::Polygon(polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)]);
/// let inside = Geometry::Polygon(polygon![(x: 1., y: 1.), (x: 2., y: 1.), (x: 2., y: 2.)]);
/// let far = Geometry::Polygon(polygon![(x: 100., y: 1.), (x: 102., y: 1.), (x: 102., y: 2.)]);
/// assert!(areas_meet(&inside, &parent));
/// assert!(!areas_meet(&far, &parent));
/// ```
pub fn areas_meet(a: &Geometry, b: &Geometry) -> bool {
    let (Some(ra), Some(rb)) = (a.bounding_rect(), b.bounding_rect()) else {
        return false;
    };
    if !ra.intersects(&rb) {
        return false;
    }
    let (ma, mb) = (to_multi_polygon(a), to_multi_polygon(b));
    let tree = RTree::bulk_load(mb.0.iter().flat_map(edges).map(edge).collect());
    for s in ma.0.iter().flat_map(edges) {
        let env = AABB::from_corners([s.0.x, s.0.y], [s.1.x, s.1.y]);
        if tree
            .locate_in_envelope_intersecting(&env)
            .any(|t| meet(s, t.data).is_some())
        {
            return true;
        }
    }
    // No boundaries meet: either one lies inside the other, or they are apart.
    let first = |m: &geo::MultiPolygon| m.0.first().and_then(|p| p.exterior().0.first().copied());
    first(&ma).is_some_and(|c| mb.covers(&c)) || first(&mb).is_some_and(|c| ma.covers(&c))
}

#[cfg(test)]
mod tests {
    use super::areas_meet;
    use geo::{Geometry, polygon};

    fn sq(x: f64, y: f64, d: f64) -> Geometry {
        Geometry::Polygon(
            polygon![(x: x, y: y), (x: x + d, y: y), (x: x + d, y: y + d), (x: x, y: y + d)],
        )
    }

    #[test]
    fn inside_touching_crossing_apart() {
        let parent = sq(0.0, 0.0, 10.0);
        assert!(areas_meet(&sq(1.0, 1.0, 1.0), &parent), "inside");
        assert!(areas_meet(&parent, &sq(1.0, 1.0, 1.0)), "contains");
        assert!(areas_meet(&sq(10.0, 0.0, 5.0), &parent), "shares an edge");
        assert!(
            areas_meet(&sq(10.0, 10.0, 5.0), &parent),
            "touches at a corner"
        );
        assert!(areas_meet(&sq(8.0, 8.0, 5.0), &parent), "overlaps");
        assert!(
            !areas_meet(&sq(10.5, 0.0, 5.0), &parent),
            "apart, boxes apart"
        );
        // A cross: no vertex of either inside the other, edges cross.
        let wide = Geometry::Polygon(
            polygon![(x: -5., y: 4.), (x: 15., y: 4.), (x: 15., y: 6.), (x: -5., y: 6.)],
        );
        let tall = Geometry::Polygon(
            polygon![(x: 4., y: -5.), (x: 6., y: -5.), (x: 6., y: 15.), (x: 4., y: 15.)],
        );
        assert!(areas_meet(&wide, &tall));
        // An L-shaped parent whose box covers the child, the child in the notch.
        let l = Geometry::Polygon(
            polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 2.), (x: 2., y: 2.), (x: 2., y: 10.), (x: 0., y: 10.)],
        );
        assert!(!areas_meet(&sq(5.0, 5.0, 2.0), &l), "in the notch");
        // Inside the parent's hole.
        let holed = Geometry::Polygon(polygon![
            exterior: [(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)],
            interiors: [[(x: 3., y: 3.), (x: 7., y: 3.), (x: 7., y: 7.), (x: 3., y: 7.)]],
        ]);
        assert!(!areas_meet(&sq(4.0, 4.0, 1.0), &holed), "in the hole");
    }
}
