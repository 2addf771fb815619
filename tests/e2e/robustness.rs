//! Writes that a hostile (or careless) client sends, refused alike on both stores
//! with the field named and nothing stored (issue 16): NUL characters, a child far
//! from its parent, a ring of no area, overlapping parts reported once, If-Match
//! `*` and contradictions, import errors that name the feature; a grid's new code
//! carried through its subtree.

use gridd_e2e::{Backend, Server, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    nul_characters_are_refused_alike,
    a_child_that_does_not_meet_its_parent_is_refused,
    rings_without_area_and_overlapping_parts,
    if_match_any_and_contradictions,
    import_errors_name_the_feature,
    a_new_code_cascades_through_the_subtree,
);

fn square(x: f64, y: f64, d: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]})
}

/// The first L3 grid of the demo: its id, code and a point inside it.
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

fn l4(parent: i64, code: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"code": code, "name": "柜台", "level": 4, "parent_id": parent, "kind": "commercial"}, "geometry": geometry})
}

/// Defect: a NUL in a name, a responsible person, an import or X-Gridd-Reason was
/// stored by the GeoPackage store and answered 500 on PostGIS.
async fn nul_characters_are_refused_alike(b: Backend) {
    let s = Server::demo(b).await;
    let (l3, code, p) = an_l3(&s).await;
    let before = s.stored().await.grids.len();
    let good = l4(l3, &format!("{code}001"), square(p[0], p[1], 0.00002));
    let mut bad = good.clone();
    bad["properties"]["name"] = json!("柜\u{0}台");
    let f = s
        .send(Method::POST, "/api/v1/grids", Some(&bad), &[])
        .await
        .assert_problem(422);
    assert_eq!(f, ["properties.name"]);
    let mut bad = good.clone();
    bad["properties"]["responsible"] = json!([{"name": "王\u{0}五", "phone": "13800000000"}]);
    let f = s
        .send(Method::POST, "/api/v1/grids", Some(&bad), &[])
        .await
        .assert_problem(422);
    assert_eq!(f, ["properties.responsible[0].name"]);
    let f = s
        .send(
            Method::POST,
            "/api/v1/grids",
            Some(&good),
            &[("X-Gridd-Reason", "why%00not")],
        )
        .await
        .assert_problem(422);
    assert_eq!(f, ["X-Gridd-Reason"]);
    let file = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "东\u{0}柜台"}, "geometry": square(p[0], p[1], 0.00002)}
    ]});
    let r = s
        .post_raw(
            &format!("/api/v1/grids/{l3}/import"),
            "application/geo+json",
            file.to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.assert_problem(422), ["features[0].properties.name"]);
    assert_eq!(s.stored().await.grids.len(), before, "nothing was stored");
    // The same grid without the NUL is taken.
    let r = s
        .send(Method::POST, "/api/v1/grids", Some(&good), &[])
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
}

/// Defect: a child could lie entirely outside its parent, even in another city.
async fn a_child_that_does_not_meet_its_parent_is_refused(b: Backend) {
    let s = Server::demo(b).await;
    let (l3, code, p) = an_l3(&s).await;
    let before = s.stored().await.grids.len();
    // Beijing, a thousand kilometres from its Helsinki parent; and next door.
    for geometry in [
        square(116.39, 39.9, 0.001),
        square(p[0] + 0.05, p[1], 0.0001),
    ] {
        let r = s
            .send(
                Method::POST,
                "/api/v1/grids",
                Some(&l4(l3, &format!("{code}001"), geometry)),
                &[],
            )
            .await;
        assert_eq!(r.assert_problem(422), ["geometry"]);
        assert!(
            r.json["errors"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("outside its parent"),
            "{}",
            r.json
        );
    }
    // A level 1 grid far from the subdistrict, no subdistrict named.
    let (_, next) = s.get("/api/v1/subdistricts/1/next-code").await;
    let l1 = json!({"type": "Feature", "properties": {"code": next["code"], "name": "北京", "level": 1},
        "geometry": square(116.39, 39.9, 0.01)});
    let r = s.send(Method::POST, "/api/v1/grids", Some(&l1), &[]).await;
    assert_eq!(r.assert_problem(422), ["geometry"]);
    // An import under the grid, from the wrong city.
    let file = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "远方"}, "geometry": square(116.39, 39.9, 0.0001)}
    ]});
    let r = s
        .post_raw(
            &format!("/api/v1/grids/{l3}/import"),
            "application/geo+json",
            file.to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.assert_problem(422), ["features[0].geometry"]);
    // Moving a grid far away by an update is refused too.
    let (_, g) = s.get(&format!("/api/v1/grids/{l3}")).await;
    let mut moved = g.clone();
    moved["geometry"] = square(116.39, 39.9, 0.001);
    let r = s
        .send(
            Method::PUT,
            &format!("/api/v1/grids/{l3}"),
            Some(&moved),
            &[("If-Match", "*")],
        )
        .await;
    assert_eq!(r.assert_problem(422), ["geometry"]);
    assert_eq!(s.stored().await.grids.len(), before, "nothing was stored");
    // Partial overlap stays the audit's business: a child around a point of its
    // parent, sticking far out of it, is taken.
    let sticking_out = square(p[0] - 0.005, p[1] - 0.005, 0.01);
    let resp = s
        .send(
            Method::POST,
            "/api/v1/grids",
            Some(&l4(l3, &format!("{code}001"), sticking_out)),
            &[],
        )
        .await;
    assert_eq!(resp.status, 201, "{}", resp.json);
}

/// Defects: a ring of collinear points (no area) was accepted; a MultiPolygon's
/// overlap was reported twice.
async fn rings_without_area_and_overlapping_parts(b: Backend) {
    let s = Server::demo(b).await;
    let (l3, code, p) = an_l3(&s).await;
    let (x, y, d) = (p[0], p[1], 0.00002);
    let flat =
        json!({"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + 2.0 * d, y], [x, y]]]});
    let r = s
        .send(
            Method::POST,
            "/api/v1/grids",
            Some(&l4(l3, &format!("{code}001"), flat)),
            &[],
        )
        .await;
    let f = r.assert_problem(422);
    assert!(
        f.iter().all(|f| f.starts_with("geometry.coordinates")),
        "{f:?}"
    );
    let two = json!({"type": "MultiPolygon", "coordinates": [
        [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]],
        [[[x + d / 2.0, y], [x + 2.0 * d, y], [x + 2.0 * d, y + d], [x + d / 2.0, y + d], [x + d / 2.0, y]]]
    ]});
    let r = s
        .send(
            Method::POST,
            "/api/v1/grids",
            Some(&l4(l3, &format!("{code}001"), two)),
            &[],
        )
        .await;
    let f = r.assert_problem(422);
    assert_eq!(f.len(), 1, "one overlap, reported once: {}", r.json);
}

/// Defects: `If-Match: *` was refused instead of meaning any version; a body
/// version that disagrees with If-Match was silently ignored.
async fn if_match_any_and_contradictions(b: Backend) {
    let s = Server::demo(b).await;
    let (l3, _, _) = an_l3(&s).await;
    let path = format!("/api/v1/grids/{l3}");
    let (_, mut g) = s.get(&path).await;
    let v = g["properties"]["version"].as_i64().unwrap();
    g["properties"]["name"] = json!("任意版本");
    let r = s
        .send(Method::PUT, &path, Some(&g), &[("If-Match", "*")])
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["properties"]["version"], v + 1);
    // The body names version v+1 (current), the header an old one: refused.
    let mut g2 = r.json.clone();
    g2["properties"]["name"] = json!("矛盾");
    let r = s
        .send(
            Method::PUT,
            &path,
            Some(&g2),
            &[("If-Match", &format!("\"{v}\""))],
        )
        .await;
    assert_eq!(r.assert_problem(422), ["properties.version"]);
    let (_, now) = s.get(&path).await;
    assert_eq!(now["properties"]["name"], "任意版本", "nothing was stored");
    // Both agreeing is taken; `*` with a stale body version is stale.
    let r = s
        .send(
            Method::PUT,
            &path,
            Some(&g2),
            &[("If-Match", &format!("\"{}\"", v + 1))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let r = s
        .send(Method::PUT, &path, Some(&g2), &[("If-Match", "*")])
        .await;
    r.assert_problem(409);
    // Delete with * of a grid with children is still refused for its children.
    let (_, l2) = s.get("/api/v1/grids?level=2").await;
    let l2 = l2["features"][0]["properties"]["id"].as_i64().unwrap();
    s.send(
        Method::DELETE,
        &format!("/api/v1/grids/{l2}"),
        None,
        &[("If-Match", "*")],
    )
    .await
    .assert_problem(409);
}

/// Defect: import errors named features only by index.
async fn import_errors_name_the_feature(b: Backend) {
    let s = Server::demo(b).await;
    let (l3, _, p) = an_l3(&s).await;
    let file = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "好柜台"}, "geometry": square(p[0], p[1], 0.00002)},
        {"type": "Feature", "properties": {"name": "坏柜台", "kind": "castle"}, "geometry": square(p[0], p[1] + 0.00003, 0.00002)}
    ]});
    let r = s
        .post_raw(
            &format!("/api/v1/grids/{l3}/import"),
            "application/geo+json",
            file.to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.assert_problem(422), ["features[1].properties.kind"]);
    let feature = r.json["errors"][0]["feature"].as_str().unwrap();
    assert!(
        feature.contains("坏柜台") || feature.starts_with("code "),
        "the error names the feature: {}",
        r.json
    );
}

/// Every problem kind the audit reports, over all levels.
async fn audit_kinds(s: &Server) -> Vec<String> {
    let (st, audit) = s.get("/api/v1/coverage").await;
    assert_eq!(st, 200, "{audit}");
    audit["levels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["problems"].as_array().unwrap().iter())
        .filter_map(|p| p["kind"].as_str().map(str::to_owned))
        .collect()
}

/// Defect: a PUT with a new code answered 200 and left the children with codes
/// whose prefix was no longer their parent's. Now the subtree takes the new prefix
/// in the same transaction, each grid with a code-history entry.
async fn a_new_code_cascades_through_the_subtree(b: Backend) {
    let s = Server::demo(b).await;
    assert!(
        !audit_kinds(&s).await.iter().any(|k| k == "code_prefix"),
        "the demo starts consistent"
    );
    // An L1 grid with grandchildren, and the next free L1 code.
    let (_, l3s) = s.get("/api/v1/grids?level=3").await;
    let l3 = &l3s["features"][0]["properties"];
    let (_, l2) = s.get(&format!("/api/v1/grids/{}", l3["parent_id"])).await;
    let l1_id = l2["properties"]["parent_id"].as_i64().unwrap();
    let path = format!("/api/v1/grids/{l1_id}");
    let (_, mut l1) = s.get(&path).await;
    let old = l1["properties"]["code"].as_str().unwrap().to_owned();
    let sid = l1["properties"]["subdistrict_id"].as_i64().unwrap();
    let (_, next) = s
        .get(&format!("/api/v1/subdistricts/{sid}/next-code"))
        .await;
    let new = next["code"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let before = s.stored().await;
    let subtree: Vec<_> = before
        .grids
        .iter()
        .filter(|g| g.draft.code.len() > old.len() && g.draft.code.starts_with(&old))
        .map(|g| (g.id, g.draft.code.clone(), g.version))
        .collect();
    assert!(
        subtree.len() >= 2,
        "children and grandchildren: {subtree:?}"
    );

    l1["properties"]["code"] = json!(new);
    let r = s
        .send(
            Method::PUT,
            &path,
            Some(&l1),
            &[("X-Gridd-Reason", "按街道批复调整编码")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["properties"]["code"], new);

    // Stored: every descendant under the new prefix, one version on; the rest as was.
    let after = s.stored().await;
    assert_eq!(after.grids.len(), before.grids.len());
    for (id, code, version) in &subtree {
        let g = after.grids.iter().find(|g| g.id == *id).unwrap();
        assert_eq!(g.draft.code, format!("{new}{}", &code[old.len()..]));
        assert_eq!(g.version, version + 1);
    }
    assert!(!after.grids.iter().any(|g| g.draft.code.starts_with(&old)));
    // The served tree agrees, and the audit finds no code the API created.
    let (_, kid) = s.get(&format!("/api/v1/grids/{}", l3["id"])).await;
    assert!(
        kid["properties"]["code"]
            .as_str()
            .unwrap()
            .starts_with(&new)
    );
    assert!(!audit_kinds(&s).await.iter().any(|k| k == "code_prefix"));
    // History: the grid and a grandchild each record old → new.
    for (id, old_code, new_code) in [
        (l1_id, old.clone(), new.clone()),
        (
            l3["id"].as_i64().unwrap(),
            l3["code"].as_str().unwrap().to_owned(),
            format!("{new}{}", &l3["code"].as_str().unwrap()[old.len()..]),
        ),
    ] {
        let (st, h) = s.get(&format!("/api/v1/grids/{id}/code-history")).await;
        assert_eq!(st, 200, "{h}");
        let last = h["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["old_code"], json!(old_code));
        assert_eq!(last["new_code"], json!(new_code));
    }
    // A stale subtree is refused whole: the old code back with the old version.
    l1["properties"]["code"] = json!(old);
    s.send(Method::PUT, &path, Some(&l1), &[])
        .await
        .assert_problem(409);
    assert_eq!(
        s.stored()
            .await
            .grids
            .iter()
            .filter(|g| g.draft.code.starts_with(&new))
            .count(),
        subtree.len() + 1
    );
}
