#![no_main]
//! Fuzz target `scripts`: see `manageout_fuzz::checks::scripts` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| manageout_fuzz::checks::scripts(data));
