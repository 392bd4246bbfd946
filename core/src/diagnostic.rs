//! Diagnostics as data (code, severity, message, server, field, location, help) and
//! the one renderer that turns them into rustc-style text or the JSON of the CLI.

use std::fmt;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

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

/// Where in a source file a diagnostic points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file name as given (or `<input>` for text without a file).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The byte range of the offending text in the source.
    #[serde(skip)]
    pub span: Range<usize>,
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
    /// The stable code, `MO001` to `MO0xx`; never renumbered.
    pub code: &'static str,
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
}

impl Diagnostic {
    /// A diagnostic with a code, severity and message, and nothing else yet.
    pub fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            message: message.into(),
            server: None,
            field: None,
            location: None,
            help: None,
        }
    }

    /// An error diagnostic.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }

    /// A warning diagnostic.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
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

    /// Records the byte span this diagnostic points at; file, line and column are
    /// filled in once the whole source has been checked.
    pub(crate) fn at(mut self, span: Option<&Range<usize>>) -> Self {
        self.location = span.map(|span| Location {
            file: String::new(),
            line: 0,
            column: 0,
            span: span.clone(),
        });
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders this one diagnostic like rustc, without colour, with the source line
    /// when `source` (the text the location points into) is given.
    pub fn render(&self, source: Option<&str>) -> String {
        render_one(self, source, &Renderer::plain())
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
    let (errors, warnings) = count(diagnostics);
    if errors == 0 && warnings == 0 {
        return "no problems found".to_owned();
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Renders diagnostics like rustc (`file:line:col`, the source line, a caret, help),
/// followed by the summary line. `color` turns on ANSI styling (for terminals only).
pub fn render_text(diagnostics: &[Diagnostic], source: Option<&str>, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&render_one(d, source, &renderer));
        out.push_str("\n\n");
    }
    out.push_str(&summary(diagnostics));
    out.push('\n');
    out
}

/// Like [`render_text`], for diagnostics that point into several sources (an audit's
/// farm and configuration files): each is rendered with the source its location
/// names.
pub fn render_text_sources(
    diagnostics: &[Diagnostic],
    sources: &[crate::Source],
    color: bool,
) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diagnostics {
        let source = d.location.as_ref().and_then(|l| {
            sources
                .iter()
                .find(|s| s.name == l.file)
                .map(|s| s.text.as_str())
        });
        out.push_str(&render_one(d, source, &renderer));
        out.push_str("\n\n");
    }
    out.push_str(&summary(diagnostics));
    out.push('\n');
    out
}

fn render_one(d: &Diagnostic, source: Option<&str>, renderer: &Renderer) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let mut group = Group::with_title(level.primary_title(d.message.as_str()).id(d.code));
    let label = match (&d.server, &d.field) {
        (Some(s), Some(f)) => format!("{f} of server {s}"),
        (None, Some(f)) => f.clone(),
        (Some(s), None) => format!("server {s}"),
        (None, None) => String::new(),
    };
    if let Some(loc) = &d.location {
        match source.filter(|s| loc.span.end <= s.len() && s.is_char_boundary(loc.span.start)) {
            Some(src) => {
                group = group.element(
                    Snippet::source(src).path(loc.file.as_str()).annotation(
                        AnnotationKind::Primary
                            .span(loc.span.clone())
                            .label(label.as_str()),
                    ),
                );
            }
            None => {
                group = group.element(
                    Level::NOTE.message(format!("at {}:{}:{}", loc.file, loc.line, loc.column)),
                );
            }
        }
    } else if !label.is_empty() {
        group = group.element(Level::NOTE.message(format!("in {label}")));
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    renderer.render(&[group])
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    message: &'a str,
    server: Option<&'a str>,
    field: Option<&'a str>,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    errors: usize,
    warnings: usize,
}

/// The JSON form of `manageout check --format json`:
/// `{"diagnostics":[{"severity","code","message","server","field","file","line","column","help"}],"errors":N,"warnings":N}`,
/// every key always present (null where it does not apply).
pub fn to_json(diagnostics: &[Diagnostic]) -> serde_json::Value {
    let (errors, warnings) = count(diagnostics);
    let report = JsonReport {
        diagnostics: diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                severity: d.severity,
                code: d.code,
                message: &d.message,
                server: d.server.as_deref(),
                field: d.field.as_deref(),
                file: d.location.as_ref().map(|l| l.file.as_str()),
                line: d.location.as_ref().map(|l| l.line),
                column: d.location.as_ref().map(|l| l.column),
                help: d.help.as_deref(),
            })
            .collect(),
        errors,
        warnings,
    };
    serde_json::to_value(report).unwrap_or(serde_json::Value::Null)
}

/// Maps byte offsets of a source text to 1-based lines and character columns.
#[derive(Clone, Debug)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    /// 1-based (line, column) of byte offset `at`, column counted in characters.
    pub(crate) fn position(&self, text: &str, at: usize) -> (usize, usize) {
        let at = at.min(text.len());
        let line = self.starts.partition_point(|&s| s <= at).max(1);
        let start = self.starts[line - 1];
        let mut end = at;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text[start..end].chars().count() + 1;
        (line, column)
    }
}
