//! The `c_api` fuzz target's check (`fuzz/src/c_api.rs`) on stable Rust: its
//! committed corpus and crash reproducers, plus a fixed-seed sweep of mutations.

#[path = "../../fuzz/src/c_api.rs"]
#[allow(unreachable_pub)]
mod c_api;
#[path = "../../core/tests/support/replay.rs"]
#[allow(dead_code, unreachable_pub)]
mod replay;

#[test]
fn c_api_corpus_agrees_with_the_rust_library_through_the_ffi() {
    replay::replay("c_api", 2000, c_api::check);
}
