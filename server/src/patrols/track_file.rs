//! Track files in and out: GPX 1.0/1.1 and GeoJSON.
//!
//! **GPX**: every `trkpt` (inside `trk`/`trkseg`) with its `lat` and `lon`
//! attributes, its `<time>` (ISO 8601; a time without a zone is UTC, as GPX says)
//! and optional `<ele>`; waypoints and routes are ignored. The XML is read by a
//! small reader here (no XML crate is a dependency): elements, attributes, text,
//! CDATA, comments, processing instructions and the five named and numeric
//! entities. A `<!DOCTYPE>` is refused (no entity definitions are expanded).
//!
//! **GeoJSON**: a Feature or a FeatureCollection of features with
//! - a LineString and a `coordTimes` (or `times`) property: one time per
//!   position; a MultiLineString with one array of times per line (as togeojson
//!   writes) or one flat array for all its positions;
//! - a Point and a `time` property.
//!
//! A time is an ISO 8601 string or a number of milliseconds since the epoch.
//!
//! Errors name the place: `line 12` and the point (`trkpt[3]`) in GPX, the JSON
//! path (`features[2].properties.coordTimes[5]`) in GeoJSON. Points are kept in
//! the file's order (a time running backwards is flagged later, like any fix).

use chrono::{DateTime, NaiveDateTime, SecondsFormat};
use serde_json::{Map, Value, json};

use super::fix::{FixInput, MAX_ERRORS};
use super::{AccountId, Millis};
use crate::error::FieldError;
use crate::lookup::datum::Datum;

/// One point of a track file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackPoint {
    /// ms since the epoch.
    pub time_ms: Millis,
    /// Longitude, degrees.
    pub lon: f64,
    /// Latitude, degrees.
    pub lat: f64,
    /// Elevation, metres, when given.
    pub ele: Option<f64>,
}

/// A track file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GPX (XML).
    Gpx,
    /// GeoJSON.
    GeoJson,
}

impl Format {
    /// Guessed from the first character that is not white space (or a BOM):
    /// `<` GPX, `{` GeoJSON.
    pub fn sniff(text: &str) -> Option<Self> {
        match text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .next()
        {
            Some('<') => Some(Self::Gpx),
            Some('{') => Some(Self::GeoJson),
            _ => None,
        }
    }
}

/// A track file's points, in either format (see [`Format::sniff`]).
pub fn parse(text: &str) -> Result<Vec<TrackPoint>, Vec<FieldError>> {
    match Format::sniff(text) {
        Some(Format::Gpx) => parse_gpx(text),
        Some(Format::GeoJson) => parse_geojson(text),
        None => Err(vec![FieldError::new(
            "file",
            "neither GPX (XML) nor GeoJSON: a track file begins with < or {",
        )]),
    }
}

/// The points as fixes of `worker` in `datum` (GPX and GeoJSON are WGS 84 by
/// their specifications; Chinese apps' exports may be GCJ-02).
pub fn to_fixes(points: &[TrackPoint], worker: AccountId, datum: Datum) -> Vec<FixInput> {
    points
        .iter()
        .map(|p| FixInput {
            worker,
            time_ms: p.time_ms,
            lon: p.lon,
            lat: p.lat,
            datum,
            accuracy_m: None,
            speed_mps: None,
        })
        .collect()
}

/// An ISO 8601 time (`2026-12-01T08:00:00Z`, with a fraction or an offset; without
/// a zone it is UTC) as ms since the epoch.
pub fn parse_time(s: &str) -> Option<Millis> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc().timestamp_millis())
}

/// ms since the epoch as `2026-12-01T08:00:00.000Z`.
pub fn format_time(ms: Millis) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

// ---------------------------------------------------------------- XML reader

/// One thing read from XML.
#[derive(Debug, PartialEq)]
enum Event<'a> {
    /// `<name a="v">` (or `<name/>`, followed by its `End`).
    Start {
        name: &'a str,
        attrs: Vec<(&'a str, String)>,
    },
    End,
    Text(String),
}

/// A minimal XML reader: well-formedness of tags (names matched), attributes,
/// entities. Enough for GPX; not a validating parser.
struct Xml<'a> {
    src: &'a str,
    pos: usize,
    stack: Vec<&'a str>,
    /// An `End` owed after a self-closing tag.
    pending_end: bool,
    seen_root: bool,
    /// The last offset [`Xml::line_at`] counted to and its line.
    lines: (usize, usize),
}

/// A syntax error: where and what.
struct XmlError {
    at: usize,
    reason: String,
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')
}

impl<'a> Xml<'a> {
    fn new(src: &'a str) -> Self {
        let start = if src.starts_with('\u{feff}') { 3 } else { 0 };
        Self {
            src,
            pos: start,
            stack: Vec::new(),
            pending_end: false,
            seen_root: false,
            lines: (0, 1),
        }
    }

    /// The 1-based line of a byte offset at or after the previous one asked
    /// (counted on from there: linear over a file).
    fn line_at(&mut self, at: usize) -> usize {
        let at = at.min(self.src.len());
        if at < self.lines.0 {
            self.lines = (0, 1);
        }
        let (from, line) = self.lines;
        let line = line
            + self.src.as_bytes()[from..at]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
        self.lines = (at, line);
        line
    }

    /// 1-based line and column of a byte offset.
    fn line_col(&self, at: usize) -> (usize, usize) {
        let before = &self.src[..at.min(self.src.len())];
        let line = before.matches('\n').count() + 1;
        let col = before
            .rfind('\n')
            .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
            + 1;
        (line, col)
    }

    fn err<T>(&self, at: usize, reason: impl Into<String>) -> Result<T, XmlError> {
        Err(XmlError {
            at,
            reason: reason.into(),
        })
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn skip_past(&mut self, end: &str, what: &str) -> Result<&'a str, XmlError> {
        let start = self.pos;
        match self.rest().find(end) {
            Some(i) => {
                let body = &self.src[start..start + i];
                self.pos = start + i + end.len();
                Ok(body)
            }
            None => self.err(start, format!("{what} is not closed with {end}")),
        }
    }

    fn name(&mut self) -> Result<&'a str, XmlError> {
        let start = self.pos;
        let n = self
            .rest()
            .char_indices()
            .find(|&(_, c)| !is_name_char(c))
            .map_or(self.rest().len(), |(i, _)| i);
        if n == 0 {
            return self.err(start, "a tag name was expected");
        }
        self.pos += n;
        Ok(&self.src[start..start + n])
    }

    fn skip_space(&mut self) {
        let n = self.rest().len() - self.rest().trim_start().len();
        self.pos += n;
    }

    /// Decodes the entities of text or an attribute value starting at `at`.
    fn decode(&self, raw: &str, at: usize) -> Result<String, XmlError> {
        if !raw.contains('&') {
            return Ok(raw.to_owned());
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let Some(semi) = after.find(';') else {
                return self.err(at, "an & not starting an entity (write &amp;)");
            };
            let ent = &after[..semi];
            let c = match ent {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => ent
                    .strip_prefix("#x")
                    .or_else(|| ent.strip_prefix("#X"))
                    .map(|h| u32::from_str_radix(h, 16))
                    .or_else(|| ent.strip_prefix('#').map(str::parse::<u32>))
                    .and_then(Result::ok)
                    .and_then(char::from_u32),
            };
            match c {
                Some(c) => out.push(c),
                None => return self.err(at, format!("unknown entity &{ent};")),
            }
            rest = &after[semi + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The next event, or `None` at a well-formed end.
    fn next(&mut self) -> Result<Option<Event<'a>>, XmlError> {
        if self.pending_end {
            self.pending_end = false;
            self.stack.pop();
            return Ok(Some(Event::End));
        }
        loop {
            if self.pos >= self.src.len() {
                if let Some(open) = self.stack.last() {
                    return self.err(self.pos, format!("<{open}> is not closed"));
                }
                if !self.seen_root {
                    return self.err(self.pos, "no element");
                }
                return Ok(None);
            }
            let start = self.pos;
            let rest = self.rest();
            if !rest.starts_with('<') {
                let n = rest.find('<').unwrap_or(rest.len());
                let raw = &rest[..n];
                self.pos += n;
                if self.stack.is_empty() {
                    if raw.trim().is_empty() {
                        continue;
                    }
                    return self.err(start, "text outside the root element");
                }
                return Ok(Some(Event::Text(self.decode(raw, start)?)));
            }
            if rest.starts_with("<?") {
                self.skip_past("?>", "a processing instruction")?;
            } else if rest.starts_with("<!--") {
                self.skip_past("-->", "a comment")?;
            } else if rest.starts_with("<![CDATA[") {
                self.pos += 9;
                let body = self.skip_past("]]>", "a CDATA section")?;
                if self.stack.is_empty() {
                    return self.err(start, "CDATA outside the root element");
                }
                return Ok(Some(Event::Text(body.to_owned())));
            } else if rest.starts_with("<!") {
                return self.err(start, "<!DOCTYPE> and declarations are not accepted");
            } else if rest.starts_with("</") {
                self.pos += 2;
                let name = self.name()?;
                self.skip_space();
                if !self.rest().starts_with('>') {
                    return self.err(self.pos, format!("</{name} is not closed with >"));
                }
                self.pos += 1;
                match self.stack.pop() {
                    Some(open) if open == name => return Ok(Some(Event::End)),
                    Some(open) => {
                        return self.err(start, format!("</{name}> closes <{open}>"));
                    }
                    None => return self.err(start, format!("</{name}> closes nothing")),
                }
            } else {
                self.pos += 1;
                if self.stack.is_empty() && self.seen_root {
                    return self.err(start, "a second root element");
                }
                let name = self.name()?;
                let mut attrs = Vec::new();
                loop {
                    let before = self.pos;
                    self.skip_space();
                    let r = self.rest();
                    if r.starts_with("/>") {
                        self.pos += 2;
                        self.pending_end = true;
                        break;
                    }
                    if r.starts_with('>') {
                        self.pos += 1;
                        break;
                    }
                    if r.is_empty() {
                        return self.err(start, format!("<{name} is not closed with >"));
                    }
                    if self.pos == before {
                        return self.err(self.pos, "white space before an attribute expected");
                    }
                    let key = self.name()?;
                    self.skip_space();
                    if !self.rest().starts_with('=') {
                        return self.err(self.pos, format!("attribute {key} has no ="));
                    }
                    self.pos += 1;
                    self.skip_space();
                    let Some(q) = self
                        .rest()
                        .chars()
                        .next()
                        .filter(|c| matches!(c, '"' | '\''))
                    else {
                        return self
                            .err(self.pos, format!("attribute {key}'s value is not quoted"));
                    };
                    self.pos += 1;
                    let vstart = self.pos;
                    let Some(n) = self.rest().find(q) else {
                        return self.err(vstart, format!("attribute {key}'s value is not closed"));
                    };
                    let raw = &self.src[vstart..vstart + n];
                    if raw.contains('<') {
                        return self.err(vstart, "< inside an attribute value");
                    }
                    self.pos = vstart + n + 1;
                    attrs.push((key, self.decode(raw, vstart)?));
                }
                self.seen_root = true;
                self.stack.push(name);
                return Ok(Some(Event::Start { name, attrs }));
            }
        }
    }
}

/// The local part of a possibly prefixed name (`gpx:trkpt` → `trkpt`).
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

// ---------------------------------------------------------------- GPX

/// A GPX file's track points.
pub fn parse_gpx(text: &str) -> Result<Vec<TrackPoint>, Vec<FieldError>> {
    let mut xml = Xml::new(text);
    let mut points = Vec::new();
    let mut errors: Vec<FieldError> = Vec::new();
    // Local names of the open elements.
    let mut path: Vec<&str> = Vec::new();
    // The open trkpt: index, line, lat, lon, time text, ele text.
    struct Open {
        index: usize,
        line: usize,
        lat: Option<String>,
        lon: Option<String>,
        time: Option<String>,
        ele: Option<String>,
    }
    let mut open: Option<Open> = None;
    let mut count = 0usize;
    let mut text_buf = String::new();
    let syntax = |xml: &Xml<'_>, e: XmlError| {
        let (l, c) = xml.line_col(e.at);
        vec![FieldError::new(
            "file",
            format!("not XML: line {l}, column {c}: {}", e.reason),
        )]
    };
    loop {
        let at = xml.pos;
        let ev = match xml.next() {
            Ok(Some(ev)) => ev,
            Ok(None) => break,
            Err(e) => return Err(syntax(&xml, e)),
        };
        match ev {
            Event::Start { name, attrs } => {
                let name = local(name);
                if path.is_empty() && name != "gpx" {
                    return Err(vec![FieldError::new(
                        "file",
                        format!("not a GPX file: the root element is <{name}>, not <gpx>"),
                    )]);
                }
                path.push(name);
                text_buf.clear();
                if name == "trkpt" && path.contains(&"trk") {
                    let get = |k: &str| {
                        attrs
                            .iter()
                            .find(|(a, _)| local(a) == k)
                            .map(|(_, v)| v.clone())
                    };
                    open = Some(Open {
                        index: count,
                        line: xml.line_at(at),
                        lat: get("lat"),
                        lon: get("lon"),
                        time: None,
                        ele: None,
                    });
                    count += 1;
                }
            }
            Event::Text(t) => text_buf.push_str(&t),
            Event::End => {
                let name = path.pop().unwrap_or_default();
                let parent = path.last().copied();
                if let Some(o) = open.as_mut()
                    && parent == Some("trkpt")
                {
                    match name {
                        "time" => o.time = Some(std::mem::take(&mut text_buf)),
                        "ele" => o.ele = Some(std::mem::take(&mut text_buf)),
                        _ => {}
                    }
                }
                text_buf.clear();
                if name == "trkpt"
                    && let Some(o) = open.take()
                {
                    match gpx_point(&o.lat, &o.lon, &o.time, &o.ele) {
                        Ok(p) => points.push(p),
                        Err(reason) => {
                            if errors.len() < MAX_ERRORS {
                                errors.push(FieldError::new(
                                    format!("trkpt[{}]", o.index),
                                    format!("line {}: {reason}", o.line),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if points.is_empty() {
        return Err(vec![FieldError::new(
            "file",
            "no track points: a GPX track has trk/trkseg/trkpt elements",
        )]);
    }
    Ok(points)
}

fn gpx_point(
    lat: &Option<String>,
    lon: &Option<String>,
    time: &Option<String>,
    ele: &Option<String>,
) -> Result<TrackPoint, String> {
    let num = |v: &Option<String>, what: &str| -> Result<f64, String> {
        let s = v.as_deref().ok_or_else(|| format!("no {what} attribute"))?;
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("{what}=\"{s}\" is not a number"))
    };
    let lat = num(lat, "lat")?;
    let lon = num(lon, "lon")?;
    let t = time
        .as_deref()
        .ok_or("no <time>: every track point needs one")?;
    let time_ms =
        parse_time(t).ok_or_else(|| format!("<time>{t}</time> is not an ISO 8601 time"))?;
    let ele = match ele.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(e) => Some(
            e.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("<ele>{e}</ele> is not a number"))?,
        ),
    };
    Ok(TrackPoint {
        time_ms,
        lon,
        lat,
        ele,
    })
}

/// Escapes text for XML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Points as a GPX 1.1 file of one track and one segment. Coordinates are written
/// in Rust's shortest round-trip form, times to the millisecond, so
/// [`parse_gpx`] reads back exactly these points.
pub fn to_gpx(points: &[TrackPoint], name: &str) -> String {
    let mut s = String::with_capacity(120 + points.len() * 110);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(
        "<gpx version=\"1.1\" creator=\"gridd\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n",
    );
    s.push_str(&format!("  <trk><name>{}</name><trkseg>\n", escape(name)));
    for p in points {
        s.push_str(&format!("    <trkpt lat=\"{}\" lon=\"{}\">", p.lat, p.lon));
        if let Some(e) = p.ele {
            s.push_str(&format!("<ele>{e}</ele>"));
        }
        s.push_str(&format!(
            "<time>{}</time></trkpt>\n",
            format_time(p.time_ms)
        ));
    }
    s.push_str("  </trkseg></trk>\n</gpx>\n");
    s
}

// ---------------------------------------------------------------- GeoJSON

/// A GeoJSON track's points (see the module's documentation).
pub fn parse_geojson(text: &str) -> Result<Vec<TrackPoint>, Vec<FieldError>> {
    let v: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        vec![FieldError::new(
            "file",
            format!("not JSON: line {}, column {}: {e}", e.line(), e.column()),
        )]
    })?;
    let mut points = Vec::new();
    let mut errors = Vec::new();
    match v.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            let Some(features) = v.get("features").and_then(Value::as_array) else {
                return Err(vec![FieldError::new("features", "an array of features")]);
            };
            for (i, f) in features.iter().enumerate() {
                feature(f, &format!("features[{i}]."), &mut points, &mut errors);
            }
        }
        Some("Feature") => feature(&v, "", &mut points, &mut errors),
        Some(t) => {
            return Err(vec![FieldError::new(
                "type",
                format!(
                    "{t}: a track is a Feature or a FeatureCollection (with times in properties)"
                ),
            )]);
        }
        None => return Err(vec![FieldError::new("type", "no GeoJSON type")]),
    }
    errors.truncate(MAX_ERRORS);
    if !errors.is_empty() {
        return Err(errors);
    }
    if points.is_empty() {
        return Err(vec![FieldError::new("features", "no track points")]);
    }
    Ok(points)
}

fn position(v: &Value, field: &str) -> Result<(f64, f64, Option<f64>), FieldError> {
    let bad = || FieldError::new(field, "a position [lon, lat] or [lon, lat, ele] of numbers");
    let a = v.as_array().ok_or_else(bad)?;
    if !(2..=4).contains(&a.len()) {
        return Err(bad());
    }
    let n = |i: usize| a.get(i).and_then(Value::as_f64);
    let (Some(lon), Some(lat)) = (n(0), n(1)) else {
        return Err(bad());
    };
    if a.len() >= 3 && n(2).is_none() {
        return Err(bad());
    }
    Ok((lon, lat, n(2)))
}

fn time_value(v: &Value, field: &str) -> Result<Millis, FieldError> {
    match v {
        Value::String(s) => parse_time(s)
            .ok_or_else(|| FieldError::new(field, format!("{s:?} is not an ISO 8601 time"))),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|x| x.is_finite())
                    .map(|x| x.round() as i64)
            })
            .ok_or_else(|| FieldError::new(field, "a time: ISO 8601 or ms since 1970")),
        _ => Err(FieldError::new(field, "a time: ISO 8601 or ms since 1970")),
    }
}

/// The times property of a line feature and its name.
fn times(props: Option<&Map<String, Value>>) -> Option<(&'static str, &Value)> {
    let p = props?;
    ["coordTimes", "times"]
        .into_iter()
        .find_map(|k| p.get(k).map(|v| (k, v)))
}

/// One position and its time as a point, or the error naming either.
fn push_point(
    out: (&mut Vec<TrackPoint>, &mut Vec<FieldError>),
    pos: &Value,
    pf: String,
    t: Option<&Value>,
    tf: String,
) {
    let (points, errors) = out;
    match (position(pos, &pf), t.map(|t| time_value(t, &tf))) {
        (Ok((lon, lat, ele)), Some(Ok(time_ms))) => points.push(TrackPoint {
            time_ms,
            lon,
            lat,
            ele,
        }),
        (Err(e), _) | (_, Some(Err(e))) => errors.push(e),
        (Ok(_), None) => errors.push(FieldError::new(tf, "no time for this position")),
    }
}

fn feature(f: &Value, at: &str, points: &mut Vec<TrackPoint>, errors: &mut Vec<FieldError>) {
    if errors.len() >= MAX_ERRORS {
        return;
    }
    let props = f.get("properties").and_then(Value::as_object);
    let Some(g) = f.get("geometry").filter(|g| !g.is_null()) else {
        errors.push(FieldError::new(format!("{at}geometry"), "no geometry"));
        return;
    };
    let coords = g.get("coordinates");
    let kind = g.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "Point" => {
            let t = props.and_then(|p| p.get("time"));
            push_point(
                (points, errors),
                coords.unwrap_or(&Value::Null),
                format!("{at}geometry.coordinates"),
                t,
                format!("{at}properties.time"),
            );
        }
        "LineString" => {
            let Some(line) = coords.and_then(Value::as_array) else {
                errors.push(FieldError::new(
                    format!("{at}geometry.coordinates"),
                    "an array of positions",
                ));
                return;
            };
            let Some((key, ts)) = times(props) else {
                errors.push(FieldError::new(
                    format!("{at}properties"),
                    "no coordTimes (or times): one time per position",
                ));
                return;
            };
            let Some(ts) = ts.as_array().filter(|t| t.len() == line.len()) else {
                errors.push(FieldError::new(
                    format!("{at}properties.{key}"),
                    format!("an array of {} times, one per position", line.len()),
                ));
                return;
            };
            for (j, (p, t)) in line.iter().zip(ts).enumerate() {
                push_point(
                    (&mut *points, &mut *errors),
                    p,
                    format!("{at}geometry.coordinates[{j}]"),
                    Some(t),
                    format!("{at}properties.{key}[{j}]"),
                );
            }
        }
        "MultiLineString" => {
            let Some(lines) = coords.and_then(Value::as_array) else {
                errors.push(FieldError::new(
                    format!("{at}geometry.coordinates"),
                    "an array of lines",
                ));
                return;
            };
            let Some((key, ts)) = times(props) else {
                errors.push(FieldError::new(
                    format!("{at}properties"),
                    "no coordTimes (or times): one time per position",
                ));
                return;
            };
            let total: usize = lines.iter().map(|l| l.as_array().map_or(0, Vec::len)).sum();
            let ts = ts.as_array().map(Vec::as_slice).unwrap_or_default();
            let nested = ts.first().is_some_and(Value::is_array);
            let mut flat = 0usize;
            for (k, l) in lines.iter().enumerate() {
                let Some(line) = l.as_array() else {
                    errors.push(FieldError::new(
                        format!("{at}geometry.coordinates[{k}]"),
                        "an array of positions",
                    ));
                    continue;
                };
                for (j, p) in line.iter().enumerate() {
                    let (t, tf) = if nested {
                        (
                            ts.get(k).and_then(|x| x.as_array()).and_then(|x| x.get(j)),
                            format!("{at}properties.{key}[{k}][{j}]"),
                        )
                    } else {
                        let t = (ts.len() == total).then(|| ts.get(flat)).flatten();
                        (t, format!("{at}properties.{key}[{flat}]"))
                    };
                    flat += 1;
                    push_point(
                        (&mut *points, &mut *errors),
                        p,
                        format!("{at}geometry.coordinates[{k}][{j}]"),
                        t,
                        tf,
                    );
                }
            }
        }
        other => errors.push(FieldError::new(
            format!("{at}geometry.type"),
            format!("{other:?}: a track is a LineString, a MultiLineString or Points"),
        )),
    }
}

/// Points as one GeoJSON Feature: a LineString with `coordTimes` (ISO 8601, to the
/// millisecond), elevations as third coordinates when every point has one. A
/// single point is written as a Point with `time`.
pub fn to_geojson(points: &[TrackPoint]) -> Value {
    let with_ele = !points.is_empty() && points.iter().all(|p| p.ele.is_some());
    let pos = |p: &TrackPoint| match (with_ele, p.ele) {
        (true, Some(e)) => json!([p.lon, p.lat, e]),
        _ => json!([p.lon, p.lat]),
    };
    if let [p] = points {
        return json!({
            "type": "Feature",
            "properties": {"time": format_time(p.time_ms)},
            "geometry": {"type": "Point", "coordinates": pos(p)},
        });
    }
    json!({
        "type": "Feature",
        "properties": {
            "coordTimes": points.iter().map(|p| format_time(p.time_ms)).collect::<Vec<_>>(),
        },
        "geometry": {
            "type": "LineString",
            "coordinates": points.iter().map(pos).collect::<Vec<_>>(),
        },
    })
}
