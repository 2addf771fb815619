//! cargo-fuzz entry for `gridd::fuzzing::lookup_json` (see fuzz/README.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridd::fuzzing::timed(gridd::fuzzing::lookup_json, data));
