//! Reading farm files: TOML or JSON text (UTF-8, or UTF-16 with a byte-order mark)
//! into a spanned draft that [`validate`](crate::validate) checks.
//!
//! Every value keeps the byte range it came from, so that each diagnostic points at
//! file, line and column. Problems are collected, never returned one at a time:
//! syntax errors (MO001), unknown keys, missing keys and wrong types (MO002), a farm
//! without servers (MO003), and files that are too large or not text (MO004).

use std::io::Read;
use std::ops::Range;
use std::path::Path;

use crate::diagnostic::{Code, Diagnostic, LineIndex, Location, Omitted, Sink};

/// The largest farm file accepted: 16 MiB. Larger inputs get MO004 without being parsed.
pub const MAX_FILE_SIZE: usize = 16 * 1024 * 1024;

/// The deepest nesting of arrays and tables accepted in a farm file; deeper input is
/// a syntax error (MO001) instead of unbounded recursion.
pub const MAX_NESTING: usize = 64;

/// The syntax of a farm file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// TOML, the native format.
    Toml,
    /// JSON with the same structure.
    Json,
}

impl Format {
    /// The format a file name implies (`.json` is JSON, `.toml` TOML), or, for other
    /// names, the one the text looks like (JSON when it starts with `{`).
    ///
    /// ```
    /// use manageout::config::Format;
    /// assert_eq!(Format::detect("farm.json", "[farm]"), Format::Json);
    /// assert_eq!(Format::detect("-", " {\"server\": []}"), Format::Json);
    /// assert_eq!(Format::detect("farm.conf", "[farm]"), Format::Toml);
    /// ```
    pub fn detect(name: &str, text: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Self::Json
        } else if lower.ends_with(".toml") {
            Self::Toml
        } else if text.trim_start().starts_with('{') {
            Self::Json
        } else {
            Self::Toml
        }
    }
}

/// A farm file's name and decoded text; diagnostics' locations point into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The name shown in diagnostics (the path as given, or `<input>`).
    pub name: String,
    /// The decoded text.
    pub text: String,
}

/// Reads an input file, stopping after [`MAX_FILE_SIZE`] + 1 bytes, so that a huge
/// file is refused (by [`Farm::from_bytes`](crate::Farm::from_bytes) or
/// [`import::parse`](crate::import::parse)) without being read whole.
///
/// Only regular files are read: a FIFO, a device, a socket or a directory is
/// refused at once (`ErrorKind::InvalidInput`) with a hint to pipe it through
/// standard input instead, so that nothing ever blocks waiting for a writer or
/// reads an endless device. The file is opened without blocking and checked
/// with `fstat` on the open descriptor, so what is checked is what is read.
///
/// ```
/// let bytes = manageout::config::read_input("../examples/seed.toml".as_ref())?;
/// assert!(bytes.starts_with(b"# The farm"));
/// let err = manageout::config::read_input("..".as_ref()).unwrap_err();
/// assert!(err.to_string().contains("directory"), "{err}");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "it is {}, not a regular file; give a file, or pipe the input through `-` (standard input)",
                file_kind(&meta)
            ),
        ));
    }
    // O_NONBLOCK has no effect on reads of a regular file
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads standard input like [`read_input`] reads a file: at most
/// [`MAX_FILE_SIZE`] + 1 bytes.
pub fn read_stdin() -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_FILE_SIZE as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Decodes file bytes: UTF-8 (a BOM is dropped) or UTF-16 with a BOM.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, Diagnostic> {
    let not_text = |what: String| {
        Diagnostic::error(Code::MO004, format!("the file is not text: {what}"))
            .with_help("save the farm file as UTF-8 (or UTF-16 with a byte-order mark)")
    };
    if bytes.len() > MAX_FILE_SIZE {
        return Err(Diagnostic::error(
            Code::MO004,
            format!(
                "the file is larger than {} MiB",
                MAX_FILE_SIZE / (1024 * 1024)
            ),
        )
        .with_help("a farm file lists a few servers; check that the right file was given"));
    }
    let utf16 = |rest: &[u8], be: bool| -> Result<String, Diagnostic> {
        if !rest.len().is_multiple_of(2) {
            return Err(not_text("UTF-16 text with an odd number of bytes".into()));
        }
        let units = rest.chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|e| not_text(format!("invalid UTF-16 ({e})")))
    };
    let text = match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest).map(str::to_owned),
        [0xFF, 0xFE, rest @ ..] => return utf16(rest, false).and_then(check_binary),
        [0xFE, 0xFF, rest @ ..] => return utf16(rest, true).and_then(check_binary),
        _ => std::str::from_utf8(bytes).map(str::to_owned),
    };
    match text {
        Ok(t) => check_binary(t),
        Err(e) => Err(not_text(format!(
            "invalid UTF-8 at byte {}",
            e.valid_up_to()
        ))),
    }
}

fn check_binary(text: String) -> Result<String, Diagnostic> {
    match text.find('\0') {
        Some(at) => Err(Diagnostic::error(Code::MO004,
            format!("the file is not text: it contains a NUL byte at offset {at}"),
        )
        .with_help(
            "this looks like a binary file; give the farm's TOML or JSON file (UTF-16 needs a byte-order mark)",
        )),
        None => Ok(text),
    }
}

/// Turns byte spans into locations for one source.
pub(crate) struct Locator<'a> {
    source: Option<(&'a str, &'a str, LineIndex)>,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(name: &'a str, text: &'a str) -> Self {
        Self {
            source: Some((name, text, LineIndex::new(text))),
        }
    }

    pub(crate) fn none() -> Self {
        Self { source: None }
    }

    /// Fills in file, line and column of every diagnostic from its span.
    pub(crate) fn resolve(&self, diags: &mut [Diagnostic]) {
        for d in diags {
            d.location = d.location.take().and_then(|l| self.locate(&l.span));
        }
    }

    fn locate(&self, span: &Range<usize>) -> Option<Location> {
        let (name, text, index) = self.source.as_ref()?;
        let (line, column) = index.position(text, span.start);
        Some(Location {
            file: (*name).to_owned(),
            line,
            column,
            span: span.clone(),
        })
    }
}

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

/// Converts a JSON value (as built by a binding from a dict or object) to a document
/// tree without spans.
pub(crate) fn from_json_value(v: &serde_json::Value) -> Node {
    use serde_json::Value;
    let kind = match v {
        Value::Null => Kind::Null,
        Value::Bool(b) => Kind::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Kind::Int(i),
            None => Kind::Number(n.to_string()),
        },
        Value::String(s) => Kind::Str(s.clone()),
        Value::Array(a) => Kind::Array(a.iter().map(from_json_value).collect()),
        Value::Object(o) => Kind::Table(
            o.iter()
                .map(|(k, v)| Entry {
                    key: k.clone(),
                    key_span: None,
                    value: from_json_value(v),
                })
                .collect(),
        ),
    };
    Node { kind, span: None }
}

/// A value taken from the document, with its span.
#[derive(Clone, Debug)]
pub(crate) struct Sp<T> {
    pub(crate) value: T,
    pub(crate) span: Option<Range<usize>>,
}

impl<T> Sp<T> {
    pub(crate) fn bare(value: T) -> Self {
        Self { value, span: None }
    }
}

/// One `[[server]]` entry as written.
#[derive(Clone, Debug, Default)]
pub(crate) struct DraftServer {
    pub(crate) name: Option<Sp<String>>,
    pub(crate) address: Option<Sp<String>>,
    pub(crate) client_prefix: Option<Sp<String>>,
    pub(crate) entry_point: Option<Sp<String>>,
    pub(crate) teredo: Option<Sp<bool>>,
    pub(crate) teredo_ipv4: Option<Sp<String>>,
    pub(crate) teredo_prefix: Option<Sp<String>>,
    pub(crate) vpn_prefix: Option<Sp<String>>,
}

/// The whole farm as written, before value checks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Draft {
    pub(crate) name: Option<Sp<String>>,
    pub(crate) internal_prefix: Option<Sp<String>>,
    pub(crate) windows7_clients: Option<Sp<bool>>,
    pub(crate) partition: Option<Sp<String>>,
    pub(crate) vlans: Option<Sp<Vec<Sp<String>>>>,
    pub(crate) route_domain: Option<Sp<i64>>,
    pub(crate) monitor: Option<Sp<String>>,
    pub(crate) servers: Vec<DraftServer>,
    /// How many `[[server]]` entries the file has (only the first
    /// [`MAX_SERVERS`](crate::validate::MAX_SERVERS) + 1 are read).
    pub(crate) server_count: usize,
    pub(crate) servers_span: Option<Range<usize>>,
}

const TOP_KEYS: &[&str] = &["farm", "bigip", "server"];
const FARM_KEYS: &[&str] = &["name", "internal_prefix", "windows7_clients"];
const BIGIP_KEYS: &[&str] = &["partition", "vlans", "route_domain", "monitor"];
const SERVER_KEYS: &[&str] = &[
    "name",
    "address",
    "client_prefix",
    "entry_point",
    "teredo",
    "teredo_ipv4",
    "teredo_prefix",
    "vpn_prefix",
];

/// Walks the document tree into a [`Draft`], reporting every unknown key, missing
/// key and wrong type (MO002) and a farm without servers (MO003).
pub(crate) fn extract(root: &Node, diags: &mut Sink) -> Draft {
    Extractor { diags }.draft(root)
}

struct Extractor<'d> {
    diags: &'d mut Sink,
}

impl Extractor<'_> {
    fn push(&mut self, d: Diagnostic, span: Option<&Range<usize>>) {
        self.diags.push(d.at(span));
    }

    fn draft(&mut self, root: &Node) -> Draft {
        let mut draft = Draft::default();
        let Some(entries) = self.table(root, "the farm file", None, "") else {
            return draft;
        };
        let mut saw_servers = false;
        for e in entries {
            match e.key.as_str() {
                "farm" => {
                    for f in self
                        .table(&e.value, "[farm]", None, "farm")
                        .unwrap_or_default()
                    {
                        let field = format!("farm.{}", f.key);
                        match f.key.as_str() {
                            "name" => draft.name = self.string(&f.value, &field, None),
                            "internal_prefix" => {
                                draft.internal_prefix = self.string(&f.value, &field, None);
                            }
                            "windows7_clients" => {
                                draft.windows7_clients = self.boolean(&f.value, &field, None);
                            }
                            _ => {
                                self.unknown(f, "[farm]", FARM_KEYS, &field, None);
                            }
                        }
                    }
                }
                "bigip" => {
                    for f in self
                        .table(&e.value, "[bigip]", None, "bigip")
                        .unwrap_or_default()
                    {
                        let field = format!("bigip.{}", f.key);
                        match f.key.as_str() {
                            "partition" => draft.partition = self.string(&f.value, &field, None),
                            "monitor" => draft.monitor = self.string(&f.value, &field, None),
                            "route_domain" => {
                                draft.route_domain = self.integer(&f.value, &field, None);
                            }
                            "vlans" => draft.vlans = self.string_array(&f.value, &field),
                            _ => {
                                self.unknown(f, "[bigip]", BIGIP_KEYS, &field, None);
                            }
                        }
                    }
                }
                "server" => {
                    saw_servers = true;
                    draft.servers_span = e.key_span.clone();
                    match &e.value.kind {
                        Kind::Array(items) => {
                            // past the limit the farm is refused (MO005): the
                            // rest is not read
                            draft.server_count = items.len();
                            let max = crate::validate::MAX_SERVERS;
                            if items.len() > max {
                                let d = Diagnostic::error(Code::MO005,
                                    format!(
                                        "the farm lists {} servers; at most {max} are accepted",
                                        items.len()
                                    ),
                                )
                                .with_field("server")
                                .with_help("list one entry per DA server or load-balanced node; only the first servers are checked");
                                self.push(d, e.key_span.as_ref());
                            }
                            for item in items.iter().take(max) {
                                draft.servers.push(self.server(item));
                            }
                        }
                        other => {
                            let d = Diagnostic::error(Code::MO002,
                                format!(
                                    "`server` must be an array of tables, found {}",
                                    other.type_name()
                                ),
                            )
                            .with_field("server")
                            .with_help(
                                "write each server as a `[[server]]` table (in JSON: \"server\": [{...}, ...])",
                            );
                            self.push(d, e.value.span.as_ref());
                        }
                    }
                }
                _ => {
                    self.unknown(e, "the farm file", TOP_KEYS, &e.key, None);
                }
            }
        }
        let server_key_wrong = self
            .diags
            .iter()
            .any(|d| d.code == "MO002" && d.field.as_deref() == Some("server"));
        if draft.server_count == 0 && !server_key_wrong {
            let d = Diagnostic::error(Code::MO003, "the farm has no servers").with_help(
                "add one `[[server]]` table per DA server (or per load-balanced entry point) with name, address and client_prefix",
            );
            // point at the `server` key, or at the start of a file without one
            let span = if saw_servers {
                draft.servers_span.clone()
            } else {
                root.span.as_ref().map(|_| 0..0)
            };
            self.push(d, span.as_ref());
        }
        draft
    }

    fn server(&mut self, node: &Node) -> DraftServer {
        let mut s = DraftServer::default();
        let Some(entries) = self.table(node, "a [[server]] entry", None, "server") else {
            return s;
        };
        // the name first, so that every other diagnostic can name the server
        if let Some(e) = entries.iter().find(|e| e.key == "name") {
            s.name = self.string(&e.value, "name", None);
        }
        let name = s.name.as_ref().map(|n| n.value.clone());
        let name = name.as_deref();
        let mut suggested: Vec<&str> = Vec::new();
        for e in entries {
            let f = e.key.as_str();
            match f {
                "name" => {}
                "address" => s.address = self.string(&e.value, f, name),
                "client_prefix" => s.client_prefix = self.string(&e.value, f, name),
                "entry_point" => s.entry_point = self.string(&e.value, f, name),
                "teredo" => s.teredo = self.boolean(&e.value, f, name),
                "teredo_ipv4" => s.teredo_ipv4 = self.string(&e.value, f, name),
                "teredo_prefix" => s.teredo_prefix = self.string(&e.value, f, name),
                "vpn_prefix" => s.vpn_prefix = self.string(&e.value, f, name),
                _ => {
                    if let Some(k) = self.unknown(e, "[[server]]", SERVER_KEYS, f, name) {
                        suggested.push(k);
                    }
                }
            }
        }
        for (key, present, example) in [
            ("name", s.name.is_some(), "name = \"DA1\""),
            ("address", s.address.is_some(), "address = \"2131::101\""),
            (
                "client_prefix",
                s.client_prefix.is_some(),
                "client_prefix = \"2131:0:0:1000::/59\"",
            ),
        ] {
            // a misspelt key already says what is missing
            let given = entries.iter().any(|e| e.key == key) || suggested.contains(&key);
            if !present && !given {
                let d = Diagnostic::error(Code::MO002,
                    format!("server is missing the required key `{key}`"),
                )
                .with_server(name)
                .with_field(key)
                .with_help(format!(
                    "add `{example}` to this [[server]] table (client_prefix is `Get-DAServer | ft ClientIPv6Prefix`)"
                ));
                self.push(d, node.span.as_ref());
            }
        }
        s
    }

    fn table<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        server: Option<&str>,
        field: &str,
    ) -> Option<&'n [Entry]> {
        match &node.kind {
            Kind::Table(entries) => Some(entries),
            other => {
                let mut d = Diagnostic::error(
                    Code::MO002,
                    format!("{what} must be a table, found {}", other.type_name()),
                )
                .with_server(server)
                .with_help("see the farm file reference in the README");
                if !field.is_empty() {
                    d = d.with_field(field);
                }
                self.push(d, node.span.as_ref());
                None
            }
        }
    }

    fn wrong_type_help(field: &str) -> &str {
        field.rsplit('.').next().unwrap_or(field)
    }

    fn wrong_type(
        &mut self,
        node: &Node,
        field: &str,
        server: Option<&str>,
        expected: &str,
        help: String,
    ) {
        let d = Diagnostic::error(
            Code::MO002,
            format!(
                "`{field}` must be {expected}, found {}",
                node.kind.type_name()
            ),
        )
        .with_server(server)
        .with_field(field)
        .with_help(help);
        self.push(d, node.span.as_ref());
    }

    fn string(&mut self, node: &Node, field: &str, server: Option<&str>) -> Option<Sp<String>> {
        let key = Self::wrong_type_help(field);
        match &node.kind {
            Kind::Str(s) => Some(Sp {
                value: s.clone(),
                span: node.span.clone(),
            }),
            _ => {
                let shown = match &node.kind {
                    Kind::Int(i) => format!("{key} = \"{i}\""),
                    Kind::Number(n) => format!("{key} = \"{n}\""),
                    _ => format!("{key} = \"...\""),
                };
                self.wrong_type(
                    node,
                    field,
                    server,
                    "a string",
                    format!("quote the value: `{shown}`"),
                );
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, field: &str, server: Option<&str>) -> Option<Sp<bool>> {
        let key = Self::wrong_type_help(field);
        match &node.kind {
            Kind::Bool(b) => Some(Sp {
                value: *b,
                span: node.span.clone(),
            }),
            _ => {
                self.wrong_type(
                    node,
                    field,
                    server,
                    "a boolean",
                    format!("write `{key} = true` or `{key} = false` (without quotes)"),
                );
                None
            }
        }
    }

    fn integer(&mut self, node: &Node, field: &str, server: Option<&str>) -> Option<Sp<i64>> {
        let key = Self::wrong_type_help(field);
        match &node.kind {
            Kind::Int(i) => Some(Sp {
                value: *i,
                span: node.span.clone(),
            }),
            _ => {
                self.wrong_type(
                    node,
                    field,
                    server,
                    "an integer",
                    format!("write a whole number without quotes, such as `{key} = 2`"),
                );
                None
            }
        }
    }

    fn string_array(&mut self, node: &Node, field: &str) -> Option<Sp<Vec<Sp<String>>>> {
        let key = Self::wrong_type_help(field);
        let Kind::Array(items) = &node.kind else {
            self.wrong_type(
                node,
                field,
                None,
                "an array of strings",
                format!("write `{key} = [\"internal\"]`"),
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(self.string(item, field, None)?);
        }
        Some(Sp {
            value: out,
            span: node.span.clone(),
        })
    }

    /// MO002 for an unknown key; returns the known key it is a likely typo of.
    fn unknown(
        &mut self,
        e: &Entry,
        within: &str,
        known: &[&'static str],
        field: &str,
        server: Option<&str>,
    ) -> Option<&'static str> {
        let suggestion = known
            .iter()
            .map(|k| (strsim::damerau_levenshtein(k, &e.key), *k))
            .filter(|(dist, k)| *dist <= 2.max(k.len() / 3))
            .min_by_key(|(dist, _)| *dist)
            .map(|(_, k)| k);
        let help = match suggestion {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!(
                "the keys allowed in {within} are: {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let d = Diagnostic::error(Code::MO002, format!("unknown key `{}` in {within}", e.key))
            .with_server(server)
            .with_field(field)
            .with_help(help);
        self.push(d, e.key_span.as_ref().or(e.value.span.as_ref()));
        suggestion
    }
}

/// A farm read from text, with every diagnostic found.
///
/// `farm` is present when every value could be read, even if checks then found
/// errors (host bits, overlaps): use [`into_farm`](Self::into_farm) or
/// [`table`](Self::table), which refuse a farm with errors.
///
/// ```
/// let report = manageout::Farm::from_toml_str("[[server]]\nname = \"DA1\"\n", "farm.toml");
/// assert!(report.has_errors());
/// assert_eq!(report.diagnostics[0].code, "MO002"); // address and client_prefix missing
/// ```
#[derive(Clone, Debug)]
pub struct FarmReport {
    /// The farm, when all of its values could be read.
    pub farm: Option<crate::Farm>,
    /// The problems found, in file order: the first
    /// [`MAX_DIAGNOSTICS`](crate::diagnostic::MAX_DIAGNOSTICS).
    pub diagnostics: Vec<Diagnostic>,
    /// The problems found past those, counted.
    pub omitted: Omitted,
    /// The text the diagnostics point into, when the farm came from text.
    pub source: Option<Source>,
}

impl FarmReport {
    /// The phase of the first error found (`Syntax` or `Schema` when the file
    /// could not be read as a farm at all), or `None` without errors.
    ///
    /// ```
    /// use manageout::diagnostic::Phase;
    /// let r = manageout::Farm::from_toml_str("[[server]\n", "f.toml");
    /// assert_eq!(r.first_error_phase(), Some(Phase::Syntax));
    /// ```
    pub fn first_error_phase(&self) -> Option<crate::diagnostic::Phase> {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.phase())
            .min()
    }

    /// Whether any diagnostic, listed or omitted, is an error.
    pub fn has_errors(&self) -> bool {
        self.omitted.errors > 0 || self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The farm, or [`Error::InvalidFarm`](crate::Error::InvalidFarm) with the
    /// diagnostics when it has errors.
    pub fn into_farm(self) -> Result<crate::Farm, crate::Error> {
        match self.farm {
            Some(farm) if !self.has_errors() => Ok(farm),
            _ => Err(crate::Error::InvalidFarm {
                diagnostics: self.diagnostics,
            }),
        }
    }

    /// The lookup table, or [`Error::InvalidFarm`](crate::Error::InvalidFarm).
    pub fn table(&self) -> Result<crate::Table, crate::Error> {
        match &self.farm {
            Some(farm) if !self.has_errors() => crate::Table::new(farm),
            _ => Err(crate::Error::InvalidFarm {
                diagnostics: self.diagnostics.clone(),
            }),
        }
    }

    /// The diagnostics rendered like rustc, with the summary line; `color` for
    /// terminals only.
    pub fn render(&self, color: bool) -> String {
        crate::diagnostic::render_text_sources(
            &self.diagnostics,
            self.omitted,
            self.source.as_slice(),
            color,
        )
    }

    /// The JSON form of `manageout check --format json`
    /// ([`diagnostic::to_json`](crate::diagnostic::to_json)).
    pub fn to_json(&self) -> serde_json::Value {
        crate::diagnostic::to_json(&self.diagnostics, self.omitted)
    }
}

fn report_from_text(text: String, name: &str, format: Option<Format>) -> FarmReport {
    let format = format.unwrap_or_else(|| Format::detect(name, &text));
    let mut sink = Sink::new();
    let farm = match parse(&text, format) {
        Ok(root) => {
            let draft = extract(&root, &mut sink);
            drop(root);
            crate::validate::validate(&draft, &mut sink)
        }
        Err(d) => {
            sink.push(d);
            None
        }
    };
    let (mut diagnostics, omitted) = sink.finish();
    Locator::new(name, &text).resolve(&mut diagnostics);
    FarmReport {
        farm,
        diagnostics,
        omitted,
        source: Some(Source {
            name: name.to_owned(),
            text,
        }),
    }
}

impl crate::Farm {
    /// Reads and checks a farm file (TOML, or JSON when it ends in `.json` or starts
    /// with `{`). Fails only when the file cannot be read ([`Error::Io`](crate::Error::Io));
    /// everything else, including files that are not text or too large, is a
    /// diagnostic in the report.
    pub fn from_file(path: impl AsRef<Path>) -> Result<FarmReport, crate::Error> {
        let path = path.as_ref();
        let bytes = read_input(path).map_err(|source| crate::Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self::from_bytes(&bytes, &path.display().to_string()))
    }

    /// Checks farm file bytes; `name` is shown in diagnostics and picks the format.
    pub fn from_bytes(bytes: &[u8], name: &str) -> FarmReport {
        match decode(bytes) {
            Ok(text) => report_from_text(text, name, None),
            Err(mut d) => {
                d = d.at(Some(&(0..0)));
                Locator::new(name, "").resolve(std::slice::from_mut(&mut d));
                FarmReport {
                    farm: None,
                    diagnostics: vec![d],
                    omitted: Omitted::default(),
                    source: None,
                }
            }
        }
    }

    /// Checks farm text in TOML; `name` is shown in diagnostics.
    pub fn from_toml_str(text: &str, name: &str) -> FarmReport {
        report_from_text(text.to_owned(), name, Some(Format::Toml))
    }

    /// Checks farm text in JSON; `name` is shown in diagnostics.
    pub fn from_json_str(text: &str, name: &str) -> FarmReport {
        report_from_text(text.to_owned(), name, Some(Format::Json))
    }

    /// Checks a farm given as a JSON value (the same structure as the file), such as
    /// a binding builds from a dict; diagnostics carry no locations.
    pub fn from_json_value(value: &serde_json::Value) -> FarmReport {
        let mut sink = Sink::new();
        let draft = extract(&from_json_value(value), &mut sink);
        let farm = crate::validate::validate(&draft, &mut sink);
        let (mut diagnostics, omitted) = sink.finish();
        Locator::none().resolve(&mut diagnostics);
        FarmReport {
            farm,
            diagnostics,
            omitted,
            source: None,
        }
    }
}
