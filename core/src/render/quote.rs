//! One quoting function per output language; no other code formats text into a
//! script. Each takes the logical value (what the program that finally reads it
//! must see) and returns it written for that language, or refuses it
//! ([`Unquotable`]) when the language cannot carry it safely.
//!
//! | language | function | rule |
//! |---|---|---|
//! | POSIX sh / bash | [`sh`] | bare when only `[A-Za-z0-9_./:%@+=,-]`, else `'...'` (a `'` becomes `'\''`); NUL refused |
//! | tmsh (and bigip.conf) | [`tmsh`] | bare when only `[A-Za-z0-9_./:%-]`, else `"..."` holding only `[A-Za-z0-9 _./:%,+=@()-]`; anything else refused |
//! | tmsh run from bash | [`tmsh_in_sh`] | [`tmsh`], then [`sh`]: tmsh joins its arguments with spaces and parses the line again, so each argument must survive both parsers |
//! | cmd.exe batch file | [`cmd`], [`cmd_string`] | bare when only `[A-Za-z0-9_.:/-]` (`cmd`), else `"..."` holding only `[A-Za-z0-9 _.:/\\(),+=@#-]` (not ending in `\`); anything else refused |
//! | PowerShell | [`powershell`] | always `'...'` (a `'` doubled); control characters refused |
//! | Cisco IOS, Junos | [`router_word`] | bare, only `[0-9A-Fa-f:./]` (addresses and prefixes: the only values written); anything else refused |
//! | comments (sh `#`, cmd `REM`, tmsh `#`) | [`comment`] | only `[A-Za-z0-9 _./:,+=@()#*-]` |
//!
//! The tmsh rule is deliberately narrower than tmsh's own grammar: values that
//! manageout writes into tmsh are object names (see [`names`](crate::names)),
//! addresses and its own descriptions, so anything unusual is a sign of hostile
//! input and is refused rather than escaped.

use std::fmt;

/// A value the target language cannot carry safely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unquotable {
    /// The language: `sh`, `tmsh`, `cmd`, `PowerShell`, `comment`.
    pub language: &'static str,
    /// The value, escaped for display.
    pub value: String,
    /// What in it cannot be written.
    pub reason: String,
}

impl fmt::Display for Unquotable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` cannot be written safely for {}: {}",
            self.value, self.language, self.reason
        )
    }
}

impl std::error::Error for Unquotable {}

fn refuse(language: &'static str, value: &str, reason: String) -> Unquotable {
    Unquotable {
        language,
        value: crate::diagnostic::shown(value),
        reason,
    }
}

fn describe(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("the character `{c}`")
    } else {
        format!("the character {}", c.escape_unicode())
    }
}

/// A word for a POSIX shell (and bash): the shell passes exactly `value` as one
/// argument, with no expansion of any kind. Control characters (a newline, an
/// escape) are refused: quoted they would be passed as they are, but a reviewer
/// reading the script would see one command split over lines or a terminal
/// sequence instead of the word.
///
/// ```
/// use manageout::render::quote::sh;
/// assert_eq!(sh("2131::101").unwrap(), "2131::101");
/// assert_eq!(sh("$(touch x)").unwrap(), "'$(touch x)'");
/// assert_eq!(sh("it's").unwrap(), r"'it'\''s'");
/// assert_eq!(sh("").unwrap(), "''");
/// assert!(sh("eth0\ntouch x").is_err());
/// ```
pub fn sh(value: &str) -> Result<String, Unquotable> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(refuse("sh", value, format!("it contains {}", describe(c))));
    }
    let bare = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:%@+=,-".contains(c))
        && !value.starts_with(['=', '%']);
    if bare {
        Ok(value.to_owned())
    } else {
        Ok(format!("'{}'", value.replace('\'', r"'\''")))
    }
}

/// A word for tmsh (command line and bigip.conf): tmsh reads exactly `value`.
///
/// ```
/// use manageout::render::quote::tmsh;
/// assert_eq!(tmsh("/Common/article_DA1_pool").unwrap(), "/Common/article_DA1_pool");
/// assert_eq!(tmsh("manageout:article DA1").unwrap(), "\"manageout:article DA1\"");
/// assert!(tmsh("a\"b").is_err());
/// assert!(tmsh("x { }").is_err());
/// ```
pub fn tmsh(value: &str) -> Result<String, Unquotable> {
    let bare = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:%-".contains(c));
    if bare {
        return Ok(value.to_owned());
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || " _./:%,+=@()-".contains(*c)))
    {
        return Err(refuse(
            "tmsh",
            value,
            format!("{} has a meaning to tmsh", describe(c)),
        ));
    }
    Ok(format!("\"{value}\""))
}

/// A tmsh word on a bash command line (`tmsh create ... WORD`): bash removes one
/// layer of quoting, then tmsh joins its arguments with spaces and parses the
/// result, so the tmsh-quoted word is quoted again for bash.
///
/// ```
/// use manageout::render::quote::tmsh_in_sh;
/// assert_eq!(tmsh_in_sh("manageout:article DA1").unwrap(), "'\"manageout:article DA1\"'");
/// assert_eq!(tmsh_in_sh("2131::101.0").unwrap(), "2131::101.0");
/// ```
pub fn tmsh_in_sh(value: &str) -> Result<String, Unquotable> {
    sh(&tmsh(value)?)
}

/// An argument in a cmd.exe batch file (`.cmd`): cmd passes exactly `value`.
///
/// ```
/// use manageout::render::quote::cmd;
/// assert_eq!(cmd("2131::/59").unwrap(), "2131::/59");
/// assert_eq!(cmd("Ethernet 2").unwrap(), "\"Ethernet 2\"");
/// assert!(cmd("%PATH%").is_err());
/// assert!(cmd("a\"&calc").is_err());
/// ```
pub fn cmd(value: &str) -> Result<String, Unquotable> {
    let bare = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.:/-".contains(c));
    if bare {
        Ok(value.to_owned())
    } else {
        cmd_string(value)
    }
}

/// An argument in a cmd.exe batch file, always in double quotes (as Microsoft
/// writes interface names: `"Corpnet"`); the characters [`cmd`] accepts.
///
/// ```
/// use manageout::render::quote::cmd_string;
/// assert_eq!(cmd_string("Corpnet").unwrap(), "\"Corpnet\"");
/// assert!(cmd_string("C:\\dir\\").is_err());
/// ```
pub fn cmd_string(value: &str) -> Result<String, Unquotable> {
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || " _.:/\\(),+=@#-".contains(*c)))
    {
        return Err(refuse(
            "cmd",
            value,
            format!("{} has a meaning to cmd.exe", describe(c)),
        ));
    }
    if value.ends_with('\\') {
        // a backslash before the closing quote would escape it for the program
        return Err(refuse("cmd", value, "it ends with a backslash".into()));
    }
    Ok(format!("\"{value}\""))
}

/// A PowerShell string literal: single-quoted, so nothing in it is expanded.
///
/// ```
/// use manageout::render::quote::powershell;
/// assert_eq!(powershell("contoso.com\\DA Client").unwrap(), "'contoso.com\\DA Client'");
/// assert_eq!(powershell("it's").unwrap(), "'it''s'");
/// assert!(powershell("a\nb").is_err());
/// ```
pub fn powershell(value: &str) -> Result<String, Unquotable> {
    // PowerShell also ends a single-quoted string at the typographic quotes
    // U+2018-U+201B; doubling them keeps them literal, as it does for `'`
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(refuse(
            "PowerShell",
            value,
            format!("{} cannot appear in a one-line string", describe(c)),
        ));
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    Ok(out)
}

/// A word of a Cisco IOS or Junos configuration line. manageout writes only
/// addresses and prefixes there, so only their characters are accepted, bare:
/// neither language has a quoting rule that every version honours.
///
/// ```
/// use manageout::render::quote::router_word;
/// assert_eq!(router_word("2131:0:0:1000::/58").unwrap(), "2131:0:0:1000::/58");
/// assert!(router_word("2131::5 name x").is_err());
/// assert!(router_word("").is_err());
/// ```
pub fn router_word(value: &str) -> Result<String, Unquotable> {
    match value
        .chars()
        .find(|c| !(c.is_ascii_hexdigit() || ":./".contains(*c)))
    {
        Some(c) => Err(refuse(
            "router",
            value,
            format!("{} is not part of an address or prefix", describe(c)),
        )),
        None if value.is_empty() => Err(refuse("router", value, "it is empty".to_owned())),
        None => Ok(value.to_owned()),
    }
}

/// Text for a comment line (`# ...` in sh and tmsh files, `REM ...` in cmd): inert
/// in every one of them.
///
/// ```
/// use manageout::render::quote::comment;
/// assert_eq!(comment("DA1: corporate address 2131::101").unwrap(), "DA1: corporate address 2131::101");
/// assert!(comment("a\nrm -rf /").is_err());
/// assert!(comment("100%").is_err());
/// ```
pub fn comment(text: &str) -> Result<String, Unquotable> {
    match text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || " _./:,+=@()#*-".contains(*c)))
    {
        Some(c) => Err(refuse(
            "comment",
            text,
            format!("{} is not inert in every comment", describe(c)),
        )),
        None => Ok(text.to_owned()),
    }
}
