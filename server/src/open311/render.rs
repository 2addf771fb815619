//! Rendering the GeoReport v2 documents as XML and JSON.

use chrono::{DateTime, FixedOffset, Offset, Utc};
use serde::Serialize;

use super::xml::Writer;
use super::{
    Created, Discovery, Format, MAX_DESCRIPTION_CHARS, Open311Error, Request, Service,
    ServiceDefinition, TokenAnswer,
};

/// China Standard Time, UTC+08:00 (no daylight saving time).
fn china_standard_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// A W3C datetime in China Standard Time at seconds precision:
/// `2026-12-02T09:30:00+08:00`.
pub fn format_datetime(t: &DateTime<Utc>) -> String {
    t.with_timezone(&china_standard_time())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Some non-empty text, else None: what is left out of a document.
fn text(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn opt_text(s: &Option<String>) -> Option<&str> {
    s.as_deref().and_then(text)
}

/// A finite coordinate, else None.
fn coordinate(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// At most `n` characters of `s`.
fn cut(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(at, _)| &s[..at])
}

/// Serializes one of the document structs below. They hold only strings, numbers
/// and booleans (and options and vectors of them), for which serde_json cannot fail.
fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The service discovery document.
pub fn discovery(d: &Discovery, f: Format) -> String {
    match f {
        Format::Xml => {
            let mut w = Writer::new();
            w.open("discovery");
            w.leaf("changeset", &format_datetime(&d.changeset));
            w.leaf("contact", &d.contact);
            w.leaf("key_service", &d.key_service);
            w.open("endpoints");
            for e in &d.endpoints {
                w.open("endpoint");
                w.leaf("specification", &e.specification);
                w.leaf("url", &e.url);
                w.leaf("changeset", &format_datetime(&e.changeset));
                w.leaf("type", e.type_.as_str());
                w.open("formats");
                for m in &e.formats {
                    w.leaf("format", m);
                }
                w.close("formats");
                w.close("endpoint");
            }
            w.close("endpoints");
            w.close("discovery");
            w.finish()
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                changeset: String,
                contact: &'a str,
                key_service: &'a str,
                endpoints: Vec<Endpoint<'a>>,
            }
            #[derive(Serialize)]
            struct Endpoint<'a> {
                specification: &'a str,
                url: &'a str,
                changeset: String,
                #[serde(rename = "type")]
                type_: &'static str,
                formats: &'a [&'static str],
            }
            to_json(&Doc {
                changeset: format_datetime(&d.changeset),
                contact: &d.contact,
                key_service: &d.key_service,
                endpoints: d
                    .endpoints
                    .iter()
                    .map(|e| Endpoint {
                        specification: &e.specification,
                        url: &e.url,
                        changeset: format_datetime(&e.changeset),
                        type_: e.type_.as_str(),
                        formats: &e.formats,
                    })
                    .collect(),
            })
        }
    }
}

/// The keywords as one comma-separated string (None when there are none).
fn keywords(k: &[String]) -> Option<String> {
    let k: Vec<&str> = k
        .iter()
        .map(|k| k.trim())
        .filter(|k| !k.is_empty())
        .collect();
    (!k.is_empty()).then(|| k.join(", "))
}

/// The service list (`services.{format}`).
pub fn services(s: &[Service], f: Format) -> String {
    match f {
        Format::Xml => {
            let mut w = Writer::new();
            w.open("services");
            for s in s {
                w.open("service");
                w.leaf("service_code", &s.code);
                w.leaf("service_name", &s.name);
                w.opt("description", text(&s.description));
                w.leaf("metadata", if s.metadata { "true" } else { "false" });
                w.leaf("type", "realtime");
                w.opt("keywords", keywords(&s.keywords).as_deref());
                w.opt("group", text(&s.group));
                w.close("service");
            }
            w.close("services");
            w.finish()
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                service_code: &'a str,
                service_name: &'a str,
                #[serde(skip_serializing_if = "Option::is_none")]
                description: Option<&'a str>,
                metadata: bool,
                #[serde(rename = "type")]
                type_: &'static str,
                #[serde(skip_serializing_if = "Option::is_none")]
                keywords: Option<String>,
                #[serde(skip_serializing_if = "Option::is_none")]
                group: Option<&'a str>,
            }
            let docs: Vec<Doc> = s
                .iter()
                .map(|s| Doc {
                    service_code: &s.code,
                    service_name: &s.name,
                    description: text(&s.description),
                    metadata: s.metadata,
                    type_: "realtime",
                    keywords: keywords(&s.keywords),
                    group: text(&s.group),
                })
                .collect();
            to_json(&docs)
        }
    }
}

/// A service definition (`services/{service_code}.{format}`).
pub fn service_definition(d: &ServiceDefinition, f: Format) -> String {
    match f {
        Format::Xml => {
            let mut w = Writer::new();
            w.open("service_definition");
            w.leaf("service_code", &d.service_code);
            w.open("attributes");
            for a in &d.attributes {
                w.open("attribute");
                w.leaf("variable", if a.variable { "true" } else { "false" });
                w.leaf("code", &a.code);
                w.leaf("datatype", a.datatype.as_str());
                w.leaf("required", if a.required { "true" } else { "false" });
                w.opt("datatype_description", text(&a.datatype_description));
                w.leaf("order", &a.order.to_string());
                w.opt("description", text(&a.description));
                if !a.values.is_empty() {
                    w.open("values");
                    for (key, name) in &a.values {
                        w.open("value");
                        w.leaf("key", key);
                        w.leaf("name", name);
                        w.close("value");
                    }
                    w.close("values");
                }
                w.close("attribute");
            }
            w.close("attributes");
            w.close("service_definition");
            w.finish()
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                service_code: &'a str,
                attributes: Vec<Attr<'a>>,
            }
            #[derive(Serialize)]
            struct Attr<'a> {
                variable: bool,
                code: &'a str,
                datatype: &'static str,
                required: bool,
                #[serde(skip_serializing_if = "Option::is_none")]
                datatype_description: Option<&'a str>,
                order: u32,
                #[serde(skip_serializing_if = "Option::is_none")]
                description: Option<&'a str>,
                #[serde(skip_serializing_if = "Vec::is_empty")]
                values: Vec<Value<'a>>,
            }
            #[derive(Serialize)]
            struct Value<'a> {
                key: &'a str,
                name: &'a str,
            }
            to_json(&Doc {
                service_code: &d.service_code,
                attributes: d
                    .attributes
                    .iter()
                    .map(|a| Attr {
                        variable: a.variable,
                        code: &a.code,
                        datatype: a.datatype.as_str(),
                        required: a.required,
                        datatype_description: text(&a.datatype_description),
                        order: a.order,
                        description: text(&a.description),
                        values: a
                            .values
                            .iter()
                            .map(|(key, name)| Value { key, name })
                            .collect(),
                    })
                    .collect(),
            })
        }
    }
}

/// Service requests (GET `requests.{format}`, and GET `requests/{id}.{format}` as
/// an array of one).
pub fn requests(r: &[Request], f: Format) -> String {
    match f {
        Format::Xml => {
            let mut w = Writer::new();
            w.open("service_requests");
            for r in r {
                w.open("request");
                w.leaf("service_request_id", &r.service_request_id);
                w.leaf("status", r.status.as_str());
                w.opt("status_notes", opt_text(&r.status_notes));
                w.opt("service_name", text(&r.service_name));
                w.leaf("service_code", &r.service_code);
                w.opt(
                    "description",
                    opt_text(&r.description).map(|d| cut(d, MAX_DESCRIPTION_CHARS)),
                );
                w.opt("agency_responsible", opt_text(&r.agency_responsible));
                w.opt("service_notice", opt_text(&r.service_notice));
                w.leaf(
                    "requested_datetime",
                    &format_datetime(&r.requested_datetime),
                );
                w.leaf("updated_datetime", &format_datetime(&r.updated_datetime));
                w.opt(
                    "expected_datetime",
                    r.expected_datetime.as_ref().map(format_datetime).as_deref(),
                );
                w.opt("address", opt_text(&r.address));
                w.opt("address_id", opt_text(&r.address_id));
                w.opt("zipcode", opt_text(&r.zipcode));
                w.opt("lat", coordinate(r.lat).map(|x| x.to_string()).as_deref());
                w.opt("long", coordinate(r.long).map(|x| x.to_string()).as_deref());
                w.opt("media_url", opt_text(&r.media_url));
                w.close("request");
            }
            w.close("service_requests");
            w.finish()
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                service_request_id: &'a str,
                status: &'static str,
                #[serde(skip_serializing_if = "Option::is_none")]
                status_notes: Option<&'a str>,
                #[serde(skip_serializing_if = "Option::is_none")]
                service_name: Option<&'a str>,
                service_code: &'a str,
                #[serde(skip_serializing_if = "Option::is_none")]
                description: Option<&'a str>,
                #[serde(skip_serializing_if = "Option::is_none")]
                agency_responsible: Option<&'a str>,
                #[serde(skip_serializing_if = "Option::is_none")]
                service_notice: Option<&'a str>,
                requested_datetime: String,
                updated_datetime: String,
                #[serde(skip_serializing_if = "Option::is_none")]
                expected_datetime: Option<String>,
                #[serde(skip_serializing_if = "Option::is_none")]
                address: Option<&'a str>,
                #[serde(skip_serializing_if = "Option::is_none")]
                address_id: Option<&'a str>,
                #[serde(skip_serializing_if = "Option::is_none")]
                zipcode: Option<&'a str>,
                #[serde(skip_serializing_if = "Option::is_none")]
                lat: Option<f64>,
                #[serde(skip_serializing_if = "Option::is_none")]
                long: Option<f64>,
                #[serde(skip_serializing_if = "Option::is_none")]
                media_url: Option<&'a str>,
            }
            let docs: Vec<Doc> = r
                .iter()
                .map(|r| Doc {
                    service_request_id: &r.service_request_id,
                    status: r.status.as_str(),
                    status_notes: opt_text(&r.status_notes),
                    service_name: text(&r.service_name),
                    service_code: &r.service_code,
                    description: opt_text(&r.description).map(|d| cut(d, MAX_DESCRIPTION_CHARS)),
                    agency_responsible: opt_text(&r.agency_responsible),
                    service_notice: opt_text(&r.service_notice),
                    requested_datetime: format_datetime(&r.requested_datetime),
                    updated_datetime: format_datetime(&r.updated_datetime),
                    expected_datetime: r.expected_datetime.as_ref().map(format_datetime),
                    address: opt_text(&r.address),
                    address_id: opt_text(&r.address_id),
                    zipcode: opt_text(&r.zipcode),
                    lat: coordinate(r.lat),
                    long: coordinate(r.long),
                    media_url: opt_text(&r.media_url),
                })
                .collect();
            to_json(&docs)
        }
    }
}

/// The answer to POST requests: `<service_requests><request>…` / an array.
pub fn created(c: &[Created], f: Format) -> String {
    match f {
        Format::Xml => {
            let mut w = Writer::new();
            w.open("service_requests");
            for c in c {
                w.open("request");
                w.opt("service_request_id", opt_text(&c.service_request_id));
                w.opt("token", opt_text(&c.token));
                w.opt("service_notice", opt_text(&c.service_notice));
                w.opt("account_id", opt_text(&c.account_id));
                w.close("request");
            }
            w.close("service_requests");
            w.finish()
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                #[serde(skip_serializing_if = "Option::is_none")]
                service_request_id: Option<&'a str>,
                #[serde(skip_serializing_if = "Option::is_none")]
                token: Option<&'a str>,
                #[serde(skip_serializing_if = "Option::is_none")]
                service_notice: Option<&'a str>,
                #[serde(skip_serializing_if = "Option::is_none")]
                account_id: Option<&'a str>,
            }
            let docs: Vec<Doc> = c
                .iter()
                .map(|c| Doc {
                    service_request_id: opt_text(&c.service_request_id),
                    token: opt_text(&c.token),
                    service_notice: opt_text(&c.service_notice),
                    account_id: opt_text(&c.account_id),
                })
                .collect();
            to_json(&docs)
        }
    }
}

/// The answer to GET tokens/{token}: `<service_requests><request>…` / an array.
pub fn tokens(t: &[TokenAnswer], f: Format) -> String {
    match f {
        Format::Xml => {
            let mut w = Writer::new();
            w.open("service_requests");
            for t in t {
                w.open("request");
                w.opt("service_request_id", opt_text(&t.service_request_id));
                w.leaf("token", &t.token);
                w.close("request");
            }
            w.close("service_requests");
            w.finish()
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                #[serde(skip_serializing_if = "Option::is_none")]
                service_request_id: Option<&'a str>,
                token: &'a str,
            }
            let docs: Vec<Doc> = t
                .iter()
                .map(|t| Doc {
                    service_request_id: opt_text(&t.service_request_id),
                    token: &t.token,
                })
                .collect();
            to_json(&docs)
        }
    }
}

/// An error answer: `<errors><error><code>…` / an array of `{code, description}`.
pub fn errors(e: &[Open311Error], f: Format) -> String {
    match f {
        Format::Xml => {
            let mut w = Writer::new();
            w.open("errors");
            for e in e {
                w.open("error");
                w.leaf("code", &e.code.to_string());
                w.leaf("description", &e.description);
                w.close("error");
            }
            w.close("errors");
            w.finish()
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                code: u16,
                description: &'a str,
            }
            let docs: Vec<Doc> = e
                .iter()
                .map(|e| Doc {
                    code: e.code,
                    description: &e.description,
                })
                .collect();
            to_json(&docs)
        }
    }
}
