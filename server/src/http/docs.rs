//! The OpenAPI document — generated from the same list of routes as the router
//! (`super::documented`) — and a readable page rendered from it here (no CDN).

use std::sync::OnceLock;

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::html::escape as esc;

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(openapi))
        .routes(routes!(page))
}

/// The document as JSON text, made once.
fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(super::openapi_json)
}

/// The OpenAPI 3.1 document of every route.
#[utoipa::path(get, operation_id = "docs_openapi", path = "/openapi.json", tag = "docs",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
async fn openapi() -> Response {
    let mut res = document().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// The API, readable: every route with its parameters, bodies and answers.
#[utoipa::path(get, operation_id = "docs_page", path = "/docs", tag = "docs",
    responses((status = 200, description = "An HTML page", content_type = "text/html")))]
async fn page() -> Html<String> {
    let doc: serde_json::Value = serde_json::from_str(document()).unwrap_or_default();
    let mut html = String::from(
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>\
         <title>gridd API</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}\
         h2{margin-top:2rem;border-bottom:1px solid #ddd}.m{display:inline-block;min-width:4.5rem;font-weight:600;font-family:monospace}\
         code{background:#f4f4f4;padding:0 .2rem}.op{margin:.8rem 0 .8rem 1rem}.d{color:#555;margin-left:5.5rem}</style>",
    );
    html.push_str(&format!(
        "<h1>{}</h1><p>{}</p><p><a href='/api/v1/openapi.json'>openapi.json</a></p>",
        esc(doc["info"]["title"].as_str().unwrap_or("gridd API")),
        esc(doc["info"]["description"].as_str().unwrap_or(""))
    ));
    if let Some(paths) = doc["paths"].as_object() {
        for (path, ops) in paths {
            html.push_str(&format!("<h2><code>{}</code></h2>", esc(path)));
            for (method, op) in ops.as_object().into_iter().flatten() {
                html.push_str(&format!(
                    "<div class=op><span class=m>{}</span> {}",
                    method.to_uppercase(),
                    esc(op["summary"].as_str().unwrap_or(""))
                ));
                if let Some(d) = op["description"].as_str() {
                    html.push_str(&format!("<div class=d>{}</div>", esc(d)));
                }
                for p in op["parameters"].as_array().into_iter().flatten() {
                    if let Some(name) = p["name"].as_str() {
                        html.push_str(&format!(
                            "<div class=d><code>{}</code> ({}) {}</div>",
                            esc(name),
                            esc(p["in"].as_str().unwrap_or("")),
                            esc(p["description"].as_str().unwrap_or(""))
                        ));
                    }
                }
                let codes: Vec<&String> = op["responses"]
                    .as_object()
                    .map(|m| m.keys().collect())
                    .unwrap_or_default();
                html.push_str(&format!(
                    "<div class=d>answers: {}</div></div>",
                    codes
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    Html(html)
}
