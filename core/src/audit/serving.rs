//! The rules for one virtual server that serves a farm prefix, one method per
//! finding: its destination and mask (MO102), its state and translation (MO106 to
//! MO108), VLANs and profiles (MO109, MO110), an `ip-forward` virtual's net route
//! (MO113), and its pool and members (MO103 to MO105). Rules over the whole
//! configuration are in [`rules`](super::rules).

use std::net::{IpAddr, Ipv6Addr};
use std::ops::Range;

use ipnet::Ipv6Net;

use super::AuditReport;
use super::model::{Config, FarmRoute, Located, Virtual, full_path, leaf};
use crate::diagnostic::{Code, Diagnostic};

/// Checks virtual `v` against the farm route `r` it serves; returns the number of
/// findings (0: the virtual is right in every respect).
pub(super) fn check<'c>(
    report: &mut AuditReport,
    located: &Located<'c>,
    config: &Config<'c>,
    r: &FarmRoute<'c>,
    v: &Virtual<'c>,
) -> usize {
    VirtualCheck {
        report,
        located,
        config,
        r,
        v,
    }
    .run()
}

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
