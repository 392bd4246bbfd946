//! A tokeniser of tmsh text, the way tmsh reads it: a command line (what tmsh
//! parses after joining its arguments with spaces) or bigip.conf stanzas.
//!
//! It is stricter than tmsh: whatever tmsh could read as something other than
//! plain data (`;`, `?`, `#` inside a command, `$`, `[`, `]`, `` ` ``, a backslash,
//! an unterminated quote) is an error, so that a test fails on any output that
//! depends on those rules at all.

/// One token: a word (its text as tmsh sees it) or a structural brace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// A word, quoted or not; the text without quotes.
    Word(String),
    /// `{`
    Open,
    /// `}`
    Close,
}

impl Token {
    /// A word token.
    pub fn word(text: impl Into<String>) -> Self {
        Self::Word(text.into())
    }
}

/// The characters that mean something to tmsh outside a quoted string.
const SPECIAL: &[char] = &[';', '?', '#', '$', '[', ']', '`', '\\', '\''];

/// Tokenises one tmsh command line (no newline).
pub fn tokenize_line(line: &str) -> Result<Vec<Token>, String> {
    if let Some(c) = line.chars().find(|c| c.is_control()) {
        return Err(format!("control character {:?} in a tmsh command line", c));
    }
    tokenize(line, false)
}

/// Tokenises bigip.conf text into statements (lines), dropping `#` comment lines;
/// each statement is the tokens of one line.
pub fn tokenize_conf(text: &str) -> Result<Vec<Vec<Token>>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some(c) = line.chars().find(|c| c.is_control() && *c != '\t') {
            return Err(format!("line {}: control character {:?}", n + 1, c));
        }
        out.push(tokenize(line, true).map_err(|e| format!("line {}: {e}", n + 1))?);
    }
    Ok(out)
}

fn tokenize(text: &str, _conf: bool) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '{' => {
                chars.next();
                out.push(Token::Open);
            }
            '}' => {
                chars.next();
                out.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut word = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated quoted string".into()),
                        Some('"') => break,
                        Some(c) if "\\$[]`?".contains(c) => {
                            return Err(format!("`{c}` inside a quoted tmsh string"));
                        }
                        Some(c) => word.push(c),
                    }
                }
                if chars
                    .peek()
                    .is_some_and(|c| !matches!(c, ' ' | '\t' | '{' | '}'))
                {
                    return Err("a quoted string run into the next word".into());
                }
                out.push(Token::Word(word));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if matches!(c, ' ' | '\t' | '{' | '}') {
                        break;
                    }
                    if c == '"' {
                        return Err("a quote inside a bare tmsh word".into());
                    }
                    if SPECIAL.contains(&c) {
                        return Err(format!("`{c}` outside a quoted tmsh string"));
                    }
                    word.push(c);
                    chars.next();
                }
                out.push(Token::Word(word));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_quoted_strings_and_braces() {
        let t =
            tokenize_line(r#"create ltm pool /Common/p description "a b" members { 2131::1.0 }"#)
                .unwrap();
        assert_eq!(
            t,
            vec![
                Token::word("create"),
                Token::word("ltm"),
                Token::word("pool"),
                Token::word("/Common/p"),
                Token::word("description"),
                Token::word("a b"),
                Token::word("members"),
                Token::Open,
                Token::word("2131::1.0"),
                Token::Close,
            ]
        );
    }

    #[test]
    fn anything_tmsh_could_read_specially_is_an_error() {
        for bad in [
            "a;b", "a ?", "x $y", "\"a$b\"", "\"open", "a\"b\"", "`id`", "a\\b", "#c",
        ] {
            assert!(tokenize_line(bad).is_err(), "{bad}");
        }
    }
}
