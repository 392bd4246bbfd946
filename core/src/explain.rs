//! What an IPv6 address is, and whether Manage Out can reach it.
//!
//! Classifies an address (IP-HTTPS client of a farm server, Teredo with its decoded
//! fields per RFC 4380, 6to4, ISATAP, NAT64, link-local, ULA, documentation,
//! multicast, loopback, IPv4-mapped, global) and, given a farm's table, which DA
//! server carries it.
//!
//! Owns: the classification. May not: build a table (it takes one) or parse text.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::model::RouteKind;
use crate::net;
use crate::table::Table;

/// The family an address belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AddressKind {
    /// Inside a farm server's IP-HTTPS client prefix.
    IpHttps,
    /// Inside a farm server's VPN client prefix.
    Vpn,
    /// Teredo, 2001::/32 (RFC 4380).
    Teredo,
    /// 6to4, 2002::/16 (RFC 3056).
    SixToFour,
    /// ISATAP interface identifier `::0:5efe:a.b.c.d` or `::200:5efe:a.b.c.d` (RFC 5214).
    Isatap,
    /// NAT64, 64:ff9b::/96 or 64:ff9b:1::/48 (RFC 6052, RFC 8215).
    Nat64,
    /// Link-local, fe80::/10.
    LinkLocal,
    /// Unique local, fc00::/7.
    Ula,
    /// Documentation, 2001:db8::/32 or 3fff::/20.
    Documentation,
    /// Multicast, ff00::/8.
    Multicast,
    /// The loopback address ::1.
    Loopback,
    /// The unspecified address ::.
    Unspecified,
    /// IPv4-mapped, ::ffff:0:0/96.
    Ipv4Mapped,
    /// Any other (global unicast) address.
    Global,
}

impl AddressKind {
    /// The name used in JSON: `ip-https`, `teredo`, `6to4`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::IpHttps => "ip-https",
            Self::Vpn => "vpn",
            Self::Teredo => "teredo",
            Self::SixToFour => "6to4",
            Self::Isatap => "isatap",
            Self::Nat64 => "nat64",
            Self::LinkLocal => "link-local",
            Self::Ula => "ula",
            Self::Documentation => "documentation",
            Self::Multicast => "multicast",
            Self::Loopback => "loopback",
            Self::Unspecified => "unspecified",
            Self::Ipv4Mapped => "ipv4-mapped",
            Self::Global => "global",
        }
    }
}

impl fmt::Display for AddressKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The explanation of one address.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The address.
    pub address: Ipv6Addr,
    /// Its family.
    pub kind: AddressKind,
    /// Whether Manage Out can reach it through the farm (a farm server owns it).
    pub steerable: bool,
    /// The farm server owning it, by name.
    pub server: Option<String>,
    /// The entry point of that server (a load-balanced one: the server is its
    /// node), or, for an address inside a load-balanced entry point's prefix that
    /// no node's /64 holds, that entry point.
    pub entry_point: Option<String>,
    /// Decoded fields (Teredo server and client, embedded IPv4, matched prefix,
    /// next hop) and a `note` saying why it can or cannot be reached.
    pub details: Map<String, Value>,
}

impl Explanation {
    /// The JSON form: `{"address","kind","steerable","server","entry_point","details"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "address": self.address.to_string(),
            "kind": self.kind.as_str(),
            "steerable": self.steerable,
            "server": self.server,
            "entry_point": self.entry_point,
            "details": Value::Object(self.details.clone()),
        })
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.address, self.kind)?;
        if let Some(s) = &self.server {
            writeln!(f, "  server: {s}")?;
        }
        if let Some(e) = &self.entry_point {
            writeln!(f, "  entry point: {e}")?;
        }
        for (k, v) in &self.details {
            if k == "note" {
                continue;
            }
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            writeln!(f, "  {}: {v}", k.replace('_', " "))?;
        }
        let note = self
            .details
            .get("note")
            .and_then(Value::as_str)
            .unwrap_or("");
        write!(
            f,
            "  manage out: {} ({note})",
            if self.steerable {
                "reachable"
            } else {
                "not reachable"
            }
        )
    }
}

fn v4(bits: u32) -> Ipv4Addr {
    Ipv4Addr::from(bits)
}

/// The rest of the path of an owned address: the corporate route that carries it
/// (`corp_route`), the BIG-IP virtual that steers it (`virtual`), and what the
/// client firewall rules let in (`firewall`).
fn whole_path(t: &Table, r: crate::Route, address: Ipv6Addr, details: &mut Map<String, Value>) {
    let farm = t.farm();
    let cover = crate::aggregate::farm_cover(farm)
        .into_iter()
        .find(|c| c.contains(&address));
    if let Some(c) = cover {
        let via = farm.bigip.self_ip.map_or_else(
            || "the BIG-IP's self IP (bigip.self_ip is not set)".to_owned(),
            |ip| ip.to_string(),
        );
        details.insert("corp_route".into(), json!(format!("{c} via {via}")));
    }
    if let Some(v) = crate::render::virtual_of(farm, r.server.index(), r.prefix) {
        details.insert("virtual".into(), json!(v));
    }
    let m = &farm.manage_out;
    let firewall = if m.management_servers.is_empty() || m.services.is_empty() {
        "no rules rendered (set manage_out.management_servers and services)".to_owned()
    } else {
        let servers: Vec<String> = m
            .management_servers
            .iter()
            .map(net::address_or_prefix)
            .collect();
        let services: Vec<String> = m.services.iter().map(ToString::to_string).collect();
        format!(
            "lets in {} from {}{}",
            services.join(", "),
            servers.join(", "),
            m.gpo.as_deref().map_or_else(
                || " (no GPO: set manage_out.gpo)".to_owned(),
                |g| format!(" (GPO {})", crate::diagnostic::shown(g))
            )
        )
    };
    details.insert("firewall".into(), json!(firewall));
}

/// Explains an address, with the farm's table when one is given.
///
/// ```
/// use manageout::explain::{explain, AddressKind};
/// // RFC 4380's own example: server 65.54.227.120, client 192.0.2.45 port 40000, cone NAT
/// let e = explain("2001:0:4136:e378:8000:63bf:3fff:fdd2".parse()?, None);
/// assert_eq!(e.kind, AddressKind::Teredo);
/// assert_eq!(e.details["teredo_server"], "65.54.227.120");
/// assert_eq!(e.details["client_ipv4"], "192.0.2.45");
/// assert_eq!(e.details["client_port"], 40000);
/// assert_eq!(e.details["cone_nat"], true);
///
/// // with a farm: the server, and the rest of the path (corporate route,
/// // BIG-IP virtual, client firewall)
/// let farm = manageout::Farm::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/whole-path.toml"))?.into_valid_farm()?;
/// let table = manageout::Table::new(&farm);
/// let e = explain("2131:0:0:1025::7".parse()?, Some(&table));
/// assert_eq!(e.server.as_deref(), Some("DA2"));
/// assert_eq!(e.details["corp_route"], "2131:0:0:1000::/58 via 2131::5");
/// assert_eq!(e.details["virtual"], "/Common/article_DA2_client");
/// assert_eq!(e.details["firewall"], "lets in rdp, winrm from 2131::50, 2131:0:0:10::/64 (GPO contoso.com\\DirectAccess Client Settings)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn explain(address: Ipv6Addr, table: Option<&Table>) -> Explanation {
    let bits = u128::from(address);
    let mut details = Map::new();
    let route = table.and_then(|t| t.route(address));
    let owner = route.and_then(|r| table.and_then(|t| t.server(r.server)));
    let server = owner.map(|s| s.name.clone());
    // a node's entry point, or the load-balanced entry point whose prefix holds an
    // address no node's /64 does
    let cluster = match (owner, table) {
        (None, Some(t)) => t
            .farm()
            .entry_points
            .iter()
            .find(|e| e.client_prefix.contains(&address)),
        _ => None,
    };
    let entry_point = owner
        .and_then(|s| s.entry_point.clone())
        .or_else(|| cluster.map(|e| e.name.clone()));
    if let Some(r) = route {
        details.insert("prefix".into(), json!(r.prefix.to_string()));
        details.insert("next_hop".into(), json!(r.next_hop.to_string()));
        details.insert("index".into(), json!(r.server.index()));
    }
    let kind = if net::UNSPECIFIED.contains(&address) {
        AddressKind::Unspecified
    } else if net::LOOPBACK.contains(&address) {
        AddressKind::Loopback
    } else if net::IPV4_MAPPED.contains(&address) {
        details.insert("ipv4".into(), json!(v4(bits as u32).to_string()));
        AddressKind::Ipv4Mapped
    } else if net::MULTICAST.contains(&address) {
        AddressKind::Multicast
    } else if net::LINK_LOCAL.contains(&address) {
        AddressKind::LinkLocal
    } else if net::TEREDO.contains(&address) {
        // RFC 4380 §4: 2001:0:<server ipv4>:<flags>:<port ^ ffff>:<client ipv4 ^ ffffffff>
        let flags = (bits >> 48) as u16;
        details.insert(
            "teredo_server".into(),
            json!(v4((bits >> 64) as u32).to_string()),
        );
        details.insert("client_ipv4".into(), json!(v4(!(bits as u32)).to_string()));
        details.insert("client_port".into(), json!(!((bits >> 32) as u16)));
        details.insert("cone_nat".into(), json!(flags & 0x8000 != 0));
        AddressKind::Teredo
    } else if let Some(ipv4) = net::six_to_four_ipv4(address) {
        details.insert("ipv4".into(), json!(ipv4.to_string()));
        AddressKind::SixToFour
    } else if net::NAT64.contains(&address) {
        details.insert("ipv4".into(), json!(v4(bits as u32).to_string()));
        AddressKind::Nat64
    } else if net::NAT64_LOCAL.contains(&address) {
        details.insert("prefix".into(), json!(net::NAT64_LOCAL.to_string()));
        AddressKind::Nat64
    } else if route.is_some_and(|r| r.kind == RouteKind::Client) {
        AddressKind::IpHttps
    } else if route.is_some_and(|r| r.kind == RouteKind::Vpn) {
        AddressKind::Vpn
    } else if let Some(ipv4) = net::isatap_ipv4(address) {
        details.insert("ipv4".into(), json!(ipv4.to_string()));
        AddressKind::Isatap
    } else if net::documentation_range(address).is_some() {
        AddressKind::Documentation
    } else if net::ULA.contains(&address) {
        AddressKind::Ula
    } else {
        AddressKind::Global
    };
    let steerable = route.is_some();
    let note = match (kind, &server) {
        (_, Some(s)) => match (owner.and_then(|o| table.and_then(|t| t.farm().cluster_of(o))), route) {
            (Some(c), Some(r)) => format!(
                "the farm routes it to node {s} of load-balanced entry point {}, which serves {}, not to the VIP",
                c.name, r.prefix
            ),
            _ => format!("the farm routes it to DA server {s}"),
        },
        (_, None) if cluster.is_some() => format!(
            "inside the prefix of load-balanced entry point {}, but no node's /64 holds it: Manage Out cannot pick the node (give every node its /64)",
            cluster.map_or("?", |c| c.name.as_str())
        ),
        (AddressKind::Teredo, None) => "a Teredo client that no farm server's Teredo prefix holds; behind one load-balanced address Teredo clients cannot be steered: disable Teredo, or give each entry point its teredo_ipv4".to_owned(),
        (AddressKind::SixToFour, None) => "a 6to4 address: the host has a public IPv4 and no DirectAccess tunnel of this farm".to_owned(),
        (AddressKind::Isatap, None) => "an ISATAP address: ISATAP is unsupported with load balancing and multisite".to_owned(),
        (AddressKind::Nat64, None) => "NAT64 translates IPv6 clients to IPv4 servers, one way: it cannot carry Manage Out".to_owned(),
        (AddressKind::LinkLocal, None) => "link-local addresses never leave their link".to_owned(),
        (AddressKind::Multicast | AddressKind::Loopback | AddressKind::Unspecified, None) => "not a unicast host address".to_owned(),
        (AddressKind::Ipv4Mapped, None) => "an IPv4 address in IPv6 notation; DirectAccess clients are reached over IPv6".to_owned(),
        (AddressKind::Documentation, None) => "a documentation address (RFC 3849/9637)".to_owned(),
        (_, None) if table.is_some() => "no server of the farm owns this address".to_owned(),
        (_, None) => "give the farm (--farm) to find the DA server that owns it".to_owned(),
    };
    if let (Some(r), Some(t)) = (route, table) {
        whole_path(t, r, address, &mut details);
    }
    details.insert("note".into(), json!(note));
    Explanation {
        address,
        kind,
        steerable,
        server,
        entry_point,
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> AddressKind {
        explain(s.parse().unwrap(), None).kind
    }

    #[test]
    fn families_are_recognised() {
        assert_eq!(kind("2002:836b:1::1"), AddressKind::SixToFour);
        assert_eq!(
            kind("2002:836b:1:8000:0:5efe:192.168.99.1"),
            AddressKind::SixToFour
        );
        assert_eq!(kind("2131:0:0:8000:0:5efe:10.0.0.1"), AddressKind::Isatap);
        assert_eq!(
            kind("2131:0:0:8000:200:5efe:131.107.0.1"),
            AddressKind::Isatap
        );
        assert_eq!(kind("64:ff9b::a00:4"), AddressKind::Nat64);
        assert_eq!(kind("fe80::1"), AddressKind::LinkLocal);
        assert_eq!(kind("fdc9:9f4e:eb1b:7777::a00:4"), AddressKind::Ula);
        assert_eq!(kind("2001:db8::1"), AddressKind::Documentation);
        assert_eq!(kind("ff02::1"), AddressKind::Multicast);
        assert_eq!(kind("::1"), AddressKind::Loopback);
        assert_eq!(kind("::"), AddressKind::Unspecified);
        assert_eq!(kind("::ffff:10.0.0.1"), AddressKind::Ipv4Mapped);
        assert_eq!(kind("2a00:1450::1"), AddressKind::Global);
    }

    #[test]
    fn embedded_ipv4_is_decoded() {
        let e = explain("2002:836b:1::1".parse().unwrap(), None);
        assert_eq!(e.details["ipv4"], "131.107.0.1");
        let e = explain("64:ff9b::a00:4".parse().unwrap(), None);
        assert_eq!(e.details["ipv4"], "10.0.0.4");
        let e = explain("2131:0:0:8000:200:5efe:131.107.0.1".parse().unwrap(), None);
        assert_eq!(e.details["ipv4"], "131.107.0.1");
    }
}
