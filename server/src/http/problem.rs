//! RFC 9457 problem details: every error the API answers is `application/problem+json`
//! naming the field and the reason. Storage and internal errors are logged in full
//! and answered with a generic 500.

use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
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

/// A problem response with a status, title, detail and field errors.
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
            Error::PreconditionRequired(msg) => problem(
                StatusCode::PRECONDITION_REQUIRED,
                "Version required",
                msg,
                &[],
                json!({}),
            ),
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

/// Maps a JSON body rejection to a problem: malformed JSON (400), wrong content
/// type (415), body too large (413).
pub fn json_rejection(r: &JsonRejection) -> Response {
    let status = r.status();
    let title = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "Request too large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
        _ => "Malformed JSON",
    };
    problem(
        status,
        title,
        &format!("{}; nothing was stored", r.body_text()),
        &[FieldError::new("body", r.body_text())],
        json!({}),
    )
}

/// `axum::Json` whose rejections are problem+json.
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        // Refuse an announced oversized body at once, before reading any of it.
        let announced = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if let Some(n) = announced.filter(|n| *n > super::MAX_BODY) {
            let detail = format!(
                "the body has {n} bytes; at most {} are accepted; nothing was stored",
                super::MAX_BODY
            );
            return Err(problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request too large",
                &detail,
                &[FieldError::new("body", detail.clone())],
                json!({}),
            ));
        }
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(r) => Err(json_rejection(&r)),
        }
    }
}
