//! Households and visits (issue 14): the import of a realistic file for the
//! demo's buildings (all or nothing, every planted bad row named), scope and
//! masking of what is read back, visits (a future one refused, one opening a
//! case) and who is due over a year, with the collection and accuracy figures
//! computed by hand.

use std::collections::{BTreeSet, HashSet};

use gridd::households::synthetic;
use gridd_e2e::{Backend, Server, both_backends};
use reqwest::{Client, Method};
use serde_json::{Value, json};

both_backends!(
    a_realistic_import_names_every_planted_row_and_stores_nothing,
    a_clean_import_is_stored_and_read_back_only_in_scope_and_masked,
    visits_over_a_year_make_due_overdue_collection_and_accuracy,
    an_excel_file_is_read_with_excels_row_numbers,
);

/// 2026-01-01 00:00 +08:00.
const JAN1: i64 = 1_767_196_800;
/// A day.
const DAY: i64 = 86_400;

async fn subdistrict(s: &Server) -> i64 {
    let (_, l1) = s.get("/api/v1/grids?level=1").await;
    l1["features"][0]["properties"]["subdistrict_id"]
        .as_i64()
        .unwrap()
}

/// Every demo building as (id, estimated households).
async fn buildings(s: &Server) -> Vec<(i64, u32)> {
    let (st, b) = s.get("/api/v1/buildings").await;
    assert_eq!(st, 200);
    b["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["id"].as_i64().unwrap(),
                u32::try_from(f["properties"]["households"].as_i64().unwrap()).unwrap(),
            )
        })
        .collect()
}

async fn import(s: &Server, sd: i64, csv: &str) -> (u16, Value) {
    let r = s
        .post_raw(
            &format!("/api/v1/households/import?subdistrict={sd}"),
            "text/csv",
            csv.as_bytes().to_vec(),
        )
        .await;
    (r.status, r.json)
}

async fn get(s: &Server, c: &Client, path: &str) -> (u16, String) {
    let r = c.get(format!("{}{path}", s.url)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The identity numbers of the synthetic people 1 to `n`.
fn ids(n: u64) -> HashSet<String> {
    (1..=n).map(synthetic::id_of).collect()
}

/// Whether a text holds one of these identity numbers whole (grid codes are
/// digits too, so a pattern would not do).
fn has_whole_id(text: &str, ids: &HashSet<String>) -> bool {
    text.as_bytes()
        .windows(18)
        .any(|w| std::str::from_utf8(w).is_ok_and(|w| ids.contains(w)))
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

async fn a_realistic_import_names_every_planted_row_and_stores_nothing(b: Backend) {
    let s = Server::demo(b).await;
    let sd = subdistrict(&s).await;
    let f = synthetic::generate(&buildings(&s).await, 4000, 14, true);
    assert!(f.rows > 9000, "{}", f.rows);
    let (st, body) = import(&s, sd, &f.csv).await;
    assert_eq!(st, 422, "{body}");
    let errors = body["errors"].as_array().unwrap();
    let rows: BTreeSet<u64> = errors
        .iter()
        .map(|e| {
            let field = e["field"].as_str().unwrap();
            let n = field
                .strip_prefix("rows[")
                .and_then(|r| r.split(']').next())
                .unwrap();
            n.parse().unwrap()
        })
        .collect();
    let planted: BTreeSet<u64> = f.planted.rows().into_iter().collect();
    assert_eq!(rows, planted, "every planted row, and no other: {body}");
    let reason = |row: u64| -> (String, String) {
        let e = errors
            .iter()
            .find(|e| {
                e["field"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("rows[{row}]"))
            })
            .unwrap();
        (
            e["field"].as_str().unwrap().to_owned(),
            e["reason"].as_str().unwrap().to_owned(),
        )
    };
    for r in &f.planted.malformed_id {
        let (field, why) = reason(*r);
        assert_eq!(field, format!("rows[{r}].id_number"));
        assert!(why.contains("check digit"), "{why}");
    }
    for r in &f.planted.bad_phone {
        let (field, why) = reason(*r);
        assert_eq!(field, format!("rows[{r}].phone"));
        assert!(why.contains("11 digits"), "{why}");
    }
    for r in &f.planted.unknown_building {
        assert_eq!(
            reason(*r),
            (format!("rows[{r}].building"), "no such building".into())
        );
    }
    for r in &f.planted.duplicate_id {
        let (field, why) = reason(*r);
        assert_eq!(field, format!("rows[{r}].id_number"));
        assert!(why.contains("as row 2"), "{why}");
    }
    assert!(
        !has_whole_id(&body.to_string(), &ids(f.rows)),
        "no number repeated: {body}"
    );
    // Nothing stored.
    let (st, c) = s.get("/api/v1/visits/compliance").await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["total"]["tally"]["households"], 0, "{c}");
}

async fn a_clean_import_is_stored_and_read_back_only_in_scope_and_masked(b: Backend) {
    let s = Server::demo(b).await;
    let sd = subdistrict(&s).await;
    let f = synthetic::generate(&buildings(&s).await, 3000, 7, false);
    let all = ids(f.rows);
    let (st, body) = import(&s, sd, &f.csv).await;
    assert_eq!(st, 201, "{body}");
    assert_eq!(body["households"], 3000, "{body}");
    assert_eq!(body["people"].as_u64(), Some(f.rows));
    assert_eq!(body["special"].as_u64(), Some(f.special as u64));
    // The same file again: every row's household and number already on record.
    let (st, again) = import(&s, sd, &f.csv).await;
    assert_eq!(st, 422, "{again}");
    let text = again.to_string();
    assert!(text.contains("already on record"), "{text}");
    assert!(!has_whole_id(&text, &all));

    // An L3 grid with households, and another L3 grid.
    let (_, l3) = s.get("/api/v1/grids?level=3").await;
    let mut with = Vec::new();
    for g in l3["features"].as_array().unwrap() {
        let id = g["properties"]["id"].as_i64().unwrap();
        let (_, hs) = s.get(&format!("/api/v1/grids/{id}/households")).await;
        with.push((id, hs.as_array().unwrap().len()));
    }
    let total: usize = with.iter().map(|w| w.1).sum();
    let (mine, n) = *with.iter().find(|w| w.1 > 0).unwrap();
    let other = with.iter().find(|w| w.0 != mine).unwrap().0;
    assert!(total <= 3000);
    let worker = s
        .client_for("w-households", &[&format!("grid_worker@grid:{mine}")])
        .await;
    let (st, text) = get(&s, &worker, &format!("/api/v1/grids/{mine}/households")).await;
    assert_eq!(st, 200, "{text}");
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list.as_array().unwrap().len(), n);
    assert!(!has_whole_id(&text, &all), "no identity number whole");
    let h = &list[0];
    assert_eq!(h["grid_id"], mine);
    let p = &h["people"][0];
    let masked = p["id_number_masked"].as_str().unwrap();
    assert!(
        masked.starts_with("320508********") && masked.len() == 18,
        "{masked}"
    );
    assert_eq!(p["phone"].as_str().unwrap().len(), 11, "phones in scope");
    assert_eq!(p["relation"], "户主");
    let id = h["id"].as_i64().unwrap();
    let (st, one) = get(&s, &worker, &format!("/api/v1/households/{id}")).await;
    assert_eq!(st, 200, "{one}");
    assert!(!has_whole_id(&one, &all));

    // A worker of another grid gets no households: not the grid's, not one.
    let stranger = s
        .client_for("w-stranger", &[&format!("grid_worker@grid:{other}")])
        .await;
    let (st, _) = get(&s, &stranger, &format!("/api/v1/grids/{mine}/households")).await;
    assert_eq!(st, 403);
    let (st, _) = get(&s, &stranger, &format!("/api/v1/households/{id}")).await;
    assert_eq!(st, 404);
    let (st, c) = get(&s, &stranger, "/api/v1/visits/compliance").await;
    assert_eq!(st, 200);
    let c: Value = serde_json::from_str(&c).unwrap();
    let theirs = with.iter().find(|w| w.0 == other).unwrap().1;
    assert_eq!(c["total"]["tally"]["households"], theirs, "{c}");
    // An operator reads counts only: no lists, no personal data.
    let operator = s
        .client_for("op-households", &[&format!("operator@subdistrict:{sd}")])
        .await;
    let (st, text) = get(&s, &operator, "/api/v1/visits/compliance").await;
    assert_eq!(st, 200, "{text}");
    let c: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(c["lists"], false);
    assert_eq!(c["due"].as_array().unwrap().len(), 0);
    assert_eq!(c["total"]["tally"]["households"], 3000);
    assert_eq!(c["due_count"], 3000, "nobody visited yet");
    assert!(
        !has_whole_id(&text, &all) && !text.contains("id_number") && !text.contains("phone"),
        "no personal data: {text}"
    );
    let (st, _) = get(&s, &operator, &format!("/api/v1/grids/{mine}/households")).await;
    assert_eq!(st, 403);
}

async fn visit(s: &Server, c: &Client, body: &Value) -> (u16, Value) {
    let r = c
        .post(format!("{}/api/v1/visits", s.url))
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn visits_over_a_year_make_due_overdue_collection_and_accuracy(b: Backend) {
    let s = Server::demo(b).await;
    let sd = subdistrict(&s).await;
    // An L3 grid with buildings, its estimate and its first building.
    let (_, l3) = s.get("/api/v1/grids?level=3").await;
    let mut found = None;
    for g in l3["features"].as_array().unwrap() {
        let id = g["properties"]["id"].as_i64().unwrap();
        let (_, bs) = s.get(&format!("/api/v1/grids/{id}/buildings")).await;
        if let Some(f) = bs["features"].as_array().and_then(|v| v.first()) {
            let est = bs["households_from_buildings"].as_u64().unwrap();
            if est >= 3 {
                found = Some((id, f["id"].as_i64().unwrap(), est));
                break;
            }
        }
    }
    let (grid, building, estimated) = found.expect("an L3 grid with buildings");
    let (_, g) = s.get(&format!("/api/v1/grids/{grid}")).await;
    let l2 = g["properties"]["parent_id"].as_i64().unwrap();

    // On record from 1 January: A (not special), B (低保, special), C.
    set_clock(&s, JAN1 + 3600).await;
    let csv = format!(
        "楼栋号,单元,室,姓名,手机号,身份证号,特殊家庭\n\
         {building},1,101,张三,13800138000,{},\n\
         {building},1,102,李四,13900139000,{},低保\n\
         {building},1,103,王五,,,\n",
        synthetic::id_of(1),
        synthetic::id_of(2)
    );
    let (st, body) = import(&s, sd, &csv).await;
    assert_eq!(st, 201, "{body}");
    let first = body["first_id"].as_i64().unwrap();
    let (ha, hb, hc) = (first, first + 1, first + 2);
    let all = ids(2);

    let worker = s
        .client_for("w-visits", &[&format!("grid_worker@grid:{grid}")])
        .await;
    // 31 December 2026, noon in Shanghai.
    let now = JAN1 + 364 * DAY + 12 * 3600;
    set_clock(&s, now).await;
    // A future visit is refused, nothing stored.
    let (st, e) = visit(
        &s,
        &worker,
        &json!({"household_id": ha, "at": now + 3600, "outcome": "visited"}),
    )
    .await;
    assert_eq!(st, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "at", "{e}");
    let (_, one) = get(&s, &worker, &format!("/api/v1/households/{ha}")).await;
    let one: Value = serde_json::from_str(&one).unwrap();
    assert_eq!(one["visits"].as_array().unwrap().len(), 0);
    // An unknown household, and one the worker may not visit, alike.
    let (st, e) = visit(
        &s,
        &worker,
        &json!({"household_id": 99_999_999, "outcome": "visited"}),
    )
    .await;
    assert_eq!(
        (st, e["errors"][0]["field"].as_str()),
        (422, Some("household_id"))
    );

    let day = |d: i64| JAN1 + d * DAY + 10 * 3600;
    // A: March and September (confirmed in September).
    for (at, confirmed) in [(day(70), false), (day(250), true)] {
        let (st, v) = visit(
            &s,
            &worker,
            &json!({"household_id": ha, "at": at, "outcome": "visited", "record_confirmed": confirmed, "note": "入户"}),
        )
        .await;
        assert_eq!(st, 201, "{v}");
    }
    // B (special): Q1, Q3, Q4 — not Q2; confirmed in Q1.
    for (at, confirmed) in [(day(40), true), (day(200), false), (day(300), false)] {
        let (st, v) = visit(
            &s,
            &worker,
            &json!({"household_id": hb, "at": at, "outcome": "visited", "record_confirmed": confirmed}),
        )
        .await;
        assert_eq!(st, 201, "{v}");
    }
    // C: nobody at home (does not count); a case opened from the visit.
    let (_, cats) = s.get("/api/v1/case-categories").await;
    let category = cats[0]["code"].as_str().unwrap().to_owned();
    let (st, v) = visit(
        &s,
        &worker,
        &json!({"household_id": hc, "at": day(330), "outcome": "not_home", "record_confirmed": true,
            "case": {"category": category, "description": "楼道堆物"}}),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let case = v["case_id"].as_i64().expect("a case opened");
    let (st, c) = s.get(&format!("/api/v1/cases/{case}")).await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["source"], "visit", "{c}");

    // As of 31 December: C due (the year still open), B overdue (Q2), A done.
    let (st, text) = get(&s, &worker, "/api/v1/visits/compliance?year=2026").await;
    assert_eq!(st, 200, "{text}");
    let c: Value = serde_json::from_str(&text).unwrap();
    let ids = |k: &str| -> Vec<i64> {
        c[k].as_array()
            .unwrap()
            .iter()
            .map(|h| h["household_id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids("due"), [hc], "{c}");
    assert_eq!(ids("overdue"), [hb], "{c}");
    assert_eq!(
        c["overdue"][0]["quarters"],
        json!(["done", "overdue", "done", "done"])
    );
    assert_eq!(c["overdue"][0]["year"], "done");
    let t = &c["total"];
    assert_eq!(t["tally"]["households"], 3);
    assert_eq!(t["tally"]["special"], 1);
    assert_eq!(
        (
            t["tally"]["year_required"].as_u64(),
            t["tally"]["year_done"].as_u64()
        ),
        (Some(3), Some(2))
    );
    assert!((t["year_rate"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(t["quarter_rates"], json!([1.0, 0.0, 1.0, 1.0]));
    // Collection: 3 on record of the buildings' estimate; accuracy: A and B
    // confirmed at a counting visit (C's was not one), 2 of 3.
    assert_eq!(t["collection"]["count"], 3);
    assert_eq!(t["collection"]["of"].as_u64(), Some(estimated));
    assert!((t["collection"]["rate"].as_f64().unwrap() - 3.0 / estimated as f64).abs() < 1e-9);
    assert_eq!(t["collection"]["target"], 0.9);
    assert_eq!(t["accuracy"]["count"], 2);
    assert_eq!(t["accuracy"]["of"], 3);
    assert_eq!(t["accuracy"]["met"], false);
    assert_eq!(t["accuracy"]["target"], 0.95);
    // Per grid: the L3 and its L2 count the same three.
    let grid_of = |id: i64| {
        c["grids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["grid_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(grid_of(grid)["figures"]["tally"]["overdue"], 1);
    assert_eq!(grid_of(l2)["figures"]["tally"]["households"], 3);
    assert_eq!(grid_of(l2)["level"], 2);
    // Per worker: five counting visits made.
    let w = &c["workers"][0];
    assert_eq!(w["visits_made"], 5, "{c}");
    assert_eq!(w["households"]["households"], 3);
    assert!(!has_whole_id(&text, &all));
    // The second quarter's list: B overdue, and C (not special: judged by its year).
    let (_, q2) = s.get("/api/v1/visits/compliance?year=2026&quarter=2").await;
    let mut over: Vec<i64> = q2["overdue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["household_id"].as_i64().unwrap())
        .collect();
    over.sort_unstable();
    assert_eq!(over, [hb], "{q2}");

    // Once the year is over, C is overdue too.
    set_clock(&s, JAN1 + 370 * DAY).await;
    let (_, after) = s.get("/api/v1/visits/compliance?year=2026").await;
    let mut over: Vec<i64> = after["overdue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["household_id"].as_i64().unwrap())
        .collect();
    over.sort_unstable();
    assert_eq!(over, [hb, hc], "{after}");
    assert_eq!(after["due_count"], 0);
    // Bad parameters are named.
    let (st, e) = s.get("/api/v1/visits/compliance?quarter=5").await;
    assert_eq!(
        (st, e["errors"][0]["field"].as_str()),
        (422, Some("quarter"))
    );
}

async fn an_excel_file_is_read_with_excels_row_numbers(b: Backend) {
    let s = Server::demo(b).await;
    let sd = subdistrict(&s).await;
    let building = buildings(&s).await[0].0.to_string();
    let (one, two) = (synthetic::id_of(1), synthetic::id_of(2));
    let sheet = |phone: &'static str| {
        gridd::households::xlsx::minimal_xlsx(&[
            Some(vec![
                "楼栋号",
                "单元",
                "室",
                "姓名",
                "手机号",
                "身份证号",
                "特殊家庭",
            ]),
            Some(vec![
                &building,
                "1",
                "#101",
                "张三",
                "#13800138000",
                &one,
                "低保",
            ]),
            None,
            Some(vec![&building, "1", "#102", "李四", phone, &two, ""]),
        ])
    };
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let path = format!("/api/v1/households/import?subdistrict={sd}");
    // A bad phone on Excel's row 4 (row 3 is empty): named, nothing stored.
    let r = s.post_raw(&path, xlsx, sheet("1390013900")).await;
    assert_eq!(r.status, 422, "{}", r.json);
    assert_eq!(r.json["errors"][0]["field"], "rows[4].phone", "{}", r.json);
    assert_eq!(r.json["errors"].as_array().unwrap().len(), 1);
    let (_, c) = s.get("/api/v1/visits/compliance").await;
    assert_eq!(c["total"]["tally"]["households"], 0);
    // Mended: stored, the numbers typed as numbers read as their digits.
    let r = s.post_raw(&path, xlsx, sheet("#13900139000")).await;
    assert_eq!(r.status, 201, "{}", r.json);
    assert_eq!(
        (r.json["households"].as_u64(), r.json["special"].as_u64()),
        (Some(2), Some(1))
    );
    let id = r.json["first_id"].as_i64().unwrap();
    let (_, h) = s.get(&format!("/api/v1/households/{id}")).await;
    assert_eq!(h["household"]["room"], "101", "{h}");
    assert_eq!(h["household"]["people"][0]["phone"], "13800138000");
    assert_eq!(h["household"]["special_zh"], json!(["低保户"]));
}
