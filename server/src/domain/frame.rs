//! The one local metric frame of the system: every measure in metres (the coverage
//! audit, the editor's tolerances, building areas for the household estimate, the
//! synthetic data) is taken in it.
//!
//! An equirectangular projection tangent at a centre on the WGS 84 ellipsoid:
//! `x = N(φ0)·cos φ0·(λ − λ0)`, `y = M(φ0)·(φ − φ0)`, with `M` and `N` the
//! meridional and prime-vertical radii of curvature at the centre latitude `φ0`.
//! Across a subdistrict (a few km) the scale error is below 0.05 % per kilometre
//! north or south of the centre, so areas and widths are good to far better than
//! the 1 % the audit promises; it keeps every boolean operation in plain planar
//! metres, which is both faster and more robust than working in degrees. (A
//! metres-per-degree on a sphere, which this replaces, is off by up to 0.5 % in
//! area at these latitudes.)

use geo::{Area, Coord, Geometry, MapCoords, MultiPolygon, Rect};

/// WGS 84 semi-major axis, metres.
const A: f64 = 6_378_137.0;
/// WGS 84 first eccentricity squared.
const E2: f64 = 6.694_379_990_14e-3;

/// A local planar frame in metres around a centre (longitude, latitude in degrees).
///
/// # Examples
/// ```
/// use gridd::domain::frame::LocalFrame;
/// let f = LocalFrame::new(geo::coord! { x: 120.6, y: 31.3 });
/// // one thousandth of a degree of latitude is about 110.9 m at 31.3° N
/// let p = f.to_metres(geo::coord! { x: 120.6, y: 31.301 });
/// assert!((p.y - 110.88).abs() < 0.05, "{}", p.y);
/// let back = f.to_degrees(p);
/// assert!((back.y - 31.301).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalFrame {
    /// The centre, degrees.
    pub centre: Coord,
    /// Metres per degree of longitude at the centre.
    pub kx: f64,
    /// Metres per degree of latitude at the centre.
    pub ky: f64,
}

impl LocalFrame {
    /// The frame tangent at `centre` (degrees).
    pub fn new(centre: Coord) -> Self {
        let phi = centre.y.to_radians();
        let w = (1.0 - E2 * phi.sin().powi(2)).sqrt();
        let n = A / w;
        let m = A * (1.0 - E2) / (w * w * w);
        let rad = std::f64::consts::PI / 180.0;
        Self {
            centre,
            kx: n * phi.cos() * rad,
            ky: m * rad,
        }
    }

    /// The frame at the centre of a bounding box (degrees).
    pub fn around(r: Rect) -> Self {
        Self::new(r.center())
    }

    /// Degrees → metres.
    pub fn to_metres(&self, c: Coord) -> Coord {
        Coord {
            x: (c.x - self.centre.x) * self.kx,
            y: (c.y - self.centre.y) * self.ky,
        }
    }

    /// Metres → degrees.
    pub fn to_degrees(&self, c: Coord) -> Coord {
        Coord {
            x: c.x / self.kx + self.centre.x,
            y: c.y / self.ky + self.centre.y,
        }
    }

    /// The planar distance in metres between two nearby positions (degrees).
    pub fn distance_m(&self, a: Coord, b: Coord) -> f64 {
        ((a.x - b.x) * self.kx).hypot((a.y - b.y) * self.ky)
    }

    /// The box (degrees) reaching `m` metres from the centre in every direction.
    pub fn box_around_centre(&self, m: f64) -> Rect {
        Rect::new(
            self.to_degrees(Coord { x: -m, y: -m }),
            self.to_degrees(Coord { x: m, y: m }),
        )
    }

    /// The area in m² of a polygonal geometry in degrees (0 for other types).
    pub fn area_m2(&self, g: &Geometry) -> f64 {
        self.project(g).unsigned_area()
    }

    /// A polygonal geometry in degrees as a MultiPolygon in metres (other geometry
    /// types give an empty MultiPolygon).
    pub fn project(&self, g: &Geometry) -> MultiPolygon {
        match g {
            Geometry::Polygon(p) => MultiPolygon(vec![p.map_coords(|c| self.to_metres(c))]),
            Geometry::MultiPolygon(mp) => mp.map_coords(|c| self.to_metres(c)),
            _ => MultiPolygon(vec![]),
        }
    }

    /// A MultiPolygon in metres back to degrees, rounded to 7 decimals (about 1 cm)
    /// as the rest of the system stores coordinates.
    pub fn unproject(&self, mp: &MultiPolygon) -> MultiPolygon {
        let r = |v: f64| (v * 1e7).round() / 1e7;
        mp.map_coords(|c| {
            let d = self.to_degrees(c);
            Coord {
                x: r(d.x),
                y: r(d.y),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use geo::{coord, polygon};

    use super::*;

    #[test]
    fn distances_boxes_and_areas_are_metres() {
        let f = LocalFrame::new(coord! { x: 118.8, y: 32.0 });
        // 100 m east and 100 m north of the centre, and back
        let e = f.to_degrees(coord! { x: 100.0, y: 0.0 });
        let n = f.to_degrees(coord! { x: 0.0, y: 100.0 });
        assert!((f.distance_m(f.centre, e) - 100.0).abs() < 1e-9);
        assert!((f.distance_m(n, f.centre) - 100.0).abs() < 1e-9);
        assert!((f.distance_m(e, n) - 100.0 * 2f64.sqrt()).abs() < 1e-9);
        // the ellipsoid, not a sphere: a degree of longitude at 32°N is 94.5 km
        assert!((f.kx - 94_495.0).abs() < 5.0, "{}", f.kx);
        let b = f.box_around_centre(50.0);
        assert!((b.min().x - f.to_degrees(coord! { x: -50.0, y: 0.0 }).x).abs() < 1e-12);
        assert!((b.max().y - f.to_degrees(coord! { x: 0.0, y: 50.0 }).y).abs() < 1e-12);
        let sq = Geometry::Polygon(polygon![
            f.centre,
            e,
            f.to_degrees(coord! { x: 100.0, y: 100.0 }),
            n
        ]);
        assert!((f.area_m2(&sq) - 10_000.0).abs() < 1e-6);
        assert_eq!(f.area_m2(&Geometry::Point(f.centre.into())), 0.0);
    }
}
