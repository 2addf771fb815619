//! cargo-fuzz entry for `gridd::fuzzing::geojson_features` (see fuzz/README.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridd::fuzzing::timed(gridd::fuzzing::geojson_features, data));
