//! The committed header is exactly what cbindgen generates from the sources.

#[test]
fn header_is_current() {
    let generated = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/manageout.h")).unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/manageout.h"))
            .unwrap();
    assert!(
        generated == committed,
        "bindings-c/include/manageout.h is out of date: run scripts/regen-header and commit the result"
    );
}
