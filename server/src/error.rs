//! The crate's one error type. Every module returns it; the HTTP layer maps each
//! variant to a status and an RFC 9457 problem+json body (`http::problem`).

use serde::Serialize;

/// One reason why a piece of input was refused, naming the field it came from.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON-pointer-like path of the offending field, e.g. `geometry.coordinates[0][3]`
    /// or `features[12].properties.code`.
    pub field: String,
    /// Human-readable reason.
    pub reason: String,
    /// For geometry errors: the offending position as `[lon, lat]` in degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coordinate: Option<[f64; 2]>,
    /// For an imported feature: its code or name (`code 320508990001001`), beside
    /// the index in `field`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
}

impl FieldError {
    /// A field error without a coordinate.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
            coordinate: None,
            feature: None,
        }
    }

    /// A field error at a coordinate (degrees).
    pub fn at(field: impl Into<String>, reason: impl Into<String>, c: [f64; 2]) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
            coordinate: Some(c),
            feature: None,
        }
    }

    /// Prefixes the field path, e.g. `features[3].` + `properties.code`.
    #[must_use]
    pub fn under(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            prefix.trim_end_matches('.').to_owned()
        } else {
            format!("{prefix}{}", self.field)
        };
        self
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.field)?;
        if let Some(l) = &self.feature {
            write!(f, " ({l})")?;
        }
        write!(f, ": {}", self.reason)?;
        if let Some([x, y]) = self.coordinate {
            write!(f, " at [{x}, {y}]")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in gridd.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is invalid; nothing was stored.
    #[error("invalid input: {}", summary(.0))]
    Invalid(Vec<FieldError>),
    /// The request cannot be read at all (malformed JSON, …); nothing was stored.
    #[error("malformed request: {}", summary(.0))]
    Malformed(Vec<FieldError>),
    /// The named thing does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The write conflicts with the current state (duplicate code, grid has children…).
    #[error("{message}")]
    Conflict {
        /// What conflicts.
        message: String,
        /// The field that conflicts, when one does.
        field: Option<String>,
    },
    /// The edit started from an older version than the stored one.
    #[error("stale edit: the grid is at version {current}, the edit started from {given}")]
    Stale {
        /// The version the client named.
        given: i64,
        /// The stored version.
        current: i64,
    },
    /// A case step not allowed from the case's current stage.
    #[error("not allowed while the case is {stage}; allowed: {}", .allowed.join(", "))]
    WrongStage {
        /// The current stage.
        stage: String,
        /// The steps allowed from it.
        allowed: Vec<String>,
    },
    /// A case step named an older version of the case than the stored one.
    #[error("stale case: it is at version {current}, the step started from {given}")]
    StaleCase {
        /// The version the client named.
        given: i64,
        /// The stored version.
        current: i64,
    },
    /// An edit of several grids started from older versions of some of them: the
    /// grids and their stored versions (`given` is `None` when the edit named none).
    #[error("stale edit: {} of the grids changed since the edit started", .0.len())]
    StaleGrids(Vec<StaleGrid>),
    /// An edit that must name its starting version did not; `missing` lists the
    /// grids whose versions it should have named, when known.
    #[error("{message}")]
    PreconditionRequired {
        /// What to name.
        message: String,
        /// The grids whose versions are missing.
        missing: Vec<i64>,
    },
    /// The caller must sign in (or present a valid token) first.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but may not do this here.
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts: try again after this many seconds.
    #[error("{message}")]
    TooManyRequests {
        /// Why.
        message: String,
        /// Seconds to wait.
        retry_after: u64,
    },
    /// The request body is larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// A storage failure: logged in full, answered as a generic 500.
    #[error("storage error: {0}")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else unexpected.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// One grid of a stale multi-grid edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleGrid {
    /// The grid.
    pub id: i64,
    /// The version the edit named (`None` when it named none).
    pub given: Option<i64>,
    /// The stored version (`None` when the grid is gone).
    pub current: Option<i64>,
}

fn summary(errors: &[FieldError]) -> String {
    let mut s = errors
        .iter()
        .take(3)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if errors.len() > 3 {
        s.push_str(&format!(" (and {} more)", errors.len() - 3));
    }
    s
}

impl Error {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, reason)])
    }

    /// A version precondition that is missing.
    pub fn version_required(message: impl Into<String>) -> Self {
        Self::PreconditionRequired {
            message: message.into(),
            missing: Vec::new(),
        }
    }

    /// A conflict on a field.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            field: Some(field.into()),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
