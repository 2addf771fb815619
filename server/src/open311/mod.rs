//! Open311 GeoReport v2 wire formats: the citizen / hotline intake of DESIGN.md.
//!
//! Plain synchronous Rust and no I/O: this module renders the documents of the
//! GeoReport v2 API (discovery, service list, service definition, service requests,
//! the POST and token answers, errors) as XML (the required format) and JSON, and
//! parses what clients send (the POST form and the query of GET requests). The HTTP
//! routes and the case engine sit above it.
//!
//! The rules, from the specification (wiki.open311.org/GeoReport_v2) and checked
//! against the official JSON Schemas (`open311/schema-validation`,
//! `schema/georeport-v2/`) by `scripts/open311-validate.py` in this module's tests:
//! - XML starts with `<?xml version="1.0" encoding="utf-8"?>`, has no namespace, and
//!   lists with a container element: `<services><service>…`,
//!   `<service_requests><request>…`, `<errors><error>…`. JSON is the "Spark" mapping
//!   of that XML: the container becomes an array.
//! - Datetimes are W3C (RFC 3339) with the offset, rendered in China Standard Time at
//!   seconds precision: `2026-12-02T09:30:00+08:00`.
//! - An optional field that is absent or empty is left out, in both formats: the
//!   XML of the specification maps an empty element to JSON `null`, which the
//!   official schemas refuse for several fields (swagger.json has no null anywhere).
//!   A non-finite `lat`/`long` is left out too (`f64::NAN` means "no coordinates").
//! - Text is UTF-8. In XML, `& < > " '` are escaped, a carriage return is written as
//!   `&#13;` (a parser would turn a raw one into a line feed), and the characters
//!   XML 1.0 forbids (U+0000–U+001F but tab, LF and CR; U+FFFE, U+FFFF) are dropped.
//!   [`parse_post`] refuses them at the door, so stored text never holds them.

mod form;
mod render;
mod xml;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

pub use form::{
    check_attributes, parse_post, parse_requests_query, parse_w3c_datetime, query_value,
};
pub use render::{
    created, discovery, errors, format_datetime, requests, service_definition, services, tokens,
};

/// The most requests a GET requests answer holds (the specification's default query
/// limit: 90 days or the first 1000 requests, whichever is smaller).
pub const MAX_RECORDS: usize = 1000;
/// The longest span between `start_date` and `end_date` of GET requests, in days.
pub const MAX_SPAN_DAYS: i64 = 90;
/// The longest `description` of a POST, in characters (Unicode scalar values).
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// The `specification` token of a GeoReport v2 endpoint in the discovery document.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// The output format, from the path's suffix (`services.xml`, `requests/12.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    /// `"xml"` or `"json"` (exactly, lower case); anything else is `None`.
    pub fn from_suffix(suffix: &str) -> Option<Format> {
        match suffix {
            "xml" => Some(Format::Xml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The MIME type as listed in the discovery document's `formats`:
    /// `"text/xml"` or `"application/json"`.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Xml => "text/xml",
            Format::Json => "application/json",
        }
    }
}

/// The Content-Type header of an answer in this format.
pub fn content_type(f: Format) -> &'static str {
    match f {
        Format::Xml => "text/xml; charset=utf-8",
        Format::Json => "application/json",
    }
}

/// The service discovery document (`discovery.xml` / `discovery.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct Discovery {
    /// When this document (or any service definition) last changed.
    pub changeset: DateTime<Utc>,
    /// How to get more information on this provider.
    pub contact: String,
    /// How to get an API key.
    pub key_service: String,
    pub endpoints: Vec<Endpoint>,
}

/// One API endpoint listed in the discovery document.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// The specification token, normally [`SPECIFICATION`].
    pub specification: String,
    /// The endpoint's absolute URL, e.g. `https://gridd.example.cn/open311/v2`.
    pub url: String,
    pub changeset: DateTime<Utc>,
    pub type_: EndpointType,
    /// Supported MIME types: `"text/xml"`, `"application/json"` ([`Format::mime_type`]).
    pub formats: Vec<&'static str>,
}

/// Whether an endpoint's data is live and acted upon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointType {
    Production,
    Test,
}

impl EndpointType {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointType::Production => "production",
            EndpointType::Test => "test",
        }
    }
}

/// One service (request type) of the service list. Its `type` is always `realtime`:
/// a POST answers the service_request_id at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub code: String,
    pub name: String,
    /// Left out when empty.
    pub description: String,
    /// True when the service has a service definition (attributes to fill in).
    pub metadata: bool,
    /// Rendered as one comma-separated string; left out when empty.
    pub keywords: Vec<String>,
    /// Left out when empty.
    pub group: String,
}

/// The attributes of one service (`services/{service_code}.{format}`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDefinition {
    pub service_code: String,
    /// Rendered in this order; sort them by `order` first.
    pub attributes: Vec<Attribute>,
}

/// One attribute of a service definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// True when user input is needed; false when the attribute only informs.
    pub variable: bool,
    pub code: String,
    pub datatype: Datatype,
    pub required: bool,
    /// Left out when empty.
    pub datatype_description: String,
    /// Sort order, 1 first.
    pub order: u32,
    /// Left out when empty.
    pub description: String,
    /// `(key, name)` of the options of a single/multi value list; left out when empty.
    pub values: Vec<(String, String)>,
}

/// The datatype of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datatype {
    /// One line of text.
    String,
    Number,
    /// A W3C datetime with its offset.
    Datetime,
    /// Text that may have line breaks.
    Text,
    Singlevaluelist,
    Multivaluelist,
}

impl Datatype {
    pub fn as_str(self) -> &'static str {
        match self {
            Datatype::String => "string",
            Datatype::Number => "number",
            Datatype::Datetime => "datetime",
            Datatype::Text => "text",
            Datatype::Singlevaluelist => "singlevaluelist",
            Datatype::Multivaluelist => "multivaluelist",
        }
    }
}

/// The status of a service request: only these two exist in GeoReport v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Open,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    /// `"open"` or `"closed"`, ASCII case-insensitive.
    pub fn parse(s: &str) -> Option<Status> {
        if s.eq_ignore_ascii_case("open") {
            Some(Status::Open)
        } else if s.eq_ignore_ascii_case("closed") {
            Some(Status::Closed)
        } else {
            None
        }
    }
}

/// One service request as GET requests answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub service_request_id: String,
    pub status: Status,
    pub status_notes: Option<String>,
    pub service_name: String,
    pub service_code: String,
    /// Cut to [`MAX_DESCRIPTION_CHARS`] when rendered (request.json's maxLength).
    pub description: Option<String>,
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    pub requested_datetime: DateTime<Utc>,
    /// For a closed request, when it was closed.
    pub updated_datetime: DateTime<Utc>,
    pub expected_datetime: Option<DateTime<Utc>>,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    /// WGS 84 degrees; left out when not finite (use `f64::NAN` for "no coordinates").
    pub lat: f64,
    pub long: f64,
    /// Must be an absolute URI (the schemas check `format: uri`).
    pub media_url: Option<String>,
}

/// One entry of the answer to a POST. The specification wants either
/// `service_request_id` (type realtime) or `token`, not both.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Created {
    pub service_request_id: Option<String>,
    pub token: Option<String>,
    pub service_notice: Option<String>,
    pub account_id: Option<String>,
}

/// One entry of the answer to GET tokens/{token}.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenAnswer {
    pub token: String,
    /// None while the request has no id yet.
    pub service_request_id: Option<String>,
}

/// One error of an error answer. `code` is normally the HTTP status: 400 for a bad
/// request (a missing or invalid field, named first in `description`), 403 for a
/// missing or invalid api_key, 404 for an unknown service_code, jurisdiction_id,
/// service_request_id or token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct Open311Error {
    pub code: u16,
    pub description: String,
}

impl Open311Error {
    /// 400, described as `"<field>: <reason>"`.
    pub fn bad_request(field: &str, reason: impl std::fmt::Display) -> Self {
        Self {
            code: 400,
            description: format!("{field}: {reason}"),
        }
    }

    /// 403: a missing or invalid api_key.
    pub fn forbidden(description: impl Into<String>) -> Self {
        Self {
            code: 403,
            description: description.into(),
        }
    }

    /// 404: an unknown service_code, jurisdiction_id, service_request_id or token,
    /// described as `"<field>: <reason>"`.
    pub fn not_found(field: &str, reason: impl std::fmt::Display) -> Self {
        Self {
            code: 404,
            description: format!("{field}: {reason}"),
        }
    }
}

/// The HTTP status of an error answer holding these errors: 403 if any is 403, else
/// 404 if any is 404, else 400.
pub fn http_status(e: &[Open311Error]) -> u16 {
    if e.iter().any(|e| e.code == 403) {
        403
    } else if e.iter().any(|e| e.code == 404) {
        404
    } else {
        400
    }
}

/// A POST requests form, parsed and checked by [`parse_post`]. Absent and empty
/// fields are `None`; values are trimmed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PostRequest {
    pub jurisdiction_id: Option<String>,
    pub service_code: String,
    /// Both or neither of lat and long.
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub address_string: Option<String>,
    pub address_id: Option<String>,
    pub email: Option<String>,
    pub device_id: Option<String>,
    pub account_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    /// An absolute http(s) URL.
    pub media_url: Option<String>,
    /// `attribute[CODE]=v` and `attribute[CODE][]=v`, in the order the codes first
    /// came; every value of a code (a multivaluelist repeats `attribute[CODE][]`).
    /// Empty values are dropped, and a code left without values with them.
    pub attributes: Vec<(String, Vec<String>)>,
    pub api_key: Option<String>,
}

impl PostRequest {
    /// The values given for an attribute code (empty when none).
    pub fn attribute(&self, code: &str) -> &[String] {
        self.attributes
            .iter()
            .find(|(c, _)| c == code)
            .map_or(&[], |(_, v)| v.as_slice())
    }
}

/// The query of GET requests, parsed by [`parse_requests_query`]. It applies
/// nothing: the caller filters, caps at [`MAX_RECORDS`] and uses [`Self::window`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RequestsQuery {
    pub jurisdiction_id: Option<String>,
    /// Comma-separated ids. When given, it overrides all other arguments (per the
    /// specification): service_code, start_date, end_date and status are then left
    /// empty, and are neither parsed nor checked.
    pub service_request_id: Vec<String>,
    /// Comma-separated, may be given several times; empty means all services.
    pub service_code: Vec<String>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    /// Comma-separated, may be given several times; empty means every status.
    pub status: Vec<Status>,
}

impl RequestsQuery {
    /// See the module constant [`MAX_RECORDS`].
    pub const MAX_RECORDS: usize = MAX_RECORDS;

    /// The `requested_datetime` window to search, both ends included, following the
    /// specification's defaults: without dates the most recent 90 days up to `now`;
    /// with `start_date` only, from it for at most 90 days and not past `now`; with
    /// `end_date` only, the 90 days up to it; with both, exactly those
    /// ([`parse_requests_query`] refused a span over 90 days or an end before the
    /// start). Meaningless when `service_request_id` is given.
    pub fn window(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let span = chrono::TimeDelta::days(MAX_SPAN_DAYS);
        match (self.start_date, self.end_date) {
            (Some(s), Some(e)) => (s, e),
            (Some(s), None) => {
                let end = s.checked_add_signed(span).map_or(now, |e| e.min(now));
                (s, end.max(s))
            }
            (None, Some(e)) => (e.checked_sub_signed(span).unwrap_or(e), e),
            (None, None) => (now.checked_sub_signed(span).unwrap_or(now), now),
        }
    }

    /// [`Self::window`] as whole Unix seconds, start included and end excluded, as
    /// the case store searches `reported_at`: the end is the second after the
    /// window's last, so a request made in the current second is listed (a
    /// truncated end left out everything reported in it).
    pub fn window_seconds(&self, now: DateTime<Utc>) -> (i64, i64) {
        let (from, to) = self.window(now);
        (from.timestamp(), to.timestamp().saturating_add(1))
    }
}
