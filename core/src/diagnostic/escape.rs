//! Values shown to people: cut to a length, with every character a terminal
//! could act on escaped.

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
