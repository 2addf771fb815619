//! Patrol coverage, track tiles and positions in the live feed (issue 13, items
//! 4–6), over HTTP on both stores, in a small made-up subdistrict whose every
//! building and road is placed by hand (metres from a corner), so the coverage
//! is known exactly.

use gridd::domain::frame::LocalFrame;
use gridd_e2e::{Backend, Server, StoreLocation, both_backends};
use mvt_reader::feature::Value as MvtValue;
use reqwest::Client;
use serde_json::{Value, json};

both_backends!(
    coverage_of_a_grid_by_its_patrols_matches_the_hand_computed_case,
    a_walk_shows_in_the_tracks_tile_of_its_day_for_whom_it_may,
    positions_go_to_subscribers_in_scope_and_replay_after_their_id,
);

/// 2026-12-07 09:00 +08:00 (a Monday), in milliseconds.
const T0: i64 = 1_796_605_200_000;

/// The corner of the made-up subdistrict (0, 0 in metres).
fn frame() -> LocalFrame {
    LocalFrame::new(geo::coord! { x: 25.0, y: 60.0 })
}

fn deg(x: f64, y: f64) -> [f64; 2] {
    let c = frame().to_degrees(geo::coord! { x: x, y: y });
    [c.x, c.y]
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[deg(x0, y0), deg(x1, y0), deg(x1, y1),
        deg(x0, y1), deg(x0, y0)]]})
}

fn collection(features: Vec<Value>) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

/// The subdistrict: 400 m × 300 m; L1 and L2 grids over all of it; L3 grid A
/// the west half, B the east half. Roads: east–west along y = 150 across both
/// halves, north–south along x = 100 (in A). Buildings: 10 m squares by their
/// south-west corners.
fn write_place(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    let w = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    w(
        "subdistrict.geojson",
        collection(vec![
            json!({"type": "Feature", "geometry": rect(0.0, 0.0, 400.0, 300.0),
            "properties": {"code": "320508991", "name": "巡查覆盖测试街道"}}),
        ]),
    );
    let grid = |code: &str, level: u8, parent: Option<&str>, g: Value| {
        json!({"type": "Feature", "geometry": g, "properties": {"code": code,
            "name": format!("网格{code}"), "level": level, "parent_code": parent,
            "households": 10, "population": 20, "kind": "residential"}})
    };
    w(
        "grids.geojson",
        collection(vec![
            grid("320508991001", 1, None, rect(0.0, 0.0, 400.0, 300.0)),
            grid(
                "320508991001001",
                2,
                Some("320508991001"),
                rect(0.0, 0.0, 400.0, 300.0),
            ),
            grid(
                "320508991001001001",
                3,
                Some("320508991001001"),
                rect(0.0, 0.0, 200.0, 300.0),
            ),
            grid(
                "320508991001001002",
                3,
                Some("320508991001001"),
                rect(200.0, 0.0, 400.0, 300.0),
            ),
        ]),
    );
    let building = |id: i64, x: f64, y: f64| {
        json!({"type": "Feature", "geometry": rect(x, y, x + 10.0, y + 10.0),
            "properties": {"osm_type": "way", "osm_id": id, "building": "residential",
                "levels": 3, "households": 6}})
    };
    w(
        "buildings.geojson",
        collection(vec![
            building(1, 50.0, 170.0),
            building(2, 50.0, 185.0),
            building(3, 165.0, 100.0),
            building(4, 120.0, 125.0),
            building(5, 250.0, 140.0),
            building(6, 20.0, 60.0),
        ]),
    );
    let road = |id: i64, a: [f64; 2], b: [f64; 2]| {
        json!({"type": "Feature", "geometry": {"type": "LineString",
            "coordinates": [deg(a[0], a[1]), deg(b[0], b[1])]},
            "properties": {"osm_id": id, "highway": "residential", "name": format!("路{id}")}})
    };
    w(
        "roads.geojson",
        collection(vec![
            road(11, [0.0, 150.0], [400.0, 150.0]),
            road(12, [100.0, 0.0], [100.0, 300.0]),
        ]),
    );
}

struct Ctx {
    s: Server,
    /// The L3 grids A (west) and B (east).
    a: i64,
    b: i64,
    /// The subdistrict.
    sd: i64,
    /// A's grid worker.
    worker: Client,
    worker_id: i64,
}

async fn me(s: &Server, c: &Client) -> i64 {
    let me: Value = c
        .get(format!("{}/api/v1/auth/me", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["user"]["id"].as_i64().unwrap()
}

async fn ctx(b: Backend) -> Ctx {
    let store = StoreLocation::fresh(b).await;
    let dir = gridd_e2e::temp_dir().join("patrol-place");
    write_place(&dir);
    let batch = gridd::demo::batch(&dir, &gridd::import::quiet).expect("the made-up place");
    store
        .open_backend()
        .await
        .grids()
        .import(&batch, &gridd::domain::change::Actor("test".into()))
        .await
        .expect("load the made-up place");
    let s = Server::on(store, false).await;
    let (_, l3) = s.get("/api/v1/grids?level=3").await;
    let id = |code: &str| {
        l3["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["code"] == code)
            .unwrap()["properties"]["id"]
            .as_i64()
            .unwrap()
    };
    let (a, bb) = (id("320508991001001001"), id("320508991001001002"));
    let sd = l3["features"][0]["properties"]["subdistrict_id"]
        .as_i64()
        .expect("a grid's subdistrict");
    let worker = s
        .client_for("w-cover", &[&format!("grid_worker@grid:{a}")])
        .await;
    let worker_id = me(&s, &worker).await;
    Ctx {
        s,
        a,
        b: bb,
        sd,
        worker,
        worker_id,
    }
}

/// A fix at (x, y) metres, `secs` after T0.
fn fix(worker: i64, secs: i64, x: f64, y: f64) -> Value {
    let p = deg(x, y);
    json!({"worker": worker, "time_ms": T0 + secs * 1000, "lon": p[0], "lat": p[1],
           "accuracy_m": 5.0})
}

async fn post(s: &Server, c: &Client, fixes: &[Value]) {
    let r = c
        .post(format!("{}/api/v1/tracks/points", s.url))
        .json(&json!({ "fixes": fixes }))
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(st, 201, "{body}");
    assert_eq!(body["counted"].as_u64(), Some(fixes.len() as u64), "{body}");
}

/// A patrol of grid A: 25 min back and forth along the east–west street
/// (y = 150) between x = 40 and x = 160, a fix every 10 s, 1 m/s (1,500 m).
fn patrol(worker: i64, from_secs: i64) -> Vec<Value> {
    (0..=150)
        .map(|k| {
            let leg = k % 24;
            let x = if leg <= 12 {
                40.0 + 10.0 * leg as f64
            } else {
                160.0 - 10.0 * (leg - 12) as f64
            };
            fix(worker, from_secs + k * 10, x, 150.0)
        })
        .collect()
}

async fn coverage(c: &Ctx, client: &Client, grid: i64, q: &str) -> (u16, Value) {
    let r = client
        .get(format!(
            "{}/api/v1/patrols/coverage?grid={grid}{q}",
            c.s.url
        ))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 0.1)
}

async fn coverage_of_a_grid_by_its_patrols_matches_the_hand_computed_case(b: Backend) {
    let c = ctx(b).await;
    let w = c.worker_id;
    let day = "&from=2026-12-07&to=2026-12-07";
    // Before any walk: nothing passed, nothing walked, everything drawn.
    let (st, r) = coverage(&c, &c.worker, c.a, day).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(
        r["buildings"],
        json!({"total": 5, "passed": 0, "share": 0.0})
    );
    assert!(close(&r["roads"]["length_m"], 500.0), "{r}");
    assert_eq!(r["roads"]["walked_m"], 0.0);
    assert_eq!(r["unwalked"]["features"].as_array().unwrap().len(), 6);
    // The patrol, then (after a 10-minute break) a 2-minute walk along the
    // north–south street from y = 20 to 80, which is no patrol.
    post(&c.s, &c.worker, &patrol(w, 0)).await;
    let stroll: Vec<Value> = (0..=12)
        .map(|k| fix(w, 2100 + k * 10, 100.0, 20.0 + 5.0 * k as f64))
        .collect();
    post(&c.s, &c.worker, &stroll).await;
    let (st, r) = coverage(&c, &c.worker, c.a, day).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["grid"], c.a);
    assert_eq!(r["patrols"], 1, "{r}");
    // Buildings of A (the one at x = 250 is B's): 1 at (50, 170) is 20 m from
    // the walk, 4 at (120, 125) 15 m: passed; 2 at (50, 185) 35 m, 3 at
    // (165, 100) √(5² + 40²) = 40.3 m from the walk's end, 6 at (20, 60) far:
    // not. 2 of 5.
    assert_eq!(
        r["buildings"],
        json!({"total": 5, "passed": 2, "share": 0.4})
    );
    // Roads in A: 200 m of the east–west street, 300 m of the north–south one.
    // Walked: x from 10 to 190 of the first (180 m), y from 120 to 180 of the
    // second (60 m); the stroll counts for nothing.
    assert!(close(&r["roads"]["length_m"], 500.0), "{r}");
    assert!(close(&r["roads"]["walked_m"], 240.0), "{r}");
    assert!(
        r["roads"]["share"]
            .as_f64()
            .is_some_and(|s| (s - 0.48).abs() < 1e-3)
    );
    let f = r["unwalked"]["features"].as_array().unwrap();
    assert_eq!(f.len(), 4, "{r}");
    assert_eq!(f[0]["properties"]["kind"], "road");
    assert_eq!(f[0]["geometry"]["type"], "MultiLineString");
    assert!(close(&f[0]["properties"]["length_m"], 260.0), "{}", f[0]);
    assert_eq!(f[0]["geometry"]["coordinates"].as_array().unwrap().len(), 4);
    let unpassed: Vec<&str> = f[1..]
        .iter()
        .map(|x| x["properties"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(unpassed, ["building"; 3]);
    // The same in Unix ms; a period before the walk finds nothing.
    let ms = format!("&from={}&to={}", T0 - 3_600_000, T0 + 7_200_000);
    let (_, r2) = coverage(&c, &c.s.http, c.a, &ms).await;
    assert_eq!(r2["buildings"], r["buildings"]);
    let before = format!("&from={}&to={}", T0 - 7_200_000, T0 - 3_600_000);
    let (_, r3) = coverage(&c, &c.s.http, c.a, &before).await;
    assert_eq!(r3["roads"]["walked_m"], 0.0);
    // Grid B: its workers made no patrol (A's worker is not B's).
    let (_, rb) = coverage(&c, &c.s.http, c.b, day).await;
    assert_eq!(
        (rb["patrols"].as_i64(), rb["buildings"]["total"].as_i64()),
        (Some(0), Some(1))
    );
    // The worker of A may not read B's; bad periods are named.
    let (st, _) = coverage(&c, &c.worker, c.b, day).await;
    assert_eq!(st, 403);
    let (st, r) = coverage(&c, &c.worker, c.a, "&from=yesterday&to=2026-12-07").await;
    assert_eq!(st, 422);
    assert_eq!(r["errors"][0]["field"], "from", "{r}");
    let (st, r) = coverage(&c, &c.worker, c.a, "&from=2026-12-08&to=2026-12-06").await;
    assert_eq!(st, 422);
    assert_eq!(r["errors"][0]["field"], "to", "{r}");
    let (st, r) = coverage(&c, &c.worker, c.a, "&from=2026-01-01&to=2026-12-31").await;
    assert_eq!(st, 422);
    assert_eq!(r["errors"][0]["field"], "to", "{r}");
    let (st, _) = coverage(&c, &c.s.http, 999_999, day).await;
    assert_eq!(st, 404);
}

fn tile_of(at: [f64; 2], z: u8) -> gridd_tiles::TileCoord {
    let p = geo::coord! { x: at[0], y: at[1] };
    let r = gridd_tiles::tiles_covering(geo::Rect::new(p, p), z);
    gridd_tiles::TileCoord::new(z, *r.x_range().start(), *r.y_range().start()).unwrap()
}

fn int(v: &MvtValue) -> i64 {
    match v {
        MvtValue::Int(i) | MvtValue::SInt(i) => *i,
        MvtValue::UInt(u) => *u as i64,
        other => panic!("not an integer: {other:?}"),
    }
}

/// The `tracks` features of a tile: (worker, start_ms, end_ms) and the status.
async fn tracks(
    c: &Ctx,
    client: &Client,
    t: gridd_tiles::TileCoord,
    q: &str,
) -> (u16, Vec<(i64, i64, i64)>) {
    let r = client
        .get(format!(
            "{}/api/v1/track-tiles/{}/{}/{}.mvt?day=2026-12-07{q}",
            c.s.url, t.z, t.x, t.y
        ))
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    if st != 200 {
        return (st, vec![]);
    }
    let bytes = r.bytes().await.unwrap().to_vec();
    let reader = mvt_reader::Reader::new(bytes).expect("a valid MVT");
    assert_eq!(reader.get_layer_names().unwrap(), ["tracks"]);
    let mut out: Vec<(i64, i64, i64)> = reader
        .get_features_as::<f64>(0)
        .unwrap()
        .iter()
        .map(|f| {
            let p = f.properties.as_ref().unwrap();
            assert_eq!(
                p.len(),
                3,
                "worker, start_ms, end_ms and nothing else: {p:?}"
            );
            (int(&p["worker"]), int(&p["start_ms"]), int(&p["end_ms"]))
        })
        .collect();
    out.sort_unstable();
    (st, out)
}

async fn a_walk_shows_in_the_tracks_tile_of_its_day_for_whom_it_may(b: Backend) {
    let c = ctx(b).await;
    let w = c.worker_id;
    // The patrol, a 10-minute pause, then 2 more minutes: two lines. A flagged
    // fix (150 m accuracy) in the first is left out without splitting it.
    let mut walk = patrol(w, 0);
    walk[40]["accuracy_m"] = json!(150.0);
    let r = c
        .worker
        .post(format!("{}/api/v1/tracks/points", c.s.url))
        .json(&json!({ "fixes": walk }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let later: Vec<Value> = (0..=12)
        .map(|k| fix(w, 2100 + k * 10, 100.0, 20.0 + 5.0 * k as f64))
        .collect();
    post(&c.s, &c.worker, &later).await;
    let t = tile_of(deg(100.0, 150.0), 16);
    let want = vec![(w, T0, T0 + 1_500_000), (w, T0 + 2_100_000, T0 + 2_220_000)];
    // The worker sees their own; so does an operator over the subdistrict.
    assert_eq!(tracks(&c, &c.worker, t, "").await, (200, want.clone()));
    let sd = c.sd;
    let operator =
        c.s.client_for("op-tracks", &[&format!("operator@subdistrict:{sd}")])
            .await;
    assert_eq!(tracks(&c, &operator, t, "").await, (200, want.clone()));
    assert_eq!(
        tracks(&c, &operator, t, &format!("&worker={w}")).await,
        (200, want)
    );
    // Compressed when asked, as the other tiles; revalidated by its ETag.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .get(format!(
            "{}/api/v1/track-tiles/{}/{}/{}.mvt?day=2026-12-07",
            c.s.url, t.z, t.x, t.y
        ))
        .bearer_auth(&c.s.admin_token)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 200);
    assert_eq!(raw.headers()["content-encoding"], "gzip");
    assert_eq!(
        raw.headers()["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    let etag = raw.headers()["etag"].to_str().unwrap().to_owned();
    let again =
        c.s.http
            .get(format!(
                "{}/api/v1/track-tiles/{}/{}/{}.mvt?day=2026-12-07",
                c.s.url, t.z, t.x, t.y
            ))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    // Another day, another place: nothing.
    let r = c
        .worker
        .get(format!(
            "{}/api/v1/track-tiles/{}/{}/{}.mvt?day=2026-12-08",
            c.s.url, t.z, t.x, t.y
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let far = tile_of(deg(380.0, 20.0), 18);
    assert_eq!(tracks(&c, &c.worker, far, "").await.0, 204);
    // Another grid worker (of B, or even of A) does not see it, and may not ask.
    let other =
        c.s.client_for("w-other", &[&format!("grid_worker@grid:{}", c.a)])
            .await;
    assert_eq!(tracks(&c, &other, t, "").await.0, 204);
    assert_eq!(tracks(&c, &other, t, &format!("&worker={w}")).await.0, 403);
    // An operator of another subdistrict sees nothing of it.
    let stranger =
        c.s.client_for("op-far", &["operator@subdistrict:999999"])
            .await;
    assert_eq!(tracks(&c, &stranger, t, "").await.0, 204);
    // A bad day is named.
    let r = c
        .worker
        .get(format!(
            "{}/api/v1/track-tiles/16/0/0.mvt?day=7.12.2026",
            c.s.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "day", "{body}");
}

/// Reads server-sent events until `n` of type `kind` have come (or 10 s pass):
/// (id, data).
async fn events(
    r: &mut reqwest::Response,
    buf: &mut String,
    kind: &str,
    n: usize,
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while out.len() < n {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let (mut ev, mut id, mut data) = (None, None, None);
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    ev = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("id:") {
                    id = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data = serde_json::from_str::<Value>(v.trim()).ok();
                }
            }
            if let (Some(e), Some(i), Some(d)) = (ev, id, data)
                && e == kind
            {
                out.push((i, d));
            }
        }
        if out.len() >= n {
            break;
        }
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .expect("events within 10 s")
            .unwrap()
            .expect("the feed stays open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
    out
}

async fn silent(r: &mut reqwest::Response, ms: u64) -> String {
    let mut got = String::new();
    let end = tokio::time::Instant::now() + std::time::Duration::from_millis(ms);
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(end, r.chunk()).await {
        got.push_str(&String::from_utf8_lossy(&chunk));
    }
    got
}

async fn positions_go_to_subscribers_in_scope_and_replay_after_their_id(b: Backend) {
    let c = ctx(b).await;
    let w = c.worker_id;
    let open = |client: Client, after: Option<String>| {
        let url = format!("{}/api/v1/events", c.s.url);
        async move {
            let mut rb = client.get(url);
            if let Some(a) = after {
                rb = rb.header("Last-Event-ID", a);
            }
            let r = rb.send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            r
        }
    };
    let operator_b =
        c.s.client_for("op-b", &[&format!("operator@grid:{}", c.b)])
            .await;
    let operator_a =
        c.s.client_for("op-a", &[&format!("operator@grid:{}", c.a)])
            .await;
    let mut in_scope = open(operator_a.clone(), None).await;
    let mut admin = open(c.s.http.clone(), None).await;
    let mut out_of_scope = open(operator_b, None).await;
    // Give the feeds a moment to subscribe.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // One request of 21 fixes (the newest at x = 140): one position.
    let first: Vec<Value> = (0..=20)
        .map(|k| fix(w, k * 10, 40.0 + 5.0 * k as f64, 150.0))
        .collect();
    post(&c.s, &c.worker, &first).await;
    let mut buf = String::new();
    let got = events(&mut in_scope, &mut buf, "patrol_position", 1).await;
    let (id, p) = &got[0];
    assert_eq!(p["worker"], w);
    assert_eq!(p["time_ms"], T0 + 200_000);
    let at = deg(140.0, 150.0);
    assert!((p["lon"].as_f64().unwrap() - at[0]).abs() < 1e-9, "{p}");
    assert!((p["lat"].as_f64().unwrap() - at[1]).abs() < 1e-9, "{p}");
    let path: Vec<i64> = p["grid_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_i64().unwrap())
        .collect();
    assert_eq!(path.len(), 3, "{p}");
    assert_eq!(path[2], c.a);
    let (step, n) = id.split_once(':').expect("<step>:<position>");
    assert_eq!(step, "0");
    assert_eq!(n.parse::<i64>().unwrap(), p["n"].as_i64().unwrap());
    let mut abuf = String::new();
    assert_eq!(
        events(&mut admin, &mut abuf, "patrol_position", 1).await[0].1["n"],
        p["n"]
    );
    // A request with two workers' fixes: one position each; the operator of
    // B sees neither.
    let second =
        c.s.client_for("w-cover-2", &[&format!("grid_worker@grid:{}", c.a)])
            .await;
    let w2 = me(&c.s, &second).await;
    let both = [
        fix(w, 300, 150.0, 150.0),
        fix(w, 310, 155.0, 150.0),
        fix(w2, 300, 60.0, 140.0),
    ];
    let r =
        c.s.http
            .post(format!("{}/api/v1/tracks/points", c.s.url))
            .json(&json!({ "fixes": both }))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let two = events(&mut in_scope, &mut buf, "patrol_position", 2).await;
    let mut who: Vec<(i64, i64)> = two
        .iter()
        .map(|(_, d)| {
            (
                d["worker"].as_i64().unwrap(),
                d["time_ms"].as_i64().unwrap(),
            )
        })
        .collect();
    who.sort_unstable();
    let mut expected = vec![(w, T0 + 310_000), (w2, T0 + 300_000)];
    expected.sort_unstable();
    assert_eq!(who, expected);
    let heard = silent(&mut out_of_scope, 700).await;
    assert!(!heard.contains("patrol_position"), "{heard}");
    // Resuming after the first position replays the two after it, in order.
    let mut again = open(operator_a, Some(id.clone())).await;
    let mut buf2 = String::new();
    let replay = events(&mut again, &mut buf2, "patrol_position", 2).await;
    assert_eq!(
        replay.iter().map(|(i, _)| i.clone()).collect::<Vec<_>>(),
        two.iter().map(|(i, _)| i.clone()).collect::<Vec<_>>()
    );
    // A bad event id is named.
    let r =
        c.s.http
            .get(format!("{}/api/v1/events", c.s.url))
            .header("Last-Event-ID", "3:x")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status().as_u16(), 422);
}
