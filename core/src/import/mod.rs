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
//! A load-balanced cluster is imported from each node's Get-DAServer output
//! followed by its route listing (`Get-NetRoute -AddressFamily IPv6` or `netsh
//! interface ipv6 show route`, where the node's own /64 is the route it publishes
//! on its IP-HTTPS interface) and, optionally, `Get-RemoteAccessLoadBalancer`
//! output (the load balancer and the VIP): [`read`] tells the inputs apart,
//! [`assemble`] pairs them (see `cluster` for the rule).
//!
//! Modules: `text` reads Format-List and Format-Table output, `json`
//! `ConvertTo-Json` output, `routes` route listings, `balancer`
//! Get-RemoteAccessLoadBalancer output, `farm` pairs records with names and
//! addresses, `cluster` makes load-balanced entry points of them.
//!
//! Owns: reading PowerShell output and pairing records into farm data. May not:
//! trust a name it reads (each goes through [`names`](crate::names)), or validate
//! the farm itself (the result is checked like any farm file).

mod balancer;
mod cluster;
mod farm;
mod json;
mod routes;
mod text;

pub use balancer::Balancer;
pub use cluster::assemble;
pub use farm::{ImportedEntryPoint, ImportedFarm, ImportedServer, Pair, pair};
pub use routes::{NodePrefixProblem, Route, is_iphttps, node_prefix};

/// One input of `manageout import`, told apart by its content ([`read`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input {
    /// Get-DAServer / Get-RemoteAccess output: one record per server.
    Servers(Vec<Record>),
    /// A node's route listing (Get-NetRoute or `netsh interface ipv6 show route`).
    Routes(Vec<Route>),
    /// Get-RemoteAccessLoadBalancer output.
    Balancer(Balancer),
}

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
    /// A route listing or load balancer output with no Get-DAServer output before it.
    #[error(
        "{file}: a {what} given before any Get-DAServer output: it belongs to the Get-DAServer output just before it on the command line (`manageout import node1.txt node1-routes.txt node2.txt node2-routes.txt ...`)"
    )]
    Unattached {
        /// The input's name.
        file: String,
        /// What it is.
        what: &'static str,
    },
    /// A route listing's computer name differs from its Get-DAServer output's.
    #[error(
        "{file} is the route listing of {computer}, but the Get-DAServer output before it ({server_file}) is {server_computer}'s: give each node's listing right after its own Get-DAServer output"
    )]
    ComputerMismatch {
        /// The listing's name.
        file: String,
        /// The computer name(s) it carries.
        computer: String,
        /// The Get-DAServer output's name.
        server_file: String,
        /// Its computer name.
        server_computer: String,
    },
    /// A listing after a Get-DAServer output of several records names no record.
    #[error(
        "{file}: routes of {} cannot be matched to one of the {records} records of {server_file}: with a Get-DAServer output of several nodes, the routes must carry PSComputerName (`Invoke-Command -ComputerName N1,N2 {{ Get-NetRoute -AddressFamily IPv6 }} | ConvertTo-Json`) naming those nodes, or give one Get-DAServer output and listing per node",
        computer.as_deref().map_or_else(|| "an unnamed computer".to_owned(), |c| format!("computer {}", crate::diagnostic::shown(c)))
    )]
    Unmatched {
        /// The listing's name.
        file: String,
        /// The computer name of the routes not matched.
        computer: Option<String>,
        /// The Get-DAServer output's name.
        server_file: String,
        /// How many records it holds.
        records: usize,
    },
    /// Two route listings for one record.
    #[error("record {record} has two route listings, {first} and {second}: give one per node")]
    TwoListings {
        /// The 1-based record.
        record: usize,
        /// The first listing.
        first: String,
        /// The second.
        second: String,
    },
    /// A node's /64 could not be taken from its listing.
    #[error("node {node} of {cluster} ({file}): {problem}")]
    NodePrefix {
        /// The node's name.
        node: String,
        /// The listing's name.
        file: String,
        /// The cluster's prefix.
        cluster: ipnet::Ipv6Net,
        /// What was seen.
        problem: NodePrefixProblem,
    },
    /// Get-RemoteAccessLoadBalancer output that shows no load balancing.
    #[error(
        "{file}: Get-RemoteAccessLoadBalancer shows no load balancing (ThirdPartyLoadBalancer Disabled and no NLB node): leave it out for a single server, or save it on a node of the cluster"
    )]
    NoLoadBalancing {
        /// The input's name.
        file: String,
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
    parse_text(&decode(bytes, file)?, file)
}

/// Bytes as saved (UTF-8, or UTF-16 with a BOM) to text.
fn decode(bytes: &[u8], file: &str) -> Result<String, ImportError> {
    crate::load::decode(bytes).map_err(|d| ImportError::NotText {
        file: file.to_owned(),
        reason: d.message,
    })
}

/// The records of decoded text ([`parse`]).
fn parse_text(text: &str, file: &str) -> Result<Vec<Record>, ImportError> {
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
    let (mut records, mut found) = text::parse_list(text);
    let (table_records, table_found) = text::parse_tables(text);
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

/// Reads one input of `manageout import` and tells what it is: Get-DAServer /
/// Get-RemoteAccess records, a node's route listing, or Get-RemoteAccessLoadBalancer
/// output. Anything else is refused as [`parse`] refuses it.
///
/// ```
/// use manageout::import::{read, Input};
/// let routes = b"DestinationPrefix : 2131:0:0:1001::/64\nInterfaceAlias    : IPHTTPSInterface\nPublish           : Yes\n";
/// assert!(matches!(read(routes, "n2-routes.txt")?, Input::Routes(r) if r[0].publish == Some(true)));
/// # Ok::<(), manageout::import::ImportError>(())
/// ```
pub fn read(bytes: &[u8], file: &str) -> Result<Input, ImportError> {
    read_text(&decode(bytes, file)?, file)
}

/// What decoded text is ([`read`]).
fn read_text(text: &str, file: &str) -> Result<Input, ImportError> {
    let refused = match parse_text(text, file) {
        Ok(records) => return Ok(Input::Servers(records)),
        Err(e @ ImportError::NotDaOutput { .. }) => e,
        Err(e) => return Err(e),
    };
    if let Some(routes) = routes::parse(text) {
        return Ok(Input::Routes(routes));
    }
    if let Some(b) = balancer::parse(text) {
        return Ok(Input::Balancer(b));
    }
    Err(refused)
}

/// Reads one input file that may hold several outputs one after the other (a
/// node's Get-DAServer output followed by its route listing and
/// Get-RemoteAccessLoadBalancer output, saved into one file): the inputs it
/// holds, in the order [`assemble`] pairs them.
///
/// ```
/// use manageout::import::{read_all, Input};
/// let both = "ClientIPv6Prefix : 2131:0:0:1000::/59\n\nDestinationPrefix : 2131:0:0:1001::/64\nInterfaceAlias    : IPHTTPSInterface\nPublish           : Yes\n";
/// let inputs = read_all(both.as_bytes(), "node2.txt")?;
/// assert!(matches!(&inputs[..], [Input::Servers(_), Input::Routes(_)]));
/// # Ok::<(), manageout::import::ImportError>(())
/// ```
pub fn read_all(bytes: &[u8], file: &str) -> Result<Vec<Input>, ImportError> {
    let text = decode(bytes, file)?;
    let first = read_text(&text, file)?;
    if !matches!(first, Input::Servers(_)) {
        return Ok(vec![first]);
    }
    let mut out = vec![first];
    if let Some(routes) = routes::parse(&text) {
        out.push(Input::Routes(routes));
    }
    if let Some(b) = balancer::parse(&text) {
        out.push(Input::Balancer(b));
    }
    Ok(out)
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
        "a Get-RemoteAccessLoadBalancer listing: `manageout import` takes it after a node's Get-DAServer output, for the load balancer and the VIP"
    } else if has("DestinationPrefix") || (has("Prefix") && has("Idx")) {
        "a route listing (Get-NetRoute or netsh): `manageout import` takes it after the node's Get-DAServer output, for the node's own /64"
    } else if has("ClientIPAddress") || has("TunnelType") {
        "Get-RemoteAccessConnectionStatistics output (connected clients, not the server's prefix)"
    } else {
        "other PowerShell output"
    }
}
