//! Writing to standard output: a failed write is reported
//! (`manageout: cannot write output: No space left on device`, exit 2), a closed
//! pipe (`| head`) ends the command quietly with status 0. Text from inputs is
//! escaped before it reaches a terminal.

use std::io::{BufWriter, Stdout, Write};
use std::process::ExitCode;

/// Buffered standard output whose errors end the command.
pub(crate) struct Out {
    inner: BufWriter<Stdout>,
}

/// The exit for a failed write: quiet success for a closed pipe, else the
/// message and exit code 2.
pub(crate) fn write_error(e: &std::io::Error) -> ExitCode {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return ExitCode::SUCCESS;
    }
    // "No space left on device (os error 28)" -> "No space left on device"
    let text = e.to_string();
    let text = match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    };
    eprintln!("manageout: cannot write output: {text}");
    ExitCode::from(super::USAGE)
}

impl Out {
    pub(crate) fn stdout() -> Self {
        Self {
            inner: BufWriter::with_capacity(64 * 1024, std::io::stdout()),
        }
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) -> Result<(), ExitCode> {
        self.inner
            .write_all(b)
            .map_err(|e| write_error(&e))
            .and_then(|()| self.finish())
    }

    pub(crate) fn text(&mut self, s: &str) -> Result<(), ExitCode> {
        self.inner
            .write_all(s.as_bytes())
            .map_err(|e| write_error(&e))
    }

    pub(crate) fn line(&mut self, s: &str) -> Result<(), ExitCode> {
        self.text(s)?;
        self.text("\n")
    }

    /// Flushes; a write error here (a full disk) is reported like any other.
    pub(crate) fn finish(&mut self) -> Result<(), ExitCode> {
        self.inner.flush().map_err(|e| write_error(&e))
    }
}

/// Text from an input (a file name, a value) made safe for a terminal: control
/// characters are escaped (`\u{1b}`), lines and tabs kept.
pub(crate) fn escaped(text: &str) -> String {
    manageout::diagnostic::escape_terminal(text, true)
}
