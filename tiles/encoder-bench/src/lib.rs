//! See benches/encoders.rs.
