//! The grid editor's server operations (issue 6): split, merge, shared-vertex
//! edits, renumbering with history, responsible people, edit reasons and stale
//! versions — over real HTTP on both stores.

use std::collections::{HashMap, HashSet};

use geo::{Area, BooleanOps, Coord, Distance, Geometry, MultiPolygon, Validation};
use gridd_e2e::{Backend, Server, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    split_then_merge_back,
    shared_vertex_moves_in_both_grids,
    inserted_vertex_appears_on_both_sides,
    delete_vertex_and_refusals,
    renumber_after_split_follows_reading_order,
    responsible_round_trip_and_reason,
    stale_versions_get_409_and_store_nothing,
    next_code_and_refusals,
    vertex_edits_name_every_version,
    split_is_planned_outside_the_write_lock,
    audit_rows_hold_geometry_beside_the_json,
);

fn geom(f: &Value) -> Geometry {
    let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
    g.try_into().unwrap()
}

fn mp(g: &Geometry) -> MultiPolygon {
    match g {
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        Geometry::MultiPolygon(m) => m.clone(),
        _ => panic!("not an area"),
    }
}

fn id(f: &Value) -> i64 {
    f["properties"]["id"].as_i64().unwrap()
}

fn version(f: &Value) -> i64 {
    f["properties"]["version"].as_i64().unwrap()
}

async fn level(s: &Server, l: u8) -> Vec<Value> {
    let (st, fc) = s.get(&format!("/api/v1/grids?level={l}")).await;
    assert_eq!(st, 200);
    fc["features"].as_array().unwrap().clone()
}

async fn one(s: &Server, id: i64) -> Value {
    let (st, f) = s.get(&format!("/api/v1/grids/{id}")).await;
    assert_eq!(st, 200, "{f}");
    f
}

/// Every grid's (id, version) straight from the store.
async fn stored_versions(s: &Server) -> HashMap<i64, (i64, String)> {
    s.stored()
        .await
        .grids
        .into_iter()
        .map(|g| (g.id, (g.version, g.draft.code)))
        .collect()
}

type Key = (u64, u64);

/// The versions a client names for a vertex edit at `c`: every grid (of any level)
/// that has the vertex, as `{"<id>": version}`.
async fn versions_with_vertex(s: &Server, c: Coord) -> Value {
    let (_, fc) = s.get("/api/v1/grids").await;
    let mut v = serde_json::Map::new();
    for f in fc["features"].as_array().unwrap() {
        if ring_coords(&geom(f))
            .iter()
            .flatten()
            .any(|x| key(*x) == key(c))
        {
            v.insert(id(f).to_string(), json!(version(f)));
        }
    }
    Value::Object(v)
}

/// The versions for inserting a vertex on the edge p–q: every grid with that edge.
async fn versions_with_edge(s: &Server, p: Coord, q: Coord) -> Value {
    let (_, fc) = s.get("/api/v1/grids").await;
    let mut v = serde_json::Map::new();
    for f in fc["features"].as_array().unwrap() {
        let has = ring_coords(&geom(f)).iter().any(|r| {
            r.windows(2).any(|w| {
                let (a, b) = (key(w[0]), key(w[1]));
                (a, b) == (key(p), key(q)) || (a, b) == (key(q), key(p))
            })
        });
        if has {
            v.insert(id(f).to_string(), json!(version(f)));
        }
    }
    Value::Object(v)
}

fn key(c: Coord) -> Key {
    (c.x.to_bits(), c.y.to_bits())
}

fn ring_coords(g: &Geometry) -> Vec<Vec<Coord>> {
    mp(g)
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|r| r.0.clone())
        .collect()
}

/// A vertical line through a grid's interior point, from below it to above it.
fn cut_line(g: &Geometry) -> Value {
    use geo::{BoundingRect, InteriorPoint};
    let r = g.bounding_rect().unwrap();
    let p = g.interior_point().unwrap();
    json!({"type": "LineString", "coordinates": [[p.x(), r.min().y - 0.0005], [p.x() + 1e-6, r.max().y + 0.0005]]})
}

/// An L3 grid (without children) whose vertical cut gives exactly two pieces.
async fn splittable_l3(s: &Server) -> Value {
    for f in level(s, 3).await {
        let g = geom(&f);
        let line = cut_line(&g);
        let ls: geo::LineString = serde_json::from_value::<geojson::Geometry>(line)
            .unwrap()
            .try_into()
            .unwrap();
        let pieces = mp(&g).clip(&geo::MultiLineString(vec![ls]), false);
        if pieces.0.len() == 1 {
            return f;
        }
    }
    panic!("no L3 grid cut in two by a vertical line")
}

async fn split_then_merge_back(b: Backend) {
    let s = Server::demo(b).await;
    let f = splittable_l3(&s).await;
    let (gid, v0) = (id(&f), version(&f));
    let g0 = geom(&f);
    let a0 = g0.unsigned_area();
    let parent = f["properties"]["parent_id"].as_i64().unwrap();
    let (_, next) = s.get(&format!("/api/v1/grids/{parent}/next-code")).await;
    let r = s
        .send(
            Method::POST,
            &format!("/api/v1/grids/{gid}/split"),
            Some(&json!({"line": cut_line(&g0), "version": v0})),
            &[("X-Gridd-Reason", "split%20test%20%E5%88%86")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let changed = r.json["changed"].as_array().unwrap();
    let created = r.json["created"].as_array().unwrap();
    assert_eq!(r.json["deleted"], json!([]));
    assert_eq!(created.len(), 1, "two pieces");
    let kept = changed
        .iter()
        .find(|c| id(c) == gid)
        .expect("the original keeps its id");
    assert_eq!(version(kept), v0 + 1);
    assert_eq!(kept["properties"]["code"], f["properties"]["code"]);
    let new = &created[0];
    assert_eq!(
        new["properties"]["code"], next["code"],
        "the new piece takes the next free code"
    );
    assert_eq!(new["properties"]["parent_id"], parent);
    assert_eq!(new["properties"]["level"], 3);
    assert_eq!(new["properties"]["kind"], f["properties"]["kind"]);
    assert_eq!(
        new["properties"]["name"].as_str().unwrap(),
        format!("{} (2)", f["properties"]["name"].as_str().unwrap())
    );
    assert_eq!(version(new), 1);
    if let Some(h) = f["properties"]["households"].as_i64() {
        let sum = kept["properties"]["households"].as_i64().unwrap()
            + new["properties"]["households"].as_i64().unwrap();
        assert_eq!(sum, h, "households are shared out, not lost");
    }
    let (gk, gn) = (geom(kept), geom(new));
    assert!(gk.is_valid() && gn.is_valid());
    let sum = gk.unsigned_area() + gn.unsigned_area();
    assert!(
        (sum - a0).abs() <= 1e-9 * a0,
        "pieces add up: {sum} vs {a0}"
    );
    let overlap = mp(&gk).intersection(&mp(&gn)).unsigned_area();
    assert!(overlap <= 1e-9 * a0, "pieces do not overlap: {overlap}");
    let union = mp(&gk).union(&mp(&gn)).unsigned_area();
    assert!((union - a0).abs() <= 1e-9 * a0);
    // Where the line met the boundary, neighbours (any level) whose edges pass
    // there got the same vertex: no T-junction is left.
    let original: HashSet<Key> = ring_coords(&g0).into_iter().flatten().map(key).collect();
    let cuts: Vec<Coord> = ring_coords(&gn)
        .into_iter()
        .flatten()
        .filter(|c| !original.contains(&key(*c)))
        .collect();
    assert!(!cuts.is_empty());
    let (_, all) = s.get("/api/v1/grids").await;
    let mut others = 0;
    for f in all["features"].as_array().unwrap() {
        let rings = ring_coords(&geom(f));
        for c in &cuts {
            let passes = rings.iter().any(|r| {
                r.windows(2).any(|w| {
                    geo::Euclidean.distance(&geo::Line::new(w[0], w[1]), &geo::Point(*c)) < 1e-11
                })
            });
            if passes {
                others += usize::from(id(f) != gid && id(f) != id(new));
                assert!(
                    rings.iter().flatten().any(|v| key(*v) == key(*c)),
                    "grid {} has the cut point {c:?} as a vertex",
                    id(f)
                );
            }
        }
    }
    assert!(others > 0, "the cut met at least one neighbour's edge");
    assert!(changed.len() > 1, "neighbours are answered as changed");
    for c in changed.iter().filter(|c| id(c) != gid) {
        let now = one(&s, id(c)).await;
        assert_eq!(now["properties"]["version"], c["properties"]["version"]);
    }
    // The store holds what the answer said.
    let stored = stored_versions(&s).await;
    assert_eq!(stored[&gid].0, v0 + 1);
    assert!(stored.contains_key(&id(new)));

    // Merge back: the smaller code (the original) keeps its id.
    let nid = id(new);
    let body = json!({"ids": [nid, gid], "versions": {gid.to_string(): version(kept), nid.to_string(): 1}});
    let r = s
        .send(Method::POST, "/api/v1/grids/merge", Some(&body), &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["deleted"], json!([nid]));
    assert_eq!(r.json["created"], json!([]));
    let merged = &r.json["changed"][0];
    assert_eq!(id(merged), gid);
    assert_eq!(merged["properties"]["code"], f["properties"]["code"]);
    assert_eq!(
        merged["properties"]["households"],
        f["properties"]["households"]
    );
    let gm = geom(merged);
    assert!(gm.is_valid());
    assert!(matches!(gm, Geometry::Polygon(_)));
    assert!(
        (gm.unsigned_area() - a0).abs() <= 1e-9 * a0,
        "merged area {} vs {a0}",
        gm.unsigned_area()
    );
    let (st, _) = s.get(&format!("/api/v1/grids/{nid}")).await;
    assert_eq!(st, 404);
    assert!(!stored_versions(&s).await.contains_key(&nid));
}

/// A vertex in the middle of an edge chain shared by exactly two L3 grids (its
/// neighbours along both rings are shared too), with the two grids.
fn shared_mid_vertex(l3: &[Value]) -> (Coord, Value, Value) {
    let mut owners: HashMap<Key, Vec<usize>> = HashMap::new();
    for (i, f) in l3.iter().enumerate() {
        let mut seen = HashSet::new();
        for r in ring_coords(&geom(f)) {
            for c in r {
                if seen.insert(key(c)) {
                    owners.entry(key(c)).or_default().push(i);
                }
            }
        }
    }
    for (i, f) in l3.iter().enumerate() {
        for r in ring_coords(&geom(f)) {
            let n = r.len() - 1;
            for k in 0..n {
                let (p, c, q) = (r[(k + n - 1) % n], r[k], r[(k + 1) % n]);
                let o = &owners[&key(c)];
                if o.len() == 2
                    && owners[&key(p)].len() == 2
                    && owners[&key(q)].len() == 2
                    && o == &owners[&key(p)]
                    && o == &owners[&key(q)]
                {
                    let j = if o[0] == i { o[1] } else { o[0] };
                    return (c, f.clone(), l3[j].clone());
                }
            }
        }
    }
    panic!("no vertex shared by two L3 grids in the demo")
}

async fn shared_vertex_moves_in_both_grids(b: Backend) {
    let s = Server::demo(b).await;
    let l3 = level(&s, 3).await;
    let (c, fa, fb) = shared_mid_vertex(&l3);
    let (ga, gb) = (geom(&fa), geom(&fb));
    let sum0 = ga.unsigned_area() + gb.unsigned_area();
    let to = [c.x + 3e-6, c.y + 2e-6];
    let versions = versions_with_vertex(&s, c).await;
    assert!(
        versions.get(id(&fa).to_string()).is_some() && versions.get(id(&fb).to_string()).is_some()
    );
    let body = json!({"from": [c.x, c.y], "to": to, "versions": versions});
    let r = s
        .send(Method::POST, "/api/v1/edits/move-vertex", Some(&body), &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let changed = r.json["changed"].as_array().unwrap();
    let got = |want: i64| {
        changed
            .iter()
            .find(|f| id(f) == want)
            .cloned()
            .unwrap_or_else(|| panic!("grid {want} changed"))
    };
    let (na, nb) = (got(id(&fa)), got(id(&fb)));
    assert_eq!(version(&na), version(&fa) + 1);
    assert_eq!(version(&nb), version(&fb) + 1);
    let to_c = Coord { x: to[0], y: to[1] };
    let (ga2, gb2) = (geom(&na), geom(&nb));
    for g in [&ga2, &gb2] {
        assert!(g.is_valid());
        assert!(
            ring_coords(g)
                .iter()
                .flatten()
                .any(|v| key(*v) == key(to_c)),
            "the vertex moved"
        );
        assert!(
            !ring_coords(g).iter().flatten().any(|v| key(*v) == key(c)),
            "the old vertex is gone"
        );
    }
    assert_ne!(
        ga2.unsigned_area(),
        ga.unsigned_area(),
        "the move changed the shape"
    );
    let sum = ga2.unsigned_area() + gb2.unsigned_area();
    assert!(
        (sum - sum0).abs() <= 1e-9 * sum0,
        "no gap or overlap: {sum} vs {sum0}"
    );
    let overlap = mp(&ga2).intersection(&mp(&gb2)).unsigned_area();
    assert!(
        overlap <= 1e-12 * sum0,
        "the two still only share an edge: overlap {overlap}"
    );
    // Any other grid that had the vertex (parents) moved too, and from the store.
    for f in changed {
        assert!(
            ring_coords(&geom(f))
                .iter()
                .flatten()
                .any(|v| key(*v) == key(to_c))
        );
    }
    let stored = stored_versions(&s).await;
    assert_eq!(stored[&id(&fa)].0, version(&fa) + 1);
    // Nothing there any more: 422 naming from.
    let r = s
        .send(
            Method::POST,
            "/api/v1/edits/move-vertex",
            Some(&json!({"from": [c.x, c.y], "to": to, "versions": {}})),
            &[],
        )
        .await;
    assert!(r.assert_problem(422).contains(&"from".to_owned()));
}

/// An edge (p, q) present, consecutively, in the rings of two L3 grids.
fn shared_edge(l3: &[Value]) -> (Coord, Coord, i64, i64) {
    let mut edges: HashMap<(Key, Key), Vec<i64>> = HashMap::new();
    for f in l3 {
        for r in ring_coords(&geom(f)) {
            for w in r.windows(2) {
                let (a, b) = (key(w[0]), key(w[1]));
                edges.entry((a.min(b), a.max(b))).or_default().push(id(f));
            }
        }
    }
    for f in l3 {
        for r in ring_coords(&geom(f)) {
            for w in r.windows(2) {
                let (a, b) = (key(w[0]), key(w[1]));
                let o = &edges[&(a.min(b), a.max(b))];
                if o.len() == 2 {
                    return (w[0], w[1], o[0], o[1]);
                }
            }
        }
    }
    panic!("no shared edge")
}

async fn inserted_vertex_appears_on_both_sides(b: Backend) {
    let s = Server::demo(b).await;
    let l3 = level(&s, 3).await;
    let (p, q, a, bb) = shared_edge(&l3);
    let at = [(p.x + q.x) / 2.0, (p.y + q.y) / 2.0];
    let versions = versions_with_edge(&s, p, q).await;
    let r = s
        .send(
            Method::POST,
            "/api/v1/edits/insert-vertex",
            Some(&json!({"at": at, "versions": versions})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let ids: Vec<i64> = r.json["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert!(ids.contains(&a) && ids.contains(&bb), "both sides: {ids:?}");
    let at_c = Coord { x: at[0], y: at[1] };
    for g in [a, bb] {
        let f = one(&s, g).await;
        let rings = ring_coords(&geom(&f));
        assert!(
            rings.iter().flatten().any(|v| key(*v) == key(at_c)),
            "grid {g} has the new vertex"
        );
        assert!(geom(&f).is_valid());
    }
    // Again: every edge there already has it.
    s.send(
        Method::POST,
        "/api/v1/edits/insert-vertex",
        Some(&json!({"at": at, "versions": {}})),
        &[],
    )
    .await
    .assert_problem(422);
    // And the new vertex can be moved as a shared one.
    let at_c = Coord { x: at[0], y: at[1] };
    let versions = versions_with_vertex(&s, at_c).await;
    let r = s
        .send(
            Method::POST,
            "/api/v1/edits/move-vertex",
            Some(&json!({"from": at, "to": [at[0] + 2e-6, at[1]], "versions": versions})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let moved: Vec<i64> = r.json["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert!(moved.contains(&a) && moved.contains(&bb));
}

async fn delete_vertex_and_refusals(b: Backend) {
    let s = Server::demo(b).await;
    let l3 = level(&s, 3).await;
    let (p, q, a, bb) = shared_edge(&l3);
    let at = [(p.x + q.x) / 2.0, (p.y + q.y) / 2.0];
    let versions = versions_with_edge(&s, p, q).await;
    let r = s
        .send(
            Method::POST,
            "/api/v1/edits/insert-vertex",
            Some(&json!({"at": at, "versions": versions})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    let before: HashMap<i64, Value> = r.json["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (id(f), f.clone()))
        .collect();
    let versions: serde_json::Map<String, Value> = before
        .values()
        .map(|f| (id(f).to_string(), json!(version(f))))
        .collect();
    let r = s
        .send(
            Method::POST,
            "/api/v1/edits/delete-vertex",
            Some(&json!({"at": at, "versions": versions})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let ids: HashSet<i64> = r.json["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(
        ids,
        before.keys().copied().collect(),
        "removed wherever it was inserted"
    );
    for g in [a, bb] {
        let f = one(&s, g).await;
        assert!(
            !ring_coords(&geom(&f))
                .iter()
                .flatten()
                .any(|v| key(*v) == key(Coord { x: at[0], y: at[1] }))
        );
    }
    // Bad input names its field, stores nothing.
    let snapshot = stored_versions(&s).await;
    s.send(
        Method::POST,
        "/api/v1/edits/delete-vertex",
        Some(&json!({"at": [0.0, 0.0], "versions": {}})),
        &[],
    )
    .await
    .assert_problem(422);
    let f = s
        .send(
            Method::POST,
            "/api/v1/edits/move-vertex",
            Some(&json!({"from": [1, 2, 3], "to": [0, 0], "versions": {}})),
            &[],
        )
        .await
        .assert_problem(422);
    assert_eq!(f, vec!["from".to_owned()]);
    let f = s
        .send(
            Method::POST,
            "/api/v1/edits/insert-vertex",
            Some(&json!({"at": at, "tolerance_m": -1, "versions": {}})),
            &[],
        )
        .await
        .assert_problem(422);
    assert_eq!(f, vec!["tolerance_m".to_owned()]);
    // A move that would make a grid cross itself is refused, naming the grid.
    let (c, fa, _) = shared_mid_vertex(&l3);
    // Far through the grid and out of its other side: its edges cross its boundary.
    let ip = geo::InteriorPoint::interior_point(&geom(&fa)).unwrap();
    let far = [ip.x() + 3.0 * (ip.x() - c.x), ip.y() + 3.0 * (ip.y() - c.y)];
    let r = s
        .send(
            Method::POST,
            "/api/v1/edits/move-vertex",
            Some(&json!({"from": [c.x, c.y], "to": far, "versions": versions_with_vertex(&s, c).await})),
            &[],
        )
        .await;
    let fields = r.assert_problem(422);
    assert!(fields.iter().any(|f| f.starts_with("grids.")), "{fields:?}");
    assert_eq!(stored_versions(&s).await, snapshot);
}

async fn renumber_after_split_follows_reading_order(b: Backend) {
    let s = Server::demo(b).await;
    let f = splittable_l3(&s).await;
    let parent = f["properties"]["parent_id"].as_i64().unwrap();
    let r = s
        .send(
            Method::POST,
            &format!("/api/v1/grids/{}/split", id(&f)),
            Some(&json!({"line": cut_line(&geom(&f)), "version": version(&f)})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let r = s
        .send(
            Method::POST,
            &format!("/api/v1/grids/{parent}/renumber"),
            None,
            &[("X-Gridd-User", "planner")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let changes = r.json["changes"].as_array().unwrap().clone();
    assert!(
        !changes.is_empty(),
        "a split appends a code out of reading order"
    );
    let pcode = one(&s, parent).await["properties"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, kids) = s.get(&format!("/api/v1/grids/{parent}/children")).await;
    let kids = kids["features"].as_array().unwrap().clone();
    let geoms: Vec<Geometry> = kids.iter().map(geom).collect();
    let order = gridd::edit::numbering::order(&geoms.iter().collect::<Vec<_>>());
    for (seq, i) in order.into_iter().enumerate() {
        assert_eq!(
            kids[i]["properties"]["code"].as_str().unwrap(),
            format!("{pcode}{:03}", seq + 1),
            "reading order"
        );
    }
    // History: every change recorded, old → new.
    let c = &changes[0];
    let (st, h) = s
        .get(&format!("/api/v1/grids/{}/code-history", c["id"]))
        .await;
    assert_eq!(st, 200);
    let last = h["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["old_code"], c["old_code"]);
    assert_eq!(last["new_code"], c["new_code"]);
    // The signed-in account, not the X-Gridd-User header the request also sent.
    assert_eq!(last["actor"], "test-admin");
    // Renumbering again changes nothing.
    let r = s
        .send(
            Method::POST,
            &format!("/api/v1/grids/{parent}/renumber"),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["changes"], json!([]));
    // L1 of the subdistrict: the demo's codes may or may not be in reading order,
    // either way the answer is consistent and the codes are 001.. in order.
    let (_, subs) = s.get("/api/v1/subdistricts").await;
    let sid = subs[0]["id"].as_i64().unwrap();
    let r = s
        .send(
            Method::POST,
            &format!("/api/v1/subdistricts/{sid}/renumber"),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let l1 = level(&s, 1).await;
    let mut codes: Vec<String> = l1
        .iter()
        .map(|f| f["properties"]["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        (1..=l1.len())
            .map(|i| format!("320508990{i:03}"))
            .collect::<Vec<_>>()
    );
    // Descendants follow their L1's prefix.
    for f in level(&s, 3).await {
        let p = one(&s, f["properties"]["parent_id"].as_i64().unwrap()).await;
        assert!(
            f["properties"]["code"]
                .as_str()
                .unwrap()
                .starts_with(p["properties"]["code"].as_str().unwrap())
        );
    }
    let stored = s.stored().await;
    let by_id: HashMap<i64, String> = stored
        .grids
        .iter()
        .map(|g| (g.id, g.draft.code.clone()))
        .collect();
    {
        // The server's index by code agrees after codes moved between grids.
        use gridd::domain::grid::TreeView;
        let atlas = s.app.atlas();
        for g in &stored.grids {
            assert_eq!(
                atlas.grid_by_code(g.subdistrict_id, &g.draft.code),
                Some(g.id),
                "code {} → grid {}",
                g.draft.code,
                g.id
            );
        }
    }
    for f in level(&s, 2).await {
        assert_eq!(by_id[&id(&f)], f["properties"]["code"].as_str().unwrap());
    }
}

async fn responsible_round_trip_and_reason(b: Backend) {
    let s = Server::demo(b).await;
    let f = level(&s, 3).await[0].clone();
    let mut body = json!({"type": "Feature", "properties": f["properties"].clone(), "geometry": f["geometry"].clone()});
    let people = json!([{"name": "王芳", "role": "网格员", "phone": "13800000000"}, {"name": "李强", "role": "楼栋长", "phone": ""}]);
    body["properties"]["responsible"] = people.clone();
    let r = s
        .send(
            Method::PUT,
            &format!("/api/v1/grids/{}", id(&f)),
            Some(&body),
            &[
                ("If-Match", &format!("\"{}\"", version(&f))),
                ("X-Gridd-Reason", "%E8%B4%9F%E8%B4%A3%E4%BA%BA"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["properties"]["responsible"], people);
    assert_eq!(one(&s, id(&f)).await["properties"]["responsible"], people);
    let restarted = Server::on(s.store.clone(), false).await;
    let (_, again) = restarted.get(&format!("/api/v1/grids/{}", id(&f))).await;
    assert_eq!(again["properties"]["responsible"], people, "from the store");
    // Validation: empty name, too many.
    body["properties"]["responsible"] = json!([{"name": " ", "role": "x"}]);
    let fields = s
        .send(
            Method::PUT,
            &format!("/api/v1/grids/{}", id(&f)),
            Some(&body),
            &[("If-Match", "\"2\"")],
        )
        .await
        .assert_problem(422);
    assert_eq!(fields, vec!["properties.responsible[0].name".to_owned()]);
    body["properties"]["responsible"] = json!(
        (0..21)
            .map(|i| json!({"name": format!("p{i}")}))
            .collect::<Vec<_>>()
    );
    let fields = s
        .send(
            Method::PUT,
            &format!("/api/v1/grids/{}", id(&f)),
            Some(&body),
            &[("If-Match", "\"2\"")],
        )
        .await
        .assert_problem(422);
    assert_eq!(fields, vec!["properties.responsible".to_owned()]);
    // Other grids answer an empty list.
    assert_eq!(
        level(&s, 2).await[0]["properties"]["responsible"],
        json!([])
    );
    // The reason is in the audit log.
    let reason = audit_reasons(&s).await;
    assert!(reason.iter().any(|r| r == "负责人"), "{reason:?}");
}

async fn audit_reasons(s: &Server) -> Vec<String> {
    use sqlx::Connection;
    match &s.store {
        gridd_e2e::StoreLocation::Postgis(url) => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_scalar("SELECT reason FROM audit_log WHERE reason IS NOT NULL")
                .fetch_all(&mut c)
                .await
                .unwrap()
        }
        gridd_e2e::StoreLocation::Gpkg(p) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", p.display()))
                .await
                .unwrap();
            sqlx::query_scalar("SELECT reason FROM audit_log WHERE reason IS NOT NULL")
                .fetch_all(&mut c)
                .await
                .unwrap()
        }
    }
}

async fn stale_versions_get_409_and_store_nothing(b: Backend) {
    let s = Server::demo(b).await;
    let f = splittable_l3(&s).await;
    let snapshot = stored_versions(&s).await;
    let gid = id(&f);
    // split
    let r = s
        .send(
            Method::POST,
            &format!("/api/v1/grids/{gid}/split"),
            Some(&json!({"line": cut_line(&geom(&f)), "version": version(&f) + 7})),
            &[],
        )
        .await;
    r.assert_problem(409);
    assert_eq!(r.json["current_version"], version(&f));
    // merge, with one of two versions stale
    let l3 = level(&s, 3).await;
    let (_, fa, fb) = shared_mid_vertex(&l3);
    let body = json!({"ids": [id(&fa), id(&fb)], "versions": {id(&fa).to_string(): version(&fa), id(&fb).to_string(): version(&fb) + 1}});
    let r = s
        .send(Method::POST, "/api/v1/grids/merge", Some(&body), &[])
        .await;
    r.assert_problem(409);
    assert_eq!(
        r.json["current_versions"][id(&fb).to_string()],
        version(&fb)
    );
    // move-vertex
    let (c, fa, fb) = shared_mid_vertex(&l3);
    let body = json!({"from": [c.x, c.y], "to": [c.x + 1e-6, c.y], "versions": {id(&fa).to_string(): version(&fa) - 1, id(&fb).to_string(): version(&fb)}});
    let r = s
        .send(Method::POST, "/api/v1/edits/move-vertex", Some(&body), &[])
        .await;
    r.assert_problem(409);
    assert_eq!(
        r.json["current_versions"][id(&fa).to_string()],
        version(&fa)
    );
    // A first edit wins, the same edit again is stale.
    let ok = json!({"line": cut_line(&geom(&f)), "version": version(&f)});
    let r = s
        .send(
            Method::POST,
            &format!("/api/v1/grids/{gid}/split"),
            Some(&ok),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let after_one = stored_versions(&s).await;
    s.send(
        Method::POST,
        &format!("/api/v1/grids/{gid}/split"),
        Some(&ok),
        &[],
    )
    .await
    .assert_problem(409);
    assert_eq!(
        stored_versions(&s).await,
        after_one,
        "the stale split stored nothing"
    );
    // Before the successful split, nothing had been stored by the refused edits.
    let changed: HashSet<i64> = after_one
        .iter()
        .filter(|(k, v)| snapshot.get(k) != Some(v))
        .map(|(k, _)| *k)
        .collect();
    let answered: HashSet<i64> = r.json["changed"]
        .as_array()
        .unwrap()
        .iter()
        .chain(r.json["created"].as_array().unwrap())
        .map(id)
        .collect();
    assert_eq!(
        changed, answered,
        "only the successful split changed the store"
    );
    // No version at all: 428.
    s.send(
        Method::POST,
        &format!("/api/v1/grids/{gid}/split"),
        Some(&json!({"line": cut_line(&geom(&f))})),
        &[],
    )
    .await
    .assert_problem(428);
    s.send(
        Method::POST,
        "/api/v1/grids/merge",
        Some(&json!({"ids": [1, 2]})),
        &[],
    )
    .await
    .assert_problem(428);
}

async fn next_code_and_refusals(b: Backend) {
    let s = Server::demo(b).await;
    let (_, subs) = s.get("/api/v1/subdistricts").await;
    let sid = subs[0]["id"].as_i64().unwrap();
    let (st, n) = s
        .get(&format!("/api/v1/subdistricts/{sid}/next-code"))
        .await;
    assert_eq!(st, 200);
    assert_eq!(n["code"], "320508990007", "six L1 communities");
    assert_eq!(n["sequence"], 7);
    let l2 = level(&s, 2).await[0].clone();
    let (st, n) = s.get(&format!("/api/v1/grids/{}/next-code", id(&l2))).await;
    assert_eq!(st, 200);
    assert!(
        n["code"]
            .as_str()
            .unwrap()
            .starts_with(l2["properties"]["code"].as_str().unwrap())
    );
    let (st, _) = s.get("/api/v1/grids/999999/next-code").await;
    assert_eq!(st, 404);
    let snapshot = stored_versions(&s).await;
    // A grid with children cannot be split.
    let r = s
        .send(
            Method::POST,
            &format!("/api/v1/grids/{}/split", id(&l2)),
            Some(&json!({"line": cut_line(&geom(&l2)), "version": version(&l2)})),
            &[],
        )
        .await;
    r.assert_problem(409);
    // A line that does not cross the grid: 422 naming line.
    let f = splittable_l3(&s).await;
    let g = geom(&f);
    use geo::InteriorPoint;
    let p = g.interior_point().unwrap();
    let inside =
        json!({"type": "LineString", "coordinates": [[p.x(), p.y()], [p.x() + 1.0, p.y() + 1.0]]});
    let fields = s
        .send(
            Method::POST,
            &format!("/api/v1/grids/{}/split", id(&f)),
            Some(&json!({"line": inside, "version": version(&f)})),
            &[],
        )
        .await
        .assert_problem(422);
    assert_eq!(fields, vec!["line".to_owned()]);
    let away = json!({"type": "LineString", "coordinates": [[0.0, 0.0], [0.0, 1.0]]});
    let fields = s
        .send(
            Method::POST,
            &format!("/api/v1/grids/{}/split", id(&f)),
            Some(&json!({"line": away, "version": version(&f)})),
            &[],
        )
        .await
        .assert_problem(422);
    assert_eq!(fields, vec!["line".to_owned()]);
    // Merging grids that are not siblings, or not adjacent: 422 naming ids.
    let l3 = level(&s, 3).await;
    let body = json!({"ids": [id(&l2), id(&l3[0])], "versions": {id(&l2).to_string(): version(&l2), id(&l3[0]).to_string(): version(&l3[0])}});
    let fields = s
        .send(Method::POST, "/api/v1/grids/merge", Some(&body), &[])
        .await
        .assert_problem(422);
    assert_eq!(fields, vec!["ids".to_owned()]);
    let (a, far) = far_siblings(&l3);
    let body = json!({"ids": [id(&a), id(&far)], "versions": {id(&a).to_string(): version(&a), id(&far).to_string(): version(&far)}});
    let r = s
        .send(Method::POST, "/api/v1/grids/merge", Some(&body), &[])
        .await;
    assert_eq!(r.assert_problem(422), vec!["ids".to_owned()], "{}", r.json);
    assert_eq!(stored_versions(&s).await, snapshot);
}

/// Two L3 siblings that share no boundary.
fn far_siblings(l3: &[Value]) -> (Value, Value) {
    for a in l3 {
        for b in l3 {
            if id(a) != id(b) && a["properties"]["parent_id"] == b["properties"]["parent_id"] {
                let (ga, gb) = (mp(&geom(a)), mp(&geom(b)));
                if !geo::Intersects::intersects(&ga, &gb) {
                    return (a.clone(), b.clone());
                }
            }
        }
    }
    panic!("no two disjoint L3 siblings")
}

/// Defect: insert- and delete-vertex took no versions and move-vertex's were
/// optional, so the store's stale check never fired: a planner's edit landed on a
/// boundary another planner had just changed. Every vertex edit now names the
/// version of every grid it changes: 428 naming the missing ones, 409 when stale,
/// nothing stored either way.
async fn vertex_edits_name_every_version(b: Backend) {
    let s = Server::demo(b).await;
    let l3 = level(&s, 3).await;
    let (p, q, a, bb) = shared_edge(&l3);
    let at = [(p.x + q.x) / 2.0, (p.y + q.y) / 2.0];
    let all = versions_with_edge(&s, p, q).await;
    let post = |path: &'static str, body: Value| {
        let s = &s;
        async move { s.send(Method::POST, path, Some(&body), &[]).await }
    };
    // No versions at all, or one grid left out: 428 naming what is missing.
    for body in [
        json!({"at": at}),
        json!({"at": at, "versions": {a.to_string(): all[a.to_string()].clone()}}),
    ] {
        let r = post("/api/v1/edits/insert-vertex", body).await;
        r.assert_problem(428);
        if r.json["missing"].is_array() {
            assert!(
                r.json["missing"].as_array().unwrap().contains(&json!(bb)),
                "{}",
                r.json
            );
        }
    }
    // Another planner renames grid a first: the edit that started before is stale.
    let mut fa = one(&s, a).await;
    fa["properties"]["name"] = json!("改名的网格");
    let r = s
        .send(
            Method::PUT,
            &format!("/api/v1/grids/{a}"),
            Some(&fa),
            &[("If-Match", "*")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let before = stored_versions(&s).await;
    let r = post(
        "/api/v1/edits/insert-vertex",
        json!({"at": at, "versions": all}),
    )
    .await;
    r.assert_problem(409);
    assert_eq!(
        r.json["current_versions"][a.to_string()],
        version(&one(&s, a).await)
    );
    // The same for delete-vertex and move-vertex without versions.
    post("/api/v1/edits/delete-vertex", json!({"at": [p.x, p.y]}))
        .await
        .assert_problem(428);
    post(
        "/api/v1/edits/move-vertex",
        json!({"from": [p.x, p.y], "to": [p.x, p.y + 1e-6]}),
    )
    .await
    .assert_problem(428);
    let r = post(
        "/api/v1/edits/move-vertex",
        json!({"from": [p.x, p.y], "to": [p.x, p.y + 1e-6], "versions": {a.to_string(): 1_000_000}}),
    )
    .await;
    r.assert_problem(409);
    assert_eq!(
        stored_versions(&s).await,
        before,
        "refused edits stored nothing"
    );
    // With current versions of every grid there, the insert goes through.
    let fresh = versions_with_edge(&s, p, q).await;
    let r = post(
        "/api/v1/edits/insert-vertex",
        json!({"at": at, "versions": fresh}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
}

/// PUTs a grid back with another household count (If-Match of its version).
async fn touch(s: &Server, gid: i64) {
    let mut f = one(s, gid).await;
    let h = f["properties"]["households"].as_i64().unwrap_or(0);
    f["properties"]["households"] = json!(h + 1);
    let r = s
        .send(
            Method::PUT,
            &format!("/api/v1/grids/{gid}"),
            Some(&f),
            &[("If-Match", &format!("\"{}\"", version(&f)))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
}

/// Issue 16: a split is planned on a snapshot on a blocking thread, outside the
/// write lock (a 100,000-vertex grid takes a good part of a second), and stored
/// under the lock when what the plan read is unchanged. So a split the plan refuses
/// answers while another writer holds the lock; an accepted one waits for the lock
/// and is stored after it; and what the plan reads sees a sibling's or a
/// neighbour's change, but not a far grid's.
async fn split_is_planned_outside_the_write_lock(b: Backend) {
    use geo::{BoundingRect, InteriorPoint, Intersects};
    use std::time::Duration;
    let s = Server::demo(b).await;
    let f = splittable_l3(&s).await;
    let (gid, v0) = (id(&f), version(&f));
    let parent = f["properties"]["parent_id"].as_i64().unwrap();
    let g0 = geom(&f);

    // What the plan reads.
    let reads = || gridd::edit::split_reads(&s.app.atlas(), gid);
    let before = reads();
    let grown = {
        let r = g0.bounding_rect().unwrap();
        geo::Rect::new(
            Coord {
                x: r.min().x - 0.002,
                y: r.min().y - 0.002,
            },
            Coord {
                x: r.max().x + 0.002,
                y: r.max().y + 0.002,
            },
        )
    };
    let far = level(&s, 3)
        .await
        .into_iter()
        .find(|g| {
            g["properties"]["parent_id"].as_i64() != Some(parent)
                && !geom(g).bounding_rect().unwrap().intersects(&grown)
        })
        .expect("an L3 grid far away");
    touch(&s, id(&far)).await;
    assert_eq!(
        reads(),
        before,
        "a far grid's change does not touch the plan"
    );
    let sibling = s
        .app
        .atlas()
        .children(parent)
        .iter()
        .map(|c| c.grid.id)
        .find(|&c| c != gid)
        .expect("a sibling");
    touch(&s, sibling).await;
    let after = reads();
    assert_ne!(
        after, before,
        "a sibling's change is seen (codes follow theirs)"
    );

    // Refused by the plan (the line ends inside the grid): answered while the lock
    // is held. (The timeout only turns a wait for the lock into a failure.)
    let inside = g0.interior_point().unwrap();
    let r = g0.bounding_rect().unwrap();
    let bad = json!({"type": "LineString", "coordinates": [[inside.x(), r.min().y - 0.0005], [inside.x(), inside.y()]]});
    let path = format!("/api/v1/grids/{gid}/split");
    let held = s.app.hold_writes().await;
    let refused = tokio::time::timeout(
        Duration::from_secs(300),
        s.send(
            Method::POST,
            &path,
            Some(&json!({"line": bad, "version": v0})),
            &[],
        ),
    )
    .await
    .expect("a split the plan refuses does not wait for the write lock");
    let fields = refused.assert_problem(422);
    assert!(fields.iter().any(|f| f == "line"), "{fields:?}");
    // Accepted by the plan: stored only once the lock is free.
    let body = json!({"line": cut_line(&g0), "version": v0});
    let pending = s.send(Method::POST, &path, Some(&body), &[]);
    tokio::pin!(pending);
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut pending)
            .await
            .is_err(),
        "a split is not stored while another writer holds the lock"
    );
    assert_eq!(version(&one(&s, gid).await), v0);
    drop(held);
    let done = pending.await;
    assert_eq!(done.status, 200, "{}", done.json);
    assert_eq!(version(&one(&s, gid).await), v0 + 1);
    assert_eq!(done.json["created"].as_array().unwrap().len(), 1);
}

/// The audit rows of a split: the kept piece (before: the whole grid; after: the
/// piece), the new piece (after only). Their JSON has no geometry; the geometry
/// columns hold exactly what the API answered.
async fn audit_rows_hold_geometry_beside_the_json(b: Backend) {
    let s = Server::demo(b).await;
    let f = splittable_l3(&s).await;
    let (gid, v0) = (id(&f), version(&f));
    let r = s
        .send(
            Method::POST,
            &format!("/api/v1/grids/{gid}/split"),
            Some(&json!({"line": cut_line(&geom(&f)), "version": v0})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let kept = &r.json["changed"][0];
    let new = &r.json["created"][0];
    assert_eq!(id(kept), gid);
    let rows = audit_rows(
        &s,
        "split",
        &[(gid, &f, kept), (id(new), &Value::Null, new)],
    )
    .await;
    let (before, after, before_geom, after_geom) = &rows[0];
    assert_eq!(before["geometry"], Value::Null, "{before}");
    assert_eq!(after["geometry"], Value::Null, "{after}");
    assert_eq!(before["properties"]["version"], v0);
    assert_eq!(after["properties"]["version"], v0 + 1);
    assert_eq!(after["properties"]["code"], f["properties"]["code"]);
    assert_eq!(
        (*before_geom, *after_geom),
        (Some(true), Some(true)),
        "the kept piece's row holds the whole grid before and the piece after"
    );
    let (before, after, before_geom, after_geom) = &rows[1];
    assert_eq!(*before, Value::Null);
    assert_eq!(after["id"], new["id"]);
    assert_eq!(after["geometry"], Value::Null);
    assert_eq!((*before_geom, *after_geom), (None, Some(true)));
}

/// For each `(grid, expected before, expected after)`, its audit row of `action`:
/// the JSON before and after, and whether each geometry column equals the
/// expected feature's geometry exactly (`None` when the column is empty).
async fn audit_rows(
    s: &Server,
    action: &str,
    grids: &[(i64, &Value, &Value)],
) -> Vec<(Value, Value, Option<bool>, Option<bool>)> {
    use sqlx::Connection;
    let text = |f: &Value| (!f.is_null()).then(|| f["geometry"].to_string());
    let mut out = Vec::new();
    for (gid, want_before, want_after) in grids {
        let row = match &s.store {
            gridd_e2e::StoreLocation::Postgis(url) => {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query_as::<_, (Option<Value>, Option<Value>, Option<bool>, Option<bool>)>(
                    "SELECT before, after,
                            ST_OrderingEquals(before_geom, ST_SetSRID(ST_GeomFromGeoJSON($3), 4326)),
                            ST_OrderingEquals(after_geom, ST_SetSRID(ST_GeomFromGeoJSON($4), 4326))
                       FROM audit_log WHERE action = $1 AND entity = 'grid' AND entity_id = $2",
                )
                .bind(action)
                .bind(gid)
                .bind(text(want_before))
                .bind(text(want_after))
                .fetch_one(&mut c)
                .await
                .unwrap()
            }
            gridd_e2e::StoreLocation::Gpkg(p) => {
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", p.display()))
                    .await
                    .unwrap();
                let (before, after, bg, ag) = sqlx::query_as::<
                    _,
                    (
                        Option<String>,
                        Option<String>,
                        Option<Vec<u8>>,
                        Option<Vec<u8>>,
                    ),
                >(
                    "SELECT before, after, before_geom, after_geom FROM audit_log
                      WHERE action = ? AND entity = 'grid' AND entity_id = ?",
                )
                .bind(action)
                .bind(gid)
                .fetch_one(&mut c)
                .await
                .unwrap();
                let same = |blob: Option<Vec<u8>>, want: &Value| {
                    blob.map(|b| {
                        !want.is_null() && b == gridd::store::gpkg::gpkg_blob(&geom(want)).unwrap()
                    })
                };
                (
                    before.map(|t| serde_json::from_str(&t).unwrap()),
                    after.map(|t| serde_json::from_str(&t).unwrap()),
                    same(bg, want_before),
                    same(ag, want_after),
                )
            }
        };
        out.push((
            row.0.unwrap_or(Value::Null),
            row.1.unwrap_or(Value::Null),
            row.2,
            row.3,
        ));
    }
    out
}
