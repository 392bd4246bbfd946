//! The BIG-IP object model an audit checks, read from configuration stanzas: virtual
//! servers (with their destination network, route domain and mask), pools and their
//! members (resolved through `ltm node` objects), `net route`s, and the indexes and
//! locations the rules need. One model for every reader of a configuration.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv6Addr};
use std::ops::Range;

use ipnet::Ipv6Net;

use super::parse::Stanza;
use crate::Source;
use crate::diagnostic::{Diagnostic, LineIndex, Location};
use crate::model::RouteKind;

/// A `ltm virtual` as far as Manage Out cares.
#[derive(Debug)]
pub(super) struct Virtual<'a> {
    pub(super) path: String,
    pub(super) file: usize,
    pub(super) stanza: &'a Stanza,
    /// Destination network (host bits as written), when it is IPv6.
    pub(super) dest: Option<Ipv6Addr>,
    /// Whether the destination could not be read at all (not IPv4, not IPv6).
    pub(super) unreadable: bool,
    pub(super) route_domain: u16,
    /// Mask length; `None` for a mask that is not a contiguous IPv6 netmask.
    pub(super) len: Option<u8>,
}

impl Virtual<'_> {
    pub(super) fn net(&self) -> Option<Ipv6Net> {
        Ipv6Net::new(self.dest?, self.len?).ok().map(|n| n.trunc())
    }

    /// Where a finding about its destination points: the `destination` line, or
    /// the whole stanza when it has none.
    pub(super) fn destination_span(&self) -> Range<usize> {
        self.stanza
            .child("destination")
            .map_or_else(|| self.stanza.span.clone(), |c| c.span.clone())
    }

    pub(super) fn folder(&self) -> &str {
        self.path
            .rsplit_once('/')
            .map_or("/Common", |(f, _)| if f.is_empty() { "/Common" } else { f })
    }
}

/// A `ltm pool` member: its address and port.
#[derive(Debug)]
pub(super) struct Member<'a> {
    pub(super) address: Option<IpAddr>,
    pub(super) port: String,
    pub(super) stanza: &'a Stanza,
}

#[derive(Debug)]
pub(super) struct Pool<'a> {
    pub(super) file: usize,
    pub(super) stanza: &'a Stanza,
    pub(super) members: Vec<Member<'a>>,
}

/// A `net route`: network and gateway.
#[derive(Debug)]
pub(super) struct NetRoute<'a> {
    pub(super) file: usize,
    pub(super) stanza: &'a Stanza,
    pub(super) network: Ipv6Net,
    pub(super) route_domain: u16,
    pub(super) gateway: Option<IpAddr>,
}

/// Splits `addr%rd` into the address text and its route domain (0 when absent).
pub(super) fn split_rd(s: &str) -> (&str, u16) {
    match s.split_once('%') {
        Some((a, rd)) => (a, rd.parse().unwrap_or(u16::MAX)),
        None => (s, 0),
    }
}

/// The last path component: `/Common/2131::.any` → `2131::.any`.
pub(super) fn leaf(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, l)| l)
}

/// An IPv6 `address[%rd].port` (or a virtual-address name `.port`/`:port`) as
/// BIG-IP writes destinations and members.
pub(super) fn split_port(s: &str) -> (&str, &str) {
    if s.matches(':').count() > 1 {
        s.rsplit_once('.').unwrap_or((s, ""))
    } else {
        s.rsplit_once(':')
            .or_else(|| s.rsplit_once('.'))
            .unwrap_or((s, ""))
    }
}

/// The prefix length of a netmask; `any6` is 0. `None` for IPv4 or gapped masks.
pub(super) fn mask_len(mask: &str) -> Option<u8> {
    if mask == "any6" || mask == "any" {
        return Some(0);
    }
    let bits = u128::from(mask.parse::<Ipv6Addr>().ok()?);
    let len = bits.leading_ones();
    (bits.checked_shl(len).unwrap_or(0) == 0).then_some(len as u8)
}

/// The full path of an object named `name` used from `folder`.
pub(super) fn full_path(name: &str, folder: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("{folder}/{name}")
    }
}

pub(super) struct Config<'a> {
    pub(super) virtuals: Vec<Virtual<'a>>,
    pub(super) pools: BTreeMap<String, Pool<'a>>,
    pub(super) routes: Vec<NetRoute<'a>>,
}

pub(super) fn object<'s>(s: &'s Stanza, module: &str, kind: &str) -> Option<&'s str> {
    match s.words.as_slice() {
        [m, k, name, ..] if m == module && k == kind => Some(name.as_str()),
        _ => None,
    }
}

/// Addresses defined once and referred to by name: nodes (pool members by node
/// name) and virtual addresses (destinations by name).
#[derive(Default)]
struct Addresses {
    nodes: BTreeMap<String, IpAddr>,
    virtual_addresses: BTreeMap<String, (Ipv6Addr, u16)>,
}

impl Addresses {
    fn read(files: &[(Vec<Stanza>, &Source)]) -> Self {
        let mut out = Self::default();
        for s in files.iter().flat_map(|(stanzas, _)| stanzas) {
            if let Some(name) = object(s, "ltm", "node")
                && let Some(addr) = s.value("address")
                && let Ok(a) = split_rd(addr).0.parse::<IpAddr>()
            {
                out.nodes.insert(full_path(name, "/Common"), a);
            }
            if let Some(name) = object(s, "ltm", "virtual-address")
                && let Some(addr) = s.value("address")
            {
                let (a, rd) = split_rd(addr);
                if let Ok(a) = a.parse::<Ipv6Addr>() {
                    out.virtual_addresses
                        .insert(full_path(name, "/Common"), (a, rd));
                }
            }
        }
        out
    }
}

/// Reads the objects Manage Out depends on (virtuals, pools, net routes) from
/// every file; names are resolved to full paths, addresses through nodes and
/// virtual addresses defined in any of the files.
pub(super) fn read_config<'a>(files: &'a [(Vec<Stanza>, &'a Source)]) -> Config<'a> {
    let addresses = Addresses::read(files);
    let mut config = Config {
        virtuals: Vec::new(),
        pools: BTreeMap::new(),
        routes: Vec::new(),
    };
    for (file, (stanzas, _)) in files.iter().enumerate() {
        for s in stanzas {
            if let Some(name) = object(s, "ltm", "virtual") {
                config
                    .virtuals
                    .push(read_virtual(s, name, file, &addresses));
            } else if let Some(name) = object(s, "ltm", "pool") {
                let pool = Pool {
                    file,
                    stanza: s,
                    members: read_members(s, &addresses),
                };
                config.pools.insert(full_path(name, "/Common"), pool);
            } else if object(s, "net", "route").is_some()
                && let Some(route) = read_route(s, file)
            {
                config.routes.push(route);
            }
        }
    }
    config
}

fn read_virtual<'a>(s: &'a Stanza, name: &str, file: usize, addresses: &Addresses) -> Virtual<'a> {
    let path = full_path(name, "/Common");
    let folder = path.rsplit_once('/').map_or("/Common", |(f, _)| f);
    let (mut dest, mut route_domain) = (None, 0);
    let mut unreadable = true;
    if let Some(d) = s.value("destination") {
        let (addr, _port) = split_port(leaf(d));
        let (a, rd) = split_rd(addr);
        if let Ok(a) = a.parse::<Ipv6Addr>() {
            (dest, route_domain) = (Some(a), rd);
        } else if let Some((a, rd)) = addresses
            .virtual_addresses
            .get(&full_path(addr, folder))
            .or_else(|| addresses.virtual_addresses.get(&full_path(a, folder)))
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
    Virtual {
        path,
        file,
        stanza: s,
        dest,
        unreadable,
        route_domain,
        len,
    }
}

/// A pool's members, each with its address: the member's own `address`, the
/// address in its name, or its node's.
fn read_members<'a>(pool: &'a Stanza, addresses: &Addresses) -> Vec<Member<'a>> {
    let Some(members) = pool.child("members") else {
        return Vec::new();
    };
    members
        .children
        .iter()
        .map(|member| {
            let name = member.words.first().map_or("", String::as_str);
            let (addr, port) = split_port(leaf(name));
            let folder = match name.rsplit_once('/') {
                Some(("", _)) | None => "/Common",
                Some((f, _)) => f,
            };
            let address = member
                .value("address")
                .map(|a| split_rd(a).0)
                .and_then(|a| a.parse().ok())
                .or_else(|| split_rd(addr).0.parse().ok())
                .or_else(|| addresses.nodes.get(&full_path(addr, folder)).copied());
            Member {
                address,
                port: port.to_owned(),
                stanza: member,
            }
        })
        .collect()
}

/// A `net route` with an IPv6 network (`default-inet6`, or a prefix whose route
/// domain may sit before the length: `2131:0:0:1000::%2/59`).
fn read_route(s: &Stanza, file: usize) -> Option<NetRoute<'_>> {
    let network = s.value("network")?;
    let (net, rd) = split_rd(network);
    let net = if net == "default-inet6" {
        Some(Ipv6Net::default())
    } else {
        let (a, len) = network.rsplit_once('/').unwrap_or((network, "128"));
        let (a, _) = split_rd(a);
        a.parse::<Ipv6Addr>()
            .ok()
            .zip(len.parse::<u8>().ok())
            .and_then(|(a, l)| Ipv6Net::new(a, l).ok())
            .or_else(|| net.parse().ok())
    };
    let route_domain = if network.contains('%') {
        let after = network.split_once('%').map_or("", |(_, r)| r);
        after
            .split('/')
            .next()
            .and_then(|r| r.parse().ok())
            .unwrap_or(rd)
    } else {
        0
    };
    Some(NetRoute {
        file,
        stanza: s,
        network: net?.trunc(),
        route_domain,
        gateway: s.value("gw").and_then(|g| split_rd(g).0.parse().ok()),
    })
}

/// Builds diagnostics located in the configuration files, or at the REST objects
/// the configuration was read from.
pub(super) struct Located<'a> {
    pub(super) files: &'a [(Vec<Stanza>, &'a Source)],
    pub(super) lines: Vec<LineIndex>,
    /// Each "file" is one REST object, named by its URL: no lines.
    pub(super) objects: bool,
}

impl Located<'_> {
    pub(super) fn at(&self, d: Diagnostic, file: usize, span: &Range<usize>) -> Diagnostic {
        let Some((_, source)) = self.files.get(file) else {
            return d;
        };
        if self.objects {
            return d.located(Location::object(source.name.clone()));
        }
        let (line, column) = self.lines[file].position(&source.text, span.start);
        d.located(Location {
            file: source.name.clone(),
            line,
            column,
            span: span.clone(),
        })
    }

    /// Where a stanza is, for a message: `file:line`, or the object's URL.
    pub(super) fn place(&self, file: usize, span: &Range<usize>) -> String {
        let Some((_, source)) = self.files.get(file) else {
            return String::new();
        };
        if self.objects {
            return source.name.clone();
        }
        let line = self.lines[file].position(&source.text, span.start).0;
        format!("{}:{line}", source.name)
    }
}

/// Finds the networks of a list that overlap a prefix (hold it or lie inside it)
/// without scanning the list: at most 129 hash lookups for the networks holding
/// it, one binary search for those inside it.
pub(super) struct NetIndex {
    exact: HashMap<Ipv6Net, Vec<usize>>,
    /// (network, length, position), sorted.
    sorted: Vec<(u128, u8, usize)>,
}

impl NetIndex {
    pub(super) fn new(nets: impl Iterator<Item = Option<Ipv6Net>>) -> Self {
        let mut exact: HashMap<Ipv6Net, Vec<usize>> = HashMap::new();
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
    pub(super) fn overlapping(&self, p: Ipv6Net) -> Vec<usize> {
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
pub(super) struct FarmRoute<'f> {
    pub(super) server: usize,
    pub(super) name: &'f str,
    pub(super) address: Ipv6Addr,
    pub(super) prefix: Ipv6Net,
    pub(super) kind: RouteKind,
}
