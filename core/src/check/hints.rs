//! Helps that need the whole farm, computed before their diagnostic is pushed:
//! for a prefix with host bits set (MO012), its network and, when another server
//! routes it, the nearest free sibling of the same length.

use std::collections::HashMap;
use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

use super::{Checked, Checker, RouteRef, Val};
use crate::net::overlaps;

impl Checker<'_> {
    /// Pushes the MO012 diagnostics with their help: the network, and if it is
    /// taken, the nearest free sibling (computed once per distinct network).
    pub(super) fn host_bits_help(
        &mut self,
        servers: &[Checked],
        routes: &[RouteRef],
        internal: Option<&Val<Ipv6Net>>,
    ) {
        let pending = std::mem::take(&mut self.host_bits);
        if pending.is_empty() {
            return;
        }
        let used = UsedSpace::new(
            routes.iter().map(|r| r.prefix),
            servers
                .iter()
                .filter_map(|s| s.address.as_ref().map(|a| a.value)),
        );
        let mut memo: HashMap<(Ipv6Net, Ipv6Net), Option<Ipv6Net>> = HashMap::new();
        for (i, field, mut d) in pending {
            let c = &servers[i];
            let v = match field {
                "client_prefix" => &c.client_prefix,
                "vpn_prefix" => &c.vpn_prefix,
                _ => &c.teredo_prefix,
            };
            let Some(v) = v.as_ref() else {
                self.diags.push(d);
                continue;
            };
            let network = v.value.trunc();
            let taken_by = routes
                .iter()
                .find(|r| overlaps(&r.prefix, &network) && !(r.server == i && r.field() == field))
                .map(|r| {
                    servers[r.server]
                        .name
                        .as_ref()
                        .map_or_else(|| format!("server #{}", r.server), |n| n.value.clone())
                });
            let server_name = c.name.as_ref().map_or("this server", |n| n.value.as_str());
            let reread = reread(field, server_name);
            let help = match taken_by {
                None => format!("its network is `{network}`: write that; or {reread}"),
                Some(owner) => {
                    let bound = search_bound(internal, network);
                    let free = *memo
                        .entry((network, bound))
                        .or_insert_with(|| used.nearest_free_sibling(network, bound));
                    let assign = if field == "client_prefix" {
                        free.map(|f| format!("; if a new prefix is wanted, the nearest free /{} is `{f}` (assign it with `Set-DAServer -ClientIPv6Prefix {f}`)", f.prefix_len()))
                    } else {
                        free.map(|f| format!("; the nearest free /{} is `{f}`", f.prefix_len()))
                    };
                    format!(
                        "its network `{network}` is already routed to {owner}; {reread}{}",
                        assign.unwrap_or_else(|| format!(
                            "; no free /{} is left near it",
                            network.prefix_len()
                        ))
                    )
                }
            };
            d.help = Some(help);
            self.diags.push(d);
        }
    }
}

/// The address space taken by routed prefixes and server addresses, as sorted,
/// merged ranges of `(first, last)` address: a candidate prefix is free when it
/// meets none of them (one binary search).
pub(crate) struct UsedSpace {
    ranges: Vec<(u128, u128)>,
}

impl UsedSpace {
    pub(crate) fn new(
        prefixes: impl Iterator<Item = Ipv6Net>,
        addresses: impl Iterator<Item = Ipv6Addr>,
    ) -> Self {
        let mut ranges: Vec<(u128, u128)> = prefixes
            .map(|p| (u128::from(p.network()), u128::from(p.broadcast())))
            .chain(addresses.map(|a| (u128::from(a), u128::from(a))))
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(u128, u128)> = Vec::with_capacity(ranges.len());
        for (a, z) in ranges {
            match merged.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(z),
                _ => merged.push((a, z)),
            }
        }
        Self { ranges: merged }
    }

    /// The used range meeting `first..=last`, if any.
    fn blocker(&self, first: u128, last: u128) -> Option<(u128, u128)> {
        let i = self.ranges.partition_point(|r| r.1 < first);
        self.ranges.get(i).copied().filter(|r| r.0 <= last)
    }

    /// The free prefix of the same length nearest to `network` inside `bound`
    /// (the higher one first on a tie). Each step up or down skips a whole used
    /// range, so the search costs at most one binary search per used range.
    ///
    /// For the source article's farm (DA1 owns `2131:0:0:1000::/59`), the nearest
    /// free sibling of `2131:0:0:1000::/59` is `2131:0:0:1020::/59`.
    pub(crate) fn nearest_free_sibling(&self, network: Ipv6Net, bound: Ipv6Net) -> Option<Ipv6Net> {
        let len = network.prefix_len();
        if len == 0 || !bound.contains(&network) {
            return None;
        }
        let size: u128 = 1u128 << (128 - u32::from(len));
        let base = u128::from(network.network());
        let (lo, hi) = (u128::from(bound.network()), u128::from(bound.broadcast()));
        // the first free candidate at or above `from`, and at or below `from`
        let up = |mut at: u128| -> Option<u128> {
            loop {
                let last = at.checked_add(size - 1)?;
                if last > hi {
                    return None;
                }
                match self.blocker(at, last) {
                    None => return Some(at),
                    Some((_, z)) => {
                        // the next aligned candidate past the blocker
                        at = z.checked_add(1)?.checked_add(size - 1)? & !(size - 1);
                    }
                }
            }
        };
        let down = |mut at: u128| -> Option<u128> {
            loop {
                if at < lo {
                    return None;
                }
                match self.blocker(at, at + (size - 1)) {
                    None => return Some(at),
                    Some((a, _)) => at = a.checked_sub(size)? & !(size - 1),
                }
            }
        };
        let above = base.checked_add(size).and_then(up);
        let below = base.checked_sub(size).and_then(down);
        let pick = match (above, below) {
            (Some(a), Some(b)) => Some(if a - base <= base - b { a } else { b }),
            (a, b) => a.or(b),
        };
        pick.map(|start| Ipv6Net::new_assert(Ipv6Addr::from(start), len))
    }
}

/// How to find the right value of a prefix with host bits set, by field.
fn reread(field: &str, server_name: &str) -> String {
    match field {
        "client_prefix" => format!(
            "re-read the prefix DA really assigned (`Get-DAServer | ft ClientIPv6Prefix` on {server_name})"
        ),
        "vpn_prefix" => {
            "re-read the VPN clients' prefix (IPv6Prefix of `Get-RemoteAccess`)".to_owned()
        }
        _ => "derive it from the server's first public IPv4 instead (`teredo_ipv4`)".to_owned(),
    }
}

/// Where a free sibling of `network` is searched: the internal prefix when it
/// holds the network, else the prefix 16 bits shorter.
fn search_bound(internal: Option<&Val<Ipv6Net>>, network: Ipv6Net) -> Ipv6Net {
    internal
        .filter(|p| {
            p.ok && p.value.contains(&network) && p.value.prefix_len() < network.prefix_len()
        })
        .map(|p| p.value)
        .unwrap_or_else(|| {
            Ipv6Net::new_assert(network.network(), network.prefix_len().saturating_sub(16)).trunc()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_free_sibling_of_the_articles_taken_network_is_1020() {
        let n: Ipv6Net = "2131:0:0:1000::/59".parse().unwrap();
        let bound: Ipv6Net = "2131::/48".parse().unwrap();
        let free = UsedSpace::new([n].into_iter(), std::iter::empty())
            .nearest_free_sibling(n, bound)
            .unwrap();
        assert_eq!(free.to_string(), "2131:0:0:1020::/59");
    }

    #[test]
    fn nearest_free_sibling_skips_used_siblings_and_prefers_the_higher_on_a_tie() {
        let n: Ipv6Net = "2131:0:0:1000::/59".parse().unwrap();
        let up: Ipv6Net = "2131:0:0:1020::/59".parse().unwrap();
        let bound: Ipv6Net = "2131::/48".parse().unwrap();
        let free = UsedSpace::new([n, up].into_iter(), std::iter::empty())
            .nearest_free_sibling(n, bound)
            .unwrap();
        assert_eq!(free.to_string(), "2131:0:0:fe0::/59");
    }

    #[test]
    fn nearest_free_sibling_stays_inside_the_bound() {
        let n: Ipv6Net = "2131::/49".parse().unwrap();
        let bound: Ipv6Net = "2131::/48".parse().unwrap();
        let other: Ipv6Net = "2131:0:0:8000::/49".parse().unwrap();
        let used = UsedSpace::new([n, other].into_iter(), std::iter::empty());
        assert_eq!(used.nearest_free_sibling(n, bound), None);
    }
}
