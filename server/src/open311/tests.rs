#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde_json::{Value, json};

use super::xml::escape;
use super::*;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn json_of(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

// ---------------------------------------------------------------------------
// Fixtures: realistic documents of a subdistrict's intake.

fn fx_discovery() -> Discovery {
    Discovery {
        changeset: utc(2026, 12, 1, 2, 0, 0),
        contact: "鼓楼区网格化服务管理中心 12345 热线 <open311@gulou.example.cn>".into(),
        key_service: "申请 api_key：请联系中心 & 提供单位名称".into(),
        endpoints: vec![
            Endpoint {
                specification: SPECIFICATION.into(),
                url: "https://gridd.example.cn/open311/v2".into(),
                changeset: utc(2026, 12, 1, 2, 0, 0),
                type_: EndpointType::Production,
                formats: vec![Format::Xml.mime_type(), Format::Json.mime_type()],
            },
            Endpoint {
                specification: SPECIFICATION.into(),
                url: "https://test.gridd.example.cn/open311/v2".into(),
                changeset: utc(2026, 11, 20, 8, 30, 0),
                type_: EndpointType::Test,
                formats: vec![Format::Xml.mime_type()],
            },
        ],
    }
}

fn fx_services() -> Vec<Service> {
    vec![
        Service {
            code: "CS-001".into(),
            name: "占道经营".into(),
            description: "流动摊贩占道经营 & 店外经营 <违规>，含 \"夜市\" 与 '早点摊'".into(),
            metadata: true,
            keywords: vec!["摊贩".into(), "占道".into(), "夜市".into()],
            group: "市容环境".into(),
        },
        Service {
            code: "CS-002".into(),
            name: "井盖缺失".into(),
            description: String::new(),
            metadata: false,
            keywords: vec![],
            group: String::new(),
        },
    ]
}

fn fx_definition() -> ServiceDefinition {
    ServiceDefinition {
        service_code: "CS-001".into(),
        attributes: vec![
            Attribute {
                variable: false,
                code: "NOTICE".into(),
                datatype: Datatype::Text,
                required: false,
                datatype_description: String::new(),
                order: 1,
                description: "请勿上报个人隐私信息；紧急情况请拨打 110".into(),
                values: vec![],
            },
            Attribute {
                variable: true,
                code: "KIND".into(),
                datatype: Datatype::Singlevaluelist,
                required: true,
                datatype_description: "选择一项".into(),
                order: 2,
                description: "经营类型".into(),
                values: vec![
                    ("stall".into(), "流动摊贩".into()),
                    ("shop&out".into(), "店外经营 <出店>".into()),
                ],
            },
            Attribute {
                variable: true,
                code: "GOODS".into(),
                datatype: Datatype::Multivaluelist,
                required: false,
                datatype_description: "可多选".into(),
                order: 3,
                description: "经营品类".into(),
                values: vec![
                    ("food".into(), "餐饮".into()),
                    ("fruit".into(), "水果".into()),
                    ("other".into(), "其他".into()),
                ],
            },
            Attribute {
                variable: true,
                code: "COUNT".into(),
                datatype: Datatype::Number,
                required: false,
                datatype_description: "摊位数量".into(),
                order: 4,
                description: String::new(),
                values: vec![],
            },
            Attribute {
                variable: true,
                code: "SEEN_AT".into(),
                datatype: Datatype::Datetime,
                required: false,
                datatype_description: "例如 2026-12-02T09:30:00+08:00".into(),
                order: 5,
                description: "发现时间".into(),
                values: vec![],
            },
            Attribute {
                variable: true,
                code: "PLATE".into(),
                datatype: Datatype::String,
                required: false,
                datatype_description: String::new(),
                order: 6,
                description: "车牌号（如有）".into(),
                values: vec![],
            },
        ],
    }
}

/// A closed request with every optional field.
fn fx_request_full() -> Request {
    Request {
        service_request_id: "2026120200001".into(),
        status: Status::Closed,
        status_notes: Some("已劝离，摊主承诺 \"不再占道\" & 已清理现场".into()),
        service_name: "占道经营".into(),
        service_code: "CS-001".into(),
        description: Some(
            "中山路与湖南路交叉口东北角，早高峰有 3 个摊位占用人行道。\r\n请尽快处理 <急>。".into(),
        ),
        agency_responsible: Some("鼓楼区城市管理局 & 湖南路街道".into()),
        service_notice: Some("城管队员将在 2 小时内到场".into()),
        requested_datetime: utc(2026, 12, 2, 1, 30, 0),
        updated_datetime: utc(2026, 12, 2, 4, 5, 6),
        expected_datetime: Some(utc(2026, 12, 2, 3, 30, 0)),
        address: Some("南京市鼓楼区中山路 18 号 & 湖南路 <东侧> '老字号' 门前".into()),
        address_id: Some("320106-003-0018".into()),
        zipcode: Some("210008".into()),
        lat: 32.0614,
        long: 118.7788,
        media_url: Some("https://gridd.example.cn/media/2026/12/02/0001.jpg?size=large&v=2".into()),
    }
}

/// An open request with no optional field (and no coordinates).
fn fx_request_bare() -> Request {
    Request {
        service_request_id: "2026120200002".into(),
        status: Status::Open,
        status_notes: None,
        service_name: String::new(),
        service_code: "CS-002".into(),
        description: None,
        agency_responsible: None,
        service_notice: None,
        requested_datetime: utc(2026, 12, 2, 2, 0, 0),
        updated_datetime: utc(2026, 12, 2, 2, 0, 0),
        expected_datetime: None,
        address: None,
        address_id: None,
        zipcode: None,
        lat: f64::NAN,
        long: f64::NAN,
        media_url: None,
    }
}

fn fx_created() -> Vec<Created> {
    vec![Created {
        service_request_id: Some("2026120200001".into()),
        token: None,
        service_notice: Some("已受理：网格员将在 24 小时内核查 & 处置".into()),
        account_id: Some("acc-0042".into()),
    }]
}

fn fx_tokens() -> Vec<TokenAnswer> {
    vec![
        TokenAnswer {
            token: "tk-7f3a".into(),
            service_request_id: Some("2026120200001".into()),
        },
        TokenAnswer {
            token: "tk-7f3b".into(),
            service_request_id: None,
        },
    ]
}

fn fx_errors() -> Vec<Open311Error> {
    vec![
        Open311Error::bad_request("service_code", "required"),
        Open311Error::not_found("jurisdiction_id", "未知的辖区 <nanjing&gulou> 'x'"),
    ]
}

/// Every fixture document: (kind, name, xml, json).
fn documents() -> Vec<(&'static str, &'static str, String, String)> {
    let both =
        |kind, name, f: &dyn Fn(Format) -> String| (kind, name, f(Format::Xml), f(Format::Json));
    let full = fx_request_full();
    let bare = fx_request_bare();
    vec![
        both("discovery", "discovery", &|f| discovery(&fx_discovery(), f)),
        both("services", "services", &|f| services(&fx_services(), f)),
        both("services", "services-empty", &|f| services(&[], f)),
        both("service_definition", "definition", &|f| {
            service_definition(&fx_definition(), f)
        }),
        both("service_definition", "definition-empty", &|f| {
            service_definition(
                &ServiceDefinition {
                    service_code: "CS-002".into(),
                    attributes: vec![],
                },
                f,
            )
        }),
        both("requests", "requests", &|f| {
            requests(&[full.clone(), bare.clone()], f)
        }),
        both("requests", "request-full", &|f| {
            requests(std::slice::from_ref(&full), f)
        }),
        both("requests", "request-bare", &|f| {
            requests(std::slice::from_ref(&bare), f)
        }),
        both("requests", "requests-empty", &|f| requests(&[], f)),
        both("created", "created", &|f| created(&fx_created(), f)),
        both("created", "created-token", &|f| {
            created(
                &[Created {
                    token: Some("tk-7f3a".into()),
                    ..Created::default()
                }],
                f,
            )
        }),
        both("tokens", "tokens", &|f| tokens(&fx_tokens(), f)),
        both("errors", "errors", &|f| errors(&fx_errors(), f)),
    ]
}

// ---------------------------------------------------------------------------
// Formats, datetimes, escaping.

#[test]
fn formats_come_from_the_suffix() {
    assert_eq!(Format::from_suffix("xml"), Some(Format::Xml));
    assert_eq!(Format::from_suffix("json"), Some(Format::Json));
    assert_eq!(Format::from_suffix("XML"), None);
    assert_eq!(Format::from_suffix("html"), None);
    assert_eq!(content_type(Format::Xml), "text/xml; charset=utf-8");
    assert_eq!(content_type(Format::Json), "application/json");
}

#[test]
fn datetimes_are_w3c_in_china_standard_time() {
    assert_eq!(
        format_datetime(&utc(2026, 12, 2, 1, 30, 0)),
        "2026-12-02T09:30:00+08:00"
    );
    // Across midnight, and sub-second precision dropped.
    let t = utc(2026, 12, 31, 20, 0, 59) + TimeDelta::milliseconds(999);
    assert_eq!(format_datetime(&t), "2027-01-01T04:00:59+08:00");
    assert_eq!(
        parse_w3c_datetime(&format_datetime(&t)),
        Some(utc(2026, 12, 31, 20, 0, 59))
    );
}

#[test]
fn xml_escapes_the_five_and_drops_what_xml_forbids() {
    assert_eq!(
        escape(r#"a & b < c > d " e ' f"#),
        "a &amp; b &lt; c &gt; d &quot; e &apos; f"
    );
    assert_eq!(escape("&amp;"), "&amp;amp;");
    assert_eq!(escape("]]>"), "]]&gt;");
    // Tab and LF kept, CR as a reference (a parser would normalise a raw one).
    assert_eq!(escape("一\t二\n三\r\n"), "一\t二\n三&#13;\n");
    // Control characters, U+FFFE and U+FFFF are not XML 1.0 characters.
    assert_eq!(
        escape("a\u{0}b\u{1}c\u{8}d\u{b}e\u{c}f\u{1f}g\u{fffe}h\u{ffff}i"),
        "abcdefghi"
    );
    // Everything else stays as it is: CJK, astral characters, U+007F–U+009F.
    assert_eq!(
        escape("网格 😀 \u{7f}\u{85}\u{fffd}"),
        "网格 😀 \u{7f}\u{85}\u{fffd}"
    );
}

#[test]
fn xml_documents_have_the_declaration_and_escape_text() {
    let x = requests(&[fx_request_full()], Format::Xml);
    assert!(
        x.starts_with(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_requests>\n  <request>\n"
        ),
        "{x}"
    );
    let address = "<address>南京市鼓楼区中山路 18 号 &amp; 湖南路 &lt;东侧&gt; &apos;老字号&apos; 门前</address>";
    assert!(x.contains(address), "{x}");
    let media = "https://gridd.example.cn/media/2026/12/02/0001.jpg?size=large&amp;v=2";
    assert!(
        x.contains(&format!("<media_url>{media}</media_url>")),
        "{x}"
    );
    assert!(x.contains("<requested_datetime>2026-12-02T09:30:00+08:00</requested_datetime>"));
    assert!(x.contains("<lat>32.0614</lat>") && x.contains("<long>118.7788</long>"));
    assert!(x.ends_with("  </request>\n</service_requests>\n"));
    let e = errors(&fx_errors(), Format::Xml);
    assert_eq!(
        e,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<errors>\n  <error>\n    <code>400</code>\n    \
         <description>service_code: required</description>\n  </error>\n  <error>\n    \
         <code>404</code>\n    <description>jurisdiction_id: 未知的辖区 &lt;nanjing&amp;gulou&gt; \
         &apos;x&apos;</description>\n  </error>\n</errors>\n"
    );
    let s = services(&fx_services(), Format::Xml);
    assert!(s.contains("<metadata>true</metadata>") && s.contains("<metadata>false</metadata>"));
    assert!(
        s.contains("<type>realtime</type>") && s.contains("<keywords>摊贩, 占道, 夜市</keywords>")
    );
    assert_eq!(
        services(&[], Format::Xml),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services>\n</services>\n"
    );
}

#[test]
fn json_documents_have_the_specified_shapes() {
    assert_eq!(
        json_of(&services(&fx_services(), Format::Json)),
        json!([
            {
                "service_code": "CS-001", "service_name": "占道经营",
                "description": "流动摊贩占道经营 & 店外经营 <违规>，含 \"夜市\" 与 '早点摊'",
                "metadata": true, "type": "realtime", "keywords": "摊贩, 占道, 夜市", "group": "市容环境"
            },
            {"service_code": "CS-002", "service_name": "井盖缺失", "metadata": false, "type": "realtime"}
        ])
    );
    let d = json_of(&service_definition(&fx_definition(), Format::Json));
    assert_eq!(d["service_code"], "CS-001");
    assert_eq!(
        d["attributes"][1]["values"],
        json!([{"key": "stall", "name": "流动摊贩"}, {"key": "shop&out", "name": "店外经营 <出店>"}])
    );
    assert_eq!(d["attributes"][0]["variable"], false);
    assert_eq!(d["attributes"][0]["order"], 1);
    assert!(
        d["attributes"][0].get("values").is_none()
            && d["attributes"][0].get("datatype_description").is_none()
    );
    assert_eq!(
        json_of(&requests(&[fx_request_bare()], Format::Json)),
        json!([{
            "service_request_id": "2026120200002", "status": "open", "service_code": "CS-002",
            "requested_datetime": "2026-12-02T10:00:00+08:00",
            "updated_datetime": "2026-12-02T10:00:00+08:00"
        }])
    );
    let full = json_of(&requests(&[fx_request_full()], Format::Json));
    assert_eq!(full[0]["lat"], 32.0614);
    assert_eq!(full[0]["status"], "closed");
    assert_eq!(full[0]["expected_datetime"], "2026-12-02T11:30:00+08:00");
    assert_eq!(
        full[0].as_object().unwrap().len(),
        17,
        "every field: {full}"
    );
    assert_eq!(
        json_of(&errors(&fx_errors(), Format::Json)),
        json!([
            {"code": 400, "description": "service_code: required"},
            {"code": 404, "description": "jurisdiction_id: 未知的辖区 <nanjing&gulou> 'x'"}
        ])
    );
    assert_eq!(
        json_of(&created(&fx_created(), Format::Json)),
        json!([{
            "service_request_id": "2026120200001",
            "service_notice": "已受理：网格员将在 24 小时内核查 & 处置",
            "account_id": "acc-0042"
        }])
    );
    assert_eq!(
        json_of(&tokens(&fx_tokens(), Format::Json)),
        json!([{"service_request_id": "2026120200001", "token": "tk-7f3a"}, {"token": "tk-7f3b"}])
    );
    let disc = json_of(&discovery(&fx_discovery(), Format::Json));
    assert_eq!(disc["endpoints"][0]["type"], "production");
    assert_eq!(
        disc["endpoints"][0]["formats"],
        json!(["text/xml", "application/json"])
    );
    assert_eq!(disc["changeset"], "2026-12-01T10:00:00+08:00");
    assert_eq!(requests(&[], Format::Json), "[]");
}

#[test]
fn chinese_text_round_trips_through_json() {
    let r = fx_request_full();
    let j = json_of(&requests(std::slice::from_ref(&r), Format::Json));
    assert_eq!(j[0]["address"].as_str(), r.address.as_deref());
    assert_eq!(j[0]["description"].as_str(), r.description.as_deref());
    // Written as UTF-8, not as \u escapes.
    assert!(requests(&[r], Format::Json).contains("中山路"));
}

#[test]
fn long_descriptions_are_cut_to_the_schema_limit() {
    let mut r = fx_request_bare();
    r.description = Some("网".repeat(MAX_DESCRIPTION_CHARS + 10));
    let j = json_of(&requests(std::slice::from_ref(&r), Format::Json));
    assert_eq!(
        j[0]["description"].as_str().unwrap().chars().count(),
        MAX_DESCRIPTION_CHARS
    );
    let x = requests(&[r], Format::Xml);
    assert!(x.contains(&format!(
        "<description>{}</description>",
        "网".repeat(MAX_DESCRIPTION_CHARS)
    )));
}

#[test]
fn http_status_of_errors() {
    assert_eq!(http_status(&fx_errors()), 404);
    assert_eq!(http_status(&[Open311Error::bad_request("a", "b")]), 400);
    assert_eq!(
        http_status(&[
            Open311Error::bad_request("a", "b"),
            Open311Error::forbidden("api_key: invalid")
        ]),
        403
    );
    assert_eq!(
        Open311Error::bad_request("lat", "not a number").to_string(),
        "400: lat: not a number"
    );
}

// ---------------------------------------------------------------------------
// POST form.

/// Percent-encodes everything but the unreserved characters (spaces as `+`).
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

fn descriptions(e: Vec<Open311Error>) -> Vec<String> {
    assert!(e.iter().all(|e| e.code == 400), "{e:?}");
    e.into_iter().map(|e| e.description).collect()
}

fn post_errors(body: &[u8]) -> Vec<String> {
    descriptions(parse_post(body).expect_err("should be refused"))
}

#[test]
fn parses_the_specification_example() {
    let body = concat!(
        "api_key=xyz&",
        "jurisdiction_id=city.gov&",
        "service_code=001&",
        "lat=37.76524078&",
        "long=-122.4212043&",
        "address_string=1234+5th+street&",
        "email=smit333%40sfgov.edu&",
        "device_id=tt222111&",
        "account_id=123456&",
        "first_name=john&",
        "last_name=smith&",
        "phone=111111111&",
        "description=A+large+sinkhole+is+destroying+the+street&",
        "media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg&",
        "attribute[WHISPAWN]=123456&",
        "attribute[WHISDORN]=COISL001",
    )
    .as_bytes();
    let p = parse_post(body).unwrap();
    assert_eq!(
        p,
        PostRequest {
            jurisdiction_id: Some("city.gov".into()),
            service_code: "001".into(),
            lat: Some(37.76524078),
            long: Some(-122.4212043),
            address_string: Some("1234 5th street".into()),
            address_id: None,
            email: Some("smit333@sfgov.edu".into()),
            device_id: Some("tt222111".into()),
            account_id: Some("123456".into()),
            first_name: Some("john".into()),
            last_name: Some("smith".into()),
            phone: Some("111111111".into()),
            description: Some("A large sinkhole is destroying the street".into()),
            media_url: Some("http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg".into()),
            attributes: vec![
                ("WHISPAWN".into(), vec!["123456".into()]),
                ("WHISDORN".into(), vec!["COISL001".into()]),
            ],
            api_key: Some("xyz".into()),
        }
    );
}

#[test]
fn decodes_percent_plus_and_chinese_utf8() {
    let body = form(&[
        ("service_code", "CS-001"),
        (
            "address_string",
            "南京市鼓楼区中山路 18 号 & 湖南路 <东侧> 100%",
        ),
        ("description", "摊位占道\r\n第二行 a+b=c"),
        ("first_name", "小明"),
        ("last_name", "王"),
    ]);
    let p = parse_post(&body).unwrap();
    assert_eq!(
        p.address_string.as_deref(),
        Some("南京市鼓楼区中山路 18 号 & 湖南路 <东侧> 100%")
    );
    assert_eq!(p.description.as_deref(), Some("摊位占道\r\n第二行 a+b=c"));
    assert_eq!(
        (p.first_name.as_deref(), p.last_name.as_deref()),
        (Some("小明"), Some("王"))
    );
    // Raw UTF-8 bytes (not percent-encoded) are fine too, and so are lower-case hex
    // digits and brackets sent encoded.
    let p =
        parse_post("service_code=a&address_id=楼-3%e5%8f%b7&attribute%5BK%5D%5B%5D=1".as_bytes())
            .unwrap();
    assert_eq!(p.address_id.as_deref(), Some("楼-3号"));
    assert_eq!(p.attribute("K"), ["1"]);
}

#[test]
fn refuses_bad_encoding() {
    assert_eq!(
        post_errors(b"service_code=a&address_id=x&description=%E7%BD"),
        ["description: not valid UTF-8"]
    );
    assert_eq!(
        post_errors(b"service_code=a&address_id=x&description=\xff\xfe"),
        ["description: not valid UTF-8"]
    );
    assert_eq!(
        post_errors(b"service_code=a&address_id=x&phone=100%"),
        ["phone: malformed percent-encoding (% must be followed by two hex digits)"]
    );
    assert_eq!(
        post_errors(b"service_code=a&address_id=x&phone=%zz1"),
        ["phone: malformed percent-encoding (% must be followed by two hex digits)"]
    );
    assert_eq!(
        post_errors(b"service_code=a&address_id=x&%C3=1"),
        ["body: a field name is not valid UTF-8"]
    );
}

#[test]
fn collects_attributes_and_arrays() {
    let body = form(&[
        ("service_code", "CS-001"),
        ("address_id", "320106-003-0018"),
        ("attribute[KIND]", "stall"),
        ("attribute[GOODS][]", "food"),
        ("attribute[COUNT]", "3"),
        ("attribute[GOODS][]", "fruit"),
        ("attribute[GOODS][]", ""),
        ("attribute[PLATE]", "  "),
        ("attribute[备注]", "中文代码"),
    ]);
    let p = parse_post(&body).unwrap();
    assert_eq!(
        p.attributes,
        vec![
            ("KIND".to_owned(), vec!["stall".to_owned()]),
            (
                "GOODS".to_owned(),
                vec!["food".to_owned(), "fruit".to_owned()]
            ),
            ("COUNT".to_owned(), vec!["3".to_owned()]),
            ("备注".to_owned(), vec!["中文代码".to_owned()]),
        ]
    );
    assert_eq!(p.attribute("GOODS"), ["food", "fruit"]);
    assert!(p.attribute("PLATE").is_empty());
    // Unencoded brackets as the specification writes them.
    let p = parse_post(
        b"service_code=a&address_id=b&attribute[c1][]=v1&attribute[c1][]=v2&attribute[c1][]=v3",
    )
    .unwrap();
    assert_eq!(p.attribute("c1"), ["v1", "v2", "v3"]);
    assert_eq!(
        post_errors(b"service_code=a&address_id=b&attribute[]=1&attribute[x=2&attribute[a][b]=3"),
        [
            "attribute[]: not of the form attribute[CODE] or attribute[CODE][]",
            "attribute[x: not of the form attribute[CODE] or attribute[CODE][]",
            "attribute[a][b]: not of the form attribute[CODE] or attribute[CODE][]",
        ]
    );
}

#[test]
fn requires_service_code_and_a_location() {
    assert_eq!(
        post_errors(b"description=x"),
        [
            "service_code: required",
            "location: required: lat and long, or address_string, or address_id"
        ]
    );
    // Empty values count as absent.
    assert_eq!(
        post_errors(b"service_code=&lat=&long=+&address_string="),
        [
            "service_code: required",
            "location: required: lat and long, or address_string, or address_id"
        ]
    );
    // Each location alone is enough.
    for loc in [
        "lat=32.06&long=118.78",
        "address_string=%E4%B8%AD%E5%B1%B1%E8%B7%AF",
        "address_id=320106",
    ] {
        let p = parse_post(format!("service_code=CS-001&{loc}").as_bytes()).unwrap();
        assert_eq!(p.service_code, "CS-001");
    }
    // lat and long go together, even beside an address.
    assert_eq!(
        post_errors(b"service_code=a&lat=32&address_id=b"),
        ["long: required with lat (send both or neither)"]
    );
    assert_eq!(
        post_errors(b"service_code=a&long=118"),
        ["lat: required with long (send both or neither)"]
    );
}

#[test]
fn checks_coordinates() {
    let p = parse_post(b"service_code=a&lat=-90&long=180").unwrap();
    assert_eq!((p.lat, p.long), (Some(-90.0), Some(180.0)));
    let p = parse_post(b"service_code=a&lat=+32.5e0&long=118.").unwrap();
    assert_eq!((p.lat, p.long), (Some(32.5), Some(118.0)));
    assert_eq!(
        post_errors(b"service_code=a&lat=90.0001&long=-180.5"),
        [
            "lat: must be between -90 and 90 degrees",
            "long: must be between -180 and 180 degrees"
        ]
    );
    assert_eq!(
        post_errors(b"service_code=a&lat=NaN&long=inf"),
        ["lat: not a finite number", "long: not a finite number"]
    );
    assert_eq!(
        post_errors(b"service_code=a&lat=32%C2%B0N&long=118,78"),
        ["lat: not a number: 32°N", "long: not a number: 118,78"]
    );
}

#[test]
fn limits_the_description_to_4000_characters() {
    // Characters, not bytes: 4000 Chinese characters are 12000 bytes.
    let ok = form(&[
        ("service_code", "a"),
        ("address_id", "b"),
        ("description", &"网".repeat(4000)),
    ]);
    assert_eq!(
        parse_post(&ok)
            .unwrap()
            .description
            .unwrap()
            .chars()
            .count(),
        4000
    );
    let long = form(&[
        ("service_code", "a"),
        ("address_id", "b"),
        ("description", &"网".repeat(4001)),
    ]);
    assert_eq!(
        post_errors(&long),
        ["description: 4001 characters, more than the 4000 allowed"]
    );
}

#[test]
fn refuses_bad_media_urls_repeats_and_control_characters() {
    assert!(
        parse_post(b"service_code=a&address_id=b&media_url=HTTPS%3A%2F%2Fx.cn%2F1.jpg").is_ok()
    );
    for bad in [
        "ftp://x.cn/1.jpg",
        "/media/1.jpg",
        "http://",
        "http:///x",
        "https://x.cn/a b.jpg",
        "javascript:alert(1)",
    ] {
        let body = form(&[
            ("service_code", "a"),
            ("address_id", "b"),
            ("media_url", bad),
        ]);
        assert_eq!(
            post_errors(&body),
            ["media_url: not an absolute http or https URL"],
            "{bad}"
        );
    }
    assert_eq!(
        post_errors(b"service_code=a&service_code=b&address_id=c"),
        ["service_code: given more than once"]
    );
    assert_eq!(
        post_errors(b"service_code=a&address_id=c&description=x%01y&attribute[K]=%1B"),
        [
            "description: contains U+0001, a control character that is not allowed",
            "attribute[K]: contains U+001B, a control character that is not allowed",
        ]
    );
}

#[test]
fn ignores_unknown_fields_and_trims_values() {
    let p = parse_post(
        b"service_code=+CS-001+&address_id=b&foo=%01&submit=%E6%8F%90%E4%BA%A4&=x&&lonely",
    )
    .unwrap();
    assert_eq!(p.service_code, "CS-001");
    assert_eq!(p.address_id.as_deref(), Some("b"));
}

#[test]
fn reports_every_problem_at_once() {
    let body = form(&[
        ("lat", "91"),
        ("description", &"x".repeat(4001)),
        ("media_url", "not a url"),
        ("email", "a@b.cn"),
        ("email", "c@d.cn"),
    ]);
    assert_eq!(
        post_errors(&body),
        [
            "email: given more than once",
            "service_code: required",
            "lat: must be between -90 and 90 degrees",
            "long: required with lat (send both or neither)",
            "description: 4001 characters, more than the 4000 allowed",
            "media_url: not an absolute http or https URL",
        ]
    );
    // A flood of problems is cut at 100, with a last one saying so.
    let flood = "x=%&".repeat(10) + &"phone=%&".repeat(500);
    let e = post_errors(flood.as_bytes());
    assert_eq!(e.len(), 101);
    assert_eq!(
        e[100],
        "body: more than 100 problems; the rest are not listed"
    );
}

// ---------------------------------------------------------------------------
// GET requests query.

/// The message of a datetime that is not W3C.
const HINT: &str = "not a W3C datetime with a time zone, \
                    e.g. 2026-12-02T09:30:00+08:00 or 2026-12-02T01:30:00Z";

fn query_errors(q: &str) -> Vec<String> {
    descriptions(parse_requests_query(q).expect_err("should be refused"))
}

#[test]
fn an_empty_query_asks_for_the_last_90_days() {
    let now = utc(2026, 12, 2, 1, 30, 0);
    for q in [
        "",
        "?",
        "?jurisdiction_id=",
        "start_date=&end_date=&status=&service_code=&page=2",
    ] {
        let parsed = parse_requests_query(q).unwrap();
        assert_eq!(parsed, RequestsQuery::default(), "{q}");
        assert_eq!(parsed.window(now), (now - TimeDelta::days(90), now));
    }
    assert_eq!(RequestsQuery::MAX_RECORDS, 1000);
    assert_eq!(MAX_RECORDS, 1000);
}

#[test]
fn parses_lists_statuses_and_dates() {
    let q = parse_requests_query(
        "?jurisdiction_id=gulou.nanjing.gov.cn&service_code=CS-001,CS-002\
         &service_code=CS-003,CS-001&status=open,closed&status=OPEN\
         &start_date=2026-10-01T00:00:00%2B08:00&end_date=2026-12-01T16:00:00Z",
    )
    .unwrap();
    assert_eq!(q.jurisdiction_id.as_deref(), Some("gulou.nanjing.gov.cn"));
    assert_eq!(q.service_code, ["CS-001", "CS-002", "CS-003"]);
    assert_eq!(q.status, [Status::Open, Status::Closed]);
    assert_eq!(q.start_date, Some(utc(2026, 9, 30, 16, 0, 0)));
    assert_eq!(q.end_date, Some(utc(2026, 12, 1, 16, 0, 0)));
    assert!(q.service_request_id.is_empty());
    assert_eq!(
        q.window(utc(2027, 1, 1, 0, 0, 0)),
        (utc(2026, 9, 30, 16, 0, 0), utc(2026, 12, 1, 16, 0, 0))
    );
}

#[test]
fn accepts_the_w3c_datetime_forms() {
    let t = Some(utc(2026, 12, 2, 1, 30, 0));
    for s in [
        "2026-12-02T09:30:00+08:00",
        "2026-12-02T01:30:00Z",
        "2026-12-02T01:30:00.000Z",
        "2026-12-02T09:30+08:00",
        "2026-12-02T01:30Z",
        // The `+` of an offset sent unencoded in a query string became a space.
        "2026-12-02T09:30:00 08:00",
        " 2026-12-01T20:30:00-05:00 ",
    ] {
        assert_eq!(parse_w3c_datetime(s), t, "{s}");
    }
    for s in [
        "2026-12-02",
        "2026-12-02T09:30:00",
        "2026-12-02T09:30",
        "yesterday",
        "2026-13-02T09:30:00Z",
        "2026-12-02T9:30Z",
        "1701480600",
        "",
    ] {
        assert_eq!(parse_w3c_datetime(s), None, "{s}");
    }
    // An unencoded `+` in the query itself.
    let q = parse_requests_query("start_date=2026-12-02T09:30:00+08:00").unwrap();
    assert_eq!(q.start_date, t);
}

#[test]
fn refuses_bad_dates_and_statuses() {
    assert_eq!(
        query_errors("start_date=2026-12-02&end_date=soon&status=open,pending"),
        [
            format!("start_date: {HINT}"),
            format!("end_date: {HINT}"),
            "status: pending is neither open nor closed".into(),
        ]
    );
    assert_eq!(
        query_errors("end_date=2026-12-01T00:00:00Z&end_date=2026-12-02T00:00:00Z"),
        ["end_date: given more than once"]
    );
    assert_eq!(
        query_errors("start_date=2026-12-02T00:00:00Z&end_date=2026-12-01T00:00:00Z"),
        ["end_date: before start_date"]
    );
    assert_eq!(
        query_errors("service_code=%FF"),
        ["service_code: not valid UTF-8"]
    );
}

#[test]
fn limits_the_span_to_90_days() {
    // Exactly 90 days is allowed, a second more is not.
    let q = parse_requests_query("start_date=2026-09-03T00:00:00Z&end_date=2026-12-02T00:00:00Z")
        .unwrap();
    assert_eq!(
        q.end_date.unwrap() - q.start_date.unwrap(),
        TimeDelta::days(90)
    );
    assert_eq!(
        query_errors("start_date=2026-09-03T00:00:00Z&end_date=2026-12-02T00:00:01Z"),
        ["start_date: more than 90 days before end_date; ask for at most 90 days at a time"]
    );
}

#[test]
fn windows_with_one_date() {
    let now = utc(2026, 12, 2, 0, 0, 0);
    let start = parse_requests_query("start_date=2026-11-01T00:00:00Z").unwrap();
    assert_eq!(start.window(now), (utc(2026, 11, 1, 0, 0, 0), now));
    let old = parse_requests_query("start_date=2026-01-01T00:00:00Z").unwrap();
    assert_eq!(
        old.window(now),
        (utc(2026, 1, 1, 0, 0, 0), utc(2026, 4, 1, 0, 0, 0))
    );
    let future = parse_requests_query("start_date=2027-01-01T00:00:00Z").unwrap();
    assert_eq!(
        future.window(now),
        (utc(2027, 1, 1, 0, 0, 0), utc(2027, 1, 1, 0, 0, 0))
    );
    let end = parse_requests_query("end_date=2026-06-30T16:00:00Z").unwrap();
    assert_eq!(
        end.window(now),
        (utc(2026, 4, 1, 16, 0, 0), utc(2026, 6, 30, 16, 0, 0))
    );
}

#[test]
fn window_seconds_include_the_current_second() {
    // The store searches reported_at >= since AND reported_at < until: a
    // request reported at `now` (whole seconds) must be inside.
    let now = utc(2026, 12, 2, 8, 30, 0);
    let q = parse_requests_query("").unwrap();
    let (since, until) = q.window_seconds(now);
    assert_eq!(since, (now - TimeDelta::days(90)).timestamp());
    assert_eq!(until, now.timestamp() + 1);
    let both =
        parse_requests_query("start_date=2026-11-01T00:00:00Z&end_date=2026-11-02T00:00:00Z")
            .unwrap();
    assert_eq!(
        both.window_seconds(now),
        (
            utc(2026, 11, 1, 0, 0, 0).timestamp(),
            utc(2026, 11, 2, 0, 0, 1).timestamp()
        )
    );
}

#[test]
fn service_request_id_overrides_the_other_arguments() {
    let q = parse_requests_query(
        "service_request_id=2026120200001,%202026120200002,,2026120200001\
         &service_code=CS-001&status=bogus&start_date=bad&jurisdiction_id=j",
    )
    .unwrap();
    assert_eq!(q.service_request_id, ["2026120200001", "2026120200002"]);
    assert!(
        q.service_code.is_empty()
            && q.status.is_empty()
            && q.start_date.is_none()
            && q.end_date.is_none()
    );
    assert_eq!(q.jurisdiction_id.as_deref(), Some("j"));
}

// ---------------------------------------------------------------------------
// Attributes against a service definition.

fn post_with(attrs: &[(&str, &str)]) -> PostRequest {
    let mut pairs = vec![
        ("service_code", "CS-001"),
        ("address_id", "320106-003-0018"),
    ];
    pairs.extend_from_slice(attrs);
    parse_post(&form(&pairs)).unwrap()
}

fn attribute_errors(attrs: &[(&str, &str)]) -> Vec<String> {
    descriptions(
        check_attributes(&post_with(attrs), &fx_definition()).expect_err("should be refused"),
    )
}

#[test]
fn accepts_good_attributes() {
    let p = post_with(&[
        ("attribute[KIND]", "shop&out"),
        ("attribute[GOODS][]", "food"),
        ("attribute[GOODS][]", "other"),
        ("attribute[COUNT]", "3.5"),
        ("attribute[SEEN_AT]", "2026-12-02T09:30:00+08:00"),
        ("attribute[PLATE]", "苏A·12345"),
    ]);
    assert_eq!(check_attributes(&p, &fx_definition()), Ok(()));
    // Only the required one.
    assert_eq!(
        check_attributes(
            &post_with(&[("attribute[KIND]", "stall")]),
            &fx_definition()
        ),
        Ok(())
    );
    // A multivaluelist may also come as a single attribute[CODE].
    assert_eq!(
        check_attributes(
            &post_with(&[("attribute[KIND]", "stall"), ("attribute[GOODS]", "fruit")]),
            &fx_definition()
        ),
        Ok(())
    );
}

#[test]
fn refuses_bad_attributes() {
    assert_eq!(attribute_errors(&[]), ["attribute[KIND]: required"]);
    assert_eq!(
        attribute_errors(&[
            ("attribute[KIND]", "truck"),
            ("attribute[GOODS][]", "food"),
            ("attribute[GOODS][]", "鱼"),
            ("attribute[COUNT]", "三"),
            ("attribute[SEEN_AT]", "2026-12-02"),
            ("attribute[PLATE]", "苏A\n12345"),
            ("attribute[NOTICE]", "x"),
            ("attribute[COLOR]", "red"),
        ]),
        [
            "attribute[KIND]: truck is not one of the keys (stall, shop&out)".to_owned(),
            "attribute[GOODS]: 鱼 is not one of the keys (food, fruit, other)".into(),
            "attribute[COUNT]: not a number: 三".into(),
            format!("attribute[SEEN_AT]: {HINT}"),
            "attribute[PLATE]: a string has no line breaks".into(),
            "attribute[NOTICE]: only informs (variable is false) and takes no value".into(),
            "attribute[COLOR]: not an attribute of service CS-001".into(),
        ]
    );
    assert_eq!(
        attribute_errors(&[
            ("attribute[KIND][]", "stall"),
            ("attribute[KIND][]", "shop&out"),
            ("attribute[COUNT]", "inf")
        ]),
        [
            "attribute[KIND]: 2 values given, only one is allowed",
            "attribute[COUNT]: not a number: inf"
        ]
    );
    let mut other = post_with(&[("attribute[KIND]", "stall")]);
    other.service_code = "CS-002".into();
    assert_eq!(
        descriptions(check_attributes(&other, &fx_definition()).unwrap_err()),
        ["service_code: CS-002 does not match the service definition's CS-001"]
    );
}

// ---------------------------------------------------------------------------
// Against the official schemas, with scripts/open311-validate.py.

fn validator() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/open311-validate.py")
}

/// Runs the validator; panics (telling what to do) when it cannot run at all.
fn validate(args: &[&str], files: &[PathBuf]) -> Output {
    let out = Command::new("python3")
        .arg(validator())
        .args(args)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}): run scripts/setup.sh --test"));
    if out.status.code() == Some(2) {
        panic!(
            "scripts/open311-validate.py cannot run:\n{}\n(run scripts/setup.sh --test; set \
             OPEN311_SCHEMA_DIR as tests/open311-schemas/README.md says)",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "gridd-open311-{tag}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_document_passes_the_official_schemas_and_xml_says_what_json_says() {
    let dir = temp_dir("valid");
    let docs = documents();
    let kinds: Vec<&str> = {
        let mut k: Vec<&str> = docs.iter().map(|d| d.0).collect();
        k.dedup();
        k
    };
    assert_eq!(kinds.len(), 7, "every kind: {kinds:?}");
    for kind in kinds {
        let mine: Vec<_> = docs.iter().filter(|d| d.0 == kind).collect();
        let mut xml_files = Vec::new();
        let mut json_files = Vec::new();
        for (_, name, x, j) in &mine {
            let (xp, jp) = (
                dir.join(format!("{name}.xml")),
                dir.join(format!("{name}.json")),
            );
            std::fs::write(&xp, x).unwrap();
            std::fs::write(&jp, j).unwrap();
            xml_files.push(xp);
            json_files.push(jp);
        }
        let out = validate(&[kind, "json"], &json_files);
        assert!(
            out.status.success(),
            "{kind} JSON fails the schemas:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // The XML: valid, and mapped the specification's way it is the JSON.
        let out = validate(&["--print-json", kind, "xml"], &xml_files);
        assert!(
            out.status.success(),
            "{kind} XML fails the schemas:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mapped: Vec<Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(json_of)
            .collect();
        assert_eq!(mapped.len(), mine.len());
        for ((_, name, x, j), m) in mine.iter().zip(mapped) {
            assert_eq!(
                m,
                json_of(j),
                "{name}: the XML says something else than the JSON:\n{x}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_validator_refuses_a_request_without_its_id() {
    let dir = temp_dir("broken");
    let reqs = [fx_request_full(), fx_request_bare()];
    // JSON without service_request_id in the first request.
    let mut j = json_of(&requests(&reqs, Format::Json));
    j[0].as_object_mut()
        .unwrap()
        .remove("service_request_id")
        .unwrap();
    let jp = dir.join("broken.json");
    std::fs::write(&jp, j.to_string()).unwrap();
    // XML likewise.
    let x = requests(&reqs, Format::Xml);
    let broken: String = x
        .lines()
        .filter(|l| !l.contains("<service_request_id>2026120200001<"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(broken.lines().count() + 1, x.lines().count());
    let xp = dir.join("broken.xml");
    std::fs::write(&xp, broken).unwrap();
    for (fmt, file) in [("json", &jp), ("xml", &xp)] {
        let out = validate(&["requests", fmt], std::slice::from_ref(file));
        let report = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{fmt}: the broken document passed:\n{report}"
        );
        assert!(
            report.contains("'service_request_id' is a required property"),
            "{fmt}: {report}"
        );
    }
    // And a document of the wrong kind.
    let sp = dir.join("services.xml");
    std::fs::write(&sp, services(&fx_services(), Format::Xml)).unwrap();
    let out = validate(&["requests", "xml"], &[sp]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("the root element is <services>, not <service_requests>")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
