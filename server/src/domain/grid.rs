//! Grids: the polygons of responsibility, their levels, kinds and the rules that
//! tie a grid to its parent (DB32/T 2763-2015 clause 5).

use chrono::{DateTime, Utc};
use geo::Geometry;
use serde::{Deserialize, Serialize};

use super::code;
use super::geometry::{self, Limits};
use crate::error::{Error, FieldError};

/// Database id of a grid.
pub type GridId = i64;
/// Database id of a subdistrict.
pub type SubdistrictId = i64;

/// What a grid mainly holds; drives the L3 size rule (clause 5.2.4).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum GridKind {
    /// Mostly homes: about 300 households per L3 grid.
    #[default]
    Residential,
    /// Homes spread thinly: about 100 households per L3 grid.
    Scattered,
    /// Shops, offices, commercial complexes (L4/L5 inside them).
    Commercial,
    /// Parks, water, squares, anything without households.
    Other,
}

impl GridKind {
    /// All kinds, for error messages and the API document.
    pub const ALL: [&'static str; 4] = ["residential", "scattered", "commercial", "other"];

    /// The lower-case name used in JSON and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Residential => "residential",
            Self::Scattered => "scattered",
            Self::Commercial => "commercial",
            Self::Other => "other",
        }
    }

    /// Parses the lower-case name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "residential" => Self::Residential,
            "scattered" => Self::Scattered,
            "commercial" => Self::Commercial,
            "other" => Self::Other,
            _ => return None,
        })
    }
}

/// A stored grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Database id.
    pub id: GridId,
    /// The subdistrict the grid belongs to.
    pub subdistrict_id: SubdistrictId,
    /// The attributes and geometry.
    pub draft: GridDraft,
    /// Incremented on every edit; edits must name the version they started from.
    pub version: i64,
    /// When the grid was created.
    pub created_at: DateTime<Utc>,
    /// When the grid was last changed.
    pub updated_at: DateTime<Utc>,
}

/// The editable part of a grid: what a create or an update carries.
#[derive(Debug, Clone, PartialEq)]
pub struct GridDraft {
    /// Hierarchical grid code (`code` module).
    pub code: String,
    /// Display name.
    pub name: String,
    /// 1 (community) to 5 (counter).
    pub level: u8,
    /// Parent grid; `None` for L1, whose parent is the subdistrict.
    pub parent_id: Option<GridId>,
    /// What the grid mainly holds.
    pub kind: GridKind,
    /// Households in the grid, when known.
    pub households: Option<i32>,
    /// Residents in the grid, when known.
    pub population: Option<i32>,
    /// Polygon or MultiPolygon, EPSG:4326 degrees.
    pub geometry: Geometry<f64>,
    /// Responsible people and their contacts (grid workers, building heads…).
    pub responsible: Vec<Responsible>,
}

/// A person responsible for a grid, with a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Responsible {
    /// Name (not empty).
    pub name: String,
    /// Role, e.g. 网格员, 楼栋长.
    #[serde(default)]
    pub role: String,
    /// Telephone.
    #[serde(default)]
    pub phone: String,
}

/// Most responsible people on one grid.
pub const MAX_RESPONSIBLE: usize = 20;

/// Checks a `responsible` value: an array of at most [`MAX_RESPONSIBLE`] objects
/// `{name, role, phone}` with a non-empty name. `null` is an empty list.
pub fn check_responsible(
    field: &str,
    v: &serde_json::Value,
    errors: &mut Vec<FieldError>,
) -> Vec<Responsible> {
    let arr = match v {
        serde_json::Value::Null => return Vec::new(),
        serde_json::Value::Array(a) => a,
        _ => {
            errors.push(FieldError::new(
                field,
                "must be an array of {name, role, phone}",
            ));
            return Vec::new();
        }
    };
    if arr.len() > MAX_RESPONSIBLE {
        errors.push(FieldError::new(
            field,
            format!("at most {MAX_RESPONSIBLE} people, got {}", arr.len()),
        ));
        return Vec::new();
    }
    let mut out = Vec::with_capacity(arr.len());
    for (i, e) in arr.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let Some(o) = e.as_object() else {
            errors.push(FieldError::new(f, "must be an object {name, role, phone}"));
            continue;
        };
        let text = |k: &str, max: usize, errors: &mut Vec<FieldError>| -> String {
            match o.get(k) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) if s.trim().chars().count() <= max => {
                    if let Err(e) = super::text::check_text(&format!("{f}.{k}"), s, false) {
                        errors.push(e);
                    }
                    s.trim().to_owned()
                }
                Some(serde_json::Value::String(_)) => {
                    errors.push(FieldError::new(
                        format!("{f}.{k}"),
                        format!("must be at most {max} characters"),
                    ));
                    String::new()
                }
                Some(serde_json::Value::Number(n)) if k == "phone" => n.to_string(),
                Some(other) => {
                    errors.push(FieldError::new(
                        format!("{f}.{k}"),
                        format!("must be a string, got {other}"),
                    ));
                    String::new()
                }
            }
        };
        let before = errors.len();
        let name = text("name", 100, errors);
        if name.is_empty() && errors.len() == before {
            errors.push(FieldError::new(format!("{f}.name"), "must not be empty"));
        }
        let role = text("role", 100, errors);
        let phone = text("phone", 40, errors);
        out.push(Responsible { name, role, phone });
    }
    out
}

/// A grid as it arrives from outside, before its parent is resolved: API bodies and
/// import files both become this. Numbers may come as strings (real files carry
/// `"300"`); each field is checked by [`check_fields`].
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct GridProps {
    /// The grid's id as `GET` answers it: ignored by create and update (the path
    /// names the grid); the stored grid a coverage preview edits.
    #[schema(value_type = Option<i64>)]
    pub id: Option<serde_json::Value>,
    /// Hierarchical grid code: the parent's code and three digits (docs/grid-codes.md).
    #[schema(example = "320508990001001")]
    pub code: Option<String>,
    /// Display name (at most 200 characters).
    pub name: Option<String>,
    /// Level 1–5 (taken from the code's length when absent).
    #[schema(value_type = Option<u8>, minimum = 1, maximum = 5)]
    pub level: Option<serde_json::Value>,
    /// Parent grid id (or `parent_code`); none for level 1.
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<serde_json::Value>,
    /// Parent grid code (import files use codes).
    pub parent_code: Option<String>,
    /// `residential` (default), `scattered`, `commercial` or `other`.
    #[schema(value_type = Option<GridKind>)]
    pub kind: Option<String>,
    /// Households (0 to 10,000,000).
    #[schema(value_type = Option<i32>)]
    pub households: Option<serde_json::Value>,
    /// Population (0 to 10,000,000).
    #[schema(value_type = Option<i32>)]
    pub population: Option<serde_json::Value>,
    /// Subdistrict id (only needed when several exist).
    #[schema(value_type = Option<i64>)]
    pub subdistrict_id: Option<serde_json::Value>,
    /// Version the edit started from (alternative to `If-Match`; both must agree).
    #[schema(value_type = Option<i64>)]
    pub version: Option<serde_json::Value>,
    /// Responsible people: at most 20 of `{name, role, phone}`.
    #[schema(value_type = Option<Vec<Responsible>>)]
    pub responsible: Option<serde_json::Value>,
}

/// A grid input whose fields are each well-formed, not yet checked against the tree.
#[derive(Debug, Clone)]
pub struct CheckedGrid {
    /// Subdistrict named by the input, if any.
    pub subdistrict_id: Option<SubdistrictId>,
    /// Parent named by id, if any.
    pub parent_id: Option<GridId>,
    /// Parent named by code, if any.
    pub parent_code: Option<String>,
    /// Version the edit started from, if named in the body.
    pub version: Option<i64>,
    /// Everything else; `draft.parent_id` is filled in by [`resolve`].
    pub draft: GridDraft,
}

/// Reads a number that real data may carry as a string (`"2.5"`, `" 300 "`).
pub fn lenient_f64(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().replace(',', ".").parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

fn lenient_int(field: &str, v: &serde_json::Value, errors: &mut Vec<FieldError>) -> Option<i64> {
    if v.is_null() {
        return None;
    }
    match lenient_f64(v) {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => {
            errors.push(FieldError::new(
                field,
                format!("must be a whole number, got {v}"),
            ));
            None
        }
    }
}

/// Checks each field of a grid input on its own: name, level, kind, counts, code form
/// and geometry. Every problem is reported, not only the first.
pub fn check_fields(
    props: &GridProps,
    geometry: Option<&geojson::Geometry>,
    limits: Limits,
) -> Result<CheckedGrid, Vec<FieldError>> {
    check_fields_parsed(
        props,
        geometry.map(|g| geometry::parse_area("geometry", g, limits)),
    )
}

/// [`check_fields`] with the geometry already parsed and checked (or refused) —
/// the expensive part, done beforehand where it blocks nobody (an import checks
/// every geometry outside the write lock, then the rest under it).
pub fn check_fields_parsed(
    props: &GridProps,
    geometry: Option<Result<Geometry, Vec<FieldError>>>,
) -> Result<CheckedGrid, Vec<FieldError>> {
    let mut errors = Vec::new();
    let p = "properties.";
    let name = props.name.as_deref().map(str::trim).unwrap_or_default();
    if let Err(e) = super::text::check_text(&format!("{p}name"), name, false) {
        errors.push(e);
    } else if name.is_empty() {
        errors.push(FieldError::new(format!("{p}name"), "must not be empty"));
    } else if name.chars().count() > 200 {
        errors.push(FieldError::new(
            format!("{p}name"),
            "must be at most 200 characters",
        ));
    }
    let level = match props
        .level
        .as_ref()
        .map(|v| lenient_int(&format!("{p}level"), v, &mut errors))
    {
        Some(Some(l)) if (1..=i64::from(code::MAX_LEVEL)).contains(&l) => l as u8,
        Some(Some(l)) => {
            errors.push(FieldError::new(
                format!("{p}level"),
                format!("must be 1 to 5, got {l}"),
            ));
            0
        }
        Some(None) => 0,
        None => match props.code.as_deref().and_then(code::level_of) {
            Some(l) => l,
            None => {
                errors.push(FieldError::new(format!("{p}level"), "is required (1 to 5)"));
                0
            }
        },
    };
    let kind = match props.kind.as_deref() {
        None | Some("") => GridKind::default(),
        Some(k) => GridKind::parse(k).unwrap_or_else(|| {
            errors.push(FieldError::new(
                format!("{p}kind"),
                format!("must be one of {}, got {k:?}", GridKind::ALL.join(", ")),
            ));
            GridKind::default()
        }),
    };
    let mut count = |name: &str, v: &Option<serde_json::Value>| -> Option<i32> {
        let f = format!("{p}{name}");
        let n = lenient_int(&f, v.as_ref()?, &mut errors)?;
        if !(0..=10_000_000).contains(&n) {
            errors.push(FieldError::new(
                f,
                format!("must be between 0 and 10000000, got {n}"),
            ));
            return None;
        }
        Some(n as i32)
    };
    let households = count("households", &props.households);
    let population = count("population", &props.population);
    let id = |name: &str, v: &Option<serde_json::Value>, errors: &mut Vec<FieldError>| {
        lenient_int(&format!("{p}{name}"), v.as_ref()?, errors)
    };
    let parent_id = id("parent_id", &props.parent_id, &mut errors);
    let subdistrict_id = id("subdistrict_id", &props.subdistrict_id, &mut errors);
    let version = id("version", &props.version, &mut errors);
    let responsible = props
        .responsible
        .as_ref()
        .map(|v| check_responsible(&format!("{p}responsible"), v, &mut errors))
        .unwrap_or_default();
    let code = props
        .code
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if code.is_empty() {
        errors.push(FieldError::new(format!("{p}code"), "is required"));
    } else if !code.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(FieldError::new(
            format!("{p}code"),
            format!("a grid code is made of decimal digits only, got {code:?}"),
        ));
    }
    let geometry = match geometry {
        None => {
            errors.push(FieldError::new(
                "geometry",
                "is required (Polygon or MultiPolygon)",
            ));
            None
        }
        Some(Ok(g)) => Some(g),
        Some(Err(e)) => {
            errors.extend(e);
            None
        }
    };
    match geometry {
        Some(geometry) if errors.is_empty() => Ok(CheckedGrid {
            subdistrict_id,
            parent_id,
            parent_code: props.parent_code.clone().filter(|c| !c.trim().is_empty()),
            version,
            draft: GridDraft {
                code,
                name: name.to_owned(),
                level,
                parent_id,
                kind,
                households,
                population,
                geometry,
                responsible,
            },
        }),
        _ => Err(errors),
    }
}

/// The households a grid serves, rolled up the tree (clause 5.2: every household is
/// in exactly one grid of each level): a grid with children serves the sum of what
/// its children serve (those whose figure is known); its own figure counts only
/// when it has no child or none of its children has a figure. `None` when unknown.
///
/// # Examples
/// ```
/// use gridd::domain::grid::rolled_households;
/// // An L2 grid with no figure of its own and three L3 children, one unknown:
/// assert_eq!(rolled_households(None, [Some(300), None, Some(280)].into_iter()), Some(580));
/// // A childless grid keeps its own figure.
/// assert_eq!(rolled_households(Some(120), std::iter::empty()), Some(120));
/// // Children without figures leave the parent's own.
/// assert_eq!(rolled_households(Some(900), [None, None].into_iter()), Some(900));
/// ```
pub fn rolled_households(
    own: Option<i32>,
    children: impl Iterator<Item = Option<i64>>,
) -> Option<i64> {
    let mut known = false;
    let mut sum = 0i64;
    for c in children.flatten() {
        known = true;
        sum += c;
    }
    if known { Some(sum) } else { own.map(i64::from) }
}

/// The rule that a grid lies in its parent (clause 5), as far as a write enforces
/// it: a grid that does not meet its parent (a grid, or the subdistrict for level 1)
/// at all is refused — a wrong coordinate order or a file of another city. Partial
/// overlap stays the coverage audit's business (an editor may save a known defect
/// with a reason).
pub fn check_meets_parent(
    draft: &GridDraft,
    parent: &Geometry,
    parent_label: &str,
) -> Result<(), FieldError> {
    if geometry::meet::areas_meet(&draft.geometry, parent) {
        return Ok(());
    }
    use geo::InteriorPoint;
    let at = draft.geometry.interior_point().map(|p| [p.x(), p.y()]);
    let reason = format!(
        "lies entirely outside its parent {parent_label}; a grid must lie in its parent (check the coordinates: [longitude, latitude] in degrees, EPSG:4326)"
    );
    Err(match at {
        Some(c) => FieldError::at("geometry", reason, c),
        None => FieldError::new("geometry", reason),
    })
}

/// What the rules need to know of the current tree.
pub trait TreeView {
    /// A grid's subdistrict, level and code.
    fn grid_facts(&self, id: GridId) -> Option<(SubdistrictId, u8, String)>;
    /// The grid with this code in a subdistrict.
    fn grid_by_code(&self, subdistrict: SubdistrictId, code: &str) -> Option<GridId>;
    /// A subdistrict's code.
    fn subdistrict_code(&self, id: SubdistrictId) -> Option<String>;
    /// The only subdistrict, when there is exactly one.
    fn sole_subdistrict(&self) -> Option<SubdistrictId>;
    /// A grid's area, to check that a child meets it.
    fn grid_area(&self, id: GridId) -> Option<&Geometry>;
    /// A subdistrict's boundary, to check that a level 1 grid meets it.
    fn subdistrict_area(&self, id: SubdistrictId) -> Option<&Geometry>;
}

/// Resolves a checked input against the tree: the subdistrict, the parent (by id or
/// code), level = parent's level + 1, code prefix = parent's code, code unique.
/// `editing` is the grid being updated, which may keep its own code.
pub fn resolve(
    input: &CheckedGrid,
    tree: &dyn TreeView,
    editing: Option<GridId>,
) -> Result<(SubdistrictId, GridDraft), Error> {
    let p = "properties.";
    let mut draft = input.draft.clone();
    let parent = match (input.parent_id, &input.parent_code) {
        (Some(id), _) => Some(tree.grid_facts(id).map(|f| (id, f)).ok_or_else(|| {
            Error::invalid(format!("{p}parent_id"), format!("no grid has id {id}"))
        })?),
        (None, Some(pc)) => {
            let sid = input
                .subdistrict_id
                .or_else(|| tree.sole_subdistrict())
                .ok_or_else(|| {
                    Error::invalid(
                        format!("{p}subdistrict_id"),
                        "is required when several subdistricts exist",
                    )
                })?;
            let id = tree.grid_by_code(sid, pc).ok_or_else(|| {
                Error::invalid(
                    format!("{p}parent_code"),
                    format!("no grid has code {pc:?}"),
                )
            })?;
            tree.grid_facts(id).map(|f| (id, f))
        }
        (None, None) => None,
    };
    if editing.is_some() && parent.as_ref().map(|(id, _)| *id) == editing {
        return Err(Error::invalid(
            format!("{p}parent_id"),
            "a grid cannot be its own parent",
        ));
    }
    let (sid, parent_code) = match &parent {
        Some((id, (sid, plevel, pcode))) => {
            if draft.level != plevel + 1 {
                return Err(Error::invalid(
                    format!("{p}level"),
                    format!(
                        "must be the parent's level + 1 = {}, got {}",
                        plevel + 1,
                        draft.level
                    ),
                ));
            }
            if let Some(given) = input.subdistrict_id.filter(|s| s != sid) {
                return Err(Error::invalid(
                    format!("{p}subdistrict_id"),
                    format!("{given} is not the parent's subdistrict {sid}"),
                ));
            }
            draft.parent_id = Some(*id);
            (*sid, pcode.clone())
        }
        None => {
            if draft.level != 1 {
                return Err(Error::invalid(
                    format!("{p}parent_id"),
                    format!(
                        "a level {} grid needs a parent of level {}",
                        draft.level,
                        draft.level.saturating_sub(1)
                    ),
                ));
            }
            let sid = input
                .subdistrict_id
                .or_else(|| tree.sole_subdistrict())
                .ok_or_else(|| {
                    Error::invalid(
                        format!("{p}subdistrict_id"),
                        "is required for a level 1 grid when several subdistricts exist",
                    )
                })?;
            let scode = tree.subdistrict_code(sid).ok_or_else(|| {
                Error::invalid(
                    format!("{p}subdistrict_id"),
                    format!("no subdistrict has id {sid}"),
                )
            })?;
            draft.parent_id = None;
            (sid, scode)
        }
    };
    code::check_grid_code(&format!("{p}code"), &draft.code, draft.level, &parent_code)
        .map_err(|e| Error::Invalid(vec![e]))?;
    if let Some(other) = tree.grid_by_code(sid, &draft.code)
        && Some(other) != editing
    {
        return Err(Error::conflict(
            format!("{p}code"),
            format!("code {} is already used by grid {other}", draft.code),
        ));
    }
    Ok((sid, draft))
}

/// A grid's properties as the API, the audit log and exports show them (no
/// geometry).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GridProperties {
    /// Database id.
    #[schema(value_type = i64)]
    pub id: GridId,
    /// The subdistrict the grid belongs to.
    #[schema(value_type = i64)]
    pub subdistrict_id: SubdistrictId,
    /// Hierarchical grid code (docs/grid-codes.md).
    #[schema(example = "320508990001001")]
    pub code: String,
    /// Display name.
    pub name: String,
    /// 1 (community) to 5 (counter).
    #[schema(minimum = 1, maximum = 5)]
    pub level: u8,
    /// Parent grid; null for level 1, whose parent is the subdistrict.
    #[schema(value_type = Option<i64>, required = true)]
    pub parent_id: Option<GridId>,
    /// What the grid mainly holds.
    pub kind: GridKind,
    /// Households, as entered for this grid (null when unknown).
    #[schema(required = true)]
    pub households: Option<i32>,
    /// Households rolled up the tree: the sum of the children's totals, or this
    /// grid's own figure when none of its children has one (null when unknown).
    /// Answered by the API only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub households_total: Option<i64>,
    /// Residents, when known.
    #[schema(required = true)]
    pub population: Option<i32>,
    /// Responsible people and their contacts.
    pub responsible: Vec<Responsible>,
    /// The version: edits name it (`If-Match` or `properties.version`).
    pub version: i64,
    /// When the grid was created.
    pub created_at: DateTime<Utc>,
    /// When the grid was last changed.
    pub updated_at: DateTime<Utc>,
}

impl Grid {
    /// The grid's properties (no geometry; no rolled-up total, which the atlas knows).
    pub fn properties(&self) -> GridProperties {
        let d = &self.draft;
        GridProperties {
            id: self.id,
            subdistrict_id: self.subdistrict_id,
            code: d.code.clone(),
            name: d.name.clone(),
            level: d.level,
            parent_id: d.parent_id,
            kind: d.kind,
            households: d.households,
            households_total: None,
            population: d.population,
            responsible: d.responsible.clone(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// The grid as a GeoJSON Feature (geometry in EPSG:4326).
    pub fn to_feature(&self) -> geojson::Feature {
        super::geometry::feature(
            self.id,
            &self.draft.geometry,
            serde_json::to_value(self.properties()).unwrap_or_default(),
        )
    }
}
