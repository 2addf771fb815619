//! Importing a planner's file under a parent: GeoJSON and GeoPackage (made by GDAL's
//! ogr2ogr, as QGIS would), codes assigned in reading order, all or nothing.

use gridd_e2e::{Backend, Server, both_backends, temp_dir};
use serde_json::{Value, json};

both_backends!(geojson_and_geopackage_under_a_parent);

/// Two squares side by side inside `at` (west one first in reading order).
fn two_squares(at: [f64; 2]) -> Value {
    let sq = |x: f64, y: f64| {
        json!([[
            [x, y],
            [x + 0.00004, y],
            [x + 0.00004, y + 0.00004],
            [x, y + 0.00004],
            [x, y]
        ]])
    };
    json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "东柜台", "kind": "commercial"}, "geometry": {"type": "Polygon", "coordinates": sq(at[0] + 0.00005, at[1])}},
        {"type": "Feature", "properties": {"name": "西柜台", "kind": "commercial", "households": "0"}, "geometry": {"type": "Polygon", "coordinates": sq(at[0], at[1])}},
    ]})
}

async fn an_l3(s: &Server) -> (i64, String, [f64; 2]) {
    let (_, fc) = s.get("/api/v1/grids?level=3").await;
    let f = &fc["features"][0];
    let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
    let g: geo::Geometry = g.try_into().unwrap();
    let p = geo::InteriorPoint::interior_point(&g).unwrap();
    (
        f["properties"]["id"].as_i64().unwrap(),
        f["properties"]["code"].as_str().unwrap().to_owned(),
        [p.x(), p.y()],
    )
}

async fn geojson_and_geopackage_under_a_parent(b: Backend) {
    let s = Server::demo(b).await;
    let (parent, pcode, at) = an_l3(&s).await;
    let url = format!("/api/v1/grids/{parent}/import");
    // GeoJSON: codes are given in reading order (west first), level and parent set.
    let r = s
        .post_raw(
            &url,
            "application/geo+json",
            two_squares(at).to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let created = r.json["created"].as_array().unwrap();
    let by_name = |n: &str| {
        created
            .iter()
            .find(|f| f["properties"]["name"] == n)
            .unwrap()["properties"]
            .clone()
    };
    assert_eq!(by_name("西柜台")["code"], format!("{pcode}001"));
    assert_eq!(by_name("东柜台")["code"], format!("{pcode}002"));
    assert_eq!(by_name("西柜台")["level"], 4);
    assert_eq!(by_name("西柜台")["parent_id"], parent);

    // A GeoPackage written by GDAL: the next sequences follow.
    let dir = temp_dir();
    let src = dir.join("more.geojson");
    let shifted = two_squares([at[0], at[1] - 0.0001]);
    std::fs::write(&src, shifted.to_string()).unwrap();
    let gpkg = dir.join("more.gpkg");
    let o = std::process::Command::new("ogr2ogr")
        .args(["-f", "GPKG", gpkg.to_str().unwrap(), src.to_str().unwrap()])
        .output()
        .expect("ogr2ogr (Debian's gdal-bin) must be installed: scripts/test.sh installs it");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = s
        .post_raw(
            &url,
            "application/geopackage+sqlite3",
            std::fs::read(&gpkg).unwrap(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let codes: Vec<&str> = r.json["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 2);
    assert!(
        codes.contains(&format!("{pcode}003").as_str())
            && codes.contains(&format!("{pcode}004").as_str()),
        "{codes:?}"
    );

    // All or nothing: one bad feature among good ones stores none, and names its index.
    let before = s.stored().await.grids.len();
    let mut bad = two_squares([at[0], at[1] + 0.0001]);
    bad["features"][1]["geometry"]["coordinates"][0][1] = json!([300.0, at[1]]);
    let r = s
        .post_raw(&url, "application/geo+json", bad.to_string().into_bytes())
        .await;
    let fields = r.assert_problem(422);
    assert!(
        fields.iter().any(|f| f.starts_with("features[1].geometry")),
        "{fields:?}"
    );
    assert_eq!(s.stored().await.grids.len(), before);
    // Garbage and an unknown parent.
    s.post_raw(
        &url,
        "application/octet-stream",
        b"\x00\x01 not a file".to_vec(),
    )
    .await
    .assert_problem(422);
    let r = s
        .post_raw(
            "/api/v1/grids/999999/import",
            "application/geo+json",
            two_squares(at).to_string().into_bytes(),
        )
        .await;
    r.assert_problem(404);
}
