//! The OpenAPI document against the router, both ways: every documented operation is
//! routed, no route takes a method the document does not list, unknown paths and
//! methods are problems (never the web app's page, never an empty body), and every
//! operation documents what it takes and answers. The document is generated from
//! the same list of routes as the router (`http::documented`); a source check keeps
//! routes from being added around that list.

use gridd_e2e::{Backend, Server};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// A documented path with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{tileset}", "grids")
        .replace("{name}", "grids")
        .replace("{z}/{x}/{y}", "14/9327/4742")
}

async fn send(s: &Server, method: &str, path: &str) -> (u16, String, Value, Option<String>) {
    let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let r = s
        .http
        .request(m, format!("{}{path}", s.url))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let header = |n: &str| r.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
    let ct = header("content-type").unwrap_or_default();
    let allow = header("allow");
    // A live feed never ends: its headers say enough.
    let body = if ct.starts_with("text/event-stream") {
        Value::Null
    } else {
        r.json().await.unwrap_or(Value::Null)
    };
    (status, ct, body, allow)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_and_the_router_agree_both_ways() {
    let s = Server::demo(Backend::Gpkg).await;
    let (st, doc) = s.get("/api/v1/openapi.json").await;
    assert_eq!(st, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    // Every route the product serves is in the document (the tile, TileJSON and
    // style routes were missing from the hand-kept one).
    for p in [
        "/health",
        "/tiles",
        "/tiles/{name}.json",
        "/tiles/{tileset}/{z}/{x}/{y}.mvt",
        "/styles/default.json",
        "/api/v1/grids/{id}",
        "/api/v1/edits/insert-vertex",
        "/api/v1/lookup",
        "/api/v1/coverage/preview",
    ] {
        assert!(paths.contains_key(p), "{p} is documented");
    }
    for (path, ops) in paths {
        let url = concrete(path);
        let documented: Vec<&str> = ops
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|m| METHODS.contains(m))
            .collect();
        for m in METHODS {
            let (status, ct, body, allow) = send(&s, m, &url).await;
            if documented.contains(&m) {
                // Document → router: routed (not the router's 404 or 405).
                assert!(
                    !(body["title"] == "No such route" || body["title"] == "Method not allowed"),
                    "{m} {path} is documented but not routed: {status} {body}"
                );
                assert!(!ct.starts_with("text/html") || path == "/api/v1/docs");
            } else {
                // Router → document: the route takes no method the document lacks.
                assert_eq!(status, 405, "{m} {path}: {body}");
                assert_eq!(ct, "application/problem+json", "{m} {path}");
                assert_eq!(body["status"], 405);
                let allow = allow.unwrap_or_default().to_ascii_lowercase();
                for d in &documented {
                    assert!(allow.contains(d), "Allow of {path} lists {d}: {allow}");
                }
            }
        }
        // Every operation says what it answers, with a schema for JSON answers, and
        // what it takes.
        for m in &documented {
            let op = &ops[*m];
            let responses = op["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{m} {path} answers");
            for (code, r) in responses {
                assert!(r["description"].is_string(), "{m} {path} {code} described");
                for (media, c) in r["content"].as_object().into_iter().flatten() {
                    if media.contains("json") {
                        assert!(
                            c["schema"].is_object(),
                            "{m} {path} {code} {media} has a schema"
                        );
                    }
                }
            }
            if let Some(body) = op.get("requestBody") {
                let content = body["content"].as_object().unwrap();
                assert!(!content.is_empty(), "{m} {path} documents its body");
                if let Some(json) = content.get("application/json") {
                    assert!(json["schema"].is_object(), "{m} {path} body schema");
                }
            }
        }
    }
    // Operation ids are unique (generated clients name their calls by them).
    let mut ids = std::collections::HashSet::new();
    for ops in paths.values() {
        for (m, op) in ops.as_object().unwrap() {
            if let Some(id) = op["operationId"].as_str() {
                assert!(
                    ids.insert(id.to_owned()),
                    "operationId {id} ({m}) is unique"
                );
            }
        }
    }
    // Every $ref resolves.
    let text = doc.to_string();
    for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = r.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "schema {name} is defined"
        );
    }
    // The readable page lists every path.
    let page = s
        .http
        .get(format!("{}/api/v1/docs", s.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for path in paths.keys() {
        assert!(
            page.contains(&gridd::html::escape(path)),
            "the page lists {path}"
        );
    }
}

/// Defect: unknown `/api/v1/...` paths answered the web app's `index.html` with 200,
/// and a wrong method an empty 405.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_methods_are_problems() {
    // A server with the web app, so that a fall-through would show.
    let s = Server::demo_with_web(Backend::Gpkg).await;
    let (st, ct, _, _) = send(&s, "get", "/").await;
    assert_eq!(st, 200);
    assert!(ct.starts_with("text/html"), "the web app is served at /");
    let (st, ct, _, _) = send(&s, "get", "/editor/some/page").await;
    assert_eq!(st, 200, "the web app's own routes fall back to its page");
    assert!(ct.starts_with("text/html"));
    for path in [
        "/api/v1/nope",
        "/api/v1/grids/1/nope",
        "/api/v2/grids",
        "/tiles/grids/14/1",
        "/styles/other.json",
    ] {
        let (st, ct, body, _) = send(&s, "get", path).await;
        assert_eq!(st, 404, "{path}: {body}");
        assert_eq!(ct, "application/problem+json", "{path}");
        assert_eq!(body["status"], 404);
        assert!(body["detail"].as_str().unwrap().contains(path), "{body}");
    }
    let (st, ct, body, allow) = send(&s, "delete", "/api/v1/tree").await;
    assert_eq!(st, 405);
    assert_eq!(ct, "application/problem+json");
    assert_eq!(allow.as_deref(), Some("GET,HEAD"));
    assert!(body["detail"].as_str().unwrap().contains("/api/v1/tree"));
}

/// Routes are declared only through the documented lists (`routes!` in each
/// resource module's `routes()`); a plain axum route would exist undocumented.
#[test]
fn routes_are_declared_only_with_their_documentation() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src/http");
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            for forbidden in [".route(", ".route_service(", "axum::routing::"] {
                assert!(
                    !code.contains(forbidden),
                    "{}:{}: a route outside the documented lists: {line}",
                    p.display(),
                    i + 1
                );
            }
        }
    }
}
