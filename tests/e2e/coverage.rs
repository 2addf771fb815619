//! Coverage audit over HTTP and the CLI: the demo passes clean in every format,
//! the preview of an edit names what it would break without storing anything, a
//! stored defect makes `gridd check` fail, bad queries are problems, the
//! auditor's page is Chinese unless English is asked for and maps the problems
//! before listing them.

use gridd_e2e::{Backend, Server, both_backends, run_gridd};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    demo_is_clean_in_every_format,
    preview_then_store_an_overlap,
    bad_requests_are_problems,
    the_page_is_chinese_unless_english_is_asked_for,
    the_page_maps_every_problem_before_the_list
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
        .get(format!("{}/api/v1/coverage?format=html&lang=en", s.url))
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
        !text.contains("src=") && !text.contains("<link") && !text.contains("<script"),
        "no external assets"
    );
    // the one link is the language switch, to the same page
    assert_eq!(text.matches("href=").count(), 1, "{text}");
    assert!(text.contains("href=\"?format=html&amp;lang=zh"));

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

/// `GET` of a page: status, content type, body.
async fn page(s: &Server, query: &str) -> (u16, String, String) {
    let r = s
        .http
        .get(format!("{}/api/v1/coverage?{query}", s.url))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ct, r.text().await.unwrap())
}

async fn the_page_is_chinese_unless_english_is_asked_for(backend: Backend) {
    let s = Server::demo(backend).await;
    let (status, ct, zh) = page(&s, "format=html").await;
    assert_eq!(status, 200, "{zh}");
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(
        zh.contains("<html lang=zh-CN>"),
        "{}",
        &zh[..200.min(zh.len())]
    );
    for word in [
        "覆盖检查",
        "通过：没有缺陷",
        "汇总",
        "问题分布图",
        "楼栋被分割",
        "提示",
    ] {
        assert!(zh.contains(word), "the Chinese page lacks {word}");
    }
    for word in ["Coverage audit", "PASS", "Summary", "Fix:"] {
        assert!(!zh.contains(word), "the Chinese page says {word}");
    }
    let sid = s.get("/api/v1/coverage").await.1["subdistrict"]["id"].clone();
    assert!(zh.contains(&format!(
        "href=\"?format=html&amp;lang=en&amp;subdistrict={sid}\""
    )));

    let (status, _, en) = page(&s, "format=html&lang=en&tolerance=0.5").await;
    assert_eq!(status, 200);
    assert!(en.contains("<html lang=en>"));
    for word in [
        "Coverage audit",
        "PASS: no defect",
        "Summary",
        "Map of the problems",
        "Building split",
    ] {
        assert!(en.contains(word), "the English page lacks {word}");
    }
    for word in ["覆盖检查", "汇总", "问题分布图", "建议："] {
        assert!(!en.contains(word), "the English page says {word}");
    }
    assert!(en.contains("&amp;lang=zh&amp;subdistrict="));
    assert!(
        en.contains("&amp;tolerance=0.5\""),
        "the switch keeps the tolerance"
    );
    let (_, _, zh_again) = page(&s, "format=html&lang=zh").await;
    assert!(zh_again.contains("<html lang=zh-CN>"));

    // an unknown language is a problem naming `lang`, in every format
    for q in ["format=html&lang=fr", "lang=EN", "format=geojson&lang=de"] {
        let r = s
            .send(Method::GET, &format!("/api/v1/coverage?{q}"), None, &[])
            .await;
        assert_eq!(r.assert_problem(422), vec!["lang".to_owned()], "{q}");
        assert!(r.json.to_string().contains("zh or en"), "{}", r.json);
    }

    // the JSON keeps its English words unless a language is asked for
    let (_, json) = s.get("/api/v1/coverage").await;
    let (_, json_zh) = s.get("/api/v1/coverage?lang=zh").await;
    let (_, json_en) = s.get("/api/v1/coverage?lang=en").await;
    let words = |v: &Value| -> Vec<String> {
        v["levels"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["problems"].as_array().unwrap().iter())
            .map(|p| format!("{} / {}", p["message"], p["fix"]))
            .collect()
    };
    let (en_words, zh_words) = (words(&json), words(&json_zh));
    assert!(!en_words.is_empty(), "the demo has warnings");
    assert_eq!(en_words, words(&json_en));
    assert!(
        en_words.iter().any(|w| w.contains("is split")),
        "{en_words:?}"
    );
    assert!(
        zh_words.iter().any(|w| w.contains("被分割")),
        "{zh_words:?}"
    );
    for (en, zh) in en_words.iter().zip(&zh_words) {
        assert_ne!(en, zh);
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
    }
    assert_eq!(json["defects"], json_zh["defects"]);

    // gridd check: Chinese by default, English on request
    let check = |lang: &[&str]| {
        let mut args: Vec<String> = vec!["check".into(), "--format".into(), "html".into()];
        args.extend(lang.iter().map(|a| (*a).to_owned()));
        args.extend(s.store.cli_args());
        run_gridd(&args)
    };
    let (code, out, err) = check(&[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("<html lang=zh-CN>") && out.contains("问题分布图"));
    assert!(
        !out.contains("href="),
        "a file has no other-language page to link to"
    );
    let (code, out, err) = check(&["--lang", "en"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("<html lang=en>") && out.contains("Map of the problems"));
    let (code, _, err) = check(&["--lang", "fr"]);
    assert_ne!(code, 0);
    assert!(err.contains("zh or en"), "{err}");
}

async fn the_page_maps_every_problem_before_the_list(backend: Backend) {
    let s = Server::demo(backend).await;
    // break the demo: an L3 grid moved about 17 m east (overlap, gap, outside)
    let (before, moved) = moved_l3(&s, 0.0003).await;
    let id = before["id"].as_i64().unwrap();
    let mut put = moved.clone();
    put["properties"]["version"] = before["properties"]["version"].clone();
    let w = s
        .send(Method::PUT, &format!("/api/v1/grids/{id}"), Some(&put), &[])
        .await;
    assert_eq!(w.status, 200, "{}", w.json);
    let (_, fc) = s.get("/api/v1/coverage?format=geojson").await;
    let features = fc["features"].as_array().unwrap();
    assert!(
        features
            .iter()
            .any(|f| f["properties"]["kind"] == "overlap"),
        "{fc}"
    );
    for lang in ["zh", "en"] {
        let (status, _, h) = page(&s, &format!("format=html&lang={lang}")).await;
        assert_eq!(status, 200);
        let map = h.find("<svg class=map").expect("an overview map");
        let list = h.find("<div class=p id=p1>").expect("a numbered list");
        assert!(map < list, "the map comes before the list");
        // one numbered marker per problem, numbered as the GeoJSON features
        assert_eq!(h.matches("<g class=mk>").count(), features.len());
        for f in features {
            let n = f["id"].as_u64().unwrap();
            assert!(h.contains(&format!(">{n}</text></g>")), "marker {n}");
            assert!(h.contains(&format!("<div class=p id=p{n}>")), "entry {n}");
        }
    }
    let (_, _, h) = page(&s, "format=html").await;
    assert!(
        h.contains("未通过") && h.contains("重叠") && h.contains("缺口") && h.contains("超出上级")
    );
}
