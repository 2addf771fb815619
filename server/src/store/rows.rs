//! Rows → domain types, shared by both backends. Each backend reads its columns
//! into these plain rows (the SQL of both names the columns alike; the GeoPackage's
//! `fid` is selected `AS id`), decoding only what differs (geometry blobs, JSON
//! text); the checks below are written once. A row the domain would never have
//! written — an unknown level or kind, an unreadable geometry or responsible list —
//! is refused with an error naming the table, the row and the reason, never
//! silently repaired: a store that holds it was changed behind gridd's back.

use chrono::{DateTime, Utc};
use geo::Geometry;

use crate::domain::change::CodeHistoryEntry;
use crate::domain::grid::{Grid, GridDraft, GridKind, Responsible};
use crate::domain::reference::{Building, Road};
use crate::domain::subdistrict::Subdistrict;
use crate::error::{Error, Result};

/// A stored row that cannot be read into the domain.
pub(super) fn bad_row(table: &str, id: i64, reason: impl std::fmt::Display) -> Error {
    Error::Storage(
        format!(
            "{table} row {id} cannot be read: {reason}. Fix or delete the row (it was not written by gridd)"
        )
        .into(),
    )
}

/// Maps rows one by one as the database hands them over, never holding every row
/// at once: a city's million building rows would otherwise sit in memory beside the
/// buildings made of them, and the allocator keeps that peak long after.
pub(super) async fn map_rows<R, T, S>(
    mut rows: S,
    mut f: impl FnMut(&R) -> Result<T>,
) -> Result<Vec<T>>
where
    S: futures::Stream<Item = std::result::Result<R, sqlx::Error>> + Unpin,
{
    use futures::TryStreamExt as _;
    let mut out = Vec::new();
    while let Some(r) = rows.try_next().await? {
        out.push(f(&r)?);
    }
    Ok(out)
}

/// A grid row as both backends select it.
pub(super) struct GridRow {
    pub id: i64,
    pub subdistrict_id: i64,
    pub code: String,
    pub name: String,
    pub level: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub households: Option<i32>,
    pub population: Option<i32>,
    pub geometry: std::result::Result<Geometry, String>,
    /// The responsible people as JSON (`None` for SQL NULL).
    pub responsible: Option<serde_json::Value>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl GridRow {
    /// The grid, or an error naming the row and what is wrong with it.
    pub fn into_grid(self) -> Result<Grid> {
        let id = self.id;
        let bad = |why: String| bad_row("grid", id, why);
        let level = u8::try_from(self.level)
            .ok()
            .filter(|l| (1..=5).contains(l))
            .ok_or_else(|| bad(format!("level {} is not 1 to 5", self.level)))?;
        let kind = GridKind::parse(&self.kind).ok_or_else(|| {
            bad(format!(
                "kind {:?} is not one of {}",
                self.kind,
                GridKind::ALL.join(", ")
            ))
        })?;
        let geometry = self
            .geometry
            .map(crate::domain::geometry::compact)
            .map_err(|e| bad(format!("unreadable geometry ({e})")))?;
        if !matches!(geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_)) {
            return Err(bad("its geometry is not a Polygon or MultiPolygon".into()));
        }
        let responsible: Vec<Responsible> = match self.responsible {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(v) => serde_json::from_value(v).map_err(|e| {
                bad(format!(
                    "responsible is not a list of {{name, role, phone}} ({e})"
                ))
            })?,
        };
        Ok(Grid {
            id,
            subdistrict_id: self.subdistrict_id,
            draft: GridDraft {
                code: self.code,
                name: self.name,
                level,
                parent_id: self.parent_id,
                kind,
                households: self.households,
                population: self.population,
                geometry,
                responsible,
            },
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Decodes a geometry column, naming the row when it cannot.
pub(super) fn geometry(
    table: &str,
    id: i64,
    g: std::result::Result<Geometry, String>,
) -> Result<Geometry> {
    g.map(crate::domain::geometry::compact)
        .map_err(|e| bad_row(table, id, format!("unreadable geometry ({e})")))
}

/// A subdistrict row.
pub(super) fn subdistrict(
    id: i64,
    code: String,
    name: String,
    boundary: std::result::Result<Geometry, String>,
) -> Result<Subdistrict> {
    Ok(Subdistrict {
        id,
        code,
        name,
        boundary: geometry("subdistrict", id, boundary)?,
    })
}

/// A building row.
pub(super) struct BuildingRow {
    pub id: i64,
    pub subdistrict_id: i64,
    pub osm_id: Option<i64>,
    pub name: Option<String>,
    pub usage: String,
    pub levels: f64,
    pub households: i32,
    pub footprint: std::result::Result<Geometry, String>,
}

impl BuildingRow {
    pub fn into_building(self) -> Result<Building> {
        Ok(Building {
            id: self.id,
            subdistrict_id: self.subdistrict_id,
            osm_id: self.osm_id,
            name: self.name,
            usage: crate::domain::reference::intern_usage(&self.usage),
            levels: self.levels,
            households: self.households,
            footprint: geometry("building", self.id, self.footprint)?,
        })
    }
}

/// A road row.
pub(super) struct RoadRow {
    pub id: i64,
    pub subdistrict_id: i64,
    pub osm_id: Option<i64>,
    pub name: Option<String>,
    pub highway: String,
    pub line: std::result::Result<Geometry, String>,
}

impl RoadRow {
    pub fn into_road(self) -> Result<Road> {
        Ok(Road {
            id: self.id,
            subdistrict_id: self.subdistrict_id,
            osm_id: self.osm_id,
            name: self.name,
            highway: self.highway,
            line: geometry("road", self.id, self.line)?,
        })
    }
}

/// Reads the columns every backend selects alike (`id`, `subdistrict_id`, `code`, …)
/// from a row of either backend.
macro_rules! read_columns {
    ($r:expr, $ty:ident { $($field:ident),* $(,)? } + { $($rest:tt)* }) => {{
        use sqlx::Row as _;
        let r = $r;
        $ty {
            $($field: r.try_get(stringify!($field))?,)*
            $($rest)*
        }
    }};
}
pub(super) use read_columns;

/// A code history row.
pub(super) fn code_history<R: sqlx::Row>(r: &R) -> Result<CodeHistoryEntry>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(CodeHistoryEntry {
        grid_id: r.try_get("grid_id")?,
        old_code: r.try_get("old_code")?,
        new_code: r.try_get("new_code")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        reason: r.try_get("reason")?,
    })
}
