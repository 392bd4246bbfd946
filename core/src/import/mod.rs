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
//! ([`pair`]): structured farm data, written out as TOML by
//! [`ImportedFarm::to_toml`] and checked like any farm file.
//!
//! Modules: `text` reads Format-List and Format-Table output, `json`
//! `ConvertTo-Json` output, `farm` pairs records with names and addresses.
//!
//! Owns: reading PowerShell output and pairing records into farm data. May not:
//! trust a name it reads (each goes through [`names`](crate::names)), or validate
//! the farm itself (the result is checked like any farm file).

mod farm;
mod json;
mod text;

pub use farm::{ImportedFarm, ImportedServer, Pair, pair};

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
/// [`MAX_FILE_SIZE`](crate::load::MAX_FILE_SIZE).
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
    let text = crate::load::decode(bytes).map_err(|d| ImportError::NotText {
        file: file.to_owned(),
        reason: d.message,
    })?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return json::parse(trimmed, file);
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
    let (mut records, mut found) = text::parse_list(&text);
    let (table_records, table_found) = text::parse_tables(&text);
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
pub(crate) fn record_of<'a>(props: impl Iterator<Item = (&'a str, Vec<String>)>) -> Option<Record> {
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
pub(crate) fn list_value(v: &str) -> Vec<String> {
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

/// Names the cmdlet a set of property names most likely came from.
pub(crate) fn describe(keys: &[&str]) -> &'static str {
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
