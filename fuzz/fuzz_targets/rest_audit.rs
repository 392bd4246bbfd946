#![no_main]
//! Fuzz target `rest_audit`: see `manageout_fuzz::checks::rest_audit` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| manageout_fuzz::checks::rest_audit(data));
