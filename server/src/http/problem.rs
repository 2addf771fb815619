//! RFC 9457 problem details: every error the API answers is `application/problem+json`
//! naming the field and the reason. Storage and internal errors are logged in full
//! and answered with a generic 500. Also the JSON body extractor whose rejections
//! are problems naming the field (by its path in the body), and the answers for
//! routes and methods that do not exist.

use axum::body::Bytes;
use axum::extract::{FromRequest, OriginalUri, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::error::{Error, FieldError};

/// An error as the API answers it.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

/// The problem document (RFC 9457) every error answers, as documented.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Problem)]
pub struct ProblemDoc {
    /// Always `about:blank`: the status and title say what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, the same for every problem of its kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong and what was (not) stored.
    pub detail: String,
    /// Each refused field with the reason (and, for geometries, the coordinate).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// A problem response with a status, title, detail and field errors; `extra`
/// members (an object) are added at the top level.
pub fn problem(
    status: StatusCode,
    title: &str,
    detail: &str,
    errors: &[FieldError],
    extra: serde_json::Value,
) -> Response {
    let mut body = json!({
        "type": "about:blank",
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
    });
    if !errors.is_empty() {
        body["errors"] = json!(errors);
    }
    if let (Some(b), serde_json::Value::Object(m)) = (body.as_object_mut(), extra) {
        b.extend(m);
    }
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        match &e {
            Error::Invalid(errors) => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid input",
                &format!("{e}; nothing was stored"),
                errors,
                json!({}),
            ),
            Error::Malformed(errors) => problem(
                StatusCode::BAD_REQUEST,
                "Malformed request",
                &format!("{e}; nothing was stored"),
                errors,
                json!({}),
            ),
            Error::NotFound(what) => problem(
                StatusCode::NOT_FOUND,
                "Not found",
                &format!("{what} not found"),
                &[],
                json!({}),
            ),
            Error::Conflict { message, field } => {
                let errors: Vec<FieldError> = field
                    .iter()
                    .map(|f| FieldError::new(f.clone(), message.clone()))
                    .collect();
                problem(
                    StatusCode::CONFLICT,
                    "Conflict",
                    &format!("{message}; nothing was stored"),
                    &errors,
                    json!({}),
                )
            }
            Error::Stale { given, current } => problem(
                StatusCode::CONFLICT,
                "Stale edit",
                &format!("{e}; someone else saved first. Reload the grid and apply the edit again"),
                &[],
                json!({ "given_version": given, "current_version": current }),
            ),
            Error::WrongStage { stage, allowed } => problem(
                StatusCode::CONFLICT,
                "Step not allowed now",
                &e.to_string(),
                &[],
                json!({ "stage": stage, "allowed": allowed }),
            ),
            Error::StaleCase { given, current } => problem(
                StatusCode::CONFLICT,
                "Stale case",
                &format!("{e}; someone else moved it first. Reload the case and try again"),
                &[],
                json!({ "given_version": given, "current_version": current }),
            ),
            Error::StaleGrids(stale) => {
                let current: serde_json::Map<String, serde_json::Value> = stale
                    .iter()
                    .map(|s| (s.id.to_string(), json!(s.current)))
                    .collect();
                problem(
                    StatusCode::CONFLICT,
                    "Stale edit",
                    &format!(
                        "{e}; someone else saved first. Reload the grids and apply the edit again"
                    ),
                    &[],
                    json!({ "stale": stale, "current_versions": current }),
                )
            }
            Error::PreconditionRequired { message, missing } => problem(
                StatusCode::PRECONDITION_REQUIRED,
                "Version required",
                message,
                &[],
                if missing.is_empty() {
                    json!({})
                } else {
                    json!({ "missing": missing })
                },
            ),
            Error::Unauthenticated(msg) => {
                let mut r = problem(
                    StatusCode::UNAUTHORIZED,
                    "Sign in first",
                    msg,
                    &[],
                    json!({}),
                );
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"gridd\""),
                );
                r
            }
            Error::Forbidden(msg) => {
                problem(StatusCode::FORBIDDEN, "Not allowed", msg, &[], json!({}))
            }
            Error::TooManyRequests {
                message,
                retry_after,
            } => {
                let mut r = problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts",
                    message,
                    &[],
                    json!({ "retry_after": retry_after }),
                );
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            Error::TooLarge(msg) => problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request too large",
                msg,
                &[],
                json!({}),
            ),
            Error::Storage(_) | Error::Internal(_) => {
                tracing::error!(error = ?e, "request failed");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error",
                    "the server failed; the error is logged",
                    &[],
                    json!({}),
                )
            }
        }
    }
}

/// Whether a `Content-Type` is JSON (`application/json`, `application/geo+json`,
/// any `+json`).
fn is_json(ct: &str) -> bool {
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Reads a JSON body into `T`, the refusals naming the field by its path in the
/// body: malformed JSON (400, with line and column), a field of the wrong type or
/// missing (422, e.g. `properties.level`), wrong media type (415), too large (413,
/// from `Content-Length` before reading).
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !is_json(ct) {
            let detail = format!(
                "the body must be JSON (Content-Type: application/json), got {:?}; nothing was stored",
                ct
            );
            return Err(problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
                &detail,
                &[FieldError::new("Content-Type", detail.clone())],
                json!({}),
            ));
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes)
            .map(Json)
            .map_err(|e| ApiError(e).into_response())
    }
}

/// Reads a whole body, refusing an announced oversized one before reading any of it.
pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Response> {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(n) = announced.filter(|n| *n > super::MAX_BODY) {
        return Err(too_large(&format!("the body has {n} bytes")));
    }
    Bytes::from_request(req, state)
        .await
        .map_err(|_| too_large("the body is too large"))
}

fn too_large(what: &str) -> Response {
    let detail = format!(
        "{what}; at most {} bytes are accepted; nothing was stored",
        super::MAX_BODY
    );
    problem(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request too large",
        &detail,
        &[FieldError::new("body", detail.clone())],
        json!({}),
    )
}

/// Parses JSON into `T`, naming the field of a type error by its path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let out: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let v = out.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." || path.is_empty() {
            "body".to_owned()
        } else {
            path
        };
        match inner.classify() {
            serde_json::error::Category::Data => {
                Error::Invalid(vec![FieldError::new(field, inner.to_string())])
            }
            _ => Error::Malformed(vec![FieldError::new(
                "body",
                format!("malformed JSON: {inner}"),
            )]),
        }
    })?;
    de.end().map_err(|e| {
        Error::Malformed(vec![FieldError::new(
            "body",
            format!("malformed JSON: {e}"),
        )])
    })?;
    Ok(v)
}

/// The answer for a path that names no route (API paths never fall through to the
/// web app's page).
pub async fn no_route(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "No such route",
        &format!(
            "{method} {}: no such route; the API is described at /api/v1/docs",
            uri.path()
        ),
        &[],
        json!({}),
    )
}

/// The answer for a method a route does not take (the router adds `Allow`).
pub async fn no_method(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        &format!(
            "{} does not take {method}; the Allow header lists what it takes",
            uri.path()
        ),
        &[],
        json!({}),
    )
}

/// `axum::extract::Query` whose rejection is a 422 problem naming the parameter.
pub struct Query<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::try_from_uri(&parts.uri) {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(r) => {
                let text = r.body_text();
                let reason = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                let field = reason
                    .split_once(':')
                    .map_or("query", |(f, _)| f.trim())
                    .to_owned();
                Err(ApiError(Error::Invalid(vec![FieldError::new(field, reason)])).into_response())
            }
        }
    }
}
