//! Cases end to end, on both stores over real HTTP: whole loops (straight through;
//! sent back and reworked; escalated twice to the leading group; deferred and
//! resumed; explained and filed; a duplicate merged), each asserting the history
//! and the statistics; bad input refused with nothing stored; retries with an
//! `Idempotency-Key`; reporters' contacts only where the role needs them; the
//! overdue sweep with the test clock.

use gridd::cases::calendar::Calendar;
use gridd_e2e::{Backend, Server, both_backends};
use reqwest::{Client, Method};
use serde_json::{Value, json};

both_backends!(
    a_case_goes_straight_through_the_loop,
    a_failed_verification_is_reworked_and_twice_escalated_to_the_leading_group,
    a_deferral_moves_the_deadline_by_exactly_its_working_time,
    a_case_is_explained_and_filed,
    a_duplicate_is_proposed_and_merged,
    one_batch_reports_merges_into_its_own_new_case_and_numbers_its_steps,
    bad_reports_and_steps_are_refused_and_nothing_is_stored,
    retries_with_an_idempotency_key_never_make_two_cases,
    reporters_are_seen_only_by_roles_that_call_them_back,
    a_passed_deadline_is_recorded_and_escalated,
    the_feed_replays_from_last_event_id_and_goes_on_live,
    history_is_append_only_in_the_store_itself,
    open_cases_are_tiles_clustered_scoped_and_changed_by_their_steps,
);

/// 2026-12-07, a Monday, 09:00 +08:00.
const MONDAY_9: i64 = 1_796_605_200;

struct Ctx {
    s: Server,
    sd: i64,
    /// An L3 grid's interior point, its path L1 first.
    at: [f64; 2],
    path: Vec<i64>,
    /// The second L1 grid (not containing `at`).
    other_l1: i64,
}

async fn ctx(b: Backend) -> Ctx {
    let s = Server::demo(b).await;
    let (_, l3) = s.get("/api/v1/grids?level=3").await;
    let f = &l3["features"][0];
    let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
    let g: geo::Geometry = g.try_into().unwrap();
    let p = geo::InteriorPoint::interior_point(&g).unwrap();
    let at = [p.x(), p.y()];
    let (_, look) = s
        .get(&format!("/api/v1/lookup?lon={}&lat={}", at[0], at[1]))
        .await;
    let path: Vec<i64> = look["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    let (_, l1) = s.get("/api/v1/grids?level=1").await;
    let other_l1 = l1["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["id"].as_i64().unwrap())
        .find(|id| *id != path[0])
        .unwrap();
    let sd = f["properties"]["subdistrict_id"].as_i64().unwrap();
    Ctx {
        s,
        sd,
        at,
        path,
        other_l1,
    }
}

async fn call(
    s: &Server,
    c: &Client,
    m: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let mut rb = c.request(m, format!("{}{path}", s.url));
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn set_clock(s: &Server, now: i64) {
    let r = s
        .send(
            Method::PUT,
            "/api/v1/test-clock",
            Some(&json!({ "now": now })),
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.json);
}

async fn report(c: &Ctx, category: &str, at: [f64; 2]) -> Value {
    let r =
        c.s.send(
            Method::POST,
            "/api/v1/cases",
            Some(&json!({"source": "hotline", "category": category,
                "description": "小区门口垃圾堆积", "address": "示范路 1 号",
                "location": {"lon": at[0], "lat": at[1]},
                "reporter": {"name": "张三丰", "phone": "13812345678"}})),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    r.json
}

/// Takes a step as the admin; answers the case after it.
async fn step(c: &Ctx, id: i64, body: Value) -> Value {
    let r =
        c.s.send(
            Method::POST,
            &format!("/api/v1/cases/{id}/steps"),
            Some(&body),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{body}: {}", r.json);
    r.json["case"].clone()
}

async fn kinds(c: &Ctx, id: i64) -> Vec<String> {
    let (st, h) = c.s.get(&format!("/api/v1/cases/{id}/history")).await;
    assert_eq!(st, 200);
    h.as_array()
        .unwrap()
        .iter()
        .map(|x| x["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn stats(c: &Ctx, group_by: &str) -> Value {
    let (st, v) =
        c.s.get(&format!(
            "/api/v1/case-stats?from=0&to=4000000000&group_by={group_by}"
        ))
        .await;
    assert_eq!(st, 200, "{v}");
    v
}

async fn upload(s: &Server) -> i64 {
    let r = s
        .post_raw(
            "/api/v1/case-photos",
            "image/png",
            crate::access::PNG.to_vec(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    r.json["id"].as_i64().unwrap()
}

async fn a_case_goes_straight_through_the_loop(b: Backend) {
    let c = ctx(b).await;
    set_clock(&c.s, MONDAY_9).await;
    let r = report(&c, "SJ-01-01", c.at).await;
    let case = &r["case"];
    let id = case["id"].as_i64().unwrap();
    assert_eq!(case["stage"], "reported");
    assert!(
        case["number"].as_str().unwrap().starts_with("2026-"),
        "{case}"
    );
    // Placed into its full grid path at intake.
    let path: Vec<i64> = serde_json::from_value(case["grid_path"].clone()).unwrap();
    assert_eq!(path, c.path);
    // Filing starts the clock: 8 working hours from 09:00 on a Monday is 18:00.
    let filed = step(&c, id, json!({"action": "file", "version": 1})).await;
    let deadline = filed["deadline"].as_i64().unwrap();
    let filed_at = filed["filed_at"].as_i64().unwrap();
    assert_eq!(
        Calendar::china().working_seconds(
            chrono::DateTime::from_timestamp(filed_at, 0).unwrap(),
            chrono::DateTime::from_timestamp(deadline, 0).unwrap()
        ),
        8 * 3600
    );
    // The product proposes the dispatch: an event of urban management goes to the
    // L2 grid (its territory) first, then the urban-management unit.
    let (_, units) = c.s.get(&format!("/api/v1/cases/{id}/proposal")).await;
    assert_eq!(
        units,
        json!([{"kind": "grid", "grid_id": c.path[1]}, {"kind": "department", "code": "urban_management"}])
    );
    step(&c, id, json!({"action": "dispatch", "units": units})).await;
    step(&c, id, json!({"action": "accept"})).await;
    let photo = upload(&c.s).await;
    step(
        &c,
        id,
        json!({"action": "report_result", "note": "已清运", "photos": [photo]}),
    )
    .await;
    let closed = step(&c, id, json!({"action": "verify", "passed": true})).await;
    assert_eq!(closed["stage"], "closed");
    assert_eq!(closed["on_time"], true);
    let done = step(&c, id, json!({"action": "evaluate", "score": 5})).await;
    assert_eq!(
        (done["stage"].as_str(), done["version"].as_i64()),
        (Some("evaluated"), Some(7))
    );
    assert_eq!(
        kinds(&c, id).await,
        [
            "report",
            "file",
            "dispatch",
            "accept",
            "report_result",
            "close",
            "evaluate"
        ]
    );
    let (_, h) = c.s.get(&format!("/api/v1/cases/{id}/history")).await;
    assert_eq!(h[4]["photos"], json!([photo]));
    assert_eq!(h[4]["actor"], "test-admin");
    // The photo is served back as stored.
    let r =
        c.s.http
            .get(format!("{}/api/v1/case-photos/{photo}", c.s.url))
            .send()
            .await
            .unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), crate::access::PNG);
    // The evaluation counts it closed, on time, not reworked.
    let e = stats(&c, "grid").await;
    let t = &e["total"];
    assert_eq!(
        (
            t["due"].as_i64(),
            t["closed"].as_i64(),
            t["closed_on_time"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(t["closing_rate"], 1.0);
    assert_eq!(t["rework_rate"], 0.0);
    // Rolled up the tree: the L1, L2 and L3 grids each count it.
    for g in &c.path {
        let row = e["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"].as_str() == Some(g.to_string().as_str()))
            .unwrap_or_else(|| panic!("grid {g} in {e}"));
        assert_eq!(row["figures"]["closed"], 1);
    }
    // And the CSV says the same.
    let csv =
        c.s.http
            .get(format!(
                "{}/api/v1/case-stats?from=0&to=4000000000&format=csv",
                c.s.url
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(csv.starts_with('\u{feff}'), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("all,1,1,1,1")), "{csv}");
}

async fn a_failed_verification_is_reworked_and_twice_escalated_to_the_leading_group(b: Backend) {
    let c = ctx(b).await;
    set_clock(&c.s, MONDAY_9).await;
    let id = report(&c, "SJ-01-01", c.at).await["case"]["id"]
        .as_i64()
        .unwrap();
    step(&c, id, json!({"action": "file"})).await;
    step(
        &c,
        id,
        json!({"action": "dispatch", "units": [{"kind": "grid", "grid_id": c.path[1]}]}),
    )
    .await;
    step(&c, id, json!({"action": "accept"})).await;
    let fail = json!({"action": "verify", "passed": false, "note": "仍有垃圾"});
    let result = json!({"action": "report_result", "note": "已处理"});
    // First failure: rework, no escalation.
    step(&c, id, result.clone()).await;
    let one = step(&c, id, fail.clone()).await;
    assert_eq!(
        (
            one["stage"].as_str(),
            one["rework"].as_i64(),
            one["supervision"].as_i64()
        ),
        (Some("handling"), Some(1), Some(0))
    );
    // Second failure: escalated (督办); the L1 grid joins.
    step(&c, id, result.clone()).await;
    let two = step(&c, id, fail.clone()).await;
    assert_eq!(
        (two["rework"].as_i64(), two["supervision"].as_i64()),
        (Some(2), Some(1))
    );
    assert!(
        two["units"]
            .as_array()
            .unwrap()
            .contains(&json!({"kind": "grid", "grid_id": c.path[0]}))
    );
    // A failure under escalation goes to the leading group (领导小组).
    step(&c, id, result.clone()).await;
    let three = step(&c, id, fail.clone()).await;
    assert_eq!(
        (three["rework"].as_i64(), three["supervision"].as_i64()),
        (Some(3), Some(2))
    );
    assert!(
        three["units"]
            .as_array()
            .unwrap()
            .contains(&json!({"kind": "department", "code": "leading_group"}))
    );
    // Nothing is above the leading group.
    let r =
        c.s.send(
            Method::POST,
            &format!("/api/v1/cases/{id}/steps"),
            Some(&json!({"action": "escalate", "note": "再督办"})),
            &[],
        )
        .await;
    assert_eq!(r.assert_problem(422), ["action"]);
    // Then it is solved.
    step(&c, id, result.clone()).await;
    let closed = step(&c, id, json!({"action": "verify", "passed": true})).await;
    assert_eq!(closed["stage"], "closed");
    let k = kinds(&c, id).await;
    assert_eq!(k.iter().filter(|x| *x == "send_back").count(), 3, "{k:?}");
    assert_eq!(k.last().map(String::as_str), Some("close"));
    let (_, h) = c.s.get(&format!("/api/v1/cases/{id}/history")).await;
    let backs: Vec<&Value> = h
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "send_back")
        .collect();
    assert_eq!(backs[1]["detail"]["supervision"], 1);
    assert_eq!(backs[2]["detail"]["supervision"], 2);
    let t = &stats(&c, "none").await["total"];
    assert_eq!(
        (t["reworked"].as_i64(), t["reworks"].as_i64()),
        (Some(1), Some(3))
    );
    assert_eq!(t["rework_rate"], 1.0);
    assert_eq!(
        (t["escalated"].as_i64(), t["leading_group"].as_i64()),
        (Some(1), Some(1))
    );
}

async fn a_deferral_moves_the_deadline_by_exactly_its_working_time(b: Backend) {
    let c = ctx(b).await;
    set_clock(&c.s, MONDAY_9).await;
    let id = report(&c, "SJ-01-01", c.at).await["case"]["id"]
        .as_i64()
        .unwrap();
    step(&c, id, json!({"action": "file"})).await;
    let d = step(
        &c,
        id,
        json!({"action": "dispatch", "units": [{"kind": "department", "code": "urban_management"}]}),
    )
    .await;
    let old = d["deadline"].as_i64().unwrap();
    // Defer at 10:00 with a reason and an approver; resume the next day at 10:00.
    set_clock(&c.s, MONDAY_9 + 3600).await;
    let r =
        c.s.send(
            Method::POST,
            &format!("/api/v1/cases/{id}/steps"),
            Some(&json!({"action": "defer", "reason": "等待配件"})),
            &[],
        )
        .await;
    assert_eq!(r.assert_problem(422), ["approver"]);
    let deferred = step(
        &c,
        id,
        json!({"action": "defer", "reason": "等待配件", "approver": "王主任"}),
    )
    .await;
    assert_eq!(deferred["stage"], "deferred");
    assert!(deferred["deadline"].is_null(), "the clock stands still");
    set_clock(&c.s, MONDAY_9 + 25 * 3600).await;
    let resumed = step(&c, id, json!({"action": "resume"})).await;
    assert_eq!(resumed["stage"], "dispatched");
    let new = resumed["deadline"].as_i64().unwrap();
    // Exactly: the deadline moved by the working time the deferral lasted.
    let (_, h) = c.s.get(&format!("/api/v1/cases/{id}/history")).await;
    let at = |kind: &str| {
        h.as_array()
            .unwrap()
            .iter()
            .find(|x| x["kind"] == kind)
            .unwrap()["at"]
            .as_i64()
            .unwrap()
    };
    let cal = Calendar::china();
    let t = |x: i64| chrono::DateTime::from_timestamp(x, 0).unwrap();
    let stopped = cal.working_seconds(t(at("defer")), t(at("resume")));
    assert!((8 * 3600 - 5..=8 * 3600).contains(&stopped), "{stopped}");
    assert_eq!(
        cal.working_seconds(t(old), t(new)),
        stopped,
        "old {old}, new {new}"
    );
    assert_eq!(resumed["deferred_secs"].as_i64(), Some(stopped));
    // Closing it: a case once deferred stays out of the on-time rate.
    step(&c, id, json!({"action": "accept"})).await;
    step(&c, id, json!({"action": "report_result", "note": "已修复"})).await;
    step(&c, id, json!({"action": "verify", "passed": true})).await;
    let s = &stats(&c, "none").await["total"];
    assert_eq!(
        (s["closed"].as_i64(), s["on_time_base"].as_i64()),
        (Some(1), Some(0))
    );
    assert!(s["on_time_rate"].is_null(), "{s}");
    assert_eq!(
        kinds(&c, id).await,
        [
            "report",
            "file",
            "dispatch",
            "defer",
            "resume",
            "accept",
            "report_result",
            "close"
        ]
    );
}

async fn a_case_is_explained_and_filed(b: Backend) {
    let c = ctx(b).await;
    set_clock(&c.s, MONDAY_9).await;
    let id = report(&c, "SJ-01-03", c.at).await["case"]["id"]
        .as_i64()
        .unwrap();
    step(&c, id, json!({"action": "file"})).await;
    step(
        &c,
        id,
        json!({"action": "dispatch", "units": [{"kind": "department", "code": "urban_management"}]}),
    )
    .await;
    let r =
        c.s.send(
            Method::POST,
            &format!("/api/v1/cases/{id}/steps"),
            Some(&json!({"action": "explain", "explanation": ""})),
            &[],
        )
        .await;
    assert_eq!(r.assert_problem(422), ["explanation"]);
    let e = step(
        &c,
        id,
        json!({"action": "explain", "explanation": "涉及产权纠纷，经会商一时难以解决，已向居民解释并备案"}),
    )
    .await;
    assert_eq!(e["stage"], "explained");
    assert!(e["closed_at"].is_i64());
    let step_after =
        c.s.send(
            Method::POST,
            &format!("/api/v1/cases/{id}/steps"),
            Some(&json!({"action": "accept"})),
            &[],
        )
        .await;
    step_after.assert_problem(409);
    assert_eq!(step_after.json["allowed"], json!(["evaluate"]));
    assert_eq!(
        kinds(&c, id).await,
        ["report", "file", "dispatch", "explain"]
    );
    let s = &stats(&c, "category").await;
    assert_eq!(s["total"]["closed"], 1);
    assert_eq!(s["rows"][0]["key"], "SJ-01-03");
}

async fn a_duplicate_is_proposed_and_merged(b: Backend) {
    let c = ctx(b).await;
    let first = report(&c, "SJ-01-01", c.at).await;
    let first_id = first["case"]["id"].as_i64().unwrap();
    let number = first["case"]["number"].as_str().unwrap().to_owned();
    assert_eq!(first["duplicates"], json!([]));
    // 20 m east: proposed; another category: not.
    let dlon = 20.0 / (111_195.0 * c.at[1].to_radians().cos());
    let near = [c.at[0] + dlon, c.at[1]];
    let other = report(&c, "SJ-05-01", near).await;
    assert_eq!(other["duplicates"], json!([]));
    let second = report(&c, "SJ-01-01", near).await;
    let dups = second["duplicates"].as_array().unwrap();
    assert_eq!(dups.len(), 1, "{second}");
    assert_eq!(dups[0]["number"], number.as_str());
    let d = dups[0]["distance_m"].as_f64().unwrap();
    assert!((d - 20.0).abs() < 0.5, "{d}");
    // Asked before saving, the same answer.
    let (_, asked) =
        c.s.get(&format!(
            "/api/v1/cases/duplicates?category=SJ-01-01&lon={}&lat={}",
            near[0], near[1]
        ))
        .await;
    assert_eq!(
        asked.as_array().unwrap().len(),
        2,
        "both open cases: {asked}"
    );
    // 80 m away is not a duplicate.
    let far = [c.at[0] + 4.0 * dlon, c.at[1]];
    let (_, none) =
        c.s.get(&format!(
            "/api/v1/cases/duplicates?category=SJ-01-01&lon={}&lat={}",
            far[0] + dlon,
            far[1]
        ))
        .await;
    assert_eq!(none, json!([]));
    // The rule is configurable: at 10 m the 20 m neighbour is no longer proposed;
    // out-of-range rules are refused, naming the field.
    let r =
        c.s.send(
            Method::PUT,
            "/api/v1/case-duplicate-rule",
            Some(&json!({"radius_m": 5000.0, "days": 0})),
            &[],
        )
        .await;
    assert_eq!(r.assert_problem(422), ["radius_m", "days"]);
    let r =
        c.s.send(
            Method::PUT,
            "/api/v1/case-duplicate-rule",
            Some(&json!({"radius_m": 10.0, "days": 7})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let (_, narrow) =
        c.s.get(&format!(
            "/api/v1/cases/duplicates?category=SJ-01-01&lon={}&lat={}",
            c.at[0], c.at[1]
        ))
        .await;
    assert_eq!(
        narrow.as_array().unwrap().len(),
        1,
        "only the case at the point: {narrow}"
    );
    let second_id = second["case"]["id"].as_i64().unwrap();
    let merged = step(&c, second_id, json!({"action": "merge", "into": number})).await;
    assert_eq!(merged["stage"], "merged");
    assert_eq!(merged["merged_into"], first_id);
    let (_, joined) = c.s.get(&format!("/api/v1/cases/{first_id}")).await;
    assert_eq!(joined["merged"], json!([second_id]));
    assert_eq!(kinds(&c, first_id).await, ["report", "absorb"]);
    assert_eq!(kinds(&c, second_id).await, ["report", "merge"]);
    // Merged reports never count.
    let s = &stats(&c, "none").await["total"];
    assert_eq!(s["cases"], 0);
    // Merging into itself or into a finished case is refused.
    let r =
        c.s.send(
            Method::POST,
            &format!("/api/v1/cases/{first_id}/steps"),
            Some(&json!({"action": "merge", "into": number})),
            &[],
        )
        .await;
    assert_eq!(r.assert_problem(422), ["into"]);
}

/// A batch as the desk's writer makes them under load: two reports and a merge of
/// the second into the first, which is not stored yet when the merge looks for it
/// (the batch writes its new cases and steps at its end, in one statement each).
async fn one_batch_reports_merges_into_its_own_new_case_and_numbers_its_steps(b: Backend) {
    use gridd::cases::lifecycle::Command;
    use gridd::cases::{Intake, Reporter, Source};
    use gridd::store::cases::{CaseOp, Rules, StepActor};
    let c = ctx(b).await;
    let before = report(&c, "SJ-01-01", c.at).await;
    let before_id = before["case"]["id"].as_i64().unwrap();
    let number = before["case"]["number"].as_str().unwrap();
    let (year, n) = number.split_once('-').unwrap();
    let (year, n): (i32, i64) = (year.parse().unwrap(), n.parse().unwrap());
    let last_seq = c.s.app.desk.store().last_step().await.unwrap();

    let intake = |description: &str| CaseOp::Intake {
        subdistrict_id: c.sd,
        grid_path: c.path.clone(),
        intake: Box::new(Intake {
            source: Source::Hotline,
            category: "SJ-01-01".into(),
            urgency: None,
            lon: c.at[0],
            lat: c.at[1],
            address: "示范路 2 号".into(),
            description: description.into(),
            reporter: Reporter::default(),
            photos: vec![],
            media_url: None,
            attributes: vec![],
            note: String::new(),
        }),
        urgency: gridd::cases::Urgency::Normal,
        actor: StepActor {
            name: "test-admin".into(),
            address: None,
        },
        key: None,
    };
    let first_number = gridd::cases::Case::format_number(year, n + 1);
    let ops = [
        intake("垃圾堆积"),
        intake("同一堆垃圾"),
        CaseOp::Step {
            case_id: before_id + 2,
            expected_version: Some(1),
            command: Command::Merge {
                into: first_number.clone(),
                note: String::new(),
            },
            actor: StepActor {
                name: "test-admin".into(),
                address: None,
            },
            key: None,
        },
    ];
    let desk = &c.s.app.desk;
    let rules = desk.rules();
    let r = Rules {
        now: desk.clock().now(),
        calendar: &rules.calendar,
        categories: &rules.categories,
    };
    let out = desk.store().write(&ops, &r).await.unwrap();
    let out: Vec<_> = out.into_iter().map(|w| w.unwrap()).collect();
    assert_eq!(out[0].case.number, first_number);
    assert_eq!(out[0].case.id, before_id + 1);
    assert_eq!(out[1].case.id, before_id + 2);
    assert_eq!(
        out[1].case.number,
        gridd::cases::Case::format_number(year, n + 2)
    );
    assert_eq!(out[2].case.merged_into, Some(before_id + 1));
    // Numbered in the batch's order, right after the newest stored step, no gaps
    // (the merge answers its own step first, numbered after the one it adds to the
    // case it joins).
    let mut seqs: Vec<i64> = out
        .iter()
        .flat_map(|w| w.steps.iter().map(|s| s.seq))
        .collect();
    assert_eq!(out[2].steps[0].seq, last_seq + 4, "the merge's own step");
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (last_seq + 1..=last_seq + 4).collect::<Vec<_>>(),
        "{out:?}"
    );
    // Stored as answered: both cases in their final state, every step in its history.
    assert_eq!(kinds(&c, before_id + 1).await, ["report", "absorb"]);
    assert_eq!(kinds(&c, before_id + 2).await, ["report", "merge"]);
    let (_, joined) = c.s.get(&format!("/api/v1/cases/{}", before_id + 1)).await;
    assert_eq!(joined["merged"], json!([before_id + 2]));
    assert_eq!(joined["version"], 2);
    let (_, merged) = c.s.get(&format!("/api/v1/cases/{}", before_id + 2)).await;
    assert_eq!(merged["stage"], "merged");
    assert_eq!(desk.store().last_step().await.unwrap(), last_seq + 4);
    // And the next write numbers after them.
    let after = report(&c, "SJ-01-01", c.at).await;
    assert_eq!(after["case"]["id"], before_id + 3);
    assert_eq!(
        after["case"]["number"],
        gridd::cases::Case::format_number(year, n + 3).as_str()
    );
}

async fn case_count(c: &Ctx) -> usize {
    let (_, l) = c.s.get("/api/v1/cases?limit=1000").await;
    l.as_array().unwrap().len()
}

async fn bad_reports_and_steps_are_refused_and_nothing_is_stored(b: Backend) {
    let c = ctx(b).await;
    let good = json!({"source": "hotline", "category": "SJ-01-01", "description": "垃圾",
        "location": {"lon": c.at[0], "lat": c.at[1]}});
    let with = |k: &str, v: Value| {
        let mut g = good.clone();
        g[k] = v;
        g
    };
    let before = case_count(&c).await;
    let cases: Vec<(Value, &str)> = vec![
        (with("category", json!("XX-99")), "category"),
        (
            with("location", json!({"lon": 0.0, "lat": 0.0})),
            "location",
        ),
        (
            with("location", json!({"lon": 200.0, "lat": 60.0})),
            "location.lon",
        ),
        (
            with("location", json!({"lon": 24.9, "lat": 95.0})),
            "location.lat",
        ),
        (with("description", json!("长".repeat(4001))), "description"),
        (with("description", json!("")), "description"),
        (
            with("reporter", json!({"phone": "call me"})),
            "reporter.phone",
        ),
        (with("photos", json!([999_999])), "photos[0]"),
        (with("source", json!("fax")), "source"),
    ];
    for (body, field) in cases {
        let r =
            c.s.send(Method::POST, "/api/v1/cases", Some(&body), &[])
                .await;
        let status = if r.status == 400 { 400 } else { 422 };
        let fields = r.assert_problem(status);
        assert!(
            fields.iter().any(|f| f == field),
            "{field}: {fields:?} {}",
            r.json
        );
    }
    assert_eq!(case_count(&c).await, before, "nothing stored");
    // Photos: not an image, a lie about the type, too large.
    let r =
        c.s.post_raw(
            "/api/v1/case-photos",
            "image/png",
            b"GIF89a not a png".to_vec(),
        )
        .await;
    assert_eq!(r.assert_problem(422), ["body"]);
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend(std::iter::repeat_n(0u8, 64));
    let r =
        c.s.post_raw("/api/v1/case-photos", "image/png", jpeg.clone())
            .await;
    assert_eq!(r.assert_problem(422), ["Content-Type"]);
    let mut big = jpeg.clone();
    big.resize(9 * 1024 * 1024, 0);
    let r = c.s.post_raw("/api/v1/case-photos", "image/jpeg", big).await;
    r.assert_problem(413);
    // Steps: the wrong stage (409 with the allowed ones), a stale version, the
    // wrong role, a missing field.
    let id = report(&c, "SJ-01-01", c.at).await["case"]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/cases/{id}/steps");
    let r =
        c.s.send(Method::POST, &path, Some(&json!({"action": "accept"})), &[])
            .await;
    r.assert_problem(409);
    assert_eq!(r.json["stage"], "reported");
    assert_eq!(r.json["allowed"], json!(["file", "refuse", "merge"]));
    let r =
        c.s.send(
            Method::POST,
            &path,
            Some(&json!({"action": "file", "version": 7})),
            &[],
        )
        .await;
    r.assert_problem(409);
    assert_eq!(
        (
            r.json["given_version"].as_i64(),
            r.json["current_version"].as_i64()
        ),
        (Some(7), Some(1))
    );
    let worker =
        c.s.client_for("w-in", &[&format!("grid_worker@grid:{}", c.path[0])])
            .await;
    let (st, v) = call(
        &c.s,
        &worker,
        Method::POST,
        &path,
        Some(json!({"action": "file"})),
        &[],
    )
    .await;
    assert_eq!(st, 403, "{v}");
    let r =
        c.s.send(
            Method::POST,
            &path,
            Some(&json!({"action": "dispatch", "units": []})),
            &[],
        )
        .await;
    assert_eq!(r.assert_problem(422), ["units"]);
    step(&c, id, json!({"action": "file"})).await;
    let r = c
        .s
        .send(
            Method::POST,
            &path,
            Some(&json!({"action": "dispatch", "units": [{"kind": "department", "code": "nobody"}, {"kind": "grid", "grid_id": 987654}]})),
            &[],
        )
        .await;
    assert_eq!(r.assert_problem(422), ["units[0]", "units[1]"]);
    let r =
        c.s.send(Method::POST, &path, Some(&json!({"action": "fly"})), &[])
            .await;
    assert!(r.status == 400 || r.status == 422, "{}", r.json);
    // None of those left a step behind.
    assert_eq!(kinds(&c, id).await, ["report", "file"]);
}

async fn retries_with_an_idempotency_key_never_make_two_cases(b: Backend) {
    let c = ctx(b).await;
    let body = json!({"source": "open311", "category": "SJ-01-01", "description": "垃圾",
        "location": {"lon": c.at[0], "lat": c.at[1]}});
    let key = [("Idempotency-Key", "5f0c1e0a-report-1")];
    let before = case_count(&c).await;
    let one =
        c.s.send(Method::POST, "/api/v1/cases", Some(&body), &key)
            .await;
    assert_eq!(one.status, 201, "{}", one.json);
    let two =
        c.s.send(Method::POST, "/api/v1/cases", Some(&body), &key)
            .await;
    assert_eq!(two.status, 200, "{}", two.json);
    assert_eq!(two.json["replayed"], true);
    assert_eq!(two.json["case"]["id"], one.json["case"]["id"]);
    assert_eq!(case_count(&c).await, before + 1);
    // The same key with another request is refused.
    let mut other = body.clone();
    other["description"] = json!("另一件事");
    let r =
        c.s.send(Method::POST, "/api/v1/cases", Some(&other), &key)
            .await;
    assert_eq!(r.assert_problem(422), ["Idempotency-Key"]);
    // Concurrent retries: still one case.
    let key2 = [("Idempotency-Key", "5f0c1e0a-report-2")];
    let (a, b2) = tokio::join!(
        c.s.send(Method::POST, "/api/v1/cases", Some(&body), &key2),
        c.s.send(Method::POST, "/api/v1/cases", Some(&body), &key2)
    );
    assert_eq!(a.json["case"]["id"], b2.json["case"]["id"]);
    assert_eq!(case_count(&c).await, before + 2);
    // A step retried: taken once.
    let id = one.json["case"]["id"].as_i64().unwrap();
    let k = [("Idempotency-Key", "step-file-1")];
    let path = format!("/api/v1/cases/{id}/steps");
    let s1 =
        c.s.send(Method::POST, &path, Some(&json!({"action": "file"})), &k)
            .await;
    let s2 =
        c.s.send(Method::POST, &path, Some(&json!({"action": "file"})), &k)
            .await;
    assert_eq!(
        (s1.status, s2.status),
        (200, 200),
        "{} {}",
        s1.json,
        s2.json
    );
    assert_eq!(s2.json["replayed"], true);
    assert_eq!(kinds(&c, id).await, ["report", "file"]);
    // A bad key is named.
    let r =
        c.s.send(
            Method::POST,
            "/api/v1/cases",
            Some(&body),
            &[("Idempotency-Key", "")],
        )
        .await;
    assert_eq!(r.assert_problem(422), ["Idempotency-Key"]);
}

async fn reporters_are_seen_only_by_roles_that_call_them_back(b: Backend) {
    let c = ctx(b).await;
    let id = report(&c, "SJ-01-01", c.at).await["case"]["id"]
        .as_i64()
        .unwrap();
    let operator = c.s.client_for("op", &["operator@all"]).await;
    let (_, v) = call(
        &c.s,
        &operator,
        Method::GET,
        &format!("/api/v1/cases/{id}"),
        None,
        &[],
    )
    .await;
    assert_eq!(v["reporter"]["phone"], "13812345678");
    // A grid worker of its grid sees the case, the contact masked.
    let mine =
        c.s.client_for("w-mine", &[&format!("grid_worker@grid:{}", c.path[0])])
            .await;
    let (st, v) = call(
        &c.s,
        &mine,
        Method::GET,
        &format!("/api/v1/cases/{id}"),
        None,
        &[],
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["reporter"]["phone"], "138****5678");
    assert_eq!(v["reporter"]["name"], "张**");
    let (_, l) = call(&c.s, &mine, Method::GET, "/api/v1/cases", None, &[]).await;
    assert_eq!(l[0]["reporter"]["phone"], "138****5678");
    // A grid worker of another grid: not in lists, lookups, history or events.
    let theirs =
        c.s.client_for("w-theirs", &[&format!("grid_worker@grid:{}", c.other_l1)])
            .await;
    for p in [
        format!("/api/v1/cases/{id}"),
        format!("/api/v1/cases/{id}/history"),
        format!("/api/v1/cases/{id}/proposal"),
    ] {
        let (st, _) = call(&c.s, &theirs, Method::GET, &p, None, &[]).await;
        assert_eq!(st, 404, "{p}");
    }
    let (_, l) = call(&c.s, &theirs, Method::GET, "/api/v1/cases", None, &[]).await;
    assert_eq!(l, json!([]));
    let (_, ev) = call(
        &c.s,
        &theirs,
        Method::GET,
        "/api/v1/case-events?after=0",
        None,
        &[],
    )
    .await;
    assert_eq!(ev, json!([]));
    let (_, ev) = call(
        &c.s,
        &mine,
        Method::GET,
        "/api/v1/case-events?after=0",
        None,
        &[],
    )
    .await;
    assert_eq!(ev.as_array().unwrap().len(), 1);
    let (_, st) = call(
        &c.s,
        &theirs,
        Method::GET,
        "/api/v1/case-stats?from=0&to=4000000000",
        None,
        &[],
    )
    .await;
    assert_eq!(st["total"]["cases"], 0);
    // A department sees only the cases dispatched to a unit it acts for.
    let dept =
        c.s.client_for("city-mgmt", &[&format!("department@subdistrict:{}", c.sd)])
            .await;
    let (st, _) = call(
        &c.s,
        &dept,
        Method::GET,
        &format!("/api/v1/cases/{id}"),
        None,
        &[],
    )
    .await;
    assert_eq!(st, 404);
    let (_, mut units) =
        c.s.get(&format!("/api/v1/subdistricts/{}/case-units", c.sd))
            .await;
    for u in units.as_array_mut().unwrap() {
        if u["code"] == "urban_management" {
            u["members"] = json!(["city-mgmt"]);
        }
    }
    let r =
        c.s.send(
            Method::PUT,
            &format!("/api/v1/subdistricts/{}/case-units", c.sd),
            Some(&units),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    step(&c, id, json!({"action": "file"})).await;
    step(
        &c,
        id,
        json!({"action": "dispatch", "units": [{"kind": "department", "code": "urban_management"}]}),
    )
    .await;
    let (st, v) = call(
        &c.s,
        &dept,
        Method::GET,
        &format!("/api/v1/cases/{id}"),
        None,
        &[],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["reporter"]["phone"], "138****5678");
    let (st, v) = call(
        &c.s,
        &dept,
        Method::POST,
        &format!("/api/v1/cases/{id}/steps"),
        Some(json!({"action": "accept"})),
        &[],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    // But may not verify its own work.
    let (st, _) = call(
        &c.s,
        &dept,
        Method::POST,
        &format!("/api/v1/cases/{id}/steps"),
        Some(json!({"action": "verify", "passed": true})),
        &[],
    )
    .await;
    assert_eq!(st, 403);
}

async fn a_passed_deadline_is_recorded_and_escalated(b: Backend) {
    let c = ctx(b).await;
    set_clock(&c.s, MONDAY_9).await;
    let id = report(&c, "SJ-01-01", c.at).await["case"]["id"]
        .as_i64()
        .unwrap();
    let filed = step(&c, id, json!({"action": "file"})).await;
    let deadline = filed["deadline"].as_i64().unwrap();
    let (_, l) = c.s.get("/api/v1/cases?overdue=true").await;
    assert_eq!(l, json!([]));
    // One second past the deadline: overdue at once, and recorded by the sweep.
    set_clock(&c.s, deadline + 1).await;
    let (_, l) = c.s.get("/api/v1/cases?overdue=true").await;
    assert_eq!(l.as_array().unwrap().len(), 1);
    let mut recorded = false;
    for _ in 0..50 {
        if kinds(&c, id).await.contains(&"overdue".to_owned()) {
            recorded = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recorded, "the sweep records the passed deadline");
    let (_, v) = c.s.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(v["supervision"], 1);
    assert!(
        v["units"]
            .as_array()
            .unwrap()
            .contains(&json!({"kind": "grid", "grid_id": c.path[0]}))
    );
    // Recorded once only.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        kinds(&c, id)
            .await
            .iter()
            .filter(|k| *k == "overdue")
            .count(),
        1
    );
    let t = &stats(&c, "none").await["total"];
    assert_eq!(
        (t["due"].as_i64(), t["overdue"].as_i64()),
        (Some(1), Some(1))
    );
}

/// Reads server-sent events until `n` have come (or 10 s pass): (id, data) pairs.
async fn read_events(r: &mut reqwest::Response, buf: &mut String, n: usize) -> Vec<(i64, Value)> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while out.len() < n {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut id = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse::<i64>().ok();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data = serde_json::from_str::<Value>(v.trim()).ok();
                }
            }
            if let (Some(i), Some(d)) = (id, data) {
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

async fn the_feed_replays_from_last_event_id_and_goes_on_live(b: Backend) {
    let c = ctx(b).await;
    let one = report(&c, "SJ-01-01", c.at).await["case"]["id"]
        .as_i64()
        .unwrap();
    let two = report(&c, "SJ-05-01", c.at).await["case"]["id"]
        .as_i64()
        .unwrap();
    let mut r =
        c.s.http
            .get(format!("{}/api/v1/events", c.s.url))
            .header("Last-Event-ID", "0")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut buf = String::new();
    let got = read_events(&mut r, &mut buf, 2).await;
    assert_eq!(
        got.iter()
            .map(|(_, d)| d["step"]["case_id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [one, two]
    );
    assert!(got[0].0 < got[1].0);
    // Live: a step taken now arrives, numbered after the replay.
    step(&c, one, json!({"action": "file"})).await;
    let live = read_events(&mut r, &mut buf, 1).await;
    assert_eq!(live[0].1["step"]["kind"], "file");
    assert_eq!(live[0].1["case"]["stage"], "filed");
    assert!(live[0].0 > got[1].0);
    // Resuming after the first event replays exactly the rest.
    let mut again =
        c.s.http
            .get(format!("{}/api/v1/events", c.s.url))
            .header("Last-Event-ID", got[0].0.to_string())
            .send()
            .await
            .unwrap();
    let mut buf2 = String::new();
    let rest = read_events(&mut again, &mut buf2, 2).await;
    assert_eq!(
        rest.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        [got[1].0, live[0].0]
    );
    // A grid worker of another grid sees none of it.
    let theirs =
        c.s.client_for("w-feed", &[&format!("grid_worker@grid:{}", c.other_l1)])
            .await;
    let mut r3 = theirs
        .get(format!("{}/api/v1/events?after=0", c.s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r3.status(), 200);
    let chunk = tokio::time::timeout(std::time::Duration::from_millis(700), r3.chunk()).await;
    assert!(chunk.is_err(), "nothing for a stranger: {chunk:?}");
}

async fn history_is_append_only_in_the_store_itself(b: Backend) {
    let c = ctx(b).await;
    let id = report(&c, "SJ-01-01", c.at).await["case"]["id"]
        .as_i64()
        .unwrap();
    step(&c, id, json!({"action": "file"})).await;
    use sqlx::Connection;
    let statements = [
        "UPDATE case_step SET actor = 'someone else'",
        "DELETE FROM case_step",
    ];
    match &c.s.store {
        gridd_e2e::StoreLocation::Postgis(url) => {
            let mut db = sqlx::PgConnection::connect(url).await.unwrap();
            for sql in statements.iter().chain(&["TRUNCATE case_step CASCADE"]) {
                let e = sqlx::query(sql).execute(&mut db).await.unwrap_err();
                assert!(e.to_string().contains("append-only"), "{sql}: {e}");
            }
        }
        gridd_e2e::StoreLocation::Gpkg(path) => {
            let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            for sql in statements {
                let e = sqlx::query(sql).execute(&mut db).await.unwrap_err();
                assert!(e.to_string().contains("append-only"), "{sql}: {e}");
            }
        }
    }
    assert_eq!(kinds(&c, id).await, ["report", "file"], "nothing changed");
    let (_, h) = c.s.get(&format!("/api/v1/cases/{id}/history")).await;
    assert_eq!(h[0]["actor"], "test-admin");
}

/// A case tile as `c` gets it: status and the `cases` layer's features.
async fn case_tile(
    s: &Server,
    c: &Client,
    t: gridd_tiles::TileCoord,
) -> (u16, Vec<mvt_reader::feature::Feature<f64>>) {
    case_tile_filtered(s, c, t, "").await
}

/// A case tile with the board's filters (`query`, e.g. `stage=filed`).
async fn case_tile_filtered(
    s: &Server,
    c: &Client,
    t: gridd_tiles::TileCoord,
    query: &str,
) -> (u16, Vec<mvt_reader::feature::Feature<f64>>) {
    let r = c
        .get(format!(
            "{}/api/v1/case-tiles/{}/{}/{}.mvt?{query}",
            s.url, t.z, t.x, t.y
        ))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap().to_vec();
    if status != 200 {
        return (status, vec![]);
    }
    let reader = mvt_reader::Reader::new(bytes).expect("a valid MVT");
    let names = reader.get_layer_names().unwrap();
    assert_eq!(names, vec!["cases".to_owned()]);
    (status, reader.get_features_as::<f64>(0).unwrap())
}

fn tile_of(at: [f64; 2], z: u8) -> gridd_tiles::TileCoord {
    let p = geo::coord! { x: at[0], y: at[1] };
    let r = gridd_tiles::tiles_covering(geo::Rect::new(p, p), z);
    gridd_tiles::TileCoord::new(z, *r.x_range().start(), *r.y_range().start()).unwrap()
}

fn text(f: &mvt_reader::feature::Feature<f64>, k: &str) -> String {
    match f.properties.as_ref().and_then(|p| p.get(k)) {
        Some(mvt_reader::feature::Value::String(s)) => s.clone(),
        Some(v) => format!("{v:?}"),
        None => String::new(),
    }
}

async fn open_cases_are_tiles_clustered_scoped_and_changed_by_their_steps(b: Backend) {
    let c = ctx(b).await;
    let operator = c.s.client_for("op-tiles", &["operator@all"]).await;
    let outsider =
        c.s.client_for("w-other", &[&format!("grid_worker@grid:{}", c.other_l1)])
            .await;
    let z17 = tile_of(c.at, 17);
    assert_eq!(case_tile(&c.s, &operator, z17).await.0, 204, "no case yet");
    // Three cases a metre or two apart.
    let mut ids = vec![];
    for k in 0..3 {
        let at = [c.at[0] + f64::from(k) * 0.00002, c.at[1]];
        ids.push(
            report(&c, "SJ-01-01", at).await["case"]["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let (st, fs) = case_tile(&c.s, &operator, z17).await;
    assert_eq!(st, 200);
    assert_eq!(fs.len(), 3, "one point per case at zoom 17");
    let numbers: Vec<String> = fs.iter().map(|f| text(f, "number")).collect();
    assert!(numbers.iter().all(|n| n.starts_with("20")), "{numbers:?}");
    assert!(
        fs.iter()
            .all(|f| text(f, "stage") == "reported" && text(f, "due") == "none")
    );
    // No personal data, no description.
    for f in &fs {
        let keys: Vec<&String> = f.properties.as_ref().unwrap().keys().collect();
        for k in ["reporter", "phone", "name", "description", "address"] {
            assert!(!keys.iter().any(|x| x.as_str() == k), "{k} in {keys:?}");
        }
    }
    // Zoom 12: one cluster of three.
    let (_, fs) = case_tile(&c.s, &operator, tile_of(c.at, 12)).await;
    assert_eq!(fs.len(), 1, "clustered");
    assert_eq!(text(&fs[0], "cluster"), "Bool(true)");
    let count = match fs[0].properties.as_ref().and_then(|p| p.get("count")) {
        Some(mvt_reader::feature::Value::Int(n) | mvt_reader::feature::Value::SInt(n)) => *n,
        Some(mvt_reader::feature::Value::UInt(n)) => *n as i64,
        other => panic!("count: {other:?}"),
    };
    assert_eq!(count, 3);
    // Out of scope: nothing; signed out: 401.
    assert_eq!(case_tile(&c.s, &outsider, z17).await.0, 204);
    let anonymous = reqwest::Client::new();
    assert_eq!(case_tile(&c.s, &anonymous, z17).await.0, 401);
    // Filed: the next request shows the new stage and its running deadline.
    set_clock(&c.s, MONDAY_9).await;
    let filed = step(&c, ids[0], json!({"action": "file", "version": 1})).await;
    let (_, fs) = case_tile(&c.s, &operator, z17).await;
    let f = fs
        .iter()
        .find(|f| text(f, "number") == filed["number"].as_str().unwrap())
        .unwrap();
    assert_eq!(text(f, "stage"), "filed");
    assert_eq!(text(f, "due"), "ok");
    // Past its deadline by the clock alone: overdue, though no step was taken
    // yet (the sweep may or may not have run).
    set_clock(&c.s, filed["deadline"].as_i64().unwrap() + 1).await;
    let (_, fs) = case_tile(&c.s, &operator, z17).await;
    let f = fs
        .iter()
        .find(|f| text(f, "number") == filed["number"].as_str().unwrap())
        .unwrap();
    assert_eq!(text(f, "due"), "overdue");
    // Refused as invalid: finished, off the map.
    step(
        &c,
        ids[1],
        json!({"action": "refuse", "version": 1, "reason": "无效信息"}),
    )
    .await;
    let (_, fs) = case_tile(&c.s, &operator, z17).await;
    assert_eq!(fs.len(), 2);
    // The board's filters: only the cases that pass are drawn, and counted in clusters.
    let numbers = |fs: &[mvt_reader::feature::Feature<f64>]| -> Vec<String> {
        fs.iter().map(|f| text(f, "number")).collect()
    };
    let (_, fs) = case_tile_filtered(&c.s, &operator, z17, "overdue=true").await;
    assert_eq!(numbers(&fs), [filed["number"].as_str().unwrap()]);
    let (_, fs) = case_tile_filtered(&c.s, &operator, z17, "overdue=false").await;
    assert_eq!(fs.len(), 1);
    assert_ne!(numbers(&fs), [filed["number"].as_str().unwrap()]);
    let z12 = tile_of(c.at, 12);
    let (_, fs) = case_tile(&c.s, &operator, z12).await;
    assert_eq!(text(&fs[0], "cluster"), "Bool(true)", "the two open ones");
    let (_, fs) = case_tile_filtered(&c.s, &operator, z12, "stage=reported").await;
    assert_eq!(fs.len(), 1);
    assert_eq!(
        text(&fs[0], "cluster"),
        "",
        "one case passes: a point, not a cluster"
    );
    assert_eq!(text(&fs[0], "stage"), "reported");
    let (st, _) = case_tile_filtered(&c.s, &operator, z12, "category=BJ-01-01").await;
    assert_eq!(st, 204, "no open case of that category");
    let (st, _) = case_tile_filtered(&c.s, &operator, z12, &format!("grid={}", c.path[0])).await;
    assert_eq!(st, 200);
    let (st, _) = case_tile_filtered(&c.s, &operator, z12, &format!("grid={}", c.other_l1)).await;
    assert_eq!(st, 204, "none in the other L1 grid");
    let (st, _) = case_tile_filtered(&c.s, &operator, z12, "source=hotline&since=1").await;
    assert_eq!(st, 200);
    // Still only in the caller's scope.
    assert_eq!(
        case_tile_filtered(&c.s, &outsider, z17, "overdue=true")
            .await
            .0,
        204
    );
    // A bad filter: 422 naming it, as the list.
    for (q, field) in [
        ("stage=someday", "stage"),
        ("source=pigeon", "source"),
        ("grid=x", "grid"),
    ] {
        let r = operator
            .get(format!(
                "{}/api/v1/case-tiles/{}/{}/{}.mvt?{q}",
                c.s.url, z12.z, z12.x, z12.y
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 422, "{q}");
        let body: Value = r.json().await.unwrap();
        assert!(body.to_string().contains(field), "{q}: {body}");
    }
}
