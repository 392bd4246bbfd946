#![no_main]
//! Fuzz target `prefix_map_diff`: see `manageout_fuzz::checks::prefix_map_diff` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| manageout_fuzz::checks::prefix_map_diff(data));
