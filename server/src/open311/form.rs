//! Parsing what clients send: the `application/x-www-form-urlencoded` body of POST
//! requests, the query string of GET requests, and attribute values against a
//! service definition.

use chrono::{DateTime, TimeDelta, Utc};

use super::xml;
use super::{
    Datatype, MAX_DESCRIPTION_CHARS, MAX_SPAN_DAYS, Open311Error, PostRequest, RequestsQuery,
    ServiceDefinition, Status,
};

/// The most errors one answer lists; past that a last one says more were left out.
const MAX_ERRORS: usize = 100;

/// How a W3C datetime looks, for error messages.
const DATETIME_HINT: &str =
    "not a W3C datetime with a time zone, e.g. 2026-12-02T09:30:00+08:00 or 2026-12-02T01:30:00Z";

/// The problems found so far, each a 400 naming its field.
#[derive(Default)]
struct Problems(Vec<Open311Error>);

impl Problems {
    fn add(&mut self, field: &str, reason: impl std::fmt::Display) {
        self.push(Open311Error::bad_request(field, reason));
    }

    fn push(&mut self, e: Open311Error) {
        match self.0.len() {
            n if n < MAX_ERRORS => self.0.push(e),
            MAX_ERRORS => self.0.push(Open311Error::bad_request(
                "body",
                format!("more than {MAX_ERRORS} problems; the rest are not listed"),
            )),
            _ => {}
        }
    }

    fn into_result<T>(self, ok: T) -> Result<T, Vec<Open311Error>> {
        if self.0.is_empty() {
            Ok(ok)
        } else {
            Err(self.0)
        }
    }
}

/// A field name as shown in an error: at most 64 characters of what the client sent.
fn shown(name: &str) -> String {
    match name.char_indices().nth(64) {
        Some((at, _)) => format!("{}…", &name[..at]),
        None => name.to_owned(),
    }
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Decodes one component of `application/x-www-form-urlencoded`: `+` is a space,
/// `%XX` a byte; the bytes must be UTF-8.
fn decode(raw: &[u8]) -> Result<String, &'static str> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter().copied();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.next().and_then(hex);
                let lo = bytes.next().and_then(hex);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push((hi << 4) | lo),
                    _ => {
                        return Err(
                            "malformed percent-encoding (% must be followed by two hex digits)",
                        );
                    }
                }
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out).map_err(|_| "not valid UTF-8")
}

/// The decoded value of the first `name=` in a query string (`None` when it is
/// absent or does not decode).
pub fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (decode(k.as_bytes()).ok()? == name)
            .then(|| decode(v.as_bytes()).ok())
            .flatten()
    })
}

/// The decoded `name=value` pairs, in order. Empty pairs (`a=1&&b=2`) are skipped; a
/// pair without `=` has an empty value. A pair that does not decode is a problem.
fn pairs(raw: &[u8], problems: &mut Problems) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in raw.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match part.iter().position(|&b| b == b'=') {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (part, &[][..]),
        };
        let name = match decode(name) {
            Ok(n) => n,
            Err(why) => {
                problems.add("body", format!("a field name is {why}"));
                continue;
            }
        };
        match decode(value) {
            Ok(v) => out.push((name, v)),
            Err(why) => problems.add(&shown(&name), why),
        }
    }
    out
}

/// Stores a value given once; a second one is a problem.
fn set_once(slot: &mut Option<String>, name: &str, value: &str, problems: &mut Problems) {
    if slot.is_some() {
        problems.add(name, "given more than once");
    } else {
        *slot = Some(value.to_owned());
    }
}

/// The first character XML 1.0 does not allow, as a problem.
fn check_chars(name: &str, value: &str, problems: &mut Problems) -> bool {
    match value.chars().find(|&c| !xml::allowed(c)) {
        Some(c) => {
            problems.add(
                name,
                format!(
                    "contains U+{:04X}, a control character that is not allowed",
                    u32::from(c)
                ),
            );
            false
        }
        None => true,
    }
}

/// `CODE` of `attribute[CODE]` or `attribute[CODE][]`.
fn attribute_code(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("attribute[")?;
    let code = rest
        .strip_suffix("][]")
        .or_else(|| rest.strip_suffix(']'))?;
    (!code.is_empty() && !code.contains(['[', ']'])).then_some(code)
}

/// A latitude or longitude: a finite number within ±`limit` degrees.
fn coordinate(name: &str, s: &str, limit: f64, problems: &mut Problems) -> Option<f64> {
    match s.parse::<f64>() {
        Ok(x) if !x.is_finite() => problems.add(name, "not a finite number"),
        Ok(x) if !(-limit..=limit).contains(&x) => {
            problems.add(
                name,
                format!("must be between -{limit} and {limit} degrees"),
            );
        }
        Ok(x) => return Some(x),
        Err(_) => problems.add(name, format!("not a number: {}", shown(s))),
    }
    None
}

/// `s` without the ASCII case-insensitive prefix `p`.
fn strip_prefix_ignore_case<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    let head = s.get(..p.len())?;
    head.eq_ignore_ascii_case(p).then(|| &s[p.len()..])
}

/// True for an absolute http or https URL (a host follows the `//`) without
/// whitespace.
fn is_http_url(s: &str) -> bool {
    let Some(rest) =
        strip_prefix_ignore_case(s, "https://").or_else(|| strip_prefix_ignore_case(s, "http://"))
    else {
        return false;
    };
    !rest.is_empty() && !rest.starts_with('/') && !s.chars().any(char::is_whitespace)
}

/// Parses the body of POST `requests.{format}` (`application/x-www-form-urlencoded`,
/// UTF-8). The rules:
/// - `service_code` is required;
/// - a location is required: `lat` and `long` (both or neither; finite, within ±90
///   and ±180 degrees), or `address_string`, or `address_id`;
/// - `description` has at most [`MAX_DESCRIPTION_CHARS`] characters;
/// - `media_url` is an absolute http(s) URL;
/// - `attribute[CODE]=v` and `attribute[CODE][]=v` are collected per code
///   (check them with [`check_attributes`]);
/// - values are trimmed, and an empty value is the same as an absent field (the
///   specification's "optional"); a field given twice is refused; a value holding a
///   control character XML cannot carry is refused; unknown fields are ignored.
///
/// Every problem is one 400 `"<field>: <reason>"`, all of them at once (at most 100).
pub fn parse_post(body: &[u8]) -> Result<PostRequest, Vec<Open311Error>> {
    let mut problems = Problems::default();
    let mut r = PostRequest::default();
    let (mut service_code, mut lat, mut long) = (None, None, None);
    for (name, value) in pairs(body, &mut problems) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let slot = match name.as_str() {
            "jurisdiction_id" => &mut r.jurisdiction_id,
            "service_code" => &mut service_code,
            "lat" => &mut lat,
            "long" => &mut long,
            "address_string" => &mut r.address_string,
            "address_id" => &mut r.address_id,
            "email" => &mut r.email,
            "device_id" => &mut r.device_id,
            "account_id" => &mut r.account_id,
            "first_name" => &mut r.first_name,
            "last_name" => &mut r.last_name,
            "phone" => &mut r.phone,
            "description" => &mut r.description,
            "media_url" => &mut r.media_url,
            "api_key" => &mut r.api_key,
            n if n.starts_with("attribute[") => {
                let Some(code) = attribute_code(n) else {
                    problems.add(
                        &shown(n),
                        "not of the form attribute[CODE] or attribute[CODE][]",
                    );
                    continue;
                };
                if check_chars(&shown(n), value, &mut problems) {
                    match r.attributes.iter_mut().find(|(c, _)| c == code) {
                        Some((_, values)) => values.push(value.to_owned()),
                        None => r.attributes.push((code.to_owned(), vec![value.to_owned()])),
                    }
                }
                continue;
            }
            _ => continue,
        };
        if check_chars(&name, value, &mut problems) {
            set_once(slot, &name, value, &mut problems);
        }
    }

    match service_code {
        Some(c) => r.service_code = c,
        None => problems.add("service_code", "required"),
    }
    r.lat = lat
        .as_deref()
        .and_then(|s| coordinate("lat", s, 90.0, &mut problems));
    r.long = long
        .as_deref()
        .and_then(|s| coordinate("long", s, 180.0, &mut problems));
    match (&lat, &long) {
        (Some(_), None) => problems.add("long", "required with lat (send both or neither)"),
        (None, Some(_)) => problems.add("lat", "required with long (send both or neither)"),
        (None, None) if r.address_string.is_none() && r.address_id.is_none() => problems.add(
            "location",
            "required: lat and long, or address_string, or address_id",
        ),
        _ => {}
    }
    if let Some(d) = &r.description {
        let n = d.chars().count();
        if n > MAX_DESCRIPTION_CHARS {
            problems.add(
                "description",
                format!("{n} characters, more than the {MAX_DESCRIPTION_CHARS} allowed"),
            );
        }
    }
    if let Some(u) = &r.media_url
        && !is_http_url(u)
    {
        problems.add("media_url", "not an absolute http or https URL");
    }
    problems.into_result(r)
}

/// True for `hh:mm`.
fn is_hh_mm(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5 && b[2] == b':' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit())
}

/// Parses a W3C datetime (RFC 3339 profile of ISO 8601) that has its time zone:
/// `2026-12-02T09:30:00+08:00`, `2026-12-02T01:30:00Z`, with optional fractions of
/// a second, or minutes precision (`2026-12-02T09:30+08:00`). A date alone, or a
/// time without a zone, is refused (the specification requires the zone). A space
/// before a final `hh:mm` is read as `+`: the `+` of an offset sent unencoded in a
/// query string arrives as a space.
pub fn parse_w3c_datetime(s: &str) -> Option<DateTime<Utc>> {
    let mut t = s.trim().to_owned();
    let n = t.len();
    if n > 6 && t.as_bytes()[n - 6] == b' ' && is_hh_mm(&t[n - 5..]) {
        t.replace_range(n - 6..n - 5, "+");
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(&t) {
        return Some(d.with_timezone(&Utc));
    }
    // Minutes precision: put the seconds in before the zone.
    let zone_at = if t.ends_with(['Z', 'z']) {
        t.len().checked_sub(1)?
    } else {
        t.len().checked_sub(6)?
    };
    let (clock, zone) = (t.get(..zone_at)?, t.get(zone_at..)?);
    let time = clock.rsplit(['T', 't']).next()?;
    if time.len() != 5 || !is_hh_mm(time) {
        return None;
    }
    DateTime::parse_from_rfc3339(&format!("{clock}:00{zone}"))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Splits a comma-separated list into `into`, trimmed, without empty items or
/// repeats.
fn extend_list(into: &mut Vec<String>, value: &str) {
    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        if !into.iter().any(|x| x == item) {
            into.push(item.to_owned());
        }
    }
}

/// Parses the query string of GET `requests.{format}` (with or without the leading
/// `?`): `jurisdiction_id`, `service_request_id` (comma-separated; when given, it
/// overrides all other arguments, which are then neither parsed nor checked),
/// `service_code` and `status` (comma-separated, may repeat), `start_date` and
/// `end_date` (W3C datetimes with a zone, see [`parse_w3c_datetime`]; the end not
/// before the start, and at most [`MAX_SPAN_DAYS`] days between them, else a 400
/// naming start_date). Unknown arguments are ignored; empty ones count as absent.
pub fn parse_requests_query(query: &str) -> Result<RequestsQuery, Vec<Open311Error>> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut problems = Problems::default();
    // Problems with the filters, which service_request_id overrides.
    let mut filter_problems = Problems::default();
    let mut q = RequestsQuery::default();
    let (mut start, mut end) = (None, None);
    for (name, value) in pairs(query.as_bytes(), &mut problems) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        // Only the ids and the jurisdiction survive a service_request_id.
        let sink = match name.as_str() {
            "jurisdiction_id" | "service_request_id" => &mut problems,
            "service_code" | "status" | "start_date" | "end_date" => &mut filter_problems,
            _ => continue,
        };
        if !check_chars(&name, value, sink) {
            continue;
        }
        match name.as_str() {
            "jurisdiction_id" => set_once(&mut q.jurisdiction_id, &name, value, &mut problems),
            "service_request_id" => extend_list(&mut q.service_request_id, value),
            "service_code" => extend_list(&mut q.service_code, value),
            "status" => {
                for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    match Status::parse(item) {
                        Some(s) if !q.status.contains(&s) => q.status.push(s),
                        Some(_) => {}
                        None => filter_problems.add(
                            "status",
                            format!("{} is neither open nor closed", shown(item)),
                        ),
                    }
                }
            }
            "start_date" | "end_date" => {
                let slot = if name == "start_date" {
                    &mut start
                } else {
                    &mut end
                };
                match (slot.is_some(), parse_w3c_datetime(value)) {
                    (true, _) => filter_problems.add(&name, "given more than once"),
                    (false, Some(t)) => *slot = Some(t),
                    (false, None) => filter_problems.add(&name, DATETIME_HINT),
                }
            }
            _ => {}
        }
    }
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            filter_problems.add("end_date", "before start_date");
        } else if e - s > TimeDelta::days(MAX_SPAN_DAYS) {
            filter_problems.add(
                "start_date",
                format!(
                    "more than {MAX_SPAN_DAYS} days before end_date; \
                     ask for at most {MAX_SPAN_DAYS} days at a time"
                ),
            );
        }
    }
    if q.service_request_id.is_empty() {
        (q.start_date, q.end_date) = (start, end);
        for p in filter_problems.0 {
            problems.push(p);
        }
    } else {
        q.service_code.clear();
        q.status.clear();
    }
    problems.into_result(q)
}

/// Checks the attributes of a POST against the service's definition: every
/// attribute with `variable` and `required` has a value; every given code is a
/// variable attribute of the service; only a multivaluelist takes several values;
/// a string has no line breaks; a number parses as a finite number; a datetime is a
/// W3C datetime with its zone; list values are among the attribute's keys. Also
/// that the POST is for this service. Each problem is a 400 naming
/// `attribute[CODE]`.
pub fn check_attributes(p: &PostRequest, d: &ServiceDefinition) -> Result<(), Vec<Open311Error>> {
    let mut problems = Problems::default();
    if p.service_code != d.service_code {
        problems.add(
            "service_code",
            format!(
                "{} does not match the service definition's {}",
                shown(&p.service_code),
                d.service_code
            ),
        );
    }
    for (code, values) in &p.attributes {
        let field = format!("attribute[{}]", shown(code));
        let Some(a) = d.attributes.iter().find(|a| &a.code == code) else {
            problems.add(
                &field,
                format!("not an attribute of service {}", d.service_code),
            );
            continue;
        };
        if !a.variable {
            problems.add(
                &field,
                "only informs (variable is false) and takes no value",
            );
            continue;
        }
        let values: Vec<&str> = values
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        let Some(first) = values.first() else {
            continue;
        };
        if a.datatype != Datatype::Multivaluelist && values.len() > 1 {
            problems.add(
                &field,
                format!("{} values given, only one is allowed", values.len()),
            );
            continue;
        }
        match a.datatype {
            Datatype::Text => {}
            Datatype::String => {
                if first.contains(['\n', '\r']) {
                    problems.add(&field, "a string has no line breaks");
                }
            }
            Datatype::Number => {
                if !first.parse::<f64>().is_ok_and(f64::is_finite) {
                    problems.add(&field, format!("not a number: {}", shown(first)));
                }
            }
            Datatype::Datetime => {
                if parse_w3c_datetime(first).is_none() {
                    problems.add(&field, DATETIME_HINT);
                }
            }
            Datatype::Singlevaluelist | Datatype::Multivaluelist => {
                for v in &values {
                    if !a.values.iter().any(|(key, _)| key == v) {
                        let keys: Vec<&str> =
                            a.values.iter().take(20).map(|(k, _)| k.as_str()).collect();
                        let more = if a.values.len() > keys.len() {
                            ", …"
                        } else {
                            ""
                        };
                        problems.add(
                            &field,
                            format!(
                                "{} is not one of the keys ({}{more})",
                                shown(v),
                                keys.join(", ")
                            ),
                        );
                    }
                }
            }
        }
    }
    for a in d.attributes.iter().filter(|a| a.variable && a.required) {
        if p.attribute(&a.code).iter().all(|v| v.trim().is_empty()) {
            problems.add(&format!("attribute[{}]", a.code), "required");
        }
    }
    problems.into_result(())
}
