//! The `c_api` fuzz target's check (`manageout_test_support::fuzz_c`) on stable
//! Rust: its committed corpus and crash reproducers, plus a fixed-seed sweep of
//! mutations.

#[test]
fn c_api_corpus_agrees_with_the_rust_library_through_the_ffi() {
    manageout_test_support::replay::replay("c_api", 2000, manageout_test_support::fuzz_c::check);
}
