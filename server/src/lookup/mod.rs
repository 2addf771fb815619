//! Point-in-grid: which subdistrict and which grid at every level hold a point.
//! Cases, patrols, coverage and the HTTP API all call this one library API:
//! [`Atlas::place`] (ids only, no allocation) and [`Atlas::lookup`] (with codes and
//! names).
//!
//! Rules (documented in ARCHITECTURE.md and the OpenAPI document):
//! - **Covers, not contains.** A grid holds a point inside it or on its boundary,
//!   as PostGIS `ST_Covers`, with exact (robust) predicates.
//! - **Boundary rule.** A point on the shared edge of several grids of one level
//!   belongs to the one with the smallest code; each level is answered on its own.
//! - **Path.** The answer lists, from level 1 down, each level's grid that holds
//!   the point. On a nested tessellation (what the coverage audit proves) this is the
//!   path from L1 to the deepest grid; each entry's parent is the entry before it.
//! - **Outside.** A point no grid holds answers `"inside": false` with an empty path
//!   and the subdistrict whose boundary covers it, or `null` when none does.
//! - **Coordinates.** Longitude and latitude in degrees, WGS 84 (= CGCS2000 here);
//!   [`datum`] converts GCJ-02 and BD-09 input first.
//!
//! The index ([`crate::index::points::PointIndex`]) keeps every grid as a [`crate::index::prepared::PreparedArea`]
//! (edges bucketed in latitude bands) in a per-level bucket grid whose buckets list
//! grids in code order, so the first grid that covers the point is the answer.

pub mod batch;
pub mod buildings;
pub mod datum;
pub mod synthetic;
#[cfg(test)]
mod tests;

use geo::Coord;
use serde::Serialize;

pub use crate::index::{Placement, PointIndex};

use crate::domain::grid::{GridId, SubdistrictId};
use crate::index::Atlas;

/// A grid on a lookup path.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GridRef {
    /// Grid id.
    #[schema(value_type = i64)]
    pub id: GridId,
    /// Grid code.
    pub code: String,
    /// Grid name.
    pub name: String,
    /// Level, 1 to 5.
    pub level: u8,
}

/// The subdistrict of a lookup answer.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SubdistrictRef {
    /// Subdistrict id.
    #[schema(value_type = i64)]
    pub id: SubdistrictId,
    /// Nine-digit code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// Where a point falls, with codes and names.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LookupAnswer {
    /// Whether some grid holds the point.
    pub inside: bool,
    /// The subdistrict (see [`Placement::subdistrict`]); `None` outside every one.
    #[schema(required = true)]
    pub subdistrict: Option<SubdistrictRef>,
    /// Level 1 first, one grid per level that holds the point.
    pub path: Vec<GridRef>,
}

impl LookupAnswer {
    /// Expands a placement with the atlas's codes and names.
    pub fn new(atlas: &Atlas, p: &Placement) -> Self {
        let path: Vec<GridRef> = p
            .grids()
            .filter_map(|id| atlas.grid(id))
            .map(|g| GridRef {
                id: g.grid.id,
                code: g.grid.draft.code.clone(),
                name: g.grid.draft.name.clone(),
                level: g.grid.draft.level,
            })
            .collect();
        let subdistrict =
            p.subdistrict
                .and_then(|s| atlas.subdistrict(s))
                .map(|s| SubdistrictRef {
                    id: s.id,
                    code: s.code.clone(),
                    name: s.name.clone(),
                });
        Self {
            inside: !path.is_empty(),
            subdistrict,
            path,
        }
    }
}

impl Atlas {
    /// Places a point (degrees, WGS 84): the subdistrict and each level's grid, as
    /// ids. Allocation-free; the hot path for batches, cases and patrols.
    ///
    /// # Examples
    /// ```
    /// use gridd::index::Atlas;
    /// use gridd::lookup::synthetic::{Tessellation, city};
    /// let t = Tessellation { l1: (2, 2), l2: (2, 2), l3: (2, 2), ..Tessellation::default() };
    /// let (subdistricts, grids) = city(&t);
    /// let atlas = Atlas::build(subdistricts, grids, vec![], vec![]);
    /// let centre = t.centre();
    /// let p = atlas.place(geo::coord! { x: centre.x, y: centre.y });
    /// assert!(p.inside());
    /// assert_eq!(p.grids().count(), 3); // L1, L2 and L3
    /// ```
    #[inline]
    pub fn place(&self, p: Coord) -> Placement {
        self.point_index().place(p)
    }

    /// Looks a point up (degrees, WGS 84): subdistrict and full path with codes and names.
    pub fn lookup(&self, p: Coord) -> LookupAnswer {
        LookupAnswer::new(self, &self.place(p))
    }
}
