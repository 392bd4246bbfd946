//! The rules of an audit over the whole configuration, one function per finding:
//! unbalanced braces (MO100), a farm prefix no virtual serves (MO101), duplicates
//! (MO112), a virtual for a whole load-balanced entry point (MO116), stale
//! virtuals (MO111), unreadable destinations (MO115) and names `--fix` cannot
//! write (MO114). What one serving virtual must be is in
//! [`serving`](super::serving).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv6Addr};

use ipnet::Ipv6Net;

use super::AuditReport;
use super::model::{Config, FarmRoute, Located, NetIndex, Virtual, full_path};
use super::parse::Problems;
use super::serving;
use crate::check::ValidFarm;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::RouteKind;
use crate::render;

/// MO100: braces that do not pair up, per file (the first listed, the rest
/// counted).
pub(super) fn unbalanced(report: &mut AuditReport, located: &Located<'_>, problems: Vec<Problems>) {
    for (i, problems) in problems.into_iter().enumerate() {
        for problem in problems.listed {
            let d = Diagnostic::error(Code::MO100, format!("unbalanced braces: {}", problem.what))
                .with_help("the configuration could not be read completely; check that the whole file was copied (`tmsh list ltm` output or bigip.conf)");
            report.push(located.at(d, i, &(problem.at..problem.at + 1)));
        }
        report.sink.omit_errors(problems.more);
    }
}

/// MO112: two virtuals with the same destination and mask.
pub(super) fn duplicates(report: &mut AuditReport, located: &Located<'_>, ours: &[&Virtual<'_>]) {
    let mut seen: BTreeMap<(u128, Option<u8>), &Virtual<'_>> = BTreeMap::new();
    for v in ours {
        let key = (v.dest.map_or(0, u128::from), v.len);
        let Some(first) = seen.get(&key) else {
            seen.insert(key, v);
            continue;
        };
        let d = Diagnostic::error(
            Code::MO112,
            format!(
                "virtual {} has the same destination and mask as {} ({})",
                v.path,
                first.path,
                located.place(first.file, &first.stanza.span)
            ),
        )
        .with_field("destination")
        .with_help("BIG-IP uses only one of them; delete the duplicate");
        report.push(located.at(d, v.file, &v.stanza.span));
        report
            .delete_virtuals
            .insert(v.path.clone(), Code::MO112.as_str().into());
    }
}

/// MO116: a virtual whose destination is a declared cluster's whole prefix (the
/// /59 every node's Get-DAServer shows) sends Manage Out to the VIP or to one
/// node, so the clients of every other node fail. It is deleted by `--fix` (each
/// node's own virtual is created instead) and returned apart from the virtuals the
/// farm's routes are checked against, so that a node's /64 it covers is reported
/// missing (MO101), not as a wrong virtual.
pub(super) fn whole_clusters<'a, 'c>(
    report: &mut AuditReport,
    located: &Located<'_>,
    farm: &ValidFarm,
    config: &Config<'_>,
    ours: Vec<&'a Virtual<'c>>,
) -> Vec<&'a Virtual<'c>> {
    let (whole, rest): (Vec<&Virtual<'_>>, Vec<&Virtual<'_>>) = ours.into_iter().partition(|v| {
        farm.entry_points
            .iter()
            .any(|e| v.net() == Some(e.client_prefix))
    });
    for v in whole {
        let Some(e) = farm
            .entry_points
            .iter()
            .find(|e| v.net() == Some(e.client_prefix))
        else {
            continue;
        };
        let members: Vec<String> = v
            .stanza
            .value("pool")
            .and_then(|p| config.pools.get(&full_path(p, v.folder())))
            .map(|p| {
                p.members
                    .iter()
                    .filter_map(|m| m.address)
                    .map(|a| match (a, e.vip) {
                        (IpAddr::V6(a), Some(vip)) if a == vip => format!("{a} (the VIP)"),
                        (a, _) => a.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let to = if members.is_empty() {
            String::new()
        } else {
            format!(" to {}", members.join(", "))
        };
        let nodes: Vec<&str> = farm
            .servers
            .iter()
            .filter(|s| farm.cluster_of(s) == Some(e))
            .map(|s| s.name.as_str())
            .collect();
        let d = Diagnostic::error(
            Code::MO116,
            format!(
                "virtual {} forwards the whole prefix {} of load-balanced entry point {}{to}: the load balancer picks a node at random, so Manage Out to the clients of every other node fails",
                v.path, e.client_prefix, e.name
            ),
        )
        .with_field("destination")
        .with_help(format!(
            "delete it and give each node ({}) a network virtual for its own /64 with a pool whose member is the node's own address (`manageout audit --fix`, or `manageout render --target tmsh`)",
            if nodes.is_empty() { "none declared in the farm".to_owned() } else { nodes.join(", ") }
        ));
        report.push(located.at(d, v.file, &v.destination_span()));
        report
            .delete_virtuals
            .insert(v.path.clone(), Code::MO116.as_str().into());
    }
    rest
}

/// MO101 for a farm prefix no virtual serves, and the checks of every virtual
/// that serves one. A virtual of exactly the prefix serves it (longest match); one
/// of exactly another farm prefix (a cluster's /59 around a node's /64) serves that
/// one. The server's objects are recreated by `--fix` unless one virtual of
/// exactly its prefix is right in every respect.
pub(super) fn routes(
    report: &mut AuditReport,
    located: &Located<'_>,
    config: &Config<'_>,
    routes: &[FarmRoute<'_>],
    ours: &[&Virtual<'_>],
) {
    let route_prefixes: BTreeSet<Ipv6Net> = routes.iter().map(|r| r.prefix).collect();
    let virtual_index = NetIndex::new(ours.iter().map(|v| v.net()));
    for r in routes {
        let overlapping: Vec<&Virtual<'_>> = virtual_index
            .overlapping(r.prefix)
            .into_iter()
            .map(|i| ours[i])
            .collect();
        let exact: Vec<&Virtual<'_>> = overlapping
            .iter()
            .copied()
            .filter(|v| v.net() == Some(r.prefix))
            .collect();
        let candidates: Vec<&Virtual<'_>> = if exact.is_empty() {
            overlapping
                .iter()
                .copied()
                .filter(|v| v.net().is_some_and(|n| !route_prefixes.contains(&n)))
                .collect()
        } else {
            exact
        };
        if candidates.is_empty() {
            missing(report, r, &overlapping);
            continue;
        }
        let mut served = false;
        for v in candidates {
            let found = serving::check(&mut *report, located, config, r, v);
            served |= found == 0;
        }
        if !served {
            report.recreate.insert(r.server);
        }
    }
}

/// MO101: no virtual server forwards a farm prefix.
fn missing(report: &mut AuditReport, r: &FarmRoute<'_>, overlapping: &[&Virtual<'_>]) {
    let covered_by = overlapping
        .iter()
        .filter(|v| v.net().is_some_and(|n| n.contains(&r.prefix)))
        .max_by_key(|v| v.len)
        .map(|v| format!("; {} covers it but serves another farm prefix", v.path))
        .unwrap_or_default();
    let d = Diagnostic::error(
        Code::MO101,
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
}

/// MO111: a network virtual that no farm prefix explains, but that looks like
/// Manage Out's: marked `manageout:<farm>`, inside the farm's client space, or
/// forwarding to a farm server.
pub(super) fn stale(
    report: &mut AuditReport,
    located: &Located<'_>,
    farm: &ValidFarm,
    config: &Config<'_>,
    routes: &[FarmRoute<'_>],
    ours: &[&Virtual<'_>],
) {
    let space: Vec<Ipv6Net> = match farm.internal_prefix {
        Some(p) => vec![p],
        None => routes
            .iter()
            .filter(|r| r.kind == RouteKind::Client)
            .filter_map(|r| Ipv6Net::new(r.prefix.network(), 48.min(r.prefix.prefix_len())).ok())
            .map(|n| n.trunc())
            .collect(),
    };
    let marker = render::marker(farm);
    let server_addresses: BTreeSet<Ipv6Addr> = farm.servers.iter().map(|s| s.address).collect();
    let route_index = NetIndex::new(routes.iter().map(|r| Some(r.prefix)));
    for v in ours {
        let Some(net) = v.net() else { continue };
        if net.prefix_len() == 128
            || net.prefix_len() < 32
            || !route_index.overlapping(net).is_empty()
        {
            continue;
        }
        let marked = v
            .stanza
            .value("description")
            .is_some_and(|d| d == marker || d.starts_with(&format!("{marker} ")));
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
        if !(marked || inside || to_farm) {
            continue;
        }
        let d = Diagnostic::warning(
            Code::MO111,
            format!(
                "virtual {} forwards {net}, which is no prefix of the farm: stale, or for a decommissioned server?",
                v.path
            ),
        )
        .with_field("destination")
        .with_help("delete it if no DA server owns this prefix any more, or add the server to the farm");
        report.push(located.at(d, v.file, &v.destination_span()));
        report.stale_virtuals.insert(v.path.clone());
    }
}

/// MO115: a virtual whose destination cannot be read is not checked, and says so.
pub(super) fn unreadable(report: &mut AuditReport, located: &Located<'_>, config: &Config<'_>) {
    for v in config.virtuals.iter().filter(|v| v.unreadable) {
        let d = Diagnostic::warning(
            Code::MO115,
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
}

/// MO114: a virtual `--fix` should delete whose name cannot be written safely.
pub(super) fn unwritable(report: &mut AuditReport) {
    let unwritable: Vec<String> = report
        .delete_virtuals
        .keys()
        .chain(&report.stale_virtuals)
        .filter(|p| render::tmsh_delete(p, true).is_err())
        .cloned()
        .collect();
    for path in unwritable {
        let d = Diagnostic::warning(
            Code::MO114,
            format!("virtual {path} has a name that cannot be written safely into a tmsh script: `audit --fix` leaves it out"),
        )
        .with_help("delete or fix it by hand (BIG-IP GUI, or tmsh typed interactively), then audit again");
        report.push(d);
    }
}
