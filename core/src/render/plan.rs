//! What every target renders, computed once: object names, descriptions, the
//! partition and route domain, per server its pool and per prefix its virtual.
//!
//! Object names are `<farm>_<server>_pool` and `<farm>_<server>_<client|vpn|teredo>`
//! (`<farm>` is `manageout` for a farm without a name). Farm and server names
//! follow the name rule ([`names`](crate::names)), so the only change needed is a
//! prefix `mo_` when the farm name does not start with a letter (BIG-IP and AS3
//! object names must). The names are the same in tmsh, bigip.conf and AS3, and
//! distinct for distinct servers and kinds. Every object carries the marker
//! `manageout:<farm>` in its description (AS3: `remark`), which tells manageout's
//! objects from others'.

use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

use crate::model::{Farm, RouteKind, Server};
use crate::names::common_path;

/// The objects of one rendering.
pub(crate) struct Plan<'f> {
    pub(crate) farm: &'f Farm,
    /// The farm part of every object name.
    pub(crate) prefix: String,
    /// `manageout:<prefix>`.
    pub(crate) marker: String,
    pub(crate) servers: Vec<ServerPlan<'f>>,
}

/// One server's objects.
pub(crate) struct ServerPlan<'f> {
    pub(crate) server: &'f Server,
    /// The pool's name (without the partition).
    pub(crate) pool: String,
    pub(crate) virtuals: Vec<VirtualPlan>,
}

/// One prefix's virtual server.
pub(crate) struct VirtualPlan {
    pub(crate) prefix: Ipv6Net,
    pub(crate) kind: RouteKind,
    pub(crate) name: String,
}

/// The farm part of object names: the farm's name, `mo_` before one that does not
/// start with a letter, `manageout` for a farm without a name.
pub(crate) fn object_prefix(farm: &Farm) -> String {
    match farm.name.as_deref() {
        None => "manageout".to_owned(),
        Some(n) if n.starts_with(|c: char| c.is_ascii_alphabetic()) => n.to_owned(),
        Some(n) => format!("mo_{n}"),
    }
}

/// The marker every object manageout creates carries: `manageout:<farm>`.
pub(crate) fn marker(farm: &Farm) -> String {
    format!("manageout:{}", object_prefix(farm))
}

impl<'f> Plan<'f> {
    pub(crate) fn new(farm: &'f Farm) -> Self {
        let prefix = object_prefix(farm);
        let servers = farm
            .servers
            .iter()
            .map(|server| ServerPlan {
                server,
                pool: format!("{prefix}_{}_pool", server.name),
                virtuals: server
                    .routes()
                    .map(|(prefix_net, kind)| VirtualPlan {
                        prefix: prefix_net,
                        kind,
                        name: format!("{prefix}_{}_{kind}", server.name),
                    })
                    .collect(),
            })
            .collect();
        Self {
            farm,
            marker: marker(farm),
            prefix,
            servers,
        }
    }

    /// Only the servers `subset` (indexes into the farm), names as for the whole farm.
    pub(crate) fn retain(mut self, subset: &[usize]) -> Self {
        let mut i = 0;
        self.servers.retain(|_| {
            i += 1;
            subset.contains(&(i - 1))
        });
        self
    }

    /// The partition, without slashes.
    pub(crate) fn partition(&self) -> &str {
        &self.farm.bigip.partition
    }

    /// The full path of an object of ours: `/<partition>/<name>`.
    pub(crate) fn path(&self, name: &str) -> String {
        format!("/{}/{name}", self.partition())
    }

    /// `%N` for a non-zero route domain, else nothing.
    pub(crate) fn rd(&self) -> String {
        match self.farm.bigip.route_domain {
            Some(n) if n != 0 => format!("%{n}"),
            _ => String::new(),
        }
    }

    /// The full paths of the VLANs the virtuals listen on (`None`: every VLAN).
    pub(crate) fn vlans(&self) -> Option<Vec<String>> {
        self.farm
            .bigip
            .vlans
            .as_ref()
            .map(|v| v.iter().map(|n| common_path(n)).collect())
    }

    /// The full path of the pool monitor.
    pub(crate) fn monitor(&self) -> Option<String> {
        self.farm.bigip.monitor.as_deref().map(common_path)
    }

    /// The description of a server's pool.
    pub(crate) fn pool_description(&self, sp: &ServerPlan<'_>) -> String {
        format!("{} pool of DA server {}", self.marker, sp.server.name)
    }

    /// The description of a prefix's virtual.
    pub(crate) fn virtual_description(&self, sp: &ServerPlan<'_>, v: &VirtualPlan) -> String {
        format!("{} {} prefix of {}", self.marker, v.kind, sp.server.name)
    }
}

/// `/59` → `ffff:ffff:ffff:ffe0::`.
pub(crate) fn netmask(len: u8) -> Ipv6Addr {
    Ipv6Addr::from(u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netmask_of_59_is_the_articles_mask() {
        assert_eq!(netmask(59).to_string(), "ffff:ffff:ffff:ffe0::");
        assert_eq!(netmask(64).to_string(), "ffff:ffff:ffff:ffff::");
        assert_eq!(netmask(0).to_string(), "::");
        assert_eq!(
            netmask(128).to_string(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        );
    }

    #[test]
    fn a_farm_name_that_starts_with_a_digit_gets_a_prefix() {
        let mut farm = Farm::default();
        assert_eq!(object_prefix(&farm), "manageout");
        farm.name = Some("2-EDGE".into());
        assert_eq!(object_prefix(&farm), "mo_2-EDGE");
        farm.name = Some("article".into());
        assert_eq!(marker(&farm), "manageout:article");
    }
}
