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
/// formed as far as its sizes go: every count fits in the bytes that follow.
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
    let wkb = blob
        .get(8 + envelope..)
        .ok_or("the GeoPackage header is longer than the blob")?;
    let mut r = Reader { b: wkb, at: 0 };
    r.geometry(0)?;
    Ok(())
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
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

    fn geometry(&mut self, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("WKB nested deeper than {MAX_DEPTH} collections"));
        }
        let little = match self.take(1)?[0] {
            0 => false,
            1 => true,
            b => return Err(format!("bad WKB byte order {b}")),
        };
        let raw = self.u32(little)?;
        // ISO (1000s for Z, M, ZM) and EWKB (high flag bits) dimensions.
        let (mut z, mut m) = (raw & 0x8000_0000 != 0, raw & 0x4000_0000 != 0);
        if raw & 0x2000_0000 != 0 {
            self.take(4)?;
        }
        let iso = raw & 0x0FFF_FFFF;
        match iso / 1000 {
            0 => {}
            1 => z = true,
            2 => m = true,
            3 => (z, m) = (true, true),
            _ => return Err(format!("unknown WKB geometry type {raw}")),
        }
        let position = 8 * (2 + usize::from(z) + usize::from(m));
        match iso % 1000 {
            1 => {
                self.take(position)?;
            }
            2 => {
                let n = self.count(little, position)?;
                self.take(n * position)?;
            }
            3 => {
                let rings = self.count(little, 4)?;
                for _ in 0..rings {
                    let n = self.count(little, position)?;
                    self.take(n * position)?;
                }
            }
            4..=7 => {
                // Each member is at least a byte order and a type.
                let n = self.count(little, 5)?;
                for _ in 0..n {
                    self.geometry(depth + 1)?;
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
}
