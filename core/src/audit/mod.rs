//! Checking a running BIG-IP configuration against the farm (`manageout audit`).
//!
//! [`audit`] reads BIG-IP configuration text (`bigip.conf`, or `tmsh list ltm ...`
//! output; several files at once), finds the virtual servers whose destination
//! network overlaps each farm prefix, and reports what would break Manage Out as
//! diagnostics MO100-MO113, each pointing at its file and line:
//!
//! | code | severity | finding |
//! |---|---|---|
//! | MO100 | error | the configuration text has unbalanced braces |
//! | MO101 | error | a farm prefix has no virtual server: Manage Out to those clients fails |
//! | MO102 | error | a virtual's destination/mask differs from the farm prefix it overlaps |
//! | MO103 | error | the virtual has no pool, an undefined pool, or a pool without members |
//! | MO104 | error | a pool member (or an `ip-forward` route's gateway) is not the owning server |
//! | MO105 | error | a pool member listens on a port other than any (0) |
//! | MO106 | error | `translate-address enabled`: packets would be rewritten to the DA server's address |
//! | MO107 | error | source address translation (automap, SNAT pool) hides the management server |
//! | MO108 | error | the virtual is disabled |
//! | MO109 | warning | the virtual listens on all VLANs |
//! | MO110 | warning | the virtual uses no fastL4 profile |
//! | MO111 | warning | a Manage Out-looking virtual matches no farm server (stale?) |
//! | MO112 | error | two virtuals have the same destination and mask |
//! | MO113 | error | an `ip-forward` virtual has no `net route` for the prefix |
//!
//! A farm steered the other valid way, an `ip-forward` virtual plus a `net route`
//! to the server for the prefix, is correct. `translate-address` is reported only
//! when the text says `enabled` (bigip.conf lists it; defaults differ by version).
//!
//! ```
//! use manageout::{audit, Farm, Source};
//! let farm = Farm::from_file("../examples/seed-fixed.toml")?.into_farm()?;
//! let conf = manageout::render::render(&farm, manageout::render::Target::BigipConf, &Default::default())?.text;
//! let clean = audit::audit(&farm, &[Source { name: "bigip.conf".into(), text: conf.clone() }]);
//! assert!(clean.diagnostics.is_empty(), "{:?}", clean.diagnostics);
//!
//! let broken = conf.replacen("translate-address disabled", "translate-address enabled", 1);
//! let report = audit::audit(&farm, &[Source { name: "bigip.conf".into(), text: broken }]);
//! assert_eq!(report.diagnostics[0].code, "MO106");
//! assert!(report.fix(&farm).contains("tmsh delete ltm virtual /Common/article_DA1_client"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod parse;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv6Addr};
use std::ops::Range;

use ipnet::Ipv6Net;

use crate::diagnostic::{Code, Diagnostic, LineIndex, Location, Omitted, Sink};
use crate::model::{Farm, RouteKind};
use crate::{Source, render};
use parse::Stanza;

/// What an audit found, with the texts its diagnostics point into.
#[derive(Clone, Debug)]
pub struct AuditReport {
    /// The findings, configuration file order, then farm order: the first
    /// [`MAX_DIAGNOSTICS`](crate::diagnostic::MAX_DIAGNOSTICS).
    pub diagnostics: Vec<Diagnostic>,
    /// The findings past those, counted.
    pub omitted: Omitted,
    /// Findings while the audit runs (bounded).
    sink: Sink,
    /// How many findings were pushed (for the per-virtual counts).
    pushed: usize,
    /// The configuration texts (for [`render_text_sources`](crate::diagnostic::render_text_sources)).
    pub sources: Vec<Source>,
    /// Servers (indexes) whose Manage Out objects must be (re)created.
    recreate: BTreeSet<usize>,
    /// Virtuals (full paths) to delete, with why.
    delete_virtuals: BTreeMap<String, String>,
    /// Stale virtuals (full paths): deleted only after a human checks.
    stale_virtuals: BTreeSet<String>,
    /// Virtuals and pools (full paths) defined on the box.
    existing_virtuals: BTreeSet<String>,
    existing_pools: BTreeSet<String>,
}

/// The most configuration text one audit reads, in all files together: 64 MiB
/// (each file is also limited to [`MAX_FILE_SIZE`](crate::config::MAX_FILE_SIZE)).
pub const MAX_CONFIG_TOTAL: usize = 64 * 1024 * 1024;

/// A `ltm virtual` as far as Manage Out cares.
#[derive(Debug)]
struct Virtual<'a> {
    path: String,
    file: usize,
    stanza: &'a Stanza,
    /// Destination network (host bits as written), when it is IPv6.
    dest: Option<Ipv6Addr>,
    /// Whether the destination could not be read at all (not IPv4, not IPv6).
    unreadable: bool,
    route_domain: u16,
    /// Mask length; `None` for a mask that is not a contiguous IPv6 netmask.
    len: Option<u8>,
}

impl Virtual<'_> {
    fn net(&self) -> Option<Ipv6Net> {
        Ipv6Net::new(self.dest?, self.len?).ok().map(|n| n.trunc())
    }

    fn folder(&self) -> &str {
        self.path
            .rsplit_once('/')
            .map_or("/Common", |(f, _)| if f.is_empty() { "/Common" } else { f })
    }
}

/// A `ltm pool` member: its address and port.
#[derive(Debug)]
struct Member<'a> {
    address: Option<IpAddr>,
    port: String,
    stanza: &'a Stanza,
}

#[derive(Debug)]
struct Pool<'a> {
    file: usize,
    stanza: &'a Stanza,
    members: Vec<Member<'a>>,
}

/// A `net route`: network and gateway.
#[derive(Debug)]
struct NetRoute<'a> {
    file: usize,
    stanza: &'a Stanza,
    network: Ipv6Net,
    route_domain: u16,
    gateway: Option<IpAddr>,
}

/// Splits `addr%rd` into the address text and its route domain (0 when absent).
fn split_rd(s: &str) -> (&str, u16) {
    match s.split_once('%') {
        Some((a, rd)) => (a, rd.parse().unwrap_or(u16::MAX)),
        None => (s, 0),
    }
}

/// The last path component: `/Common/2131::.any` → `2131::.any`.
fn leaf(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, l)| l)
}

/// An IPv6 `address[%rd].port` (or a virtual-address name `.port`/`:port`) as
/// BIG-IP writes destinations and members.
fn split_port(s: &str) -> (&str, &str) {
    if s.matches(':').count() > 1 {
        s.rsplit_once('.').unwrap_or((s, ""))
    } else {
        s.rsplit_once(':')
            .or_else(|| s.rsplit_once('.'))
            .unwrap_or((s, ""))
    }
}

/// The prefix length of a netmask; `any6` is 0. `None` for IPv4 or gapped masks.
fn mask_len(mask: &str) -> Option<u8> {
    if mask == "any6" || mask == "any" {
        return Some(0);
    }
    let bits = u128::from(mask.parse::<Ipv6Addr>().ok()?);
    let len = bits.leading_ones();
    (bits.checked_shl(len).unwrap_or(0) == 0).then_some(len as u8)
}

/// The full path of an object named `name` used from `folder`.
fn full_path(name: &str, folder: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("{folder}/{name}")
    }
}

struct Config<'a> {
    virtuals: Vec<Virtual<'a>>,
    pools: BTreeMap<String, Pool<'a>>,
    routes: Vec<NetRoute<'a>>,
}

fn object<'s>(s: &'s Stanza, module: &str, kind: &str) -> Option<&'s str> {
    match s.words.as_slice() {
        [m, k, name, ..] if m == module && k == kind => Some(name.as_str()),
        _ => None,
    }
}

fn read_config<'a>(files: &'a [(Vec<Stanza>, &'a Source)]) -> Config<'a> {
    let mut virtual_addresses: BTreeMap<String, (Ipv6Addr, u16)> = BTreeMap::new();
    let mut nodes: BTreeMap<String, IpAddr> = BTreeMap::new();
    for (stanzas, _) in files {
        for s in stanzas {
            if let Some(name) = object(s, "ltm", "node")
                && let Some(addr) = s.value("address")
                && let Ok(a) = split_rd(addr).0.parse::<IpAddr>()
            {
                nodes.insert(full_path(name, "/Common"), a);
            }
            if let Some(name) = object(s, "ltm", "virtual-address")
                && let Some(addr) = s.value("address")
            {
                let (a, rd) = split_rd(addr);
                if let Ok(a) = a.parse::<Ipv6Addr>() {
                    virtual_addresses.insert(full_path(name, "/Common"), (a, rd));
                }
            }
        }
    }
    let mut config = Config {
        virtuals: Vec::new(),
        pools: BTreeMap::new(),
        routes: Vec::new(),
    };
    for (file, (stanzas, _)) in files.iter().enumerate() {
        for s in stanzas {
            if let Some(name) = object(s, "ltm", "virtual") {
                let path = full_path(name, "/Common");
                let folder = path.rsplit_once('/').map_or("/Common", |(f, _)| f);
                let (mut dest, mut route_domain) = (None, 0);
                let mut unreadable = true;
                if let Some(d) = s.value("destination") {
                    let (addr, _port) = split_port(leaf(d));
                    let (a, rd) = split_rd(addr);
                    if let Ok(a) = a.parse::<Ipv6Addr>() {
                        (dest, route_domain) = (Some(a), rd);
                    } else if let Some((a, rd)) = virtual_addresses
                        .get(&full_path(addr, folder))
                        .or_else(|| virtual_addresses.get(&full_path(a, folder)))
                    {
                        (dest, route_domain) = (Some(*a), *rd);
                    }
                    // IPv4 virtuals and wildcards are not Manage Out's, but readable
                    let ipv4 = |t: &str| {
                        let t = split_rd(t).0;
                        t.parse::<std::net::Ipv4Addr>().is_ok() || t == "any" || t == "any6"
                    };
                    let (v4, _) = leaf(d).rsplit_once(':').unwrap_or_else(|| (leaf(d), ""));
                    unreadable = dest.is_none() && !ipv4(v4) && !ipv4(addr);
                }
                let len = match s.value("mask") {
                    Some(m) => mask_len(m),
                    None => Some(128),
                };
                config.virtuals.push(Virtual {
                    path,
                    file,
                    stanza: s,
                    dest,
                    unreadable,
                    route_domain,
                    len,
                });
            } else if let Some(name) = object(s, "ltm", "pool") {
                let members = s
                    .child("members")
                    .map(|m| {
                        m.children
                            .iter()
                            .map(|member| {
                                let name = member.words.first().map_or("", String::as_str);
                                let (addr, port) = split_port(leaf(name));
                                // the member's own address, its name, or its node's
                                let folder = name.rsplit_once('/').map_or("/Common", |(f, _)| f);
                                let address = member
                                    .value("address")
                                    .map(|a| split_rd(a).0)
                                    .and_then(|a| a.parse().ok())
                                    .or_else(|| split_rd(addr).0.parse().ok())
                                    .or_else(|| {
                                        nodes
                                            .get(&full_path(
                                                addr,
                                                if folder.is_empty() { "/Common" } else { folder },
                                            ))
                                            .copied()
                                    });
                                Member {
                                    address,
                                    port: port.to_owned(),
                                    stanza: member,
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                config.pools.insert(
                    full_path(name, "/Common"),
                    Pool {
                        file,
                        stanza: s,
                        members,
                    },
                );
            } else if object(s, "net", "route").is_some()
                && let Some(network) = s.value("network")
            {
                let (net, rd) = split_rd(network);
                let net = if net == "default-inet6" {
                    Some(Ipv6Net::default())
                } else {
                    // `2131:0:0:1000::%2/59`: the route domain sits before the length
                    let (a, len) = network.rsplit_once('/').unwrap_or((network, "128"));
                    let (a, _) = split_rd(a);
                    a.parse::<Ipv6Addr>()
                        .ok()
                        .zip(len.parse::<u8>().ok())
                        .and_then(|(a, l)| Ipv6Net::new(a, l).ok())
                        .or_else(|| net.parse().ok())
                };
                let rd = if network.contains('%') {
                    let after = network.split_once('%').map_or("", |(_, r)| r);
                    after
                        .split('/')
                        .next()
                        .and_then(|r| r.parse().ok())
                        .unwrap_or(rd)
                } else {
                    0
                };
                if let Some(network) = net {
                    config.routes.push(NetRoute {
                        file,
                        stanza: s,
                        network: network.trunc(),
                        route_domain: rd,
                        gateway: s.value("gw").and_then(|g| split_rd(g).0.parse().ok()),
                    });
                }
            }
        }
    }
    config
}

/// Builds diagnostics located in the configuration files.
struct Located<'a> {
    files: &'a [(Vec<Stanza>, &'a Source)],
    lines: Vec<LineIndex>,
}

impl Located<'_> {
    fn at(&self, d: Diagnostic, file: usize, span: &Range<usize>) -> Diagnostic {
        let Some((_, source)) = self.files.get(file) else {
            return d;
        };
        let (line, column) = self.lines[file].position(&source.text, span.start);
        Diagnostic {
            location: Some(Location {
                file: source.name.clone(),
                line,
                column,
                span: span.clone(),
            }),
            ..d
        }
    }
}

/// Finds the networks of a list that overlap a prefix (hold it or lie inside it)
/// without scanning the list: at most 129 hash lookups for the networks holding
/// it, one binary search for those inside it.
struct NetIndex {
    exact: std::collections::HashMap<Ipv6Net, Vec<usize>>,
    /// (network, length, position), sorted.
    sorted: Vec<(u128, u8, usize)>,
}

impl NetIndex {
    fn new(nets: impl Iterator<Item = Option<Ipv6Net>>) -> Self {
        let mut exact: std::collections::HashMap<Ipv6Net, Vec<usize>> =
            std::collections::HashMap::new();
        let mut sorted = Vec::new();
        for (i, n) in nets.enumerate() {
            if let Some(n) = n {
                exact.entry(n).or_default().push(i);
                sorted.push((u128::from(n.network()), n.prefix_len(), i));
            }
        }
        sorted.sort_unstable();
        Self { exact, sorted }
    }

    /// The positions of the networks overlapping `p`, in list order.
    fn overlapping(&self, p: Ipv6Net) -> Vec<usize> {
        let mut out = Vec::new();
        for len in 0..=p.prefix_len() {
            if let Some(found) = Ipv6Net::new(p.network(), len)
                .ok()
                .and_then(|n| self.exact.get(&n.trunc()))
            {
                out.extend_from_slice(found);
            }
        }
        let (first, last) = (u128::from(p.network()), u128::from(p.broadcast()));
        let from = self.sorted.partition_point(|e| e.0 < first);
        for &(net, len, i) in &self.sorted[from..] {
            if net > last {
                break;
            }
            if len > p.prefix_len() {
                out.push(i);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The route a farm prefix is: which server, which kind.
struct FarmRoute<'f> {
    server: usize,
    name: &'f str,
    address: Ipv6Addr,
    prefix: Ipv6Net,
    kind: RouteKind,
}

/// Decodes configuration file bytes as farm files are decoded: UTF-8 (a BOM is
/// dropped) or UTF-16 with a byte-order mark, at most
/// [`MAX_FILE_SIZE`](crate::config::MAX_FILE_SIZE); the error says why not.
///
/// ```
/// assert_eq!(manageout::audit::decode(b"ltm pool p { }\n").unwrap(), "ltm pool p { }\n");
/// assert!(manageout::audit::decode(&[0xff, 0x00, 0x41]).is_err());
/// ```
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    crate::config::decode(bytes).map_err(|d| match d.help {
        Some(help) if d.message.contains("larger") => format!(
            "{}; {help}",
            d.message.replace("the file", "the configuration")
        ),
        _ => format!(
            "{}; give bigip.conf or `tmsh list` output as saved on the BIG-IP",
            d.message
        ),
    })
}

/// Audits BIG-IP configuration texts (one or more files: `bigip.conf`, `tmsh list`
/// output) against a valid farm.
pub fn audit(farm: &Farm, configs: &[Source]) -> AuditReport {
    let total: usize = configs.iter().map(|c| c.text.len()).sum();
    if total > MAX_CONFIG_TOTAL {
        let d = Diagnostic::error(Code::MO004,
            format!(
                "the configuration texts total {} MiB, more than the {} MiB an audit reads",
                total / (1024 * 1024),
                MAX_CONFIG_TOTAL / (1024 * 1024)
            ),
        )
        .with_help("give the bigip.conf of the partitions that hold the Manage Out objects (or `tmsh list ltm virtual` and `tmsh list ltm pool` output)");
        return AuditReport {
            diagnostics: vec![d],
            omitted: Omitted::default(),
            sink: Sink::new(),
            pushed: 1,
            sources: Vec::new(),
            recreate: BTreeSet::new(),
            delete_virtuals: BTreeMap::new(),
            stale_virtuals: BTreeSet::new(),
            existing_virtuals: BTreeSet::new(),
            existing_pools: BTreeSet::new(),
        };
    }
    let parsed: Vec<(Vec<Stanza>, parse::Problems)> =
        configs.iter().map(|c| parse::parse(&c.text)).collect();
    let (trees, unbalanced): (Vec<_>, Vec<_>) = parsed.into_iter().unzip();
    let files: Vec<(Vec<Stanza>, &Source)> = trees.into_iter().zip(configs).collect();
    let located = Located {
        files: &files,
        lines: configs.iter().map(|c| LineIndex::new(&c.text)).collect(),
    };
    let mut report = AuditReport {
        diagnostics: Vec::new(),
        omitted: Omitted::default(),
        sink: Sink::new(),
        pushed: 0,
        sources: configs.to_vec(),
        recreate: BTreeSet::new(),
        delete_virtuals: BTreeMap::new(),
        stale_virtuals: BTreeSet::new(),
        existing_virtuals: BTreeSet::new(),
        existing_pools: BTreeSet::new(),
    };
    for (i, problems) in unbalanced.into_iter().enumerate() {
        for problem in problems.listed {
            let d = Diagnostic::error(Code::MO100, format!("unbalanced braces: {}", problem.what))
                .with_help("the configuration could not be read completely; check that the whole file was copied (`tmsh list ltm` output or bigip.conf)");
            report.push(located.at(d, i, &(problem.at..problem.at + 1)));
        }
        report.sink.omit_errors(problems.more);
    }
    let config = read_config(&files);
    let farm_rd = farm.bigip.route_domain.unwrap_or(0);
    let routes: Vec<FarmRoute<'_>> = farm
        .servers
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            s.routes().map(move |(prefix, kind)| FarmRoute {
                server: i,
                name: &s.name,
                address: s.address,
                prefix,
                kind,
            })
        })
        .collect();
    report.existing_virtuals = config.virtuals.iter().map(|v| v.path.clone()).collect();
    report.existing_pools = config.pools.keys().cloned().collect();
    let ours: Vec<&Virtual<'_>> = config
        .virtuals
        .iter()
        .filter(|v| v.dest.is_some() && v.route_domain == farm_rd)
        .collect();

    // duplicates: the same destination and mask
    let mut seen: BTreeMap<(u128, Option<u8>), &Virtual<'_>> = BTreeMap::new();
    for v in &ours {
        let key = (v.dest.map_or(0, u128::from), v.len);
        if let Some(first) = seen.get(&key) {
            let (_, src) = &files[first.file];
            let line = located.lines[first.file]
                .position(&src.text, first.stanza.span.start)
                .0;
            let d = Diagnostic::error(
                Code::MO112,
                format!(
                    "virtual {} has the same destination and mask as {} ({}:{line})",
                    v.path, first.path, src.name
                ),
            )
            .with_field("destination")
            .with_help("BIG-IP uses only one of them; delete the duplicate");
            report.push(located.at(d, v.file, &v.stanza.span));
            report
                .delete_virtuals
                .insert(v.path.clone(), Code::MO112.as_str().into());
        } else {
            seen.insert(key, v);
        }
    }

    let route_prefixes: BTreeSet<Ipv6Net> = routes.iter().map(|r| r.prefix).collect();
    let virtual_index = NetIndex::new(ours.iter().map(|v| v.net()));
    for r in &routes {
        let overlapping: Vec<&&Virtual<'_>> = virtual_index
            .overlapping(r.prefix)
            .into_iter()
            .map(|i| &ours[i])
            .collect();
        // longest match: a virtual of exactly this prefix serves it; one of exactly
        // another farm prefix (a cluster's /59 around a node's /64) serves that one
        let exact: Vec<&&Virtual<'_>> = overlapping
            .iter()
            .copied()
            .filter(|v| v.net() == Some(r.prefix))
            .collect();
        let candidates: Vec<&&Virtual<'_>> = if exact.is_empty() {
            overlapping
                .iter()
                .copied()
                .filter(|v| v.net().is_some_and(|n| !route_prefixes.contains(&n)))
                .collect()
        } else {
            exact
        };
        if candidates.is_empty() {
            let covered_by = overlapping
                .iter()
                .filter(|v| v.net().is_some_and(|n| n.contains(&r.prefix)))
                .max_by_key(|v| v.len)
                .map(|v| format!("; {} covers it but serves another farm prefix", v.path))
                .unwrap_or_default();
            let d = Diagnostic::error(Code::MO101,
                format!(
                    "no virtual server forwards {} ({} prefix of {}): Manage Out to those clients fails{covered_by}",
                    r.prefix, r.kind, r.name
                ),
            )
            .with_server(Some(r.name))
            .with_field(format!("{}_prefix", r.kind.as_str()))
            .with_help(format!(
                "create a network virtual for {} with a pool whose member is {} (`manageout audit --fix`, or `manageout render --target tmsh`)",
                r.prefix, r.address
            ));
            report.push(d);
            report.recreate.insert(r.server);
            continue;
        }
        // the server's objects are recreated unless one virtual of exactly this
        // prefix is right in every respect (wrong ones are deleted either way)
        let mut served = false;
        for v in candidates {
            let found = check_virtual(&mut report, &located, &config, r, v);
            served |= found == 0;
        }
        if !served {
            report.recreate.insert(r.server);
        }
    }

    // stale: network virtuals inside the farm's client space that match no farm prefix
    let space: Vec<Ipv6Net> = match farm.internal_prefix {
        Some(p) => vec![p],
        None => routes
            .iter()
            .filter(|r| r.kind == RouteKind::Client)
            .filter_map(|r| Ipv6Net::new(r.prefix.network(), 48.min(r.prefix.prefix_len())).ok())
            .map(|n| n.trunc())
            .collect(),
    };
    let server_addresses: BTreeSet<Ipv6Addr> = farm.servers.iter().map(|s| s.address).collect();
    let route_index = NetIndex::new(routes.iter().map(|r| Some(r.prefix)));
    for v in &ours {
        let Some(net) = v.net() else { continue };
        if net.prefix_len() == 128 || net.prefix_len() < 32 {
            continue;
        }
        if !route_index.overlapping(net).is_empty() {
            continue;
        }
        let inside = space.iter().any(|s| s.contains(&net));
        let to_farm = v
            .stanza
            .value("pool")
            .and_then(|p| config.pools.get(&full_path(p, v.folder())))
            .is_some_and(|p| {
                p.members.iter().any(
                    |m| matches!(m.address, Some(IpAddr::V6(a)) if server_addresses.contains(&a)),
                )
            });
        if inside || to_farm {
            let d = Diagnostic::warning(Code::MO111,
                format!(
                    "virtual {} forwards {net}, which is no prefix of the farm: stale, or for a decommissioned server?",
                    v.path
                ),
            )
            .with_field("destination")
            .with_help("delete it if no DA server owns this prefix any more, or add the server to the farm");
            report.push(
                located.at(
                    d,
                    v.file,
                    &v.stanza
                        .child("destination")
                        .map_or_else(|| v.stanza.span.clone(), |c| c.span.clone()),
                ),
            );
            report.stale_virtuals.insert(v.path.clone());
        }
    }
    // nothing is skipped silently: a virtual whose destination cannot be read,
    // and a name that --fix cannot write, are findings of their own
    for v in config.virtuals.iter().filter(|v| v.unreadable) {
        let d = Diagnostic::warning(Code::MO115,
            format!(
                "virtual {} has a destination manageout cannot read ({}): it was not checked",
                v.path,
                v.stanza.value("destination").unwrap_or("none")
            ),
        )
        .with_field("destination")
        .with_help("check the virtual by hand; if its name holds braces, quotes or `$`, give the configuration as `tmsh list` prints it (names quoted)");
        report.push(located.at(d, v.file, &v.stanza.span));
    }
    let unwritable: Vec<String> = report
        .delete_virtuals
        .keys()
        .chain(&report.stale_virtuals)
        .filter(|p| render::tmsh_delete(p, true).is_err())
        .cloned()
        .collect();
    for path in unwritable {
        let d = Diagnostic::warning(Code::MO114,
            format!("virtual {path} has a name that cannot be written safely into a tmsh script: `audit --fix` leaves it out"),
        )
        .with_help("delete or fix it by hand (BIG-IP GUI, or tmsh typed interactively), then audit again");
        report.push(d);
    }
    let (diagnostics, omitted) = std::mem::take(&mut report.sink).finish();
    report.diagnostics = diagnostics;
    report.omitted = omitted;
    report
}

/// The checks of one virtual `v` that overlaps the farm route `r`; returns the
/// number of findings.
fn check_virtual(
    report: &mut AuditReport,
    located: &Located<'_>,
    config: &Config<'_>,
    r: &FarmRoute<'_>,
    v: &Virtual<'_>,
) -> usize {
    let before = report.pushed;
    check_virtual_inner(report, located, config, r, v);
    report.pushed - before
}

fn check_virtual_inner(
    report: &mut AuditReport,
    located: &Located<'_>,
    config: &Config<'_>,
    r: &FarmRoute<'_>,
    v: &Virtual<'_>,
) {
    let prop_span = |key: &str| {
        v.stanza
            .child(key)
            .or_else(|| v.stanza.flag(key))
            .map_or_else(|| v.stanza.span.clone(), |c| c.span.clone())
    };
    let push =
        |report: &mut AuditReport, d: Diagnostic, file: usize, span: Range<usize>, delete: bool| {
            let code = d.code;
            report.push(located.at(d.with_server(Some(r.name)), file, &span));
            if delete {
                report
                    .delete_virtuals
                    .entry(v.path.clone())
                    .or_insert_with(|| code.as_str().to_owned());
            }
        };
    let Some(net) = v.net() else { return };
    let written = Ipv6Net::new(
        v.dest.unwrap_or(Ipv6Addr::UNSPECIFIED),
        v.len.unwrap_or(128),
    )
    .ok();
    if net != r.prefix || written != Some(r.prefix) {
        let why = if net == r.prefix {
            "host bits set in the destination".to_owned()
        } else if net.prefix_len() > r.prefix.prefix_len() {
            format!(
                "a /{} inside the farm's /{}: clients outside it are not forwarded",
                net.prefix_len(),
                r.prefix.prefix_len()
            )
        } else {
            format!(
                "a /{} covering the farm's /{}: other clients are sent to this server too",
                net.prefix_len(),
                r.prefix.prefix_len()
            )
        };
        let d = Diagnostic::error(
            Code::MO102,
            format!(
                "virtual {} forwards {}/{} but {}'s {} prefix is {} ({why})",
                v.path,
                v.dest.unwrap_or(Ipv6Addr::UNSPECIFIED),
                v.len.unwrap_or(128),
                r.name,
                r.kind,
                r.prefix
            ),
        )
        .with_field("destination")
        .with_help(format!(
            "set destination {}.any and mask {} (as `manageout render --target tmsh` does)",
            r.prefix.network(),
            Ipv6Addr::from(
                u128::MAX
                    .checked_shl(128 - u32::from(r.prefix.prefix_len()))
                    .unwrap_or(0)
            )
        ));
        push(report, d, v.file, prop_span("destination"), true);
    }
    if v.stanza.flag("disabled").is_some() {
        let d = Diagnostic::error(Code::MO108, format!("virtual {} is disabled", v.path))
            .with_field("disabled")
            .with_help("enable it: `tmsh modify ltm virtual <name> enabled`");
        push(report, d, v.file, prop_span("disabled"), false);
    }
    if v.stanza.value("translate-address") == Some("enabled") {
        let d = Diagnostic::error(Code::MO106,
            format!(
                "virtual {} translates the destination address: packets for {} clients would be rewritten to {}'s own address",
                v.path, r.prefix, r.name
            ),
        )
        .with_field("translate-address")
        .with_help("set `translate-address disabled` (and `translate-port disabled`)");
        push(report, d, v.file, prop_span("translate-address"), true);
    }
    let snat = v
        .stanza
        .child("source-address-translation")
        .and_then(|s| s.value("type"))
        .map(str::to_owned)
        .or_else(|| v.stanza.value("snat").map(str::to_owned))
        .or_else(|| v.stanza.child("snatpool").map(|_| "snat".to_owned()));
    if let Some(kind) = snat.filter(|k| k != "none") {
        let d = Diagnostic::error(Code::MO107,
            format!(
                "virtual {} translates the source address ({kind}): the DA client's IPsec policy sees the BIG-IP's address instead of the management server's",
                v.path
            ),
        )
        .with_field("source-address-translation")
        .with_help("set `source-address-translation { type none }`");
        push(
            report,
            d,
            v.file,
            prop_span(if v.stanza.child("source-address-translation").is_some() {
                "source-address-translation"
            } else if v.stanza.child("snat").is_some() {
                "snat"
            } else {
                "snatpool"
            }),
            true,
        );
    }
    let vlans_enabled = v.stanza.flag("vlans-enabled").is_some();
    let has_vlans = v
        .stanza
        .child("vlans")
        .is_some_and(|c| !c.children.is_empty() || c.words.len() > 1 && c.words[1] != "none");
    if !(vlans_enabled && has_vlans) {
        let d = Diagnostic::warning(Code::MO109,
            format!("virtual {} listens on all VLANs", v.path),
        )
        .with_field("vlans")
        .with_help("enable it only on the internal VLAN(s) the management servers use (`vlans replace-all-with { internal } vlans-enabled`)");
        push(report, d, v.file, prop_span("vlans"), false);
    }
    if let Some(profiles) = v.stanza.child("profiles") {
        let names: Vec<&str> = profiles
            .children
            .iter()
            .filter_map(|c| c.words.first().map(String::as_str))
            .collect();
        if !names
            .iter()
            .any(|n| leaf(n).to_ascii_lowercase().contains("fastl4"))
        {
            let d = Diagnostic::warning(Code::MO110,
                format!(
                    "virtual {} uses {} instead of a fastL4 profile",
                    v.path,
                    if names.is_empty() { "no profile".to_owned() } else { names.join(", ") }
                ),
            )
            .with_field("profiles")
            .with_help("Manage Out forwards any protocol unchanged: use `profiles replace-all-with { fastL4 }`");
            push(report, d, v.file, prop_span("profiles"), false);
        }
    }
    if v.stanza.flag("ip-forward").is_some() {
        // steered by a route instead of a pool
        let best = config
            .routes
            .iter()
            .filter(|nr| nr.route_domain == v.route_domain && nr.network.contains(&r.prefix))
            .max_by_key(|nr| nr.network.prefix_len());
        match best {
            _ if best.is_none_or(|nr| nr.network.prefix_len() == 0) => {
                let d = Diagnostic::error(Code::MO113,
                    format!(
                        "virtual {} forwards by routing (ip-forward), but no net route sends {} to {} ({}){}",
                        v.path,
                        r.prefix,
                        r.name,
                        r.address,
                        best.and_then(|nr| nr.gateway)
                            .map(|g| format!(": only the default route, via {g}"))
                            .unwrap_or_default()
                    ),
                )
                .with_field("ip-forward")
                .with_help(format!(
                    "add `tmsh create net route {}_{} network {} gw {}`, or use a pool (`manageout render --target tmsh`)",
                    r.name, r.kind, r.prefix, r.address
                ));
                push(report, d, v.file, prop_span("ip-forward"), false);
            }
            Some(nr) if nr.gateway != Some(IpAddr::V6(r.address)) => {
                let d = Diagnostic::error(
                    Code::MO104,
                    format!(
                        "the net route for {} sends it to {}, not to {} ({})",
                        nr.network,
                        nr.gateway
                            .map_or_else(|| "no gateway".to_owned(), |g| g.to_string()),
                        r.name,
                        r.address
                    ),
                )
                .with_field("gw")
                .with_help(format!("set `gw {}`", r.address));
                let span = nr
                    .stanza
                    .child("gw")
                    .map_or_else(|| nr.stanza.span.clone(), |c| c.span.clone());
                push(report, d, nr.file, span, false);
            }
            _ => {}
        }
        return;
    }
    let Some(pool_name) = v.stanza.value("pool").filter(|p| *p != "none") else {
        let d = Diagnostic::error(
            Code::MO103,
            format!(
                "virtual {} has no pool: nothing forwards {} to {}",
                v.path, r.prefix, r.name
            ),
        )
        .with_field("pool")
        .with_help(format!(
            "give it a pool whose only member is {}.0",
            r.address
        ));
        push(report, d, v.file, v.stanza.span.clone(), true);
        return;
    };
    let pool_path = full_path(pool_name, v.folder());
    let Some(pool) = config.pools.get(&pool_path) else {
        let d = Diagnostic::error(Code::MO103,
            format!("virtual {} uses pool {pool_path}, which the configuration does not define", v.path),
        )
        .with_field("pool")
        .with_help("pass the file that defines the pool too (bigip.conf of its partition), or create the pool");
        push(report, d, v.file, prop_span("pool"), true);
        return;
    };
    if pool.members.is_empty() {
        let d = Diagnostic::error(
            Code::MO103,
            format!("pool {pool_path} (of virtual {}) has no member", v.path),
        )
        .with_field("members")
        .with_help(format!("add the member {}.0", r.address));
        push(report, d, pool.file, pool.stanza.span.clone(), true);
    }
    for m in &pool.members {
        if m.address != Some(IpAddr::V6(r.address)) {
            let d = Diagnostic::error(
                Code::MO104,
                format!(
                    "pool {pool_path} has member {}, but {} (prefix {}) is served by {}",
                    m.address
                        .map_or_else(|| m.stanza.words.join(" "), |a| a.to_string()),
                    r.name,
                    r.prefix,
                    r.address
                ),
            )
            .with_field("members")
            .with_help(format!("the pool's only member must be {}.0", r.address));
            push(report, d, pool.file, m.stanza.span.clone(), true);
        } else if !(m.port == "0" || m.port == "any") {
            let d = Diagnostic::error(Code::MO105,
                format!(
                    "pool {pool_path} has member {} on port {}: Manage Out needs every port (any, 0)",
                    r.address, m.port
                ),
            )
            .with_field("members")
            .with_help(format!("use the member {}.0", r.address));
            push(report, d, pool.file, m.stanza.span.clone(), true);
        }
    }
}

impl AuditReport {
    /// Keeps a finding: configuration files in the order given, each by position,
    /// then findings without a location (about the farm) in the order found.
    fn push(&mut self, d: Diagnostic) {
        self.pushed += 1;
        let key = match &d.location {
            Some(l) => (
                self.sources
                    .iter()
                    .position(|s| s.name == l.file)
                    .map_or(u32::MAX - 1, |i| i as u32),
                l.span.start,
            ),
            None => (u32::MAX, 0),
        };
        self.sink.push_keyed(key, d);
    }

    /// Whether any finding, listed or omitted, is an error.
    pub fn has_errors(&self) -> bool {
        self.omitted.errors > 0 || self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The findings rendered like rustc against their configuration files, with
    /// the summary line; `color` for terminals only.
    pub fn render(&self, color: bool) -> String {
        crate::diagnostic::render_text_sources(
            &self.diagnostics,
            self.omitted,
            &self.sources,
            color,
        )
    }

    /// The JSON form (as `manageout check --format json`).
    pub fn to_json(&self) -> serde_json::Value {
        crate::diagnostic::to_json(&self.diagnostics, self.omitted)
    }

    /// tmsh commands that bring the box in line with the farm, for what the audit
    /// found wrong only: delete the wrong, stale and duplicate virtuals (and pools
    /// named like ours that nothing else uses), then create the affected servers'
    /// objects with the tmsh renderer. Empty when nothing is wrong.
    pub fn fix(&self, farm: &Farm) -> String {
        if self.recreate.is_empty()
            && self.delete_virtuals.is_empty()
            && self.stale_virtuals.is_empty()
        {
            return String::new();
        }
        let comment = |s: &mut String, text: &str| {
            if let Some(line) = render::sh_comment(text) {
                s.push_str(&line);
                s.push('\n');
            }
        };
        let mut s = String::new();
        comment(
            &mut s,
            &format!(
                "tmsh commands from manageout audit --fix for farm {}: only what the audit found wrong",
                farm.name.as_deref().unwrap_or("manageout")
            ),
        );
        comment(
            &mut s,
            "review, then run on the BIG-IP with bash: a virtual is down between its delete and its create",
        );
        for path in &self.stale_virtuals {
            let line = render::tmsh_delete(path, true).ok().and_then(|l| {
                render::sh_comment(&format!(
                    "{l}  (MO111: no farm server owns its prefix, uncomment once checked)"
                ))
            });
            match line {
                Some(l) => {
                    s.push_str(&l);
                    s.push('\n');
                }
                None => comment(
                    &mut s,
                    "MO111: a stale virtual whose name cannot be written here (MO114): delete it by hand",
                ),
            }
        }
        let subset: Vec<usize> = self.recreate.iter().copied().collect();
        let planned = render::planned_names(farm, &subset);
        let mut deletes: BTreeMap<&str, &str> = self
            .delete_virtuals
            .iter()
            .map(|(p, why)| (p.as_str(), why.as_str()))
            .collect();
        for name in &planned.virtuals {
            if self.existing_virtuals.contains(name) {
                deletes.entry(name.as_str()).or_insert("recreated below");
            }
        }
        for (path, why) in &deletes {
            match render::tmsh_delete(path, true) {
                Ok(line) => {
                    let _ = writeln!(s, "{line}  # {why}");
                }
                Err(_) => comment(
                    &mut s,
                    &format!(
                        "{why}: a virtual whose name cannot be written safely (MO114): delete it by hand"
                    ),
                ),
            }
        }
        for name in &planned.pools {
            if self.existing_pools.contains(name)
                && let Ok(line) = render::tmsh_delete(name, false)
            {
                let _ = writeln!(s, "{line}  # recreated below");
            }
        }
        if subset.is_empty() {
            s.push_str(&render::tmsh_save());
            s.push('\n');
        } else {
            match render::tmsh_for(farm, &subset) {
                Ok(text) => s.push_str(&text),
                Err(e) => comment(
                    &mut s,
                    &format!("cannot write the objects to create: {}", e.reason),
                ),
            }
        }
        s
    }
}
