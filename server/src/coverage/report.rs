//! What an audit answers: a report per level with its problems.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::grid::{GridId, GridKind, SubdistrictId};

/// How serious a problem is. Defects break a rule of DB32/T 2763-2015 and make
/// `gridd check` fail; warnings are for a person to judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Breaks a rule (clause 4.1, 5.2, 5.1.4).
    Defect,
    /// Worth a look, not a breach on its own.
    Warning,
}

/// The kinds of problems the audit finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// Part of the subdistrict (L1) or of a parent (deeper levels) no grid of the level covers.
    Gap,
    /// Two grids of one level cover the same ground.
    Overlap,
    /// A grid reaches outside its parent (or an L1 grid outside the subdistrict).
    OutsideParent,
    /// The geometry is not a valid (multi)polygon.
    InvalidGeometry,
    /// Two grids of the subdistrict carry the same code.
    DuplicateCode,
    /// The code's form is wrong for its level (digits, length, sequence 000).
    MalformedCode,
    /// The code does not start with the parent's code.
    CodePrefix,
    /// The parent is missing or is not one level up.
    BadParent,
    /// More households than the size band allows and no further level.
    TooManyHouseholds,
    /// Fewer households than the size band allows.
    TooFewHouseholds,
    /// A building lies (mostly) in no L3 grid.
    BuildingUnassigned,
    /// A building is split between L3 grids beyond the threshold.
    BuildingSplit,
    /// A grid's team misses a role clause 10.2 requires of its level.
    TeamIncomplete,
}

impl ProblemKind {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gap => "gap",
            Self::Overlap => "overlap",
            Self::OutsideParent => "outside_parent",
            Self::InvalidGeometry => "invalid_geometry",
            Self::DuplicateCode => "duplicate_code",
            Self::MalformedCode => "malformed_code",
            Self::CodePrefix => "code_prefix",
            Self::BadParent => "bad_parent",
            Self::TooManyHouseholds => "too_many_households",
            Self::TooFewHouseholds => "too_few_households",
            Self::BuildingUnassigned => "building_unassigned",
            Self::BuildingSplit => "building_split",
            Self::TeamIncomplete => "team_incomplete",
        }
    }
}

/// A grid named in a problem.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
pub struct GridRef {
    /// Grid id.
    #[schema(value_type = i64)]
    pub id: GridId,
    /// Grid code.
    pub code: String,
}

/// One problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// Defect or warning.
    pub severity: Severity,
    /// The level the problem belongs to.
    pub level: u8,
    /// The grids involved, code order.
    pub grids: Vec<GridRef>,
    /// The building involved (building problems).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building_id: Option<i64>,
    /// Where: the gap, the overlap, the part outside the parent, or the grid or
    /// building concerned. GeoJSON, EPSG:4326.
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<geojson::Geometry>,
    /// Area in m² (geometric problems).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_m2: Option<f64>,
    /// Width in metres (geometric problems): see [`crate::coverage::width_m`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width_m: Option<f64>,
    /// What is wrong, in words.
    pub message: String,
    /// A suggested fix.
    pub fix: String,
    /// Bounding box of `geometry` (minLon, minLat, maxLon, maxLat), for maps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[f64; 4]>,
    /// The facts `message` and `fix` are worded from, for other languages.
    #[serde(skip)]
    #[schema(ignore)]
    pub detail: Detail,
}

/// The facts a problem's message and fix are worded from, beyond its kind, grids
/// and measures (see [`crate::coverage::text`]). Not part of the JSON: the words are.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// A gap in a parent (`None`: in the subdistrict).
    Gap {
        /// The parent's code.
        parent: Option<String>,
    },
    /// Parts of the grids outside their parent (`None`: outside the subdistrict).
    Outside {
        /// The parent's code.
        parent: Option<String>,
    },
    /// Two grids overlap (the two grids of the problem).
    Overlap,
    /// The geometry is invalid.
    InvalidGeometry {
        /// Why, as the validation says it.
        why: String,
    },
    /// A grid below level 1 has no parent.
    NoParent,
    /// The parent named does not exist.
    MissingParent {
        /// The id named.
        parent_id: i64,
    },
    /// The parent is not one level up.
    ParentLevel {
        /// The parent's level.
        parent_level: u8,
    },
    /// The code breaks the coding rule (malformed or wrong prefix).
    Code {
        /// The rule broken, as the code check says it.
        reason: String,
        /// The parent's code (the subdistrict's for L1).
        parent_code: String,
    },
    /// Several grids carry one code (all of them are the problem's grids).
    DuplicateCode,
    /// More households than the size band allows.
    TooManyHouseholds {
        /// Residential or scattered.
        grid_kind: GridKind,
        /// Households held.
        households: i64,
        /// The band's top.
        most: i64,
        /// The band's middle.
        about: i64,
        /// Grids of about `about` households it would take.
        parts: i64,
    },
    /// Fewer households than the size band allows.
    TooFewHouseholds {
        /// Residential or scattered.
        grid_kind: GridKind,
        /// Households held.
        households: i64,
        /// The band's bottom.
        least: i64,
        /// The band's middle.
        about: i64,
        /// The grid is its parent's only child (nothing to merge it with).
        only_child: bool,
    },
    /// A building split between L3 grids.
    BuildingSplit {
        /// The building's name.
        name: Option<String>,
        /// Shares of its footprint by grid code (those of at least 0.5 %).
        parts: Vec<(String, f64)>,
        /// The share in no grid, when it is 0.1 % or more.
        in_no_grid: Option<f64>,
        /// The grid it should lie in wholly.
        main: String,
    },
    /// A building mostly in no L3 grid.
    BuildingUnassigned {
        /// The building's name.
        name: Option<String>,
        /// Its households.
        households: i32,
        /// The share of its footprint in no L3 grid.
        in_no_grid: f64,
    },
    /// A grid's team misses roles (10.2).
    TeamIncomplete {
        /// The roles missing, in the standard's order.
        missing: Vec<crate::teams::Role>,
    },
}

/// Gaps and overlaps narrower than the tolerance: counted, never reported one by one.
#[derive(Debug, Clone, Default, Serialize, PartialEq, ToSchema)]
pub struct Noise {
    /// Number of gap slivers.
    pub gaps: usize,
    /// Their total area, m².
    pub gap_area_m2: f64,
    /// Number of overlap slivers.
    pub overlaps: usize,
    /// Their total area, m².
    pub overlap_area_m2: f64,
    /// Number of slivers of children outside their parent.
    pub outside: usize,
    /// Their total area, m².
    pub outside_area_m2: f64,
}

/// The audit of one level.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LevelReport {
    /// 1 (community) to 5.
    pub level: u8,
    /// Grids of the level.
    pub grids: usize,
    /// What the level must cover: the subdistrict (L1) or its parents (deeper), m².
    pub target_area_m2: f64,
    /// The part of the target the level covers, m².
    pub covered_area_m2: f64,
    /// `covered / target`.
    pub coverage_ratio: f64,
    /// Households of the level's grids: a grid's children's sum when they have
    /// figures, else its own (given, or counted from buildings).
    pub households: i64,
    /// Defects of this level.
    pub defects: usize,
    /// Warnings of this level.
    pub warnings: usize,
    /// Slivers below the tolerance.
    pub noise: Noise,
    /// Every problem of the level, defects first.
    pub problems: Vec<Problem>,
}

/// The subdistrict audited.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubdistrictRef {
    /// Id.
    #[schema(value_type = i64)]
    pub id: SubdistrictId,
    /// Nine-digit code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Area, m².
    pub area_m2: f64,
}

/// The whole audit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    /// The subdistrict.
    pub subdistrict: SubdistrictRef,
    /// The settings used.
    pub config: super::Config,
    /// How measures were taken.
    pub method: &'static str,
    /// Total defects.
    pub defects: usize,
    /// Total warnings.
    pub warnings: usize,
    /// Buildings checked against L3 grids.
    pub buildings: usize,
    /// One entry per level, 1 to the deepest.
    pub levels: Vec<LevelReport>,
    /// Time taken, milliseconds.
    pub elapsed_ms: f64,
    /// Time taken by each phase: `[name, milliseconds]` pairs.
    #[schema(value_type = Vec<Vec<Object>>)]
    pub timings_ms: Vec<(&'static str, f64)>,
}

impl Report {
    /// Whether the subdistrict passes (no defect).
    pub fn is_clean(&self) -> bool {
        self.defects == 0
    }

    /// Every problem of every level.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.levels.iter().flat_map(|l| l.problems.iter())
    }
}
