//! Route listings of a cluster node, where its own /64 is visible: the route it
//! publishes on its IP-HTTPS interface (alias `IPHTTPSInterface` on Windows
//! Server 2012 R2, `Microsoft IP-HTTPS Platform Interface` on 2016 and later).
//!
//! Accepted: `Get-NetRoute -AddressFamily IPv6` as Format-List, Format-Table (with
//! an `InterfaceAlias` column) or `ConvertTo-Json` (Publish as the enum's name or
//! number), and `netsh interface ipv6 show route`. [`node_prefix`] picks the
//! published /64; every way it cannot is a [`NodePrefixProblem`] that says what
//! was seen.

use std::fmt;

use ipnet::Ipv6Net;
use serde_json::Value;

use super::json::{json_property, json_strings};
use super::text::{TextTable, list_groups, tables};

/// One route of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// `DestinationPrefix` (netsh: `Prefix`), lower-cased as written.
    pub prefix: String,
    /// `InterfaceAlias` (netsh: the interface name); `None` when the listing does
    /// not show it (a route through a gateway in netsh, or a table without the
    /// column).
    pub interface: Option<String>,
    /// `Publish`: `Some(true)` for `Yes` or `Age` (advertised), `Some(false)` for
    /// `No`, `None` when not shown.
    pub publish: Option<bool>,
    /// `PSComputerName` (from `Invoke-Command`), when shown.
    pub computer_name: Option<String>,
}

/// The IP-HTTPS interface's aliases: `IPHTTPSInterface` (Windows Server 2012 R2)
/// and `Microsoft IP-HTTPS Platform Interface` (2016 and later), compared without
/// case; Format-Table's truncation (`Microsoft IP-HTTPS Platf...`) is understood.
///
/// ```
/// use manageout::import::is_iphttps;
/// assert!(is_iphttps("IPHTTPSInterface"));
/// assert!(is_iphttps("Microsoft IP-HTTPS Platform Interface"));
/// assert!(is_iphttps("Microsoft IP-HTTPS Platfo..."));
/// assert!(is_iphttps("IPHTTPSInt…"));
/// assert!(!is_iphttps("Microsoft..."));
/// assert!(!is_iphttps("Corpnet"));
/// ```
pub fn is_iphttps(alias: &str) -> bool {
    const LONG: &str = "microsoft ip-https platform interface";
    let a = alias.trim().to_ascii_lowercase();
    if a == "iphttpsinterface" || a == LONG {
        return true;
    }
    // Format-Table cuts long cells with `...` (Windows PowerShell) or `…` (7)
    let cut = a.strip_suffix("...").or_else(|| a.strip_suffix('…'));
    cut.is_some_and(|c| {
        (c.len() >= "microsoft ip-https".len() && LONG.starts_with(c))
            || (c.len() >= "iphttps".len() && "iphttpsinterface".starts_with(c))
    })
}

fn publish_of(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "yes" | "age" | "1" | "2" => Some(true),
        "no" | "0" => Some(false),
        _ => None,
    }
}

fn route_of<'a>(mut get: impl FnMut(&str) -> Option<&'a str>) -> Option<Route> {
    let prefix = get("DestinationPrefix")?.trim();
    if prefix.is_empty() {
        return None;
    }
    let nonempty = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    Some(Route {
        prefix: prefix.to_ascii_lowercase(),
        interface: nonempty(get("InterfaceAlias")),
        publish: get("Publish").and_then(publish_of),
        computer_name: nonempty(get("PSComputerName")),
    })
}

fn lookup<'a>(props: &'a [(String, String)], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn table_routes(t: &TextTable) -> Vec<Route> {
    t.rows
        .iter()
        .filter_map(|row| {
            route_of(|name| {
                t.names
                    .iter()
                    .position(|n| n.eq_ignore_ascii_case(name))
                    .and_then(|i| row.get(i))
                    .map(String::as_str)
            })
        })
        .collect()
}

/// `netsh interface ipv6 show route`: `Publish Type Met Prefix Idx` then the
/// gateway or the interface name (which may hold spaces) to the end of the line.
fn netsh_routes(text: &str) -> Option<Vec<Route>> {
    let mut lines = text.lines();
    lines.find(|l| {
        let w: Vec<&str> = l.split_whitespace().take(5).collect();
        w.len() == 5
            && w.iter()
                .zip(["publish", "type", "met", "prefix", "idx"])
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    })?;
    let mut routes = Vec::new();
    for line in lines {
        let t = line.trim();
        if t.is_empty() || t.starts_with('-') {
            continue;
        }
        let mut rest = t;
        let mut words = Vec::new();
        for _ in 0..5 {
            let Some((w, r)) = rest.split_once(char::is_whitespace) else {
                break;
            };
            words.push(w);
            rest = r.trim_start();
        }
        if words.len() < 5 || words[2].parse::<u32>().is_err() {
            continue;
        }
        let last = rest.trim();
        let interface = (!last.is_empty() && last.parse::<std::net::Ipv6Addr>().is_err())
            .then(|| last.to_owned());
        routes.push(Route {
            prefix: words[3].to_ascii_lowercase(),
            interface,
            publish: publish_of(words[0]),
            computer_name: None,
        });
    }
    Some(routes)
}

/// The routes of a listing in any accepted format; `None` when the text is no
/// route listing.
pub(super) fn parse(text: &str) -> Option<Vec<Route>> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let value: Value = serde_json::from_str(trimmed).ok()?;
        let objects: Vec<&serde_json::Map<String, Value>> = match &value {
            Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
            Value::Object(o) => vec![o],
            _ => Vec::new(),
        };
        let routes: Vec<Route> = objects
            .iter()
            .filter_map(|o| {
                let props: Vec<(String, String)> = [
                    "DestinationPrefix",
                    "InterfaceAlias",
                    "Publish",
                    "PSComputerName",
                ]
                .iter()
                .filter_map(|k| {
                    let v = json_property(o, k)?;
                    Some(((*k).to_owned(), json_strings(v).join(",")))
                })
                .collect();
                route_of(|k| lookup(&props, k))
            })
            .collect();
        return (!routes.is_empty()).then_some(routes);
    }
    if let Some(routes) = netsh_routes(text) {
        return Some(routes);
    }
    let mut routes: Vec<Route> = list_groups(text)
        .iter()
        .filter_map(|g| route_of(|k| lookup(g, k)))
        .collect();
    for t in tables(text) {
        routes.extend(table_routes(&t));
    }
    (!routes.is_empty()).then_some(routes)
}

/// Why a node's /64 could not be taken from its route listing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodePrefixProblem {
    /// The listing names no interface and holds no /64 inside the cluster's
    /// prefix, so the IP-HTTPS interface's route cannot be found.
    NoInterfaces,
    /// No published /64 on the IP-HTTPS interface; `seen` lists the IP-HTTPS
    /// interface's routes and every route inside the cluster's prefix.
    None {
        /// What the listing holds that came closest.
        seen: Vec<String>,
    },
    /// More than one published /64 on the IP-HTTPS interface.
    Several {
        /// Those /64s.
        found: Vec<String>,
    },
    /// The one published /64 lies outside the cluster's prefix.
    Outside {
        /// That /64.
        prefix: Ipv6Net,
    },
}

impl fmt::Display for NodePrefixProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoInterfaces => f.write_str(
                "the listing shows no interface names (Get-NetRoute's default table has no InterfaceAlias column) and no /64 inside the cluster's prefix: save `Get-NetRoute -AddressFamily IPv6 | Format-List` or `netsh interface ipv6 show route` on the node instead",
            ),
            Self::None { seen } => write!(
                f,
                "no published /64 on the IP-HTTPS interface (IPHTTPSInterface or Microsoft IP-HTTPS Platform Interface); seen: {}. If this node serves IP-HTTPS clients, Microsoft's repair is `New-NetRoute -AddressFamily IPv6 -DestinationPrefix <its /64> -InterfaceAlias \"Microsoft IP-HTTPS Platform Interface\" -Publish Yes`",
                if seen.is_empty() {
                    "no route on that interface and none inside the cluster's prefix".to_owned()
                } else {
                    seen.join(", ")
                }
            ),
            Self::Several { found } => write!(
                f,
                "several published /64s on the IP-HTTPS interface ({}): give this node's client_prefix by hand",
                found.join(", ")
            ),
            Self::Outside { prefix } => write!(
                f,
                "its published IP-HTTPS /64 {prefix} lies outside the cluster's prefix: is this listing from a node of this cluster?"
            ),
        }
    }
}

fn describe_route(r: &Route) -> String {
    let publish = match r.publish {
        Some(true) => ", published",
        Some(false) => ", not published",
        None => "",
    };
    format!(
        "{} on {}{publish}",
        crate::diagnostic::shown(&r.prefix),
        r.interface
            .as_deref()
            .map_or_else(|| "a gateway".to_owned(), crate::diagnostic::shown)
    )
}

/// The node's own /64: the one route it publishes on its IP-HTTPS interface
/// that is a /64 (link-local and multicast routes left aside), which must lie
/// inside `cluster`. A listing that names no interface at all (Get-NetRoute's
/// default table) gives the one /64 inside `cluster` it holds.
///
/// ```
/// use manageout::import::{node_prefix, Route};
/// let route = |p: &str, i: &str| Route {
///     prefix: p.into(), interface: Some(i.into()), publish: Some(true), computer_name: None,
/// };
/// let listing = [
///     route("2131:0:0:1000::/59", "Ethernet"),
///     route("fe80::/64", "IPHTTPSInterface"),
///     route("2131:0:0:1001::/64", "IPHTTPSInterface"),
/// ];
/// let cluster = "2131:0:0:1000::/59".parse().unwrap();
/// assert_eq!(node_prefix(&listing, cluster).unwrap().to_string(), "2131:0:0:1001::/64");
/// ```
pub fn node_prefix(routes: &[Route], cluster: Ipv6Net) -> Result<Ipv6Net, NodePrefixProblem> {
    let link_local: Ipv6Net = "fe80::/10".parse().expect("a valid prefix");
    let multicast: Ipv6Net = "ff00::/8".parse().expect("a valid prefix");
    // without interface names (Get-NetRoute's default table, often of
    // `-InterfaceAlias <IP-HTTPS>` alone) the /64s inside the cluster's prefix
    // are the candidates: on a node only its own IP-HTTPS route is one
    let blind = routes.iter().all(|r| r.interface.is_none());
    let on_iphttps = |r: &&Route| r.interface.as_deref().is_some_and(is_iphttps);
    let mut candidates: Vec<Ipv6Net> = routes
        .iter()
        .filter(|r| blind || on_iphttps(r))
        .filter(|r| r.publish != Some(false))
        .filter_map(|r| r.prefix.parse::<Ipv6Net>().ok())
        .filter(|n| n.prefix_len() == 64 && !link_local.contains(n) && !multicast.contains(n))
        .filter(|n| !blind || cluster.contains(n))
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    match candidates[..] {
        [one] if cluster.contains(&one) => Ok(one),
        [one] => Err(NodePrefixProblem::Outside { prefix: one }),
        [] if blind => Err(NodePrefixProblem::NoInterfaces),
        [] => {
            let seen = routes
                .iter()
                .filter(|r| {
                    on_iphttps(r)
                        || r.prefix
                            .parse::<Ipv6Net>()
                            .is_ok_and(|n| cluster.contains(&n) || n.contains(&cluster))
                })
                .take(8)
                .map(describe_route)
                .collect();
            Err(NodePrefixProblem::None { seen })
        }
        _ => Err(NodePrefixProblem::Several {
            found: candidates.iter().map(ToString::to_string).collect(),
        }),
    }
}
