//! The OpenAPI document and a readable page generated from it (no CDN: the page is
//! plain HTML rendered here).

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

/// The OpenAPI 3.1 document, maintained by hand next to the handlers.
pub const OPENAPI: &str = include_str!("openapi.json");

pub(super) fn router() -> Router<super::State> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/docs", get(page))
}

async fn openapi() -> Response {
    let mut res = OPENAPI.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn page() -> Html<String> {
    let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap_or_default();
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
