//! Tile math, clipping, per-zoom simplification and MVT encoding for gridd.
//!
//! Invariant: this crate does no I/O and knows nothing of HTTP or storage. It is plain
//! synchronous Rust over `geo` types: the server hands it geometries in Web Mercator
//! metres and gets back uncompressed MVT bytes.
//!
//! - [`tile`]: XYZ tile coordinates, bounds, projection between degrees and Web Mercator
//!   metres, and the tiles covering a box (for cache invalidation).
//! - [`encode`]: [`TileBuilder`], which clips, snaps, cleans, orients and encodes.
#![forbid(unsafe_code)]

pub mod encode;
pub mod tile;

pub use encode::{DEFAULT_BUFFER, DEFAULT_EXTENT, LayerId, PropValue, TileBuilder};
pub use tile::{
    MAX_LATITUDE, MAX_ZOOM, TileCoord, TileError, TileRange, lonlat_to_mercator,
    mercator_to_lonlat, project_geometry, tiles_covering, tiles_covering_buffered,
};
