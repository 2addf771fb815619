//! End-to-end tests: the real gridd server over real HTTP, against a real PostGIS
//! database and a real GeoPackage file. One test binary (one link step).
#![allow(clippy::unwrap_used)]

mod access;
mod cases;
mod cli;
mod coverage;
mod docs;
mod edits;
mod follow;
mod grids;
mod households;
mod imports;
mod lookup;
mod open311;
mod patrol_coverage;
mod patrols;
mod robustness;
mod store;
mod teams;
mod tiles;
