//! A bounds check of GeoPackage binary geometries before they are decoded.
//!
//! geozero's WKB reader reserves memory for as many positions as a count in the
//! blob says before reading them: a 20-byte blob claiming 2.5 billion positions
//! makes it ask for 40 GB and aborts the process (found by the `gpkg_geometry` fuzz
//! target). Walking the counts first, and refusing any that the remaining bytes
//! cannot hold, keeps a hostile GeoPackage from taking the server down.

/// Deepest nesting of collections accepted (a deeper blob is refused, not recursed).
const MAX_DEPTH: usize = 32;

/// Checks that a GeoPackage geometry blob (header, optional envelope, WKB) is well
/// formed as far as its sizes go: every count fits in the bytes that follow. The
/// blob is walked as geozero's reader (0.15) walks it, which is not always as the
/// specification says: the top geometry's counts are read in the byte order of the
/// GeoPackage header (the WKB's own byte order only for its type); the members of a
/// MultiPoint, MultiLineString or MultiPolygon are read as points, lines and
/// polygons whatever type their headers name; dimensions come from the type's
/// thousands (1: Z, 2: M, 3: ZM). A check that read them otherwise passed a 223-byte
/// MultiPolygon whose second member claimed to be a Point, and geozero read that
/// member as a polygon with a ring of 4.29 billion positions (found by the
/// `gpkg_geometry` fuzz target). Anything geozero would read differently is refused.
pub fn check_gpkg(blob: &[u8]) -> Result<(), String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("not a GeoPackage geometry (no GP header)".into());
    }
    let envelope = match (blob[3] >> 1) & 7 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        e => {
            return Err(format!(
                "unknown envelope kind {e} in the GeoPackage header"
            ));
        }
    };
    let header_little = blob[3] & 1 != 0;
    let wkb = blob
        .get(8 + envelope..)
        .ok_or("the GeoPackage header is longer than the blob")?;
    let mut r = Reader { b: wkb, at: 0 };
    let top = r.header()?;
    r.body(
        0,
        Header {
            little: header_little,
            ..top
        },
    )?;
    Ok(())
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

/// A WKB geometry header as geozero reads it.
#[derive(Debug, Clone, Copy)]
struct Header {
    /// Byte order of what follows.
    little: bool,
    /// The type (1–7) without dimensions.
    kind: u32,
    /// Bytes of one position.
    position: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or_else(|| format!("WKB ends early at byte {}", self.at))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u32(&mut self, little: bool) -> Result<u32, String> {
        let s: [u8; 4] = self.take(4)?.try_into().map_err(|_| "short read")?;
        Ok(if little {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    }

    /// A count of items of at least `each` bytes that must fit in what is left.
    fn count(&mut self, little: bool, each: usize) -> Result<usize, String> {
        let n = self.u32(little)? as usize;
        let left = self.b.len() - self.at;
        if n.checked_mul(each).is_none_or(|need| need > left) {
            return Err(format!(
                "WKB count {n} at byte {} does not fit in the {left} bytes left",
                self.at - 4
            ));
        }
        Ok(n)
    }

    /// Byte order and type (ISO WKB: Z, M, ZM in the thousands; no EWKB flags).
    fn header(&mut self) -> Result<Header, String> {
        let little = match self.take(1)?[0] {
            0 => false,
            1 => true,
            b => return Err(format!("bad WKB byte order {b}")),
        };
        let raw = self.u32(little)?;
        let dims = match raw / 1000 {
            0 => 2,
            1 | 2 => 3,
            3 => 4,
            _ => return Err(format!("unknown WKB geometry type {raw}")),
        };
        Ok(Header {
            little,
            kind: raw % 1000,
            position: 8 * dims,
        })
    }

    fn line(&mut self, h: Header) -> Result<(), String> {
        let n = self.count(h.little, h.position)?;
        self.take(n * h.position)?;
        Ok(())
    }

    fn body(&mut self, depth: usize, h: Header) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("WKB nested deeper than {MAX_DEPTH} collections"));
        }
        match h.kind {
            1 => {
                self.take(h.position)?;
            }
            2 => self.line(h)?,
            3 => {
                let rings = self.count(h.little, 4)?;
                for _ in 0..rings {
                    self.line(h)?;
                }
            }
            4..=7 => {
                // Each member is at least a byte order and a type.
                let n = self.count(h.little, 5)?;
                for _ in 0..n {
                    let member = self.header()?;
                    // geozero reads a multi's members as its kind of member.
                    let kind = match h.kind {
                        7 => member.kind,
                        k => k - 3,
                    };
                    self.body(depth + 1, Header { kind, ..member })?;
                }
            }
            t => return Err(format!("unsupported WKB geometry type {t}")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_the_store_writes_and_refuses_impossible_counts() {
        let g: geo::Geometry =
            geo::Geometry::MultiPolygon(geo::MultiPolygon(vec![geo::Polygon::new(
                geo::LineString::from(vec![(0., 0.), (1., 0.), (1., 1.), (0., 0.)]),
                vec![],
            )]));
        // As the store writes them (`store::gpkg::gpkg_blob`).
        use geozero::{CoordDimensions, ToWkb};
        let blob = g
            .to_gpkg_wkb(CoordDimensions::xy(), Some(4326), vec![0., 1., 0., 1.])
            .expect("blob");
        assert_eq!(check_gpkg(&blob), Ok(()));
        // A polygon whose ring claims 0x7FFFFFFF positions in a few bytes.
        let mut bad = b"GP\x00\x01\xe6\x10\x00\x00".to_vec();
        bad.extend_from_slice(&[1, 3, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0]);
        let e = check_gpkg(&bad).expect_err("impossible count");
        assert!(e.contains("does not fit"), "{e}");
        assert!(check_gpkg(b"GP\x00\x0f\x00\x00\x00\x00").is_err());
        assert!(check_gpkg(&blob[..blob.len() - 1]).is_err());
        // Collections nested past the limit.
        let mut deep = b"GP\x00\x01\xe6\x10\x00\x00".to_vec();
        for _ in 0..40 {
            deep.extend_from_slice(&[1, 7, 0, 0, 0, 1, 0, 0, 0]);
        }
        assert!(check_gpkg(&deep).expect_err("too deep").contains("nested"));
    }

    /// The fuzz find (fuzz/corpus/gpkg_geometry/multipolygon_member_says_point.gpkg):
    /// geozero reads every member of a MultiPolygon as a polygon, so a member
    /// claiming to be a Point is checked as the polygon geozero will read.
    #[test]
    fn checks_members_as_geozero_reads_them() {
        let crash: &[u8] = include_bytes!(
            "../../../../fuzz/corpus/gpkg_geometry/multipolygon_member_says_point.gpkg"
        );
        let e = check_gpkg(crash).expect_err("a count geozero would reserve");
        assert!(e.contains("does not fit"), "{e}");
        // Built by hand: a MultiPolygon whose one member says Point and holds the
        // bytes of a point, which read as a polygon claim 2^32 - 1 rings.
        let mut bad = b"GP\x00\x01\xe6\x10\x00\x00".to_vec();
        bad.extend_from_slice(&[1, 6, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0]);
        bad.extend_from_slice(&[0xff; 16]);
        assert!(check_gpkg(&bad).is_err());
        // The same blob with a real polygon member is fine, and geozero agrees.
        let mut good = b"GP\x00\x01\xe6\x10\x00\x00".to_vec();
        good.extend_from_slice(&[
            1, 6, 0, 0, 0, 1, 0, 0, 0, 1, 3, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0,
        ]);
        for (x, y) in [(0., 0.), (1., 0.), (1., 1.), (0., 0.)] {
            good.extend_from_slice(&f64::to_le_bytes(x));
            good.extend_from_slice(&f64::to_le_bytes(y));
        }
        assert_eq!(check_gpkg(&good), Ok(()));
        use geozero::ToGeo;
        assert!(geozero::wkb::GpkgWkb(good.clone()).to_geo().is_ok());
        // Counts follow the GeoPackage header's byte order, as geozero reads them:
        // a big-endian header over a little-endian WKB polygon count of 1 reads as
        // 2^24 polygons.
        let mut swapped = good.clone();
        swapped[3] = 0;
        assert!(check_gpkg(&swapped).is_err());
    }
}
