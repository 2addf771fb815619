//! `/patrols/coverage`: a grid's coverage by its patrols over a period (issue 13,
//! item 4) — the share of its buildings passed within 30 m and of its road length
//! walked, and what nobody walked as GeoJSON. The patrol views desk
//! ([`crate::patrol_views`]) reads and computes; the handler translates.

use std::sync::Arc;

use axum::extract::{Extension, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticated;
use super::problem::{ApiError, ProblemDoc, Query};
use crate::patrol_views::{GridCoverage, grid_coverage, instant};
use crate::patrols::coverage::round_cm;

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new().routes(routes!(coverage))
}

/// Which grid, when.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct CoverageParams {
    /// The grid's id.
    grid: i64,
    /// From: Unix ms, or a day `YYYY-MM-DD` in China time (its start).
    from: String,
    /// To: Unix ms (exclusive), or a day `YYYY-MM-DD` in China time (included).
    to: String,
}

/// The grid's buildings.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct BuildingsOut {
    /// Buildings whose footprint's interior point lies in the grid.
    total: usize,
    /// Of them, with a patrol's track within 30 m of the footprint.
    passed: usize,
    /// `passed / total`; `null` for a grid without buildings.
    share: Option<f64>,
}

/// The grid's roads.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct RoadsOut {
    /// Road centre lines clipped to the grid, metres.
    length_m: f64,
    /// Of it, within 30 m of a patrol's track, metres (exact, not sampled).
    walked_m: f64,
    /// `walked_m / length_m`; `null` for a grid without roads.
    share: Option<f64>,
}

/// A grid's coverage by its patrols.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct CoverageOut {
    /// The grid's id.
    grid: i64,
    /// From, Unix ms (inclusive).
    from_ms: i64,
    /// To, Unix ms (exclusive).
    to_ms: i64,
    /// The patrols whose tracks were counted.
    patrols: usize,
    /// Buildings passed.
    buildings: BuildingsOut,
    /// Road length walked.
    roads: RoadsOut,
    /// What nobody walked: a `kind: "road"` MultiLineString feature of the
    /// unwalked road pieces (with `length_m`), then a `kind: "building"` feature
    /// per building not passed (its footprint).
    #[schema(value_type = Object)]
    unwalked: geojson::FeatureCollection,
}

impl From<GridCoverage> for CoverageOut {
    fn from(g: GridCoverage) -> Self {
        let c = &g.coverage;
        Self {
            grid: g.grid,
            from_ms: g.from_ms,
            to_ms: g.to_ms,
            patrols: g.patrols,
            buildings: BuildingsOut {
                total: c.buildings,
                passed: c.passed,
                share: c.building_share(),
            },
            roads: RoadsOut {
                length_m: round_cm(c.road_m),
                walked_m: round_cm(c.walked_m),
                share: c.road_share(),
            },
            unwalked: c.unwalked_geojson(),
        }
    }
}

/// A grid's coverage by its patrols over a period: of its buildings the share
/// passed within 30 m by a patrol's track, of its road length (roads clipped to
/// the grid) the share within 30 m of one, and the parts nobody walked. Its
/// patrols are those (20 min, 500 m) of the workers of the grid, of a grid below
/// or above it, counted for one of those grids; only their fixes count.
#[utoipa::path(get, operation_id = "patrols_coverage", path = "/patrols/coverage", tag = "patrols", params(CoverageParams),
    responses(
        (status = 200, description = "The coverage", body = CoverageOut),
        (status = 401, description = "Not signed in", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The grid is outside the caller's scope for reading patrols", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such grid", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, named (`from`, `to`)", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
async fn coverage(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    Query(p): Query<CoverageParams>,
) -> Result<axum::Json<CoverageOut>, ApiError> {
    let from_ms = instant("from", &p.from, false)?;
    let to_ms = instant("to", &p.to, true)?;
    let accounts = s.auth.store.accounts().await?;
    let atlas = s.atlas();
    let g = grid_coverage(
        s.patrols.store().as_ref(),
        &atlas,
        &who.principal,
        &accounts,
        p.grid,
        from_ms,
        to_ms,
    )
    .await?;
    Ok(axum::Json(g.into()))
}
