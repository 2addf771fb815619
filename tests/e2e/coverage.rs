//! Coverage audit over HTTP and the CLI: the demo passes clean in every format,
//! the preview of an edit names what it would break without storing anything, a
//! stored defect makes `gridd check` fail, bad queries are problems.

use gridd_e2e::{Backend, Server, both_backends, run_gridd};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    demo_is_clean_in_every_format,
    preview_then_store_an_overlap,
    bad_requests_are_problems
);

async fn demo_is_clean_in_every_format(backend: Backend) {
    let s = Server::demo(backend).await;
    let (status, r) = s.get("/api/v1/coverage").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["defects"], 0, "{}", r["levels"]);
    let levels = r["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 3);
    for l in levels {
        let ratio = l["coverage_ratio"].as_f64().unwrap();
        assert!(
            (ratio - 1.0).abs() < 1e-4,
            "level {} covers {ratio}",
            l["level"]
        );
        assert!(
            l["target_area_m2"].as_f64().unwrap() > 1.6e6,
            "areas are in m²: {}",
            l["target_area_m2"]
        );
    }
    assert_eq!(levels[2]["grids"], 46);

    let g = s
        .send(
            Method::GET,
            "/api/v1/coverage?format=geojson&tolerance=0.5",
            None,
            &[],
        )
        .await;
    assert_eq!(g.status, 200);
    assert_eq!(g.content_type, "application/geo+json");
    assert_eq!(g.json["type"], "FeatureCollection");
    for f in g.json["features"].as_array().unwrap() {
        assert_eq!(f["properties"]["severity"], "warning", "{f}");
        assert!(f["geometry"]["type"].is_string());
    }

    let html = s
        .http
        .get(format!("{}/api/v1/coverage?format=html", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 200);
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let text = html.text().await.unwrap();
    assert!(
        text.contains("PASS") && text.contains("<table>"),
        "{}",
        &text[..400.min(text.len())]
    );
    assert!(
        !text.contains("src=") && !text.contains("href=") && !text.contains("<link"),
        "no external assets"
    );

    let (code, out, err) = run_gridd(
        &[
            vec!["check".into(), "--format".into(), "json".into()],
            s.store.cli_args(),
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["defects"], 0);
}

/// An L3 grid of the demo with its geometry moved east by `dx` degrees.
async fn moved_l3(s: &Server, dx: f64) -> (Value, Value) {
    let (_, fc) = s.get("/api/v1/grids?level=3").await;
    let f = fc["features"][5].clone();
    let mut moved = f.clone();
    let rings = moved["geometry"]["coordinates"].as_array_mut().unwrap();
    for ring in rings {
        for c in ring.as_array_mut().unwrap() {
            let x = c[0].as_f64().unwrap();
            c[0] = json!(((x + dx) * 1e7).round() / 1e7);
        }
    }
    (f, moved)
}

async fn preview_then_store_an_overlap(backend: Backend) {
    let s = Server::demo(backend).await;
    // about 17 m east at 60° N
    let (before, moved) = moved_l3(&s, 0.0003).await;
    let id = before["id"].as_i64().unwrap();
    let body =
        json!({"type": "Feature", "id": id, "geometry": moved["geometry"], "properties": {}});
    let r = s
        .send(Method::POST, "/api/v1/coverage/preview", Some(&body), &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let kinds: Vec<&str> = r.json["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"overlap") && kinds.contains(&"gap") && kinds.contains(&"outside_parent"),
        "{kinds:?}"
    );
    for p in r.json["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "overlap")
    {
        assert!(
            p["area_m2"].as_f64().unwrap() > 0.0 && p["width_m"].as_f64().unwrap() >= 0.5,
            "{p}"
        );
        assert!(p["grids"].as_array().unwrap().iter().any(|g| g["id"] == id));
    }
    assert!(r.json["elapsed_ms"].as_f64().unwrap() < 1000.0);
    // nothing was stored
    let (_, now) = s.get(&format!("/api/v1/grids/{id}")).await;
    assert_eq!(now["geometry"], before["geometry"]);
    let (_, audit) = s.get("/api/v1/coverage").await;
    assert_eq!(audit["defects"], 0);

    // a new grid drawn over existing ones would overlap them
    let new = json!({"type": "Feature", "geometry": before["geometry"], "properties": {
        "code": format!("{}9", &before["properties"]["code"].as_str().unwrap()[..17]),
        "name": "新网格", "level": 3, "parent_id": before["properties"]["parent_id"]}});
    let r = s
        .send(Method::POST, "/api/v1/coverage/preview", Some(&new), &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert!(
        r.json["breaks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "overlap"),
        "{}",
        r.json
    );

    // store the move: the audit and `gridd check` now fail
    let mut put = moved.clone();
    put["properties"]["version"] = before["properties"]["version"].clone();
    let w = s
        .send(Method::PUT, &format!("/api/v1/grids/{id}"), Some(&put), &[])
        .await;
    assert_eq!(w.status, 200, "{}", w.json);
    let (_, audit) = s.get("/api/v1/coverage").await;
    assert!(
        audit["defects"].as_u64().unwrap() >= 3,
        "{}",
        audit["defects"]
    );
    let l3 = &audit["levels"][2];
    assert!(l3["coverage_ratio"].as_f64().unwrap() < 1.0);
    let (code, _, err) = run_gridd(
        &[
            vec!["check".into(), "--format".into(), "geojson".into()],
            s.store.cli_args(),
        ]
        .concat(),
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("defects"), "{err}");
}

async fn bad_requests_are_problems(backend: Backend) {
    let s = Server::demo(backend).await;
    for (q, field) in [
        ("tolerance=-1", "tolerance"),
        ("tolerance=abc", "tolerance"),
        ("format=xml", "format"),
        ("subdistrict=x", "subdistrict"),
    ] {
        let r = s
            .send(Method::GET, &format!("/api/v1/coverage?{q}"), None, &[])
            .await;
        assert_eq!(r.assert_problem(422), vec![field.to_owned()], "{q}");
    }
    s.send(Method::GET, "/api/v1/coverage?subdistrict=999", None, &[])
        .await
        .assert_problem(404);
    let no_geometry = json!({"type": "Feature", "id": 1, "properties": {}});
    let r = s
        .send(
            Method::POST,
            "/api/v1/coverage/preview",
            Some(&no_geometry),
            &[],
        )
        .await;
    assert_eq!(r.assert_problem(422), vec!["geometry".to_owned()]);
    let missing = json!({"type": "Feature", "id": 999_999, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}});
    s.send(
        Method::POST,
        "/api/v1/coverage/preview",
        Some(&missing),
        &[],
    )
    .await
    .assert_problem(404);
    let bowtie = json!({"type": "Feature", "id": 1, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}});
    let r = s
        .send(Method::POST, "/api/v1/coverage/preview", Some(&bowtie), &[])
        .await;
    assert!(
        r.assert_problem(422)
            .iter()
            .any(|f| f.starts_with("geometry"))
    );
}
