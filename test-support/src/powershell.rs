//! A reader of the PowerShell that manageout writes, by PowerShell's quoting
//! rules (about_Quoting_Rules, about_Parsing), for tests that cannot run
//! PowerShell: single-quoted strings are literal (`''` and the typographic
//! single quotes doubled stand for one), double-quoted strings expand `$`,
//! `` ` `` escapes, `#` starts a comment outside strings, and `{ } ( ) , ;` and
//! `|` are tokens of their own. Anything the reader does not understand is an
//! error, so a test fails rather than guess.

/// One token of a PowerShell line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// A bare word (a command, a parameter such as `-Name`, a number, a variable).
    Word(String),
    /// A single-quoted string: its literal value.
    Literal(String),
    /// A double-quoted string: its text as written (it expands).
    Expandable(String),
    /// One of `{ } ( ) , ; |` or `@(`.
    Punct(&'static str),
}

fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}')
}

fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201c}' | '\u{201d}' | '\u{201e}')
}

/// The tokens of one line (comments dropped).
pub fn tokens(line: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '#' => break,
            '@' if chars.get(i + 1) == Some(&'(') => {
                out.push(Token::Punct("@("));
                i += 2;
            }
            '{' | '}' | '(' | ')' | ',' | ';' | '|' => {
                out.push(Token::Punct(match c {
                    '{' => "{",
                    '}' => "}",
                    '(' => "(",
                    ')' => ")",
                    ',' => ",",
                    ';' => ";",
                    _ => "|",
                }));
                i += 1;
            }
            c if is_single_quote(c) => {
                let mut s = String::new();
                i += 1;
                loop {
                    let Some(&c) = chars.get(i) else {
                        return Err(format!("unterminated single-quoted string in {line:?}"));
                    };
                    if is_single_quote(c) {
                        if chars.get(i + 1).is_some_and(|n| is_single_quote(*n)) {
                            s.push(c);
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    s.push(c);
                    i += 1;
                }
                out.push(Token::Literal(s));
            }
            c if is_double_quote(c) => {
                let mut s = String::new();
                i += 1;
                loop {
                    let Some(&c) = chars.get(i) else {
                        return Err(format!("unterminated double-quoted string in {line:?}"));
                    };
                    if c == '`' {
                        s.push(c);
                        if let Some(&n) = chars.get(i + 1) {
                            s.push(n);
                        }
                        i += 2;
                        continue;
                    }
                    if is_double_quote(c) {
                        i += 1;
                        break;
                    }
                    s.push(c);
                    i += 1;
                }
                out.push(Token::Expandable(s));
            }
            '`' => return Err(format!("a backtick escape outside strings in {line:?}")),
            _ => {
                let mut s = String::new();
                while let Some(&c) = chars.get(i) {
                    if c.is_whitespace()
                        || "{}(),;|#`".contains(c)
                        || is_single_quote(c)
                        || is_double_quote(c)
                    {
                        break;
                    }
                    s.push(c);
                    i += 1;
                }
                out.push(Token::Word(s));
            }
        }
    }
    Ok(out)
}

/// One cmdlet call: its name and its parameters in order, each with its values
/// (literal strings or bare words; a comma-separated list gives several).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The cmdlet, such as `New-NetFirewallRule`.
    pub cmdlet: String,
    /// `-Name` (without the dash) and its values.
    pub params: Vec<(String, Vec<String>)>,
}

impl Call {
    /// The values of a parameter, compared without case.
    pub fn param(&self, name: &str) -> Option<&[String]> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
}

/// Every call of `cmdlet` in the script, with its parameters: the tokens after
/// the cmdlet's name up to the end of its statement (`}` `)` `;` `|` or the line).
/// A value that is an expandable string or any other construct is an error: the
/// values manageout writes are literal.
pub fn calls(script: &str, cmdlet: &str) -> Result<Vec<Call>, String> {
    let mut out = Vec::new();
    for line in script.lines() {
        let toks = tokens(line)?;
        let mut i = 0;
        while i < toks.len() {
            if toks[i] != Token::Word(cmdlet.to_owned()) {
                i += 1;
                continue;
            }
            i += 1;
            let mut call = Call {
                cmdlet: cmdlet.to_owned(),
                params: Vec::new(),
            };
            while let Some(t) = toks.get(i) {
                match t {
                    Token::Word(w) if w.starts_with('-') => {
                        call.params.push((w[1..].to_owned(), Vec::new()));
                    }
                    Token::Word(w) | Token::Literal(w) => match call.params.last_mut() {
                        Some((_, values)) => values.push(w.clone()),
                        None => return Err(format!("a positional value {w:?} in {line:?}")),
                    },
                    Token::Punct(",") => {}
                    Token::Punct("}" | ")" | ";" | "|") => break,
                    other => {
                        return Err(format!("unexpected {other:?} in a {cmdlet} call: {line:?}"));
                    }
                }
                i += 1;
            }
            out.push(call);
        }
    }
    Ok(out)
}

/// The words of a Cisco IOS or Junos configuration line, or `None` for a comment
/// (`!` in IOS, `#` in Junos) or a blank line. Neither language quotes the values
/// manageout writes (addresses and prefixes); a quote or a character outside
/// them is an error.
pub fn router_words(line: &str) -> Result<Option<Vec<String>>, String> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('!') || t.starts_with('#') {
        return Ok(None);
    }
    if let Some(c) = t
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || " :./-".contains(*c)))
    {
        return Err(format!("{c:?} in a router line: {line:?}"));
    }
    Ok(Some(t.split_whitespace().map(str::to_owned).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_quotes_are_literal_and_doubled_quotes_stand_for_one() {
        assert_eq!(
            tokens("Add-X -A 'it''s $(x) `n' -B \"$_\"").unwrap(),
            [
                Token::Word("Add-X".into()),
                Token::Word("-A".into()),
                Token::Literal("it's $(x) `n".into()),
                Token::Word("-B".into()),
                Token::Expandable("$_".into()),
            ]
        );
        // a typographic quote ends a single-quoted string unless doubled
        assert_eq!(
            tokens("'a\u{2019}\u{2019}b'").unwrap(),
            [Token::Literal("a\u{2019}b".into())]
        );
        assert!(tokens("'open").is_err());
    }

    #[test]
    fn calls_collect_parameter_lists() {
        let c = calls(
            "if (x) { New-Rule -Name 'a' -RemoteAddress '1', '2' -Profile Any }",
            "New-Rule",
        )
        .unwrap();
        assert_eq!(c[0].param("remoteaddress").unwrap(), ["1", "2"]);
        assert_eq!(c[0].param("Profile").unwrap(), ["Any"]);
    }
}
