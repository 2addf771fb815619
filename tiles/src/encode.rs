//! Vector tile encoding: Web Mercator metres → tile units → clip → snap → clean → orient →
//! MVT bytes.
//!
//! # Pipeline
//! 1. **Transform** metres to tile units: `x' = (x − west) · s`, `y' = (north − y) · s`
//!    with `s = extent / tile width`, so `y` points down as the MVT spec wants.
//! 2. **Clip** to the tile grown by the buffer (default 64 of 4096 units on each side).
//!    Geometries whose bounding box misses that square are skipped before any exact work,
//!    and those wholly inside it are passed through unclipped. Polygon rings are clipped
//!    with Sutherland–Hodgman against the four sides, lines segment by segment with
//!    Liang–Barsky (a line that leaves and re-enters becomes several parts), points are
//!    filtered.
//! 3. **Snap** to the integer grid by rounding.
//! 4. **Clean** each ring: drop repeated points, `A-B-A` spikes and exactly collinear
//!    middle points (integer orientation test equal to zero), then drop rings whose area
//!    became zero. A polygon is dropped only when its snapped exterior has zero area.
//! 5. **Orient** rings per MVT spec 2.1 §4.3.4.4: exteriors get a positive surveyor's-formula
//!    area in tile units (clockwise on screen, `y` down), interiors a negative one. The
//!    `y` flip of step 1 reverses every ring, so this is decided after snapping, not taken
//!    from the source. fast-mvt rewinds rings the same way; both agree, and the tests check
//!    the decoded result with an independent decoder.
//! 6. **Encode** with fast-mvt.
//!
//! # Why no Douglas–Peucker
//! Grids tessellate the subdistrict: neighbours share edges vertex for vertex. Simplifying
//! each polygon on its own drops different vertices on the two sides of a shared edge and
//! opens hairline gaps and slivers between neighbours. Instead, snapping to the integer
//! grid *is* the per-zoom simplification (at low zoom many vertices land on the same
//! integer point), and every cleaning rule above is a deterministic function of the
//! vertices themselves: a shared vertex snaps to the same integer point in both grids, a
//! clip intersection is computed from the segment's endpoints in a canonical order (so
//! `A→B` and `B→A` give the same point), and removing a repeated or collinear point does
//! not move the boundary. Two grids sharing an edge in the source therefore share it
//! exactly in the tile.
//!
//! Snapping may still leave a self-touching ring (two vertices of one ring on the same
//! integer point). Renderers draw such rings correctly, so they are kept rather than
//! repaired.

use fast_mvt::{MvtCoord, MvtGeomType, MvtLayerBuilder, MvtResult, MvtValueRef};
use geo::{BoundingRect, Coord, Geometry, LineString, Polygon, Rect};

use crate::tile::{TileCoord, lonlat_to_mercator};

/// Tile units per tile side, as in the MVT spec's usual choice.
pub const DEFAULT_EXTENT: u32 = 4096;

/// Tile units drawn beyond each tile edge so that strokes do not show seams.
pub const DEFAULT_BUFFER: u32 = 64;

/// A feature attribute value, kept typed in the tile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PropValue<'a> {
    /// A string.
    Str(&'a str),
    /// A signed integer, written as MVT `sint_value` (zig-zag, compact for negatives).
    Int(i64),
    /// An unsigned integer, written as MVT `uint_value`.
    UInt(u64),
    /// A 64-bit float, written as MVT `double_value`.
    Double(f64),
    /// A boolean.
    Bool(bool),
}

impl<'a> From<PropValue<'a>> for MvtValueRef<'a> {
    fn from(value: PropValue<'a>) -> Self {
        match value {
            PropValue::Str(s) => MvtValueRef::String(s),
            PropValue::Int(i) => MvtValueRef::SInt(i),
            PropValue::UInt(u) => MvtValueRef::UInt(u),
            PropValue::Double(d) => MvtValueRef::Double(d),
            PropValue::Bool(b) => MvtValueRef::Bool(b),
        }
    }
}

/// Handle of a layer inside one [`TileBuilder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LayerId(usize);

/// Builds one MVT tile from features given in Web Mercator metres.
///
/// # Examples
/// ```
/// use geo::{polygon, Geometry};
/// use gridd_tiles::{PropValue, TileBuilder, TileCoord};
///
/// let tile = TileCoord::new(0, 0, 0).unwrap();
/// let mut builder = TileBuilder::new(tile);
/// let grids = builder.layer("grids");
/// // A 1000 km square at the origin, in Web Mercator metres.
/// let square: Geometry<f64> =
///     polygon![(x: 0.0, y: 0.0), (x: 1e6, y: 0.0), (x: 1e6, y: 1e6), (x: 0.0, y: 1e6)].into();
/// assert!(builder.add_feature(grids, Some(7), &square, &[("code", PropValue::Str("A-01"))]));
/// let bytes = builder.finish();
/// assert!(!bytes.is_empty());
/// ```
#[derive(Debug)]
pub struct TileBuilder {
    coord: TileCoord,
    extent: u32,
    buffer: u32,
    /// North-west corner of the tile in metres.
    origin: Coord<f64>,
    /// Tile units per metre.
    scale: f64,
    layers: Vec<Layer>,
    scratch: Scratch,
    /// Whether the feature being added is in degrees (projected on the fly).
    lonlat: bool,
}

#[derive(Debug)]
struct Layer {
    name: String,
    /// Always `Some` between calls: fast-mvt's builders are consumed and handed back.
    builder: Option<MvtLayerBuilder>,
}

/// The clipped, snapped parts of one feature, reused from feature to feature.
#[derive(Debug, Default)]
struct Scratch {
    points: Vec<MvtCoord>,
    lines: Parts,
    rings: Parts,
    /// Exterior flag of each entry of `rings.ends`.
    ring_is_exterior: Vec<bool>,
    float: Vec<Coord<f64>>,
    float_tmp: Vec<Coord<f64>>,
    int: Vec<MvtCoord>,
}

/// Several coordinate runs stored back to back.
#[derive(Debug, Default)]
struct Parts {
    coords: Vec<MvtCoord>,
    ends: Vec<usize>,
}

impl Parts {
    fn clear(&mut self) {
        self.coords.clear();
        self.ends.clear();
    }

    fn push(&mut self, part: &[MvtCoord]) {
        self.coords.extend_from_slice(part);
        self.ends.push(self.coords.len());
    }

    fn iter(&self) -> impl Iterator<Item = &[MvtCoord]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let part = &self.coords[start..end];
            start = end;
            part
        })
    }
}

/// Where a bounding box lies relative to the clip square.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    Outside,
    Inside,
    Crossing,
}

/// The buffered tile in tile units: `[min, max]` on both axes.
#[derive(Debug, Clone, Copy)]
struct ClipSquare {
    min: f64,
    max: f64,
}

impl ClipSquare {
    fn place(self, min: Coord<f64>, max: Coord<f64>) -> Placement {
        if max.x < self.min || max.y < self.min || min.x > self.max || min.y > self.max {
            Placement::Outside
        } else if min.x >= self.min && min.y >= self.min && max.x <= self.max && max.y <= self.max {
            Placement::Inside
        } else {
            Placement::Crossing
        }
    }

    fn contains(self, c: Coord<f64>) -> bool {
        (self.min..=self.max).contains(&c.x) && (self.min..=self.max).contains(&c.y)
    }
}

impl TileBuilder {
    /// A builder for `coord` with extent 4096 and a buffer of 64 tile units.
    #[must_use]
    pub fn new(coord: TileCoord) -> Self {
        let bounds = coord.bounds_mercator();
        Self {
            coord,
            extent: DEFAULT_EXTENT,
            buffer: DEFAULT_BUFFER,
            origin: Coord {
                x: bounds.min().x,
                y: bounds.max().y,
            },
            scale: f64::from(DEFAULT_EXTENT) / coord.size_mercator(),
            layers: Vec::new(),
            scratch: Scratch::default(),
            lonlat: false,
        }
    }

    /// Sets the buffer in tile units (out of 4096) drawn beyond each tile edge.
    #[must_use]
    pub fn with_buffer(mut self, buffer: u32) -> Self {
        self.buffer = buffer;
        self
    }

    /// The tile being built.
    #[must_use]
    pub fn coord(&self) -> TileCoord {
        self.coord
    }

    /// Tile units per tile side (4096).
    #[must_use]
    pub fn extent(&self) -> u32 {
        self.extent
    }

    /// Returns the layer called `name`, adding it if new; layers are written in the order
    /// they were first asked for.
    ///
    /// # Panics
    /// If `name` is empty: the MVT spec requires every layer to have a name.
    pub fn layer(&mut self, name: &str) -> LayerId {
        if let Some(i) = self.layers.iter().position(|l| l.name == name) {
            return LayerId(i);
        }
        let builder = MvtLayerBuilder::new(name).expect("an MVT layer name must not be empty");
        self.layers.push(Layer {
            name: name.to_owned(),
            builder: Some(builder),
        });
        LayerId(self.layers.len() - 1)
    }

    /// Clips `geom` (Web Mercator metres) to the buffered tile and adds what is left to
    /// `layer` with `id` and `props`; returns `false` when nothing was left.
    ///
    /// A `GeometryCollection` becomes one feature per geometry type it holds (points,
    /// lines, polygons), each with the same `id` and `props`, because an MVT feature has a
    /// single type.
    ///
    /// # Panics
    /// If `layer` came from another builder.
    pub fn add_feature(
        &mut self,
        layer: LayerId,
        id: Option<u64>,
        geom: &Geometry<f64>,
        props: &[(&str, PropValue)],
    ) -> bool {
        self.lonlat = false;
        self.add(layer, id, geom, props)
    }

    /// Like [`add_feature`](Self::add_feature) for a geometry in degrees (EPSG:4326),
    /// projected to Web Mercator on the fly with [`lonlat_to_mercator`]: the same tile
    /// bytes as projecting first with [`project_geometry`](crate::project_geometry)
    /// and calling `add_feature`, without keeping a projected copy.
    ///
    /// # Panics
    /// If `layer` came from another builder.
    pub fn add_feature_lonlat(
        &mut self,
        layer: LayerId,
        id: Option<u64>,
        geom: &Geometry<f64>,
        props: &[(&str, PropValue)],
    ) -> bool {
        self.lonlat = true;
        let added = self.add(layer, id, geom, props);
        self.lonlat = false;
        added
    }

    fn add(
        &mut self,
        layer: LayerId,
        id: Option<u64>,
        geom: &Geometry<f64>,
        props: &[(&str, PropValue)],
    ) -> bool {
        self.scratch.points.clear();
        self.scratch.lines.clear();
        self.scratch.rings.clear();
        self.scratch.ring_is_exterior.clear();

        if self.lonlat {
            // Small features (buildings) found by a bounding-box query: walking the
            // coordinates for a box and projecting its corners costs more than it
            // saves; each part is placed as it is transformed, the same decision.
            self.collect(geom, false);
        } else {
            let Some(bbox) = geom.bounding_rect() else {
                return false;
            };
            // Cheap reject, or pass-through without clipping, from the bounding box alone.
            let placement = self.placement_of(bbox, self.clip_square());
            if placement == Placement::Outside {
                return false;
            }
            self.collect(geom, placement == Placement::Inside);
        }

        let slot = &mut self.layers[layer.0];
        let Some(mut builder) = slot.builder.take() else {
            return false;
        };
        let s = &self.scratch;
        let mut written = false;
        if !s.points.is_empty() {
            builder = write_feature(builder, MvtGeomType::Point, id, props, |f| {
                f.points(s.points.iter().copied()).map(drop)
            });
            written = true;
        }
        if !s.lines.ends.is_empty() {
            builder = write_feature(builder, MvtGeomType::LineString, id, props, |f| {
                s.lines
                    .iter()
                    .try_for_each(|part| f.line(part.iter().copied()).map(drop))
            });
            written = true;
        }
        if !s.rings.ends.is_empty() {
            builder = write_feature(builder, MvtGeomType::Polygon, id, props, |f| {
                s.rings
                    .iter()
                    .zip(&s.ring_is_exterior)
                    .try_for_each(|(ring, &ext)| f.ring(ring.iter().copied(), ext).map(drop))
            });
            written = true;
        }
        slot.builder = Some(builder);
        written
    }

    /// Whether no feature has been added to any layer.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.layers
            .iter()
            .all(|l| l.builder.as_ref().is_none_or(|b| b.num_features() == 0))
    }

    /// The uncompressed MVT (protobuf) bytes; layers without features are left out.
    #[must_use]
    pub fn finish(self) -> Vec<u8> {
        let mut out = Vec::new();
        for builder in self.layers.into_iter().filter_map(|l| l.builder) {
            if builder.num_features() > 0 {
                // A standalone layer encodes as one framed `Tile.layers` field, so
                // concatenating them is a valid tile.
                out.extend_from_slice(&builder.encode());
            }
        }
        out
    }

    fn clip_square(&self) -> ClipSquare {
        let b = f64::from(self.buffer);
        ClipSquare {
            min: -b,
            max: f64::from(self.extent) + b,
        }
    }

    /// Metres (degrees when adding a lon/lat feature) to (fractional) tile units,
    /// `y` down.
    fn to_tile(&self, c: Coord<f64>) -> Coord<f64> {
        let c = if self.lonlat {
            lonlat_to_mercator(c)
        } else {
            c
        };
        Coord {
            x: (c.x - self.origin.x) * self.scale,
            y: (self.origin.y - c.y) * self.scale,
        }
    }

    /// Where a box in metres lies; `to_tile` flips y, so the corners swap roles.
    fn placement_of(&self, bbox: Rect<f64>, clip: ClipSquare) -> Placement {
        let a = self.to_tile(bbox.min());
        let b = self.to_tile(bbox.max());
        let min = Coord {
            x: a.x.min(b.x),
            y: a.y.min(b.y),
        };
        let max = Coord {
            x: a.x.max(b.x),
            y: a.y.max(b.y),
        };
        clip.place(min, max)
    }

    /// Adds the clipped, snapped parts of `geom` to the scratch buffers.
    fn collect(&mut self, geom: &Geometry<f64>, inside: bool) {
        match geom {
            Geometry::Point(p) => self.collect_points(std::iter::once(p.0)),
            Geometry::MultiPoint(mp) => self.collect_points(mp.0.iter().map(|p| p.0)),
            Geometry::Line(l) => self.collect_line(&[l.start, l.end], inside),
            Geometry::LineString(ls) => self.collect_line(&ls.0, inside),
            Geometry::MultiLineString(mls) => {
                for ls in &mls.0 {
                    self.collect_line(&ls.0, inside);
                }
            }
            Geometry::Polygon(p) => self.collect_polygon(p, inside),
            Geometry::MultiPolygon(mp) => {
                for p in &mp.0 {
                    self.collect_polygon(p, inside);
                }
            }
            Geometry::Rect(r) => self.collect_polygon(&r.to_polygon(), inside),
            Geometry::Triangle(t) => self.collect_polygon(&t.to_polygon(), inside),
            Geometry::GeometryCollection(gc) => {
                for g in &gc.0 {
                    self.collect(g, inside);
                }
            }
        }
    }

    fn collect_points(&mut self, points: impl Iterator<Item = Coord<f64>>) {
        let clip = self.clip_square();
        for p in points {
            let t = self.to_tile(p);
            if clip.contains(t) {
                self.scratch.points.push(snap(t));
            }
        }
    }

    /// Transforms `coords` into `scratch.float` and says where they lie.
    fn transform(&mut self, coords: &[Coord<f64>], inside: bool) -> Placement {
        let (origin, scale, lonlat) = (self.origin, self.scale, self.lonlat);
        let out = &mut self.scratch.float;
        out.clear();
        let mut min = Coord {
            x: f64::INFINITY,
            y: f64::INFINITY,
        };
        let mut max = Coord {
            x: f64::NEG_INFINITY,
            y: f64::NEG_INFINITY,
        };
        for &c in coords {
            let c = if lonlat { lonlat_to_mercator(c) } else { c };
            let t = Coord {
                x: (c.x - origin.x) * scale,
                y: (origin.y - c.y) * scale,
            };
            min = Coord {
                x: min.x.min(t.x),
                y: min.y.min(t.y),
            };
            max = Coord {
                x: max.x.max(t.x),
                y: max.y.max(t.y),
            };
            out.push(t);
        }
        if inside {
            Placement::Inside
        } else if out.is_empty() {
            Placement::Outside
        } else {
            self.clip_square().place(min, max)
        }
    }

    fn collect_line(&mut self, coords: &[Coord<f64>], inside: bool) {
        let placement = self.transform(coords, inside);
        let clip = self.clip_square();
        let s = &mut self.scratch;
        match placement {
            Placement::Outside => {}
            Placement::Inside => {
                s.int.clear();
                s.int.extend(s.float.iter().map(|&c| snap(c)));
                push_line(&mut s.lines, &mut s.int);
            }
            Placement::Crossing => {
                let mut part_open = false;
                s.int.clear();
                for w in s.float.windows(2) {
                    match clip_segment(w[0], w[1], clip) {
                        None => {
                            if part_open {
                                push_line(&mut s.lines, &mut s.int);
                                part_open = false;
                            }
                        }
                        Some((a, b)) => {
                            // A segment that starts inside continues the part exactly.
                            if part_open && a != w[0] {
                                push_line(&mut s.lines, &mut s.int);
                                part_open = false;
                            }
                            if !part_open {
                                s.int.clear();
                                s.int.push(snap(a));
                                part_open = true;
                            }
                            s.int.push(snap(b));
                        }
                    }
                }
                if part_open {
                    push_line(&mut s.lines, &mut s.int);
                }
            }
        }
    }

    fn collect_polygon(&mut self, polygon: &Polygon<f64>, inside: bool) {
        if !self.collect_ring(polygon.exterior(), inside, true) {
            return;
        }
        for hole in polygon.interiors() {
            self.collect_ring(hole, inside, false);
        }
    }

    /// Clips, snaps, cleans and orients one ring into `scratch.rings`; `false` if it
    /// vanished.
    fn collect_ring(&mut self, ring: &LineString<f64>, inside: bool, exterior: bool) -> bool {
        let coords = match ring.0.as_slice() {
            [rest @ .., last] if rest.first() == Some(last) => rest,
            all => all,
        };
        let placement = self.transform(coords, inside);
        let clip = self.clip_square();
        let s = &mut self.scratch;
        match placement {
            Placement::Outside => return false,
            Placement::Inside => {}
            Placement::Crossing => {
                clip_ring(&mut s.float, &mut s.float_tmp, clip);
            }
        }
        s.int.clear();
        s.int.extend(s.float.iter().map(|&c| snap(c)));
        clean_ring(&mut s.int);
        let area = signed_area2(&s.int);
        if area == 0 {
            return false;
        }
        if (area > 0) != exterior {
            s.int.reverse();
        }
        s.rings.push(&s.int);
        s.ring_is_exterior.push(exterior);
        true
    }
}

/// Starts a feature, lets `geometry` add its parts, adds the id and properties, and commits.
///
/// fast-mvt errors only on counts beyond `u32`/2^29 or on a wrong geometry type, neither
/// of which this module produces; the builder is handed back either way.
fn write_feature(
    builder: MvtLayerBuilder,
    kind: MvtGeomType,
    id: Option<u64>,
    props: &[(&str, PropValue)],
    geometry: impl FnOnce(&mut fast_mvt::MvtFeatureBuilder) -> MvtResult<()>,
) -> MvtLayerBuilder {
    let mut feature = builder.feature_of(kind);
    feature.id(id);
    let result = geometry(&mut feature).and_then(|()| {
        props
            .iter()
            .try_for_each(|&(k, v)| feature.tag_ref(k, v.into()).map(drop))
    });
    debug_assert!(result.is_ok(), "fast-mvt rejected a feature: {result:?}");
    feature.end()
}

/// Rounds a tile-unit coordinate to the integer grid.
fn snap(c: Coord<f64>) -> MvtCoord {
    // Coordinates were clipped to the buffered tile (or are inside it), so they fit in i32.
    MvtCoord {
        x: c.x.round() as i32,
        y: c.y.round() as i32,
    }
}

/// Cleans a snapped line and stores it if at least two distinct points are left.
fn push_line(lines: &mut Parts, line: &mut Vec<MvtCoord>) {
    line.dedup();
    // Drop middle points lying strictly between their neighbours on a straight line.
    let mut out = 0;
    for i in 0..line.len() {
        let keep = i == 0 || i + 1 == line.len() || !between(line[out - 1], line[i], line[i + 1]);
        if keep {
            line[out] = line[i];
            out += 1;
        }
    }
    line.truncate(out);
    if line.len() >= 2 {
        lines.push(line);
    }
}

/// Whether `b` lies on the segment `a`–`c`, strictly inside it.
fn between(a: MvtCoord, b: MvtCoord, c: MvtCoord) -> bool {
    orient(a, b, c) == 0 && dot(a, b, c) < 0
}

/// Twice the signed area of triangle `a b c` in tile units; 0 when collinear.
fn orient(a: MvtCoord, b: MvtCoord, c: MvtCoord) -> i64 {
    let (ax, ay) = (i64::from(a.x), i64::from(a.y));
    (i64::from(b.x) - ax) * (i64::from(c.y) - ay) - (i64::from(b.y) - ay) * (i64::from(c.x) - ax)
}

/// Dot product of `a − b` and `c − b`: negative when `b` is between `a` and `c`.
fn dot(a: MvtCoord, b: MvtCoord, c: MvtCoord) -> i64 {
    let (bx, by) = (i64::from(b.x), i64::from(b.y));
    (i64::from(a.x) - bx) * (i64::from(c.x) - bx) + (i64::from(a.y) - by) * (i64::from(c.y) - by)
}

/// Removes repeated points, spikes and collinear middle points from an open ring,
/// treating it as cyclic; leaves fewer than 3 points when the ring collapses.
fn clean_ring(ring: &mut Vec<MvtCoord>) {
    // In place: the write index `w` never passes the read index.
    let mut w = 0;
    for i in 0..ring.len() {
        ring[w] = ring[i];
        w += 1;
        loop {
            if w >= 2 && ring[w - 1] == ring[w - 2] {
                w -= 1;
            } else if w >= 3 && orient(ring[w - 3], ring[w - 2], ring[w - 1]) == 0 {
                ring[w - 2] = ring[w - 1];
                w -= 1;
            } else {
                break;
            }
        }
    }
    ring.truncate(w);

    // The same rules across the seam between the last and the first point.
    loop {
        let n = ring.len();
        if n < 3 {
            break;
        }
        if ring[n - 1] == ring[0] || orient(ring[n - 2], ring[n - 1], ring[0]) == 0 {
            ring.pop();
        } else if orient(ring[n - 1], ring[0], ring[1]) == 0 {
            ring.remove(0);
        } else {
            break;
        }
    }
}

/// Twice the signed area of an open ring by the surveyor's formula, as MVT spec
/// §4.3.4.4 defines it: positive for an exterior ring in tile units (`y` down).
fn signed_area2(ring: &[MvtCoord]) -> i64 {
    let Some(&last) = ring.last() else {
        return 0;
    };
    let mut prev = last;
    let mut sum = 0_i64;
    for &c in ring {
        sum += i64::from(prev.x) * i64::from(c.y) - i64::from(c.x) * i64::from(prev.y);
        prev = c;
    }
    sum
}

/// One side of the clip square: keep points whose `axis` coordinate is `>= value` (`keep_greater`) or `<= value`.
#[derive(Clone, Copy)]
struct Side {
    vertical: bool,
    value: f64,
    keep_greater: bool,
}

impl Side {
    fn inside(self, c: Coord<f64>) -> bool {
        let v = if self.vertical { c.x } else { c.y };
        if self.keep_greater {
            v >= self.value
        } else {
            v <= self.value
        }
    }

    /// Where segment `p`–`q` crosses this side, computed from the endpoints in a fixed
    /// order so that `p→q` and `q→p` give bit-identical results.
    fn intersect(self, p: Coord<f64>, q: Coord<f64>) -> Coord<f64> {
        let (a, b) = if (p.x, p.y) <= (q.x, q.y) {
            (p, q)
        } else {
            (q, p)
        };
        if self.vertical {
            let t = (self.value - a.x) / (b.x - a.x);
            Coord {
                x: self.value,
                y: a.y + t * (b.y - a.y),
            }
        } else {
            let t = (self.value - a.y) / (b.y - a.y);
            Coord {
                x: a.x + t * (b.x - a.x),
                y: self.value,
            }
        }
    }
}

fn sides(clip: ClipSquare) -> [Side; 4] {
    [
        Side {
            vertical: true,
            value: clip.min,
            keep_greater: true,
        },
        Side {
            vertical: true,
            value: clip.max,
            keep_greater: false,
        },
        Side {
            vertical: false,
            value: clip.min,
            keep_greater: true,
        },
        Side {
            vertical: false,
            value: clip.max,
            keep_greater: false,
        },
    ]
}

/// Sutherland–Hodgman: clips the open ring in `ring` to `clip` in place (`tmp` is scratch).
fn clip_ring(ring: &mut Vec<Coord<f64>>, tmp: &mut Vec<Coord<f64>>, clip: ClipSquare) {
    for side in sides(clip) {
        tmp.clear();
        let Some(&last) = ring.last() else {
            return;
        };
        let mut prev = last;
        let mut prev_in = side.inside(prev);
        for &cur in ring.iter() {
            let cur_in = side.inside(cur);
            if cur_in != prev_in {
                tmp.push(side.intersect(prev, cur));
            }
            if cur_in {
                tmp.push(cur);
            }
            prev = cur;
            prev_in = cur_in;
        }
        std::mem::swap(ring, tmp);
    }
}

/// Liang–Barsky: the part of segment `a`–`b` inside `clip`, if any. An endpoint inside is
/// returned unchanged.
fn clip_segment(
    a: Coord<f64>,
    b: Coord<f64>,
    clip: ClipSquare,
) -> Option<(Coord<f64>, Coord<f64>)> {
    let d = b - a;
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-d.x, a.x - clip.min),
        (d.x, clip.max - a.x),
        (-d.y, a.y - clip.min),
        (d.y, clip.max - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            a + d * t
        }
    };
    Some((at(t0), at(t1)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use geo::coord;

    use super::*;

    fn ints(v: &[(i32, i32)]) -> Vec<MvtCoord> {
        v.iter().map(|&(x, y)| MvtCoord { x, y }).collect()
    }

    const SQUARE: ClipSquare = ClipSquare {
        min: 0.0,
        max: 10.0,
    };

    #[test]
    fn clean_removes_repeats_spikes_and_collinear_points() {
        let mut r = ints(&[
            (0, 0),
            (5, 0),
            (5, 0),
            (10, 0),
            (10, 10),
            (10, 15),
            (10, 10),
            (0, 10),
            (0, 0),
        ]);
        clean_ring(&mut r);
        assert_eq!(r, ints(&[(0, 0), (10, 0), (10, 10), (0, 10)]));
        let mut flat = ints(&[(0, 0), (5, 0), (10, 0), (5, 0)]);
        clean_ring(&mut flat);
        assert!(flat.len() < 3, "{flat:?}");
    }

    #[test]
    fn area_sign_follows_the_spec() {
        // Clockwise on screen with y down: positive.
        assert!(signed_area2(&ints(&[(0, 0), (10, 0), (10, 10), (0, 10)])) > 0);
        assert_eq!(
            signed_area2(&ints(&[(0, 0), (10, 0), (10, 10), (0, 10)])),
            200
        );
        assert!(signed_area2(&ints(&[(0, 0), (0, 10), (10, 10), (10, 0)])) < 0);
    }

    #[test]
    fn sutherland_hodgman_clips_to_the_square() {
        let mut r = vec![
            coord! { x: -5.0, y: -5.0 },
            coord! { x: 5.0, y: -5.0 },
            coord! { x: 5.0, y: 5.0 },
            coord! { x: -5.0, y: 5.0 },
        ];
        clip_ring(&mut r, &mut Vec::new(), SQUARE);
        let mut got: Vec<_> = r.iter().map(|c| (c.x, c.y)).collect();
        got.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(got, vec![(0.0, 0.0), (0.0, 5.0), (5.0, 0.0), (5.0, 5.0)]);
        let mut away = vec![
            coord! { x: 20.0, y: 20.0 },
            coord! { x: 30.0, y: 20.0 },
            coord! { x: 30.0, y: 30.0 },
        ];
        clip_ring(&mut away, &mut Vec::new(), SQUARE);
        assert!(away.is_empty());
    }

    #[test]
    fn intersection_does_not_depend_on_direction() {
        // Many pseudo-random segments across each side: a->b and b->a must agree bit for
        // bit, or two neighbours would clip their shared edge to different points.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1_u64 << 53) as f64 * 30.0 - 10.0
        };
        for side in sides(SQUARE) {
            for _ in 0..2000 {
                let (p, q) = (
                    coord! { x: next(), y: next() },
                    coord! { x: next(), y: next() },
                );
                if side.inside(p) != side.inside(q) {
                    assert_eq!(side.intersect(p, q), side.intersect(q, p));
                }
            }
        }
    }

    #[test]
    fn liang_barsky_splits_and_keeps_inside_endpoints() {
        let a = coord! { x: 2.0, y: 2.0 };
        let b = coord! { x: 20.0, y: 2.0 };
        assert_eq!(
            clip_segment(a, b, SQUARE),
            Some((a, coord! { x: 10.0, y: 2.0 }))
        );
        assert_eq!(
            clip_segment(
                coord! { x: 11.0, y: 0.0 },
                coord! { x: 20.0, y: 5.0 },
                SQUARE
            ),
            None
        );
        let (c, d) = clip_segment(
            coord! { x: -5.0, y: 5.0 },
            coord! { x: 5.0, y: 15.0 },
            SQUARE,
        )
        .unwrap();
        assert_eq!(
            (c, d),
            (coord! { x: 0.0, y: 10.0 }, coord! { x: 0.0, y: 10.0 })
        );
    }

    #[test]
    fn lonlat_features_match_projected_ones() {
        use geo::polygon;
        // Buildings across a z16 tile's edge and wholly inside it, and a line.
        let tile = TileCoord::new(16, 54394, 26613).unwrap();
        let c = tile.bounds_lonlat().center();
        let d = tile.bounds_lonlat().width();
        let shapes: Vec<Geometry<f64>> = vec![
            polygon![(x: c.x, y: c.y), (x: c.x + d * 0.1, y: c.y), (x: c.x + d * 0.1, y: c.y + d * 0.07), (x: c.x, y: c.y + d * 0.07)].into(),
            polygon![(x: c.x + d * 0.45, y: c.y), (x: c.x + d * 0.6, y: c.y + d * 0.01), (x: c.x + d * 0.55, y: c.y + d * 0.2)].into(),
            LineString::from(vec![(c.x - d, c.y - d * 0.3), (c.x + d, c.y + d * 0.2)]).into(),
        ];
        let mut a = TileBuilder::new(tile);
        let mut b = TileBuilder::new(tile);
        let (la, lb) = (a.layer("l"), b.layer("l"));
        for (i, g) in shapes.iter().enumerate() {
            let props = [("i", PropValue::UInt(i as u64))];
            let projected = crate::project_geometry(g);
            assert_eq!(
                a.add_feature(la, Some(i as u64), &projected, &props),
                b.add_feature_lonlat(lb, Some(i as u64), g, &props)
            );
        }
        assert!(!a.is_empty());
        assert_eq!(a.finish(), b.finish());
    }
}
