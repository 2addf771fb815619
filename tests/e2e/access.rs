//! Who may do what: every route × every role × in scope / out of scope, over real
//! HTTP on both stores, from this file's own table of expectations (written here,
//! not read from the server's policy). A route the server has that the table
//! lacks fails the test, so a new endpoint cannot ship without a decision.
//! Then sessions (CSRF, expiry), throttling, token revocation and the audit log.

use std::sync::atomic::{AtomicUsize, Ordering};

use gridd_e2e::{Backend, Server, TEST_PASSWORD, both_backends};
use reqwest::{Client, Method};
use serde_json::{Value, json};

both_backends!(
    every_route_every_role_in_and_out_of_scope,
    sessions_need_csrf_for_writes_and_end,
    failed_sign_ins_are_throttled_and_audited,
    revoked_and_expired_tokens_stop_working,
    the_audit_log_is_append_only_filtered_and_exportable,
    accounts_are_managed_only_by_an_admin_over_everything,
    answers_carry_security_headers_and_cors_is_closed_unless_allowed,
);

const ROLES: [&str; 7] = [
    "subdistrict_admin",
    "planner",
    "operator",
    "grid_worker",
    "department",
    "auditor",
    "public",
];
const EDITORS: &[&str] = &["subdistrict_admin", "planner"];
const COVERAGE: &[&str] = &["subdistrict_admin", "planner", "operator", "auditor"];
const HISTORY: &[&str] = &["subdistrict_admin", "planner", "auditor"];
const AUDIT: &[&str] = &["subdistrict_admin", "auditor"];
const ADMIN: &[&str] = &["subdistrict_admin"];
/// Anybody signed in reports cases anywhere (every account holds the public
/// role, and reporting is the public's right) but an auditor, who never writes;
/// nobody anonymously.
const REPORTERS: &[&str] = &[
    "subdistrict_admin",
    "planner",
    "operator",
    "grid_worker",
    "department",
    "public",
];
/// Who reads cases in their scope (departments: only their units' cases).
const CASE_READERS: &[&str] = &["subdistrict_admin", "operator", "grid_worker", "auditor"];
/// Who may ask for case lists, photos, events and statistics at all.
const CASE_ASKERS: &[&str] = &[
    "subdistrict_admin",
    "operator",
    "grid_worker",
    "department",
    "auditor",
];
const DISPATCHERS: &[&str] = &["subdistrict_admin", "operator"];
/// Who records (and reads back) their own patrol track.
const TRACKERS: &[&str] = &["subdistrict_admin", "grid_worker"];
/// Who reads patrols and the weekly patrol audit (of their scope).
const PATROL_READERS: &[&str] = &["subdistrict_admin", "operator", "grid_worker", "auditor"];

/// Who reads households (personal data) in their scope.
const HOUSEHOLD_READERS: &[&str] = &["subdistrict_admin", "grid_worker"];
/// Who reads visit compliance and collection figures (counts) of their scope.
const HOUSEHOLD_STATS: &[&str] = &["subdistrict_admin", "operator", "grid_worker", "auditor"];

/// What a route's request is about, which decides the grants in and out of scope.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A grid inside L1 grid A: in scope for `all`, `subdistrict:S`, `grid:A`;
    /// out of scope for `grid:B` (a sibling L1).
    Grid,
    /// The subdistrict S: in scope for `all`, `subdistrict:S`; out for `grid:A`.
    Subdistrict,
    /// Everything: in scope for `all` only.
    Everything,
}

/// One route's expectation.
struct Expect {
    method: &'static str,
    path: &'static str,
    kind: Kind,
    /// Roles that may (within scope).
    roles: &'static [&'static str],
    /// Whether out of scope is refused (else the roles may anywhere).
    scoped: bool,
    /// Whether somebody not signed in may.
    anonymous: bool,
    /// The status of an allowed request.
    ok: u16,
    /// The status of a role that has the action, out of scope (a case outside
    /// one's scope is not admitted to exist: 404).
    refused: u16,
    /// Roles that pass the guard but never see the resource (a department and
    /// a case not dispatched to it): answered `refused`.
    strangers: &'static [&'static str],
}

const fn open(method: &'static str, path: &'static str) -> Expect {
    Expect {
        method,
        path,
        kind: Kind::Everything,
        roles: &ROLES,
        scoped: false,
        anonymous: true,
        ok: 200,
        refused: 403,
        strangers: &[],
    }
}

const fn scoped(
    method: &'static str,
    path: &'static str,
    kind: Kind,
    roles: &'static [&'static str],
    ok: u16,
) -> Expect {
    Expect {
        method,
        path,
        kind,
        roles,
        scoped: true,
        anonymous: false,
        ok,
        refused: 403,
        strangers: &[],
    }
}

const fn anywhere(
    method: &'static str,
    path: &'static str,
    roles: &'static [&'static str],
) -> Expect {
    Expect {
        method,
        path,
        kind: Kind::Grid,
        roles,
        scoped: false,
        anonymous: false,
        ok: 200,
        refused: 403,
        strangers: &[],
    }
}

/// A route about one case (inside grid A): out of scope it does not exist.
const fn one_case(
    method: &'static str,
    path: &'static str,
    roles: &'static [&'static str],
    strangers: &'static [&'static str],
) -> Expect {
    Expect {
        refused: 404,
        strangers,
        ..scoped(method, path, Kind::Grid, roles, 200)
    }
}

/// The table: every route the server has.
const TABLE: &[Expect] = &[
    open("GET", "/health"),
    open("GET", "/api/v1/openapi.json"),
    open("GET", "/api/v1/docs"),
    open("GET", "/api/v1/subdistricts"),
    open("GET", "/api/v1/subdistricts/{id}"),
    open("GET", "/api/v1/grids"),
    open("GET", "/api/v1/grids/{id}"),
    open("GET", "/api/v1/grids/{id}/children"),
    open("GET", "/api/v1/tree"),
    open("GET", "/api/v1/buildings"),
    open("GET", "/api/v1/roads"),
    open("GET", "/api/v1/grids/{id}/buildings"),
    open("GET", "/api/v1/lookup"),
    open("POST", "/api/v1/lookup"),
    open("GET", "/tiles"),
    open("GET", "/tiles/{name}"),
    open("GET", "/tiles/{tileset}/{z}/{x}/{y}"),
    open("GET", "/fonts/{fontstack}/{range}"),
    open("GET", "/styles/default.json"),
    open("POST", "/api/v1/auth/sign-in"),
    Expect {
        ok: 204,
        ..open("POST", "/api/v1/auth/sign-out")
    },
    open("GET", "/api/v1/auth/me"),
    scoped("POST", "/api/v1/grids", Kind::Grid, EDITORS, 201),
    scoped("PUT", "/api/v1/grids/{id}", Kind::Grid, EDITORS, 200),
    scoped("DELETE", "/api/v1/grids/{id}", Kind::Grid, EDITORS, 204),
    scoped("POST", "/api/v1/grids/{id}/split", Kind::Grid, EDITORS, 200),
    scoped("POST", "/api/v1/grids/merge", Kind::Grid, EDITORS, 200),
    scoped(
        "POST",
        "/api/v1/edits/move-vertex",
        Kind::Grid,
        EDITORS,
        200,
    ),
    scoped(
        "POST",
        "/api/v1/edits/insert-vertex",
        Kind::Grid,
        EDITORS,
        200,
    ),
    scoped(
        "POST",
        "/api/v1/edits/delete-vertex",
        Kind::Grid,
        EDITORS,
        200,
    ),
    scoped(
        "GET",
        "/api/v1/grids/{id}/next-code",
        Kind::Grid,
        EDITORS,
        200,
    ),
    scoped(
        "GET",
        "/api/v1/subdistricts/{id}/next-code",
        Kind::Subdistrict,
        EDITORS,
        200,
    ),
    scoped(
        "POST",
        "/api/v1/grids/{id}/renumber",
        Kind::Grid,
        EDITORS,
        200,
    ),
    scoped(
        "POST",
        "/api/v1/subdistricts/{id}/renumber",
        Kind::Subdistrict,
        EDITORS,
        200,
    ),
    scoped(
        "GET",
        "/api/v1/grids/{id}/code-history",
        Kind::Grid,
        HISTORY,
        200,
    ),
    scoped(
        "POST",
        "/api/v1/grids/{id}/import",
        Kind::Grid,
        EDITORS,
        201,
    ),
    scoped(
        "POST",
        "/api/v1/subdistricts/{id}/import",
        Kind::Subdistrict,
        EDITORS,
        201,
    ),
    anywhere("GET", "/api/v1/coverage", COVERAGE),
    anywhere("POST", "/api/v1/coverage/preview", COVERAGE),
    scoped("GET", "/api/v1/accounts", Kind::Everything, ADMIN, 200),
    scoped("POST", "/api/v1/accounts", Kind::Everything, ADMIN, 201),
    scoped(
        "PATCH",
        "/api/v1/accounts/{name}",
        Kind::Everything,
        ADMIN,
        200,
    ),
    scoped("GET", "/api/v1/tokens", Kind::Everything, ADMIN, 200),
    scoped("POST", "/api/v1/tokens", Kind::Everything, ADMIN, 201),
    scoped(
        "DELETE",
        "/api/v1/tokens/{id}",
        Kind::Everything,
        ADMIN,
        204,
    ),
    // Anybody who reads the audit log may ask; the rows are filtered by scope
    // (see the_audit_log_is_append_only_filtered_and_exportable).
    Expect {
        scoped: false,
        ..scoped("GET", "/api/v1/audit", Kind::Everything, AUDIT, 200)
    },
    // Cases (a case in an L3 grid inside A).
    Expect {
        ok: 201,
        ..anywhere("POST", "/api/v1/cases", REPORTERS)
    },
    anywhere("GET", "/api/v1/cases", CASE_ASKERS),
    one_case("GET", "/api/v1/cases/{id}", CASE_READERS, &["department"]),
    one_case(
        "GET",
        "/api/v1/cases/{id}/history",
        CASE_READERS,
        &["department"],
    ),
    one_case(
        "GET",
        "/api/v1/cases/{id}/proposal",
        CASE_READERS,
        &["department"],
    ),
    one_case("POST", "/api/v1/cases/{id}/steps", DISPATCHERS, &[]),
    anywhere("GET", "/api/v1/cases/duplicates", CASE_ASKERS),
    Expect {
        ok: 201,
        ..anywhere("POST", "/api/v1/case-photos", REPORTERS)
    },
    anywhere("GET", "/api/v1/case-photos/{id}", CASE_ASKERS),
    open("GET", "/api/v1/case-categories"),
    scoped(
        "PUT",
        "/api/v1/case-categories",
        Kind::Everything,
        ADMIN,
        200,
    ),
    scoped(
        "GET",
        "/api/v1/subdistricts/{id}/case-units",
        Kind::Subdistrict,
        CASE_ASKERS,
        200,
    ),
    scoped(
        "PUT",
        "/api/v1/subdistricts/{id}/case-units",
        Kind::Subdistrict,
        ADMIN,
        200,
    ),
    open("GET", "/api/v1/case-calendar"),
    scoped("PUT", "/api/v1/case-calendar", Kind::Everything, ADMIN, 204),
    open("GET", "/api/v1/case-duplicate-rule"),
    scoped(
        "PUT",
        "/api/v1/case-duplicate-rule",
        Kind::Everything,
        ADMIN,
        200,
    ),
    anywhere("GET", "/api/v1/case-stats", CASE_ASKERS),
    anywhere("GET", "/api/v1/case-events", CASE_ASKERS),
    anywhere("GET", "/api/v1/events", CASE_ASKERS),
    anywhere("GET", "/api/v1/case-tiles/{z}/{x}/{y}", CASE_ASKERS),
    scoped("PUT", "/api/v1/test-clock", Kind::Everything, ADMIN, 204),
    // Patrols: one's own track, wherever one's grants are.
    Expect {
        ok: 201,
        ..anywhere("POST", "/api/v1/tracks/points", TRACKERS)
    },
    anywhere("GET", "/api/v1/tracks/points", PATROL_READERS),
    Expect {
        ok: 201,
        ..anywhere("POST", "/api/v1/tracks/files", TRACKERS)
    },
    // The weekly patrol audit: any scope, answering only its grids.
    anywhere("GET", "/api/v1/patrols/audit", PATROL_READERS),
    // Coverage of a grid: read in scope; the day's track tiles: one's own
    // anywhere, others' in scope (patrol_coverage::…).
    scoped(
        "GET",
        "/api/v1/patrols/coverage",
        Kind::Grid,
        PATROL_READERS,
        200,
    ),
    anywhere("GET", "/api/v1/track-tiles/{z}/{x}/{y}", PATROL_READERS),
    // Households: imported per subdistrict by its administrator; read in scope
    // (one household outside it does not exist); a visit to a household outside
    // one's grids is refused as to no such household (422, nothing told).
    scoped(
        "POST",
        "/api/v1/households/import",
        Kind::Subdistrict,
        ADMIN,
        201,
    ),
    scoped(
        "GET",
        "/api/v1/grids/{id}/households",
        Kind::Grid,
        HOUSEHOLD_READERS,
        200,
    ),
    one_case("GET", "/api/v1/households/{id}", HOUSEHOLD_READERS, &[]),
    Expect {
        refused: 422,
        ..scoped("POST", "/api/v1/visits", Kind::Grid, HOUSEHOLD_READERS, 201)
    },
    anywhere("GET", "/api/v1/visits/compliance", HOUSEHOLD_STATS),
    // Staff and teams: managed by the subdistrict's administrator (a staff
    // member outside one's subdistricts does not exist); a grid's team and the
    // team report read like the visit figures. The published page is public.
    scoped(
        "POST",
        "/api/v1/subdistricts/{id}/staff",
        Kind::Subdistrict,
        ADMIN,
        201,
    ),
    scoped(
        "GET",
        "/api/v1/subdistricts/{id}/staff",
        Kind::Subdistrict,
        ADMIN,
        200,
    ),
    Expect {
        refused: 404,
        ..scoped("PUT", "/api/v1/staff/{id}", Kind::Subdistrict, ADMIN, 200)
    },
    scoped("PUT", "/api/v1/grids/{id}/team", Kind::Grid, ADMIN, 200),
    scoped(
        "GET",
        "/api/v1/grids/{id}/team",
        Kind::Grid,
        HOUSEHOLD_STATS,
        200,
    ),
    anywhere("GET", "/api/v1/teams/report", HOUSEHOLD_STATS),
    open("GET", "/api/v1/published/grids/{id}"),
    open("GET", "/api/v1/published/grids/{id}/qr"),
    open("GET", "/api/v1/published/summary"),
    // Open311: public; a POST names its account by api_key, whoever sends it.
    open("GET", "/open311/v2/{document}"),
    Expect {
        ok: 201,
        ..open("POST", "/open311/v2/{document}")
    },
    open("GET", "/open311/v2/services/{code}"),
    open("GET", "/open311/v2/requests/{id}"),
    open("GET", "/open311/v2/tokens/{token}"),
];

/// A one-household CSV for a building of L1 grid A, a fresh room each time.
async fn household_csv(s: &Server, p: &Places) -> String {
    let (_, bs) = s.get(&format!("/api/v1/grids/{}/buildings", p.a)).await;
    let building = bs["features"][0]["id"]
        .as_i64()
        .expect("a building in grid A");
    let k = p.n.fetch_add(1, Ordering::SeqCst);
    format!("楼栋号,室,姓名\n{building},M{k},张三\n")
}

/// A household in grid A (imported by the admin); answers its id.
async fn admin_household(s: &Server, p: &Places) -> i64 {
    let r = s
        .post_raw(
            &format!("/api/v1/households/import?subdistrict={}", p.sd),
            "text/csv",
            household_csv(s, p).await.into_bytes(),
        )
        .await;
    assert_eq!(r.status, 201, "setup: {}", r.json);
    r.json["first_id"].as_i64().unwrap()
}

/// A staff member of the subdistrict (stored by the admin); answers its id.
async fn admin_staff(s: &Server, p: &Places) -> i64 {
    let r = s
        .send(
            Method::POST,
            &format!("/api/v1/subdistricts/{}/staff", p.sd),
            Some(&json!({"name": "矩阵人员", "employer": "community"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "setup: {}", r.json);
    r.json["id"].as_i64().unwrap()
}

/// Reports a case through Open311 with the admin's token as the key; answers its number.
async fn open311_case(s: &Server, p: &Places) -> String {
    let form = format!(
        "api_key={}&service_code=SJ-01-01&lat={}&long={}&description=%E5%9E%83%E5%9C%BE",
        s.admin_token, p.at[1], p.at[0]
    );
    let r = s
        .post_raw(
            "/open311/v2/requests.json",
            "application/x-www-form-urlencoded",
            form.into_bytes(),
        )
        .await;
    assert_eq!(r.status, 201, "setup: {}", r.json);
    r.json[0]["service_request_id"].as_str().unwrap().to_owned()
}

/// A tiny valid PNG (1×1).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// Reports a case at the L3's interior point as the admin; answers its id.
async fn admin_case(s: &Server, p: &Places) -> i64 {
    let body = json!({"source": "hotline", "category": "SJ-01-01", "description": "矩阵测试：暴露垃圾",
        "location": {"lon": p.at[0], "lat": p.at[1]}});
    let r = s
        .send(Method::POST, "/api/v1/cases", Some(&body), &[])
        .await;
    assert_eq!(r.status, 201, "setup: {}", r.json);
    r.json["case"]["id"].as_i64().unwrap()
}

/// The demo's places the requests are about.
struct Places {
    sd: i64,
    /// L1 grid A (in scope) and its sibling B (out of scope).
    a: i64,
    b: i64,
    /// An L3 grid inside A and a point inside it.
    l3: i64,
    at: [f64; 2],
    n: AtomicUsize,
}

async fn places(s: &Server) -> Places {
    let (_, l1) = s.get("/api/v1/grids?level=1").await;
    let l1 = l1["features"].as_array().unwrap();
    assert!(l1.len() >= 2, "the demo has two L1 grids");
    let a = l1[0]["properties"]["id"].as_i64().unwrap();
    let b = l1[1]["properties"]["id"].as_i64().unwrap();
    let sd = l1[0]["properties"]["subdistrict_id"].as_i64().unwrap();
    let (_, l3) = s.get("/api/v1/grids?level=3").await;
    let mut best = None;
    for f in l3["features"].as_array().unwrap() {
        let id = f["properties"]["id"].as_i64().unwrap();
        let (_, path) = s.get(&format!("/api/v1/grids/{id}")).await;
        let l2 = path["properties"]["parent_id"].as_i64().unwrap();
        let (_, l2f) = s.get(&format!("/api/v1/grids/{l2}")).await;
        if l2f["properties"]["parent_id"].as_i64() == Some(a) {
            best = Some(f.clone());
            break;
        }
    }
    let f = best.expect("an L3 grid in A");
    let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
    let g: geo::Geometry = g.try_into().unwrap();
    let p = geo::InteriorPoint::interior_point(&g).unwrap();
    Places {
        sd,
        a,
        b,
        l3: f["properties"]["id"].as_i64().unwrap(),
        at: [p.x(), p.y()],
        n: AtomicUsize::new(0),
    }
}

/// A small square (side 4e-6°) at a fresh place near the L3's interior point.
fn fresh_square(p: &Places, vertices: usize) -> (Value, [f64; 2]) {
    let k = p.n.fetch_add(1, Ordering::SeqCst);
    let d = 4e-6;
    let x = p.at[0] + (k % 24) as f64 * 1e-5 - 1.2e-4;
    let y = p.at[1] + (k / 24) as f64 * 1e-5 - 1.2e-4;
    let ring = if vertices == 5 {
        json!([
            [x, y],
            [x + d / 2.0, y],
            [x + d, y],
            [x + d, y + d],
            [x, y + d],
            [x, y]
        ])
    } else {
        json!([[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]])
    };
    (json!({"type": "Polygon", "coordinates": [ring]}), [x, y])
}

/// Creates an L4 grid under the L3 as the admin; answers its id.
async fn admin_l4(s: &Server, p: &Places, geometry: Value) -> i64 {
    let (_, next) = s.get(&format!("/api/v1/grids/{}/next-code", p.l3)).await;
    let body = json!({"type": "Feature", "geometry": geometry, "properties": {
        "code": next["code"], "name": "矩阵测试", "level": 4, "parent_id": p.l3, "kind": "commercial"}});
    let r = s
        .send(Method::POST, "/api/v1/grids", Some(&body), &[])
        .await;
    assert_eq!(r.status, 201, "setup: {}", r.json);
    r.json["properties"]["id"].as_i64().unwrap()
}

/// Sends the route's request as `client`, after whatever setup it needs (done as
/// the admin); answers the status.
async fn request(s: &Server, p: &Places, e: &Expect, client: &Client) -> u16 {
    let (sd, a, l3, at) = (p.sd, p.a, p.l3, p.at);
    let mut body: Option<Value> = None;
    let mut raw: Option<(&str, Vec<u8>)> = None;
    let mut headers: Vec<(&str, String)> = Vec::new();
    let path = match (e.method, e.path) {
        (_, "/health") => "/health".to_owned(),
        (_, "/api/v1/openapi.json") | (_, "/api/v1/docs") => e.path.to_owned(),
        (_, "/api/v1/subdistricts") => e.path.to_owned(),
        (_, "/api/v1/subdistricts/{id}") => format!("/api/v1/subdistricts/{sd}"),
        ("GET", "/api/v1/grids") => "/api/v1/grids?level=1".to_owned(),
        ("GET", "/api/v1/grids/{id}") => format!("/api/v1/grids/{a}"),
        (_, "/api/v1/grids/{id}/children") => format!("/api/v1/grids/{a}/children"),
        (_, "/api/v1/tree") => e.path.to_owned(),
        (_, "/api/v1/buildings") | (_, "/api/v1/roads") => format!(
            "{}?bbox={},{},{},{}",
            e.path,
            at[0] - 0.001,
            at[1] - 0.001,
            at[0] + 0.001,
            at[1] + 0.001
        ),
        (_, "/api/v1/grids/{id}/buildings") => format!("/api/v1/grids/{l3}/buildings"),
        ("GET", "/api/v1/lookup") => format!("/api/v1/lookup?lon={}&lat={}", at[0], at[1]),
        ("POST", "/api/v1/lookup") => {
            raw = Some((
                "text/csv",
                format!("lon,lat\n{},{}\n", at[0], at[1]).into_bytes(),
            ));
            e.path.to_owned()
        }
        (_, "/tiles") => "/tiles".to_owned(),
        (_, "/tiles/{name}") => "/tiles/grids.json".to_owned(),
        (_, "/tiles/{tileset}/{z}/{x}/{y}") => {
            let n = 2f64.powi(14);
            let x = ((at[0] + 180.0) / 360.0 * n) as u32;
            let lat = at[1].to_radians();
            let y = ((1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
            format!("/tiles/grids/14/{x}/{y}.mvt")
        }
        (_, "/styles/default.json") => e.path.to_owned(),
        (_, "/fonts/{fontstack}/{range}") => {
            "/fonts/Noto%20Sans%20CJK%20SC%20Regular/32512-32767.pbf".to_owned()
        }
        (_, "/api/v1/auth/sign-in") => {
            body = Some(json!({"name": "test-admin", "password": TEST_PASSWORD}));
            e.path.to_owned()
        }
        (_, "/api/v1/auth/sign-out") | (_, "/api/v1/auth/me") => e.path.to_owned(),
        ("POST", "/api/v1/grids") => {
            let (g, _) = fresh_square(p, 4);
            let (_, next) = s.get(&format!("/api/v1/grids/{l3}/next-code")).await;
            body = Some(json!({"type": "Feature", "geometry": g, "properties": {
                "code": next["code"], "name": "新楼层", "level": 4, "parent_id": l3, "kind": "commercial"}}));
            e.path.to_owned()
        }
        ("PUT", "/api/v1/grids/{id}") => {
            let (g, _) = fresh_square(p, 4);
            let id = admin_l4(s, p, g.clone()).await;
            let (_, f) = s.get(&format!("/api/v1/grids/{id}")).await;
            let mut props = f["properties"].clone();
            props["name"] = json!("改名");
            body = Some(json!({"type": "Feature", "geometry": f["geometry"], "properties": props}));
            headers.push(("If-Match", "*".into()));
            format!("/api/v1/grids/{id}")
        }
        ("DELETE", "/api/v1/grids/{id}") => {
            let (g, _) = fresh_square(p, 4);
            let id = admin_l4(s, p, g).await;
            format!("/api/v1/grids/{id}")
        }
        (_, "/api/v1/grids/{id}/split") => {
            let (g, [x, y]) = fresh_square(p, 4);
            let id = admin_l4(s, p, g).await;
            body = Some(json!({"line": {"type": "LineString",
                "coordinates": [[x + 2e-6, y - 1e-6], [x + 2e-6, y + 5e-6]]}, "version": 1}));
            format!("/api/v1/grids/{id}/split")
        }
        (_, "/api/v1/grids/merge") => {
            let (g, [x, y]) = fresh_square(p, 4);
            let one = admin_l4(s, p, g).await;
            let d = 4e-6;
            let two = admin_l4(
                s,
                p,
                json!({"type": "Polygon", "coordinates": [[[x + d, y], [x + 2.0 * d, y], [x + 2.0 * d, y + d], [x + d, y + d], [x + d, y]]]}),
            )
            .await;
            body = Some(
                json!({"ids": [one, two], "versions": {one.to_string(): 1, two.to_string(): 1}}),
            );
            e.path.to_owned()
        }
        (_, "/api/v1/edits/move-vertex") => {
            let (g, [x, y]) = fresh_square(p, 4);
            let id = admin_l4(s, p, g).await;
            body = Some(
                json!({"from": [x, y], "to": [x - 1e-6, y - 1e-6], "versions": {id.to_string(): 1}}),
            );
            e.path.to_owned()
        }
        (_, "/api/v1/edits/insert-vertex") => {
            let (g, [x, y]) = fresh_square(p, 4);
            let id = admin_l4(s, p, g).await;
            body = Some(json!({"at": [x + 2e-6, y], "versions": {id.to_string(): 1}}));
            e.path.to_owned()
        }
        (_, "/api/v1/edits/delete-vertex") => {
            let (g, [x, y]) = fresh_square(p, 5);
            let id = admin_l4(s, p, g).await;
            body = Some(json!({"at": [x + 2e-6, y], "versions": {id.to_string(): 1}}));
            e.path.to_owned()
        }
        (_, "/api/v1/grids/{id}/next-code") => format!("/api/v1/grids/{l3}/next-code"),
        (_, "/api/v1/subdistricts/{id}/next-code") => {
            format!("/api/v1/subdistricts/{sd}/next-code")
        }
        (_, "/api/v1/grids/{id}/renumber") => format!("/api/v1/grids/{l3}/renumber"),
        (_, "/api/v1/subdistricts/{id}/renumber") => format!("/api/v1/subdistricts/{sd}/renumber"),
        (_, "/api/v1/grids/{id}/code-history") => format!("/api/v1/grids/{a}/code-history"),
        (_, "/api/v1/grids/{id}/import") | (_, "/api/v1/subdistricts/{id}/import") => {
            let (g, _) = fresh_square(p, 4);
            let fc = json!({"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"name": "导入", "kind": "commercial"}, "geometry": g}]});
            raw = Some(("application/geo+json", fc.to_string().into_bytes()));
            if e.path.starts_with("/api/v1/grids") {
                format!("/api/v1/grids/{l3}/import")
            } else {
                format!("/api/v1/subdistricts/{sd}/import")
            }
        }
        ("GET", "/api/v1/coverage") => format!("/api/v1/coverage?subdistrict={sd}"),
        (_, "/api/v1/coverage/preview") => {
            let (g, _) = fresh_square(p, 4);
            let (_, next) = s.get(&format!("/api/v1/grids/{l3}/next-code")).await;
            body = Some(json!({"type": "Feature", "geometry": g, "properties": {
                "code": next["code"], "name": "预览", "level": 4, "parent_id": l3, "kind": "commercial"}}));
            e.path.to_owned()
        }
        ("GET", "/api/v1/accounts") | ("GET", "/api/v1/tokens") | ("GET", "/api/v1/audit") => {
            e.path.to_owned()
        }
        ("POST", "/api/v1/accounts") => {
            let k = p.n.fetch_add(1, Ordering::SeqCst);
            body = Some(json!({"name": format!("new-{k}"), "display_name": "新账号",
                "password": "a-long-password", "grants": [format!("operator@subdistrict:{sd}")]}));
            e.path.to_owned()
        }
        ("PATCH", "/api/v1/accounts/{name}") => {
            let name = format!("patched-{}", p.n.fetch_add(1, Ordering::SeqCst));
            s.client_for(&name, &["operator@all"]).await;
            body = Some(json!({"disabled": true}));
            format!("/api/v1/accounts/{name}")
        }
        ("POST", "/api/v1/tokens") => {
            body = Some(json!({"account": "test-admin", "name": "矩阵", "days": 1}));
            e.path.to_owned()
        }
        ("DELETE", "/api/v1/tokens/{id}") => {
            let r = s
                .send(
                    Method::POST,
                    "/api/v1/tokens",
                    Some(&json!({"account": "test-admin", "name": "to revoke"})),
                    &[],
                )
                .await;
            assert_eq!(r.status, 201, "setup: {}", r.json);
            format!("/api/v1/tokens/{}", r.json["info"]["id"])
        }
        ("POST", "/api/v1/cases") => {
            body = Some(
                json!({"source": "hotline", "category": "SJ-01-01", "description": "暴露垃圾",
                "location": {"lon": at[0], "lat": at[1]}}),
            );
            e.path.to_owned()
        }
        ("GET", "/api/v1/cases") => "/api/v1/cases?limit=5".to_owned(),
        ("GET", "/api/v1/cases/{id}") => format!("/api/v1/cases/{}", admin_case(s, p).await),
        (_, "/api/v1/cases/{id}/history") => {
            format!("/api/v1/cases/{}/history", admin_case(s, p).await)
        }
        (_, "/api/v1/cases/{id}/proposal") => {
            format!("/api/v1/cases/{}/proposal", admin_case(s, p).await)
        }
        (_, "/api/v1/cases/{id}/steps") => {
            body = Some(json!({"action": "file"}));
            format!("/api/v1/cases/{}/steps", admin_case(s, p).await)
        }
        (_, "/api/v1/cases/duplicates") => format!(
            "/api/v1/cases/duplicates?category=SJ-01-01&lon={}&lat={}",
            at[0], at[1]
        ),
        ("POST", "/api/v1/case-photos") => {
            raw = Some(("image/png", PNG.to_vec()));
            e.path.to_owned()
        }
        ("GET", "/api/v1/case-photos/{id}") => {
            let r = s
                .post_raw("/api/v1/case-photos", "image/png", PNG.to_vec())
                .await;
            assert_eq!(r.status, 201, "setup: {}", r.json);
            format!("/api/v1/case-photos/{}", r.json["id"])
        }
        ("GET", "/api/v1/case-categories") | ("GET", "/api/v1/case-calendar") => e.path.to_owned(),
        ("PUT", "/api/v1/case-categories") => {
            let (_, cats) = s.get("/api/v1/case-categories").await;
            body = Some(cats);
            e.path.to_owned()
        }
        (_, "/api/v1/subdistricts/{id}/case-units") => {
            if e.method == "PUT" {
                let (_, units) = s
                    .get(&format!("/api/v1/subdistricts/{sd}/case-units"))
                    .await;
                body = Some(units);
            }
            format!("/api/v1/subdistricts/{sd}/case-units")
        }
        ("PUT", "/api/v1/case-calendar") => {
            raw = Some((
                "text/plain",
                gridd::cases::calendar::CHINA_OVERRIDES_TEXT
                    .as_bytes()
                    .to_vec(),
            ));
            e.path.to_owned()
        }
        ("GET", "/api/v1/case-duplicate-rule") => e.path.to_owned(),
        ("PUT", "/api/v1/case-duplicate-rule") => {
            body = Some(json!({"radius_m": 50.0, "days": 7}));
            e.path.to_owned()
        }
        (_, "/api/v1/case-stats") => "/api/v1/case-stats?group_by=grid".to_owned(),
        (_, "/api/v1/case-events") => "/api/v1/case-events?after=0&limit=10".to_owned(),
        (_, "/api/v1/events") => "/api/v1/events".to_owned(),
        (_, "/api/v1/case-tiles/{z}/{x}/{y}") => "/api/v1/case-tiles/0/0/0.mvt".to_owned(),
        (_, "/api/v1/test-clock") => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            body = Some(json!({ "now": now }));
            e.path.to_owned()
        }
        (m, "/api/v1/tracks/points") => {
            // The caller's own track (another worker's: patrols::another_workers_…).
            let me: Value = client
                .get(format!("{}/api/v1/auth/me", s.url))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap_or(Value::Null);
            let id = me["user"]["id"].as_i64().unwrap_or(1);
            if m == "POST" {
                body = Some(
                    json!({"fixes": [{"worker": id, "time_ms": 1_796_605_200_000_i64,
                    "lon": at[0], "lat": at[1]}]}),
                );
                e.path.to_owned()
            } else {
                format!("{}?worker={id}&from=0&to=4102444800000", e.path)
            }
        }
        ("POST", "/api/v1/tracks/files") => {
            // The caller's own track, one point (`worker` defaults to the caller).
            raw = Some((
                "application/gpx+xml",
                format!(
                    "<gpx version=\"1.1\"><trk><trkseg><trkpt lat=\"{}\" lon=\"{}\">\
                     <time>2026-12-07T01:00:00Z</time></trkpt></trkseg></trk></gpx>",
                    at[1], at[0]
                )
                .into_bytes(),
            ));
            e.path.to_owned()
        }
        (_, "/api/v1/patrols/audit") => format!("{}?week=2026-W49", e.path),
        (_, "/api/v1/patrols/coverage") => {
            format!("{}?grid={a}&from=2026-12-07&to=2026-12-13", e.path)
        }
        (_, "/api/v1/track-tiles/{z}/{x}/{y}") => {
            "/api/v1/track-tiles/0/0/0.mvt?day=2026-12-07".to_owned()
        }
        (_, "/api/v1/households/import") => {
            raw = Some(("text/csv", household_csv(s, p).await.into_bytes()));
            format!("{}?subdistrict={sd}", e.path)
        }
        (_, "/api/v1/grids/{id}/households") => format!("/api/v1/grids/{l3}/households"),
        (_, "/api/v1/households/{id}") => {
            format!("/api/v1/households/{}", admin_household(s, p).await)
        }
        (_, "/api/v1/visits") => {
            body = Some(json!({"household_id": admin_household(s, p).await, "outcome": "visited"}));
            e.path.to_owned()
        }
        (_, "/api/v1/visits/compliance") => e.path.to_owned(),
        ("POST", "/api/v1/subdistricts/{id}/staff") => {
            body = Some(json!({"name": "矩阵人员", "employer": "community"}));
            format!("/api/v1/subdistricts/{sd}/staff")
        }
        ("GET", "/api/v1/subdistricts/{id}/staff") => format!("/api/v1/subdistricts/{sd}/staff"),
        (_, "/api/v1/staff/{id}") => {
            body = Some(json!({"name": "矩阵人员", "employer": "community"}));
            format!("/api/v1/staff/{}", admin_staff(s, p).await)
        }
        ("PUT", "/api/v1/grids/{id}/team") => {
            body = Some(json!({"members": []}));
            format!("/api/v1/grids/{l3}/team")
        }
        ("GET", "/api/v1/grids/{id}/team") => format!("/api/v1/grids/{l3}/team"),
        (_, "/api/v1/teams/report") => format!("{}?subdistrict={sd}", e.path),
        (_, "/api/v1/published/grids/{id}") => format!("/api/v1/published/grids/{a}"),
        (_, "/api/v1/published/grids/{id}/qr") => format!("/api/v1/published/grids/{a}/qr"),
        (_, "/api/v1/published/summary") => e.path.to_owned(),
        ("GET", "/open311/v2/{document}") => "/open311/v2/services.json".to_owned(),
        ("POST", "/open311/v2/{document}") => {
            raw = Some((
                "application/x-www-form-urlencoded",
                format!(
                    "api_key={}&service_code=SJ-01-01&lat={}&long={}&description=x",
                    s.admin_token, at[1], at[0]
                )
                .into_bytes(),
            ));
            "/open311/v2/requests.json".to_owned()
        }
        (_, "/open311/v2/services/{code}") => "/open311/v2/services/SJ-01-01.xml".to_owned(),
        (_, "/open311/v2/requests/{id}") => {
            format!("/open311/v2/requests/{}.json", open311_case(s, p).await)
        }
        (_, "/open311/v2/tokens/{token}") => {
            format!("/open311/v2/tokens/{}.xml", open311_case(s, p).await)
        }
        (m, p) => panic!("{m} {p}: the table has a route this function cannot send"),
    };
    let mut rb = client.request(e.method.parse().unwrap(), format!("{}{path}", s.url));
    if let Some(b) = &body {
        rb = rb.json(b);
    }
    if let Some((ct, bytes)) = raw {
        rb = rb.header("content-type", ct).body(bytes);
    }
    for (k, v) in &headers {
        rb = rb.header(*k, v);
    }
    let status = rb.send().await.unwrap().status().as_u16();
    if (e.path == "/api/v1/case-tiles/{z}/{x}/{y}" || e.path == "/api/v1/track-tiles/{z}/{x}/{y}")
        && status == 204
    {
        // Allowed, and nothing the caller may see in the tile (which cases a
        // tile holds per scope: cases::open_cases_are_tiles_…).
        return 200;
    }
    status
}

/// The grants (scope part) in and out of scope for a kind.
fn scopes(kind: Kind, p: &Places) -> (Vec<String>, Vec<String>) {
    let all = "all".to_owned();
    let sd = format!("subdistrict:{}", p.sd);
    let a = format!("grid:{}", p.a);
    let b = format!("grid:{}", p.b);
    match kind {
        Kind::Grid => (vec![all, sd, a], vec![b]),
        Kind::Subdistrict => (vec![all, sd], vec![a]),
        Kind::Everything => (vec![all], vec![sd, a]),
    }
}

async fn every_route_every_role_in_and_out_of_scope(b: Backend) {
    let s = Server::demo(b).await;
    let p = places(&s).await;

    // The table names every route the server has, and nothing else.
    let routes = gridd::http::openapi_routes();
    let missing: Vec<_> = routes
        .iter()
        .filter(|(m, path)| !TABLE.iter().any(|e| e.method == m && e.path == path))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without an expectation: {missing:?}"
    );
    let stale: Vec<_> = TABLE
        .iter()
        .filter(|e| {
            !routes
                .iter()
                .any(|(m, path)| e.method == m && e.path == path)
        })
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    assert!(stale.is_empty(), "expectations without a route: {stale:?}");

    // One account per role × scope.
    let mut clients = std::collections::HashMap::new();
    let (sd, a, bb) = (p.sd, p.a, p.b);
    for role in ROLES {
        for scope in [
            "all".to_owned(),
            format!("subdistrict:{sd}"),
            format!("grid:{a}"),
            format!("grid:{bb}"),
        ] {
            let name = format!("{role}-{}", scope.replace(':', "-"));
            let c = s.client_for(&name, &[&format!("{role}@{scope}")]).await;
            clients.insert((role, scope), c);
        }
    }

    let mut checked = 0;
    let mut failures = Vec::new();
    for e in TABLE {
        let (inside, outside) = scopes(e.kind, &p);
        let anonymous = s.anonymous();
        let want = if e.anonymous { e.ok } else { 401 };
        let got = request(&s, &p, e, &anonymous).await;
        checked += 1;
        if got != want {
            failures.push(format!(
                "{} {} as anonymous: {got}, want {want}",
                e.method, e.path
            ));
        }
        for role in ROLES {
            for (scope, in_scope) in inside
                .iter()
                .map(|x| (x, true))
                .chain(outside.iter().map(|x| (x, false)))
            {
                let want = if e.roles.contains(&role) {
                    if in_scope || !e.scoped {
                        e.ok
                    } else {
                        e.refused
                    }
                } else if e.strangers.contains(&role) {
                    e.refused
                } else {
                    403
                };
                let got = request(&s, &p, e, &clients[&(role, scope.clone())]).await;
                checked += 1;
                if got != want {
                    failures.push(format!(
                        "{} {} as {role}@{scope} ({}): {got}, want {want}",
                        e.method,
                        e.path,
                        if in_scope { "in scope" } else { "out of scope" }
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} answers wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 1000, "{checked}");
}

/// Signs in by password; answers the cookie header value and the CSRF token.
async fn sign_in(s: &Server, name: &str, password: &str) -> (u16, Option<String>, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/sign-in", s.url))
        .json(&json!({"name": name, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let cookie = r
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    (status, cookie, r.json().await.unwrap_or(Value::Null))
}

async fn sessions_need_csrf_for_writes_and_end(b: Backend) {
    let s = Server::with_auth(
        b,
        gridd::http::auth::AuthOptions {
            session_ttl: 2,
            secure_cookies: false,
        },
    )
    .await;
    let p = places(&s).await;
    s.client_for("planner-1", &[&format!("planner@subdistrict:{}", p.sd)])
        .await;
    let (st, cookie, me) = sign_in(&s, "planner-1", TEST_PASSWORD).await;
    assert_eq!(st, 200, "{me}");
    let cookie = cookie.expect("a session cookie");
    assert!(cookie.starts_with("gridd_session="));
    let csrf = me["csrf_token"].as_str().unwrap().to_owned();
    assert!(
        me["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("edit_grids"))
    );
    let c = reqwest::Client::new();
    let renumber = format!("{}/api/v1/grids/{}/renumber", s.url, p.l3);
    // A read needs no CSRF token; a write does.
    let r = c
        .get(format!("{}/api/v1/auth/me", s.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let me2: Value = r.json().await.unwrap();
    assert_eq!(me2["user"]["name"], "planner-1");
    assert_eq!(me2["csrf_token"], csrf.as_str());
    let r = c
        .post(&renumber)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a cookie write without X-CSRF-Token");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["reason"], "csrf",
        "the web app knows to fetch the token again"
    );
    let r = c
        .post(&renumber)
        .header("cookie", &cookie)
        .header("x-csrf-token", "0".repeat(64))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a wrong X-CSRF-Token");
    let r = c
        .post(&renumber)
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // The session ends after 2 s unused: the next write is told to sign in again.
    tokio::time::sleep(std::time::Duration::from_millis(3200)).await;
    let r = c
        .post(&renumber)
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("session has ended"),
        "{body}"
    );
    let r = c
        .get(format!("{}/api/v1/auth/me", s.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["user"], Value::Null);
    // Signing out ends a live session at once.
    let (_, cookie, me) = sign_in(&s, "planner-1", TEST_PASSWORD).await;
    let cookie = cookie.unwrap();
    let r = c
        .post(format!("{}/api/v1/auth/sign-out", s.url))
        .header("cookie", &cookie)
        .header("x-csrf-token", me["csrf_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let r = c
        .post(&renumber)
        .header("cookie", &cookie)
        .header("x-csrf-token", me["csrf_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a signed-out session writes nothing");
}

async fn failed_sign_ins_are_throttled_and_audited(b: Backend) {
    let s = Server::demo(b).await;
    s.client_for("worker-1", &["grid_worker@all"]).await;
    // Unknown name and wrong password get the same answer.
    let (st1, c1, p1) = sign_in(&s, "nobody", "whatever-password").await;
    let (st2, c2, p2) = sign_in(&s, "worker-1", "wrong-password").await;
    assert_eq!((st1, st2), (401, 401));
    assert!(c1.is_none() && c2.is_none());
    assert_eq!(p1["detail"], p2["detail"]);
    assert!(
        !p2.to_string().contains("wrong-password"),
        "the password is not echoed"
    );
    // Four more failures: the account is throttled, even with the right password.
    for _ in 0..4 {
        let (st, _, _) = sign_in(&s, "worker-1", "wrong-password").await;
        assert_eq!(st, 401);
    }
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/sign-in", s.url))
        .json(&json!({"name": "worker-1", "password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 60 && retry <= 15 * 60, "{retry}");
    // Another account is not throttled by it (5 of the address's 20 are used)…
    s.client_for("worker-2", &["grid_worker@all"]).await;
    let (st, _, _) = sign_in(&s, "worker-2", TEST_PASSWORD).await;
    assert_eq!(st, 200);
    // …until the address has failed 20 times.
    for i in 0..14 {
        let (st, _, _) = sign_in(&s, &format!("guess-{i}"), "x-password-x").await;
        assert_eq!(st, 401, "failure {i}");
    }
    let (st, _, _) = sign_in(&s, "worker-2", TEST_PASSWORD).await;
    assert_eq!(st, 429, "the address is throttled across accounts");
    // Every attempt is in the audit log, with where it came from.
    let (st, rows) = s.get("/api/v1/audit?entity=account&limit=100").await;
    assert_eq!(st, 200, "{rows}");
    let rows: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"].as_str().unwrap().starts_with("sign_in"))
        .collect();
    let failed = rows
        .iter()
        .filter(|r| r["action"] == "sign_in_failed")
        .count();
    let ok = rows.iter().filter(|r| r["action"] == "sign_in").count();
    assert_eq!(failed, 2 + 4 + 1 + 14 + 1, "{rows:?}");
    assert_eq!(ok, 1);
    assert!(rows.iter().all(|r| r["address"] == "127.0.0.1"), "{rows:?}");
    assert!(rows.iter().any(|r| r["actor"] == "nobody"));
    assert!(!serde_json::to_string(&rows).unwrap().contains("password-x"));
}

async fn revoked_and_expired_tokens_stop_working(b: Backend) {
    let s = Server::demo(b).await;
    s.client_for("field-1", &["grid_worker@all"]).await;
    let r = s
        .send(
            Method::POST,
            "/api/v1/tokens",
            Some(&json!({"account": "field-1", "name": "平板 3", "days": 30})),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let token = r.json["token"].as_str().unwrap().to_owned();
    let id = r.json["info"]["id"].as_i64().unwrap();
    assert!(token.starts_with("gridd_"));
    let me = |t: String| {
        let url = format!("{}/api/v1/auth/me", s.url);
        async move {
            let r = gridd_e2e::bearer_client(&t).get(url).send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (st, body) = me(token.clone()).await;
    assert_eq!((st, body["user"]["name"].as_str()), (200, Some("field-1")));
    // The list never shows a secret.
    let (_, list) = s.get("/api/v1/tokens").await;
    assert!(!list.to_string().contains(&token[6..]));
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id && t["name"] == "平板 3")
    );
    // Revoked: refused at once, with a reason.
    let r = s
        .send(Method::DELETE, &format!("/api/v1/tokens/{id}"), None, &[])
        .await;
    assert_eq!(r.status, 204);
    let (st, body) = me(token.clone()).await;
    assert_eq!(st, 401);
    assert!(
        body["detail"].as_str().unwrap().contains("revoked"),
        "{body}"
    );
    let r = s
        .send(Method::DELETE, &format!("/api/v1/tokens/{id}"), None, &[])
        .await;
    assert_eq!(r.status, 404, "a token is revoked once");
    // A made-up token and a malformed header are refused too.
    assert_eq!(me("gridd_00".into()).await.0, 401);
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/auth/me", s.url))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Expired: issued straight into the store with an end in the past.
    use gridd::accounts::secret;
    let old = secret::new_token();
    s.app
        .auth
        .store
        .issue_token(
            "field-1",
            "old",
            &secret::digest(&old),
            gridd::accounts::now() - 1,
            &gridd::domain::change::Actor::new("test", None),
        )
        .await
        .unwrap();
    assert_eq!(me(old).await.0, 401);
    // Disabling the account stops its other tokens.
    let r = s
        .send(
            Method::POST,
            "/api/v1/tokens",
            Some(&json!({"account": "field-1", "name": "second"})),
            &[],
        )
        .await;
    let second = r.json["token"].as_str().unwrap().to_owned();
    assert_eq!(me(second.clone()).await.0, 200);
    let r = s
        .send(
            Method::PATCH,
            "/api/v1/accounts/field-1",
            Some(&json!({"disabled": true})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(me(second).await.0, 401);
    // Revoked elsewhere (another instance on the same store, `gridd token
    // revoke`): this instance remembers a live token for at most
    // TOKEN_TTL_SECS, then refuses it too.
    let r = s
        .send(
            Method::POST,
            "/api/v1/tokens",
            Some(&json!({"account": "test-admin", "name": "elsewhere"})),
            &[],
        )
        .await;
    let third = r.json["token"].as_str().unwrap().to_owned();
    let third_id = r.json["info"]["id"].as_i64().unwrap();
    assert_eq!(me(third.clone()).await.0, 200);
    let other = s.store.open_backend().await.accounts();
    assert!(
        other
            .revoke_token(
                third_id,
                &gridd::domain::change::Actor::new("another instance", None)
            )
            .await
            .unwrap()
    );
    let until = std::time::Instant::now()
        + std::time::Duration::from_secs(gridd::store::accounts::TOKEN_TTL_SECS.unsigned_abs() + 2);
    loop {
        if me(third.clone()).await.0 == 401 {
            break;
        }
        assert!(
            std::time::Instant::now() < until,
            "a token revoked elsewhere still works after the cache's time"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Bad token requests name the field.
    let r = s
        .send(
            Method::POST,
            "/api/v1/tokens",
            Some(&json!({"account": "field-1", "name": "x", "days": 9999})),
            &[],
        )
        .await;
    assert_eq!(r.assert_problem(422), vec!["days"]);
}

async fn the_audit_log_is_append_only_filtered_and_exportable(b: Backend) {
    let s = Server::demo(b).await;
    let p = places(&s).await;
    // A write and a sign-in, then read them back.
    let (g, _) = fresh_square(&p, 4);
    let id = admin_l4(&s, &p, g).await;
    s.client_for("auditor-all", &["auditor@all"]).await;
    let (st, _, _) = sign_in(&s, "auditor-all", TEST_PASSWORD).await;
    assert_eq!(st, 200);
    let (st, rows) = s
        .get(&format!("/api/v1/audit?entity=grid&entity_id={id}"))
        .await;
    assert_eq!(st, 200);
    let row = &rows[0];
    assert_eq!(row["action"], "create");
    assert_eq!(row["actor"], "test-admin");
    assert_eq!(row["address"], "127.0.0.1");
    assert!(row["after"].to_string().contains("矩阵测试"), "{row}");
    assert!(row["at"].as_str().unwrap().ends_with('Z'));
    // By actor and time.
    let (_, rows) = s.get("/api/v1/audit?actor=auditor-all").await;
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["actor"] == "auditor-all")
    );
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["action"] == "sign_in")
    );
    let (_, none) = s.get("/api/v1/audit?since=2999-01-01T00:00:00Z").await;
    assert_eq!(none, json!([]));
    let (_, all_before) = s
        .get("/api/v1/audit?until=2999-01-01T00:00:00%2B08:00&limit=3")
        .await;
    assert_eq!(all_before.as_array().unwrap().len(), 3);
    let r = s
        .send(
            Method::GET,
            "/api/v1/audit?since=yesterday&limit=0",
            None,
            &[],
        )
        .await;
    let mut fields = r.assert_problem(422);
    fields.sort();
    assert_eq!(fields, vec!["limit", "since"]);
    // CSV for spreadsheets.
    let r = s
        .http
        .get(format!(
            "{}/api/v1/audit?format=csv&entity=grid&entity_id={id}",
            s.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let text = r.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap().trim_start_matches('\u{feff}'),
        "id,at,subdistrict_id,actor,address,action,entity,entity_id,reason,before,after"
    );
    assert!(
        lines
            .next()
            .unwrap()
            .contains(",test-admin,127.0.0.1,create,grid,")
    );
    // An auditor over one L1 grid sees rows about grids there, not account rows.
    let scoped = s
        .client_for("auditor-b", &[&format!("auditor@grid:{}", p.b)])
        .await;
    let rows: Value = scoped
        .get(format!("{}/api/v1/audit?limit=10000", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = rows.as_array().unwrap();
    assert!(rows.iter().all(|r| r["entity"] != "account"), "{rows:?}");
    assert!(
        !rows.iter().any(|r| r["entity_id"] == id),
        "grid {id} is in A, not B"
    );
    // Nobody may change or remove what the log says: not even the store's own role.
    match &s.store {
        gridd_e2e::StoreLocation::Postgis(url) => {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            for sql in [
                "UPDATE audit_log SET actor = 'someone else'",
                "DELETE FROM audit_log",
                "TRUNCATE audit_log",
            ] {
                let e = sqlx::query(sql).execute(&mut c).await.unwrap_err();
                assert!(e.to_string().contains("append-only"), "{sql}: {e}");
            }
        }
        gridd_e2e::StoreLocation::Gpkg(path) => {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            for sql in [
                "UPDATE audit_log SET actor = 'someone else'",
                "DELETE FROM audit_log",
            ] {
                let e = sqlx::query(sql).execute(&mut c).await.unwrap_err();
                assert!(e.to_string().contains("append-only"), "{sql}: {e}");
            }
        }
    }
    let (_, rows) = s
        .get(&format!("/api/v1/audit?entity=grid&entity_id={id}"))
        .await;
    assert_eq!(rows[0]["actor"], "test-admin");
}

async fn accounts_are_managed_only_by_an_admin_over_everything(b: Backend) {
    let s = Server::demo(b).await;
    // Bad fields are named, and the password is never echoed.
    let r = s
        .send(
            Method::POST,
            "/api/v1/accounts",
            Some(&json!({"name": "with space", "password": "short", "grants": ["planner@moon"]})),
            &[],
        )
        .await;
    let mut fields = r.assert_problem(422);
    fields.sort();
    assert_eq!(fields, vec!["grants[0]", "name", "password"]);
    assert!(!r.json.to_string().contains("\"short\""));
    let body = json!({"name": "zhang", "display_name": "张三", "password": "zhang-long-password",
        "grants": ["planner@subdistrict:1", "auditor@all"]});
    let r = s
        .send(Method::POST, "/api/v1/accounts", Some(&body), &[])
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    let zh: Vec<&str> = r.json["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["role_zh"].as_str().unwrap())
        .collect();
    assert!(
        zh.contains(&"网格规划员") && zh.contains(&"考核员"),
        "{zh:?}"
    );
    assert!(!r.json.to_string().contains("argon2"), "no hash in answers");
    let r = s
        .send(Method::POST, "/api/v1/accounts", Some(&body), &[])
        .await;
    assert_eq!(r.status, 409);
    let (st, _, me) = sign_in(&s, "zhang", "zhang-long-password").await;
    assert_eq!(st, 200);
    let actions = me["actions"].as_array().unwrap();
    for a in ["edit_grids", "read_audit_log"] {
        assert!(actions.contains(&json!(a)), "{a}: {me}");
    }
    assert!(!actions.contains(&json!("manage_accounts")));
    // A new password ends the old sessions and the old password.
    let r = s
        .send(
            Method::PATCH,
            "/api/v1/accounts/zhang",
            Some(&json!({"password": "another-long-password", "grants": ["operator@all"]})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["grants"][0]["role"], "operator");
    assert_eq!(sign_in(&s, "zhang", "zhang-long-password").await.0, 401);
    assert_eq!(sign_in(&s, "zhang", "another-long-password").await.0, 200);
    let r = s
        .send(
            Method::PATCH,
            "/api/v1/accounts/nobody",
            Some(&json!({"disabled": true})),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
}

async fn answers_carry_security_headers_and_cors_is_closed_unless_allowed(b: Backend) {
    let s = Server::demo_with_web(b).await;
    // The API, the web app's page and a problem all carry the headers.
    for path in ["/api/v1/subdistricts", "/", "/api/v1/nothing-here"] {
        let r = reqwest::get(format!("{}{path}", s.url)).await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(!h["x-request-id"].is_empty(), "{path}");
    }
    // A request id the client sends comes back (and a strange one is replaced).
    let c = reqwest::Client::new();
    let r = c
        .get(format!("{}/health", s.url))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");
    let r = c
        .get(format!("{}/health", s.url))
        .header("x-request-id", "<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(r.headers()["x-request-id"], "<script>");
    // CORS is closed by default: a preflight from another origin is not allowed.
    let preflight = |url: String, origin: &'static str| {
        let c = c.clone();
        async move {
            c.request(Method::OPTIONS, url)
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization,content-type",
                )
                .send()
                .await
                .unwrap()
        }
    };
    let r = preflight(format!("{}/api/v1/grids", s.url), "https://partner.example").await;
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // With an allow-list, that origin (and no other) may call with a token.
    let router = gridd::http::router_with(
        s.app.clone(),
        &gridd::http::WebConfig {
            dir: "/nonexistent".into(),
        },
        &gridd::http::HttpOptions {
            cors_origins: vec!["https://partner.example".into()],
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .ok();
    });
    let r = preflight(format!("{url}/api/v1/grids"), "https://partner.example").await;
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://partner.example"
    );
    assert!(
        r.headers()
            .get("access-control-allow-credentials")
            .is_none(),
        "never with the cookie"
    );
    let r = preflight(format!("{url}/api/v1/grids"), "https://other.example").await;
    assert!(r.headers().get("access-control-allow-origin").is_none());
    server.abort();
}
