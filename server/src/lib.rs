//! gridd: a map server for grid-based social services management of a subdistrict
//! (DB32/T 2763-2015). See ARCHITECTURE.md for the map of this crate.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod app;
pub mod case_desk;
pub mod case_map;
pub mod cases;
pub mod cli;
pub mod coverage;
pub mod demo;
pub mod domain;
pub mod edit;
pub mod error;
pub mod export;
pub mod follow;
pub mod fuzzing;
pub mod glyphs;
pub mod household_desk;
pub mod households;
pub mod html;
pub mod http;
pub mod import;
pub mod index;
#[cfg(test)]
mod layering;
pub mod lookup;
pub mod memory;
pub mod open311;
pub mod patrol_desk;
pub mod patrol_positions;
pub mod patrol_views;
pub mod patrols;
pub mod store;
pub mod synth;
pub mod team_desk;
pub mod teams;
pub mod vector_tiles;
