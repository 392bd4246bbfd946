//! The syntax tree of a farm file (TOML or JSON), every value with the byte range
//! it came from, or, for a farm given as data, with its key path.

use std::ops::Range;

use super::{Format, MAX_NESTING};
use crate::diagnostic::{Code, Diagnostic};

/// A value of the generic document tree, with the byte range it came from.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) span: Option<Range<usize>>,
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Str(String),
    Int(i64),
    /// A number that is not an `i64` (float, or out of range), as written.
    Number(String),
    Bool(bool),
    Datetime,
    Null,
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) key_span: Option<Range<usize>>,
    pub(crate) value: Node,
}

impl Kind {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Self::Str(_) => "a string",
            Self::Int(_) => "an integer",
            Self::Number(_) => "a number",
            Self::Bool(_) => "a boolean",
            Self::Datetime => "a date-time",
            Self::Null => "null",
            Self::Array(_) => "an array",
            Self::Table(_) => "a table",
        }
    }
}

/// Parses text into the document tree, or the syntax error (MO001).
pub(crate) fn parse(text: &str, format: Format) -> Result<Node, Diagnostic> {
    match format {
        Format::Toml => parse_toml(text),
        Format::Json => parse_json(text),
    }
}

fn syntax_error(message: String, span: Range<usize>, format: Format) -> Diagnostic {
    let (what, help) = match format {
        Format::Toml => (
            "TOML",
            "see the farm file reference in the README; strings such as addresses need double quotes",
        ),
        Format::Json => (
            "JSON",
            "JSON needs double-quoted keys and strings, commas between items, and no trailing commas or comments",
        ),
    };
    // "Trailing commas are not allowed" reads "trailing commas ..." after a colon
    let mut message = message;
    if let Some(first) = message.get(..1)
        && message
            .get(1..2)
            .is_some_and(|c| c.chars().all(char::is_lowercase))
    {
        message = first.to_lowercase() + &message[1..];
    }
    Diagnostic::error(Code::MO001, format!("invalid {what}: {message}"))
        .with_help(help)
        .at(Some(&span))
}

fn parse_toml(text: &str) -> Result<Node, Diagnostic> {
    use toml::de::{DeTable, DeValue};
    fn convert(v: &toml::Spanned<DeValue<'_>>, depth: usize) -> Result<Node, Diagnostic> {
        let span = Some(v.span());
        if depth > MAX_NESTING {
            return Err(syntax_error(
                format!("nesting deeper than {MAX_NESTING} levels"),
                v.span(),
                Format::Toml,
            ));
        }
        let kind = match v.get_ref() {
            DeValue::String(s) => Kind::Str(s.to_string()),
            DeValue::Integer(i) => match i64::from_str_radix(
                &i.as_str()
                    .replace('_', "")
                    .replace("0x", "")
                    .replace("0o", "")
                    .replace("0b", ""),
                i.radix(),
            ) {
                Ok(n) => Kind::Int(n),
                Err(_) => Kind::Number(i.as_str().to_owned()),
            },
            DeValue::Float(f) => Kind::Number(f.as_str().to_owned()),
            DeValue::Boolean(b) => Kind::Bool(*b),
            DeValue::Datetime(_) => Kind::Datetime,
            DeValue::Array(a) => Kind::Array(
                a.iter()
                    .map(|e| convert(e, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            DeValue::Table(t) => Kind::Table(convert_table(t, depth + 1)?),
        };
        Ok(Node { kind, span })
    }
    fn convert_table(t: &DeTable<'_>, depth: usize) -> Result<Vec<Entry>, Diagnostic> {
        let mut entries = t
            .iter()
            .map(|(k, v)| {
                Ok(Entry {
                    key: k.get_ref().to_string(),
                    key_span: Some(k.span()),
                    value: convert(v, depth)?,
                })
            })
            .collect::<Result<Vec<_>, Diagnostic>>()?;
        entries.sort_by_key(|e| e.key_span.as_ref().map_or(0, |s| s.start));
        Ok(entries)
    }
    match DeTable::parse(text) {
        Ok(doc) => Ok(Node {
            kind: Kind::Table(convert_table(doc.get_ref(), 0)?),
            span: Some(doc.span()),
        }),
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().trim_end_matches('.').to_owned();
            Err(syntax_error(message, span, Format::Toml))
        }
    }
}

/// Parses JSON text into the syntax tree. Most of its length is the nested
/// `convert`, one match over the JSON value kinds that reads as one table.
fn parse_json(text: &str) -> Result<Node, Diagnostic> {
    use jsonc_parser::ast::{ObjectPropName, Value};
    use jsonc_parser::common::Ranged;
    fn convert(v: &Value<'_>, depth: usize) -> Result<Node, Diagnostic> {
        let range = v.range();
        let span = range.start..range.end;
        if depth > MAX_NESTING {
            return Err(syntax_error(
                format!("nesting deeper than {MAX_NESTING} levels"),
                span,
                Format::Json,
            ));
        }
        let kind = match v {
            Value::StringLit(s) => Kind::Str(s.value.to_string()),
            Value::NumberLit(n) => match n.value.parse::<i64>() {
                Ok(i) => Kind::Int(i),
                Err(_) => Kind::Number(n.value.to_owned()),
            },
            Value::BooleanLit(b) => Kind::Bool(b.value),
            Value::NullKeyword(_) => Kind::Null,
            Value::Array(a) => Kind::Array(
                a.elements
                    .iter()
                    .map(|e| convert(e, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(o) => {
                let mut entries: Vec<Entry> = Vec::with_capacity(o.properties.len());
                for p in &o.properties {
                    let (key, r) = match &p.name {
                        ObjectPropName::String(s) => (s.value.to_string(), s.range),
                        ObjectPropName::Word(w) => (w.value.to_owned(), w.range),
                    };
                    if entries.iter().any(|e| e.key == key) {
                        return Err(syntax_error(
                            format!("duplicate key `{key}`"),
                            r.start..r.end,
                            Format::Json,
                        ));
                    }
                    entries.push(Entry {
                        key,
                        key_span: Some(r.start..r.end),
                        value: convert(&p.value, depth + 1)?,
                    });
                }
                Kind::Table(entries)
            }
        };
        Ok(Node {
            kind,
            span: Some(span),
        })
    }
    let options = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    match jsonc_parser::parse_to_ast(text, &Default::default(), &options) {
        Ok(result) => match result.value {
            Some(v) => convert(&v, 0),
            None => Err(syntax_error(
                "the file is empty".to_owned(),
                0..0,
                Format::Json,
            )),
        },
        Err(e) => {
            let r = e.range();
            Err(syntax_error(
                e.kind().to_string(),
                r.start..r.end,
                Format::Json,
            ))
        }
    }
}

/// Converts a JSON value (as built by a binding from a dict or object) to a
/// document tree. There is no text to point into: value `i` (in document order)
/// gets the span `i..i + 1` and `paths[i]` its key path (`server[1].address`), so
/// that diagnostics can name the caller's own keys.
pub(crate) fn from_json_value(v: &serde_json::Value, paths: &mut Vec<String>) -> Node {
    convert_value(v, String::new(), paths)
}

fn convert_value(v: &serde_json::Value, path: String, paths: &mut Vec<String>) -> Node {
    use serde_json::Value;
    let id = paths.len();
    paths.push(path.clone());
    let span = Some(id..id + 1);
    let kind = match v {
        Value::Null => Kind::Null,
        Value::Bool(b) => Kind::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Kind::Int(i),
            None => Kind::Number(n.to_string()),
        },
        Value::String(s) => Kind::Str(s.clone()),
        Value::Array(a) => Kind::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| convert_value(x, format!("{path}[{i}]"), paths))
                .collect(),
        ),
        Value::Object(o) => Kind::Table(
            o.iter()
                .map(|(k, x)| {
                    let child = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    let key_id = paths.len();
                    paths.push(child.clone());
                    Entry {
                        key: k.clone(),
                        key_span: Some(key_id..key_id + 1),
                        value: convert_value(x, child, paths),
                    }
                })
                .collect(),
        ),
    };
    Node { kind, span }
}
