//! A tolerant reader of BIG-IP configuration text (`bigip.conf`, `tmsh list ...`):
//! nested `{ }` stanzas of words and quoted strings, every stanza with its line.
//! Unknown objects and properties are kept; unbalanced braces are reported and
//! the rest is still read.

use std::ops::Range;

/// One statement: its words, where it starts, and its `{ }` body if it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stanza {
    pub(crate) words: Vec<String>,
    /// Byte range of the first word.
    pub(crate) span: Range<usize>,
    pub(crate) children: Vec<Self>,
}

impl Stanza {
    /// The first child whose first word is `key`.
    pub(crate) fn child(&self, key: &str) -> Option<&Self> {
        self.children
            .iter()
            .find(|c| c.words.first().is_some_and(|w| w == key))
    }

    /// The second word of the child `key` (`key value`).
    pub(crate) fn value(&self, key: &str) -> Option<&str> {
        self.child(key)
            .and_then(|c| c.words.get(1))
            .map(String::as_str)
    }

    /// Whether a child is exactly the flag `key` (`ip-forward`, `disabled`).
    pub(crate) fn flag(&self, key: &str) -> Option<&Self> {
        self.children
            .iter()
            .find(|c| c.words.len() == 1 && c.words[0] == key && c.children.is_empty())
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String, Range<usize>),
    Open(usize),
    Close(usize),
    Newline,
}

/// The tokens of `text`, one at a time (never all in memory at once).
fn tokens(text: &str) -> impl Iterator<Item = Token> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => {
                    i += 1;
                    return Some(Token::Newline);
                }
                b' ' | b'\t' | b'\r' => i += 1,
                b'{' => {
                    i += 1;
                    return Some(Token::Open(i - 1));
                }
                b'}' => {
                    i += 1;
                    return Some(Token::Close(i - 1));
                }
                b'#' => {
                    // a comment runs to the end of the line
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'"' => {
                    let start = i;
                    let mut word = String::new();
                    i += 1;
                    let mut chars = text[i..].char_indices();
                    let mut end = text.len();
                    while let Some((k, c)) = chars.next() {
                        match c {
                            '"' => {
                                end = i + k + 1;
                                break;
                            }
                            '\\' => {
                                if let Some((_, next)) = chars.next() {
                                    word.push(next);
                                }
                            }
                            c => word.push(c),
                        }
                    }
                    i = end;
                    return Some(Token::Word(word, start..end));
                }
                _ => {
                    let start = i;
                    while i < bytes.len() && !b" \t\r\n{}\"".contains(&bytes[i]) {
                        i += 1;
                    }
                    // `start` and `i` sit next to ASCII bytes (or the ends), so they
                    // are character boundaries
                    return Some(Token::Word(text[start..i].to_owned(), start..i));
                }
            }
        }
        None
    })
}

impl Drop for Stanza {
    /// Takes the tree apart iteratively: a deeply nested hostile input must not
    /// exhaust the call stack when it is dropped.
    fn drop(&mut self) {
        let mut pending = std::mem::take(&mut self.children);
        while let Some(mut s) = pending.pop() {
            pending.append(&mut s.children);
        }
    }
}

/// A brace that does not pair up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unbalanced {
    /// Byte offset of the brace (the opening one when a `}` is missing).
    pub(crate) at: usize,
    /// What is wrong.
    pub(crate) what: &'static str,
}

/// The deepest nesting of braces read.
const MAX_DEPTH: usize = 64;

/// The most unbalanced braces listed; the others are counted.
const MAX_PROBLEMS: usize = crate::diagnostic::MAX_DIAGNOSTICS;

/// The braces that did not pair up: the first [`MAX_PROBLEMS`], and how many more.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    pub(crate) listed: Vec<Unbalanced>,
    pub(crate) more: usize,
}

impl Problems {
    fn push(&mut self, p: Unbalanced) {
        if self.listed.len() < MAX_PROBLEMS {
            self.listed.push(p);
        } else {
            self.more += 1;
        }
    }
}

/// Reads every top-level stanza of `text`, with the braces that did not pair up.
pub(crate) fn parse(text: &str) -> (Vec<Stanza>, Problems) {
    let mut tree = Tree::new();
    for token in tokens(text) {
        tree.push(token);
    }
    tree.finish()
}

/// The stanza tree as it is read, token by token.
struct Tree {
    problems: Problems,
    /// The open stanzas, root first, each with the offset of its `{`: an explicit
    /// stack, so nesting depth costs heap, never call stack.
    stack: Vec<(Stanza, usize)>,
    /// The words of the line being read.
    current: Vec<(String, Range<usize>)>,
    /// Braces opened past [`MAX_DEPTH`]: only their positions are kept, their
    /// content is not read (no configuration nests that deep).
    deep: Vec<usize>,
}

impl Tree {
    fn new() -> Self {
        let root = Stanza {
            words: Vec::new(),
            span: 0..0,
            children: Vec::new(),
        };
        Self {
            problems: Problems::default(),
            stack: vec![(root, 0)],
            current: Vec::new(),
            deep: Vec::new(),
        }
    }

    fn push(&mut self, token: Token) {
        if !self.deep.is_empty() {
            match token {
                Token::Open(at) => self.deep.push(at),
                Token::Close(_) => {
                    self.deep.pop();
                }
                _ => {}
            }
            self.current.clear();
            return;
        }
        match token {
            Token::Word(w, span) => self.current.push((w, span)),
            Token::Newline => self.flush(),
            Token::Open(at) if self.stack.len() > MAX_DEPTH => {
                self.problems.push(Unbalanced {
                    at,
                    what: "braces nested deeper than 64 levels (what they hold is not read)",
                });
                self.current.clear();
                self.deep.push(at);
            }
            Token::Open(at) => self.open(at),
            Token::Close(at) => self.close(at),
        }
    }

    /// Ends the line being read: its words become a leaf stanza.
    fn flush(&mut self) {
        if let (Some((_, span)), Some((parent, _))) = (self.current.first(), self.stack.last_mut())
        {
            let span = span.clone();
            parent.children.push(Stanza {
                words: self.current.drain(..).map(|(w, _)| w).collect(),
                span,
                children: Vec::new(),
            });
        }
    }

    fn open(&mut self, at: usize) {
        if self.current.is_empty() && self.stack.len() == 1 {
            self.problems.push(Unbalanced {
                at,
                what: "a `{` block with no object before it (a name with braces that is not quoted?)",
            });
        }
        let span = self.current.first().map_or(at..at + 1, |(_, s)| s.clone());
        let words = self.current.drain(..).map(|(w, _)| w).collect();
        let stanza = Stanza {
            words,
            span,
            children: Vec::new(),
        };
        self.stack.push((stanza, at));
    }

    fn close(&mut self, at: usize) {
        if self.stack.len() == 1 {
            self.problems.push(Unbalanced {
                at,
                what: "a `}` that closes nothing",
            });
            return;
        }
        self.flush();
        self.pop();
    }

    /// Closes the innermost open stanza into its parent; returns its `{` offset.
    fn pop(&mut self) -> Option<usize> {
        let (done, at) = self.stack.pop()?;
        if let Some((parent, _)) = self.stack.last_mut() {
            parent.children.push(done);
        }
        Some(at)
    }

    /// The top-level stanzas, every `{` left open reported.
    fn finish(mut self) -> (Vec<Stanza>, Problems) {
        self.flush();
        for at in std::mem::take(&mut self.deep) {
            self.problems.push(Unbalanced {
                at,
                what: "a `{` that is never closed",
            });
        }
        while self.stack.len() > 1 {
            if let Some(at) = self.pop() {
                self.problems.push(Unbalanced {
                    at,
                    what: "a `{` that is never closed",
                });
            }
        }
        let root = self
            .stack
            .pop()
            .map(|(mut s, _)| std::mem::take(&mut s.children))
            .unwrap_or_default();
        (root, self.problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_stanzas_quoted_strings_flags_and_comments() {
        let text = "#TMSH-VERSION: 13.1.1\nltm virtual /P/vs {\n    description \"a { quoted } \\\"x\\\"\"\n    ip-forward\n    profiles {\n        /Common/fastL4 { }\n    }\n    vlans { /Common/internal }\n}\n";
        let (stanzas, problems) = parse(text);
        assert!(problems.listed.is_empty());
        assert_eq!(stanzas.len(), 1);
        let vs = &stanzas[0];
        assert_eq!(vs.words, ["ltm", "virtual", "/P/vs"]);
        assert_eq!(&text[vs.span.clone()], "ltm");
        assert_eq!(vs.value("description"), Some("a { quoted } \"x\""));
        assert!(vs.flag("ip-forward").is_some());
        let profiles = vs.child("profiles").unwrap();
        assert_eq!(profiles.children[0].words, ["/Common/fastL4"]);
        assert_eq!(
            vs.child("vlans").unwrap().children[0].words,
            ["/Common/internal"]
        );
    }

    #[test]
    fn unbalanced_braces_are_reported_and_the_rest_is_read() {
        let (stanzas, problems) = parse("}\nltm pool p {\n members {\n");
        assert_eq!(problems.listed.len(), 3);
        assert_eq!(problems.listed[0].what, "a `}` that closes nothing");
        assert_eq!(stanzas[0].words, ["ltm", "pool", "p"]);
    }

    #[test]
    fn deep_nesting_uses_no_call_stack() {
        let text = format!("{}{}", "a {\n".repeat(100_000), "}\n".repeat(100_000));
        let (stanzas, problems) = parse(&text);
        assert_eq!(problems.listed.len(), 1, "{problems:?}");
        assert!(problems.listed[0].what.contains("deeper than 64"));
        assert_eq!(stanzas.len(), 1);
        drop(stanzas); // iterative: no stack overflow
    }
}
