//! The local metric frame every coverage measure is taken in.
//!
//! An equirectangular projection tangent at the subdistrict's centre on the WGS 84
//! ellipsoid: `x = N(φ0)·cos φ0·(λ − λ0)`, `y = M(φ0)·(φ − φ0)`, with `M` and `N` the
//! meridional and prime-vertical radii of curvature at the centre latitude `φ0`.
//! Across a subdistrict (a few km) the scale error is below 0.05 % per kilometre
//! north or south of the centre, so areas and widths are good to far better than
//! the 1 % the audit promises; it keeps every boolean operation in plain planar
//! metres, which is both faster and more robust than working in degrees.

use geo::{Coord, Geometry, MapCoords, MultiPolygon, Rect};

/// WGS 84 semi-major axis, metres.
const A: f64 = 6_378_137.0;
/// WGS 84 first eccentricity squared.
const E2: f64 = 6.694_379_990_14e-3;

/// A local planar frame in metres around a centre (longitude, latitude in degrees).
///
/// # Examples
/// ```
/// use gridd::coverage::LocalFrame;
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
