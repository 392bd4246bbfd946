//! Diagnostics as data (code, severity, message, server, field, location, help) and
//! the one renderer that turns them into rustc-style text or the JSON of the CLI.

use std::fmt;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

mod code;

pub use code::{Code, Phase};

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
        let snippets = source.map(|s| Snippets::new(None, s));
        render_one(self, snippets.as_ref(), &Renderer::plain())
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(None))
    }
}

/// The most diagnostics kept and rendered: 1,000. Past it, a report keeps the
/// first 1,000 in order and counts the rest ([`Omitted`]), so hostile input never
/// costs more than that to report.
pub const MAX_DIAGNOSTICS: usize = 1000;

/// How many diagnostics were found but not kept (past [`MAX_DIAGNOSTICS`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Omitted {
    /// Errors not kept.
    pub errors: usize,
    /// Warnings not kept.
    pub warnings: usize,
}

impl Omitted {
    /// Errors and warnings not kept.
    pub const fn total(&self) -> usize {
        self.errors + self.warnings
    }

    fn count(&mut self, d: &Diagnostic) {
        if d.is_error() {
            self.errors += 1;
        } else {
            self.warnings += 1;
        }
    }
}

/// Collects diagnostics with bounded memory: it keeps the first
/// [`MAX_DIAGNOSTICS`] in report order (group, then position in the source when
/// the group is ordered by position, then arrival) and counts the others.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sink {
    kept: Vec<((u32, usize, u64), Diagnostic)>,
    seq: u64,
    group: u32,
    by_position: bool,
    omitted: Omitted,
}

impl Sink {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Diagnostics pushed from now on come after the earlier groups; within the
    /// group they are ordered by position (`by_position`) or by arrival.
    pub(crate) fn group(&mut self, group: u32, by_position: bool) {
        self.group = group;
        self.by_position = by_position;
    }

    pub(crate) fn push(&mut self, d: Diagnostic) {
        let position = if self.by_position {
            d.location.as_ref().map_or(usize::MAX, |l| l.span.start)
        } else {
            0
        };
        self.push_keyed((self.group, position), d);
    }

    /// Pushes with an explicit (group, position) key.
    pub(crate) fn push_keyed(&mut self, key: (u32, usize), d: Diagnostic) {
        self.seq += 1;
        self.kept.push(((key.0, key.1, self.seq), d));
        if self.kept.len() >= 2 * MAX_DIAGNOSTICS {
            // what is dropped has MAX_DIAGNOSTICS diagnostics before it already,
            // so it can never be among the first MAX_DIAGNOSTICS
            self.shrink();
        }
    }

    fn shrink(&mut self) {
        self.kept.sort_by_key(|(k, _)| *k);
        for (_, d) in self.kept.drain(MAX_DIAGNOSTICS.min(self.kept.len())..) {
            self.omitted.count(&d);
        }
    }

    /// Counts `n` errors that were found but never built (past every limit).
    pub(crate) fn omit_errors(&mut self, n: usize) {
        self.omitted.errors += n;
    }

    /// The diagnostics kept so far (in no particular order).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.kept.iter().map(|(_, d)| d)
    }

    /// The kept diagnostics in order, and the count of the others.
    pub(crate) fn finish(mut self) -> (Vec<Diagnostic>, Omitted) {
        self.shrink();
        (
            self.kept.into_iter().map(|(_, d)| d).collect(),
            self.omitted,
        )
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

/// Renders diagnostics like rustc (`file:line:col`, the source line, a caret, help),
/// followed by the summary line. `color` turns on ANSI styling (for terminals only).
/// `source` is the text every location points into.
pub fn render_text(diagnostics: &[Diagnostic], source: Option<&str>, color: bool) -> String {
    let sources: Vec<Snippets<'_>> = source.map(|s| Snippets::new(None, s)).into_iter().collect();
    render_all(diagnostics, Omitted::default(), &sources, color)
}

/// Like [`render_text`], for diagnostics that point into several sources (an audit's
/// farm and configuration files): each is rendered with the source its location
/// names. At most [`MAX_DIAGNOSTICS`] are rendered; the others (and `omitted`) are
/// counted in one line and in the summary. Time and memory grow with the number
/// of diagnostics rendered and the size of the sources, never with their product.
pub fn render_text_sources(
    diagnostics: &[Diagnostic],
    omitted: Omitted,
    sources: &[crate::Source],
    color: bool,
) -> String {
    let sources: Vec<Snippets<'_>> = sources
        .iter()
        .map(|s| Snippets::new(Some(s.name.as_str()), &s.text))
        .collect();
    render_all(diagnostics, omitted, &sources, color)
}

/// A source text with its line index, to cut one diagnostic's lines out of it.
struct Snippets<'a> {
    name: Option<&'a str>,
    text: &'a str,
    lines: LineIndex,
}

impl<'a> Snippets<'a> {
    fn new(name: Option<&'a str>, text: &'a str) -> Self {
        Self {
            name,
            text,
            lines: LineIndex::new(text),
        }
    }
}

fn render_all(
    diagnostics: &[Diagnostic],
    omitted: Omitted,
    sources: &[Snippets<'_>],
    color: bool,
) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    let shown = &diagnostics[..diagnostics.len().min(MAX_DIAGNOSTICS)];
    for d in shown {
        let source = d
            .location
            .as_ref()
            .and_then(|l| sources.iter().find(|s| s.name.is_none_or(|n| n == l.file)));
        out.push_str(&render_one(d, source, &renderer));
        out.push_str("\n\n");
    }
    let mut more = omitted;
    for d in &diagnostics[shown.len()..] {
        more.count(d);
    }
    if more.total() > 0 {
        out.push_str(&format!(
            "... and {} ({}, {}) not shown\n\n",
            plural(more.total(), "more diagnostic"),
            plural(more.errors, "error"),
            plural(more.warnings, "warning")
        ));
    }
    out.push_str(&summary_with(shown, more));
    out.push('\n');
    out
}

/// The lines of `source` holding `span` (at most 5), with characters a terminal
/// could act on replaced by `?` byte for byte, and the span relative to them.
fn excerpt(source: &Snippets<'_>, span: &Range<usize>) -> Option<(String, usize, Range<usize>)> {
    let text = source.text;
    if span.end > text.len()
        || !text.is_char_boundary(span.start)
        || !text.is_char_boundary(span.end)
    {
        return None;
    }
    let first = source.lines.line_of(span.start);
    let last = source
        .lines
        .line_of(span.end.saturating_sub(1).max(span.start))
        .min(first + 4);
    let start = source.lines.start_of(first);
    let end = source.lines.end_of(last, text);
    let mut cut = String::with_capacity(end - start);
    for c in text[start..end].chars() {
        if is_terminal_control(c) && c != '\t' && c != '\n' {
            cut.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            cut.push(c);
        }
    }
    let rel = (span.start - start)..(span.end.min(end) - start);
    Some((cut, first + 1, rel))
}

fn render_one(d: &Diagnostic, source: Option<&Snippets<'_>>, renderer: &Renderer) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let message = escape_terminal(&d.message, false);
    let mut group = Group::with_title(level.primary_title(message.as_str()).id(d.code.as_str()));
    let label = escape_terminal(
        &match (&d.server, &d.field) {
            (Some(s), Some(f)) => format!("{f} of server {s}"),
            (None, Some(f)) => f.clone(),
            (Some(s), None) => format!("server {s}"),
            (None, None) => String::new(),
        },
        false,
    );
    if let Some(loc) = &d.location {
        let file = escape_terminal(&loc.file, false);
        match source.and_then(|s| excerpt(s, &loc.span)) {
            Some((cut, line, rel)) => {
                group = group.element(
                    Snippet::source(cut)
                        .line_start(line)
                        .path(file)
                        .annotation(AnnotationKind::Primary.span(rel).label(label)),
                );
            }
            None => {
                group = group
                    .element(Level::NOTE.message(format!("at {file}:{}:{}", loc.line, loc.column)));
            }
        }
    } else if !label.is_empty() {
        group = group.element(Level::NOTE.message(format!("in {label}")));
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(escape_terminal(help, false)));
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
    omitted: usize,
}

/// The JSON form of `manageout check --format json`:
/// `{"diagnostics":[{"severity","code","message","server","field","file","line","column","help"}],"errors":N,"warnings":N,"omitted":N}`,
/// every key always present (null where it does not apply). `diagnostics` holds at
/// most [`MAX_DIAGNOSTICS`]; `errors` and `warnings` count every diagnostic, and
/// `omitted` those not listed.
pub fn to_json(diagnostics: &[Diagnostic], omitted: Omitted) -> serde_json::Value {
    let shown = &diagnostics[..diagnostics.len().min(MAX_DIAGNOSTICS)];
    let mut more = omitted;
    for d in &diagnostics[shown.len()..] {
        more.count(d);
    }
    let (errors, warnings) = count(shown);
    let report = JsonReport {
        diagnostics: shown
            .iter()
            .map(|d| JsonDiagnostic {
                severity: d.severity,
                code: d.code.as_str(),
                message: &d.message,
                server: d.server.as_deref(),
                field: d.field.as_deref(),
                file: d.location.as_ref().map(|l| l.file.as_str()),
                line: d.location.as_ref().map(|l| l.line),
                column: d.location.as_ref().map(|l| l.column),
                help: d.help.as_deref(),
            })
            .collect(),
        errors: errors + more.errors,
        warnings: warnings + more.warnings,
        omitted: more.total(),
    };
    serde_json::to_value(report).unwrap_or(serde_json::Value::Null)
}

/// The longest value shown in a message: longer values are cut, with `…`.
pub const SHOWN_MAX: usize = 80;

/// A value as shown inside a message: control characters (and the other
/// characters a terminal could act on) escaped as `\u{1b}`, cut to
/// [`SHOWN_MAX`] characters with `…`.
///
/// ```
/// use manageout::diagnostic::shown;
/// assert_eq!(shown("DA1\u{1b}[31m"), "DA1\\u{1b}[31m");
/// assert_eq!(shown(&"x".repeat(100)).chars().count(), 81);
/// ```
pub fn shown(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(SHOWN_MAX + 8));
    for (n, c) in value.chars().enumerate() {
        if n == SHOWN_MAX {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// Whether a terminal could act on `c`: C0 and C1 controls, DEL, and the Unicode
/// bidirectional and line controls.
pub(crate) fn is_terminal_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_escaped(out: &mut String, c: char) {
    if is_terminal_control(c) {
        out.extend(c.escape_unicode());
    } else {
        out.push(c);
    }
}

/// `text` with every character a terminal could act on escaped (`\u{1b}`); tabs
/// and newlines are kept when `keep_lines` is set (they only move the cursor).
pub fn escape_terminal(text: &str, keep_lines: bool) -> String {
    if !text.chars().any(is_terminal_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if keep_lines && matches!(c, '\n' | '\t') {
            out.push(c);
        } else {
            push_escaped(&mut out, c);
        }
    }
    out
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

    /// The 0-based line holding byte offset `at`.
    pub(crate) fn line_of(&self, at: usize) -> usize {
        self.starts.partition_point(|&s| s <= at).max(1) - 1
    }

    /// The byte offset where 0-based line `line` starts.
    pub(crate) fn start_of(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(0)
    }

    /// The byte offset where 0-based line `line` ends (before its newline).
    pub(crate) fn end_of(&self, line: usize, text: &str) -> usize {
        match self.starts.get(line + 1) {
            Some(&next) => {
                let e = next - 1;
                if e > 0 && text.as_bytes().get(e - 1) == Some(&b'\r') {
                    e - 1
                } else {
                    e
                }
            }
            None => text.len(),
        }
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
