#![no_main]
//! Fuzz target `render`: see `manageout_fuzz::checks::render` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| manageout_fuzz::checks::render(data));
