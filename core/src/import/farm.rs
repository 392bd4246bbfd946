//! Pairing records with the names and addresses the output lacks, into farm data:
//! [`ImportedFarm`], written out as TOML ([`ImportedFarm::to_toml`]) or as the
//! JSON value of the farm file's structure ([`ImportedFarm::to_value`], what the
//! bindings hand out). Names taken from the records come from remote machines and
//! go through the name rule.

use std::fmt::Write as _;
use std::net::Ipv6Addr;

use serde_json::{Map, Value, json};

use super::{ImportError, Record};
use crate::diagnostic::shown;
use crate::model::LoadBalancer;
use crate::names;

/// The name and corporate IPv6 address of one imported server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    /// The name; `None` takes the record's computer name, or `DA<n>`.
    pub name: Option<String>,
    /// The server's corporate-facing IPv6 address (or the entry point's internal
    /// VIP); `None` leaves it out (the farm then lacks it: MO002).
    pub address: Option<Ipv6Addr>,
}

/// One imported server, as the farm file will hold it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedServer {
    /// Its name (given, or taken from the record and made valid).
    pub name: String,
    /// Its address, when one was given.
    pub address: Option<Ipv6Addr>,
    /// `ClientIPv6Prefix` as written; for a node of a load-balanced entry point
    /// its own /64 from its route listing (`None` when no listing was given).
    pub client_prefix: Option<String>,
    /// `EntrypointName`, made valid.
    pub entry_point: Option<String>,
    /// `TeredoState`.
    pub teredo: Option<bool>,
    /// `IPv6Prefix` (VPN).
    pub vpn_prefix: Option<String>,
    /// Where a value came from other than its Get-DAServer record (a node's /64
    /// from its route listing), for a comment in the farm file.
    pub origin: Option<String>,
}

/// One load-balanced entry point, as the farm file's `[[entry_point]]` will hold it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedEntryPoint {
    /// Its name: the nodes' EntrypointName, else `Cluster<n>`.
    pub name: String,
    /// The prefix every node's Get-DAServer shows (the cluster's /59).
    pub client_prefix: String,
    /// The internal VIP, from Get-RemoteAccessLoadBalancer.
    pub vip: Option<Ipv6Addr>,
    /// The load balancer, from Get-RemoteAccessLoadBalancer (else external).
    pub load_balancer: Option<LoadBalancer>,
}

/// A farm made of imported records: check it like any farm
/// ([`Farm::from_json_value`](crate::Farm::from_json_value) of
/// [`to_value`](Self::to_value), or [`Farm::from_toml_str`](crate::Farm::from_toml_str)
/// of [`to_toml`](Self::to_toml)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedFarm {
    /// `InternalIPv6Prefix` of the first record that has one.
    pub internal_prefix: Option<String>,
    /// Every record's `InternalIPv6Prefix`, when they disagree.
    pub internal_conflict: Vec<String>,
    /// The load-balanced entry points ([`assemble`](super::assemble)).
    pub entry_points: Vec<ImportedEntryPoint>,
    /// The servers, in record order.
    pub servers: Vec<ImportedServer>,
    /// What the import changed, one sentence each (for stderr, or a warning).
    pub notes: Vec<String>,
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
    if names::check(value).is_ok() {
        return value.to_owned();
    }
    let near = names::nearest_valid(value);
    notes.push(format!(
        "record {record}: {what} `{}` is not a valid name (letters, digits, `.`, `_`, `-`, at most {}); `{near}` is used instead{fix}",
        shown(value),
        names::MAX_NAME_LEN
    ));
    near
}

/// Pairs records with one [`Pair`] per record, in order. Names from the records
/// (`PSComputerName`, `EntrypointName`) that break the name rule are replaced by
/// the nearest valid name, and a note says so.
///
/// ```
/// use manageout::import::{pair, parse, Pair};
/// let records = parse(b"ClientIPv6Prefix : 2131:0:0:1000::/59\nTeredoState      : Disabled\n", "da1.txt")?;
/// let farm = pair(&records, &[Pair { name: Some("DA1".into()), address: "2131::101".parse().ok() }])?;
/// assert_eq!(farm.servers[0].name, "DA1");
/// let report = manageout::Farm::from_toml_str(&farm.to_toml(&["da1.txt"]), "imported.toml");
/// assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
/// # Ok::<(), manageout::import::ImportError>(())
/// ```
pub fn pair(records: &[Record], pairs: &[Pair]) -> Result<ImportedFarm, ImportError> {
    if records.len() != pairs.len() {
        let unpaired = records.len().min(pairs.len());
        return Err(ImportError::Unpaired {
            records: records.len(),
            pairs: pairs.len(),
            unpaired: unpaired + 1,
            prefix: records
                .get(unpaired)
                .map_or_else(|| "-".to_owned(), |r| shown(&r.client_prefix)),
        });
    }
    let mut notes = Vec::new();
    let internals: Vec<&String> = records
        .iter()
        .filter_map(|r| r.internal_prefixes.first())
        .collect();
    let internal_prefix = internals.first().map(|p| (*p).clone());
    let internal_conflict = if internals
        .iter()
        .any(|p| Some(*p) != internal_prefix.as_ref())
    {
        internals.iter().map(|p| (*p).clone()).collect()
    } else {
        Vec::new()
    };
    let servers = records
        .iter()
        .zip(pairs)
        .enumerate()
        .map(|(i, (r, p))| ImportedServer {
            name: match (&p.name, &r.computer_name) {
                (Some(n), _) => n.clone(),
                (None, Some(c)) => record_name(
                    c,
                    "PSComputerName",
                    i + 1,
                    &mut notes,
                    " (give --name to choose one)",
                ),
                (None, None) => format!("DA{}", i + 1),
            },
            address: p.address,
            client_prefix: Some(r.client_prefix.clone()),
            entry_point: r
                .entry_point
                .as_ref()
                .map(|ep| record_name(ep, "EntrypointName", i + 1, &mut notes, "")),
            teredo: r.teredo,
            vpn_prefix: r.vpn_prefix.clone(),
            origin: None,
        })
        .collect();
    Ok(ImportedFarm {
        internal_prefix,
        internal_conflict,
        entry_points: Vec::new(),
        servers,
        notes,
    })
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
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

/// Text for a TOML comment: no line break or control character can end the
/// comment early, whatever an input held.
fn toml_comment(text: &str) -> String {
    shown(text).replace(['\n', '\r'], " ")
}

impl ImportedFarm {
    /// The farm file's structure as a JSON value (`{"farm": {...}, "server": [...]}`).
    pub fn to_value(&self) -> Value {
        let mut root = Map::new();
        if let Some(p) = &self.internal_prefix {
            root.insert("farm".into(), json!({ "internal_prefix": p }));
        }
        if !self.entry_points.is_empty() {
            let eps: Vec<Value> = self
                .entry_points
                .iter()
                .map(|e| {
                    let mut m = Map::new();
                    m.insert("name".into(), json!(e.name));
                    m.insert("client_prefix".into(), json!(e.client_prefix));
                    if let Some(v) = e.vip {
                        m.insert("vip".into(), json!(v.to_string()));
                    }
                    if let Some(lb) = e.load_balancer {
                        m.insert("load_balancer".into(), json!(lb.as_str()));
                    }
                    Value::Object(m)
                })
                .collect();
            root.insert("entry_point".into(), Value::Array(eps));
        }
        let servers: Vec<Value> = self
            .servers
            .iter()
            .map(|s| {
                let mut m = Map::new();
                m.insert("name".into(), json!(s.name));
                if let Some(a) = s.address {
                    m.insert("address".into(), json!(a.to_string()));
                }
                if let Some(p) = &s.client_prefix {
                    m.insert("client_prefix".into(), json!(p));
                }
                if let Some(ep) = &s.entry_point {
                    m.insert("entry_point".into(), json!(ep));
                }
                if let Some(t) = s.teredo {
                    m.insert("teredo".into(), json!(t));
                }
                if let Some(v) = &s.vpn_prefix {
                    m.insert("vpn_prefix".into(), json!(v));
                }
                Value::Object(m)
            })
            .collect();
        root.insert("server".into(), Value::Array(servers));
        Value::Object(root)
    }

    /// A complete farm file (TOML); `sources` name the inputs in its first comment.
    /// When the records disagree on the internal prefix, the first is used and a
    /// comment says so.
    pub fn to_toml(&self, sources: &[&str]) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# farm imported by manageout from {} ({} record(s)); check it with `manageout check`",
            toml_comment(&sources.join(", ")),
            self.servers.len()
        );
        if let Some(p) = &self.internal_prefix {
            s.push_str("\n[farm]\n");
            if !self.internal_conflict.is_empty() {
                let _ = writeln!(
                    s,
                    "# warning: the records disagree on InternalIPv6Prefix ({}); the first is used",
                    toml_comment(&self.internal_conflict.join(", "))
                );
            }
            let _ = writeln!(s, "internal_prefix = {}", toml_string(p));
        }
        for e in &self.entry_points {
            s.push_str("\n[[entry_point]]\n");
            let _ = writeln!(s, "name = {}", toml_string(&e.name));
            let _ = writeln!(
                s,
                "client_prefix = {}   # what every node's Get-DAServer shows",
                toml_string(&e.client_prefix)
            );
            if let Some(v) = e.vip {
                let _ = writeln!(s, "vip = {}", toml_string(&v.to_string()));
            }
            if let Some(lb) = e.load_balancer {
                let _ = writeln!(s, "load_balancer = {}", toml_string(lb.as_str()));
            }
        }
        for sv in &self.servers {
            s.push_str("\n[[server]]\n");
            let _ = writeln!(s, "name = {}", toml_string(&sv.name));
            if let Some(a) = sv.address {
                let _ = writeln!(s, "address = {}", toml_string(&a.to_string()));
            }
            match (&sv.client_prefix, &sv.origin) {
                (Some(p), Some(o)) => {
                    let _ = writeln!(
                        s,
                        "client_prefix = {}   # {}",
                        toml_string(p),
                        toml_comment(o)
                    );
                }
                (Some(p), None) => {
                    let _ = writeln!(s, "client_prefix = {}", toml_string(p));
                }
                (None, _) => {}
            }
            if let Some(ep) = &sv.entry_point {
                let _ = writeln!(s, "entry_point = {}", toml_string(ep));
            }
            if let Some(t) = sv.teredo {
                let _ = writeln!(s, "teredo = {t}");
            }
            if let Some(v) = &sv.vpn_prefix {
                let _ = writeln!(s, "vpn_prefix = {}", toml_string(v));
            }
        }
        s
    }
}
