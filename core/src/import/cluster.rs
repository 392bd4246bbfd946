//! Load-balanced clusters from what each node shows: records that share one
//! `ClientIPv6Prefix` (the cluster's /59, identical on every node) become one
//! `[[entry_point]]`, and each node's own /64 is the route its listing publishes
//! on the IP-HTTPS interface.
//!
//! Pairing, in input order: a route listing or a `Get-RemoteAccessLoadBalancer`
//! output belongs to the Get-DAServer output given just before it. When that
//! output holds one record, the listing is that record's (if both carry a
//! computer name, the names must agree); when it holds several (`Invoke-Command`
//! over several nodes), each route is matched to a record by `PSComputerName`.

use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

use super::balancer::Balancer;
use super::farm::{ImportedEntryPoint, ImportedFarm, Pair, pair};
use super::routes::{Route, node_prefix};
use super::{ImportError, Input, Record};
use crate::model::LoadBalancer;

/// The inputs, in order, with their names.
struct Attached<'a> {
    records: Vec<&'a Record>,
    /// The file each record came from.
    record_file: Vec<&'a str>,
    /// Each record's route listing, with the listing's file.
    listing: Vec<Option<(&'a str, Vec<&'a Route>)>>,
    /// Each record's load balancer, with its file.
    balancer: Vec<Option<(&'a str, &'a Balancer)>>,
}

fn same_computer(a: &str, b: &str) -> bool {
    // `node1` and `node1.corp.contoso.com` name the same machine
    let short = |s: &str| s.split('.').next().unwrap_or(s).to_ascii_lowercase();
    a.eq_ignore_ascii_case(b) || short(a) == short(b)
}

/// Gives each route listing and load balancer output to the records of the
/// Get-DAServer output just before it.
fn attach<'a>(inputs: &'a [(String, Input)]) -> Result<Attached<'a>, ImportError> {
    let mut a = Attached {
        records: Vec::new(),
        record_file: Vec::new(),
        listing: Vec::new(),
        balancer: Vec::new(),
    };
    // the records of the last Get-DAServer output: its file and index range
    let mut last: Option<(&str, std::ops::Range<usize>)> = None;
    for (file, input) in inputs {
        match input {
            Input::Servers(records) => {
                let start = a.records.len();
                for r in records {
                    a.records.push(r);
                    a.record_file.push(file);
                    a.listing.push(None);
                    a.balancer.push(None);
                }
                last = Some((file, start..a.records.len()));
            }
            Input::Routes(routes) => {
                let Some((server_file, range)) = last.clone() else {
                    return Err(ImportError::Unattached {
                        file: file.clone(),
                        what: "route listing",
                    });
                };
                for (i, routes) in match_routes(&a.records, range, server_file, file, routes)? {
                    if let Some((first, _)) = &a.listing[i] {
                        return Err(ImportError::TwoListings {
                            record: i + 1,
                            first: (*first).to_owned(),
                            second: file.clone(),
                        });
                    }
                    a.listing[i] = Some((file, routes));
                }
            }
            Input::Balancer(b) => {
                let Some((_, range)) = last.clone() else {
                    return Err(ImportError::Unattached {
                        file: file.clone(),
                        what: "Get-RemoteAccessLoadBalancer output",
                    });
                };
                if b.kind.is_none() {
                    return Err(ImportError::NoLoadBalancing { file: file.clone() });
                }
                for i in range {
                    a.balancer[i] = Some((file, b));
                }
            }
        }
    }
    Ok(a)
}

/// Which record of `range` each route of a listing belongs to.
fn match_routes<'a>(
    records: &[&Record],
    range: std::ops::Range<usize>,
    server_file: &str,
    file: &str,
    routes: &'a [Route],
) -> Result<Vec<(usize, Vec<&'a Route>)>, ImportError> {
    let mut computers: Vec<Option<&str>> =
        routes.iter().map(|r| r.computer_name.as_deref()).collect();
    computers.sort_unstable();
    computers.dedup();
    if range.len() == 1 {
        let record = records[range.start];
        let named: Vec<&str> = computers.iter().flatten().copied().collect();
        if named.len() > 1 {
            return Err(ImportError::ComputerMismatch {
                file: file.to_owned(),
                computer: crate::diagnostic::shown(&named.join(", ")),
                server_file: server_file.to_owned(),
                server_computer: record
                    .computer_name
                    .as_deref()
                    .map_or_else(|| "one node".into(), crate::diagnostic::shown),
            });
        }
        if let (Some(listed), Some(own)) = (named.first(), record.computer_name.as_deref())
            && !same_computer(listed, own)
        {
            return Err(ImportError::ComputerMismatch {
                file: file.to_owned(),
                computer: crate::diagnostic::shown(listed),
                server_file: server_file.to_owned(),
                server_computer: crate::diagnostic::shown(own),
            });
        }
        return Ok(vec![(range.start, routes.iter().collect())]);
    }
    let mut out: Vec<(usize, Vec<&Route>)> = Vec::new();
    for computer in computers {
        let index = computer.and_then(|c| {
            range.clone().find(|&i| {
                records[i]
                    .computer_name
                    .as_deref()
                    .is_some_and(|own| same_computer(c, own))
            })
        });
        let Some(i) = index else {
            return Err(ImportError::Unmatched {
                file: file.to_owned(),
                computer: computer.map(str::to_owned),
                server_file: server_file.to_owned(),
                records: range.len(),
            });
        };
        out.push((
            i,
            routes
                .iter()
                .filter(|r| r.computer_name.as_deref() == computer)
                .collect(),
        ));
    }
    Ok(out)
}

/// Imports every input: the servers of the Get-DAServer outputs, paired with one
/// [`Pair`] per record (as [`pair`]), and records that share a client prefix, or
/// come with a route listing or a load balancer, made into one load-balanced
/// entry point whose nodes carry their own /64.
///
/// ```
/// use manageout::import::{assemble, read, Pair};
/// let node = |name: &str, n: u8| {
///     let da = format!("ClientIPv6Prefix : 2131:0:0:1000::/59\nPSComputerName   : {name}\n");
///     let routes = format!(
///         "DestinationPrefix : 2131:0:0:100{n}::/64\nInterfaceAlias    : IPHTTPSInterface\nPublish           : Yes\n"
///     );
///     [
///         (format!("{name}.txt"), read(da.as_bytes(), name).unwrap()),
///         (format!("{name}-routes.txt"), read(routes.as_bytes(), name).unwrap()),
///     ]
/// };
/// let inputs: Vec<_> = node("N1", 0).into_iter().chain(node("N2", 1)).collect();
/// let pairs = ["2131::11", "2131::12"].map(|a| Pair { name: None, address: a.parse().ok() });
/// let farm = assemble(&inputs, &pairs)?;
/// assert_eq!(farm.entry_points[0].client_prefix, "2131:0:0:1000::/59");
/// assert_eq!(farm.servers[1].client_prefix.as_deref(), Some("2131:0:0:1001::/64"));
/// let checked = manageout::Farm::from_toml_str(&farm.to_toml(&["n1.txt"]), "imported.toml");
/// assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
/// # Ok::<(), manageout::import::ImportError>(())
/// ```
pub fn assemble(inputs: &[(String, Input)], pairs: &[Pair]) -> Result<ImportedFarm, ImportError> {
    let attached = attach(inputs)?;
    let records: Vec<Record> = attached.records.iter().map(|r| (*r).clone()).collect();
    let mut farm = pair(&records, pairs)?;
    // records grouped by their client prefix, in order of first appearance
    let mut groups: Vec<(Ipv6Net, Vec<usize>)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let Ok(net) = r.client_prefix.parse::<Ipv6Net>() else {
            continue;
        };
        match groups.iter_mut().find(|(n, _)| *n == net) {
            Some((_, members)) => members.push(i),
            None => groups.push((net, vec![i])),
        }
    }
    let mut used_names: Vec<String> = Vec::new();
    for (cluster, members) in groups {
        let listed = members.iter().any(|&i| attached.listing[i].is_some());
        let balanced = members.iter().find_map(|&i| attached.balancer[i]);
        let load_balanced =
            members.len() > 1 || balanced.is_some() || (listed && cluster.prefix_len() < 64);
        if !load_balanced {
            if listed {
                farm.notes.push(format!(
                    "{cluster} is a single server's prefix (not a cluster's /59 shared by several nodes): its route listing was not needed"
                ));
            }
            continue;
        }
        let name = cluster_name(&farm, &members, &mut used_names);
        for &i in &members {
            let server = &mut farm.servers[i];
            server.entry_point = Some(name.clone());
            server.client_prefix = None;
            match &attached.listing[i] {
                Some((file, routes)) => {
                    let routes: Vec<Route> = routes.iter().map(|r| (*r).clone()).collect();
                    let p = node_prefix(&routes, cluster).map_err(|problem| ImportError::NodePrefix {
                        node: server.name.clone(),
                        file: (*file).to_owned(),
                        cluster,
                        problem,
                    })?;
                    server.client_prefix = Some(p.to_string());
                    server.origin = Some(format!(
                        "its /64, published on the IP-HTTPS interface in {}",
                        crate::diagnostic::shown(file)
                    ));
                }
                None => farm.notes.push(format!(
                    "node {} of {cluster} ({}): no route listing follows its Get-DAServer output, so its own /64 is not known (check reports MO027 with the command to run on it)",
                    server.name,
                    crate::diagnostic::shown(attached.record_file[i])
                )),
            }
        }
        let (vip, load_balancer) = match balanced {
            Some((_, b)) => (b.vip, b.kind),
            None => {
                farm.notes.push(format!(
                    "entry point {name}: no Get-RemoteAccessLoadBalancer output given: load_balancer \"external\" (up to 32 nodes) is assumed and the VIP left out; give that output after a node's Get-DAServer file to take both from the cluster"
                ));
                (None, None)
            }
        };
        farm.entry_points.push(ImportedEntryPoint {
            name,
            client_prefix: cluster.to_string(),
            vip: vip.filter(|v: &Ipv6Addr| !v.is_unspecified()),
            load_balancer: load_balancer.or(Some(LoadBalancer::External)),
        });
    }
    Ok(farm)
}

/// The entry point's name: the nodes' common EntrypointName, else `Cluster<n>`.
fn cluster_name(farm: &ImportedFarm, members: &[usize], used: &mut Vec<String>) -> String {
    let given = members
        .iter()
        .find_map(|&i| farm.servers[i].entry_point.clone())
        .filter(|n| !used.iter().any(|u| u.eq_ignore_ascii_case(n)));
    let name = given.unwrap_or_else(|| {
        (1..)
            .map(|k| format!("Cluster{k}"))
            .find(|n| !used.iter().any(|u| u.eq_ignore_ascii_case(n)))
            .expect("some name is free")
    });
    used.push(name.clone());
    name
}
