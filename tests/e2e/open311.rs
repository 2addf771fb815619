//! Open311 GeoReport v2 over real HTTP on both stores: every document in XML and
//! JSON validated against the official schemas (`scripts/open311-validate.py`, the
//! schemas from `OPEN311_SCHEMA_DIR`, which `scripts/test.sh` provides); the loop's
//! stage as Open311 shows it; errors as the specification's array with its codes;
//! no reporter in any answer.

use gridd_e2e::{Backend, Server, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    open311_answers_validate_and_follow_the_loop,
    open311_errors_are_the_specs
);

struct Got {
    status: u16,
    content_type: String,
    body: String,
}

async fn get(s: &Server, path: &str) -> Got {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", s.url))
        .send()
        .await
        .unwrap();
    got(r).await
}

async fn post(s: &Server, fmt: &str, form: &str) -> Got {
    let r = reqwest::Client::new()
        .post(format!("{}/open311/v2/requests.{fmt}", s.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .unwrap();
    got(r).await
}

async fn got(r: reqwest::Response) -> Got {
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    Got {
        status,
        content_type,
        body: r.text().await.unwrap(),
    }
}

/// Validates documents with the official schemas; panics with the validator's words.
fn validate(kind: &str, format: &str, bodies: &[&str]) {
    let dir = gridd_e2e::temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (i, b) in bodies.iter().enumerate() {
        let f = dir.join(format!("{kind}-{i}.{format}"));
        std::fs::write(&f, b).unwrap();
        files.push(f.display().to_string());
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scripts/open311-validate.py"
    );
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(kind)
        .arg(format)
        .args(&files)
        .output()
        .expect("python3 (run scripts/setup.sh --test)");
    assert!(
        out.status.success(),
        "{kind} {format} does not validate (exit {:?}; set OPEN311_SCHEMA_DIR, see tests/open311-schemas/README.md):\n{}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        bodies.join("\n---\n")
    );
}

async fn point(s: &Server) -> [f64; 2] {
    let (_, l3) = s.get("/api/v1/grids?level=3").await;
    let g: geojson::Geometry =
        serde_json::from_value(l3["features"][0]["geometry"].clone()).unwrap();
    let g: geo::Geometry = g.try_into().unwrap();
    let p = geo::InteriorPoint::interior_point(&g).unwrap();
    [p.x(), p.y()]
}

async fn open311_answers_validate_and_follow_the_loop(b: Backend) {
    let s = Server::demo(b).await;
    let at = point(&s).await;
    let (_, sds) = s.get("/api/v1/subdistricts").await;
    let code = sds["features"][0]["properties"]["code"]
        .as_str()
        .or_else(|| sds[0]["code"].as_str())
        .map(str::to_owned)
        .unwrap_or_default();
    for fmt in ["xml", "json"] {
        let d = get(&s, &format!("/open311/v2/discovery.{fmt}")).await;
        assert_eq!(d.status, 200, "{}", d.body);
        validate("discovery", fmt, &[&d.body]);
        let sv = get(
            &s,
            &format!("/open311/v2/services.{fmt}?jurisdiction_id={code}"),
        )
        .await;
        assert_eq!(sv.status, 200, "{}", sv.body);
        validate("services", fmt, &[&sv.body]);
        let def = get(&s, &format!("/open311/v2/services/BJ-01-01.{fmt}")).await;
        validate("service_definition", fmt, &[&def.body]);
    }
    let (_, services) = s.get("/open311/v2/services.json").await;
    assert!(
        services
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["service_code"] == "SJ-01-01" && x["service_name"] == "市容环境 / 暴露垃圾"),
        "{services}"
    );
    assert_eq!(
        get(&s, "/open311/v2/services.xml").await.content_type,
        "text/xml; charset=utf-8"
    );
    // A citizen reports, in both formats, with attributes and contact details.
    let form = format!(
        "api_key={}&service_code=SJ-01-01&lat={}&long={}&address_string=%E7%A4%BA%E8%8C%83%E8%B7%AF+1+%E5%8F%B7&description=%E5%9E%83%E5%9C%BE%E5%A0%86%E7%A7%AF&first_name=%E4%B8%89&last_name=%E5%BC%A0&phone=13812345678&email=zs%40example.cn&attribute[urgency]=same_day&media_url=https%3A%2F%2Fexample.cn%2Fa.jpg",
        s.admin_token, at[1], at[0]
    );
    let x = post(&s, "xml", &form).await;
    assert_eq!(x.status, 201, "{}", x.body);
    validate("created", "xml", &[&x.body]);
    let j = post(&s, "json", &form).await;
    assert_eq!(j.status, 201, "{}", j.body);
    validate("created", "json", &[&j.body]);
    let created: Value = serde_json::from_str(&j.body).unwrap();
    let number = created[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(number.starts_with("20"), "{number}");
    // As Open311 shows it: open, reported.
    let one = get(&s, &format!("/open311/v2/requests/{number}.json")).await;
    assert_eq!(one.status, 200, "{}", one.body);
    let v: Value = serde_json::from_str(&one.body).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "an array of one");
    assert_eq!(v[0]["status"], "open");
    assert_eq!(v[0]["status_notes"], "信息收集");
    assert_eq!(v[0]["media_url"], "https://example.cn/a.jpg");
    assert!(
        !one.body.contains("13812345678") && !one.body.contains("zs@example.cn"),
        "no reporter: {}",
        one.body
    );
    // The command center files and dispatches it: the stage, the unit and the
    // deadline show.
    let (_, list) = s.get("/api/v1/cases?source=open311").await;
    let case = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == number.as_str())
        .unwrap()
        .clone();
    assert_eq!(case["urgency"], "same_day", "attribute[urgency] taken");
    assert_eq!(case["reporter"]["name"], "张三");
    let id = case["id"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{id}/steps");
    let r = s
        .send(Method::POST, &path, Some(&json!({"action": "file"})), &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let r = s
        .send(
            Method::POST,
            &path,
            Some(&json!({"action": "dispatch", "units": [{"kind": "department", "code": "urban_management"}]})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let mut docs = Vec::new();
    for fmt in ["xml", "json"] {
        let one = get(&s, &format!("/open311/v2/requests/{number}.{fmt}")).await;
        validate("requests", fmt, &[&one.body]);
        let all = get(&s, &format!("/open311/v2/requests.{fmt}")).await;
        validate("requests", fmt, &[&all.body]);
        docs.push(one.body);
    }
    let v: Value = serde_json::from_str(&docs[1]).unwrap();
    assert_eq!(v[0]["status_notes"], "任务派遣");
    assert_eq!(v[0]["agency_responsible"], "城市管理中队");
    assert!(
        v[0]["expected_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );
    assert!(
        docs[0].contains("<agency_responsible>城市管理中队</agency_responsible>"),
        "{}",
        docs[0]
    );
    // Closed when verified.
    for step in [
        json!({"action": "accept"}),
        json!({"action": "report_result", "note": "已清运"}),
        json!({"action": "verify", "passed": true}),
    ] {
        let r = s.send(Method::POST, &path, Some(&step), &[]).await;
        assert_eq!(r.status, 200, "{}", r.json);
    }
    let (_, v) = s.get(&format!("/open311/v2/requests/{number}.json")).await;
    assert_eq!(
        (v[0]["status"].as_str(), v[0]["status_notes"].as_str()),
        (Some("closed"), Some("核查结案"))
    );
    // Filters and defaults: status, service_code, several ids; 90 days back.
    let (_, closed) = s.get("/open311/v2/requests.json?status=closed").await;
    assert_eq!(closed.as_array().unwrap().len(), 1);
    let (_, open) = s.get("/open311/v2/requests.json?status=open").await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    let (_, other) = s
        .get("/open311/v2/requests.json?service_code=BJ-01-01")
        .await;
    assert_eq!(other, json!([]));
    let second = created_number(&x.body);
    let (_, both) = s
        .get(&format!(
            "/open311/v2/requests.json?service_request_id={number},{second}"
        ))
        .await;
    assert_eq!(both.as_array().unwrap().len(), 2, "{both}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let r = s
        .send(
            Method::PUT,
            "/api/v1/test-clock",
            Some(&json!({"now": now + 91 * 86_400})),
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    let (_, later) = s.get("/open311/v2/requests.json").await;
    assert_eq!(later, json!([]), "the default window is the last 90 days");
    // A token stands for its request.
    let t = get(&s, &format!("/open311/v2/tokens/{number}.json")).await;
    assert_eq!(t.status, 200);
    validate("tokens", "json", &[&t.body]);
    // Cases reported inside (hotline, patrol) are not published through Open311.
    let r = s
        .send(
            Method::POST,
            "/api/v1/cases",
            Some(
                &json!({"source": "patrol", "category": "SJ-01-01", "description": "内部",
                "location": {"lon": at[0], "lat": at[1]}}),
            ),
            &[],
        )
        .await;
    let inner = r.json["case"]["number"].as_str().unwrap().to_owned();
    let g = get(&s, &format!("/open311/v2/requests/{inner}.json")).await;
    assert_eq!(g.status, 404);
}

fn created_number(xml: &str) -> String {
    let a = xml.find("<service_request_id>").unwrap() + "<service_request_id>".len();
    let b = xml[a..].find('<').unwrap();
    xml[a..a + b].to_owned()
}

async fn open311_errors_are_the_specs(b: Backend) {
    let s = Server::demo(b).await;
    let at = point(&s).await;
    let good = |extra: &str| {
        format!(
            "api_key={}&service_code=SJ-01-01&lat={}&long={}&description=x{extra}",
            s.admin_token, at[1], at[0]
        )
    };
    let before = s
        .get("/api/v1/cases?limit=1000")
        .await
        .1
        .as_array()
        .unwrap()
        .len();
    let cases: Vec<(String, u16, &str)> = vec![
        (
            good("").replace(&s.admin_token, "gridd_nope"),
            403,
            "api_key",
        ),
        (good("").replacen("api_key=", "x=", 1), 403, "api_key"),
        (good("").replace("SJ-01-01", "XX-1"), 404, "service_code"),
        (
            format!(
                "api_key={}&service_code=SJ-01-01&description=x",
                s.admin_token
            ),
            400,
            "lat",
        ),
        (
            good("").replace(&format!("lat={}", at[1]), "lat=95"),
            400,
            "lat",
        ),
        (
            format!(
                "{}&description={}",
                good("").replace("&description=x", ""),
                "长".repeat(4001)
            ),
            400,
            "description",
        ),
        (
            good("&attribute[urgency]=someday"),
            400,
            "attribute[urgency]",
        ),
        (
            good("").replace(&format!("lat={}&long={}", at[1], at[0]), "lat=0&long=0"),
            400,
            "lat",
        ),
    ];
    for (form, status, field) in cases {
        for fmt in ["xml", "json"] {
            let r = post(&s, fmt, &form).await;
            assert_eq!(r.status, status, "{field} {fmt}: {}", r.body);
            validate("errors", fmt, &[&r.body]);
            assert!(r.body.contains(field), "{field} named: {}", r.body);
            if fmt == "json" {
                let v: Value = serde_json::from_str(&r.body).unwrap();
                assert_eq!(v[0]["code"], status, "{}", r.body);
            }
        }
    }
    assert_eq!(
        s.get("/api/v1/cases?limit=1000")
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        before,
        "nothing stored"
    );
    for (path, status) in [
        ("/open311/v2/requests/2099-999999.json", 404),
        ("/open311/v2/services/XX.xml", 404),
        ("/open311/v2/services.json?jurisdiction_id=999999999", 404),
        (
            "/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-12-01T00:00:00Z",
            400,
        ),
        ("/open311/v2/requests.yaml", 404),
    ] {
        let r = get(&s, path).await;
        assert_eq!(r.status, status, "{path}: {}", r.body);
        let fmt = if path.contains(".json") {
            "json"
        } else {
            "xml"
        };
        validate("errors", fmt, &[&r.body]);
    }
}
