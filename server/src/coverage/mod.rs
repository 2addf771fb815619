//! Coverage audit (DB32/T 2763-2015 clauses 4.1, 5.2, 5.2.4): every level covers
//! the subdistrict with no gaps and no overlaps, every grid lies inside its
//! parent, codes are well formed, L3 grids respect the size rule and buildings lie
//! in one L3 grid.
//!
//! Plain synchronous Rust over `geo` types. Every measure is taken in metres in a
//! [`LocalFrame`] tangent at the subdistrict's centre; tolerances are widths in
//! metres ([`pieces`]), never areas, so a 1 cm × 1 km sliver of rounding noise is
//! noise while a 2 m × 10 m gap is a defect.
//!
//! How: per level, the union of each parent's children (i_overlay through
//! `geo::BooleanOps`) is subtracted from the parent (gaps) and the parent from it
//! (children outside); overlaps are intersected pair by pair, the pairs coming from
//! an R-tree of the level's bounding boxes (only neighbours). Work items run on
//! scoped threads ([`par`]).

mod audit;
mod checks;
pub mod par;
pub mod pieces;
mod preview;
pub mod render;
mod report;
pub mod synthetic;
pub mod teams;
pub mod text;

#[cfg(test)]
mod tests;

use serde::Serialize;

pub use crate::domain::frame::LocalFrame;
pub use audit::{Input, audit};
pub use pieces::width_m;
pub use preview::{Edit, PreviewReport, preview};
pub use report::{
    Detail, GridRef, LevelReport, Noise, Problem, ProblemKind, Report, Severity, SubdistrictRef,
};
pub use text::Lang;

/// Audit settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Config {
    /// Gaps, overlaps and outside parts narrower than this many metres are noise.
    pub tolerance_m: f64,
    /// Households an L3 `residential` grid may hold (clause 5.2.4: about 300).
    pub residential_band: [i64; 2],
    /// Households an L3 `scattered` grid may hold (clause 5.2.4: about 100).
    pub scattered_band: [i64; 2],
    /// A building with more than this share of its footprint outside its main L3
    /// grid is reported as split.
    pub split_share: f64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            tolerance_m: 0.5,
            residential_band: [150, 450],
            scattered_band: [50, 150],
            split_share: 0.10,
        }
    }
}

impl Config {
    /// The settings with another tolerance; `Err` names what is wrong with it.
    pub fn with_tolerance(self, tolerance_m: f64) -> Result<Self, String> {
        if !tolerance_m.is_finite() || !(0.0..=100.0).contains(&tolerance_m) {
            return Err(format!(
                "must be a width in metres between 0 and 100, got {tolerance_m}"
            ));
        }
        Ok(Self {
            tolerance_m,
            ..self
        })
    }
}
