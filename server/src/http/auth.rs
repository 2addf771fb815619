//! Signing in and out, who the caller is, accounts, API tokens and the audit
//! log: `/api/v1/auth/*`, `/api/v1/accounts`, `/api/v1/tokens`, `/api/v1/audit`.
//!
//! A browser signs in with a name and password and gets the `gridd_session`
//! cookie (HttpOnly, SameSite=Strict, Secure behind TLS) and a CSRF token that
//! every cookie-authenticated write repeats in `X-CSRF-Token`. Programs (the
//! field app, integrations) send `Authorization: Bearer gridd_…`. Only digests of
//! either secret are stored; a token is shown once, when it is issued. Failed
//! sign-ins are throttled per account and per address and recorded in the audit
//! log like every sign-in. Passwords and tokens are never logged or echoed.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Caller, client_address};
use super::problem::{ApiError, ProblemDoc};
use crate::accounts::throttle::Throttle;
use crate::accounts::{self, Account, NewAccount, TokenInfo, secret};
use crate::domain::access::{Action, Principal, Resource, authorize};
use crate::domain::change::Actor;
use crate::error::{Error, FieldError};
use crate::store::audit::{AuditQuery, AuditRecord};
use crate::store::{AccountStore, AuditLogStore};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "gridd_session";

/// How accounts are served.
#[derive(Debug, Clone)]
pub struct AuthOptions {
    /// Seconds a session lasts without being used.
    pub session_ttl: i64,
    /// Mark the session cookie `Secure` (behind TLS).
    pub secure_cookies: bool,
}

impl Default for AuthOptions {
    fn default() -> Self {
        Self {
            session_ttl: accounts::SESSION_IDLE_SECS,
            secure_cookies: false,
        }
    }
}

/// The accounts side of the server: their storage, the audit log, the throttle.
pub struct Auth {
    /// Accounts, sessions, tokens.
    pub store: Arc<dyn AccountStore>,
    /// The audit log, to read.
    pub audit: Arc<dyn AuditLogStore>,
    throttle: Mutex<Throttle>,
    /// Options.
    pub options: AuthOptions,
}

impl Auth {
    /// Accounts over these stores (live API tokens remembered for a few seconds:
    /// [`crate::store::accounts::TokenCache`]).
    pub fn new(
        store: Arc<dyn AccountStore>,
        audit: Arc<dyn AuditLogStore>,
        options: AuthOptions,
    ) -> Self {
        Self {
            store: Arc::new(crate::store::accounts::TokenCache::new(store)),
            audit,
            throttle: Mutex::new(Throttle::default()),
            options,
        }
    }

    fn throttle(&self) -> std::sync::MutexGuard<'_, Throttle> {
        self.throttle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Who the access guard found behind a request.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The caller as authorization sees them.
    pub principal: Arc<Principal>,
    /// Their account, when signed in.
    pub account: Option<Account>,
    /// Signed in by the session cookie (writes then need the CSRF token).
    pub by_cookie: bool,
    /// A session cookie came but its session has ended (expired, signed out).
    pub session_ended: bool,
    /// The session's CSRF token.
    pub csrf: Option<String>,
    /// When the session or token ends (Unix seconds).
    pub expires_at: Option<i64>,
    /// The digest of the session's secret (what sign-out ends).
    session: Option<String>,
}

impl Authenticated {
    fn anonymous(session_ended: bool) -> Self {
        Self {
            principal: Arc::new(Principal::anonymous()),
            account: None,
            by_cookie: false,
            session_ended,
            csrf: None,
            expires_at: None,
            session: None,
        }
    }

    /// Whether the request repeats the session's CSRF token.
    pub fn csrf_matches(&self, headers: &HeaderMap) -> bool {
        match (&self.csrf, headers.get("x-csrf-token")) {
            (Some(want), Some(got)) => got.to_str().is_ok_and(|g| secret::same(g.trim(), want)),
            _ => false,
        }
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// Finds the caller: a Bearer token (401 when it is not live), else the session
/// cookie (anonymous when its session has ended), else anonymous.
pub async fn authenticate(auth: &Auth, headers: &HeaderMap) -> Result<Authenticated, Error> {
    let now = accounts::now();
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        let v = v.to_str().unwrap_or("");
        let Some(token) = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
        else {
            return Err(Error::Unauthenticated(
                "Authorization must be `Bearer <token>` (an API token from `gridd token create`)"
                    .into(),
            ));
        };
        let account = auth
            .store
            .token(&secret::digest(token.trim()), now)
            .await?
            .ok_or_else(|| {
                Error::Unauthenticated("the API token is unknown, expired or revoked".into())
            })?;
        return Ok(Authenticated {
            principal: Arc::new(account.principal()),
            account: Some(account),
            by_cookie: false,
            session_ended: false,
            csrf: None,
            expires_at: None,
            session: None,
        });
    }
    let Some(secret) = cookie(headers, SESSION_COOKIE).filter(|s| !s.is_empty()) else {
        return Ok(Authenticated::anonymous(false));
    };
    let digest = secret::digest(secret);
    match auth
        .store
        .session(&digest, now, auth.options.session_ttl)
        .await?
    {
        Some(s) => Ok(Authenticated {
            principal: Arc::new(s.account.principal()),
            account: Some(s.account),
            by_cookie: true,
            session_ended: false,
            csrf: Some(s.csrf),
            expires_at: Some(s.expires_at),
            session: Some(digest),
        }),
        None => Ok(Authenticated::anonymous(true)),
    }
}

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new()
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(me))
        .routes(routes!(list_accounts, add_account))
        .routes(routes!(change_account))
        .routes(routes!(list_tokens, issue_token))
        .routes(routes!(revoke_token))
        .routes(routes!(audit_log))
}

/// A grant as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantOut {
    /// The role (`planner`, …).
    role: &'static str,
    /// Its Chinese name.
    role_zh: &'static str,
    /// Where: `all`, `subdistrict:N`, `grid:N`.
    scope: String,
}

/// An account as shown (never its password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOut {
    /// Its id.
    id: i64,
    /// Sign-in name.
    name: String,
    /// Shown name.
    display_name: String,
    /// Roles over scopes.
    grants: Vec<GrantOut>,
    /// Made (Unix seconds).
    created_at: i64,
    /// Disabled (Unix seconds), if it is.
    disabled_at: Option<i64>,
}

impl From<&Account> for AccountOut {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id,
            name: a.name.clone(),
            display_name: a.display_name.clone(),
            grants: a
                .grants
                .iter()
                .map(|g| GrantOut {
                    role: g.role.as_str(),
                    role_zh: g.role.title_zh(),
                    scope: g.scope.to_string(),
                })
                .collect(),
            created_at: a.created_at,
            disabled_at: a.disabled_at,
        }
    }
}

/// Who the caller is and what they may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The signed-in account, null when signed out.
    user: Option<AccountOut>,
    /// What the caller may do somewhere (`read_published`, `edit_grids`, …).
    #[schema(value_type = Vec<String>)]
    actions: Vec<&'static str>,
    /// What a cookie-authenticated write repeats in `X-CSRF-Token`.
    csrf_token: Option<String>,
    /// When the session ends unless used (Unix seconds).
    expires_at: Option<i64>,
}

fn me_of(who: &Authenticated) -> Me {
    Me {
        user: who.account.as_ref().map(AccountOut::from),
        actions: who
            .principal
            .actions()
            .into_iter()
            .map(Action::as_str)
            .collect(),
        csrf_token: who.csrf.clone(),
        expires_at: who.expires_at,
    }
}

/// A sign-in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignIn {
    /// Sign-in name.
    name: String,
    /// Password.
    password: String,
}

fn session_cookie(value: &str, secure: bool, clear: bool) -> HeaderValue {
    let mut c = format!("{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/");
    if clear {
        c.push_str("; Max-Age=0");
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn secure(state: &super::State, headers: &HeaderMap) -> bool {
    state.auth.options.secure_cookies
        || state
            .map
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

const WRONG: &str = "wrong name or password";

/// Signs in: sets the session cookie and answers who signed in, with the CSRF
/// token. The same 401 for an unknown name, a wrong password and a disabled
/// account; after 5 failures for an account or 20 from an address in 15 minutes,
/// 429 with `Retry-After`.
#[utoipa::path(post, operation_id = "auth_sign_in", path = "/auth/sign-in", tag = "accounts",
    request_body = SignIn,
    responses(
        (status = 200, description = "Signed in; `Set-Cookie: gridd_session`", body = Me),
        (status = 401, description = "Wrong name or password", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A missing field, named", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures; `Retry-After` says when to try again", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn sign_in(
    State(state): State<super::State>,
    req_parts: axum::http::request::Parts,
    Json(body): Json<SignIn>,
) -> Result<Response, ApiError> {
    let mut missing = Vec::new();
    if body.name.trim().is_empty() {
        missing.push(FieldError::new("name", "is required"));
    }
    if body.password.is_empty() {
        missing.push(FieldError::new("password", "is required"));
    }
    if !missing.is_empty() {
        return Err(Error::Invalid(missing).into());
    }
    let name = body.name.trim().chars().take(64).collect::<String>();
    let address = client_address(&req_parts);
    let addr_key = address.clone().unwrap_or_default();
    let mut actor = Actor::new(name.clone(), None);
    actor.0.address = address;
    let auth = &state.auth;
    let wait = auth.throttle().wait(&name, &addr_key, Instant::now());
    if let Some(wait) = wait {
        auth.store
            .sign_in_failed(&name, "throttled", &actor)
            .await?;
        let minutes = wait.as_secs().div_ceil(60);
        return Err(Error::TooManyRequests {
            message: format!(
                "too many failed sign-ins for this account or from this address: try again in {minutes} minute(s)"
            ),
            retry_after: wait.as_secs().max(1),
        }
        .into());
    }
    let found = auth.store.account_by_name(&name).await?;
    let password = body.password;
    let (account, ok) = tokio::task::spawn_blocking(move || match found {
        Some((account, hash)) => {
            let ok = secret::verify_password(&password, &hash);
            (Some(account), ok)
        }
        None => {
            secret::verify_password(&password, secret::decoy_hash());
            (None, false)
        }
    })
    .await
    .map_err(|e| Error::Internal(anyhow::anyhow!("password check: {e}")))?;
    let account = match account {
        Some(a) if ok && a.is_active() => a,
        a => {
            let why = match a {
                None => "unknown name",
                Some(a) if !a.is_active() => "account disabled",
                Some(_) => "wrong password",
            };
            auth.throttle().failed(&name, &addr_key, Instant::now());
            auth.store.sign_in_failed(&name, why, &actor).await?;
            return Err(Error::Unauthenticated(WRONG.into()).into());
        }
    };
    auth.throttle().succeeded(&name);
    let session = secret::new_secret();
    let csrf = secret::new_secret();
    let expires_at = accounts::now() + auth.options.session_ttl;
    auth.store
        .sign_in(
            &account,
            &secret::digest(&session),
            &csrf,
            expires_at,
            &actor,
        )
        .await?;
    let who = Authenticated {
        principal: Arc::new(account.principal()),
        account: Some(account),
        by_cookie: true,
        session_ended: false,
        csrf: Some(csrf),
        expires_at: Some(expires_at),
        session: None,
    };
    let mut r = Json(me_of(&who)).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&session, secure(&state, &req_parts.headers), false),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// Signs out: ends the session and clears its cookie (also when it had ended).
#[utoipa::path(post, operation_id = "auth_sign_out", path = "/auth/sign-out", tag = "accounts",
    responses(
        (status = 204, description = "Signed out"),
        (status = 403, description = "A cookie without its X-CSRF-Token", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn sign_out(
    State(state): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    headers: HeaderMap,
    Caller(actor): Caller,
) -> Result<Response, ApiError> {
    if let Some(digest) = &who.session {
        state.auth.store.sign_out(digest, &actor).await?;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", secure(&state, &headers), true),
    );
    Ok(r)
}

/// Who the caller is (null when signed out), what they may do, and the session's
/// CSRF token.
#[utoipa::path(get, operation_id = "auth_me", path = "/auth/me", tag = "accounts",
    responses((status = 200, description = "The caller", body = Me)))]
async fn me(Extension(who): Extension<Arc<Authenticated>>) -> Response {
    let mut r = Json(me_of(&who)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Every account, by name.
#[utoipa::path(get, operation_id = "accounts_list", path = "/accounts", tag = "accounts",
    responses(
        (status = 200, description = "The accounts", body = Vec<AccountOut>),
        (status = 401, description = "Not signed in", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator over everything", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn list_accounts(State(state): State<super::State>) -> Result<Response, ApiError> {
    let all = state.auth.store.accounts().await?;
    Ok(Json(all.iter().map(AccountOut::from).collect::<Vec<_>>()).into_response())
}

/// An account to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountIn {
    /// Sign-in name (1–64 characters, no spaces).
    name: String,
    /// Shown name (default: the sign-in name).
    display_name: Option<String>,
    /// Password (at least 10 characters).
    password: String,
    /// Roles over scopes, e.g. `["planner@subdistrict:1"]`.
    #[serde(default)]
    grants: Vec<String>,
}

async fn hash(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || secret::hash_password(&password))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("password hash: {e}")))
}

/// Adds an account.
#[utoipa::path(post, operation_id = "accounts_add", path = "/accounts", tag = "accounts",
    request_body = AccountIn,
    responses(
        (status = 201, description = "Added", body = AccountOut),
        (status = 409, description = "The name is taken", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad field, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn add_account(
    State(state): State<super::State>,
    Caller(actor): Caller,
    Json(body): Json<AccountIn>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let display = body
        .display_name
        .clone()
        .unwrap_or_else(|| body.name.clone());
    errors.extend(accounts::check_name("name", &body.name).err());
    errors.extend(accounts::check_display_name("display_name", &display).err());
    errors.extend(accounts::check_password("password", &body.password, &body.name).err());
    let grants = accounts::parse_grants("grants", &body.grants).unwrap_or_else(|e| {
        errors.extend(e);
        Vec::new()
    });
    if !errors.is_empty() {
        return Err(Error::Invalid(errors).into());
    }
    let new = NewAccount {
        name: body.name,
        display_name: display.trim().to_owned(),
        password_hash: hash(body.password).await?,
        grants,
    };
    let a = state.auth.store.add_account(&new, &actor).await?;
    Ok((StatusCode::CREATED, Json(AccountOut::from(&a))).into_response())
}

/// What to change of an account (each optional).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountChange {
    /// Disable (true; ends its sessions) or enable (false).
    disabled: Option<bool>,
    /// A new password (ends its sessions).
    password: Option<String>,
    /// Replaces its grants.
    grants: Option<Vec<String>>,
}

/// Disables or enables an account, resets its password, or replaces its grants.
#[utoipa::path(patch, operation_id = "accounts_change", path = "/accounts/{name}", tag = "accounts",
    params(("name" = String, Path, description = "Sign-in name")),
    request_body = AccountChange,
    responses(
        (status = 200, description = "Changed", body = AccountOut),
        (status = 404, description = "No such account", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad field, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn change_account(
    State(state): State<super::State>,
    Path(name): Path<String>,
    Caller(actor): Caller,
    Json(body): Json<AccountChange>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    if let Some(p) = &body.password {
        errors.extend(accounts::check_password("password", p, &name).err());
    }
    let grants = match &body.grants {
        Some(g) => match accounts::parse_grants("grants", g) {
            Ok(g) => Some(g),
            Err(e) => {
                errors.extend(e);
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors).into());
    }
    let password_hash = match body.password {
        Some(p) => Some(hash(p).await?),
        None => None,
    };
    let change = crate::store::AccountChange {
        grants: grants.as_deref(),
        password_hash: password_hash.as_deref(),
        active: body.disabled.map(|d| !d),
    };
    let a = state
        .auth
        .store
        .change_account(&name, change, &actor)
        .await?;
    Ok(Json(AccountOut::from(&a)).into_response())
}

/// Every API token (never their secrets), newest first.
#[utoipa::path(get, operation_id = "tokens_list", path = "/tokens", tag = "accounts",
    responses((status = 200, description = "The tokens", body = Vec<TokenInfo>)))]
async fn list_tokens(State(state): State<super::State>) -> Result<Response, ApiError> {
    Ok(Json(state.auth.store.tokens().await?).into_response())
}

/// A token to issue.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenIn {
    /// The account it acts for.
    account: String,
    /// What it is for (e.g. `field app, tablet 3`).
    name: String,
    /// Days it lasts (default 90, at most 366).
    days: Option<i64>,
}

/// An issued token: its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    /// Send as `Authorization: Bearer <token>`; it is not stored and cannot be shown again.
    token: String,
    /// The token as listed.
    info: TokenInfo,
}

/// Issues an API token for an account.
#[utoipa::path(post, operation_id = "tokens_issue", path = "/tokens", tag = "accounts",
    request_body = TokenIn,
    responses(
        (status = 201, description = "Issued; the secret is in the answer only", body = IssuedToken),
        (status = 404, description = "No such account", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad field, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn issue_token(
    State(state): State<super::State>,
    Caller(actor): Caller,
    Json(body): Json<TokenIn>,
) -> Result<Response, ApiError> {
    let expires = accounts::check_token(&body.name, body.days).map_err(Error::Invalid)?;
    let token = secret::new_token();
    let info = state
        .auth
        .store
        .issue_token(
            &body.account,
            body.name.trim(),
            &secret::digest(&token),
            expires,
            &actor,
        )
        .await?;
    let mut r = (StatusCode::CREATED, Json(IssuedToken { token, info })).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// Revokes an API token at once.
#[utoipa::path(delete, operation_id = "tokens_revoke", path = "/tokens/{id}", tag = "accounts",
    params(("id" = i64, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such token, or revoked already", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn revoke_token(
    State(state): State<super::State>,
    super::extract::Id(id): super::extract::Id,
    Caller(actor): Caller,
) -> Result<Response, ApiError> {
    if state.auth.store.revoke_token(id, &actor).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(Error::NotFound(format!("token {id} (or it was revoked already)")).into())
    }
}

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only this kind of entity (`grid`, `account`, `session`, `token`, `batch`).
    entity: Option<String>,
    /// Only this entity's id.
    entity_id: Option<String>,
    /// Only this actor.
    actor: Option<String>,
    /// From this time on (RFC 3339, e.g. `2026-12-01T00:00:00+08:00`).
    since: Option<String>,
    /// Before this time (RFC 3339).
    until: Option<String>,
    /// Rows older than this id (the next page: the last id of the previous one).
    before_id: Option<String>,
    /// At most this many rows (1–10000, default 200).
    limit: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

fn time(field: &str, v: Option<&str>) -> Result<Option<String>, FieldError> {
    v.filter(|s| !s.is_empty())
        .map(|s| {
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| {
                    t.with_timezone(&chrono::Utc)
                        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                        .to_string()
                })
                .map_err(|_| {
                    FieldError::new(
                        field,
                        format!(
                            "must be an RFC 3339 time, e.g. 2026-12-01T00:00:00+08:00, got {s:?}"
                        ),
                    )
                })
        })
        .transpose()
}

fn number(field: &str, v: Option<&str>) -> Result<Option<i64>, FieldError> {
    v.filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| FieldError::new(field, format!("must be a whole number, got {s:?}")))
        })
        .transpose()
}

/// A filter's value, or `None` with its error kept (every bad filter is named at once).
fn kept<T>(errors: &mut Vec<FieldError>, r: Result<Option<T>, FieldError>) -> Option<T> {
    r.unwrap_or_else(|e| {
        errors.push(e);
        None
    })
}

/// The audit log's rows the caller may read: a row about a grid needs a scope
/// over that grid, one about a subdistrict a scope over it, one about no
/// subdistrict (accounts, sign-ins) a scope over everything.
fn readable(who: &Principal, atlas: &crate::index::Atlas, r: &AuditRecord) -> bool {
    let grid = r.entity_id.filter(|_| r.entity == "grid");
    grid.and_then(|id| atlas.authorize_grid(who, Action::ReadAuditLog, id))
        .unwrap_or_else(|| {
            let resource = match r.subdistrict_id {
                0 => Resource::Everything,
                s => Resource::Subdistrict(s),
            };
            authorize(who, Action::ReadAuditLog, resource)
        })
        .is_ok()
}

/// The audit log, newest first: every write and every sign-in (also failed) —
/// who, when, from where, the action, the entity, before and after, the reason.
/// Only rows within the caller's scopes are listed. `format=csv` downloads it.
#[utoipa::path(get, operation_id = "audit_log", path = "/audit", tag = "accounts", params(AuditParams),
    responses(
        (status = 200, description = "The rows (JSON, or text/csv)", body = Vec<AuditRecord>),
        (status = 403, description = "No role that reads the audit log", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad filter, named", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn audit_log(
    State(state): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Query(p): Query<AuditParams>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let since = kept(&mut errors, time("since", p.since.as_deref()));
    let until = kept(&mut errors, time("until", p.until.as_deref()));
    let entity_id = kept(&mut errors, number("entity_id", p.entity_id.as_deref()));
    let before_id = kept(&mut errors, number("before_id", p.before_id.as_deref()));
    let limit = kept(&mut errors, number("limit", p.limit.as_deref())).unwrap_or(200);
    if !(1..=10_000).contains(&limit) {
        errors.push(FieldError::new("limit", "must be 1 to 10000"));
    }
    let csv = match p.format.as_deref().unwrap_or("json") {
        "" | "json" => false,
        "csv" => true,
        f => {
            errors.push(FieldError::new(
                "format",
                format!("must be json or csv, got {f:?}"),
            ));
            false
        }
    };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors).into());
    }
    let mut q = AuditQuery {
        entity: p.entity.filter(|s| !s.is_empty()),
        entity_id,
        actor: p.actor.filter(|s| !s.is_empty()),
        since,
        until,
        before_id,
        limit,
    };
    // Rows outside the caller's scopes are skipped; read on until the page is full.
    let atlas = state.atlas();
    let mut out = Vec::new();
    loop {
        let rows = state.auth.audit.audit_entries(&q).await?;
        let last = rows.last().map(|r| r.id);
        let done = (rows.len() as i64) < q.limit;
        out.extend(
            rows.into_iter()
                .filter(|r| readable(&who.principal, &atlas, r)),
        );
        if done || out.len() as i64 >= limit || last.is_none() {
            break;
        }
        q.before_id = last;
    }
    out.truncate(limit as usize);
    if csv {
        let mut r = audit_csv(&out).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        r.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"gridd-audit-log.csv\""),
        );
        return Ok(r);
    }
    Ok(Json(out).into_response())
}

/// One CSV field: quoted when needed; text a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`) gets a leading `'`.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The rows as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read
/// Chinese text right).
pub fn audit_csv(rows: &[AuditRecord]) -> String {
    let mut out = String::from(
        "\u{feff}id,at,subdistrict_id,actor,address,action,entity,entity_id,reason,before,after\r\n",
    );
    for r in rows {
        let json =
            |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
        let fields = [
            r.id.to_string(),
            r.at.clone(),
            r.subdistrict_id.to_string(),
            r.actor.clone(),
            r.address.clone().unwrap_or_default(),
            r.action.clone(),
            r.entity.clone(),
            r.entity_id.map(|i| i.to_string()).unwrap_or_default(),
            r.reason.clone().unwrap_or_default(),
            json(&r.before),
            json(&r.after),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-1"), "'-1");
    }

    #[test]
    fn the_session_cookie_is_http_only_and_strict() {
        let c = session_cookie("abc", true, false);
        let c = c.to_str().unwrap();
        assert!(c.starts_with("gridd_session=abc;"), "{c}");
        for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
            assert!(c.contains(part), "{c} lacks {part}");
        }
        assert!(
            session_cookie("", false, true)
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
        assert!(
            !session_cookie("x", false, false)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; gridd_session=s3; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("s3"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
