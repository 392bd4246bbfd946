//! Route aggregation for the corporate routers: the fewest prefixes that cover
//! exactly a set of prefixes ([`exact_cover`]), and the one shortest prefix that
//! covers them all ([`covering`]) with what else it would capture
//! ([`farm_covering`]).
//!
//! Owns: prefix arithmetic over sets. May not: render or check a farm (it reads a
//! farm's routes).

use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

use crate::diagnostic::{Code, Diagnostic};
use crate::model::Farm;

/// The sibling of a prefix (the other half of its parent), if it has a parent.
fn sibling(n: Ipv6Net) -> Option<Ipv6Net> {
    let len = n.prefix_len();
    if len == 0 {
        return None;
    }
    let bit = 1u128 << (128 - u32::from(len));
    Ipv6Net::new(Ipv6Addr::from(u128::from(n.network()) ^ bit), len).ok()
}

/// The parent of a prefix (one bit shorter).
fn parent(n: Ipv6Net) -> Ipv6Net {
    n.supernet().unwrap_or(n)
}

/// The fewest prefixes whose union is exactly the union of `prefixes`: host bits
/// cleared, prefixes inside others dropped, and sibling halves merged into their
/// parent until none are left; sorted by address. No two of the result overlap or
/// are siblings, so no shorter list covers the same addresses.
///
/// O(n log n) time for n prefixes, O(n) memory.
///
/// ```
/// use manageout::aggregate::exact_cover;
/// let p = |s: &str| s.parse::<ipnet::Ipv6Net>().unwrap();
/// let cover = exact_cover([p("2131:0:0:1000::/59"), p("2131:0:0:1020::/59"), p("2131:0:0:1005::/64")]);
/// assert_eq!(cover, [p("2131:0:0:1000::/58")]);
/// let apart = exact_cover([p("2131:0:0:1000::/64"), p("2131:0:0:1002::/64")]);
/// assert_eq!(apart.len(), 2);
/// ```
pub fn exact_cover(prefixes: impl IntoIterator<Item = Ipv6Net>) -> Vec<Ipv6Net> {
    let mut all: Vec<Ipv6Net> = prefixes.into_iter().map(|n| n.trunc()).collect();
    all.sort_unstable_by_key(|n| (n.network(), n.prefix_len()));
    let mut out: Vec<Ipv6Net> = Vec::with_capacity(all.len());
    for n in all {
        if out.last().is_some_and(|last| last.contains(&n)) {
            continue;
        }
        let mut n = n;
        // merge with the previous prefix while they are the two halves of a parent
        while let Some(&last) = out.last() {
            if sibling(n) == Some(last) {
                out.pop();
                n = parent(n);
            } else {
                break;
            }
        }
        out.push(n);
    }
    out
}

/// The longest single prefix that holds every one of `prefixes` (their common
/// supernet); `None` for no prefixes.
///
/// ```
/// use manageout::aggregate::covering;
/// let p = |s: &str| s.parse::<ipnet::Ipv6Net>().unwrap();
/// assert_eq!(covering([p("2131:0:0:1000::/59"), p("2131:0:0:1020::/59")]), Some(p("2131:0:0:1000::/58")));
/// assert_eq!(covering([p("2131:0:0:1000::/59"), p("2131:0:0:1040::/59")]), Some(p("2131:0:0:1000::/57")));
/// ```
pub fn covering(prefixes: impl IntoIterator<Item = Ipv6Net>) -> Option<Ipv6Net> {
    let mut it = prefixes.into_iter();
    let first = it.next()?;
    let (mut lo, mut hi, mut len) = (
        u128::from(first.network()),
        u128::from(first.broadcast()),
        first.prefix_len(),
    );
    for n in it {
        lo = lo.min(u128::from(n.network()));
        hi = hi.max(u128::from(n.broadcast()));
        len = len.min(n.prefix_len());
    }
    let common = (lo ^ hi).leading_zeros().min(128) as u8;
    Ipv6Net::new(Ipv6Addr::from(lo), len.min(common))
        .ok()
        .map(|n| n.trunc())
}

/// The prefixes the farm routes through the BIG-IP (every server's client, VPN
/// and Teredo prefix: for a cluster, each node's /64), as [`exact_cover`] merges
/// them.
///
/// ```
/// let farm = manageout::Farm::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/seed-fixed.toml"))?.into_valid_farm()?;
/// let cover = manageout::aggregate::farm_cover(&farm);
/// assert_eq!(cover.iter().map(ToString::to_string).collect::<Vec<_>>(), ["2131:0:0:1000::/58"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn farm_cover(farm: &Farm) -> Vec<Ipv6Net> {
    exact_cover(farm.servers.iter().flat_map(|s| s.routes().map(|(p, _)| p)))
}

/// The one prefix covering every routed prefix of the farm, and an MO041 warning
/// for each thing it captures beyond them: `farm.internal_prefix` (when the cover
/// holds it whole), a management server, the self IP, a DA server's address, and
/// how much unrouted space it holds. `None` for a farm without routes.
///
/// ```
/// let farm = manageout::Farm::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/multisite.toml"))?.into_valid_farm()?;
/// let (cover, warnings) = manageout::aggregate::farm_covering(&farm).unwrap();
/// assert_eq!(cover.to_string(), "2001::/20"); // Teredo /64s and the IP-HTTPS /59s
/// assert!(warnings.iter().all(|w| w.code == "MO041"));
/// assert!(warnings[0].message.contains("the whole internal prefix 2001:db8::/32"), "{}", warnings[0].message);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn farm_covering(farm: &Farm) -> Option<(Ipv6Net, Vec<Diagnostic>)> {
    let exact = farm_cover(farm);
    let cover = covering(exact.iter().copied())?;
    let routed = |a: Ipv6Addr| exact.iter().any(|n| n.contains(&a));
    let mut warnings = Vec::new();
    let mut warn = |what: String, help: &str| {
        warnings.push(
            Diagnostic::warning(
                Code::MO041,
                format!("the covering prefix {cover} captures {what}"),
            )
            .with_help(help.to_owned()),
        );
    };
    if let Some(internal) = farm.internal_prefix
        && cover.contains(&internal)
    {
        warn(
            format!(
                "the whole internal prefix {internal}: every internal destination would be sent to the BIG-IP"
            ),
            "route the exact prefixes (leave out --aggregate), or give the routers more specific internal routes",
        );
    }
    for m in &farm.manage_out.management_servers {
        if cover.contains(m) && !routed(m.network()) {
            warn(
                format!(
                    "management server {}: its traffic would be sent to the BIG-IP",
                    crate::net::address_or_prefix(m)
                ),
                "route the exact prefixes (leave out --aggregate)",
            );
        }
    }
    if let Some(ip) = farm.bigip.self_ip
        && cover.contains(&ip)
    {
        warn(
            format!("the BIG-IP's own self IP {ip}, the route's next hop"),
            "route the exact prefixes (leave out --aggregate)",
        );
    }
    for s in &farm.servers {
        if cover.contains(&s.address) {
            warn(
                format!("DA server {}'s address {}", s.name, s.address),
                "route the exact prefixes (leave out --aggregate): the BIG-IP forwards to the DA servers, routers must reach them directly",
            );
        }
    }
    let size = |n: &Ipv6Net| 2f64.powi(128 - i32::from(n.prefix_len()));
    let routed_size: f64 = exact.iter().map(size).sum();
    let extra = size(&cover) - routed_size;
    if extra > 0.0 {
        warn(
            format!(
                "{:.0}% of its addresses that no DA server serves ({} prefixes exactly cover the farm)",
                100.0 * extra / size(&cover),
                exact.len()
            ),
            "packets to that space reach the BIG-IP and are dropped or misrouted; route the exact prefixes unless that space is unused",
        );
    }
    Some((cover, warnings))
}
