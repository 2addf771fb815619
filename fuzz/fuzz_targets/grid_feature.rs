//! cargo-fuzz entry for `gridd::fuzzing::grid_feature` (see fuzz/README.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridd::fuzzing::timed(gridd::fuzzing::grid_feature, data));
