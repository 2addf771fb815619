//! cargo-fuzz entry for `gridd::fuzzing::gpkg_geometry` (see fuzz/README.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridd::fuzzing::timed(gridd::fuzzing::gpkg_geometry, data));
