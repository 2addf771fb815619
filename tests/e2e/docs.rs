//! The OpenAPI document: valid JSON, every documented operation is served (a missing
//! route would fall through to the web app's HTML), and the readable page lists it.

use gridd_e2e::{Backend, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served() {
    let s = Server::demo(Backend::Gpkg).await;
    let (st, doc) = s.get("/api/v1/openapi.json").await;
    assert_eq!(st, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 10);
    let page = s
        .http
        .get(format!("{}/api/v1/docs", s.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (path, ops) in paths {
        assert!(page.contains(path.as_str()), "docs page lists {path}");
        let concrete = path
            .replace("{id}", "1")
            .replace("{tileset}", "grids")
            .replace("{name}", "grids.json")
            .replace("{z}/{x}/{y}", "14/9327/4742.mvt");
        for method in ops.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = s
                .http
                .request(m, format!("{}{concrete}", s.url))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let ct = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            assert!(
                !ct.starts_with("text/html") || concrete == "/api/v1/docs",
                "{method} {path} is routed (got {} {ct})",
                r.status()
            );
        }
    }
}
