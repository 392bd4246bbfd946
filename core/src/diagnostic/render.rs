//! The one renderer of diagnostics: rustc-style text (`file:line:col`, the source
//! line, a caret, help; at most [`MAX_DIAGNOSTICS`], then one line counting the
//! rest) and the JSON of `manageout check --format json`.

use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

use super::{
    Diagnostic, LineIndex, Location, MAX_DIAGNOSTICS, Omitted, Severity, count, escape_terminal,
    is_terminal_control, plural, summary_with,
};

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

/// One diagnostic like rustc, without colour, with the source line when `source`
/// (the text its location points into) is given.
pub(super) fn one(d: &Diagnostic, source: Option<&str>) -> String {
    let snippets = source.map(|s| Snippets::new(None, s));
    render_one(d, snippets.as_ref(), &Renderer::plain())
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
                let at = match loc.position() {
                    Some((line, column)) => format!("at {file}:{line}:{column}"),
                    None => format!("at {file}"),
                };
                group = group.element(Level::NOTE.message(at));
            }
        }
    } else if let Some(path) = &d.path {
        group = group.element(Level::NOTE.message(format!("at {}", escape_terminal(path, false))));
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
                line: d
                    .location
                    .as_ref()
                    .and_then(Location::position)
                    .map(|p| p.0),
                column: d
                    .location
                    .as_ref()
                    .and_then(Location::position)
                    .map(|p| p.1),
                help: d.help.as_deref(),
            })
            .collect(),
        errors: errors + more.errors,
        warnings: warnings + more.warnings,
        omitted: more.total(),
    };
    serde_json::to_value(report).unwrap_or(serde_json::Value::Null)
}
