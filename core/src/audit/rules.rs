//! The rules of an audit, one function per finding (MO101-MO115): what each farm
//! prefix needs from the virtual servers that overlap it, and what the
//! configuration holds that no farm prefix explains.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv6Addr};
use std::ops::Range;

use ipnet::Ipv6Net;

use super::AuditReport;
use super::model::{Config, FarmRoute, Located, NetIndex, Virtual, full_path, leaf};
use super::parse::Problems;
use crate::check::ValidFarm;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::RouteKind;
use crate::render;

/// The checks of one virtual `v` that overlaps the farm route `r`.
struct VirtualCheck<'a, 'c> {
    report: &'a mut AuditReport,
    located: &'a Located<'c>,
    config: &'a Config<'c>,
    r: &'a FarmRoute<'c>,
    v: &'a Virtual<'c>,
}

impl VirtualCheck<'_, '_> {
    /// The span of a property of the virtual (or of the virtual itself).
    fn prop_span(&self, key: &str) -> Range<usize> {
        self.v
            .stanza
            .child(key)
            .or_else(|| self.v.stanza.flag(key))
            .map_or_else(|| self.v.stanza.span.clone(), |c| c.span.clone())
    }

    /// A finding about this virtual; `delete` marks the virtual for deletion by
    /// `--fix`.
    fn push(&mut self, d: Diagnostic, file: usize, span: Range<usize>, delete: bool) {
        let code = d.code;
        self.report.push(
            self.located
                .at(d.with_server(Some(self.r.name)), file, &span),
        );
        if delete {
            self.report
                .delete_virtuals
                .entry(self.v.path.clone())
                .or_insert_with(|| code.as_str().to_owned());
        }
    }

    /// Every check; returns the number of findings.
    fn run(mut self) -> usize {
        let before = self.report.pushed;
        if self.destination() {
            self.disabled();
            self.translate_address();
            self.snat();
            self.vlans();
            self.profiles();
            if !self.ip_forward() {
                self.pool();
            }
        }
        self.report.pushed - before
    }

    /// MO102: the destination and mask must be exactly the farm prefix; false when
    /// the virtual has no readable network.
    fn destination(&mut self) -> bool {
        let Some(net) = self.v.net() else {
            return false;
        };
        let written = Ipv6Net::new(
            self.v.dest.unwrap_or(Ipv6Addr::UNSPECIFIED),
            self.v.len.unwrap_or(128),
        )
        .ok();
        if net != self.r.prefix || written != Some(self.r.prefix) {
            let why = if net == self.r.prefix {
                "host bits set in the destination".to_owned()
            } else if net.prefix_len() > self.r.prefix.prefix_len() {
                format!(
                    "a /{} inside the farm's /{}: clients outside it are not forwarded",
                    net.prefix_len(),
                    self.r.prefix.prefix_len()
                )
            } else {
                format!(
                    "a /{} covering the farm's /{}: other clients are sent to this server too",
                    net.prefix_len(),
                    self.r.prefix.prefix_len()
                )
            };
            let d = Diagnostic::error(
                Code::MO102,
                format!(
                    "virtual {} forwards {}/{} but {}'s {} prefix is {} ({why})",
                    self.v.path,
                    self.v.dest.unwrap_or(Ipv6Addr::UNSPECIFIED),
                    self.v.len.unwrap_or(128),
                    self.r.name,
                    self.r.kind,
                    self.r.prefix
                ),
            )
            .with_field("destination")
            .with_help(format!(
                "set destination {}.any and mask {} (as `manageout render --target tmsh` does)",
                self.r.prefix.network(),
                Ipv6Addr::from(
                    u128::MAX
                        .checked_shl(128 - u32::from(self.r.prefix.prefix_len()))
                        .unwrap_or(0)
                )
            ));
            self.push(d, self.v.file, self.prop_span("destination"), true);
        }
        true
    }

    /// MO108: the virtual is disabled.
    fn disabled(&mut self) {
        if self.v.stanza.flag("disabled").is_some() {
            let d = Diagnostic::error(Code::MO108, format!("virtual {} is disabled", self.v.path))
                .with_field("disabled")
                .with_help("enable it: `tmsh modify ltm virtual <name> enabled`");
            self.push(d, self.v.file, self.prop_span("disabled"), false);
        }
    }

    /// MO106: the destination address is translated.
    fn translate_address(&mut self) {
        if self.v.stanza.value("translate-address") == Some("enabled") {
            let d = Diagnostic::error(Code::MO106,
            format!(
                "virtual {} translates the destination address: packets for {} clients would be rewritten to {}'s own address",
                self.v.path, self.r.prefix, self.r.name
            ),
        )
        .with_field("translate-address")
        .with_help("set `translate-address disabled` (and `translate-port disabled`)");
            self.push(d, self.v.file, self.prop_span("translate-address"), true);
        }
    }

    /// MO107: the source address is translated.
    fn snat(&mut self) {
        let snat = self
            .v
            .stanza
            .child("source-address-translation")
            .and_then(|s| s.value("type"))
            .map(str::to_owned)
            .or_else(|| self.v.stanza.value("snat").map(str::to_owned))
            .or_else(|| self.v.stanza.child("snatpool").map(|_| "snat".to_owned()));
        if let Some(kind) = snat.filter(|k| k != "none") {
            let d = Diagnostic::error(Code::MO107,
            format!(
                "virtual {} translates the source address ({kind}): the DA client's IPsec policy sees the BIG-IP's address instead of the management server's",
                self.v.path
            ),
        )
        .with_field("source-address-translation")
        .with_help("set `source-address-translation { type none }`");
            self.push(
                d,
                self.v.file,
                self.prop_span(
                    if self.v.stanza.child("source-address-translation").is_some() {
                        "source-address-translation"
                    } else if self.v.stanza.child("snat").is_some() {
                        "snat"
                    } else {
                        "snatpool"
                    },
                ),
                true,
            );
        }
    }

    /// MO109: the virtual listens on every VLAN.
    fn vlans(&mut self) {
        let vlans_enabled = self.v.stanza.flag("vlans-enabled").is_some();
        let has_vlans =
            self.v.stanza.child("vlans").is_some_and(|c| {
                !c.children.is_empty() || c.words.len() > 1 && c.words[1] != "none"
            });
        if !(vlans_enabled && has_vlans) {
            let d = Diagnostic::warning(Code::MO109,
            format!("virtual {} listens on all VLANs", self.v.path),
        )
        .with_field("vlans")
        .with_help("enable it only on the internal VLAN(s) the management servers use (`vlans replace-all-with { internal } vlans-enabled`)");
            self.push(d, self.v.file, self.prop_span("vlans"), false);
        }
    }

    /// MO110: no fastL4 profile.
    fn profiles(&mut self) {
        if let Some(profiles) = self.v.stanza.child("profiles") {
            let names: Vec<&str> = profiles
                .children
                .iter()
                .filter_map(|c| c.words.first().map(String::as_str))
                .collect();
            if !names
                .iter()
                .any(|n| leaf(n).to_ascii_lowercase().contains("fastl4"))
            {
                let d = Diagnostic::warning(Code::MO110,
                format!(
                    "virtual {} uses {} instead of a fastL4 profile",
                    self.v.path,
                    if names.is_empty() { "no profile".to_owned() } else { names.join(", ") }
                ),
            )
            .with_field("profiles")
            .with_help("Manage Out forwards any protocol unchanged: use `profiles replace-all-with { fastL4 }`");
                self.push(d, self.v.file, self.prop_span("profiles"), false);
            }
        }
    }

    /// MO113 and MO104 for an `ip-forward` virtual: a net route must send the
    /// prefix to the server. True when the virtual forwards by routing (then it
    /// has no pool to check).
    fn ip_forward(&mut self) -> bool {
        if self.v.stanza.flag("ip-forward").is_none() {
            return false;
        }

        // steered by a route instead of a pool
        let best = self
            .config
            .routes
            .iter()
            .filter(|nr| {
                nr.route_domain == self.v.route_domain && nr.network.contains(&self.r.prefix)
            })
            .max_by_key(|nr| nr.network.prefix_len());
        match best {
            _ if best.is_none_or(|nr| nr.network.prefix_len() == 0) => {
                let d = Diagnostic::error(Code::MO113,
                    format!(
                        "virtual {} forwards by routing (ip-forward), but no net route sends {} to {} ({}){}",
                        self.v.path,
                        self.r.prefix,
                        self.r.name,
                        self.r.address,
                        best.and_then(|nr| nr.gateway)
                            .map(|g| format!(": only the default route, via {g}"))
                            .unwrap_or_default()
                    ),
                )
                .with_field("ip-forward")
                .with_help(format!(
                    "add `tmsh create net route {}_{} network {} gw {}`, or use a pool (`manageout render --target tmsh`)",
                    self.r.name, self.r.kind, self.r.prefix, self.r.address
                ));
                self.push(d, self.v.file, self.prop_span("ip-forward"), false);
            }
            Some(nr) if nr.gateway != Some(IpAddr::V6(self.r.address)) => {
                let d = Diagnostic::error(
                    Code::MO104,
                    format!(
                        "the net route for {} sends it to {}, not to {} ({})",
                        nr.network,
                        nr.gateway
                            .map_or_else(|| "no gateway".to_owned(), |g| g.to_string()),
                        self.r.name,
                        self.r.address
                    ),
                )
                .with_field("gw")
                .with_help(format!("set `gw {}`", self.r.address));
                let span = nr
                    .stanza
                    .child("gw")
                    .map_or_else(|| nr.stanza.span.clone(), |c| c.span.clone());
                self.push(d, nr.file, span, false);
            }
            _ => {}
        }
        true
    }

    /// MO103, MO104, MO105: the pool and its only member.
    fn pool(&mut self) {
        let Some(pool_name) = self.v.stanza.value("pool").filter(|p| *p != "none") else {
            let d = Diagnostic::error(
                Code::MO103,
                format!(
                    "virtual {} has no pool: nothing forwards {} to {}",
                    self.v.path, self.r.prefix, self.r.name
                ),
            )
            .with_field("pool")
            .with_help(format!(
                "give it a pool whose only member is {}.0",
                self.r.address
            ));
            self.push(d, self.v.file, self.v.stanza.span.clone(), true);
            return;
        };
        let pool_path = full_path(pool_name, self.v.folder());
        let Some(pool) = self.config.pools.get(&pool_path) else {
            let d = Diagnostic::error(Code::MO103,
            format!("virtual {} uses pool {pool_path}, which the configuration does not define", self.v.path),
        )
        .with_field("pool")
        .with_help("pass the file that defines the pool too (bigip.conf of its partition), or create the pool");
            self.push(d, self.v.file, self.prop_span("pool"), true);
            return;
        };
        if pool.members.is_empty() {
            let d = Diagnostic::error(
                Code::MO103,
                format!(
                    "pool {pool_path} (of virtual {}) has no member",
                    self.v.path
                ),
            )
            .with_field("members")
            .with_help(format!("add the member {}.0", self.r.address));
            self.push(d, pool.file, pool.stanza.span.clone(), true);
        }
        for m in &pool.members {
            if m.address != Some(IpAddr::V6(self.r.address)) {
                let d = Diagnostic::error(
                    Code::MO104,
                    format!(
                        "pool {pool_path} has member {}, but {} (prefix {}) is served by {}",
                        m.address
                            .map_or_else(|| m.stanza.words.join(" "), |a| a.to_string()),
                        self.r.name,
                        self.r.prefix,
                        self.r.address
                    ),
                )
                .with_field("members")
                .with_help(format!(
                    "the pool's only member must be {}.0",
                    self.r.address
                ));
                self.push(d, pool.file, m.stanza.span.clone(), true);
            } else if !(m.port == "0" || m.port == "any") {
                let d = Diagnostic::error(Code::MO105,
                format!(
                    "pool {pool_path} has member {} on port {}: Manage Out needs every port (any, 0)",
                    self.r.address, m.port
                ),
            )
            .with_field("members")
            .with_help(format!("use the member {}.0", self.r.address));
                self.push(d, pool.file, m.stanza.span.clone(), true);
            }
        }
    }
}

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
        let (_, src) = &located.files[first.file];
        let line = located.lines[first.file]
            .position(&src.text, first.stanza.span.start)
            .0;
        let d = Diagnostic::error(
            Code::MO112,
            format!(
                "virtual {} has the same destination and mask as {} ({}:{line})",
                v.path, first.path, src.name
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
            let found = VirtualCheck {
                report: &mut *report,
                located,
                config,
                r,
                v,
            }
            .run();
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
        let span = v
            .stanza
            .child("destination")
            .map_or_else(|| v.stanza.span.clone(), |c| c.span.clone());
        report.push(located.at(d, v.file, &span));
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
