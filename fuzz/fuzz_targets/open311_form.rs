//! cargo-fuzz entry for `gridd::fuzzing::open311_form` (see fuzz/README.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridd::fuzzing::timed(gridd::fuzzing::open311_form, data));
