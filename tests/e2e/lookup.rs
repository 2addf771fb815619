//! Point-in-grid over HTTP: agreement with PostGIS `ST_Covers` under the boundary
//! rule (smallest code per level) on 100,000 points, edits seen at once, a second
//! instance following through LISTEN/NOTIFY, batch formats, refusals.

use std::time::{Duration, Instant};

/// One point's answer from PostGIS: index, then the L1, L2 and L3 grid ids.
type PathRow = (i64, Option<i64>, Option<i64>, Option<i64>);

use geo::BoundingRect;
use gridd::lookup::synthetic::{Tessellation, points};
use gridd_e2e::{Backend, Server, StoreLocation, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    edit_changes_answers_at_once,
    batch_formats_agree_and_keep_order,
    bad_points_are_problems,
    buildings_of_a_grid
);

/// The demo's subdistrict extent and some points exactly on grid vertices (shared
/// by neighbours: the boundary rule decides).
fn sample(s: &Server, n: usize) -> Vec<[f64; 2]> {
    let a = s.app.atlas();
    let r = a
        .subdistricts()
        .next()
        .and_then(|s| s.boundary.bounding_rect())
        .expect("a subdistrict");
    let mut v: Vec<[f64; 2]> = points(r, n, 2024).into_iter().map(|c| [c.x, c.y]).collect();
    for g in a.grids(None, Some(3), None, None).into_iter().take(40) {
        if let geo::Geometry::Polygon(p) = &g.grid.draft.geometry {
            v.extend(p.exterior().coords().step_by(3).map(|c| [c.x, c.y]));
        }
    }
    v
}

fn csv(points: &[[f64; 2]]) -> Vec<u8> {
    let mut s = String::from("lon,lat\n");
    for p in points {
        s.push_str(&format!("{},{}\n", p[0], p[1]));
    }
    s.into_bytes()
}

/// POSTs a batch and answers one path (grid ids, level order) per point.
async fn batch_paths(s: &Server, points: &[[f64; 2]]) -> Vec<Vec<i64>> {
    let r = s
        .http
        .post(format!("{}/api/v1/lookup?format=ndjson", s.url))
        .header("content-type", "text/csv")
        .body(csv(points))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect()
        })
        .collect()
}

/// Per point, per level, the covering grid with the smallest code, by PostGIS.
async fn postgis_paths(url: &str, points: &[[f64; 2]]) -> Vec<Vec<i64>> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let xs: Vec<f64> = points.iter().map(|p| p[0]).collect();
    let ys: Vec<f64> = points.iter().map(|p| p[1]).collect();
    sqlx::query(
        "CREATE TEMP TABLE pts AS SELECT i, ST_SetSRID(ST_MakePoint(x, y), 4326) AS g
         FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS t(x, y, i)",
    )
    .bind(&xs)
    .bind(&ys)
    .execute(&mut c)
    .await
    .unwrap();
    let rows: Vec<PathRow> = sqlx::query_as(
        "SELECT p.i,
           (SELECT id FROM grid WHERE level = 1 AND ST_Covers(geom, p.g) ORDER BY code LIMIT 1),
           (SELECT id FROM grid WHERE level = 2 AND ST_Covers(geom, p.g) ORDER BY code LIMIT 1),
           (SELECT id FROM grid WHERE level = 3 AND ST_Covers(geom, p.g) ORDER BY code LIMIT 1)
         FROM pts p ORDER BY p.i",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(_, a, b, d)| [a, b, d].into_iter().flatten().collect())
        .collect()
}

async fn agree(s: &Server, pts: &[[f64; 2]]) {
    let ours = batch_paths(s, pts).await;
    let theirs = postgis_paths(s.store.database_url().unwrap(), pts).await;
    assert_eq!(ours.len(), pts.len());
    let bad: Vec<usize> = (0..pts.len()).filter(|&i| ours[i] != theirs[i]).collect();
    assert!(
        bad.is_empty(),
        "{} of {} points disagree with PostGIS, e.g. {:?}: ours {:?}, PostGIS {:?}",
        bad.len(),
        pts.len(),
        pts[bad[0]],
        ours[bad[0]],
        theirs[bad[0]]
    );
    assert!(
        ours.iter().filter(|p| p.len() == 3).count() > pts.len() / 10,
        "most points should be inside"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agrees_with_postgis_st_covers_on_demo_data() {
    let s = Server::demo(Backend::Postgis).await;
    agree(&s, &sample(&s, 100_000)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agrees_with_postgis_st_covers_on_synthetic_grids() {
    let t = Tessellation::default();
    let store = StoreLocation::fresh(Backend::Postgis).await;
    store
        .open()
        .await
        .import(&t.batch(), &gridd::domain::change::Actor("test".into()))
        .await
        .unwrap();
    let s = Server::on(store, false).await;
    let mut pts: Vec<[f64; 2]> = points(t.extent(), 100_000, 99)
        .into_iter()
        .map(|c| [c.x, c.y])
        .collect();
    // Lattice vertices: shared by four L3 grids (and L2/L1 grids on block corners).
    {
        let a = s.app.atlas();
        for g in a.grids(None, Some(3), None, None).into_iter().take(200) {
            if let geo::Geometry::Polygon(p) = &g.grid.draft.geometry {
                pts.extend(p.exterior().coords().map(|c| [c.x, c.y]));
            }
        }
    }
    agree(&s, &pts).await;
}

async fn lookup(s: &Server, p: [f64; 2]) -> Value {
    let (st, v) = s
        .get(&format!("/api/v1/lookup?lon={}&lat={}", p[0], p[1]))
        .await;
    assert_eq!(st, 200, "{v}");
    v
}

fn path_ids(v: &Value) -> Vec<i64> {
    v["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_i64().unwrap())
        .collect()
}

/// An L3 grid of the demo and a point inside it.
fn an_l3(s: &Server) -> (i64, [f64; 2]) {
    let a = s.app.atlas();
    let g = a.grids(None, Some(3), None, None)[0].clone();
    let p = geo::InteriorPoint::interior_point(&g.grid.draft.geometry).unwrap();
    (g.grid.id, [p.x(), p.y()])
}

fn l4_at(parent: i64, code: &str, p: [f64; 2]) -> Value {
    let d = 0.0001;
    let (x, y) = (p[0] - d / 2.0, p[1] - d / 2.0);
    json!({
        "type": "Feature",
        "properties": {"code": code, "name": "楼栋", "level": 4, "parent_id": parent, "kind": "commercial"},
        "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]},
    })
}

async fn edit_changes_answers_at_once(backend: Backend) {
    let s = Server::demo(backend).await;
    let (l3, p) = an_l3(&s);
    let before = lookup(&s, p).await;
    assert_eq!(before["inside"], true);
    assert_eq!(before["path"].as_array().unwrap().len(), 3);
    assert_eq!(path_ids(&before)[2], l3);
    assert_eq!(before["path"][0]["level"], 1);
    assert!(before["subdistrict"]["code"].is_string());
    let code = format!("{}001", s.app.atlas().grid(l3).unwrap().grid.draft.code);
    let r = s
        .send(
            Method::POST,
            "/api/v1/grids",
            Some(&l4_at(l3, &code, p)),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let l4 = r.json["properties"]["id"].as_i64().unwrap();
    let after = lookup(&s, p).await;
    assert_eq!(path_ids(&after), [path_ids(&before), vec![l4]].concat());
    let r = s
        .send(Method::DELETE, &format!("/api/v1/grids/{l4}"), None, &[])
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(path_ids(&lookup(&s, p).await), path_ids(&before));
    // Outside every grid: explicit.
    let out = lookup(&s, [0.0, 0.0]).await;
    assert_eq!(out["inside"], false);
    assert_eq!(out["path"], json!([]));
    assert_eq!(out["subdistrict"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_follows_within_one_second() {
    let first = Server::demo(Backend::Postgis).await;
    let url = first.store.database_url().unwrap().to_owned();
    let second = Server::on(StoreLocation::Postgis(url.clone()), false).await;
    gridd::follow::spawn(second.app.app.clone(), url);
    tokio::time::sleep(Duration::from_millis(500)).await; // LISTEN in place
    let (l3, p) = an_l3(&first);
    let before = path_ids(&lookup(&second, p).await);
    let code = format!("{}001", first.app.atlas().grid(l3).unwrap().grid.draft.code);
    let r = first
        .send(
            Method::POST,
            "/api/v1/grids",
            Some(&l4_at(l3, &code, p)),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let l4 = r.json["properties"]["id"].as_i64().unwrap();
    let t0 = Instant::now();
    loop {
        if path_ids(&lookup(&second, p).await) == [before.clone(), vec![l4]].concat() {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(1),
            "the second instance did not see the edit within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let r = first
        .send(Method::DELETE, &format!("/api/v1/grids/{l4}"), None, &[])
        .await;
    assert_eq!(r.status, 204);
    let t0 = Instant::now();
    while path_ids(&lookup(&second, p).await) != before {
        assert!(
            t0.elapsed() < Duration::from_secs(1),
            "the second instance did not see the delete within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `gridd serve`'s start-up: LISTEN first, then load, then follow without reloading
/// (a reload rebuilt the atlas and cleared every cached tile); edits still arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_listening_before_its_load_follows_without_reloading() {
    let first = Server::demo(Backend::Postgis).await;
    let url = first.store.database_url().unwrap().to_owned();
    let listener = gridd::follow::listen(&url).await.unwrap();
    let second = Server::on(StoreLocation::Postgis(url.clone()), false).await;
    let (l3, p) = an_l3(&first);
    let t = gridd_tiles::tiles_covering(
        geo::Rect::new(
            geo::coord! { x: p[0], y: p[1] },
            geo::coord! { x: p[0], y: p[1] },
        ),
        14,
    );
    let tile = &format!(
        "/tiles/grids/14/{}/{}.mvt",
        t.x_range().start(),
        t.y_range().start()
    );
    assert_eq!(second.get(tile).await.0, 200);
    let rendered = second.app.tiles.rendered();
    gridd::follow::spawn_listening(second.app.app.clone(), url, listener);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(second.get(tile).await.0, 200);
    assert_eq!(
        second.app.tiles.rendered(),
        rendered,
        "following cleared the tile cache (a start-up reload)"
    );
    let before = path_ids(&lookup(&second, p).await);
    let code = format!("{}001", first.app.atlas().grid(l3).unwrap().grid.draft.code);
    let r = first
        .send(
            Method::POST,
            "/api/v1/grids",
            Some(&l4_at(l3, &code, p)),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let l4 = r.json["properties"]["id"].as_i64().unwrap();
    let t0 = Instant::now();
    while path_ids(&lookup(&second, p).await) != [before.clone(), vec![l4]].concat() {
        assert!(
            t0.elapsed() < Duration::from_secs(1),
            "the second instance did not see the edit within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn batch_formats_agree_and_keep_order(backend: Backend) {
    let s = Server::demo(backend).await;
    let pts = sample(&s, 2_000);
    let from_csv = batch_paths(&s, &pts).await;
    let arr = serde_json::to_vec(&pts).unwrap();
    let r = s.post_raw("/api/v1/lookup", "application/json", arr).await;
    assert_eq!(r.status, 200);
    let a = r.json.as_array().unwrap();
    assert_eq!(a.len(), pts.len());
    let objs: Vec<Value> = pts
        .iter()
        .map(|p| json!({"lon": p[0], "lat": p[1]}))
        .collect();
    let fc = json!({"type": "FeatureCollection", "features": pts.iter().map(|p| json!({"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": p}})).collect::<Vec<_>>()});
    for (ct, body) in [
        ("application/json", serde_json::to_vec(&objs).unwrap()),
        ("application/geo+json", serde_json::to_vec(&fc).unwrap()),
    ] {
        let r = s.post_raw("/api/v1/lookup?detail=full", ct, body).await;
        assert_eq!(r.status, 200);
        let got: Vec<Vec<i64>> = r.json.as_array().unwrap().iter().map(path_ids).collect();
        assert_eq!(got, from_csv, "{ct}");
    }
    for (i, v) in a.iter().enumerate() {
        let ids: Vec<i64> = v["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect();
        assert_eq!(ids, from_csv[i]);
    }
    // Single lookups say the same.
    for (i, p) in pts.iter().enumerate().step_by(97) {
        assert_eq!(path_ids(&lookup(&s, *p).await), from_csv[i]);
    }
}

async fn bad_points_are_problems(backend: Backend) {
    let s = Server::demo(backend).await;
    let r = s
        .post_raw(
            "/api/v1/lookup",
            "application/json",
            br#"[[24.9,60.1],[500,60.1]]"#.to_vec(),
        )
        .await;
    assert_eq!(r.assert_problem(422), vec!["points[1]"]);
    let r = s
        .post_raw(
            "/api/v1/lookup",
            "application/json",
            br#"[[24.9,60.1],[24.9]]"#.to_vec(),
        )
        .await;
    assert_eq!(r.assert_problem(422), vec!["points[1]"]);
    let r = s
        .post_raw(
            "/api/v1/lookup",
            "text/csv",
            b"lon,lat\n24.9,60.1\n24.9,north\n".to_vec(),
        )
        .await;
    assert_eq!(r.assert_problem(422), vec!["points[1]"]);
    let r = s
        .post_raw(
            "/api/v1/lookup?crs=mercator",
            "application/json",
            b"[]".to_vec(),
        )
        .await;
    assert_eq!(r.assert_problem(422), vec!["crs"]);
    let r = s
        .send(Method::GET, "/api/v1/lookup?lon=abc&lat=95", None, &[])
        .await;
    assert_eq!(r.assert_problem(422), vec!["lon", "lat"]);
}

async fn buildings_of_a_grid(backend: Backend) {
    let s = Server::demo(backend).await;
    let l1s: Vec<i64> = s
        .app
        .atlas()
        .grids(None, Some(1), None, None)
        .iter()
        .map(|g| g.grid.id)
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    for id in l1s {
        let (st, fc) = s.get(&format!("/api/v1/grids/{id}/buildings")).await;
        assert_eq!(st, 200);
        let feats = fc["features"].as_array().unwrap();
        let sum: i64 = feats
            .iter()
            .map(|f| f["properties"]["households"].as_i64().unwrap())
            .sum();
        assert_eq!(fc["households_from_buildings"], sum);
        for f in feats {
            assert!(
                seen.insert(f["id"].as_i64().unwrap()),
                "a building belongs to one grid only"
            );
        }
        total += feats.len();
    }
    assert!(total > 0);
    let (st, _) = s.get("/api/v1/grids/999999/buildings").await;
    assert_eq!(st, 404);
}
