//! Patrol tracks in (issue 13): a grid worker's GPS fixes checked as a request,
//! placed into grids, flagged when they cannot be true, stored, and read back.

use gridd::patrols::track_file::{TrackPoint, to_geojson, to_gpx};
use gridd::patrols::walk::{Network, WalkSpec, teleport, walk_path, walk_streets};
use gridd_e2e::{Backend, Server, both_backends};
use reqwest::Client;
use serde_json::{Value, json};

both_backends!(
    a_workers_fixes_are_placed_flagged_and_read_back,
    bad_fixes_are_refused_whole_and_nothing_is_stored,
    another_workers_fixes_need_the_right_to_manage_tracks,
    the_weekly_audit_answers_the_callers_scope_and_names_a_bad_week,
    track_files_go_the_way_of_fixes_and_bad_files_are_refused_whole,
    a_late_file_is_checked_against_its_neighbours_in_time,
    walks_on_the_demos_streets_are_audited_twice_a_week,
);

/// 2026-12-07 09:00 +08:00 (a Monday), in milliseconds.
const T0: i64 = 1_796_605_200_000;

struct Ctx {
    s: Server,
    /// The worker's client and account id.
    worker: Client,
    worker_id: i64,
    /// An L3 grid's interior point and the grid's id.
    at: [f64; 2],
    l3: i64,
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
    let s = Server::demo(b).await;
    let (_, l3) = s.get("/api/v1/grids?level=3").await;
    let f = &l3["features"][0];
    let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
    let g: geo::Geometry = g.try_into().unwrap();
    let p = geo::InteriorPoint::interior_point(&g).unwrap();
    let l3 = f["properties"]["id"].as_i64().unwrap();
    let worker = s
        .client_for("w-patrol", &[&format!("grid_worker@grid:{l3}")])
        .await;
    let worker_id = me(&s, &worker).await;
    Ctx {
        s,
        worker,
        worker_id,
        at: [p.x(), p.y()],
        l3,
    }
}

async fn post(s: &Server, c: &Client, fixes: &Value) -> (u16, Value) {
    let r = c
        .post(format!("{}/api/v1/tracks/points", s.url))
        .json(&json!({ "fixes": fixes }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn stored(c: &Ctx, worker: i64) -> Vec<Value> {
    let r = c
        .worker
        .get(format!(
            "{}/api/v1/tracks/points?worker={worker}&from={}&to={}",
            c.s.url,
            T0 - 86_400_000,
            T0 + 86_400_000
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json::<Vec<Value>>().await.unwrap()
}

/// A fix `east_m` metres east of the grid's point, `secs` seconds after T0.
fn fix(c: &Ctx, worker: i64, secs: i64, east_m: f64) -> Value {
    let dlon = east_m / (111_195.0 * c.at[1].to_radians().cos());
    json!({"worker": worker, "time_ms": T0 + secs * 1000, "lon": c.at[0] + dlon,
           "lat": c.at[1], "accuracy_m": 8.0})
}

async fn a_workers_fixes_are_placed_flagged_and_read_back(b: Backend) {
    let c = ctx(b).await;
    let w = c.worker_id;
    // Ten fixes 10 s and 10 m apart (1 m/s), then one 300 m on 10 s later (30 m/s:
    // a jump), one back in time, one with 150 m accuracy, one far outside.
    let mut fixes: Vec<Value> = (0..10)
        .map(|k| fix(&c, w, k * 10, k as f64 * 10.0))
        .collect();
    fixes.push(fix(&c, w, 100, 390.0));
    fixes.push(fix(&c, w, 50, 90.0));
    let mut vague = fix(&c, w, 110, 100.0);
    vague["accuracy_m"] = json!(150.0);
    fixes.push(vague);
    fixes.push(json!({"worker": w, "time_ms": T0 + 120_000, "lon": 116.39, "lat": 39.9}));
    let (st, r) = post(&c.s, &c.worker, &json!(fixes)).await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["stored"], 14);
    assert_eq!(r["counted"], 10);
    assert_eq!(
        r["flagged"],
        json!({"too_fast": 1, "time_backwards": 1, "inaccurate": 1, "outside": 1})
    );
    let flags = r["flags"].as_array().unwrap();
    assert!(flags[..10].iter().all(Value::is_null), "{r}");
    assert_eq!(
        flags[10..],
        [
            json!("too_fast"),
            json!("time_backwards"),
            json!("inaccurate"),
            json!("outside")
        ]
    );
    // Read back in time order, every fix, each counted one in the worker's grid.
    let back = stored(&c, w).await;
    assert_eq!(back.len(), 14);
    let times: Vec<i64> = back
        .iter()
        .map(|f| f["time_ms"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|p| p[0] <= p[1]), "{times:?}");
    assert_eq!(
        back[0]["grid_id"], c.l3,
        "the first fix: at the grid's own point"
    );
    // Each counted one in the deepest grid the lookup finds at its position.
    for f in back.iter().filter(|f| f["flag"].is_null()) {
        let (_, look) =
            c.s.get(&format!("/api/v1/lookup?lon={}&lat={}", f["lon"], f["lat"]))
                .await;
        let deepest = look["path"].as_array().unwrap().last().unwrap()["id"].clone();
        assert_eq!(f["grid_id"], deepest, "{f}");
        assert!(f["subdistrict_id"].is_i64());
    }
    let outside = back.iter().find(|f| f["flag"] == "outside").unwrap();
    assert!(outside["grid_id"].is_null() && outside["subdistrict_id"].is_null());
    // The next request goes on from the newest counted fix (90 m east at 90 s):
    // 10 m on at 100 s is a walk; 300 m on 10 s after that is a jump.
    let (st, r) = post(
        &c.s,
        &c.worker,
        &json!([fix(&c, w, 100, 100.0), fix(&c, w, 110, 400.0)]),
    )
    .await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["flags"], json!([null, "too_fast"]));
    assert_eq!(stored(&c, w).await.len(), 16);
    // A GCJ-02 fix (as Chinese map SDKs give) is stored in WGS 84.
    let g = json!([{"worker": w, "time_ms": T0 + 200_000, "lon": 116.404, "lat": 39.915,
                    "datum": "gcj02"}]);
    let (st, _) = post(&c.s, &c.worker, &g).await;
    assert_eq!(st, 201);
    let back = stored(&c, w).await;
    let last = back.last().unwrap();
    assert!(
        (last["lon"].as_f64().unwrap() - 116.404).abs() > 1e-4,
        "{last}"
    );
    assert!(
        (last["lon"].as_f64().unwrap() - 116.404).abs() < 0.01,
        "{last}"
    );
}

async fn bad_fixes_are_refused_whole_and_nothing_is_stored(b: Backend) {
    let c = ctx(b).await;
    let w = c.worker_id;
    let problem = |st: u16, r: &Value| -> Vec<String> {
        assert_eq!(st, 422, "{r}");
        r["errors"]
            .as_array()
            .map(|e| {
                e.iter()
                    .map(|x| x["field"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    // No fixes.
    let (st, r) = post(&c.s, &c.worker, &json!([])).await;
    assert_eq!(problem(st, &r), ["fixes"]);
    // 10,001 fixes.
    let many: Vec<Value> = (0..10_001).map(|k| fix(&c, w, k, 0.0)).collect();
    let (st, r) = post(&c.s, &c.worker, &json!(many)).await;
    assert_eq!(problem(st, &r), ["fixes"]);
    // A good fix and a bad latitude: the whole request refused, the bad one named.
    let mut bad = fix(&c, w, 10, 0.0);
    bad["lat"] = json!(95.0);
    let (st, r) = post(&c.s, &c.worker, &json!([fix(&c, w, 0, 0.0), bad])).await;
    assert_eq!(problem(st, &r), ["fixes[1].lat"]);
    // Not a number at all (JSON has no NaN): refused naming the field.
    let mut nan = fix(&c, w, 10, 0.0);
    nan["lon"] = json!("NaN");
    let (st, r) = post(&c.s, &c.worker, &json!([nan])).await;
    assert!(st == 400 || st == 422, "{st} {r}");
    assert!(r.to_string().contains("lon"), "{r}");
    // Nothing of these was stored.
    assert!(stored(&c, w).await.is_empty());
    // A 10,000-fix request is taken whole.
    // (Walking to and fro over 50 m at 0.5 m/s.)
    let most: Vec<Value> = (0..10_000)
        .map(|k| fix(&c, w, k, ((k % 200) - 100).abs() as f64 * 0.5))
        .collect();
    let (st, r) = post(&c.s, &c.worker, &json!(most)).await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["counted"], 10_000);
}

async fn another_workers_fixes_need_the_right_to_manage_tracks(b: Backend) {
    let c = ctx(b).await;
    let other = c.s.client_for("w-other", &["grid_worker@all"]).await;
    let other_id = me(&c.s, &other).await;
    // A worker may not record, nor read, another worker's track.
    let (st, r) = post(&c.s, &c.worker, &json!([fix(&c, other_id, 0, 0.0)])).await;
    assert_eq!(st, 403, "{r}");
    assert!(r.to_string().contains("fixes[0].worker"), "{r}");
    let st = c
        .worker
        .get(format!(
            "{}/api/v1/tracks/points?worker={other_id}&from=0&to={}",
            c.s.url,
            T0 * 2
        ))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(st, 403);
    // An operator does not record tracks (reading them: below).
    let op = c.s.client_for("op-patrol", &["operator@all"]).await;
    let (st, _) = post(&c.s, &op, &json!([fix(&c, other_id, 0, 0.0)])).await;
    assert_eq!(st, 403);
    // The subdistrict admin (the test server's admin) may, for fixes in their scope.
    let (st, r) = post(&c.s, &c.s.http, &json!([fix(&c, other_id, 0, 0.0)])).await;
    assert_eq!(st, 201, "{r}");
    let r =
        c.s.http
            .get(format!(
                "{}/api/v1/tracks/points?worker={other_id}&from=0&to={}",
                c.s.url,
                T0 * 2
            ))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Vec<Value>>().await.unwrap().len(), 1);
    // An operator reads patrols, so another worker's fixes where they lie in the
    // operator's scope (the day's playback): all of them over everything, none for
    // an operator of another subdistrict.
    let read = |client: Client| {
        let url = format!(
            "{}/api/v1/tracks/points?worker={other_id}&from=0&to={}",
            c.s.url,
            T0 * 2
        );
        async move {
            let r = client.get(url).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            r.json::<Vec<Value>>().await.unwrap().len()
        }
    };
    assert_eq!(read(op.clone()).await, 1);
    let elsewhere =
        c.s.client_for("op-elsewhere", &["operator@subdistrict:999"])
            .await;
    assert_eq!(read(elsewhere).await, 0);
    // The worker reads their own (none yet) with no `worker` named.
    let r = other
        .get(format!(
            "{}/api/v1/tracks/points?from=0&to={}",
            c.s.url,
            T0 * 2
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.json::<Vec<Value>>().await.unwrap().len(),
        1,
        "theirs, recorded by the admin"
    );
    // Signed out: 401.
    let (st, _) = post(&c.s, &c.s.anonymous(), &json!([fix(&c, other_id, 0, 0.0)])).await;
    assert_eq!(st, 401);
}

async fn audit_of(s: &Server, c: &Client, query: &str) -> (u16, Value) {
    let r = c
        .get(format!("{}/api/v1/patrols/audit?{query}", s.url))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn the_weekly_audit_answers_the_callers_scope_and_names_a_bad_week(b: Backend) {
    let c = ctx(b).await;
    let (_, l3) = c.s.get("/api/v1/grids?level=3").await;
    let l3_count = l3["features"].as_array().unwrap().len();
    // The admin: every L3 grid, none patrolled, all short; the worker listed.
    let (st, a) = audit_of(&c.s, &c.s.http, "week=2026-W50").await;
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["week"], "2026-W50");
    assert_eq!(a["from_ms"], T0 - 9 * 3_600_000, "Monday 00:00 +08:00");
    assert_eq!(a["to_ms"], T0 - 9 * 3_600_000 + 7 * 86_400_000);
    assert_eq!(
        a["rules"],
        json!({"min_duration_ms": 1_200_000, "min_distance_m": 500.0, "max_gap_ms": 300_000,
               "max_excursion_ms": 60_000, "min_per_week": 2})
    );
    let grids = a["grids"].as_array().unwrap();
    assert_eq!(grids.len(), l3_count);
    assert!(
        grids
            .iter()
            .all(|g| g["short"] == true && g["patrols"] == 0)
    );
    let mine = grids.iter().find(|g| g["grid"] == c.l3).unwrap();
    assert_eq!(mine["workers"], json!([c.worker_id]));
    assert_eq!(
        a["workers"],
        json!([{"worker": c.worker_id, "name": "w-patrol",
                "grids": [{"grid": c.l3, "patrols": 0, "short": true}], "patrols": 0, "short": 1}])
    );
    assert!(!a["parents"].as_array().unwrap().is_empty());
    assert_eq!(a["patrols"], json!([]));
    // The grid worker: their own subtree only.
    let (st, w) = audit_of(&c.s, &c.worker, "week=2026-W50").await;
    assert_eq!(st, 200, "{w}");
    let ids: Vec<&Value> = w["grids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| &g["grid"])
        .collect();
    assert_eq!(ids, [&json!(c.l3)]);
    assert_eq!(w["workers"].as_array().unwrap().len(), 1);
    // One worker; another account is no grid worker in the scope.
    let (st, one) = audit_of(
        &c.s,
        &c.s.http,
        &format!("week=2026-W50&worker={}", c.worker_id),
    )
    .await;
    assert_eq!(st, 200, "{one}");
    assert_eq!(one["grids"].as_array().unwrap().len(), 1);
    let (st, r) = audit_of(&c.s, &c.s.http, "week=2026-W50&worker=999999").await;
    assert_eq!(st, 404, "{r}");
    // The week defaults to the current one; a bad one is named.
    let (st, now) = audit_of(&c.s, &c.s.http, "").await;
    assert_eq!(st, 200, "{now}");
    assert!(now["week"].as_str().unwrap().contains("-W"), "{now}");
    for bad in ["2026-W54", "yesterday", "2026-13"] {
        let (st, r) = audit_of(&c.s, &c.s.http, &format!("week={bad}")).await;
        assert_eq!(st, 422, "{bad}: {r}");
        assert_eq!(r["errors"][0]["field"], "week", "{r}");
    }
    // Signed out: 401; an operator and an auditor read it, a planner does not.
    let (st, _) = audit_of(&c.s, &c.s.anonymous(), "").await;
    assert_eq!(st, 401);
    let planner = c.s.client_for("p-patrol", &["planner@all"]).await;
    let (st, _) = audit_of(&c.s, &planner, "").await;
    assert_eq!(st, 403);
    let auditor = c.s.client_for("a-patrol", &["auditor@all"]).await;
    let (st, r) = audit_of(&c.s, &auditor, "week=2026-W50").await;
    assert_eq!(st, 200);
    assert_eq!(r["grids"].as_array().unwrap().len(), l3_count);
}

/// Track points `east_m(k)` metres east of the grid's point, `secs(k)` after T0.
fn points(c: &Ctx, n: usize, at: impl Fn(usize) -> (i64, f64)) -> Vec<TrackPoint> {
    (0..n)
        .map(|k| {
            let (secs, east_m) = at(k);
            let dlon = east_m / (111_195.0 * c.at[1].to_radians().cos());
            TrackPoint {
                time_ms: T0 + secs * 1000,
                lon: c.at[0] + dlon,
                lat: c.at[1],
                ele: None,
            }
        })
        .collect()
}

async fn upload(s: &Server, c: &Client, query: &str, ct: &str, body: String) -> (u16, Value) {
    let r = c
        .post(format!("{}/api/v1/tracks/files{query}", s.url))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

const GPX: &str = "application/gpx+xml";
const GEOJSON: &str = "application/geo+json";

async fn track_files_go_the_way_of_fixes_and_bad_files_are_refused_whole(b: Backend) {
    let c = ctx(b).await;
    let w = c.worker_id;
    let field = |r: &Value| r["errors"][0]["field"].as_str().unwrap_or("").to_owned();
    // Refused whole, each named, nothing stored: not XML, no points, 10,001
    // points, a NaN coordinate, a time out of range, another worker's track,
    // neither GPX nor GeoJSON.
    let (st, r) = upload(
        &c.s,
        &c.worker,
        "",
        GPX,
        "<gpx><trk><trkseg></trk></gpx>".into(),
    )
    .await;
    assert_eq!((st, field(&r)), (422, "file".into()), "{r}");
    assert!(r.to_string().contains("not XML"), "{r}");
    let (st, r) = upload(
        &c.s,
        &c.worker,
        "",
        GPX,
        "<gpx version=\"1.1\"></gpx>".into(),
    )
    .await;
    assert_eq!((st, field(&r)), (422, "file".into()), "{r}");
    assert!(r.to_string().contains("no track points"), "{r}");
    let empty = json!({"type": "FeatureCollection", "features": []}).to_string();
    let (st, r) = upload(&c.s, &c.worker, "", GEOJSON, empty).await;
    assert_eq!(st, 422, "{r}");
    let many = to_gpx(&points(&c, 10_001, |k| (k as i64, 0.0)), "many");
    let (st, r) = upload(&c.s, &c.worker, "", GPX, many).await;
    assert_eq!((st, field(&r)), (422, "file".into()), "{r}");
    assert!(r.to_string().contains("10001"), "{r}");
    let nan = to_gpx(&points(&c, 3, |k| (k as i64, 0.0)), "nan").replacen(
        &format!("lat=\"{}\"", c.at[1]),
        "lat=\"NaN\"",
        1,
    );
    let (st, r) = upload(&c.s, &c.worker, "", GPX, nan).await;
    assert_eq!((st, field(&r)), (422, "trkpt[0]".into()), "{r}");
    let mut old = points(&c, 2, |k| (k as i64, 0.0));
    old[1].time_ms = 0;
    let (st, r) = upload(&c.s, &c.worker, "", GPX, to_gpx(&old, "1970")).await;
    assert_eq!((st, field(&r)), (422, "points[1].time_ms".into()), "{r}");
    let other = c.s.client_for("w-other-file", &["grid_worker@all"]).await;
    let other_id = me(&c.s, &other).await;
    let good = to_gpx(
        &points(&c, 10, |k| (10 * k as i64, 10.0 * k as f64)),
        "walk",
    );
    let (st, r) = upload(
        &c.s,
        &c.worker,
        &format!("?worker={other_id}"),
        GPX,
        good.clone(),
    )
    .await;
    assert_eq!((st, field(&r)), (403, String::new()), "{r}");
    assert!(r.to_string().contains("worker"), "{r}");
    let (st, r) = upload(&c.s, &c.worker, "", "image/png", good.clone()).await;
    assert_eq!((st, field(&r)), (415, "Content-Type".into()), "{r}");
    let (st, r) = upload(&c.s, &c.worker, "?datum=osgb36", GPX, good.clone()).await;
    assert_eq!((st, field(&r)), (422, "datum".into()), "{r}");
    assert!(stored(&c, w).await.is_empty());
    // A GPX walk is stored as the caller's fixes, placed and checked.
    let (st, r) = upload(&c.s, &c.worker, "", GPX, good).await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(
        (r["stored"].as_u64(), r["counted"].as_u64()),
        (Some(10), Some(10))
    );
    let back = stored(&c, w).await;
    assert_eq!(back.len(), 10);
    assert_eq!(back[0]["grid_id"], c.l3);
    assert!(back.iter().all(|f| f["accuracy_m"].is_null()));
    // GeoJSON going on from it, with a jump: flagged like any fix.
    let on = points(&c, 5, |k| {
        (
            100 + 10 * k as i64,
            if k == 3 {
                350.0
            } else {
                100.0 + 10.0 * k as f64
            },
        )
    });
    let (st, r) = upload(&c.s, &c.worker, "", GEOJSON, to_geojson(&on).to_string()).await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["flags"], json!([null, null, null, "too_fast", null]));
    // The admin uploads for the worker; the media type may be left to sniffing.
    let next = to_gpx(
        &points(&c, 2, |k| (200 + 10 * k as i64, 140.0 + 10.0 * k as f64)),
        "x",
    );
    let (st, r) = upload(
        &c.s,
        &c.s.http,
        &format!("?worker={w}"),
        "application/octet-stream",
        next,
    )
    .await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(stored(&c, w).await.len(), 17);
}

async fn a_late_file_is_checked_against_its_neighbours_in_time(b: Backend) {
    let c = ctx(b).await;
    let w = c.worker_id;
    const DAY: i64 = 86_400;
    // Today's fixes first (a day after T0): 10 m every 10 s.
    let today: Vec<Value> = (0..10)
        .map(|k| fix(&c, w, DAY + 10 * k, 10.0 * k as f64))
        .collect();
    let (st, r) = post(&c.s, &c.worker, &json!(today)).await;
    assert_eq!((st, r["counted"].as_u64()), (201, Some(10)), "{r}");
    // Then yesterday's file arrives: older than every stored fix, yet none of it
    // is time_backwards; its own jump is still too_fast (checked against its own
    // neighbours).
    let late = points(&c, 12, |k| {
        (10 * k as i64, if k == 6 { 300.0 } else { 5.0 * k as f64 })
    });
    let (st, r) = upload(&c.s, &c.worker, "", GPX, to_gpx(&late, "yesterday")).await;
    assert_eq!(st, 201, "{r}");
    let mut want = vec![Value::Null; 12];
    want[6] = json!("too_fast");
    assert_eq!(r["flags"], json!(want), "{r}");
    // A file inside the stored track's span (between yesterday's and today's) is
    // checked from the counted fix just before it in time (yesterday's last, 55 m
    // east at 110 s): 300 m on in 10 s is too fast, 10 m on in 20 s a walk.
    let mid = points(&c, 2, |k| {
        (120 + 10 * k as i64, if k == 0 { 355.0 } else { 65.0 })
    });
    let (st, r) = upload(&c.s, &c.worker, "", GPX, to_gpx(&mid, "mid")).await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["flags"], json!(["too_fast", null]), "{r}");
    // Live fixes go on from today's newest, not from the late file's last: 300 m
    // in 10 s after today's 90 m at +90 s is a jump.
    let (st, r) = post(
        &c.s,
        &c.worker,
        &json!([fix(&c, w, DAY + 100, 100.0), fix(&c, w, DAY + 110, 400.0)]),
    )
    .await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["flags"], json!([null, "too_fast"]));
    // Within one request, a time going back is still flagged.
    let (st, r) = post(
        &c.s,
        &c.worker,
        &json!([fix(&c, w, DAY + 120, 110.0), fix(&c, w, DAY + 115, 105.0)]),
    )
    .await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["flags"], json!([null, "time_backwards"]));
}

/// The demo's streets (from the server) and its L3 grid with the most street
/// vertices inside: its id and polygon.
async fn streets_and_busiest_grid(s: &Server) -> (Network, i64, geo::Polygon) {
    use geo::Contains;
    let (st, roads) = s.get("/api/v1/roads?bbox=-180,-90,180,90").await;
    assert_eq!(st, 200, "{roads}");
    let lines: Vec<geo::LineString> = roads["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["geometry"]["type"] == "LineString")
        .map(|f| {
            let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
            geo::LineString::try_from(g).unwrap()
        })
        .collect();
    assert!(lines.len() > 10, "the demo has streets");
    let net = Network::new(&lines);
    let (_, l3) = s.get("/api/v1/grids?level=3").await;
    let (id, poly, _) = l3["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
            let poly = match geo::Geometry::try_from(g).unwrap() {
                geo::Geometry::Polygon(p) => p,
                geo::Geometry::MultiPolygon(mp) => mp.0.into_iter().next().unwrap(),
                other => panic!("{other:?}"),
            };
            let n = net
                .nodes()
                .iter()
                .filter(|&&c| poly.contains(&geo::Point::from(c)))
                .count();
            (f["properties"]["id"].as_i64().unwrap(), poly, n)
        })
        .max_by_key(|g| g.2)
        .unwrap();
    (net, id, poly)
}

fn fixes_json(fixes: &[gridd::patrols::fix::Fix]) -> Value {
    json!(
        fixes
            .iter()
            .map(
                |f| json!({"worker": f.worker, "time_ms": f.time_ms, "lon": f.pos.x,
                        "lat": f.pos.y, "accuracy_m": f.accuracy_m})
            )
            .collect::<Vec<_>>()
    )
}

/// 2026-12-14 09:00 +08:00, the Monday of 2026-W51.
const W51: i64 = T0 + 7 * 86_400_000;

async fn walks_on_the_demos_streets_are_audited_twice_a_week(b: Backend) {
    use geo::Contains;
    let s = Server::demo(b).await;
    let (net, grid, area) = streets_and_busiest_grid(&s).await;
    let walker = s
        .client_for("w-walker", &[&format!("grid_worker@grid:{grid}")])
        .await;
    let w = me(&s, &walker).await;
    let walk = |start_ms: i64, seed: u64| {
        walk_streets(
            &net,
            &area,
            &WalkSpec {
                worker: w,
                start_ms,
                duration_ms: 30 * 60_000,
                seed,
                ..WalkSpec::default()
            },
        )
    };
    // 2026-W50: two 30-minute walks along the grid's streets (Monday and
    // Thursday); the second has one fix teleported 300 m away in 2 s in the middle.
    let monday = walk(T0, 1);
    assert!(monday.len() > 170, "{}", monday.len());
    let (st, r) = post(&s, &walker, &fixes_json(&monday)).await;
    assert_eq!(st, 201, "{r}");
    let mut thursday = walk(T0 + 3 * 86_400_000, 2);
    let jump = teleport(&thursday[90], 300.0, 0.0, 2000);
    thursday.insert(91, jump);
    let (st, r) = post(&s, &walker, &fixes_json(&thursday)).await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["flags"][91], "too_fast", "{r}");
    assert_eq!(r["flagged"]["too_fast"], 1, "only the jump: {r}");
    // Friday: a walk that only crosses the grid, in and out in about two minutes
    // (a straight line through its interior point, east to west).
    let c = geo::InteriorPoint::interior_point(&area).unwrap();
    let frame = gridd::domain::frame::LocalFrame::new(c.0);
    let across = |east: f64| frame.to_degrees(geo::coord! { x: east, y: 0.0 });
    let inside_m = (-3000..3000)
        .filter(|&e| area.contains(&geo::Point::from(across(f64::from(e)))))
        .count() as f64;
    let speed = (inside_m / 120.0).max(0.5);
    let cross = walk_path(
        &[across(-1200.0), across(1200.0)],
        &WalkSpec {
            worker: w,
            start_ms: T0 + 4 * 86_400_000,
            duration_ms: 20 * 60_000,
            speed_mps: speed,
            noise_m: 0.0,
            seed: 3,
            ..WalkSpec::default()
        },
    );
    let inside: Vec<&gridd::patrols::fix::Fix> = cross
        .iter()
        .filter(|f| area.contains(&geo::Point::from(f.pos)))
        .collect();
    let secs = (inside.last().unwrap().time_ms - inside[0].time_ms) / 1000;
    assert!(
        (90..=150).contains(&secs),
        "inside for {secs} s at {speed} m/s"
    );
    let (st, r) = post(&s, &walker, &fixes_json(&cross)).await;
    assert_eq!(st, 201, "{r}");
    // 2026-W51: one walk only.
    let (st, r) = post(&s, &walker, &fixes_json(&walk(W51, 4))).await;
    assert_eq!(st, 201, "{r}");

    // The audit of W50: two patrols (the crossing is none), the grid passes.
    let (st, a) = audit_of(&s, &s.http, "week=2026-W50").await;
    assert_eq!(st, 200, "{a}");
    let patrols = a["patrols"].as_array().unwrap();
    assert_eq!(patrols.len(), 2, "{patrols:?}");
    assert!(
        patrols
            .iter()
            .all(|p| p["worker"] == w && p["grid"] == grid)
    );
    assert_eq!(patrols[0]["start_ms"], monday[0].time_ms);
    for p in patrols {
        assert!(p["duration_ms"].as_i64().unwrap() >= 20 * 60_000, "{p}");
        // At most 1.2 m/s for 30 min (2,160 m): never the teleport's 600 m there and back on top.
        let d = p["distance_m"].as_f64().unwrap();
        assert!((500.0..2600.0).contains(&d), "{p}");
    }
    // The jump is not counted: Thursday's patrol has no more fixes than were counted.
    let thursday_inside = thursday
        .iter()
        .enumerate()
        .filter(|(i, f)| *i != 91 && area.contains(&geo::Point::from(f.pos)))
        .count() as u64;
    assert!(
        patrols[1]["fixes"].as_u64().unwrap() <= thursday_inside,
        "{}",
        patrols[1]
    );
    let row = a["grids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["grid"] == grid)
        .unwrap();
    assert_eq!(row["patrols"], 2);
    assert_eq!(row["patrolled_by"], json!([w]));
    assert_eq!(row["short"], false);
    let me_row = a["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["worker"] == w)
        .unwrap();
    assert_eq!(
        me_row["grids"],
        json!([{"grid": grid, "patrols": 2, "short": false}])
    );
    assert_eq!(me_row["short"], 0);
    // W51: once, short — for the grid, the worker and the grid's L2 and L1.
    // (Asked by the walker: their own grid only.)
    let (st, a) = audit_of(&s, &walker, "week=2026-W51").await;
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["patrols"].as_array().unwrap().len(), 1, "{a}");
    assert_eq!(
        a["grids"],
        json!([{"grid": grid, "patrols": 1, "patrolled_by": [w], "workers": [w],
                "duration_ms": a["patrols"][0]["duration_ms"],
                "distance_m": a["patrols"][0]["distance_m"], "short": true}])
    );
    assert_eq!(a["workers"][0]["short"], 1);
    let (st, all) = audit_of(&s, &s.http, "week=2026-W51").await;
    assert_eq!(st, 200);
    for level in [2, 1] {
        let p = all["parents"].as_array().unwrap().iter().find(|p| {
            p["level"] == level && p["short_grids"].as_array().unwrap().contains(&json!(grid))
        });
        assert!(
            p.is_some(),
            "L{level} lists the grid short: {}",
            all["parents"]
        );
    }
    // One worker asked: only their patrols and grids.
    let (st, one) = audit_of(&s, &s.http, &format!("week=2026-W50&worker={w}")).await;
    assert_eq!(st, 200);
    assert_eq!(one["workers"].as_array().unwrap().len(), 1);
    assert_eq!(one["grids"].as_array().unwrap().len(), 1);
    assert_eq!(one["grids"][0]["short"], false);
}
