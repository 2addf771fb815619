//! One glyph outline → an 8-bit signed distance field and its metrics, computed as
//! sdf-glyph-foundry (the renderer inside node-fontnik) computes them.
//!
//! Steps, each as fontnik does it:
//! 1. **Scale.** Font units → 26.6 fixed point at 24 px per em (FreeType's
//!    `FT_Set_Char_Size(face, 0, 24 * 64, 0, 0)`, no hinting): `FT_MulFix` by
//!    `FT_DivFix(24 * 64, units_per_em)`, then ÷ 64 to pixels. A TrueType contour's
//!    implied on-curve points (between two off-curve points) are recomputed from the
//!    scaled off-curve points, as FreeType's outline decomposition does.
//! 2. **Flatten.** Quadratic and cubic Béziers become polylines by AGG's adaptive
//!    subdivision (`curve3_div`, `curve4_div`: 0.5 px distance tolerance, no angle
//!    tolerance, recursion limit 32), ported here line for line so that the vertices,
//!    and so the rounded bounding box, come out the same.
//! 3. **Box.** The bounding box of the flattened vertices, each side rounded to whole
//!    pixels: `width`, `height`, `left` = x min, `top` = y max − the face's ascender
//!    (FreeType's size metrics: ascender scaled and rounded *up* to a whole pixel).
//! 4. **Field.** A `(width + 6) × (height + 6)` raster (3 px buffer each side), row 0 at
//!    the top. Each pixel centre gets its exact Euclidean distance to the nearest
//!    flattened segment, negated inside the outline, and is stored as
//!    `255 − clamp(trunc(64 + 32 · d), 0, 255)`: the edge is 191, inside rises to 255
//!    two pixels in, outside falls to 0 at 6 px (radius 8 with cutoff 0.25).
//!
//! The distance is computed by splatting: each segment visits only the pixels of its
//! bounding box grown by 6 px (the distance past which the byte no longer changes)
//! and lowers their nearest squared distance; the inside test is one scanline per row
//! (crossings sorted, non-zero winding). A glyph of `s` segments on a `w × h` raster
//! costs about `s · 13²` distance evaluations plus `h · s` crossing tests, which for a
//! 24 px CJK glyph is some tens of thousands of flops.
//!
//! The one intended difference from fontnik: inside is decided by the **non-zero**
//! winding rule (what TrueType, CFF and FreeType's rasteriser use) where fontnik uses
//! even-odd ray casting. They agree on every outline without overlapping contours;
//! on overlapping ones (common in variable fonts) even-odd would punch holes.

use ttf_parser::{Face, GlyphId, OutlineBuilder};

/// Pixels of padding around the glyph box on every side (fontnik's `buffer`).
pub(super) const BUFFER: i32 = 3;

/// The em size in pixels that glyphs are rendered at.
pub(super) const SIZE_PX: i64 = 24;

/// A glyph wider or taller than this (pixels, before the buffer) is sent without a
/// bitmap, as an empty glyph with its advance: no sane glyph at 24 px comes near it,
/// and it bounds the raster a malformed font can ask for.
const MAX_EXTENT: i32 = 255;

/// Coordinates beyond 4096 px (in 26.6) mark an outline as malformed (it is sent as
/// an empty glyph); this also bounds the work of flattening.
const MAX_FIXED: i64 = 4096 * 64;

/// Beyond this distance in pixels the byte saturates (0 outside, 255 inside), so no
/// pixel further than this from a segment needs its distance.
const REACH: f64 = 6.0;

/// One rendered glyph, in the units of `glyphs.proto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Glyph {
    pub id: u32,
    /// `(width + 6) · (height + 6)` bytes, row 0 at the top; empty when `width` is 0.
    pub bitmap: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub left: i32,
    pub top: i32,
    pub advance: u32,
}

/// FreeType's `FT_MulFix`: `a · b / 65536`, rounded half away from zero.
fn mul_fix(a: i64, b: i64) -> i64 {
    let c = (a.abs() * b.abs() + 0x8000) >> 16;
    if (a < 0) != (b < 0) { -c } else { c }
}

/// FreeType's `FT_DivFix`: `a · 65536 / b`, rounded.
fn div_fix(a: i64, b: i64) -> i64 {
    if b == 0 {
        return 0x7FFF_FFFF;
    }
    let q = ((a.abs() << 16) + (b.abs() >> 1)) / b.abs();
    if (a < 0) != (b < 0) { -q } else { q }
}

/// How one face maps font units to pixels, and its ascender in pixels.
pub(super) struct Scale {
    /// 16.16 fixed point: 26.6 units per font unit.
    per_unit: i64,
    /// The ascender as FreeType's size metrics give it, in whole pixels.
    pub ascender: i32,
}

impl Scale {
    pub fn new(face: &Face) -> Self {
        let upem = i64::from(face.units_per_em().max(1));
        let per_unit = div_fix(SIZE_PX * 64, upem);
        // FreeType's face ascender: hhea, or OS/2 when hhea has neither value.
        let hhea = face.tables().hhea;
        let mut ascender = i64::from(hhea.ascender);
        if hhea.ascender == 0
            && hhea.descender == 0
            && let Some(os2) = face.tables().os2
        {
            let (typo_asc, typo_desc) = (os2.typographic_ascender(), os2.typographic_descender());
            ascender = if typo_asc != 0 || typo_desc != 0 {
                i64::from(typo_asc)
            } else {
                i64::from(os2.windows_ascender())
            };
        }
        // GRID_FIT_METRICS: the scaled ascender is rounded up to a whole pixel.
        let ascender_26_6 = (mul_fix(ascender, per_unit) + 63) & !63;
        Scale {
            per_unit,
            ascender: i32::try_from(ascender_26_6 / 64).unwrap_or(0),
        }
    }

    /// A coordinate in font units → 26.6 fixed point, as FreeType's `FT_MulFix`.
    fn fixed(&self, v: f32) -> i64 {
        let scaled = (f64::from(v).abs() * self.per_unit as f64 / 65536.0 + 0.5).floor();
        // Clamped far beyond any sane glyph; what is beyond is rejected as malformed.
        let q = scaled.min(1e12) as i64;
        if v < 0.0 { -q } else { q }
    }

    /// An advance in font units → whole pixels, truncated as fontnik's `/ 64`.
    fn advance(&self, units: u16) -> u32 {
        u32::try_from(mul_fix(i64::from(units), self.per_unit) / 64).unwrap_or(0)
    }
}

type Point = [f32; 2];

/// A point of the outline in font units (as ttf-parser gives it) and in 26.6.
#[derive(Clone, Copy)]
struct Vertex {
    units: [f32; 2],
    fixed: [i64; 2],
}

/// A segment of a contour being collected: its control points and end.
#[derive(Clone, Copy)]
enum Segment {
    Move(Vertex),
    Line(Vertex),
    Quad(Vertex, Vertex),
    Cubic(Vertex, Vertex, Vertex),
}

/// The point halfway between two off-curve points, as ttf-parser computes an implied
/// on-curve point.
fn implied(a: [f32; 2], b: [f32; 2]) -> [f32; 2] {
    [a[0] + (b[0] - a[0]) * 0.5, a[1] + (b[1] - a[1]) * 0.5]
}

/// Collects an outline contour by contour, then flattens each into a closed ring of
/// points (pixels, y up).
struct Flattener<'s> {
    scale: &'s Scale,
    contour: Vec<Segment>,
    points: Vec<Point>,
    /// End (exclusive) of each ring in `points`.
    ring_ends: Vec<usize>,
    malformed: bool,
}

impl<'s> Flattener<'s> {
    fn new(scale: &'s Scale) -> Self {
        Flattener {
            scale,
            contour: Vec::with_capacity(64),
            points: Vec::with_capacity(256),
            ring_ends: Vec::new(),
            malformed: false,
        }
    }

    fn vertex(&mut self, x: f32, y: f32) -> Vertex {
        let fixed = [self.scale.fixed(x), self.scale.fixed(y)];
        if fixed.iter().any(|v| v.abs() > MAX_FIXED) {
            self.malformed = true;
        }
        Vertex {
            units: [x, y],
            fixed,
        }
    }

    /// FreeType computes an implied on-curve point of a TrueType contour (the middle
    /// of two consecutive off-curve points) from the two points in 26.6, truncating;
    /// ttf-parser hands it over in font units. Where a quadratic segment ends exactly
    /// halfway between its control point and the next segment's, that end is such a
    /// point and is recomputed as FreeType does.
    fn fix_implied_points(&mut self) {
        let n = self.contour.len();
        if n < 2 {
            return;
        }
        let first_control = match self.contour[1] {
            Segment::Quad(c, _) => Some(c),
            _ => None,
        };
        for k in 1..n {
            let Segment::Quad(c, mut e) = self.contour[k] else {
                continue;
            };
            let next = if k + 1 < n {
                match self.contour[k + 1] {
                    Segment::Quad(c2, _) => Some(c2),
                    _ => None,
                }
            } else {
                first_control
            };
            if let Some(c2) = next
                && e.units == implied(c.units, c2.units)
            {
                e.fixed = [
                    (c.fixed[0] + c2.fixed[0]) / 2,
                    (c.fixed[1] + c2.fixed[1]) / 2,
                ];
                self.contour[k] = Segment::Quad(c, e);
                if k + 1 == n
                    && let Segment::Move(start) = &mut self.contour[0]
                    && start.units == e.units
                {
                    start.fixed = e.fixed;
                }
            }
        }
    }

    /// Flattens the contour collected into a closed ring (repeating its first point at
    /// the end if needed), as fontnik's outline callbacks do.
    fn end_contour(&mut self) {
        self.fix_implied_points();
        let ring_start = self.points.len();
        let px = |v: Vertex| [v.fixed[0] as f64 / 64.0, v.fixed[1] as f64 / 64.0];
        let contour = std::mem::take(&mut self.contour);
        for segment in &contour {
            match *segment {
                Segment::Move(p) | Segment::Line(p) => {
                    let p = px(p);
                    self.push(p[0], p[1]);
                }
                Segment::Quad(c, e) => {
                    // The curve's start is the last point, popped: the curve adds it
                    // back as its first vertex.
                    let Some(s) = self.points.pop() else { continue };
                    let (s, c, e) = ([f64::from(s[0]), f64::from(s[1])], px(c), px(e));
                    self.push(s[0], s[1]);
                    curve3(self, s, c, e, 0);
                    self.push(e[0], e[1]);
                }
                Segment::Cubic(c1, c2, e) => {
                    let Some(s) = self.points.pop() else { continue };
                    let (s, c1, c2, e) =
                        ([f64::from(s[0]), f64::from(s[1])], px(c1), px(c2), px(e));
                    self.push(s[0], s[1]);
                    curve4(self, s, c1, c2, e, 0);
                    self.push(e[0], e[1]);
                }
            }
        }
        self.contour = contour;
        self.contour.clear();
        if self.points.len() > ring_start {
            let first = self.points[ring_start];
            if self.points.last() != Some(&first) {
                self.points.push(first);
            }
            self.ring_ends.push(self.points.len());
        }
    }

    /// Appends a segment; one before any move_to (not from a valid font) is ignored.
    fn segment(&mut self, segment: Segment) {
        if !self.contour.is_empty() {
            self.contour.push(segment);
        }
    }

    fn push(&mut self, x: f64, y: f64) {
        self.points.push([x as f32, y as f32]);
    }
}

impl OutlineBuilder for Flattener<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.end_contour();
        let p = self.vertex(x, y);
        self.contour.push(Segment::Move(p));
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.vertex(x, y);
        self.segment(Segment::Line(p));
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (c, e) = (self.vertex(x1, y1), self.vertex(x, y));
        self.segment(Segment::Quad(c, e));
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (c1, c2, e) = (self.vertex(x1, y1), self.vertex(x2, y2), self.vertex(x, y));
        self.segment(Segment::Cubic(c1, c2, e));
    }

    fn close(&mut self) {
        self.end_contour();
    }
}

/// AGG's distance tolerance, squared: 0.5 px at approximation scale 1.
const TOLERANCE_SQ: f64 = 0.25;
const COLLINEARITY_EPSILON: f64 = 1e-30;
const RECURSION_LIMIT: u32 = 32;

fn sq_dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    dx * dx + dy * dy
}

fn mid(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
}

/// AGG `curve3_div::recursive_bezier` (angle tolerance 0): pushes the inner vertices.
fn curve3(out: &mut Flattener, p1: [f64; 2], p2: [f64; 2], p3: [f64; 2], level: u32) {
    if level > RECURSION_LIMIT {
        return;
    }
    let p12 = mid(p1, p2);
    let p23 = mid(p2, p3);
    let p123 = mid(p12, p23);
    let (dx, dy) = (p3[0] - p1[0], p3[1] - p1[1]);
    let d = ((p2[0] - p3[0]) * dy - (p2[1] - p3[1]) * dx).abs();
    if d > COLLINEARITY_EPSILON {
        if d * d <= TOLERANCE_SQ * (dx * dx + dy * dy) {
            out.push(p123[0], p123[1]);
            return;
        }
    } else {
        let da = dx * dx + dy * dy;
        let d = if da == 0.0 {
            sq_dist(p1, p2)
        } else {
            let t = ((p2[0] - p1[0]) * dx + (p2[1] - p1[1]) * dy) / da;
            if t > 0.0 && t < 1.0 {
                return;
            }
            if t <= 0.0 {
                sq_dist(p2, p1)
            } else {
                sq_dist(p2, p3)
            }
        };
        if d < TOLERANCE_SQ {
            out.push(p2[0], p2[1]);
            return;
        }
    }
    curve3(out, p1, p12, p123, level + 1);
    curve3(out, p123, p23, p3, level + 1);
}

/// Squared distance from `p` to where it projects on the line `a`–`a + (dx, dy)`,
/// clamped to the ends (AGG's collinear case).
fn collinear_sq(p: [f64; 2], a: [f64; 2], b: [f64; 2], t: f64, dx: f64, dy: f64) -> f64 {
    if t <= 0.0 {
        sq_dist(p, a)
    } else if t >= 1.0 {
        sq_dist(p, b)
    } else {
        sq_dist(p, [a[0] + t * dx, a[1] + t * dy])
    }
}

/// AGG `curve4_div::recursive_bezier` (angle tolerance 0, no cusp limit).
fn curve4(out: &mut Flattener, p1: [f64; 2], p2: [f64; 2], p3: [f64; 2], p4: [f64; 2], level: u32) {
    if level > RECURSION_LIMIT {
        return;
    }
    let p12 = mid(p1, p2);
    let p23 = mid(p2, p3);
    let p34 = mid(p3, p4);
    let p123 = mid(p12, p23);
    let p234 = mid(p23, p34);
    let p1234 = mid(p123, p234);
    let (dx, dy) = (p4[0] - p1[0], p4[1] - p1[1]);
    let d2 = ((p2[0] - p4[0]) * dy - (p2[1] - p4[1]) * dx).abs();
    let d3 = ((p3[0] - p4[0]) * dy - (p3[1] - p4[1]) * dx).abs();
    let chord_sq = dx * dx + dy * dy;
    match (d2 > COLLINEARITY_EPSILON, d3 > COLLINEARITY_EPSILON) {
        (false, false) => {
            // All collinear, or p1 == p4.
            let (e2, e3) = if chord_sq == 0.0 {
                (sq_dist(p1, p2), sq_dist(p4, p3))
            } else {
                let k = 1.0 / chord_sq;
                let t2 = k * ((p2[0] - p1[0]) * dx + (p2[1] - p1[1]) * dy);
                let t3 = k * ((p3[0] - p1[0]) * dx + (p3[1] - p1[1]) * dy);
                if t2 > 0.0 && t2 < 1.0 && t3 > 0.0 && t3 < 1.0 {
                    return;
                }
                (
                    collinear_sq(p2, p1, p4, t2, dx, dy),
                    collinear_sq(p3, p1, p4, t3, dx, dy),
                )
            };
            if e2 > e3 {
                if e2 < TOLERANCE_SQ {
                    out.push(p2[0], p2[1]);
                    return;
                }
            } else if e3 < TOLERANCE_SQ {
                out.push(p3[0], p3[1]);
                return;
            }
        }
        (false, true) => {
            if d3 * d3 <= TOLERANCE_SQ * chord_sq {
                out.push(p23[0], p23[1]);
                return;
            }
        }
        (true, false) => {
            if d2 * d2 <= TOLERANCE_SQ * chord_sq {
                out.push(p23[0], p23[1]);
                return;
            }
        }
        (true, true) => {
            if (d2 + d3) * (d2 + d3) <= TOLERANCE_SQ * chord_sq {
                out.push(p23[0], p23[1]);
                return;
            }
        }
    }
    curve4(out, p1, p12, p123, p1234, level + 1);
    curve4(out, p1234, p234, p34, p4, level + 1);
}

/// Renders code point `id` (glyph `gid` of `face`).
pub(super) fn render(face: &Face, scale: &Scale, gid: GlyphId, id: u32) -> Glyph {
    let advance = scale.advance(face.glyph_hor_advance(gid).unwrap_or(0));
    // What fontnik sends for a glyph without an outline: no box, top = −ascender.
    let empty = Glyph {
        id,
        bitmap: Vec::new(),
        width: 0,
        height: 0,
        left: 0,
        top: -scale.ascender,
        advance,
    };

    let mut outline = Flattener::new(scale);
    if face.outline_glyph(gid, &mut outline).is_none() {
        return empty;
    }
    outline.end_contour();
    if outline.malformed || outline.points.is_empty() {
        return empty;
    }

    let (mut x_min, mut y_min) = (f64::INFINITY, f64::INFINITY);
    let (mut x_max, mut y_max) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for p in &outline.points {
        let (x, y) = (f64::from(p[0]), f64::from(p[1]));
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_min = y_min.min(y);
        y_max = y_max.max(y);
    }
    // Bounded by MAX_FIXED, so these conversions are exact.
    let (x_min, y_min) = (x_min.round() as i32, y_min.round() as i32);
    let (x_max, y_max) = (x_max.round() as i32, y_max.round() as i32);
    let (width, height) = (x_max - x_min, y_max - y_min);
    if width == 0 || height == 0 || width > MAX_EXTENT || height > MAX_EXTENT {
        return empty;
    }

    // Into raster coordinates: the box's lower left corner at (BUFFER, BUFFER).
    let (shift_x, shift_y) = (f64::from(BUFFER - x_min), f64::from(BUFFER - y_min));
    for p in &mut outline.points {
        *p = [
            (f64::from(p[0]) + shift_x) as f32,
            (f64::from(p[1]) + shift_y) as f32,
        ];
    }

    let raster_w = (width + 2 * BUFFER) as usize;
    let raster_h = (height + 2 * BUFFER) as usize;
    Glyph {
        id,
        bitmap: distance_field(&outline.points, &outline.ring_ends, raster_w, raster_h),
        width: width as u32,
        height: height as u32,
        left: x_min,
        top: y_max - scale.ascender,
        advance,
    }
}

/// The segments of the rings, as pairs of consecutive points.
fn segments<'a>(
    points: &'a [Point],
    ring_ends: &'a [usize],
) -> impl Iterator<Item = (Point, Point)> + 'a {
    let starts = std::iter::once(0).chain(ring_ends.iter().copied());
    starts
        .zip(ring_ends.iter().copied())
        .flat_map(move |(start, end)| points[start..end].windows(2).map(|w| (w[0], w[1])))
}

/// The 8-bit field of the rings (raster coordinates, y up) on a `w × h` raster whose
/// row 0 is the top.
fn distance_field(points: &[Point], ring_ends: &[usize], w: usize, h: usize) -> Vec<u8> {
    // Squared distance of each pixel centre (index y · w + x, y up) to the nearest
    // segment, where that is under REACH.
    let mut nearest = vec![f64::INFINITY; w * h];
    let reach_sq = REACH * REACH;
    for (a, b) in segments(points, ring_ends) {
        let (ax, ay) = (f64::from(a[0]), f64::from(a[1]));
        let (bx, by) = (f64::from(b[0]), f64::from(b[1]));
        // Pixel x has its centre at x + 0.5: the columns whose centres are within REACH
        // of the segment's box.
        let x0 = (ax.min(bx) - REACH - 0.5).ceil().max(0.0) as usize;
        let x1 = (ax.max(bx) + REACH - 0.5).floor().min(w as f64 - 1.0);
        let y0 = (ay.min(by) - REACH - 0.5).ceil().max(0.0) as usize;
        let y1 = (ay.max(by) + REACH - 0.5).floor().min(h as f64 - 1.0);
        if x1 < 0.0 || y1 < 0.0 {
            continue;
        }
        let (x1, y1) = (x1 as usize, y1 as usize);
        let (dx, dy) = (bx - ax, by - ay);
        let l2 = dx * dx + dy * dy;
        for y in y0..=y1 {
            let py = y as f64 + 0.5;
            let row = &mut nearest[y * w..(y + 1) * w];
            for (x, cell) in row.iter_mut().enumerate().take(x1 + 1).skip(x0) {
                let px = x as f64 + 0.5;
                let t = if l2 == 0.0 {
                    0.0
                } else {
                    ((px - ax) * dx + (py - ay) * dy) / l2
                };
                let (qx, qy) = if t <= 0.0 {
                    (ax, ay)
                } else if t >= 1.0 {
                    (bx, by)
                } else {
                    (ax + t * dx, ay + t * dy)
                };
                let d2 = (px - qx) * (px - qx) + (py - qy) * (py - qy);
                if d2 < *cell && d2 < reach_sq {
                    *cell = d2;
                }
            }
        }
    }

    let mut bitmap = vec![0u8; w * h];
    // (x of the crossing, winding direction) of the segments crossing one row.
    let mut crossings: Vec<(f32, i32)> = Vec::new();
    for y in 0..h {
        let py = y as f32 + 0.5;
        crossings.clear();
        for (a, b) in segments(points, ring_ends) {
            if (a[1] > py) != (b[1] > py) {
                let x = (b[0] - a[0]) * (py - a[1]) / (b[1] - a[1]) + a[0];
                crossings.push((x, if b[1] > a[1] { 1 } else { -1 }));
            }
        }
        crossings.sort_unstable_by(|p, q| p.0.total_cmp(&q.0));
        // Winding number of a point = sum of the directions of the crossings to its
        // right (fontnik's ray casting counts crossings with x > point's x).
        let mut right: i32 = crossings.iter().map(|c| c.1).sum();
        let mut next = 0;
        let out_row = &mut bitmap[(h - 1 - y) * w..(h - y) * w];
        for (x, out) in out_row.iter_mut().enumerate() {
            let px = x as f32 + 0.5;
            while next < crossings.len() && crossings[next].0 <= px {
                right -= crossings[next].1;
                next += 1;
            }
            let inside = right != 0;
            let d2 = nearest[y * w + x];
            let distance = if d2.is_finite() {
                d2.sqrt() * 32.0
            } else {
                f64::INFINITY
            };
            let d = if inside { -distance } else { distance } + 64.0;
            // fontnik: n = d > 255 ? 255 : (int) d; n = n < 0 ? 0 : n; byte = 255 − n.
            let n = if d > 255.0 {
                255.0
            } else if d > 0.0 {
                d.trunc()
            } else {
                0.0
            };
            *out = 255 - n as u8;
        }
    }
    bitmap
}
