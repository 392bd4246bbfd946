//! The checks of one value at a time: names (MO018), the farm's settings, and per
//! server its address (MO013, MO016) and prefixes (MO012 host bits, MO014
//! ranges clients cannot own, MO015 lengths, MO016 documentation, MO017 6to4).

use std::net::Ipv6Addr;
use std::ops::Range;

use ipnet::Ipv6Net;

use super::{Checked, Checker, Val};
use crate::diagnostic::{Code, Diagnostic, shown};
use crate::load::draft::{Draft, DraftServer, Sp};
use crate::model::BigIp;
use crate::names;
use crate::net;

/// Which name rule applies.
#[derive(Clone, Copy)]
pub(super) enum NameKind {
    /// A farm, server or entry-point name.
    Name,
    /// `bigip.partition`.
    Partition,
    /// A VLAN or monitor: an existing BIG-IP object.
    Object,
}

/// The farm-level settings after their checks.
pub(super) struct Settings {
    pub(super) name: Option<String>,
    pub(super) internal: Option<Val<Ipv6Net>>,
    pub(super) windows7_clients: bool,
    /// `None` when a setting is invalid.
    pub(super) bigip: Option<BigIp>,
}

impl Checker<'_> {
    pub(super) fn settings(&mut self, draft: &Draft) -> Settings {
        let mut ok = true;
        let name = draft.name.as_ref().map(|n| {
            ok &= self.name_value(n, "farm.name", None, NameKind::Name);
            n.value.clone()
        });
        let internal = draft.internal_prefix.as_ref().map(|p| {
            let v = self.prefix(p, "farm.internal_prefix", None, None);
            if v.ok && self.shape.strict().is_some() {
                self.six_to_four(v.value, "farm.internal_prefix", None, v.span.as_ref());
            }
            if v.ok && v.value.prefix_len() > 64 {
                let d = Diagnostic::warning(
                    Code::MO019,
                    format!(
                        "farm.internal_prefix `{}` is longer than /64; InternalIPv6Prefix is usually a /48",
                        v.value
                    ),
                )
                .with_field("farm.internal_prefix")
                .with_help("copy InternalIPv6Prefix from `Get-DAServer`");
                self.push(d, v.span.as_ref());
            }
            v
        });
        let mut bigip = BigIp::default();
        if let Some(p) = &draft.partition {
            ok &= self.name_value(p, "bigip.partition", None, NameKind::Partition);
            bigip.partition = p.value.clone();
        }
        if let Some(m) = &draft.monitor {
            ok &= self.name_value(m, "bigip.monitor", None, NameKind::Object);
            bigip.monitor = Some(m.value.clone());
        }
        if let Some(g) = &draft.sync_group {
            ok &= self.name_value(g, "bigip.sync_group", None, NameKind::Object);
            bigip.sync_group = Some(g.value.clone());
        }
        if let Some(vlans) = &draft.vlans {
            if vlans.value.is_empty() {
                let d = Diagnostic::error(Code::MO018, "bigip.vlans is empty: the virtuals would listen nowhere")
                    .with_field("bigip.vlans")
                    .with_help("name the internal VLAN, such as `vlans = [\"internal\"]`, or remove the key to listen on every VLAN");
                self.push(d, vlans.span.as_ref());
                ok = false;
            }
            for v in &vlans.value {
                ok &= self.name_value(v, "bigip.vlans", None, NameKind::Object);
            }
            bigip.vlans = Some(vlans.value.iter().map(|v| v.value.clone()).collect());
        }
        if let Some(rd) = &draft.route_domain {
            match u16::try_from(rd.value) {
                Ok(n) if n <= 65534 => bigip.route_domain = Some(n),
                _ => {
                    let d = Diagnostic::error(
                        Code::MO018,
                        format!("bigip.route_domain {} is out of range", rd.value),
                    )
                    .with_field("bigip.route_domain")
                    .with_help("BIG-IP route domain ids run from 0 to 65534; use 0 (or remove the key) for the default route domain");
                    self.push(d, rd.span.as_ref());
                    ok = false;
                }
            }
        }
        Settings {
            name,
            internal,
            windows7_clients: draft.windows7_clients.as_ref().is_some_and(|w| w.value),
            bigip: ok.then_some(bigip),
        }
    }

    /// MO018: a farm, server or entry-point name breaking the name rule, or a name
    /// of a BIG-IP object breaking BIG-IP's grammar (see [`names`]).
    pub(super) fn name_value(
        &mut self,
        v: &Sp<String>,
        field: &str,
        server: Option<&str>,
        kind: NameKind,
    ) -> bool {
        let s = v.value.as_str();
        let result = match kind {
            NameKind::Name => names::check(s),
            NameKind::Partition => names::check_partition(s),
            NameKind::Object => names::check_object_path(s),
        };
        let Err(problem) = result else {
            return true;
        };
        let help = match kind {
            NameKind::Name => format!(
                "names are 1 to {} letters, digits, `.`, `_` or `-` (what DNS, NetBIOS and BIG-IP names share); the nearest valid name is `{}`",
                names::MAX_NAME_LEN,
                names::nearest_valid(s)
            ),
            NameKind::Partition => "a partition is one folder name: a letter, then letters, digits, `.`, `_` or `-` (no `/`), such as `Common`".to_owned(),
            NameKind::Object => "name an existing BIG-IP object: `name` (in /Common) or a full path such as `/Common/internal`, each part a letter, then letters, digits, `.`, `_` or `-`".to_owned(),
        };
        let d = Diagnostic::error(Code::MO018, format!("{field} `{}` {problem}", shown(s)))
            .with_server(server)
            .with_field(field)
            .with_help(help);
        self.push(d, v.span.as_ref());
        false
    }

    pub(super) fn server(&mut self, index: usize, s: &DraftServer) -> Checked {
        let mut c = Checked::default();
        let name_ok = s
            .name
            .as_ref()
            .is_some_and(|n| self.name_value(n, "name", None, NameKind::Name));
        c.name = s.name.as_ref().map(|n| Val {
            value: n.value.clone(),
            span: n.span.clone(),
            ok: name_ok,
        });
        let server = s.name.as_ref().map(|n| n.value.as_str());
        if let Some(ep) = &s.entry_point {
            let ok = self.name_value(ep, "entry_point", server, NameKind::Name);
            c.entry_point = Some(Val {
                value: ep.value.clone(),
                span: ep.span.clone(),
                ok,
            });
        }
        c.address = s
            .address
            .as_ref()
            .map(|a| self.address_value(a, "address", server));
        c.client_prefix = s.client_prefix.as_ref().map(|p| {
            let mut v = self.prefix(p, "client_prefix", server, Some(index));
            if v.ok {
                v.ok = self.client_range(&v, "client_prefix", server);
            }
            // a node's /64 is judged against its entry point's prefix instead
            let node = self
                .shape
                .is_node(s.entry_point.as_ref().map(|e| e.value.as_str()));
            if v.ok {
                self.client_warnings(&v, server, node);
            }
            v
        });
        c.vpn_prefix = s.vpn_prefix.as_ref().map(|p| {
            let mut v = self.prefix(p, "vpn_prefix", server, Some(index));
            if v.ok {
                v.ok = self.client_range(&v, "vpn_prefix", server);
            }
            if v.ok {
                self.documentation_warning(
                    v.value.network(),
                    &v.value.to_string(),
                    "vpn_prefix",
                    server,
                    v.span.as_ref(),
                );
            }
            v
        });
        c.teredo = s.teredo.as_ref().is_some_and(|t| t.value);
        self.teredo(index, s, &mut c, server);
        c
    }

    /// MO013 (not routable), MO016 (documentation) and MO035 (ISATAP where it is
    /// unsupported) for a server address or an entry point's VIP.
    pub(super) fn address_value(
        &mut self,
        a: &Sp<Ipv6Addr>,
        field: &str,
        server: Option<&str>,
    ) -> Val<Ipv6Addr> {
        let addr = a.value;
        if let (Some(v4), Some(why)) = (net::isatap_ipv4(addr), self.shape.strict()) {
            let d = Diagnostic::error(
                Code::MO035,
                format!("{field} `{addr}` is an ISATAP address (of IPv4 {v4}), in a farm with {why}"),
            )
            .with_server(server)
            .with_field(field)
            .with_help("ISATAP is not supported with load balancing or multisite (Microsoft's Remote Access requirements): give the server a native IPv6 address on the intranet");
            self.push(d, a.span.as_ref());
            return Val {
                value: addr,
                span: a.span.clone(),
                ok: false,
            };
        }
        let ok = match net::not_routable(addr) {
            Some(why) => {
                let d = Diagnostic::error(
                    Code::MO013,
                    format!("{field} `{addr}` is {why}, not a routable unicast address"),
                )
                .with_server(server)
                .with_field(field)
                .with_help("the load balancer forwards to this address: give the server's global or unique-local corporate IPv6 address");
                self.push(d, a.span.as_ref());
                false
            }
            None => {
                self.documentation_warning(addr, &addr.to_string(), field, server, a.span.as_ref());
                true
            }
        };
        Val {
            value: addr,
            span: a.span.clone(),
            ok,
        }
    }

    /// MO012 (host bits): the diagnostic of a server's prefix waits for its help,
    /// which needs every other server's prefixes (`owner` is the server index).
    pub(super) fn prefix(
        &mut self,
        p: &Sp<Ipv6Net>,
        field: &'static str,
        server: Option<&str>,
        owner: Option<usize>,
    ) -> Val<Ipv6Net> {
        let prefix = p.value;
        let ok = prefix.trunc() == prefix;
        if !ok {
            let d = Diagnostic::error(Code::MO012, format!("{field} `{prefix}` has host bits set"))
                .with_server(server)
                .with_field(field)
                .with_help(format!("its network is `{}`", prefix.trunc()))
                .at(p.span.as_ref());
            match owner {
                Some(i) => self.host_bits.push((i, field, d)),
                None => self.diags.push(d),
            }
        }
        Val {
            value: prefix,
            span: p.span.clone(),
            ok,
        }
    }

    /// MO014: a client or VPN prefix must lie where clients can own addresses.
    pub(super) fn client_range(
        &mut self,
        v: &Val<Ipv6Net>,
        field: &str,
        server: Option<&str>,
    ) -> bool {
        let p = v.value;
        let problem = if p.prefix_len() < 32 {
            Some("is shorter than /32 and would cover other networks' address space".to_owned())
        } else if p.prefix_len() > 64 {
            Some("is longer than /64; IPv6 clients need a /64 to form addresses".to_owned())
        } else {
            net::NOT_FOR_CLIENTS
                .into_iter()
                .find(|(r, _)| net::overlaps(r, &p))
                .map(|(_, what)| format!("lies in {what}, which clients cannot be given"))
        };
        let Some(problem) = problem else {
            return true;
        };
        let d = Diagnostic::error(Code::MO014, format!("{field} `{p}` {problem}"))
            .with_server(server)
            .with_field(field)
            .with_help(if field == "client_prefix" {
                "copy the entry point's ClientIPv6Prefix from `Get-DAServer | ft ClientIPv6Prefix` (a /59 for a cluster, a /64 for a single server); Teredo prefixes go in `teredo_prefix`"
            } else {
                "copy the VPN clients' prefix (IPv6Prefix) from `Get-RemoteAccess`; it is a /64 or shorter, inside the organisation's prefix"
            });
        self.push(d, v.span.as_ref());
        false
    }

    fn client_warnings(&mut self, v: &Val<Ipv6Net>, server: Option<&str>, node: bool) {
        let p = v.value;
        if !node && p.prefix_len() != 59 && p.prefix_len() != 64 {
            let d = Diagnostic::warning(
                Code::MO015,
                format!(
                    "client_prefix `{p}` is a /{}; DirectAccess assigns a /64 to a single server and a /59 to a load-balanced cluster",
                    p.prefix_len()
                ),
            )
            .with_server(server)
            .with_field("client_prefix")
            .with_help("check the real value with `Get-DAServer | ft ClientIPv6Prefix`; routing a different length than DA assigned misroutes clients");
            self.push(d, v.span.as_ref());
        }
        self.documentation_warning(
            p.network(),
            &p.to_string(),
            "client_prefix",
            server,
            v.span.as_ref(),
        );
        self.six_to_four(p, "client_prefix", server, v.span.as_ref());
    }

    /// MO017 (a warning) or, in a farm with load balancing or several entry
    /// points, MO036 (an error): a 6to4-derived prefix.
    pub(super) fn six_to_four(
        &mut self,
        p: Ipv6Net,
        field: &str,
        server: Option<&str>,
        span: Option<&Range<usize>>,
    ) {
        let Some(v4) = net::six_to_four_ipv4(p.network()) else {
            return;
        };
        let d = match self.shape.strict() {
            Some(why) => Diagnostic::error(
                Code::MO036,
                format!("{field} `{p}` is 6to4-derived (from IPv4 {v4}), in a farm with {why}"),
            )
            .with_help("6to4 (like ISATAP) is not supported with load balancing or multisite (Microsoft's Remote Access requirements): deploy native IPv6 on the intranet and reconfigure the prefix"),
            None => Diagnostic::warning(
                Code::MO017,
                format!("{field} `{p}` is 6to4-derived (from IPv4 {v4}): the intranet has no native IPv6"),
            )
            .with_help("Manage Out behind a load balancer needs native IPv6 on the intranet (ISATAP and 6to4 are unsupported with load balancing and multisite); deploy IPv6 internally and reconfigure the client prefix"),
        };
        self.push(d.with_server(server).with_field(field), span);
    }

    /// MO016: a value in a documentation range.
    fn documentation_warning(
        &mut self,
        addr: Ipv6Addr,
        shown: &str,
        field: &str,
        server: Option<&str>,
        span: Option<&Range<usize>>,
    ) {
        if let Some(range) = net::documentation_range(addr) {
            let d = Diagnostic::warning(
                Code::MO016,
                format!("{field} `{shown}` is in the documentation range {range}"),
            )
            .with_server(server)
            .with_field(field)
            .with_help("documentation addresses (RFC 3849, RFC 9637) are for examples and labs; use the real values from `Get-DAServer` in production");
            self.push(d, span);
        }
    }
}
