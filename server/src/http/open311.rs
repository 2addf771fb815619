//! Open311 GeoReport v2 (`/open311/v2/…`): citizens' and apps' intake, exactly to
//! the specification, in XML and JSON (the path's suffix). `jurisdiction_id` is the
//! subdistrict's nine-digit code (optional while there is one subdistrict).
//! Services are the active case categories; a request is a case, its
//! `service_request_id` the case number. `POST requests` needs an `api_key` (an API
//! token of the citizens' app account). Public reads (`GET requests`) list only the
//! reports that came in through Open311 and never show a reporter. Errors are the
//! specification's `errors` array with its status codes (400, 403, 404).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::secret;
use crate::case_desk::Report;
use crate::cases::category::{CaseClass, Category, UnitInfo};
use crate::cases::{Case, Intake, Reporter, Source, Stage, Unit, Urgency};
use crate::error::Error;
use crate::lookup::datum::Datum;
use crate::open311::{
    self, Attribute, Datatype, Discovery, Endpoint, EndpointType, Format, Open311Error, Service,
    ServiceDefinition, Status,
};
use crate::store::cases::{CaseQuery, StepActor};

/// Shown in the documentation as clients write the paths.
pub(super) const SUFFIXED: [(&str, &str); 4] = [
    ("/open311/v2/{document}", "/open311/v2/{document}.{format}"),
    (
        "/open311/v2/services/{code}",
        "/open311/v2/services/{code}.{format}",
    ),
    (
        "/open311/v2/requests/{id}",
        "/open311/v2/requests/{id}.{format}",
    ),
    (
        "/open311/v2/tokens/{token}",
        "/open311/v2/tokens/{token}.{format}",
    ),
];

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(document, post_requests))
        .routes(routes!(service))
        .routes(routes!(request))
        .routes(routes!(token))
}

/// An answer in a format.
fn answer(status: StatusCode, f: Format, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(open311::content_type(f)),
    );
    r
}

/// The specification's errors, with the status they call for.
fn fail(f: Format, e: &[Open311Error]) -> Response {
    let status = StatusCode::from_u16(open311::http_status(e)).unwrap_or(StatusCode::BAD_REQUEST);
    answer(status, f, open311::errors(e, f))
}

/// Splits `name.fmt`; an unknown suffix is answered in XML (the required format).
fn split(name: &str) -> Result<(&str, Format), Box<Response>> {
    name.rsplit_once('.')
        .and_then(|(stem, suffix)| Format::from_suffix(suffix).map(|f| (stem, f)))
        .ok_or_else(|| {
            Box::new(fail(
                Format::Xml,
                &[Open311Error::not_found(
                    "format",
                    "end the path with .xml or .json",
                )],
            ))
        })
}

/// Maps the product's errors to the specification's.
fn from_error(f: Format, e: Error) -> Response {
    let errs: Vec<Open311Error> = match e {
        Error::Invalid(fields) | Error::Malformed(fields) => fields
            .into_iter()
            .map(|x| Open311Error::bad_request(&open311_field(&x.field), &x.reason))
            .collect(),
        Error::NotFound(what) => vec![Open311Error::not_found("service_request_id", &what)],
        Error::Unauthenticated(m) | Error::Forbidden(m) => vec![Open311Error::forbidden(&m)],
        other => {
            tracing::error!(error = %other, "open311");
            return answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                f,
                open311::errors(
                    &[Open311Error {
                        code: 500,
                        description: "internal error".into(),
                    }],
                    f,
                ),
            );
        }
    };
    fail(f, &errs)
}

/// Our field names as an Open311 client sent them.
fn open311_field(f: &str) -> String {
    match f {
        "location" | "location.lat" => "lat".into(),
        "location.lon" => "long".into(),
        "category" => "service_code".into(),
        "address" => "address_string".into(),
        "reporter.phone" => "phone".into(),
        "reporter.email" => "email".into(),
        "reporter.name" => "first_name".into(),
        other => other.into(),
    }
}

/// The subdistrict a `jurisdiction_id` names (optional while there is one).
fn jurisdiction(s: &super::State, id: Option<&str>) -> Result<i64, Open311Error> {
    let atlas = s.atlas();
    let mut all: Vec<_> = atlas.subdistricts().collect();
    match id.filter(|x| !x.is_empty()) {
        Some(code) => all
            .into_iter()
            .find(|sd| sd.code == code)
            .map(|sd| sd.id)
            .ok_or_else(|| {
                Open311Error::not_found("jurisdiction_id", "no subdistrict with this code")
            }),
        None if all.len() == 1 => Ok(all.remove(0).id),
        None => Err(Open311Error::bad_request(
            "jurisdiction_id",
            "required: the subdistrict's nine-digit code",
        )),
    }
}

fn service_of(c: &Category) -> Service {
    let class = match c.class {
        CaseClass::Component => "部件",
        CaseClass::Event => "事件",
        CaseClass::Service => "服务",
    };
    Service {
        code: c.code.clone(),
        name: c.name(),
        description: format!("{class}：{}（{} 个工作小时内办结）", c.name(), c.hours),
        metadata: true,
        keywords: vec![c.major.clone(), c.minor.clone(), class.into()],
        group: format!("{class} · {}", c.major),
    }
}

/// The attributes every service takes: how urgent, and for components their
/// number (部件编号) when the reporter can read it.
fn definition_of(c: &Category) -> ServiceDefinition {
    let mut attributes = vec![Attribute {
        variable: true,
        code: "urgency".into(),
        datatype: Datatype::Singlevaluelist,
        required: false,
        datatype_description: "一般、当日或立即".into(),
        order: 1,
        description: "紧急程度（不填按类别默认）".into(),
        values: vec![
            ("normal".into(), "一般".into()),
            ("same_day".into(), "当日".into()),
            ("immediate".into(), "立即".into()),
        ],
    }];
    if c.class == CaseClass::Component {
        attributes.push(Attribute {
            variable: true,
            code: "component_id".into(),
            datatype: Datatype::String,
            required: false,
            datatype_description: "部件上标注的编号".into(),
            order: 2,
            description: "部件编号（如井盖、路灯上的编号）".into(),
            values: vec![],
        });
    }
    ServiceDefinition {
        service_code: c.code.clone(),
        attributes,
    }
}

fn utc(t: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t, 0).unwrap_or_default()
}

fn unit_name(u: &Unit, units: &[UnitInfo], s: &super::State) -> String {
    match u {
        Unit::Department { code } => units
            .iter()
            .find(|x| &x.code == code)
            .map_or_else(|| code.clone(), |x| x.name.clone()),
        Unit::Grid { grid_id } => s
            .atlas()
            .grid(*grid_id)
            .map_or_else(|| format!("网格 {grid_id}"), |g| g.grid.draft.name.clone()),
    }
}

async fn request_of(s: &super::State, c: &Case) -> open311::Request {
    let rules = s.desk.rules();
    let units = s.desk.units(c.subdistrict_id).await.unwrap_or_default();
    let name = rules
        .categories
        .get(&c.category)
        .map_or_else(|| c.category.clone(), Category::name);
    let mut notes = c.stage.title_zh().to_owned();
    if c.supervision == 1 {
        notes.push_str("（督办中）");
    } else if c.supervision >= 2 {
        notes.push_str("（已转领导小组）");
    }
    if c.stage == Stage::Merged {
        notes.push_str("：与其他案卷合并处理");
    }
    open311::Request {
        service_request_id: c.number.clone(),
        status: if c.stage.is_open() {
            Status::Open
        } else {
            Status::Closed
        },
        status_notes: Some(notes),
        service_name: name,
        service_code: c.category.clone(),
        description: Some(c.description.clone()),
        agency_responsible: c.units.first().map(|u| unit_name(u, &units, s)),
        service_notice: None,
        requested_datetime: utc(c.reported_at),
        updated_datetime: utc(c.updated_at),
        expected_datetime: c.deadline.map(utc),
        address: Some(c.address.clone()).filter(|a| !a.is_empty()),
        address_id: None,
        zipcode: None,
        lat: c.lat,
        long: c.lon,
        media_url: c.media_url.clone(),
    }
}

/// `discovery`, `services` or `requests` (GET), by the document's name.
#[utoipa::path(get, operation_id = "open311_get", path = "/open311/v2/{document}", tag = "open311",
    params(("document" = String, Path, description = "discovery.xml|json, services.xml|json, requests.xml|json")),
    responses(
        (status = 200, description = "The document", content_type = "text/xml"),
        (status = 400, description = "errors: a bad parameter", content_type = "text/xml"),
        (status = 404, description = "errors: no such document or jurisdiction", content_type = "text/xml"),
    ))]
async fn document(
    State(s): State<super::State>,
    Path(document): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (stem, f) = match split(&document) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let q = q.unwrap_or_default();
    match stem {
        "discovery" => answer(
            StatusCode::OK,
            f,
            open311::discovery(&discovery(&s, &headers), f),
        ),
        "services" => {
            if let Err(e) = jurisdiction(&s, open311::query_value(&q, "jurisdiction_id").as_deref())
            {
                return fail(f, &[e]);
            }
            let list: Vec<Service> = s
                .desk
                .rules()
                .list
                .iter()
                .filter(|c| c.active)
                .map(service_of)
                .collect();
            answer(StatusCode::OK, f, open311::services(&list, f))
        }
        "requests" => match list_requests(&s, &q).await {
            Ok(r) => answer(StatusCode::OK, f, open311::requests(&r, f)),
            Err(e) => fail(f, &e),
        },
        _ => fail(
            f,
            &[Open311Error::not_found(
                "document",
                "one of discovery, services, requests",
            )],
        ),
    }
}

fn discovery(s: &super::State, headers: &HeaderMap) -> Discovery {
    let base = s.map.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    });
    let changeset = utc(1_796_000_000);
    Discovery {
        changeset,
        contact: "网格化信息指挥中心".into(),
        key_service: format!("{base}/ (an API token from the subdistrict: gridd token create)"),
        endpoints: vec![Endpoint {
            specification: open311::SPECIFICATION.into(),
            url: format!("{base}/open311/v2"),
            changeset,
            type_: EndpointType::Production,
            formats: vec![Format::Xml.mime_type(), Format::Json.mime_type()],
        }],
    }
}

async fn list_requests(
    s: &super::State,
    q: &str,
) -> Result<Vec<open311::Request>, Vec<Open311Error>> {
    let p = open311::parse_requests_query(q)?;
    let sd = jurisdiction(s, p.jurisdiction_id.as_deref()).map_err(|e| vec![e])?;
    let store = s.desk.store();
    let mut cases = Vec::new();
    let internal = |e: Error| {
        tracing::error!(error = %e, "open311 requests");
        vec![Open311Error {
            code: 500,
            description: "internal error".into(),
        }]
    };
    if !p.service_request_id.is_empty() {
        for id in &p.service_request_id {
            if let Some(c) = store.case_by_number(sd, id).await.map_err(internal)?
                && c.source == Source::Open311
            {
                cases.push(c);
            }
        }
    } else {
        let (since, until) = p.window_seconds(utc(s.desk.clock().now()));
        let mut query = CaseQuery {
            subdistrict_id: Some(sd),
            since: Some(since),
            until: Some(until),
            limit: 2000,
            ..CaseQuery::default()
        };
        'pages: loop {
            let page = store.cases(&query).await.map_err(internal)?;
            let n = page.len() as i64;
            for c in page {
                query.before_id = Some(c.id);
                let status = if c.stage.is_open() {
                    Status::Open
                } else {
                    Status::Closed
                };
                if c.source == Source::Open311
                    && (p.service_code.is_empty() || p.service_code.contains(&c.category))
                    && (p.status.is_empty() || p.status.contains(&status))
                {
                    cases.push(c);
                    if cases.len() >= open311::MAX_RECORDS {
                        break 'pages;
                    }
                }
            }
            if n < query.limit {
                break;
            }
        }
    }
    let mut out = Vec::with_capacity(cases.len());
    for c in &cases {
        out.push(request_of(s, c).await);
    }
    Ok(out)
}

/// Reports a problem: a form (`application/x-www-form-urlencoded`) with
/// `api_key`, `service_code`, `lat`/`long`, `description`, the reporter's
/// `first_name`/`last_name`/`phone`/`email`, `media_url` and `attribute[…]`. An
/// `Idempotency-Key` header makes a retry safe.
#[utoipa::path(post, operation_id = "open311_post", path = "/open311/v2/{document}", tag = "open311",
    params(("document" = String, Path, description = "requests.xml or requests.json")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 201, description = "An array of one: service_request_id, service_notice", content_type = "text/xml"),
        (status = 400, description = "errors: a missing or bad field", content_type = "text/xml"),
        (status = 403, description = "errors: the api_key is missing or invalid", content_type = "text/xml"),
    ))]
async fn post_requests(
    State(s): State<super::State>,
    Path(document): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (stem, f) = match split(&document) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if stem != "requests" {
        return fail(
            f,
            &[Open311Error::not_found("document", "POST requests only")],
        );
    }
    let p = match open311::parse_post(&body) {
        Ok(p) => p,
        Err(e) => return fail(f, &e),
    };
    // The key: an API token of an account that may report.
    let Some(key) = p.api_key.as_deref().filter(|k| !k.is_empty()) else {
        return fail(f, &[Open311Error::forbidden("api_key is required")]);
    };
    let account = match s
        .auth
        .store
        .token(&secret::digest(key.trim()), crate::accounts::now())
        .await
    {
        Ok(Some(a)) => a,
        Ok(None) => {
            return fail(
                f,
                &[Open311Error::forbidden(
                    "api_key is unknown, expired or revoked",
                )],
            );
        }
        Err(e) => return from_error(f, e),
    };
    if let Err(e) = jurisdiction(&s, p.jurisdiction_id.as_deref()) {
        return fail(f, &[e]);
    }
    let rules = s.desk.rules();
    let Some(category) = rules.categories.get(&p.service_code).filter(|c| c.active) else {
        return fail(
            f,
            &[Open311Error::not_found("service_code", "no such service")],
        );
    };
    if let Err(e) = open311::check_attributes(&p, &definition_of(category)) {
        return fail(f, &e);
    }
    let (Some(lat), Some(long)) = (p.lat, p.long) else {
        return fail(
            f,
            &[Open311Error::bad_request(
                "lat",
                "lat and long are required here: reports are placed into grids by position",
            )],
        );
    };
    let urgency = match p.attribute("urgency").first().map(String::as_str) {
        Some("same_day") => Some(Urgency::SameDay),
        Some("immediate") => Some(Urgency::Immediate),
        Some("normal") => Some(Urgency::Normal),
        _ => None,
    };
    let name = match (p.last_name.as_deref(), p.first_name.as_deref()) {
        (Some(l), Some(fst)) => Some(format!("{l}{fst}")),
        (Some(x), None) | (None, Some(x)) => Some(x.to_owned()),
        (None, None) => None,
    };
    let intake = Intake {
        source: Source::Open311,
        category: p.service_code.clone(),
        urgency,
        lon: long,
        lat,
        address: p.address_string.clone().unwrap_or_default(),
        description: p.description.clone().unwrap_or_default(),
        reporter: Reporter {
            name,
            phone: p.phone.clone(),
            email: p.email.clone(),
        },
        photos: vec![],
        media_url: p.media_url.clone(),
        attributes: p.attributes.clone(),
        note: String::new(),
    };
    let key = match super::cases::idempotency(&headers, "POST /open311/v2/requests", &body) {
        Ok(k) => k,
        Err(e) => return from_error(f, e),
    };
    let who = account.principal();
    let actor = StepActor {
        name: who.name.clone(),
        address: None,
    };
    let atlas = s.atlas();
    match s
        .desk
        .report(
            &atlas,
            &who,
            actor,
            Report {
                intake,
                datum: Datum::Wgs84,
                key,
            },
        )
        .await
    {
        Ok(done) => answer(
            if done.replayed {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            },
            f,
            open311::created(
                &[open311::Created {
                    service_request_id: Some(done.case.number.clone()),
                    token: None,
                    service_notice: Some(format!(
                        "已受理，案卷编号 {}，请凭编号查询办理进度",
                        done.case.number
                    )),
                    account_id: None,
                }],
                f,
            ),
        ),
        Err(e) => from_error(f, e),
    }
}

/// A service's definition: its attributes.
#[utoipa::path(get, operation_id = "open311_service", path = "/open311/v2/services/{code}", tag = "open311",
    params(("code" = String, Path, description = "service_code.xml or .json")),
    responses(
        (status = 200, description = "service_definition", content_type = "text/xml"),
        (status = 404, description = "errors: no such service", content_type = "text/xml"),
    ))]
async fn service(State(s): State<super::State>, Path(code): Path<String>) -> Response {
    let (code, f) = match split(&code) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let rules = s.desk.rules();
    match rules.categories.get(code).filter(|c| c.active) {
        Some(c) => answer(
            StatusCode::OK,
            f,
            open311::service_definition(&definition_of(c), f),
        ),
        None => fail(
            f,
            &[Open311Error::not_found("service_code", "no such service")],
        ),
    }
}

/// One request (an array of one, as the specification says).
#[utoipa::path(get, operation_id = "open311_request", path = "/open311/v2/requests/{id}", tag = "open311",
    params(("id" = String, Path, description = "service_request_id.xml or .json")),
    responses(
        (status = 200, description = "service_requests with one request", content_type = "text/xml"),
        (status = 404, description = "errors: no such request", content_type = "text/xml"),
    ))]
async fn request(
    State(s): State<super::State>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    match published_case(&s, &id, q.as_deref(), "service_request_id").await {
        Ok((c, f)) => {
            let r = request_of(&s, &c).await;
            answer(StatusCode::OK, f, open311::requests(&[r], f))
        }
        Err(r) => *r,
    }
}

/// The case a path's `{number}.{format}` names in the query's jurisdiction, when
/// it came in through Open311 (else the `field`'s 404, as the format asks).
async fn published_case(
    s: &super::State,
    name: &str,
    query: Option<&str>,
    field: &str,
) -> Result<(Case, Format), Box<Response>> {
    let (number, f) = split(name)?;
    let q = query.unwrap_or_default();
    let sd = jurisdiction(s, open311::query_value(q, "jurisdiction_id").as_deref())
        .map_err(|e| Box::new(fail(f, &[e])))?;
    match s.desk.store().case_by_number(sd, number).await {
        Ok(Some(c)) if c.source == Source::Open311 => Ok((c, f)),
        Ok(_) => Err(Box::new(fail(
            f,
            &[Open311Error::not_found(field, "no such request")],
        ))),
        Err(e) => Err(Box::new(from_error(f, e))),
    }
}

/// The request a token stands for. This server answers `service_request_id` at
/// once, so a token is the request's number.
#[utoipa::path(get, operation_id = "open311_token", path = "/open311/v2/tokens/{token}", tag = "open311",
    params(("token" = String, Path, description = "token.xml or .json")),
    responses(
        (status = 200, description = "An array of one: token, service_request_id", content_type = "text/xml"),
        (status = 404, description = "errors: no such token", content_type = "text/xml"),
    ))]
async fn token(
    State(s): State<super::State>,
    Path(token): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    match published_case(&s, &token, q.as_deref(), "token").await {
        Ok((c, f)) => answer(
            StatusCode::OK,
            f,
            open311::tokens(
                &[open311::TokenAnswer {
                    token: c.number.clone(),
                    service_request_id: Some(c.number),
                }],
                f,
            ),
        ),
        Err(r) => *r,
    }
}
