//! Importers: `Get-DAServer` / `Get-RemoteAccess` output, as PowerShell prints it,
//! into farm entries.
//!
//! Accepted, detected automatically: Format-List text (prompt lines, padded names,
//! trailing spaces, multi-line certificate blocks, empty values, `{a, b}` arrays, any
//! hex case), Format-Table text, and `ConvertTo-Json` (one object or an array, with
//! the properties at top level or under `ServerConfiguration`, CIM noise tolerated);
//! UTF-8 with or without BOM or UTF-16 with BOM, CRLF or LF line ends.
//!
//! The output lacks each server's own internal IPv6 address (the next hop), so a
//! farm is made from records plus one name/address pair per record
//! ([`farm_toml`]); the printed TOML is then checked like any farm file.

use std::fmt::Write as _;
use std::net::Ipv6Addr;

use serde_json::Value;

/// One DA server's (or entry point's) settings, as found in the output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// `ClientIPv6Prefix`, lower-cased as written.
    pub client_prefix: String,
    /// `TeredoState`: `Some(true)` for `Enabled`.
    pub teredo: Option<bool>,
    /// `InternalIPv6Prefix` (an array in the CIM class).
    pub internal_prefixes: Vec<String>,
    /// `IPv6Prefix` of `Get-RemoteAccess`: the VPN clients' prefix.
    pub vpn_prefix: Option<String>,
    /// `EntrypointName`.
    pub entry_point: Option<String>,
    /// `PSComputerName` (from `Invoke-Command`) or `ComputerName`.
    pub computer_name: Option<String>,
}

/// Why an input could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The input is not text.
    #[error("{file}: {reason}")]
    NotText {
        /// The input's name.
        file: String,
        /// Why.
        reason: String,
    },
    /// The input holds no `Get-DAServer` / `Get-RemoteAccess` record.
    #[error(
        "{file}: not Get-DAServer or Get-RemoteAccess output: {found}; expected Format-List, Format-Table or ConvertTo-Json output with a ClientIPv6Prefix property (run `Get-DAServer` or `Get-RemoteAccess` on each DA server)"
    )]
    NotDaOutput {
        /// The input's name.
        file: String,
        /// What was found instead.
        found: String,
    },
    /// A line of Format-List / Format-Table output is longer than [`MAX_LINE_LEN`].
    #[error(
        "{file}:{line}: a line of {len} bytes, longer than the {max} bytes accepted; PowerShell list and table output has lines of a few hundred bytes: check that the right file was given (ConvertTo-Json output has no such limit)"
    )]
    LineTooLong {
        /// The input's name.
        file: String,
        /// The 1-based line number.
        line: usize,
        /// Its length in bytes.
        len: usize,
        /// The limit, [`MAX_LINE_LEN`].
        max: usize,
    },
    /// The number of name/address pairs differs from the number of records.
    #[error(
        "{records} record(s) imported but {pairs} --address given; record {unpaired} (ClientIPv6Prefix {prefix}) has no matching pair: give one --address (and optionally --name) per record, in input order"
    )]
    Unpaired {
        /// Records found.
        records: usize,
        /// Pairs given.
        pairs: usize,
        /// The 1-based number of the first record without a pair (or the first extra pair).
        unpaired: usize,
        /// That record's prefix, or `-` for an extra pair.
        prefix: String,
    },
}

/// The longest line accepted in Format-List / Format-Table output (64 KiB). The
/// input as a whole is limited like a farm file, to
/// [`MAX_FILE_SIZE`](crate::config::MAX_FILE_SIZE).
pub const MAX_LINE_LEN: usize = 64 * 1024;

/// Reads the records of one input (bytes as saved by PowerShell); `file` names it
/// in errors.
///
/// ```
/// let text = "PS C:\\>Get-DAServer\r\nClientIPv6Prefix : 2131:0:0:1000::/59 \r\nTeredoState      : Disabled \r\n";
/// let records = manageout::import::parse(text.as_bytes(), "da1.txt")?;
/// assert_eq!(records[0].client_prefix, "2131:0:0:1000::/59");
/// assert_eq!(records[0].teredo, Some(false));
/// # Ok::<(), manageout::import::ImportError>(())
/// ```
pub fn parse(bytes: &[u8], file: &str) -> Result<Vec<Record>, ImportError> {
    let text = crate::config::decode(bytes).map_err(|d| ImportError::NotText {
        file: file.to_owned(),
        reason: d.message,
    })?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return parse_json(trimmed, file);
    }
    if let Some((n, line)) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.len() > MAX_LINE_LEN)
    {
        return Err(ImportError::LineTooLong {
            file: file.to_owned(),
            line: n + 1,
            len: line.len(),
            max: MAX_LINE_LEN,
        });
    }
    let (mut records, mut found) = parse_list(&text);
    let (table_records, table_found) = parse_tables(&text);
    records.extend(table_records);
    found.extend(table_found);
    if records.is_empty() {
        let found = if found.is_empty() {
            "no PowerShell Format-List or Format-Table output found".to_owned()
        } else {
            found.join("; ")
        };
        return Err(ImportError::NotDaOutput {
            file: file.to_owned(),
            found,
        });
    }
    Ok(records)
}

/// Builds a record from `(property, value)` pairs, if they hold a ClientIPv6Prefix.
fn record_of<'a>(props: impl Iterator<Item = (&'a str, Vec<String>)>) -> Option<Record> {
    let mut r = Record::default();
    let mut has_prefix = false;
    for (key, values) in props {
        let first = values.first().cloned().filter(|v| !v.is_empty());
        match key.to_ascii_lowercase().as_str() {
            "clientipv6prefix" => {
                if let Some(v) = first {
                    r.client_prefix = v.to_ascii_lowercase();
                    has_prefix = true;
                }
            }
            "teredostate" => {
                r.teredo = first.map(|v| v.eq_ignore_ascii_case("enabled") || v == "1");
            }
            "internalipv6prefix" => {
                r.internal_prefixes = values
                    .iter()
                    .filter(|v| !v.is_empty())
                    .map(|v| v.to_ascii_lowercase())
                    .collect();
            }
            "ipv6prefix" => r.vpn_prefix = first.map(|v| v.to_ascii_lowercase()),
            "entrypointname" => r.entry_point = first,
            "pscomputername" | "computername" => r.computer_name = first,
            _ => {}
        }
    }
    has_prefix.then_some(r)
}

/// `{a, b}` → `[a, b]`; anything else → `[value]`.
fn list_value(v: &str) -> Vec<String> {
    let v = v.trim();
    match v.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
        Some(inner) => inner
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        None => vec![v.to_owned()],
    }
}

/// A Format-List property line: `Name<padding> : value` (value may be empty).
fn list_property(line: &str) -> Option<(&str, &str)> {
    let (key, rest) = line.split_once(':')?;
    let name = key.trim_end();
    let ok = !name.is_empty()
        && name.len() < key.len() // padded: at least one space before the colon
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok || !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((name, rest.trim()))
}

fn parse_list(text: &str) -> (Vec<Record>, Vec<String>) {
    let mut groups: Vec<Vec<(String, String)>> = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("PS ") && line.contains('>') {
            continue;
        }
        if let Some((name, value)) = list_property(line) {
            // a property seen again starts the next object
            if current.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
                groups.push(std::mem::take(&mut current));
            }
            current.push((name.to_owned(), value.to_owned()));
        }
    }
    groups.push(current);
    let mut records = Vec::new();
    let mut found = Vec::new();
    for g in groups.into_iter().filter(|g| !g.is_empty()) {
        match record_of(g.iter().map(|(k, v)| (k.as_str(), list_value(v)))) {
            Some(r) => records.push(r),
            None => found.push(format!(
                "Format-List output with {} ({}) but no ClientIPv6Prefix",
                g.iter()
                    .take(4)
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                describe(&g.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>()),
            )),
        }
    }
    (records, found)
}

/// Names the cmdlet a set of property names most likely came from.
fn describe(keys: &[&str]) -> &'static str {
    let has = |k: &str| keys.iter().any(|x| x.eq_ignore_ascii_case(k));
    if has("EntryPointName") && has("GslbIp") {
        "a Get-DAEntryPoint listing, which does not carry the prefix: run `Get-DAServer -EntrypointName <name>`"
    } else if has("DAEntryPoints") || has("EnterpriseName") {
        "a Get-DAMultiSite listing: run `Get-DAServer -EntrypointName <name>` per entry point"
    } else if has("SecurityGroupNameList") || has("ForceTunnelingStatus") {
        "a Get-DAClient listing (client settings, not the server's prefix)"
    } else if has("NlbNodeStatus")
        || has("InternalVirtualIPAddress")
        || has("ThirdPartyLoadBalancer")
    {
        "a Get-RemoteAccessLoadBalancer listing"
    } else if has("ClientIPAddress") || has("TunnelType") {
        "Get-RemoteAccessConnectionStatistics output (connected clients, not the server's prefix)"
    } else {
        "other PowerShell output"
    }
}

fn parse_tables(text: &str) -> (Vec<Record>, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut records = Vec::new();
    let mut found = Vec::new();
    for i in 1..lines.len() {
        let dashes = lines[i].trim_end();
        let is_rule = !dashes.is_empty()
            && dashes.starts_with('-')
            && dashes.chars().all(|c| c == '-' || c == ' ');
        if !is_rule {
            continue;
        }
        // column starts and ends from the dash groups
        let mut cols: Vec<(usize, usize)> = Vec::new();
        let bytes = dashes.as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            if bytes[j] == b'-' {
                let start = j;
                while j < bytes.len() && bytes[j] == b'-' {
                    j += 1;
                }
                cols.push((start, j));
            } else {
                j += 1;
            }
        }
        let header = lines[i - 1];
        let cell = |line: &str, k: usize| -> String {
            let start = cols[k].0;
            let end = cols.get(k + 1).map_or(line.len(), |c| c.0);
            line.get(start.min(line.len())..end.min(line.len()))
                .or_else(|| line.get(start.min(line.len())..))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let names: Vec<String> = (0..cols.len()).map(|k| cell(header, k)).collect();
        let mut any = false;
        for row in lines[i + 1..].iter().take_while(|l| !l.trim().is_empty()) {
            if row.trim_start().starts_with("PS ") {
                break;
            }
            let props: Vec<(&str, Vec<String>)> = names
                .iter()
                .enumerate()
                .map(|(k, n)| (n.as_str(), list_value(&cell(row, k))))
                .collect();
            if let Some(r) = record_of(props.into_iter()) {
                records.push(r);
                any = true;
            }
        }
        if !any {
            let keys: Vec<&str> = names.iter().map(String::as_str).collect();
            found.push(format!(
                "a Format-Table with columns {} ({})",
                names.join(", "),
                describe(&keys)
            ));
        }
    }
    (records, found)
}

/// Looks a property up without case, at top level, under `ServerConfiguration`, or
/// in a CIM `CimInstanceProperties` array of `{Name, Value}`.
fn json_property<'v>(obj: &'v serde_json::Map<String, Value>, name: &str) -> Option<&'v Value> {
    let direct = |o: &'v serde_json::Map<String, Value>| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    };
    direct(obj)
        .or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("ServerConfiguration"))
                .and_then(|(_, v)| v.as_object())
                .and_then(|o| json_property(o, name))
        })
        .or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("CimInstanceProperties"))
                .and_then(|(_, v)| v.as_array())
                .and_then(|props| {
                    props.iter().filter_map(Value::as_object).find(|p| {
                        p.get("Name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case(name))
                    })
                })
                .and_then(|p| p.get("Value"))
                .filter(|v| !v.is_null())
        })
}

fn json_strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => list_value(s),
        Value::Array(a) => a.iter().flat_map(json_strings).collect(),
        Value::Bool(b) => vec![b.to_string()],
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

fn parse_json(text: &str, file: &str) -> Result<Vec<Record>, ImportError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ImportError::NotDaOutput {
        file: file.to_owned(),
        found: format!("text that starts like JSON but is not valid JSON ({e})"),
    })?;
    let objects: Vec<&serde_json::Map<String, Value>> = match &value {
        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
        Value::Object(o) => vec![o],
        _ => Vec::new(),
    };
    let mut records = Vec::new();
    for o in &objects {
        let props = [
            "ClientIPv6Prefix",
            "TeredoState",
            "InternalIPv6Prefix",
            "IPv6Prefix",
            "EntrypointName",
            "PSComputerName",
        ];
        let pairs: Vec<(&str, Vec<String>)> = props
            .iter()
            .filter_map(|p| json_property(o, p).map(|v| (*p, json_strings(v))))
            .collect();
        if let Some(mut r) = record_of(pairs.into_iter()) {
            // TeredoState may come as the enum's number: 0 disabled, 1 enabled
            if let Some(Value::Number(n)) = json_property(o, "TeredoState") {
                r.teredo = Some(n.as_i64() == Some(1));
            }
            records.push(r);
        }
    }
    if records.is_empty() {
        let keys: Vec<&str> = objects
            .first()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        return Err(ImportError::NotDaOutput {
            file: file.to_owned(),
            found: format!(
                "JSON with {} object(s) and no ClientIPv6Prefix (first object's keys: {}); if it came from Get-DAServer, use `ConvertTo-Json -Depth 4` so ServerConfiguration is not truncated",
                objects.len(),
                if keys.is_empty() {
                    "none".to_owned()
                } else {
                    keys.join(", ")
                }
            ),
        });
    }
    Ok(records)
}

/// The name and corporate IPv6 address of one imported server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    /// The name; `None` takes the record's computer name, or `DA<n>`.
    pub name: Option<String>,
    /// The server's corporate-facing IPv6 address (or the entry point's internal VIP).
    pub address: Ipv6Addr,
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A farm file made by [`farm_toml`], with the notes about what was changed on
/// the way (names from the records that break the name rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The farm file, TOML.
    pub toml: String,
    /// What the import changed, one sentence each (for stderr).
    pub notes: Vec<String>,
}

/// Text for a TOML comment: no line break or control character can end the
/// comment early, whatever an input held.
fn toml_comment(text: &str) -> String {
    crate::diagnostic::shown(text).replace(['\n', '\r'], " ")
}

/// A name taken from a record (a computer or entry-point name from a remote
/// machine): kept when it follows the name rule, else the nearest valid name, with
/// a note saying so.
fn record_name(
    value: &str,
    what: &str,
    record: usize,
    notes: &mut Vec<String>,
    fix: &str,
) -> String {
    if crate::names::check(value).is_ok() {
        return value.to_owned();
    }
    let near = crate::names::nearest_valid(value);
    notes.push(format!(
        "record {record}: {what} `{}` is not a valid name (letters, digits, `.`, `_`, `-`, at most {}); `{near}` is used instead{fix}",
        crate::diagnostic::shown(value),
        crate::names::MAX_NAME_LEN
    ));
    near
}

/// A complete farm file (TOML) from records and one [`Pair`] per record, in order;
/// check it with [`Farm::from_toml_str`](crate::Farm::from_toml_str). When the
/// records disagree on the internal prefix, the first is used and a comment says so.
/// Names taken from the records (`PSComputerName`, `EntrypointName`) come from
/// remote machines: one that breaks the name rule is replaced by the nearest valid
/// name, and a note says so.
///
/// ```
/// use manageout::import::{farm_toml, parse, Pair};
/// let records = parse(b"ClientIPv6Prefix : 2131:0:0:1000::/59\nTeredoState      : Disabled\n", "da1.txt")?;
/// let imported = farm_toml(&records, &[Pair { name: Some("DA1".into()), address: "2131::101".parse().unwrap() }], &["da1.txt"])?;
/// let report = manageout::Farm::from_toml_str(&imported.toml, "imported.toml");
/// assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
/// assert!(imported.notes.is_empty());
/// # Ok::<(), manageout::import::ImportError>(())
/// ```
pub fn farm_toml(
    records: &[Record],
    pairs: &[Pair],
    sources: &[&str],
) -> Result<Imported, ImportError> {
    if records.len() != pairs.len() {
        let unpaired = records.len().min(pairs.len());
        return Err(ImportError::Unpaired {
            records: records.len(),
            pairs: pairs.len(),
            unpaired: unpaired + 1,
            prefix: records.get(unpaired).map_or_else(
                || "-".to_owned(),
                |r| crate::diagnostic::shown(&r.client_prefix),
            ),
        });
    }
    let mut notes = Vec::new();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# farm imported by manageout from {} ({} record(s)); check it with `manageout check`",
        toml_comment(&sources.join(", ")),
        records.len()
    );
    let internals: Vec<&String> = records
        .iter()
        .filter_map(|r| r.internal_prefixes.first())
        .collect();
    if let Some(first) = internals.first() {
        s.push_str("\n[farm]\n");
        if internals.iter().any(|p| p != first) {
            let _ = writeln!(
                s,
                "# warning: the records disagree on InternalIPv6Prefix ({}); the first is used",
                toml_comment(
                    &internals
                        .iter()
                        .map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            );
        }
        let _ = writeln!(s, "internal_prefix = {}", toml_string(first));
    }
    for (i, (r, p)) in records.iter().zip(pairs).enumerate() {
        let name = match (&p.name, &r.computer_name) {
            (Some(n), _) => n.clone(),
            (None, Some(c)) => record_name(
                c,
                "PSComputerName",
                i + 1,
                &mut notes,
                " (give --name to choose one)",
            ),
            (None, None) => format!("DA{}", i + 1),
        };
        s.push_str("\n[[server]]\n");
        let _ = writeln!(s, "name = {}", toml_string(&name));
        let _ = writeln!(s, "address = {}", toml_string(&p.address.to_string()));
        let _ = writeln!(s, "client_prefix = {}", toml_string(&r.client_prefix));
        if let Some(ep) = &r.entry_point {
            let ep = record_name(ep, "EntrypointName", i + 1, &mut notes, "");
            let _ = writeln!(s, "entry_point = {}", toml_string(&ep));
        }
        if let Some(t) = r.teredo {
            let _ = writeln!(s, "teredo = {t}");
        }
        if let Some(v) = &r.vpn_prefix {
            let _ = writeln!(s, "vpn_prefix = {}", toml_string(v));
        }
    }
    Ok(Imported { toml: s, notes })
}
