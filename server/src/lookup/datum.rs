//! Chinese consumer map datums. GCJ-02 (高德, 腾讯, 谷歌中国) shifts WGS 84 by a
//! published, deliberately obfuscated formula inside China's bounds; BD-09 (百度)
//! adds a further rotation and shift on top of GCJ-02. Input in either is converted
//! to WGS 84 before a lookup.
//!
//! The forward formula is the standard published one (Krasovsky ellipsoid,
//! a = 6 378 245 m, e² = 0.006 693 421 622 965 943 23, which rounds to the same f64). GCJ-02 → WGS 84 inverts it by
//! fixed-point iteration to 1e-9° (≈ 0.1 mm), not by the one-step approximation that
//! many libraries use (which is off by up to a few metres). Outside China's bounding
//! box (lon 72.004–137.8347, lat 0.8293–55.8271) GCJ-02 is WGS 84 unchanged; BD-09's
//! own offset applies everywhere, as Baidu's does.

use std::f64::consts::PI;

use geo::Coord;

/// The datum a client's coordinates are in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Datum {
    /// WGS 84 (= CGCS2000 at this scale). The default.
    #[default]
    Wgs84,
    /// GCJ-02, "Mars coordinates" (AMap, Tencent, Google China).
    Gcj02,
    /// BD-09 (Baidu).
    Bd09,
}

impl Datum {
    /// Parses a `crs` parameter: `wgs84` (also `epsg:4326`, `cgcs2000`, `epsg:4490`),
    /// `gcj02`, `bd09`; case-insensitive, `-`/`_` ignored.
    pub fn parse(s: &str) -> Option<Self> {
        let k: String = s
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        match k.as_str() {
            "" | "wgs84" | "epsg:4326" | "4326" | "cgcs2000" | "epsg:4490" | "4490" => {
                Some(Self::Wgs84)
            }
            "gcj02" | "gcj" | "mars" => Some(Self::Gcj02),
            "bd09" | "bd09ll" | "baidu" => Some(Self::Bd09),
            _ => None,
        }
    }

    /// Converts a coordinate in this datum to WGS 84 (degrees).
    pub fn to_wgs84(self, c: Coord) -> Coord {
        match self {
            Self::Wgs84 => c,
            Self::Gcj02 => gcj02_to_wgs84(c),
            Self::Bd09 => gcj02_to_wgs84(bd09_to_gcj02_exact(c)),
        }
    }
}

const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;
const X_PI: f64 = PI * 3000.0 / 180.0;

/// Whether GCJ-02's offset applies: inside the rough bounding box of China.
pub fn in_china(c: Coord) -> bool {
    (72.004..=137.8347).contains(&c.x) && (0.8293..=55.8271).contains(&c.y)
}

fn shift_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn shift_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS 84 → GCJ-02 (the published forward formula).
///
/// # Examples
/// ```
/// use gridd::lookup::datum::wgs84_to_gcj02;
/// // Tiananmen, the reference pair every implementation quotes (degrees)
/// let g = wgs84_to_gcj02(geo::coord! { x: 116.404, y: 39.915 });
/// assert!((g.x - 116.41024449916938).abs() < 1e-12 && (g.y - 39.91640428150164).abs() < 1e-12);
/// ```
pub fn wgs84_to_gcj02(c: Coord) -> Coord {
    if !in_china(c) {
        return c;
    }
    let (x, y) = (c.x - 105.0, c.y - 35.0);
    let rad_lat = c.y / 180.0 * PI;
    let magic = 1.0 - EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = (shift_lat(x, y) * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (shift_lon(x, y) * 180.0) / (A / sqrt_magic * rad_lat.cos() * PI);
    Coord {
        x: c.x + d_lon,
        y: c.y + d_lat,
    }
}

/// GCJ-02 → WGS 84 by fixed-point iteration of the forward formula, to 1e-9°.
pub fn gcj02_to_wgs84(g: Coord) -> Coord {
    if !in_china(g) {
        return g;
    }
    let mut w = g;
    for _ in 0..30 {
        let f = wgs84_to_gcj02(w);
        let (dx, dy) = (f.x - g.x, f.y - g.y);
        w = Coord {
            x: w.x - dx,
            y: w.y - dy,
        };
        if dx.abs() < 1e-10 && dy.abs() < 1e-10 {
            break;
        }
    }
    w
}

/// BD-09 → GCJ-02 (Baidu's published formula).
pub fn bd09_to_gcj02(b: Coord) -> Coord {
    let (x, y) = (b.x - 0.0065, b.y - 0.006);
    let z = (x * x + y * y).sqrt() - 0.000_02 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000_003 * (x * X_PI).cos();
    Coord {
        x: z * theta.cos(),
        y: z * theta.sin(),
    }
}

/// BD-09 → GCJ-02, refined: the published inverse is off by up to ~1e-6° (0.1 m);
/// a few fixed-point steps on [`gcj02_to_bd09`] make it exact to 1e-10°.
pub fn bd09_to_gcj02_exact(b: Coord) -> Coord {
    let mut g = bd09_to_gcj02(b);
    for _ in 0..10 {
        let f = gcj02_to_bd09(g);
        let (dx, dy) = (f.x - b.x, f.y - b.y);
        g = Coord {
            x: g.x - dx,
            y: g.y - dy,
        };
        if dx.abs() < 1e-11 && dy.abs() < 1e-11 {
            break;
        }
    }
    g
}

/// GCJ-02 → BD-09 (Baidu's published formula).
pub fn gcj02_to_bd09(g: Coord) -> Coord {
    let z = (g.x * g.x + g.y * g.y).sqrt() + 0.000_02 * (g.y * X_PI).sin();
    let theta = g.y.atan2(g.x) + 0.000_003 * (g.x * X_PI).cos();
    Coord {
        x: z * theta.cos() + 0.0065,
        y: z * theta.sin() + 0.006,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord {
        Coord { x, y }
    }

    fn near(a: Coord, b: Coord, tol: f64) -> bool {
        (a.x - b.x).abs() <= tol && (a.y - b.y).abs() <= tol
    }

    // Reference pairs: the outputs published with the widely used coordtransform
    // implementations for the input (116.404, 39.915).
    #[test]
    fn forward_reference_pairs() {
        assert!(near(
            wgs84_to_gcj02(c(116.404, 39.915)),
            c(116.410_244_499_169_38, 39.916_404_281_501_64),
            1e-12
        ));
        assert!(near(
            gcj02_to_bd09(c(116.404, 39.915)),
            c(116.410_369_493_710_29, 39.921_336_993_510_21),
            1e-12
        ));
        assert!(near(
            bd09_to_gcj02(c(116.404, 39.915)),
            c(116.397_627_291_193_15, 39.908_656_739_576_31),
            1e-12
        ));
        let bd = gcj02_to_bd09(wgs84_to_gcj02(c(116.404, 39.915)));
        assert!(near(
            bd,
            c(116.416_627_243_787_33, 39.922_699_552_216_216),
            1e-12
        ));
    }

    #[test]
    fn inverse_is_exact_to_a_tenth_of_a_millimetre() {
        // The one-step approximation published alongside gives (116.39775550083061,
        // 39.91359571849836); the iteration lands within a few metres of it and
        // round-trips exactly.
        let w = gcj02_to_wgs84(c(116.404, 39.915));
        assert!(near(
            w,
            c(116.397_755_500_830_61, 39.913_595_718_498_36),
            1e-4
        ));
        assert!(near(wgs84_to_gcj02(w), c(116.404, 39.915), 1e-9));
        for &(x, y) in &[
            (120.585, 31.299),
            (121.4998, 31.2397),
            (113.26, 23.13),
            (87.6, 43.8),
            (126.6, 45.75),
        ] {
            let p = c(x, y);
            assert!(near(gcj02_to_wgs84(wgs84_to_gcj02(p)), p, 1e-9), "{x},{y}");
            assert!(
                near(
                    Datum::Bd09.to_wgs84(gcj02_to_bd09(wgs84_to_gcj02(p))),
                    p,
                    1e-9
                ),
                "{x},{y}"
            );
        }
    }

    #[test]
    fn outside_china_gcj02_is_wgs84() {
        let helsinki = c(24.94, 60.17);
        assert_eq!(wgs84_to_gcj02(helsinki), helsinki);
        assert_eq!(Datum::Gcj02.to_wgs84(helsinki), helsinki);
        assert!(!in_china(c(139.74, 35.66))); // Tokyo
        assert!(in_china(c(121.47, 31.23))); // Shanghai
    }

    #[test]
    fn parses_names() {
        assert_eq!(Datum::parse("GCJ-02"), Some(Datum::Gcj02));
        assert_eq!(Datum::parse("bd09"), Some(Datum::Bd09));
        assert_eq!(Datum::parse("EPSG:4326"), Some(Datum::Wgs84));
        assert_eq!(Datum::parse("web-mercator"), None);
    }
}
