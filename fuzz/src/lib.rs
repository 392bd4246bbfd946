//! The cargo-fuzz targets in `fuzz_targets/` call the checks of the test-support
//! crate, which the test suites replay on stable Rust.

pub use manageout_test_support::fuzz as checks;
pub use manageout_test_support::fuzz_c as c_api;
