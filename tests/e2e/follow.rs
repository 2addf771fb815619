//! Several instances on one PostGIS: every write reaches the others through the
//! change log, none of them reloads its atlas, and the writer skips its own echo.
//! (The GeoPackage store has one process and no followers.)

use std::time::{Duration, Instant};

use gridd_e2e::{Server, StoreLocation};
use serde_json::{Value, json};

/// A tile of `set` at zoom `z` over the point.
fn tile_at(set: &str, z: u8, p: [f64; 2]) -> String {
    let t = gridd_tiles::tiles_covering(
        geo::Rect::new(
            geo::coord! { x: p[0], y: p[1] },
            geo::coord! { x: p[0], y: p[1] },
        ),
        z,
    );
    format!(
        "/tiles/{set}/{z}/{}/{}.mvt",
        t.x_range().start(),
        t.y_range().start()
    )
}

/// Two L3 grids of the demo far apart: the first and the one farthest from it, with
/// a point inside each.
fn two_far_l3(s: &Server) -> ((i64, [f64; 2]), [f64; 2]) {
    let a = s.app.atlas();
    let l3 = a.grids(None, Some(3), None, None);
    let at = |g: &gridd::index::IndexedGrid| {
        let p = geo::InteriorPoint::interior_point(&g.grid.draft.geometry).unwrap();
        [p.x(), p.y()]
    };
    let first = at(l3[0]);
    let far = l3
        .iter()
        .map(|g| at(g))
        .max_by(|a, b| {
            let d = |q: &[f64; 2]| (q[0] - first[0]).hypot(q[1] - first[1]);
            d(a).total_cmp(&d(b))
        })
        .unwrap();
    ((l3[0].grid.id, first), far)
}

fn square_at(p: [f64; 2]) -> Value {
    let d = 0.00004;
    json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "柜台"},
         "geometry": {"type": "Polygon", "coordinates": [[[p[0], p[1]], [p[0] + d, p[1]], [p[0] + d, p[1] + d], [p[0], p[1] + d], [p[0], p[1]]]]}}
    ]})
}

async fn lookup_path(s: &Server, p: [f64; 2]) -> Vec<i64> {
    let (st, v) = s
        .get(&format!("/api/v1/lookup?lon={}&lat={}", p[0], p[1]))
        .await;
    assert_eq!(st, 200, "{v}");
    v["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_i64().unwrap())
        .collect()
}

/// Defect: an import's notification named no ids, so every instance (the writer
/// too) reloaded the whole store and dropped every cached tile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_reaches_other_instances_and_nobody_reloads() {
    let first = Server::demo(gridd_e2e::Backend::Postgis).await;
    let url = first.store.database_url().unwrap().to_owned();
    let second = Server::on(StoreLocation::Postgis(url.clone()), false).await;
    // Both follow, as `gridd serve` does: the writer receives its own notification.
    gridd::follow::spawn(first.app.app.clone(), url.clone());
    gridd::follow::spawn(second.app.app.clone(), url);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ((parent, at), far) = two_far_l3(&first);
    let far_tile = tile_at("grids", 17, far);
    for s in [&first, &second] {
        assert_eq!(s.get(&far_tile).await.0, 200);
    }
    let rendered = [first.app.tiles.rendered(), second.app.tiles.rendered()];
    let before = lookup_path(&second, at).await;
    let r = first
        .post_raw(
            &format!("/api/v1/grids/{parent}/import"),
            "application/geo+json",
            square_at(at).to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let created = r.json["created"][0]["properties"]["id"].as_i64().unwrap();
    let t0 = Instant::now();
    while lookup_path(&second, at).await != [before.clone(), vec![created]].concat() {
        assert!(
            t0.elapsed() < Duration::from_secs(1),
            "the second instance did not see the import within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Let the writer's own notification arrive too.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (s, n) in [&first, &second].into_iter().zip(rendered) {
        assert_eq!(s.get(&far_tile).await.0, 200);
        assert_eq!(
            s.app.tiles.rendered(),
            n,
            "a tile far from the import was rendered again: the instance dropped its cache (a reload)"
        );
    }
    // The change is numbered alike on both instances.
    assert_eq!(
        first.app.last_change().await,
        second.app.last_change().await
    );
}

/// A case reported on one instance reaches the live feed of another (through
/// `NOTIFY gridd_cases`), and both number its steps alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_reported_on_one_instance_reaches_the_feed_of_another() {
    let first = Server::demo(gridd_e2e::Backend::Postgis).await;
    let url = first.store.database_url().unwrap().to_owned();
    let second = Server::on(StoreLocation::Postgis(url.clone()), false).await;
    gridd::follow::spawn(second.app.app.clone(), url.clone());
    gridd::follow::spawn_cases(second.app.desk.clone(), url);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut feed = second
        .http
        .get(format!("{}/api/v1/events", second.url))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    let (_, l3) = first.get("/api/v1/grids?level=3").await;
    let g: geojson::Geometry =
        serde_json::from_value(l3["features"][0]["geometry"].clone()).unwrap();
    let g: geo::Geometry = g.try_into().unwrap();
    let p = geo::InteriorPoint::interior_point(&g).unwrap();
    let r = first
        .send(
            reqwest::Method::POST,
            "/api/v1/cases",
            Some(
                &json!({"source": "hotline", "category": "SJ-01-01", "description": "另一台实例",
                "location": {"lon": p.x(), "lat": p.y()}}),
            ),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let id = r.json["case"]["id"].as_i64().unwrap();
    let t0 = Instant::now();
    let mut buf = String::new();
    loop {
        let left = Duration::from_secs(2).saturating_sub(t0.elapsed());
        let chunk = tokio::time::timeout(left, feed.chunk())
            .await
            .expect("the other instance's feed delivers within 2 s")
            .unwrap()
            .expect("open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(line) = buf.lines().find(|l| l.starts_with("data:")) {
            let v: Value = serde_json::from_str(line.trim_start_matches("data:").trim()).unwrap();
            assert_eq!(v["step"]["case_id"], id);
            assert_eq!(v["step"]["kind"], "report");
            assert!(!v["case"]["grid_path"].as_array().unwrap().is_empty());
            break;
        }
    }
    // The second instance reads the case from the shared store.
    let (st, c) = second.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(st, 200);
    assert_eq!(c["number"], r.json["case"]["number"]);
}
