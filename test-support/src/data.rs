//! The routing data vendored in `data/ris/` (RIPE NCC RIS, see its README),
//! decompressed once per process.

use std::io::Read as _;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The folder of the vendored RIS files.
pub fn dir() -> PathBuf {
    crate::replay::root().join("data/ris")
}

/// Decompresses one vendored `.xz` file to text.
pub fn read_xz(name: &str) -> String {
    let path = dir().join(name);
    let file = std::fs::File::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (vendored in the repository)", path.display()));
    let mut reader = std::io::BufReader::new(file);
    let mut out = Vec::new();
    lzma_rs::xz_decompress(&mut reader, &mut out)
        .unwrap_or_else(|e| panic!("{}: not valid xz: {e:?}", path.display()));
    let mut text = String::new();
    out.as_slice()
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{}: not UTF-8: {e}", path.display()));
    text
}

/// The RIS IPv6 table of 2026-05-11 (AS3333): one prefix per line.
pub fn ris_table() -> &'static str {
    static TABLE: OnceLock<String> = OnceLock::new();
    TABLE.get_or_init(|| read_xz("ris-ipv6-20260511-as3333.txt.xz"))
}

/// The day's update stream: `A <prefix>` or `W <prefix>` per line, in order.
pub fn ris_updates() -> String {
    read_xz("ris-ipv6-20260511-as3333-updates.txt.xz")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_vendored_table_holds_the_documented_prefix_count() {
        assert_eq!(super::ris_table().lines().count(), 246_175);
    }
}
