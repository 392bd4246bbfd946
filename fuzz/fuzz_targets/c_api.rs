#![no_main]
//! Fuzz target `c_api`: see `manageout_fuzz::c_api::check` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| manageout_fuzz::c_api::check(data));
