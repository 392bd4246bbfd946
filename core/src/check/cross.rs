//! The checks between servers: duplicate names and addresses (MO020, MO021),
//! shared and overlapping prefixes (MO022, MO023, MO031 for a shared Teredo
//! prefix), next hops inside routed prefixes or outside the internal prefix
//! (MO024, MO025), Windows 7 clients across entry points (MO032). Only values the
//! value checks found valid take part, and work stays linear in the farm: equal
//! prefixes are one group reported once, never per pair.

use std::collections::HashMap;
use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

use super::{Checked, Checker, EntryPoint, RouteRef, Val};
use crate::diagnostic::{Code, Diagnostic};
use crate::load::draft::Draft;
use crate::model::RouteKind;
use crate::net;
use crate::table::PrefixMap;

/// A server's name for messages: its name, or `#index`.
fn name_of(servers: &[Checked], i: usize) -> String {
    servers[i]
        .name
        .as_ref()
        .map_or_else(|| format!("#{i}"), |n| n.value.clone())
}

/// Who a server's routes belong to.
fn entry_point(servers: &[Checked], i: usize) -> EntryPoint {
    match servers[i].entry_point.as_ref() {
        Some(ep) => EntryPoint::Named(ep.value.to_lowercase()),
        None => EntryPoint::Own(i),
    }
}

/// A group of equal prefixes that encloses the prefixes swept after it.
struct Enclosing<'r> {
    prefix: Ipv6Net,
    /// The entry points of the group's routes, sorted and deduplicated.
    entry_points: Vec<EntryPoint>,
    /// The group's routes (indices into the route list).
    routes: &'r [usize],
}

/// Up to five names, then "and N more".
fn list(names: Vec<String>) -> String {
    let n = names.len();
    let mut shown: Vec<String> = names.into_iter().take(5).collect();
    if n > 5 {
        shown.push(format!("and {} more", n - 5));
    }
    shown.join(", ")
}

/// The routes of valid values: client, VPN and (when known) Teredo prefixes.
fn routes_of(servers: &[Checked]) -> Vec<RouteRef> {
    // the routes taking part: valid values only
    let mut routes: Vec<RouteRef> = Vec::new();
    for (i, c) in servers.iter().enumerate() {
        let mut add = |v: &Option<Val<Ipv6Net>>, kind| {
            if let Some(v) = v.as_ref().filter(|v| v.ok) {
                routes.push(RouteRef {
                    server: i,
                    prefix: v.value,
                    kind,
                    span: v.span.clone(),
                });
            }
        };
        add(&c.client_prefix, RouteKind::Client);
        add(&c.vpn_prefix, RouteKind::Vpn);
        let derived = c.teredo_prefix.clone().or_else(|| {
            c.teredo_ipv4.as_ref().filter(|t| t.ok).map(|t| Val {
                value: net::teredo_prefix_of(t.value),
                span: t.span.clone(),
                ok: true,
            })
        });
        add(&derived, RouteKind::Teredo);
    }
    routes
}

impl Checker<'_> {
    /// Every check between servers; returns the routes that took part (the MO012
    /// helps need them).
    pub(super) fn cross_checks(
        &mut self,
        servers: &[Checked],
        internal: Option<&Val<Ipv6Net>>,
        draft: &Draft,
    ) -> Vec<RouteRef> {
        self.duplicates(servers);
        let routes = routes_of(servers);
        self.overlaps(servers, &routes);
        self.next_hops(servers, &routes, internal);
        self.windows7(servers, draft);
        routes
    }

    /// MO020 / MO021: duplicate names and addresses.
    fn duplicates(&mut self, servers: &[Checked]) {
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut addrs: HashMap<Ipv6Addr, usize> = HashMap::new();
        for i in 0..servers.len() {
            let this = servers[i].name.as_ref().map(|n| n.value.clone());
            if let Some(n) = servers[i].name.as_ref().filter(|n| n.ok) {
                let key = n.value.to_lowercase();
                if let Some(&first) = names.get(&key) {
                    let d = Diagnostic::error(Code::MO020, format!("duplicate server name `{}`", n.value))
                    .with_server(this.as_deref())
                    .with_field("name")
                    .with_help(format!("server #{first} is already called `{}`; names must be unique (compared without case)", name_of(servers, first)));
                    self.push(d, n.span.as_ref());
                } else {
                    names.insert(key, i);
                }
            }
            if let Some(a) = servers[i].address.as_ref().filter(|a| a.ok) {
                if let Some(&first) = addrs.get(&a.value) {
                    let d = Diagnostic::error(Code::MO021, format!("duplicate server address `{}`", a.value))
                    .with_server(this.as_deref())
                    .with_field("address")
                    .with_help(format!("server {} already has this address; each entry is one DA server or one load-balanced entry point's internal VIP", name_of(servers, first)));
                    self.push(d, a.span.as_ref());
                } else {
                    addrs.insert(a.value, i);
                }
            }
        }
    }

    /// MO022 / MO023 / MO031: overlapping routes, found by a sweep over sorted
    /// prefixes. Equal prefixes form one group, reported once (never per pair); a
    /// prefix nested in another entry point's is reported once, against the
    /// innermost such prefix. The stack of enclosing groups is at most 129 deep.
    fn overlaps(&mut self, servers: &[Checked], routes: &[RouteRef]) {
        let mut order: Vec<usize> = (0..routes.len()).collect();
        order.sort_by_key(|&r| {
            (
                u128::from(routes[r].prefix.network()),
                routes[r].prefix.prefix_len(),
                r,
            )
        });
        let mut stack: Vec<Enclosing<'_>> = Vec::new();
        for group in order.chunk_by(|&a, &b| routes[a].prefix == routes[b].prefix) {
            let prefix = routes[group[0]].prefix;
            self.shared_prefix(servers, routes, group);
            while stack.last().is_some_and(|o| !o.prefix.contains(&prefix)) {
                stack.pop();
            }
            for &r in group {
                self.nested_in_other_entry_point(servers, routes, r, &stack);
            }
            let mut entry_points: Vec<EntryPoint> = group
                .iter()
                .map(|&r| entry_point(servers, routes[r].server))
                .collect();
            entry_points.sort();
            entry_points.dedup();
            stack.push(Enclosing {
                prefix,
                entry_points,
                routes: group,
            });
        }
    }

    /// MO022 (MO031 for Teredo prefixes): one prefix routed by several servers,
    /// reported once for the group, at the second server in file order.
    fn shared_prefix(&mut self, servers: &[Checked], routes: &[RouteRef], group: &[usize]) {
        let prefix = routes[group[0]].prefix;
        let mut in_file_order: Vec<usize> = group.to_vec();
        in_file_order.sort_unstable();
        let mut owners: Vec<usize> = in_file_order.iter().map(|&r| routes[r].server).collect();
        owners.dedup();
        if owners.len() < 2 {
            return;
        }
        let second = &routes[in_file_order
            .iter()
            .copied()
            .find(|&r| routes[r].server != routes[in_file_order[0]].server)
            .unwrap_or(in_file_order[1])];
        let names = list(owners.iter().map(|&i| name_of(servers, i)).collect());
        let d = if group.iter().all(|&r| routes[r].kind == RouteKind::Teredo) {
            Diagnostic::error(
                Code::MO031,
                format!("Teredo prefix `{prefix}` is shared by servers {names}"),
            )
            .with_help(
                "each DA server derives its Teredo prefix from its own public IPv4 address; behind one load-balanced VIP, Teredo clients cannot be steered: disable Teredo (`Set-DAServer -TeredoState Disabled`)",
            )
        } else {
            let what = second.field().replace('_', " ");
            Diagnostic::error(
                Code::MO022,
                format!("servers {names} share the {what} `{prefix}`"),
            )
            .with_help(if second.kind == RouteKind::Client {
                format!(
                    "a ClientIPv6Prefix every node shows alike is the cluster-wide prefix of a load-balanced entry point, and the VIP in front of it reaches a random node, so Manage Out needs each node's own /64: declare the cluster once (`[[entry_point]]` with `name` and `client_prefix = \"{prefix}\"`), set `entry_point` to its name on each node, and give each node its own /64 as client_prefix (`manageout import` each node's Get-DAServer output followed by its `Get-NetRoute -AddressFamily IPv6` listing picks it); servers of separate entry points need distinct prefixes"
                )
            } else {
                "one prefix can be routed to only one next hop: give each entry point its own prefix".to_owned()
            })
        };
        let d = d
            .with_server(Some(&name_of(servers, second.server)))
            .with_field(second.field());
        self.push(d, second.span.as_ref());
    }

    /// MO023: route `r` against the innermost enclosing prefix that belongs to
    /// another entry point.
    fn nested_in_other_entry_point(
        &mut self,
        servers: &[Checked],
        routes: &[RouteRef],
        r: usize,
        stack: &[Enclosing<'_>],
    ) {
        let ep = entry_point(servers, routes[r].server);
        let Some(outer) = stack
            .iter()
            .rev()
            .find(|o| o.entry_points.iter().any(|e| *e != ep))
        else {
            return;
        };
        let Some(&o) = outer
            .routes
            .iter()
            .find(|&&o| entry_point(servers, routes[o].server) != ep)
        else {
            return;
        };
        let (ra, rb) = (&routes[o], &routes[r]);
        let (first, second) = if o < r { (ra, rb) } else { (rb, ra) };
        let (first_name, second_name) = (
            name_of(servers, first.server),
            name_of(servers, second.server),
        );
        let d = Diagnostic::error(
            Code::MO023,
            format!(
                "{} `{}` of server {second_name} overlaps {} `{}` of server {first_name}, in another entry point",
                second.field(),
                second.prefix,
                first.field(),
                first.prefix,
            ),
        )
        .with_help(format!(
            "`{}` lies inside `{}`, so clients of one entry point would be routed to the other; entry points need distinct, non-overlapping prefixes (or put both servers in the same entry_point if the inner prefix is a node's /64 inside the cluster's /59)",
            rb.prefix, outer.prefix
        ))
        .with_server(Some(&second_name))
        .with_field(second.field());
        self.push(d, second.span.as_ref());
    }

    /// MO024: a next hop inside a routed prefix; MO025: outside the internal prefix.
    fn next_hops(
        &mut self,
        servers: &[Checked],
        routes: &[RouteRef],
        internal: Option<&Val<Ipv6Net>>,
    ) {
        // valid routes have no host bits and are few: the map always builds
        let routed = PrefixMap::new(routes.iter().enumerate().map(|(i, r)| (r.prefix, i))).ok();
        for (i, c) in servers.iter().enumerate() {
            let Some(a) = c.address.as_ref().filter(|a| a.ok) else {
                continue;
            };
            let name = name_of(servers, i);
            if let Some(r) = routed
                .as_ref()
                .and_then(|m| m.lookup(a.value))
                .map(|&r| &routes[r])
            {
                let owner = name_of(servers, r.server);
                let d = Diagnostic::error(Code::MO024,
                format!("address `{}` lies inside {} `{}` of server {owner}", a.value, r.field(), r.prefix),
            )
            .with_server(Some(&name))
            .with_field("address")
            .with_help("the next hop would be routed into a DirectAccess tunnel: the address must be the server's corporate-facing address, outside every client, VPN and Teredo prefix");
                self.push(d, a.span.as_ref());
            }
            if let Some(internal) = internal.filter(|p| p.ok && !p.value.contains(&a.value)) {
                let d = Diagnostic::warning(Code::MO025,
                format!("address `{}` lies outside farm.internal_prefix `{}`", a.value, internal.value),
            )
            .with_server(Some(&name))
            .with_field("address")
            .with_help("check the server's corporate-facing address, or the internal prefix (InternalIPv6Prefix of `Get-DAServer`)");
                self.push(d, a.span.as_ref());
            }
        }
    }

    /// MO032: Windows 7 clients do not fail over between entry points.
    fn windows7(&mut self, servers: &[Checked], draft: &Draft) {
        let windows7 = draft.windows7_clients.as_ref().filter(|w| w.value);
        if let Some(w) = windows7 {
            let mut eps: Vec<EntryPoint> = (0..servers.len())
                .map(|i| entry_point(servers, i))
                .collect();
            eps.sort();
            eps.dedup();
            if eps.len() > 1 {
                let d = Diagnostic::warning(Code::MO032,
                format!("windows7_clients is set and the servers span {} entry points: Windows 7 clients do not fail over between them", eps.len()),
            )
            .with_field("farm.windows7_clients")
            .with_help("Windows 7 clients stay bound to one entry point; a load-balanced cluster (one entry point with a shared /59) gives them failover");
                self.push(d, w.span.as_ref());
            }
        }
    }
}
