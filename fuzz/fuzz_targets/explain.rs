#![no_main]
//! Fuzz target `explain`: see `manageout_fuzz::checks::explain` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| manageout_fuzz::checks::explain(data));
