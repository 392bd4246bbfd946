//! Diagnostics as data: what every finding carries ([`Diagnostic`]: a [`Code`], a
//! severity, a message, the server and field, where, a help), the bounded
//! collection of them ([`Omitted`], the crate's `Sink`), the one renderer (rustc-style text or
//! JSON, [`render_text_sources`], [`to_json`]), the escaping of values for display
//! ([`shown`]) and the line index that turns byte offsets into lines and columns.
//!
//! May not: know what a farm or a configuration is; every other module reports
//! through it.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

mod code;
mod escape;
mod lines;
mod render;
mod sink;

pub use code::{Code, Phase};
pub(crate) use escape::is_terminal_control;
pub use escape::{SHOWN_MAX, escape_terminal, shown};
pub(crate) use lines::LineIndex;
pub use render::{render_text, render_text_sources, to_json};
pub(crate) use sink::Sink;
pub use sink::{MAX_DIAGNOSTICS, Omitted};

/// How bad a diagnostic is.
///
/// ```
/// use manageout::Severity;
/// assert_eq!(Severity::Error.as_str(), "error");
/// assert!(Severity::Error > Severity::Warning);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The farm works, but something is likely wrong or fragile.
    Warning,
    /// Manage Out cannot work as configured; the farm is refused.
    Error,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in a source file a diagnostic points, or which remote object (a REST
/// URL, with no line) it is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file name as given (or `<input>` for text without a file), or the
    /// object's URL ([`Location::object`]).
    pub file: String,
    /// 1-based line; 0 for an object ([`position`](Self::position) is `None`).
    pub line: usize,
    /// 1-based column, counted in characters; 0 for an object.
    pub column: usize,
    /// The byte range of the offending text in the source.
    #[serde(skip)]
    pub span: Range<usize>,
}

impl Location {
    /// The location of a remote object rather than of a place in a text: a
    /// BIG-IP object read over iControl REST, named by its URL.
    ///
    /// ```
    /// let l = manageout::Location::object("https://bigip/mgmt/tm/ltm/virtual/~Common~v".into());
    /// assert_eq!(l.position(), None);
    /// ```
    pub fn object(url: String) -> Self {
        Self {
            file: url,
            line: 0,
            column: 0,
            span: 0..0,
        }
    }

    /// The 1-based line and column, or `None` for an [`object`](Self::object).
    pub fn position(&self) -> Option<(usize, usize)> {
        (self.line > 0).then_some((self.line, self.column))
    }
}

/// One finding about a farm: a stable code (`MO012`), a severity, a one-line message,
/// the server and field it concerns, where it is, and how to fix it.
///
/// ```
/// let farm = manageout::Farm::from_toml_str(r#"
/// [[server]]
/// name = "DA1"
/// address = "2131::101"
/// client_prefix = "2131:0:0:1001::/59"
/// "#, "farm.toml");
/// let d = &farm.diagnostics[0];
/// assert_eq!(d.code, "MO012");
/// assert_eq!(d.server.as_deref(), Some("DA1"));
/// assert_eq!(d.field.as_deref(), Some("client_prefix"));
/// assert_eq!(d.location.as_ref().map(|l| (l.line, l.column)), Some((5, 17)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code ([`Code`]); never renumbered.
    pub code: Code,
    /// One line saying what is wrong.
    pub message: String,
    /// The server concerned, by name.
    pub server: Option<String>,
    /// The field concerned (`client_prefix`, `bigip.vlans`, ...).
    pub field: Option<String>,
    /// Where in the source, when the farm came from text.
    pub location: Option<Location>,
    /// How to fix it, with a concrete value where one can be computed.
    pub help: Option<String>,
    /// The key path of the value concerned (`server[1].address`), for a farm
    /// given as data (a dict, an object) rather than text.
    pub path: Option<String>,
    /// Where in the text being read, until the report turns it into `location`.
    #[serde(skip)]
    span: Option<Range<usize>>,
}

impl Diagnostic {
    /// A diagnostic with a code, severity and message, and nothing else yet.
    pub fn new(code: Code, severity: Severity, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            message: message.into(),
            server: None,
            field: None,
            location: None,
            help: None,
            path: None,
            span: None,
        }
    }

    /// An error diagnostic (`code` must be an error code).
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        debug_assert_eq!(code.severity(), Severity::Error, "{code}");
        Self::new(code, Severity::Error, message)
    }

    /// A warning diagnostic (`code` must be a warning code).
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        debug_assert_eq!(code.severity(), Severity::Warning, "{code}");
        Self::new(code, Severity::Warning, message)
    }

    /// Sets the help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the server name.
    #[must_use]
    pub fn with_server(mut self, server: Option<&str>) -> Self {
        self.server = server.map(str::to_owned);
        self
    }

    /// Sets the field name.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Records the byte span of the text being read that this diagnostic points
    /// at; the report turns it into a [`Location`] (or a key path).
    pub(crate) fn at(mut self, span: Option<&Range<usize>>) -> Self {
        self.span = span.cloned();
        self
    }

    /// The byte span recorded by [`at`](Self::at).
    pub(crate) fn span(&self) -> Option<&Range<usize>> {
        self.span.as_ref()
    }

    /// Sets the location (for findings located in several texts, such as an
    /// audit's).
    pub(crate) fn located(mut self, location: Location) -> Self {
        self.span = Some(location.span.clone());
        self.location = Some(location);
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders this one diagnostic like rustc, without colour, with the source line
    /// when `source` (the text the location points into) is given.
    pub fn render(&self, source: Option<&str>) -> String {
        render::one(self, source)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(None))
    }
}

/// Counts errors and warnings.
pub fn count(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors, diagnostics.len() - errors)
}

/// The closing summary line: `2 errors, 1 warning`, or `no problems found`.
///
/// ```
/// assert_eq!(manageout::diagnostic::summary(&[]), "no problems found");
/// ```
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    summary_with(diagnostics, Omitted::default())
}

/// [`summary`] counting the omitted diagnostics too.
pub fn summary_with(diagnostics: &[Diagnostic], omitted: Omitted) -> String {
    let (errors, warnings) = count(diagnostics);
    let (errors, warnings) = (errors + omitted.errors, warnings + omitted.warnings);
    if errors == 0 && warnings == 0 {
        return "no problems found".to_owned();
    }
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
