#![no_main]
//! Fuzz target `import_daserver`: see `manageout_fuzz::checks::import_daserver` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| manageout_fuzz::checks::import_daserver(data));
