//! Tile math for the Web Mercator (EPSG:3857) XYZ tile scheme.
//!
//! Three coordinate spaces meet here, and every function says which one it takes:
//! - **degrees**: WGS 84 longitude/latitude, `x` = longitude, `y` = latitude;
//! - **metres**: Web Mercator (EPSG:3857) metres, `y` up;
//! - **tile units**: the integer grid inside one tile, `y` down (see [`crate::encode`]).
//!
//! Tiles are numbered the XYZ ("slippy map") way: `x` grows east, `y` grows south, and
//! tile `0/0/0` covers the whole world between ±[`MAX_LATITUDE`].

use std::fmt;
use std::ops::RangeInclusive;

use geo::{Coord, Geometry, MapCoords, Rect};

/// Half the width of the Web Mercator world in metres (π × 6 378 137).
pub const HALF_WORLD: f64 = std::f64::consts::PI * EARTH_RADIUS;

/// Latitude in degrees where Web Mercator makes the world square: atan(sinh(π)) ≈ 85.0511°.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// Deepest zoom level accepted by [`TileCoord::new`].
pub const MAX_ZOOM: u8 = 24;

/// WGS 84 semi-major axis in metres, the sphere radius of EPSG:3857.
const EARTH_RADIUS: f64 = 6_378_137.0;

/// Why a tile coordinate was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// The zoom level is deeper than [`MAX_ZOOM`].
    #[error("zoom z={z} is out of range: the deepest zoom served is {MAX_ZOOM}")]
    ZoomTooDeep {
        /// The rejected zoom level.
        z: u8,
    },
    /// The column is outside the zoom level's grid.
    #[error("column x={x} is out of range at zoom {z}: it must be below 2^{z} = {size}")]
    ColumnOutOfRange {
        /// Zoom level.
        z: u8,
        /// The rejected column.
        x: u32,
        /// Number of columns at this zoom (2^z).
        size: u32,
    },
    /// The row is outside the zoom level's grid.
    #[error("row y={y} is out of range at zoom {z}: it must be below 2^{z} = {size}")]
    RowOutOfRange {
        /// Zoom level.
        z: u8,
        /// The rejected row.
        y: u32,
        /// Number of rows at this zoom (2^z).
        size: u32,
    },
}

/// One XYZ tile: zoom `z`, column `x` (west to east), row `y` (north to south).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    /// Zoom level, 0..=[`MAX_ZOOM`].
    pub z: u8,
    /// Column, 0..2^z, counted from the antimeridian eastwards.
    pub x: u32,
    /// Row, 0..2^z, counted from the north edge southwards.
    pub y: u32,
}

impl TileCoord {
    /// Checks that `z ≤ 24` and `x, y < 2^z`; the error names the offending field.
    ///
    /// # Examples
    /// ```
    /// use gridd_tiles::TileCoord;
    /// assert!(TileCoord::new(14, 9327, 4742).is_ok());
    /// assert!(TileCoord::new(2, 4, 0).is_err()); // only columns 0..4 at z2
    /// ```
    pub fn new(z: u8, x: u32, y: u32) -> Result<Self, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::ZoomTooDeep { z });
        }
        let size = 1_u32 << z;
        if x >= size {
            return Err(TileError::ColumnOutOfRange { z, x, size });
        }
        if y >= size {
            return Err(TileError::RowOutOfRange { z, y, size });
        }
        Ok(Self { z, x, y })
    }

    /// Width (= height) of this tile in Web Mercator metres.
    #[must_use]
    pub fn size_mercator(&self) -> f64 {
        tile_size_mercator(self.z)
    }

    /// The tile's extent in Web Mercator metres (EPSG:3857), `y` up.
    ///
    /// # Examples
    /// ```
    /// use gridd_tiles::TileCoord;
    /// let world = TileCoord::new(0, 0, 0).unwrap().bounds_mercator();
    /// assert!((world.max().x - 20_037_508.34).abs() < 0.01);
    /// ```
    #[must_use]
    pub fn bounds_mercator(&self) -> Rect<f64> {
        let size = self.size_mercator();
        let min_x = -HALF_WORLD + f64::from(self.x) * size;
        let max_y = HALF_WORLD - f64::from(self.y) * size;
        Rect::new(
            Coord {
                x: min_x,
                y: max_y - size,
            },
            Coord {
                x: min_x + size,
                y: max_y,
            },
        )
    }

    /// The tile's extent in degrees (longitude, latitude).
    #[must_use]
    pub fn bounds_lonlat(&self) -> Rect<f64> {
        let m = self.bounds_mercator();
        Rect::new(mercator_to_lonlat(m.min()), mercator_to_lonlat(m.max()))
    }
}

impl fmt::Display for TileCoord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// Width of any tile at zoom `z` in Web Mercator metres.
#[must_use]
pub fn tile_size_mercator(z: u8) -> f64 {
    2.0 * HALF_WORLD / f64::from(1_u32 << z.min(31))
}

/// Projects degrees (longitude, latitude) to Web Mercator metres, clamping latitude to
/// ±[`MAX_LATITUDE`] (≈ ±85.0511°) so the poles stay finite.
///
/// # Examples
/// ```
/// use geo::coord;
/// use gridd_tiles::lonlat_to_mercator;
/// let m = lonlat_to_mercator(coord! { x: 180.0, y: 0.0 });
/// assert!((m.x - 20_037_508.34).abs() < 0.01 && m.y.abs() < 1e-6);
/// ```
#[must_use]
pub fn lonlat_to_mercator(c: Coord<f64>) -> Coord<f64> {
    let lat = c.y.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    Coord {
        x: c.x.to_radians() * EARTH_RADIUS,
        y: (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln() * EARTH_RADIUS,
    }
}

/// Unprojects Web Mercator metres to degrees (longitude, latitude).
#[must_use]
pub fn mercator_to_lonlat(c: Coord<f64>) -> Coord<f64> {
    Coord {
        x: (c.x / EARTH_RADIUS).to_degrees(),
        y: (c.y / EARTH_RADIUS).sinh().atan().to_degrees(),
    }
}

/// Projects a whole geometry from degrees to Web Mercator metres (see [`lonlat_to_mercator`]).
#[must_use]
pub fn project_geometry(geometry: &Geometry<f64>) -> Geometry<f64> {
    geometry.map_coords(lonlat_to_mercator)
}

/// A rectangle of tiles at one zoom: every `(x, y)` in `x_range × y_range`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileRange {
    z: u8,
    x: RangeInclusive<u32>,
    y: RangeInclusive<u32>,
}

impl TileRange {
    /// Zoom level of every tile in the range.
    #[must_use]
    pub fn z(&self) -> u8 {
        self.z
    }

    /// Columns covered, both ends included.
    #[must_use]
    pub fn x_range(&self) -> RangeInclusive<u32> {
        self.x.clone()
    }

    /// Rows covered, both ends included.
    #[must_use]
    pub fn y_range(&self) -> RangeInclusive<u32> {
        self.y.clone()
    }

    /// Number of tiles in the range (up to 4^24, hence `u64`).
    #[must_use]
    pub fn count(&self) -> u64 {
        let w = u64::from(self.x.end() - self.x.start()) + 1;
        let h = u64::from(self.y.end() - self.y.start()) + 1;
        w * h
    }

    /// Whether `tile` lies in this range.
    #[must_use]
    pub fn contains(&self, tile: &TileCoord) -> bool {
        tile.z == self.z && self.x.contains(&tile.x) && self.y.contains(&tile.y)
    }

    /// The tiles, row by row from north-west.
    pub fn iter(&self) -> impl Iterator<Item = TileCoord> + use<> {
        let (z, xs) = (self.z, self.x.clone());
        self.y
            .clone()
            .flat_map(move |y| xs.clone().map(move |x| TileCoord { z, x, y }))
    }
}

impl IntoIterator for &TileRange {
    type Item = TileCoord;
    type IntoIter = Box<dyn Iterator<Item = TileCoord>>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// Tiles at zoom `z` whose area intersects `bbox_lonlat` (degrees), edges included.
///
/// Edges are inclusive: an east or south edge lying exactly on a tile boundary also selects
/// the tile beyond it (for cache invalidation a tile too many is harmless). The
/// box is clamped to the Web Mercator world; `z` above [`MAX_ZOOM`] is treated as
/// [`MAX_ZOOM`].
///
/// A tile also draws features lying in its buffer, so to invalidate after an edit use
/// [`tiles_covering_buffered`] with the encoder's buffer.
///
/// # Examples
/// ```
/// use geo::{coord, Rect};
/// use gridd_tiles::tiles_covering;
/// let helsinki = Rect::new(coord! { x: 24.94, y: 60.17 }, coord! { x: 24.94, y: 60.17 });
/// let range = tiles_covering(helsinki, 14);
/// assert_eq!((range.x_range(), range.y_range()), (9327..=9327, 4742..=4742));
/// ```
#[must_use]
pub fn tiles_covering(bbox_lonlat: Rect<f64>, z: u8) -> TileRange {
    tiles_covering_buffered(bbox_lonlat, z, 0, 1)
}

/// Like [`tiles_covering`], but also selects tiles whose buffer of `buffer` tile units (out
/// of `extent`, e.g. 64 of 4096) reaches into `bbox_lonlat` (degrees).
#[must_use]
pub fn tiles_covering_buffered(
    bbox_lonlat: Rect<f64>,
    z: u8,
    buffer: u32,
    extent: u32,
) -> TileRange {
    let z = z.min(MAX_ZOOM);
    let n = f64::from(1_u32 << z);
    let pad = f64::from(buffer) / f64::from(extent.max(1));
    let min = lonlat_to_mercator(bbox_lonlat.min());
    let max = lonlat_to_mercator(bbox_lonlat.max());
    // Fractional tile numbers; y grows southwards, so the box's max y gives the first row.
    let to_tile_x = |mx: f64| (mx + HALF_WORLD) / (2.0 * HALF_WORLD) * n;
    let to_tile_y = |my: f64| (HALF_WORLD - my) / (2.0 * HALF_WORLD) * n;
    let last = (1_u32 << z) - 1;
    let clamp = |t: f64| {
        if t.is_nan() || t <= 0.0 {
            0
        } else if t >= f64::from(last) {
            last
        } else {
            t as u32
        }
    };
    let x0 = clamp((to_tile_x(min.x) - pad).floor());
    let x1 = clamp((to_tile_x(max.x) + pad).floor());
    let y0 = clamp((to_tile_y(max.y) - pad).floor());
    let y1 = clamp((to_tile_y(min.y) + pad).floor());
    TileRange {
        z,
        x: x0..=x1.max(x0),
        y: y0..=y1.max(y0),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use geo::coord;

    use super::*;

    /// The textbook slippy-map formula, written independently of the code under test.
    fn osm_tile(lon: f64, lat: f64, z: u8) -> (u32, u32) {
        let n = f64::from(1_u32 << z);
        let lat = lat.to_radians();
        let x = ((lon + 180.0) / 360.0 * n).floor();
        let y =
            ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
        (x as u32, y as u32)
    }

    #[test]
    fn new_rejects_each_field_with_its_reason() {
        assert_eq!(
            TileCoord::new(25, 0, 0),
            Err(TileError::ZoomTooDeep { z: 25 })
        );
        assert_eq!(
            TileCoord::new(3, 8, 0),
            Err(TileError::ColumnOutOfRange {
                z: 3,
                x: 8,
                size: 8
            })
        );
        assert_eq!(
            TileCoord::new(3, 7, 8),
            Err(TileError::RowOutOfRange {
                z: 3,
                y: 8,
                size: 8
            })
        );
        assert!(TileCoord::new(24, (1 << 24) - 1, (1 << 24) - 1).is_ok());
        let msg = TileCoord::new(3, 8, 0).unwrap_err().to_string();
        assert!(msg.contains("x=8") && msg.contains("below 2^3"), "{msg}");
    }

    #[test]
    fn z0_bounds_are_the_mercator_world() {
        let b = TileCoord::new(0, 0, 0).unwrap().bounds_mercator();
        for v in [b.min().x, b.min().y] {
            assert!((v + 20_037_508.34).abs() < 0.005, "{v}");
        }
        for v in [b.max().x, b.max().y] {
            assert!((v - 20_037_508.34).abs() < 0.005, "{v}");
        }
        let ll = TileCoord::new(0, 0, 0).unwrap().bounds_lonlat();
        assert!((ll.min().x + 180.0).abs() < 1e-9 && (ll.max().x - 180.0).abs() < 1e-9);
        assert!((ll.max().y - MAX_LATITUDE).abs() < 1e-9);
    }

    #[test]
    fn helsinki_z14_tile_matches_the_textbook_formula() {
        let (x, y) = osm_tile(24.94, 60.17, 14);
        // Worked by hand: x = floor(204.94/360 · 16384) = floor(9327.05) = 9327;
        // y = floor((1 − asinh(tan 60.17°)/π)/2 · 16384) = floor(4742.39) = 4742.
        assert_eq!((x, y), (9327, 4742));
        let r = tiles_covering(
            Rect::new(coord! { x: 24.94, y: 60.17 }, coord! { x: 24.94, y: 60.17 }),
            14,
        );
        assert_eq!(
            r.iter().collect::<Vec<_>>(),
            vec![TileCoord::new(14, x, y).unwrap()]
        );
        let b = TileCoord::new(14, x, y).unwrap().bounds_lonlat();
        assert!(b.min().x <= 24.94 && 24.94 < b.max().x);
        assert!(b.min().y <= 60.17 && 60.17 < b.max().y);
    }

    #[test]
    fn projection_round_trips_and_clamps() {
        for (lon, lat) in [
            (0.0, 0.0),
            (24.94, 60.17),
            (-179.9, -85.0),
            (116.4, 39.9),
            (180.0, 85.0),
        ] {
            let back = mercator_to_lonlat(lonlat_to_mercator(coord! { x: lon, y: lat }));
            assert!(
                (back.x - lon).abs() < 1e-9 && (back.y - lat).abs() < 1e-9,
                "{back:?}"
            );
        }
        let pole = lonlat_to_mercator(coord! { x: 0.0, y: 90.0 });
        assert!((pole.y - HALF_WORLD).abs() < 1e-6, "{pole:?}");
        let south = lonlat_to_mercator(coord! { x: 0.0, y: -90.0 });
        assert!((south.y + HALF_WORLD).abs() < 1e-6, "{south:?}");
    }

    #[test]
    fn tile_bounds_agree_with_the_textbook_formula() {
        for z in [1_u8, 5, 10, 14, 18, 24] {
            let (x, y) = osm_tile(116.391, 39.907, z);
            let b = TileCoord::new(z, x, y).unwrap().bounds_lonlat();
            assert!(b.min().x <= 116.391 && 116.391 < b.max().x, "z{z} {b:?}");
            assert!(b.min().y <= 39.907 && 39.907 < b.max().y, "z{z} {b:?}");
        }
    }

    #[test]
    fn covering_counts_and_edges() {
        let world = Rect::new(coord! { x: -180.0, y: -90.0 }, coord! { x: 180.0, y: 90.0 });
        assert_eq!(tiles_covering(world, 0).count(), 1);
        assert_eq!(tiles_covering(world, 3).count(), 64);
        assert_eq!(tiles_covering(world, 3).iter().count(), 64);
        // A box whose west edge is exactly the boundary between columns 0 and 1 at z1.
        let east = Rect::new(coord! { x: 0.0, y: 10.0 }, coord! { x: 10.0, y: 20.0 });
        let r = tiles_covering(east, 1);
        assert_eq!((r.x_range(), r.y_range()), (1..=1, 0..=0));
        // A small box straddling four z14 tiles around a tile corner.
        let corner = TileCoord::new(14, 9327, 4742)
            .unwrap()
            .bounds_lonlat()
            .min();
        let d = 1e-4;
        let around = Rect::new(
            corner - coord! { x: d, y: d },
            corner + coord! { x: d, y: d },
        );
        let r = tiles_covering(around, 14);
        assert_eq!((r.x_range(), r.y_range()), (9326..=9327, 4742..=4743));
        assert_eq!(r.count(), 4);
        assert!(r.contains(&TileCoord::new(14, 9326, 4742).unwrap()));
    }

    #[test]
    fn buffered_covering_reaches_neighbours() {
        let b = TileCoord::new(14, 9327, 4742).unwrap().bounds_lonlat();
        // A point just inside the tile's west edge lies in the buffer of the west neighbour.
        let w = b.width() * 10.0 / 4096.0;
        let p = coord! { x: b.min().x + w, y: b.center().y };
        let r = tiles_covering(Rect::new(p, p), 14);
        assert_eq!(r.count(), 1);
        let r = tiles_covering_buffered(Rect::new(p, p), 14, 64, 4096);
        assert_eq!((r.x_range(), r.y_range()), (9326..=9327, 4742..=4742));
    }

    #[test]
    fn project_geometry_maps_every_coordinate() {
        let g: Geometry<f64> = geo::LineString::from(vec![(0.0, 0.0), (180.0, 0.0)]).into();
        let Geometry::LineString(l) = project_geometry(&g) else {
            panic!("projection changed the geometry type");
        };
        assert!((l.0[1].x - HALF_WORLD).abs() < 1e-6);
    }
}
