//! cmd.exe's rules for one line of a batch file, and the argv splitting a program
//! (netsh, through the Microsoft C runtime) then applies.
//!
//! [`parse_line`] is stricter than cmd.exe: anything whose meaning depends on
//! cmd.exe's special characters at all — percent expansion (`%`), delayed
//! expansion (`!`), the escape `^`, command separators and pipes (`&`, `|`),
//! redirection (`<`, `>`) or blocks (`(`, `)`) outside quotes — is an error, so a
//! test fails on any output that relies on them.

/// What a batch line is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// Empty, or a `REM` comment.
    Inert,
    /// One command: its argv (the program name first).
    Command(Vec<String>),
}

/// Parses one line of a batch file.
pub fn parse_line(line: &str) -> Result<Line, String> {
    if let Some(c) = line.chars().find(|c| c.is_control()) {
        return Err(format!("control character {c:?} in a batch line"));
    }
    // phase 1 happens on every line, REM included: %VAR%, %0-%9, %*, %~...
    if line.contains('%') {
        return Err("`%` is expanded by cmd.exe".into());
    }
    if line.contains('!') {
        return Err("`!` is expanded when delayed expansion is on".into());
    }
    let t = line.trim_start_matches([' ', '\t', '@']);
    if t.is_empty() {
        return Ok(Line::Inert);
    }
    let first: String = t.chars().take_while(|c| !matches!(c, ' ' | '\t')).collect();
    if first.eq_ignore_ascii_case("rem") {
        if let Some(c) = t.chars().find(|c| "^&|<>\"".contains(*c)) {
            return Err(format!("`{c}` in a REM line"));
        }
        return Ok(Line::Inert);
    }
    let mut quoted = false;
    for c in t.chars() {
        match c {
            '"' => quoted = !quoted,
            '^' | '&' | '|' | '<' | '>' | '(' | ')' if !quoted => {
                return Err(format!("`{c}` outside quotes is special to cmd.exe"));
            }
            _ => {}
        }
    }
    if quoted {
        return Err("an unterminated quote".into());
    }
    Ok(Line::Command(split_args(t)))
}

/// The Microsoft C runtime's argv splitting (`CommandLineToArgvW` for the
/// arguments): whitespace separates outside quotes; `2n` backslashes before a quote
/// are `n` backslashes and the quote toggles quoting, `2n+1` are `n` backslashes and
/// a literal quote; other backslashes are literal; `""` inside quotes is a quote.
pub fn split_args(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' if !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
                i += 1;
            }
            '\\' => {
                let start = i;
                while i < chars.len() && chars[i] == '\\' {
                    i += 1;
                }
                let n = i - start;
                in_word = true;
                if i < chars.len() && chars[i] == '"' {
                    cur.extend(std::iter::repeat_n('\\', n / 2));
                    if n % 2 == 1 {
                        cur.push('"');
                        i += 1;
                    }
                } else {
                    cur.extend(std::iter::repeat_n('\\', n));
                }
            }
            '"' => {
                in_word = true;
                if quoted && chars.get(i + 1) == Some(&'"') {
                    cur.push('"');
                    i += 2;
                } else {
                    quoted = !quoted;
                    i += 1;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
                i += 1;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_netsh_line_is_one_command_with_its_arguments() {
        let l = parse_line(r#"netsh interface ipv6 add route 2131::/59 "Ethernet 2" 2131::101"#)
            .unwrap();
        assert_eq!(
            l,
            Line::Command(
                [
                    "netsh",
                    "interface",
                    "ipv6",
                    "add",
                    "route",
                    "2131::/59",
                    "Ethernet 2",
                    "2131::101"
                ]
                .map(String::from)
                .to_vec()
            )
        );
        assert_eq!(parse_line("REM DA1").unwrap(), Line::Inert);
    }

    #[test]
    fn anything_cmd_reads_specially_is_an_error() {
        for bad in [
            "netsh a & calc",
            "netsh %PATH%",
            "netsh a|b",
            "netsh a>x",
            "REM 100%",
            "REM a & calc",
            "netsh \"a",
            "netsh !x!",
            "netsh a^&b",
        ] {
            assert!(parse_line(bad).is_err(), "{bad}");
        }
        assert!(parse_line("netsh \"a & b\"").is_ok());
    }

    #[test]
    fn backslashes_and_quotes_split_like_the_c_runtime() {
        assert_eq!(
            split_args(r#"a "b c" d\\"e f" \"g"#),
            vec!["a", "b c", "d\\e f", "\"g"]
        );
    }
}
