//! The domain: plain synchronous Rust over `geo` types. No axum, sqlx or tokio here.

pub mod access;
pub mod change;
pub mod code;
pub mod frame;
pub mod geometry;
pub mod grid;
pub mod reference;
pub mod subdistrict;
pub mod text;
