//! The access guard: every route's decision, in one table ([`POLICY`]), and the
//! middleware that applies it before any handler runs.
//!
//! Each request is matched to its route's rule: the action it takes and what it
//! takes it on (the grid or subdistrict in the path, everything, or — when the
//! body names where — somewhere, the application then checking the exact grids).
//! The guard authenticates the caller (an `Authorization: Bearer` API token or the
//! `gridd_session` cookie; a cookie-authenticated write must repeat the session's
//! CSRF token in `X-CSRF-Token`), asks [`authorize`] and answers 401/403 itself,
//! or hands the caller on to the handler as an `Arc<Authenticated>` extension.
//! Actions the public may take everywhere (published grid information, lookups)
//! are let through without looking up any credential.
//!
//! A route without a rule is refused with 500 (and the unit test below fails on
//! it), so no endpoint ships without a decision.

use std::sync::Arc;

use axum::extract::{MatchedPath, RawPathParams, Request};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::{Authenticated, authenticate};
use super::problem::ApiError;
use crate::domain::access::{Action, Denied, Principal, Resource, authorize};
use crate::error::Error;

/// What a route's action is taken on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// Nothing in particular, or everything (accounts, tokens).
    Everything,
    /// The grid whose id is the path's `{id}`.
    PathGrid,
    /// The subdistrict whose id is the path's `{id}`.
    PathSubdistrict,
    /// Somewhere the body or query names: the guard checks that the caller may take
    /// the action somewhere; the application checks where (edits: every grid they
    /// touch; the audit log: only rows in the caller's scopes are listed).
    Somewhere,
}

/// A route's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anybody, signed in or not; the caller is authenticated (when they present
    /// credentials) and handed on (sign-out, who am I).
    Caller,
    /// The action on what [`On`] names.
    Act(Action, On),
}

/// Every route: method, path as routed, rule. The one table of decisions.
#[rustfmt::skip]
pub const POLICY: &[(&str, &str, Rule)] = {
    use Action::*;
    use On::*;
    use Rule::*;
    &[
        ("GET", "/health", Act(ReadPublished, Everything)),
        ("GET", "/api/v1/openapi.json", Act(ReadPublished, Everything)),
        ("GET", "/api/v1/docs", Act(ReadPublished, Everything)),
        // The grid tree and the reference layers: published information.
        ("GET", "/api/v1/subdistricts", Act(ReadPublished, Everything)),
        ("GET", "/api/v1/subdistricts/{id}", Act(ReadPublished, PathSubdistrict)),
        ("GET", "/api/v1/grids", Act(ReadPublished, Everything)),
        ("GET", "/api/v1/grids/{id}", Act(ReadPublished, PathGrid)),
        ("GET", "/api/v1/grids/{id}/children", Act(ReadPublished, PathGrid)),
        ("GET", "/api/v1/tree", Act(ReadPublished, Everything)),
        ("GET", "/api/v1/buildings", Act(ReadPublished, Everything)),
        ("GET", "/api/v1/roads", Act(ReadPublished, Everything)),
        ("GET", "/api/v1/grids/{id}/buildings", Act(ReadPublished, PathGrid)),
        ("GET", "/api/v1/lookup", Act(Lookup, Everything)),
        ("POST", "/api/v1/lookup", Act(Lookup, Everything)),
        ("GET", "/tiles", Act(ReadPublished, Everything)),
        ("GET", "/tiles/{name}", Act(ReadPublished, Everything)),
        ("GET", "/tiles/{tileset}/{z}/{x}/{y}", Act(ReadPublished, Everything)),
        ("GET", "/fonts/{fontstack}/{range}", Act(ReadPublished, Everything)),
        ("GET", "/styles/default.json", Act(ReadPublished, Everything)),
        // The editor.
        ("POST", "/api/v1/grids", Act(EditGrids, Somewhere)),
        ("PUT", "/api/v1/grids/{id}", Act(EditGrids, PathGrid)),
        ("DELETE", "/api/v1/grids/{id}", Act(EditGrids, PathGrid)),
        ("POST", "/api/v1/grids/{id}/split", Act(EditGrids, PathGrid)),
        ("POST", "/api/v1/grids/merge", Act(EditGrids, Somewhere)),
        ("POST", "/api/v1/edits/move-vertex", Act(EditGrids, Somewhere)),
        ("POST", "/api/v1/edits/insert-vertex", Act(EditGrids, Somewhere)),
        ("POST", "/api/v1/edits/delete-vertex", Act(EditGrids, Somewhere)),
        ("GET", "/api/v1/grids/{id}/next-code", Act(EditGrids, PathGrid)),
        ("GET", "/api/v1/subdistricts/{id}/next-code", Act(EditGrids, PathSubdistrict)),
        ("POST", "/api/v1/grids/{id}/renumber", Act(EditGrids, PathGrid)),
        ("POST", "/api/v1/subdistricts/{id}/renumber", Act(EditGrids, PathSubdistrict)),
        ("GET", "/api/v1/grids/{id}/code-history", Act(ReadCodeHistory, PathGrid)),
        ("POST", "/api/v1/grids/{id}/import", Act(ImportGrids, PathGrid)),
        ("POST", "/api/v1/subdistricts/{id}/import", Act(ImportGrids, PathSubdistrict)),
        // The coverage audit reads published geometry: any scope of a role that
        // audits coverage may read any subdistrict's report.
        ("GET", "/api/v1/coverage", Act(ReadCoverage, Somewhere)),
        ("POST", "/api/v1/coverage/preview", Act(ReadCoverage, Somewhere)),
        // Accounts.
        ("POST", "/api/v1/auth/sign-in", Act(ReadPublished, Everything)),
        ("POST", "/api/v1/auth/sign-out", Caller),
        ("GET", "/api/v1/auth/me", Caller),
        ("GET", "/api/v1/accounts", Act(ManageAccounts, Everything)),
        ("POST", "/api/v1/accounts", Act(ManageAccounts, Everything)),
        ("PATCH", "/api/v1/accounts/{name}", Act(ManageAccounts, Everything)),
        ("GET", "/api/v1/tokens", Act(ManageAccounts, Everything)),
        ("POST", "/api/v1/tokens", Act(ManageAccounts, Everything)),
        ("DELETE", "/api/v1/tokens/{id}", Act(ManageAccounts, Everything)),
        ("GET", "/api/v1/audit", Act(ReadAuditLog, Somewhere)),
        // Cases: the desk checks each case's grid (and a department's units).
        ("POST", "/api/v1/cases", Act(ReportCase, Somewhere)),
        ("GET", "/api/v1/cases", Act(ReadCases, Somewhere)),
        ("GET", "/api/v1/cases/{id}", Act(ReadCases, Somewhere)),
        ("GET", "/api/v1/cases/{id}/history", Act(ReadCases, Somewhere)),
        ("POST", "/api/v1/cases/{id}/steps", Caller),
        ("GET", "/api/v1/cases/{id}/proposal", Act(ReadCases, Somewhere)),
        ("GET", "/api/v1/cases/duplicates", Act(ReadCases, Somewhere)),
        ("POST", "/api/v1/case-photos", Act(ReportCase, Somewhere)),
        ("GET", "/api/v1/case-photos/{id}", Act(ReadCases, Somewhere)),
        ("GET", "/api/v1/case-categories", Act(ReadPublished, Everything)),
        ("PUT", "/api/v1/case-categories", Act(ManageCaseSetup, Everything)),
        ("GET", "/api/v1/subdistricts/{id}/case-units", Act(ReadCases, PathSubdistrict)),
        ("PUT", "/api/v1/subdistricts/{id}/case-units", Act(ManageCaseSetup, PathSubdistrict)),
        ("GET", "/api/v1/case-calendar", Act(ReadPublished, Everything)),
        ("PUT", "/api/v1/case-calendar", Act(ManageCaseSetup, Everything)),
        ("GET", "/api/v1/case-duplicate-rule", Act(ReadPublished, Everything)),
        ("PUT", "/api/v1/case-duplicate-rule", Act(ManageCaseSetup, Everything)),
        ("GET", "/api/v1/case-stats", Act(ReadCaseStats, Somewhere)),
        ("GET", "/api/v1/case-events", Act(ReadCases, Somewhere)),
        ("GET", "/api/v1/events", Act(ReadCases, Somewhere)),
        ("GET", "/api/v1/case-tiles/{z}/{x}/{y}", Act(ReadCases, Somewhere)),
        ("PUT", "/api/v1/test-clock", Act(ManageCaseSetup, Everything)),
        // Patrols: the desk checks whose fixes (own; others' where managed, or read by a role beyond grid worker).
        ("POST", "/api/v1/tracks/points", Act(RecordTrack, Somewhere)),
        ("GET", "/api/v1/tracks/points", Act(ReadPatrols, Somewhere)),
        ("POST", "/api/v1/tracks/files", Act(RecordTrack, Somewhere)),
        // The weekly patrol audit: the desk limits it to the grids in the scope.
        ("GET", "/api/v1/patrols/audit", Act(ReadPatrols, Somewhere)),
        // Coverage: the desk checks the grid; track tiles: the caller's own track,
        // others' where a role beyond grid_worker reads patrols.
        ("GET", "/api/v1/patrols/coverage", Act(ReadPatrols, Somewhere)),
        ("GET", "/api/v1/track-tiles/{z}/{x}/{y}", Act(ReadPatrols, Somewhere)),
        // Households and visits: the desk checks each household's grid (or the
        // subdistrict named); compliance answers only the caller's scope, lists
        // only to those who may read households.
        ("POST", "/api/v1/households/import", Act(ManageHouseholds, Somewhere)),
        ("GET", "/api/v1/grids/{id}/households", Act(ReadHouseholds, PathGrid)),
        ("GET", "/api/v1/households/{id}", Act(ReadHouseholds, Somewhere)),
        ("POST", "/api/v1/visits", Act(RecordVisit, Somewhere)),
        ("GET", "/api/v1/visits/compliance", Act(ReadHouseholdStats, Somewhere)),
        // Staff and teams: writes by those who manage teams there (a staff
        // member's subdistrict is checked by the desk); the report answers the
        // grids in the caller's scope.
        ("POST", "/api/v1/subdistricts/{id}/staff", Act(ManageTeams, PathSubdistrict)),
        ("GET", "/api/v1/subdistricts/{id}/staff", Act(ManageTeams, PathSubdistrict)),
        ("PUT", "/api/v1/staff/{id}", Act(ManageTeams, Somewhere)),
        ("PUT", "/api/v1/grids/{id}/team", Act(ManageTeams, PathGrid)),
        ("GET", "/api/v1/grids/{id}/team", Act(ReadHouseholdStats, PathGrid)),
        ("GET", "/api/v1/teams/report", Act(ReadHouseholdStats, Somewhere)),
        // The published grid page (网格公示): public, no personal data but the
        // team's names, roles and public phones.
        ("GET", "/api/v1/published/grids/{id}", Act(ReadPublished, PathGrid)),
        ("GET", "/api/v1/published/grids/{id}/qr", Act(ReadPublished, PathGrid)),
        ("GET", "/api/v1/published/summary", Act(ReadPublished, Everything)),
        // Open311: public documents; POST requests names its account by api_key.
        ("GET", "/open311/v2/{document}", Act(ReadPublished, Everything)),
        ("POST", "/open311/v2/{document}", Act(ReadPublished, Everything)),
        ("GET", "/open311/v2/services/{code}", Act(ReadPublished, Everything)),
        ("GET", "/open311/v2/requests/{id}", Act(ReadPublished, Everything)),
        ("GET", "/open311/v2/tokens/{token}", Act(ReadPublished, Everything)),
    ]
};

/// The rule of a routed request.
pub fn rule(method: &Method, route: &str) -> Option<Rule> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    POLICY
        .iter()
        .find(|(m, p, _)| *m == method && *p == route)
        .map(|(_, _, r)| *r)
}

/// Whether anybody may take the action on everything without signing in (then no
/// credential is looked up).
fn public(action: Action) -> bool {
    static ANONYMOUS: std::sync::LazyLock<Principal> =
        std::sync::LazyLock::new(Principal::anonymous);
    authorize(&ANONYMOUS, action, Resource::Everything).is_ok()
}

/// Whether the caller may take the action somewhere (the application then checks
/// where), else why not.
fn somewhere(who: &Principal, action: Action) -> Result<(), Denied> {
    if who.may_somewhere(action) {
        Ok(())
    } else {
        authorize(who, action, Resource::Everything)
    }
}

/// The refusal of a denial; one for a session cookie whose session has ended says so.
fn refusal(denied: Denied, session_ended: bool) -> Error {
    match denied {
        Denied::SignIn if session_ended => {
            Error::Unauthenticated("your session has ended: sign in again".into())
        }
        d => d.into(),
    }
}

fn path_id(params: &RawPathParams) -> Option<i64> {
    params
        .iter()
        .find(|(k, _)| *k == "id")
        .and_then(|(_, v)| v.parse().ok())
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The middleware (a `route_layer` of every router, so the route is known).
pub async fn guard(
    axum::extract::State(state): axum::extract::State<super::State>,
    matched: Option<MatchedPath>,
    params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
    mut req: Request,
    next: Next,
) -> Response {
    let route = matched.as_ref().map_or("", |m| m.as_str());
    let Some(rule) = rule(req.method(), route) else {
        tracing::error!(method = %req.method(), route, "route without an access rule");
        return ApiError(Error::Internal(anyhow::anyhow!(
            "{} {route} has no access rule",
            req.method()
        )))
        .into_response();
    };
    if let Rule::Act(action, _) = rule
        && public(action)
    {
        return next.run(req).await;
    }
    let who = match authenticate(&state.auth, req.headers()).await {
        Ok(a) => a,
        Err(e) => return ApiError(e).into_response(),
    };
    let Authenticated {
        principal,
        by_cookie,
        session_ended,
        ..
    } = &who;
    if *by_cookie && unsafe_method(req.method()) && !who.csrf_matches(req.headers()) {
        // `reason: csrf` tells the web app to fetch the session's token again
        // (`/auth/me`: e.g. after signing in again in another tab) and retry once.
        return super::problem::problem(
            axum::http::StatusCode::FORBIDDEN,
            "Not allowed",
            "a write signed in by cookie must repeat the session's CSRF token in X-CSRF-Token \
             (from sign-in or GET /api/v1/auth/me)",
            &[],
            serde_json::json!({ "reason": "csrf" }),
        );
    }
    if let Rule::Act(action, on) = rule {
        let id = params.as_ref().ok().and_then(path_id);
        let decision = match on {
            On::Everything => authorize(principal, action, Resource::Everything),
            On::Somewhere => somewhere(principal, action),
            On::PathSubdistrict => match id {
                Some(s) => authorize(principal, action, Resource::Subdistrict(s)),
                None => Ok(()), // the handler answers the bad id (422)
            },
            // An unknown grid: whoever may take the action somewhere learns it
            // does not exist (404 from the handler).
            On::PathGrid => id
                .and_then(|g| state.atlas().authorize_grid(principal, action, g))
                .unwrap_or_else(|| somewhere(principal, action)),
        };
        if let Err(d) = decision {
            return ApiError(refusal(d, *session_ended)).into_response();
        }
    }
    // The principal on its own too: extractors take it without knowing the guard's type.
    req.extensions_mut().insert(who.principal.clone());
    req.extensions_mut().insert(Arc::new(who));
    next.run(req).await
}

/// Headers every answer carries: no sniffing, no framing by other sites, a
/// Content-Security-Policy without inline script, no referrer to other sites.
pub fn security_headers(csp: &str) -> Vec<(header::HeaderName, header::HeaderValue)> {
    let mut out = vec![
        (
            header::X_CONTENT_TYPE_OPTIONS,
            header::HeaderValue::from_static("nosniff"),
        ),
        (
            header::X_FRAME_OPTIONS,
            header::HeaderValue::from_static("DENY"),
        ),
        (
            header::REFERRER_POLICY,
            header::HeaderValue::from_static("same-origin"),
        ),
    ];
    if let Ok(v) = header::HeaderValue::from_str(csp) {
        out.push((header::CONTENT_SECURITY_POLICY, v));
    }
    out
}

/// The Content-Security-Policy: scripts, styles and fonts from the server only (no
/// inline script); MapLibre's workers from `blob:`; images also from `data:`/`blob:`;
/// a configured raster basemap's host for images and fetches.
pub fn content_security_policy(raster_basemap: Option<&str>) -> String {
    let extra = raster_basemap
        .and_then(|u| {
            let rest = u.split_once("://")?;
            let host = rest.1.split('/').next()?;
            Some(format!(" {}://{}", rest.0, host.replace(['{', '}'], "")))
        })
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; worker-src 'self' blob:; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{extra}; \
         connect-src 'self'{extra}; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Every route the server answers has a rule, and every rule a route: a new
    /// endpoint cannot ship without a decision, nor a stale rule linger.
    #[test]
    fn every_route_has_a_rule_and_every_rule_a_route() {
        let doc = super::super::openapi_routes();
        let mut missing = Vec::new();
        for (method, path) in &doc {
            if rule(&method.parse().unwrap(), path).is_none() {
                missing.push(format!("{method} {path}"));
            }
        }
        assert!(missing.is_empty(), "routes without a rule: {missing:?}");
        let stale: Vec<_> = POLICY
            .iter()
            .filter(|(m, p, _)| !doc.iter().any(|(dm, dp)| dm == m && dp == p))
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect();
        assert!(stale.is_empty(), "rules without a route: {stale:?}");
        assert!(doc.len() >= 40, "the route list looks incomplete: {doc:?}");
    }

    #[test]
    fn published_reads_skip_credentials_and_writes_do_not() {
        assert!(public(Action::ReadPublished) && public(Action::Lookup));
        for a in [
            Action::EditGrids,
            Action::ImportGrids,
            Action::ReadAuditLog,
            Action::ManageAccounts,
            Action::ReadPersonal,
        ] {
            assert!(!public(a), "{a:?}");
        }
        assert_eq!(
            rule(&Method::HEAD, "/tiles/{tileset}/{z}/{x}/{y}"),
            Some(Rule::Act(Action::ReadPublished, On::Everything))
        );
        assert_eq!(rule(&Method::POST, "/tiles"), None);
    }

    #[test]
    fn the_policy_forbids_inline_script_and_framing() {
        let csp = content_security_policy(Some("https://t0.tianditu.gov.cn/{z}/{x}/{y}"));
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(
            csp.contains("img-src 'self' data: blob: https://t0.tianditu.gov.cn;"),
            "{csp}"
        );
    }
}
