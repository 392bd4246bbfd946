//! The checks behind the cargo-fuzz targets in `fuzz_targets/`, one function per
//! target, each panicking on a violated property. `core/tests/fuzz_replay.rs` and
//! `bindings-c/tests/fuzz_replay.rs` include these files to replay the committed
//! corpora on stable Rust.

pub mod c_api;
pub mod checks;
