#![no_main]
//! Fuzz target `farm_config`: see `manageout_fuzz::checks::farm_config` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| manageout_fuzz::checks::farm_config(data));
