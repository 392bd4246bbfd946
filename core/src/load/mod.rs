//! Loading inputs: reading files and standard input (regular files only, size
//! limits), decoding text (UTF-8, or UTF-16 with a byte-order mark: shared by farm
//! files, imported PowerShell output and audited configurations), the TOML/JSON
//! syntax tree with spans (`tree`) and its extraction into typed, spanned
//! values (`draft`): unknown keys, wrong types and values that do not parse are
//! found here.
//!
//! May not: judge values against each other (that is [`check`](crate::check)).

use std::io::Read;
use std::path::Path;

use crate::diagnostic::{Code, Diagnostic};

pub(crate) mod draft;
mod schema;

pub use schema::farm_file_schema;
pub(crate) mod tree;

/// The largest farm file accepted: 16 MiB. Larger inputs get MO004 without being parsed.
pub const MAX_FILE_SIZE: usize = 16 * 1024 * 1024;

/// The deepest nesting of arrays and tables accepted in a farm file; deeper input is
/// a syntax error (MO001) instead of unbounded recursion.
pub const MAX_NESTING: usize = 64;

/// The syntax of a farm file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// TOML, the native format.
    Toml,
    /// JSON with the same structure.
    Json,
}

impl Format {
    /// The format a file name implies (`.json` is JSON, `.toml` TOML), or, for other
    /// names, the one the text looks like (JSON when it starts with `{`).
    ///
    /// ```
    /// use manageout::load::Format;
    /// assert_eq!(Format::detect("farm.json", "[farm]"), Format::Json);
    /// assert_eq!(Format::detect("-", " {\"server\": []}"), Format::Json);
    /// assert_eq!(Format::detect("farm.conf", "[farm]"), Format::Toml);
    /// ```
    pub fn detect(name: &str, text: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Self::Json
        } else if lower.ends_with(".toml") {
            Self::Toml
        } else if text.trim_start().starts_with('{') {
            Self::Json
        } else {
            Self::Toml
        }
    }
}

/// A farm file's name and decoded text; diagnostics' locations point into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The name shown in diagnostics (the path as given, or `<input>`).
    pub name: String,
    /// The decoded text.
    pub text: String,
}

/// Reads an input file, stopping after [`MAX_FILE_SIZE`] + 1 bytes, so that a huge
/// file is refused (by [`Farm::from_bytes`](crate::Farm::from_bytes) or
/// [`import::parse`](crate::import::parse)) without being read whole.
///
/// Only regular files are read: a FIFO, a device, a socket or a directory is
/// refused at once (`ErrorKind::InvalidInput`) with a hint to pipe it through
/// standard input instead, so that nothing ever blocks waiting for a writer or
/// reads an endless device. The file is opened without blocking and checked
/// with `fstat` on the open descriptor, so what is checked is what is read.
///
/// ```
/// let bytes = manageout::load::read_input("../examples/seed.toml".as_ref())?;
/// assert!(bytes.starts_with(b"# The farm"));
/// let err = manageout::load::read_input("..".as_ref()).unwrap_err();
/// assert!(err.to_string().contains("directory"), "{err}");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "it is {}, not a regular file; give a file, or pipe the input through `-` (standard input)",
                file_kind(&meta)
            ),
        ));
    }
    // O_NONBLOCK has no effect on reads of a regular file
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads standard input like [`read_input`] reads a file: at most
/// [`MAX_FILE_SIZE`] + 1 bytes.
pub fn read_stdin() -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_FILE_SIZE as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Decodes file bytes: UTF-8 (a BOM is dropped) or UTF-16 with a BOM.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, Diagnostic> {
    let not_text = |what: String| {
        Diagnostic::error(Code::MO004, format!("the file is not text: {what}"))
            .with_help("save the farm file as UTF-8 (or UTF-16 with a byte-order mark)")
    };
    if bytes.len() > MAX_FILE_SIZE {
        return Err(Diagnostic::error(
            Code::MO004,
            format!(
                "the file is larger than {} MiB",
                MAX_FILE_SIZE / (1024 * 1024)
            ),
        )
        .with_help("a farm file lists a few servers; check that the right file was given"));
    }
    let utf16 = |rest: &[u8], be: bool| -> Result<String, Diagnostic> {
        if !rest.len().is_multiple_of(2) {
            return Err(not_text("UTF-16 text with an odd number of bytes".into()));
        }
        let units = rest.chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|e| not_text(format!("invalid UTF-16 ({e})")))
    };
    let text = match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest).map(str::to_owned),
        [0xFF, 0xFE, rest @ ..] => return utf16(rest, false).and_then(check_binary),
        [0xFE, 0xFF, rest @ ..] => return utf16(rest, true).and_then(check_binary),
        _ => std::str::from_utf8(bytes).map(str::to_owned),
    };
    match text {
        Ok(t) => check_binary(t),
        Err(e) => Err(not_text(format!(
            "invalid UTF-8 at byte {}",
            e.valid_up_to()
        ))),
    }
}

fn check_binary(text: String) -> Result<String, Diagnostic> {
    match text.find('\0') {
        Some(at) => Err(Diagnostic::error(Code::MO004,
            format!("the file is not text: it contains a NUL byte at offset {at}"),
        )
        .with_help(
            "this looks like a binary file; give the farm's TOML or JSON file (UTF-16 needs a byte-order mark)",
        )),
        None => Ok(text),
    }
}
