#![no_main]
//! Fuzz target `bigip_config`: see `manageout_fuzz::checks::bigip_config` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| manageout_fuzz::checks::bigip_config(data));
