//! The grid editor's operations, planned over the atlas (plain synchronous Rust; no
//! axum, sqlx or tokio): split, merge, vertex move / insert / delete, next code and
//! renumbering. Each `plan_*` checks everything and answers an [`EditBatch`] that
//! the store applies in one transaction; nothing here writes.
//!
//! Topology: grids of one level share edges exactly (same vertices, same numbers).
//! The operations keep it that way: geometry is cut and dissolved on exact
//! coordinates ([`topo`]), a vertex moves in every grid that has it, an inserted
//! vertex goes into every edge that passes there, and the points where a split
//! line meets a boundary are inserted into the neighbours' edges too, so no
//! T-junction is left behind.

mod merge;
pub mod numbering;
mod renumber;
mod shared;
mod split;
pub mod topo;
mod update;
pub mod vertex;
mod vertex_ops;

pub use merge::plan_merge;
pub use renumber::{next_code, plan_renumber};
pub use shared::{invalid_reason, invalid_reasons};
pub use split::{apportion, household_weights, plan_split, split_reads};
pub use update::plan_update;
pub use vertex_ops::{plan_delete_vertex, plan_insert_vertex, plan_move_vertex};

/// Default tolerance for finding a vertex or an edge, metres.
pub const DEFAULT_TOLERANCE_M: f64 = 0.05;
/// Largest tolerance accepted, metres.
pub const MAX_TOLERANCE_M: f64 = 10.0;
