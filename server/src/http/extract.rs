//! Extractors whose rejections are problems: ids in the path, the caller behind a
//! write, and the version an edit started from.

use axum::extract::{FromRequestParts, Path};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use std::sync::Arc;

use super::problem::ApiError;
use crate::domain::access::Principal;
use crate::domain::change::{Actor, Expected};
use crate::domain::text::check_text;
use crate::error::{Error, FieldError};

/// The `{id}` of a path (a grid or a subdistrict): a whole number, else 422 naming `id`.
#[derive(Debug, Clone, Copy)]
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        raw.parse().map(Id).map_err(|_| {
            ApiError(Error::invalid(
                "id",
                format!("must be a whole number, got {raw:?}"),
            ))
            .into_response()
        })
    }
}

/// Who is behind a write, why and from where: the caller the access guard
/// authenticated (`http::access`; anonymous when it let the route through without
/// credentials — the application then refuses any write), `X-Gridd-Reason`
/// (percent-encoded UTF-8, so Chinese text can travel in a header) and the client's
/// address, all stored in the audit log. `X-Gridd-User` is not trusted any more
/// and is ignored. Control characters in the reason are refused (422 naming the
/// header), so both stores refuse them alike.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let reason = match parts.headers.get("x-gridd-reason") {
            None => None,
            Some(v) => {
                let s = match v.to_str() {
                    Ok(s) => percent_decode(s),
                    Err(_) => String::from_utf8_lossy(v.as_bytes()).into_owned(),
                };
                check_text("X-Gridd-Reason", &s, true)
                    .map_err(|e| ApiError(Error::Invalid(vec![e])).into_response())?;
                let s = s.trim();
                (!s.is_empty()).then(|| s.chars().take(2000).collect())
            }
        };
        let principal = parts
            .extensions
            .get::<Arc<Principal>>()
            .cloned()
            .unwrap_or_else(|| Arc::new(Principal::anonymous()));
        Ok(Caller(Actor::caller(
            principal,
            reason,
            client_address(parts),
        )))
    }
}

/// The client's address (the TCP peer), when the server knows it.
pub fn client_address(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Decodes `%XX` escapes (UTF-8); text without valid escapes is returned as is.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// The version an edit started from, from `If-Match` (`None` when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub Option<Expected>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(v) = parts.headers.get(header::IF_MATCH) else {
            return Ok(Self(None));
        };
        let s = v.to_str().unwrap_or("").trim();
        if s == "*" {
            return Ok(Self(Some(Expected::Any)));
        }
        let tag = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
        tag.parse()
            .map(|v| Self(Some(Expected::Version(v))))
            .map_err(|_| {
                ApiError(Error::Invalid(vec![FieldError::new(
                    "If-Match",
                    format!("must be the grid's ETag, e.g. \"3\", or *, got {s:?}"),
                )]))
                .into_response()
            })
    }
}
