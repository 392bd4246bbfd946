//! Load-balanced entry points (`[[entry_point]]`) and their nodes: the entry
//! point's own values (MO018 name and load balancer, MO012/MO014 prefix, MO029 not a
//! /59, MO013 VIP), duplicates (MO037), and per node its own /64 (MO026, MO027),
//! the node count (MO028), Teredo (MO034) and the VIP used as a node's address
//! (MO039); a server outside an entry point whose prefix overlaps its /59 (MO023).
//! Also what kind of farm this is ([`Shape`]), which decides whether ISATAP and
//! 6to4 are errors (MO035, MO036).
//!
//! Owns: the cluster rules. May not: route the entry point's prefix (only nodes'
//! /64s are routes).

use std::collections::{HashMap, HashSet};
use std::net::Ipv6Addr;
use std::ops::Range;

use ipnet::Ipv6Net;

use super::values::NameKind;
use super::{Checked, Checker, Val};
use crate::diagnostic::{Code, Diagnostic, shown};
use crate::load::draft::{Draft, DraftEntryPoint};
use crate::model::{EntryPoint, LoadBalancer};

/// What kind of farm this is, for the rules that depend on it.
#[derive(Clone, Debug, Default)]
pub(super) struct Shape {
    /// The farm declares a load-balanced entry point.
    load_balanced: bool,
    /// How many entry points the servers form (a server without one is its own).
    entry_points: usize,
    /// The declared entry points' names, lower-cased.
    declared: HashSet<String>,
}

impl Shape {
    pub(super) fn of(draft: &Draft) -> Self {
        let mut groups: HashSet<Result<String, usize>> = HashSet::new();
        for (i, s) in draft.servers.iter().enumerate() {
            groups.insert(match &s.entry_point {
                Some(ep) => Ok(ep.value.to_ascii_lowercase()),
                None => Err(i),
            });
        }
        Self {
            load_balanced: !draft.entry_points.is_empty(),
            entry_points: groups.len(),
            declared: draft
                .entry_points
                .iter()
                .filter_map(|e| e.name.as_ref().map(|n| n.value.to_ascii_lowercase()))
                .collect(),
        }
    }

    /// Whether a server naming `entry_point` is a node of a declared one.
    pub(super) fn is_node(&self, entry_point: Option<&str>) -> bool {
        entry_point.is_some_and(|e| self.declared.contains(&e.to_ascii_lowercase()))
    }

    /// Why ISATAP and 6to4 are errors in this farm (Microsoft: neither is
    /// supported with load balancing or multisite), or `None`.
    pub(super) fn strict(&self) -> Option<&'static str> {
        if self.load_balanced {
            Some("a load-balanced entry point")
        } else if self.entry_points > 1 {
            Some("several entry points (multisite)")
        } else {
            None
        }
    }
}

/// An entry point after its checks.
#[derive(Debug)]
pub(super) struct CheckedEntryPoint {
    name: Option<Val<String>>,
    client_prefix: Option<Val<Ipv6Net>>,
    vip: Option<Val<Ipv6Addr>>,
    load_balancer: Option<LoadBalancer>,
    /// Every value could be read (it may still have failed its checks).
    complete: bool,
}

impl CheckedEntryPoint {
    /// The model's entry point, when every value could be read.
    pub(super) fn typed(&self) -> Option<EntryPoint> {
        self.complete.then_some(())?;
        Some(EntryPoint {
            name: self.name.as_ref()?.value.clone(),
            client_prefix: self.client_prefix.as_ref()?.value,
            vip: self.vip.as_ref().map(|v| v.value),
            load_balancer: self.load_balancer?,
        })
    }
}

/// How to find a node's /64, for the help of MO027.
fn how_to_find(node: &str, cluster: &Ipv6Net) -> String {
    format!(
        "every node reports the cluster's {cluster} in Get-DAServer; its own /64 is the route it publishes on its IP-HTTPS interface. On {node} run `Get-NetRoute -AddressFamily IPv6 -InterfaceAlias 'Microsoft IP-HTTPS Platform Interface' | Where-Object Publish -eq Yes | Format-List` (`IPHTTPSInterface` on Windows Server 2012 R2), or `netsh interface ipv6 show route`, and write the /64 inside {cluster} as its client_prefix; or let `manageout import` pick it: `manageout import {node}.txt {node}-routes.txt --name {node} --address <its own address>`"
    )
}

impl Checker<'_> {
    /// Every rule of the declared entry points and their nodes.
    pub(super) fn entry_points(
        &mut self,
        draft: &Draft,
        servers: &mut [Checked],
    ) -> Vec<CheckedEntryPoint> {
        let checked: Vec<CheckedEntryPoint> = draft
            .entry_points
            .iter()
            .map(|e| self.entry_point(e))
            .collect();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut duplicate = vec![false; checked.len()];
        for (i, c) in checked.iter().enumerate() {
            let Some(name) = c.name.as_ref() else {
                continue;
            };
            let key = name.value.to_ascii_lowercase();
            if let Some(&first) = by_name.get(&key) {
                let d = Diagnostic::error(
                    Code::MO037,
                    format!("entry point `{}` is declared twice", shown(&name.value)),
                )
                .with_field("entry_point.name")
                .with_help(format!(
                    "declare each load-balanced entry point once (the first is entry point #{first}); its nodes all name it in `entry_point`"
                ));
                self.push(d, name.span.as_ref());
                duplicate[i] = true;
            } else {
                by_name.insert(key, i);
            }
        }
        let mut nodes: Vec<Vec<usize>> = vec![Vec::new(); checked.len()];
        for (i, s) in servers.iter().enumerate() {
            if let Some(&e) = s
                .entry_point
                .as_ref()
                .and_then(|ep| by_name.get(&ep.value.to_ascii_lowercase()))
            {
                nodes[e].push(i);
            }
        }
        for (e, members) in nodes.iter().enumerate() {
            if !duplicate[e] {
                self.nodes(&checked[e], &draft.entry_points[e], members, servers, draft);
            }
        }
        self.outside_clusters(&checked, &by_name, servers);
        checked
    }

    /// The values of one `[[entry_point]]`.
    fn entry_point(&mut self, e: &DraftEntryPoint) -> CheckedEntryPoint {
        let mut complete = !e.unreadable;
        let name = e.name.as_ref().map(|n| {
            let ok = self.name_value(n, "entry_point.name", None, NameKind::Name);
            Val {
                value: n.value.clone(),
                span: n.span.clone(),
                ok,
            }
        });
        let ep = name.as_ref().map(|n| n.value.clone());
        let client_prefix = e.client_prefix.as_ref().map(|p| {
            let mut v = self.prefix(p, "entry_point.client_prefix", ep.as_deref(), None);
            if v.ok {
                v.ok = self.client_range(&v, "entry_point.client_prefix", ep.as_deref());
            }
            if v.ok && v.value.prefix_len() != 59 {
                let d = Diagnostic::warning(
                    Code::MO029,
                    format!(
                        "entry point client_prefix `{}` is a /{}; a load-balanced entry point's ClientIPv6Prefix is a /59, one /64 per node",
                        v.value,
                        v.value.prefix_len()
                    ),
                )
                .with_field("entry_point.client_prefix")
                .with_help("copy it from any node's `Get-DAServer | ft ClientIPv6Prefix`");
                self.push(d, v.span.as_ref());
            }
            v
        });
        let vip = e
            .vip
            .as_ref()
            .map(|a| self.address_value(a, "entry_point.vip", ep.as_deref()));
        let load_balancer = match &e.load_balancer {
            None => Some(LoadBalancer::External),
            Some(lb) => match lb.value.parse::<LoadBalancer>() {
                Ok(l) => Some(l),
                Err(()) => {
                    let d = Diagnostic::error(
                        Code::MO018,
                        format!("entry_point.load_balancer `{}` is not a load balancer kind", shown(&lb.value)),
                    )
                    .with_field("entry_point.load_balancer")
                    .with_help("write `external` (a BIG-IP or other external load balancer: up to 32 nodes) or `nlb` (Windows NLB: up to 8 nodes)");
                    self.push(d, lb.span.as_ref());
                    complete = false;
                    None
                }
            },
        };
        CheckedEntryPoint {
            name,
            client_prefix,
            vip,
            load_balancer,
            complete,
        }
    }

    /// The nodes of one entry point: each with its own /64 inside the entry point's
    /// prefix (MO026, MO027), no Teredo (MO034), not on the VIP (MO039); not more
    /// than the load balancer allows (MO028); some at all (MO038).
    fn nodes(
        &mut self,
        ep: &CheckedEntryPoint,
        draft: &DraftEntryPoint,
        members: &[usize],
        servers: &mut [Checked],
        all: &Draft,
    ) {
        let Some(name) = ep.name.as_ref().map(|n| n.value.clone()) else {
            return;
        };
        if members.is_empty() {
            let d = Diagnostic::warning(
                Code::MO038,
                format!("entry point `{name}` has no nodes"),
            )
            .with_field("entry_point.name")
            .with_help(format!(
                "add a [[server]] per node with `entry_point = \"{name}\"`, its own internal address and its /64"
            ));
            self.push(
                d,
                ep.name
                    .as_ref()
                    .and_then(|n| n.span.as_ref())
                    .or(draft.span.as_ref()),
            );
        }
        if let Some(lb) = ep.load_balancer
            && members.len() > lb.max_nodes()
        {
            let d = Diagnostic::error(
                Code::MO028,
                format!(
                    "entry point `{name}` has {} nodes; behind {} Remote Access supports at most {}",
                    members.len(),
                    if lb == LoadBalancer::Nlb { "Windows NLB" } else { "an external load balancer" },
                    lb.max_nodes()
                ),
            )
            .with_field("entry_point.load_balancer")
            .with_help("split the nodes into several entry points (multisite), or use an external load balancer (up to 32 nodes)");
            self.push(d, draft.span.as_ref());
        }
        let cluster = ep.client_prefix.as_ref().filter(|p| p.ok).map(|p| p.value);
        for &i in members {
            self.node(
                &name,
                cluster,
                ep.vip.as_ref(),
                &mut servers[i],
                all.servers[i].span.as_ref(),
            );
        }
    }

    fn node(
        &mut self,
        ep: &str,
        cluster: Option<Ipv6Net>,
        vip: Option<&Val<Ipv6Addr>>,
        s: &mut Checked,
        span: Option<&Range<usize>>,
    ) {
        let node = s
            .name
            .as_ref()
            .map_or("this node", |n| n.value.as_str())
            .to_owned();
        let server = Some(node.as_str());
        match (&s.client_prefix, cluster) {
            (None, Some(c)) => {
                let d = Diagnostic::error(
                    Code::MO027,
                    format!("node {node} of entry point `{ep}` has no client_prefix: its own /64 inside {c} is not known"),
                )
                .with_server(server)
                .with_field("client_prefix")
                .with_help(how_to_find(&node, &c));
                self.push(d, span);
            }
            (Some(p), Some(c)) if p.ok && p.value == c => {
                let d = Diagnostic::error(
                    Code::MO027,
                    format!("node {node}'s client_prefix `{c}` is the whole prefix of entry point `{ep}`, not the node's own /64"),
                )
                .with_server(server)
                .with_field("client_prefix")
                .with_help(how_to_find(&node, &c));
                self.push(d, p.span.as_ref());
                // reported: kept out of the checks between servers
                if let Some(p) = s.client_prefix.as_mut() {
                    p.ok = false;
                }
            }
            (Some(p), Some(c)) if p.ok && (p.value.prefix_len() != 64 || !c.contains(&p.value)) => {
                let d = Diagnostic::error(
                    Code::MO026,
                    format!(
                        "node {node}'s client_prefix `{}` is not a /64 inside {c}, the prefix of entry point `{ep}`",
                        p.value
                    ),
                )
                .with_server(server)
                .with_field("client_prefix")
                .with_help(format!(
                    "a node serves its IP-HTTPS clients from one /64 inside the cluster's /59: {}",
                    how_to_find(&node, &c)
                ));
                self.push(d, p.span.as_ref());
                if let Some(p) = s.client_prefix.as_mut() {
                    p.ok = false;
                }
            }
            _ => {}
        }
        if s.teredo {
            let d = Diagnostic::error(
                Code::MO034,
                format!("node {node} of load-balanced entry point `{ep}` advertises Teredo"),
            )
            .with_server(server)
            .with_field("teredo")
            .with_help("every node shares the VIP's Teredo prefix, so no route can pick the node holding a Teredo client's tunnel: Manage Out to Teredo clients fails. Disable it on every node (`Set-DAServer -TeredoState Disabled`) and set `teredo = false`");
            self.push(d, span);
        }
        if let (Some(v), Some(a)) = (vip, s.address.as_ref())
            && v.value == a.value
        {
            let d = Diagnostic::error(
                Code::MO039,
                format!("node {node}'s address `{}` is the VIP of entry point `{ep}`", a.value),
            )
            .with_server(server)
            .with_field("address")
            .with_help("the VIP sends each packet to any node, and Manage Out must reach the node that holds the client's tunnel: give the node's own dedicated internal address (`Get-NetIPAddress -AddressFamily IPv6` on its internal interface)");
            self.push(d, a.span.as_ref());
        }
    }

    /// MO023: a route of a server outside an entry point that overlaps the entry
    /// point's prefix.
    fn outside_clusters(
        &mut self,
        checked: &[CheckedEntryPoint],
        by_name: &HashMap<String, usize>,
        servers: &[Checked],
    ) {
        let clusters: Vec<(usize, Ipv6Net)> = checked
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c.client_prefix.as_ref().filter(|p| p.ok)?.value)))
            .collect();
        if clusters.is_empty() {
            return;
        }
        // equal prefixes are MO022's; at most 4096 entry points: a map by prefix
        let Ok(map) = crate::table::PrefixMap::new(clusters.iter().map(|&(i, p)| (p, i))) else {
            return;
        };
        for s in servers {
            let own = s
                .entry_point
                .as_ref()
                .and_then(|ep| by_name.get(&ep.value.to_ascii_lowercase()));
            for (field, v) in [
                ("client_prefix", &s.client_prefix),
                ("vpn_prefix", &s.vpn_prefix),
            ] {
                let Some(v) = v.as_ref().filter(|v| v.ok) else {
                    continue;
                };
                let Some(&e) = map.lookup(v.value.network()) else {
                    continue;
                };
                if Some(&e) == own {
                    continue;
                }
                let (Some(name), Some(c)) = (&checked[e].name, &checked[e].client_prefix) else {
                    continue;
                };
                let server = s.name.as_ref().map(|n| n.value.as_str());
                let d = Diagnostic::error(
                    Code::MO023,
                    format!(
                        "{field} `{}` of server {} lies inside `{}`, the prefix of load-balanced entry point `{}`",
                        v.value,
                        server.unwrap_or("?"),
                        c.value,
                        name.value
                    ),
                )
                .with_server(server)
                .with_field(field)
                .with_help(format!(
                    "if the server is a node of `{0}`, set `entry_point = \"{0}\"`; otherwise give it a prefix outside `{1}`",
                    name.value, c.value
                ));
                self.push(d, v.span.as_ref());
            }
        }
    }
}
