//! Batch input for `POST /lookup`: points as a JSON array (`[[lon, lat], …]` or
//! `[{"lon": …, "lat": …}, …]`), a GeoJSON FeatureCollection of Points, or CSV with
//! a header naming `lon`/`lng`/`longitude`/`x` and `lat`/`latitude`/`y` columns.
//! Parsed in one pass without building a JSON tree; a bad point is refused naming
//! its index (`points[i]`, or `features[i]` for GeoJSON).

use std::cell::Cell;
use std::fmt;

use geo::Coord;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::{Error, FieldError};

/// Most points in one batch.
pub const MAX_POINTS: usize = 1_000_000;

/// The body format of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON array of points, or a GeoJSON FeatureCollection (told apart by content).
    Json,
    /// CSV with a header.
    Csv,
}

impl Format {
    /// From a Content-Type: JSON, GeoJSON (`application/geo+json`) or CSV (`text/csv`).
    pub fn from_content_type(ct: &str) -> Option<Self> {
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match mime.as_str() {
            "application/json" | "application/geo+json" | "" => Some(Self::Json),
            "text/csv" | "application/csv" => Some(Self::Csv),
            _ => None,
        }
    }
}

/// Parses a batch body into WGS 84 or datum coordinates (degrees), checking ranges.
pub fn parse(body: &[u8], format: Format) -> Result<Vec<Coord>, Error> {
    let points = match format {
        Format::Json => parse_json(body)?,
        Format::Csv => parse_csv(body)?,
    };
    for (i, p) in points.iter().enumerate() {
        if !(p.x.is_finite()
            && p.y.is_finite()
            && (-180.0..=180.0).contains(&p.x)
            && (-90.0..=90.0).contains(&p.y))
        {
            return Err(Error::Invalid(vec![FieldError::at(
                format!("points[{i}]"),
                "longitude must be within [-180, 180] and latitude within [-90, 90] (degrees)",
                [p.x, p.y],
            )]));
        }
    }
    Ok(points)
}

fn too_many() -> Error {
    Error::TooLarge(format!("a batch holds at most {MAX_POINTS} points"))
}

fn parse_json(body: &[u8]) -> Result<Vec<Coord>, Error> {
    let failed: Cell<Option<(&'static str, usize)>> = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(body);
    let result = TopLevel { failed: &failed }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    result.map_err(|e| {
        if e.to_string().starts_with(TOO_MANY) {
            return too_many();
        }
        let field = match failed.get() {
            Some((what, i)) => format!("{what}[{i}]"),
            None => "body".to_owned(),
        };
        Error::invalid(field, e.to_string())
    })
}

const TOO_MANY: &str = "too many points";

struct TopLevel<'a> {
    failed: &'a Cell<Option<(&'static str, usize)>>,
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_> {
    type Value = Vec<Coord>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = Vec<Coord>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of points or a GeoJSON FeatureCollection")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        read_seq(seq, self.failed, "points", PointSeed)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = None;
        while let Some(k) = map.next_key::<FcKey>()? {
            match k {
                FcKey::Type => {
                    let t: std::borrow::Cow<'de, str> = map.next_value()?;
                    if t != "FeatureCollection" {
                        return Err(de::Error::custom(format!(
                            "type must be \"FeatureCollection\", got {t:?}"
                        )));
                    }
                }
                FcKey::Features => {
                    out = Some(map.next_value_seed(FeaturesSeed {
                        failed: self.failed,
                    })?)
                }
                FcKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        out.ok_or_else(|| de::Error::custom("a FeatureCollection needs \"features\""))
    }
}

fn read_seq<'de, A: SeqAccess<'de>, S: DeserializeSeed<'de, Value = Coord> + Copy>(
    mut seq: A,
    failed: &Cell<Option<(&'static str, usize)>>,
    what: &'static str,
    seed: S,
) -> Result<Vec<Coord>, A::Error> {
    let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1024).min(MAX_POINTS));
    loop {
        let i = out.len();
        failed.set(Some((what, i)));
        match seq.next_element_seed(seed)? {
            Some(c) if i < MAX_POINTS => out.push(c),
            Some(_) => return Err(de::Error::custom(TOO_MANY)),
            None => break,
        }
    }
    failed.set(None);
    Ok(out)
}

#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum FcKey {
    Type,
    Features,
    #[serde(other)]
    Other,
}

#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum FeatureKey {
    Geometry,
    #[serde(other)]
    Other,
}

#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum GeometryKey {
    Type,
    Coordinates,
    #[serde(other)]
    Other,
}

#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum PointKey {
    #[serde(alias = "lng", alias = "longitude", alias = "x")]
    Lon,
    #[serde(alias = "latitude", alias = "y")]
    Lat,
    #[serde(other)]
    Other,
}

struct FeaturesSeed<'a> {
    failed: &'a Cell<Option<(&'static str, usize)>>,
}

impl<'de> DeserializeSeed<'de> for FeaturesSeed<'_> {
    type Value = Vec<Coord>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FeaturesSeed<'_> {
    type Value = Vec<Coord>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of Point features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        read_seq(seq, self.failed, "features", FeatureSeed)
    }
}

#[derive(Clone, Copy)]
struct FeatureSeed;

impl<'de> DeserializeSeed<'de> for FeatureSeed {
    type Value = Coord;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FeatureSeed {
    type Value = Coord;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature with a Point geometry")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Coord, A::Error> {
        let mut c = None;
        while let Some(k) = map.next_key::<FeatureKey>()? {
            match k {
                FeatureKey::Geometry => c = Some(map.next_value_seed(GeometrySeed)?),
                FeatureKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        c.ok_or_else(|| de::Error::custom("a Feature needs a Point geometry"))
    }
}

struct GeometrySeed;

impl<'de> DeserializeSeed<'de> for GeometrySeed {
    type Value = Coord;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for GeometrySeed {
    type Value = Coord;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Point")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Coord, A::Error> {
        let mut c = None;
        while let Some(k) = map.next_key::<GeometryKey>()? {
            match k {
                GeometryKey::Type => {
                    let t: std::borrow::Cow<'de, str> = map.next_value()?;
                    if t != "Point" {
                        return Err(de::Error::custom(format!(
                            "geometry type must be \"Point\", got {t:?}"
                        )));
                    }
                }
                GeometryKey::Coordinates => c = Some(map.next_value_seed(PointSeed)?),
                GeometryKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        c.ok_or_else(|| de::Error::custom("a Point needs coordinates"))
    }
}

#[derive(Clone, Copy)]
struct PointSeed;

impl<'de> DeserializeSeed<'de> for PointSeed {
    type Value = Coord;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PointSeed {
    type Value = Coord;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a point: [lon, lat] or {\"lon\": …, \"lat\": …}")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coord, A::Error> {
        let x: f64 = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("a point is [lon, lat]"))?;
        let y: f64 = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("a point is [lon, lat]"))?;
        // An elevation may follow; anything after it is refused by serde_json's
        // length check only if we stop reading, so skip the rest.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Coord { x, y })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Coord, A::Error> {
        let (mut x, mut y) = (None, None);
        while let Some(k) = map.next_key::<PointKey>()? {
            match k {
                PointKey::Lon => x = Some(map.next_value::<f64>()?),
                PointKey::Lat => y = Some(map.next_value::<f64>()?),
                PointKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (x, y) {
            (Some(x), Some(y)) => Ok(Coord { x, y }),
            _ => Err(de::Error::custom(
                "a point object needs \"lon\" and \"lat\"",
            )),
        }
    }
}

fn parse_csv(body: &[u8]) -> Result<Vec<Coord>, Error> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers = rdr
        .byte_headers()
        .map_err(|e| Error::invalid("header", format!("cannot read the CSV header: {e}")))?
        .clone();
    let find = |names: &[&str]| {
        headers.iter().position(|h| {
            names.iter().any(|n| {
                std::str::from_utf8(h)
                    .is_ok_and(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(n))
            })
        })
    };
    let (Some(ix), Some(iy)) = (
        find(&["lon", "lng", "longitude", "x"]),
        find(&["lat", "latitude", "y"]),
    ) else {
        return Err(Error::invalid(
            "header",
            "the CSV header must name a lon (lng, longitude, x) and a lat (latitude, y) column",
        ));
    };
    let mut out = Vec::new();
    let mut rec = csv::ByteRecord::new();
    loop {
        let i = out.len();
        let field = || format!("points[{i}]");
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(Error::invalid(field(), format!("bad CSV row: {e}"))),
        }
        if i >= MAX_POINTS {
            return Err(too_many());
        }
        let num = |k: usize| -> Option<f64> { std::str::from_utf8(rec.get(k)?).ok()?.parse().ok() };
        match (num(ix), num(iy)) {
            (Some(x), Some(y)) => out.push(Coord { x, y }),
            _ => {
                let line = rec.position().map_or(0, csv::Position::line);
                return Err(Error::invalid(
                    field(),
                    format!("line {line}: lon and lat must be numbers"),
                ));
            }
        }
    }
    Ok(out)
}
