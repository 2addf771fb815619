//! A polygon prepared for many point-in-polygon questions: its edges bucketed into
//! horizontal bands, so a question looks at the handful of edges that cross the
//! point's latitude instead of every edge. Built once per grid when the grid enters
//! the atlas; `Send + Sync`, no allocation per question.

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{Coord, Geometry, Polygon, Rect};

/// Where a point lies relative to an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Strictly inside.
    Inside,
    /// On an edge or a vertex (exactly, with robust predicates).
    OnBoundary,
    /// Outside.
    Outside,
}

/// A Polygon or MultiPolygon prepared for point-in-polygon tests (degrees).
#[derive(Debug, Clone)]
pub struct PreparedArea {
    bbox: Rect,
    y0: f64,
    inv_h: f64,
    /// `band_start[b]..band_start[b + 1]` indexes `edges` for band `b`.
    band_start: Vec<u32>,
    /// Edges `[ax, ay, bx, by]`, copied into every band they cross.
    edges: Vec<[f64; 4]>,
}

/// Most bands per area; enough for tens of thousands of vertices.
const MAX_BANDS: usize = 4096;

impl PreparedArea {
    /// Prepares the rings of a Polygon or MultiPolygon; other geometries give an
    /// empty area that covers nothing.
    pub fn new(g: &Geometry) -> Self {
        let polys: &[Polygon] = match g {
            Geometry::Polygon(p) => std::slice::from_ref(p),
            Geometry::MultiPolygon(mp) => &mp.0,
            _ => &[],
        };
        let mut segs: Vec<[f64; 4]> = Vec::new();
        for p in polys {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                segs.extend(
                    ring.lines()
                        .filter(|l| l.start != l.end)
                        .map(|l| [l.start.x, l.start.y, l.end.x, l.end.y]),
                );
            }
        }
        let (mut x0, mut y0, mut x1, mut y1) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for s in &segs {
            x0 = x0.min(s[0]).min(s[2]);
            x1 = x1.max(s[0]).max(s[2]);
            y0 = y0.min(s[1]).min(s[3]);
            y1 = y1.max(s[1]).max(s[3]);
        }
        if segs.is_empty()
            || !(x0.is_finite() && y0.is_finite() && x1.is_finite() && y1.is_finite())
        {
            return Self::empty();
        }
        let bands = (segs.len() / 2).clamp(1, MAX_BANDS);
        let h = (y1 - y0) / bands as f64;
        let inv_h = if h > 0.0 { 1.0 / h } else { 0.0 };
        let mut area = Self {
            bbox: Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 }),
            y0,
            inv_h,
            band_start: Vec::with_capacity(bands + 1),
            edges: Vec::new(),
        };
        // Counting pass, then fill: an edge goes into every band from the band of
        // its lowest to the band of its highest y, computed with the same `band()`
        // as a question, so a question always finds every edge spanning its y.
        let mut count = vec![0u32; bands + 1];
        for s in &segs {
            let (a, b) = area.band_range(s, bands);
            for c in &mut count[a..=b] {
                *c += 1;
            }
        }
        let mut start = 0u32;
        for c in count.iter().take(bands) {
            area.band_start.push(start);
            start += c;
        }
        area.band_start.push(start);
        area.edges = vec![[0.0; 4]; start as usize];
        let mut fill: Vec<u32> = area.band_start[..bands].to_vec();
        for s in &segs {
            let (a, b) = area.band_range(s, bands);
            for f in &mut fill[a..=b] {
                area.edges[*f as usize] = *s;
                *f += 1;
            }
        }
        area
    }

    fn empty() -> Self {
        Self {
            bbox: Rect::new(
                Coord {
                    x: f64::NAN,
                    y: f64::NAN,
                },
                Coord {
                    x: f64::NAN,
                    y: f64::NAN,
                },
            ),
            y0: 0.0,
            inv_h: 0.0,
            band_start: vec![0, 0],
            edges: Vec::new(),
        }
    }

    fn band_range(&self, s: &[f64; 4], bands: usize) -> (usize, usize) {
        let lo = self.band(s[1].min(s[3]), bands);
        let hi = self.band(s[1].max(s[3]), bands);
        (lo, hi)
    }

    #[inline]
    fn band(&self, y: f64, bands: usize) -> usize {
        // `as usize` saturates (negative → 0); the clamp keeps y == max in range.
        (((y - self.y0) * self.inv_h) as usize).min(bands - 1)
    }

    /// The bounding box (degrees).
    pub fn bbox(&self) -> Rect {
        self.bbox
    }

    /// Where `p` lies: inside, on the boundary or outside (even–odd rule over all
    /// rings, so ring orientation does not matter).
    #[inline]
    pub fn position(&self, p: Coord) -> Position {
        let (min, max) = (self.bbox.min(), self.bbox.max());
        // NaN bounds (empty area) fail every comparison and answer Outside.
        if !(p.x >= min.x && p.x <= max.x && p.y >= min.y && p.y <= max.y) {
            return Position::Outside;
        }
        let bands = self.band_start.len() - 1;
        let b = self.band(p.y, bands);
        let (s, e) = (self.band_start[b] as usize, self.band_start[b + 1] as usize);
        let mut inside = false;
        for &[ax, ay, bx, by] in &self.edges[s..e] {
            // Only edges whose y-range holds p.y and that reach p.x or further right
            // can cross the ray to +x or hold p.
            if (ay < p.y && by < p.y) || (ay > p.y && by > p.y) || (ax < p.x && bx < p.x) {
                continue;
            }
            let (a, b) = (Coord { x: ax, y: ay }, Coord { x: bx, y: by });
            if ay <= p.y {
                if by >= p.y {
                    let o = RobustKernel::orient2d(a, b, p);
                    if o == Orientation::CounterClockwise && by != p.y {
                        inside = !inside;
                    } else if o == Orientation::Collinear && between(p.x, ax, bx) {
                        return Position::OnBoundary;
                    }
                }
            } else {
                let o = RobustKernel::orient2d(a, b, p);
                if o == Orientation::Clockwise {
                    inside = !inside;
                } else if o == Orientation::Collinear && between(p.x, ax, bx) {
                    return Position::OnBoundary;
                }
            }
        }
        if inside {
            Position::Inside
        } else {
            Position::Outside
        }
    }

    /// Whether the area covers `p` (inside or on the boundary), as PostGIS `ST_Covers`.
    #[inline]
    pub fn covers(&self, p: Coord) -> bool {
        self.position(p) != Position::Outside
    }

    /// Heap bytes held (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.band_start.capacity() * 4 + self.edges.capacity() * 32
    }
}

#[inline]
fn between(x: f64, a: f64, b: f64) -> bool {
    if a <= b {
        a <= x && x <= b
    } else {
        b <= x && x <= a
    }
}
