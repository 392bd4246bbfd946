//! Every rule of the farm contract (MO001-MO033), reported all at once.
//!
//! Values are checked first (MO010-MO019, MO030, MO031, MO033); a value found invalid
//! there is left out of the cross-server checks (MO020-MO025, MO032), so that one
//! mistake does not cascade. See the table of codes in the README.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use ipnet::Ipv6Net;

use crate::config::{Draft, DraftServer, Sp};
use crate::diagnostic::{Code, Diagnostic, Sink, shown};
use crate::model::{BigIp, Farm, RouteKind, Server, teredo_prefix_of};
use crate::names;

/// The most servers a farm may list (a DirectAccess deployment has at most a few
/// dozen entry points); more is MO005.
pub const MAX_SERVERS: usize = 4096;

/// A value that was read and parsed; `ok` is false when a value check (MO010-MO014)
/// already reported it, which keeps it out of the cross-server checks.
#[derive(Clone, Debug)]
struct Val<T> {
    value: T,
    span: Option<Range<usize>>,
    ok: bool,
}

#[derive(Clone, Debug, Default)]
struct Checked {
    name: Option<Val<String>>,
    address: Option<Val<Ipv6Addr>>,
    client_prefix: Option<Val<Ipv6Net>>,
    entry_point: Option<Val<String>>,
    teredo: bool,
    teredo_ipv4: Option<Val<Ipv4Addr>>,
    teredo_prefix: Option<Val<Ipv6Net>>,
    vpn_prefix: Option<Val<Ipv6Net>>,
}

/// A route taking part in the cross-server checks.
#[derive(Clone, Debug)]
struct RouteRef {
    server: usize,
    prefix: Ipv6Net,
    kind: RouteKind,
    span: Option<Range<usize>>,
}

impl RouteRef {
    fn field(&self) -> &'static str {
        match self.kind {
            RouteKind::Client => "client_prefix",
            RouteKind::Vpn => "vpn_prefix",
            RouteKind::Teredo => "teredo_prefix",
        }
    }
}

/// Checks a draft farm, appending diagnostics; returns the typed farm when every
/// value could be read (it may still have errors, such as host bits or overlaps).
pub(crate) fn validate(draft: &Draft, diags: &mut Sink) -> Option<Farm> {
    diags.group(1, true);
    let mut v = Validator {
        diags,
        host_bits: Vec::new(),
    };
    v.run(draft)
}

/// The draft of a typed farm: the same checks then apply to farms built in code.
pub(crate) fn draft_of(farm: &Farm) -> Draft {
    let s = |x: &str| Some(Sp::bare(x.to_owned()));
    Draft {
        name: farm.name.as_deref().and_then(s),
        internal_prefix: farm.internal_prefix.map(|p| Sp::bare(p.to_string())),
        windows7_clients: Some(Sp::bare(farm.windows7_clients)),
        partition: s(&farm.bigip.partition),
        vlans: farm
            .bigip
            .vlans
            .as_ref()
            .map(|v| Sp::bare(v.iter().map(|x| Sp::bare(x.clone())).collect())),
        route_domain: farm.bigip.route_domain.map(|r| Sp::bare(i64::from(r))),
        monitor: farm.bigip.monitor.as_deref().and_then(s),
        servers: farm
            .servers
            .iter()
            .map(|sv| DraftServer {
                name: s(&sv.name),
                address: Some(Sp::bare(sv.address.to_string())),
                client_prefix: Some(Sp::bare(sv.client_prefix.to_string())),
                entry_point: sv.entry_point.as_deref().and_then(s),
                teredo: Some(Sp::bare(sv.teredo)),
                teredo_ipv4: sv.teredo_ipv4.map(|a| Sp::bare(a.to_string())),
                teredo_prefix: sv.teredo_prefix.map(|p| Sp::bare(p.to_string())),
                vpn_prefix: sv.vpn_prefix.map(|p| Sp::bare(p.to_string())),
            })
            .collect(),
        server_count: farm.servers.len(),
        servers_span: None,
    }
}

struct Validator<'d> {
    diags: &'d mut Sink,
    /// MO012 diagnostics waiting for their help (the nearest free sibling needs
    /// every server's prefixes): server index, field, diagnostic.
    host_bits: Vec<(usize, &'static str, Diagnostic)>,
}

/// Well-known ranges, as (network, length, description).
const TEREDO: (u128, u8) = (0x2001_0000 << 96, 32);
const DOCUMENTATION: (u128, u8) = (0x2001_0db8 << 96, 32);
const SIX_TO_FOUR: (u128, u8) = (0x2002 << 112, 16);

fn net(range: (u128, u8)) -> Ipv6Net {
    Ipv6Net::new_assert(Ipv6Addr::from(range.0), range.1)
}

fn overlaps(a: &Ipv6Net, b: &Ipv6Net) -> bool {
    a.contains(b) || b.contains(a)
}

/// The address ranges a client or VPN prefix cannot lie in (MO014) and that a
/// next hop cannot be in (MO013), with their names.
fn special_ranges() -> [(Ipv6Net, &'static str); 5] {
    let p = |a: u128, l: u8| Ipv6Net::new_assert(Ipv6Addr::from(a), l);
    [
        (net(TEREDO), "the Teredo range 2001::/32"),
        (p(0xff << 120, 8), "the multicast range ff00::/8"),
        (p(0xfe80 << 112, 10), "the link-local range fe80::/10"),
        (p(1, 128), "the loopback address ::1"),
        (p(0xffff << 32, 96), "the IPv4-mapped range ::ffff:0:0/96"),
    ]
}

impl Validator<'_> {
    fn push(&mut self, d: Diagnostic, span: Option<&Range<usize>>) {
        self.diags.push(d.at(span));
    }

    fn run(&mut self, draft: &Draft) -> Option<Farm> {
        // MO005 (too many servers) is reported while reading a file, which reads
        // only the first MAX_SERVERS; a farm built in code is refused here
        let too_many = draft.server_count > MAX_SERVERS;
        if draft.servers.len() > MAX_SERVERS {
            let d = Diagnostic::error(
                Code::MO005,
                format!(
                    "the farm lists {} servers; at most {MAX_SERVERS} are accepted",
                    draft.servers.len()
                ),
            )
            .with_field("server")
            .with_help("list one entry per DA server or load-balanced node");
            self.push(d, draft.servers_span.as_ref());
            return None;
        }
        let (settings, internal) = self.settings(draft);
        let mut servers: Vec<Checked> = Vec::with_capacity(draft.servers.len());
        for (i, s) in draft.servers.iter().enumerate() {
            let c = self.server(i, s);
            servers.push(c);
        }
        self.cross_checks(&mut servers, internal.as_ref(), draft);

        // the typed farm, when every value could be read
        let mut typed = Vec::with_capacity(servers.len());
        for c in servers {
            typed.push(Server {
                name: c.name?.value,
                address: c.address?.value,
                client_prefix: c.client_prefix?.value,
                entry_point: c.entry_point.map(|e| e.value),
                teredo: c.teredo,
                teredo_ipv4: c.teredo_ipv4.map(|v| v.value),
                teredo_prefix: c.teredo_prefix.map(|v| v.value),
                vpn_prefix: c.vpn_prefix.map(|v| v.value),
            });
        }
        if too_many {
            return None;
        }
        let (name, windows7_clients, bigip) = settings?;
        Some(Farm {
            name,
            internal_prefix: internal.map(|v| v.value),
            windows7_clients,
            bigip,
            servers: typed,
        })
    }

    #[allow(clippy::type_complexity)] // a one-off tuple of the farm-level settings
    fn settings(
        &mut self,
        draft: &Draft,
    ) -> (Option<(Option<String>, bool, BigIp)>, Option<Val<Ipv6Net>>) {
        let mut ok = true;
        let name = draft.name.as_ref().map(|n| {
            ok &= self.name_value(n, "farm.name", None, NameKind::Name);
            n.value.clone()
        });
        let internal = draft.internal_prefix.as_ref().and_then(|p| {
            let v = self.prefix(p, "farm.internal_prefix", None, None)?;
            if v.ok && v.value.prefix_len() > 64 {
                let d = Diagnostic::warning(Code::MO019,
                    format!(
                        "farm.internal_prefix `{}` is longer than /64; InternalIPv6Prefix is usually a /48",
                        v.value
                    ),
                )
                .with_field("farm.internal_prefix")
                .with_help("copy InternalIPv6Prefix from `Get-DAServer`");
                self.push(d, v.span.as_ref());
            }
            Some(v)
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
                    let d = Diagnostic::error(Code::MO018,
                        format!("bigip.route_domain {} is out of range", rd.value),
                    )
                    .with_field("bigip.route_domain")
                    .with_help("BIG-IP route domain ids run from 0 to 65534; use 0 (or remove the key) for the default route domain");
                    self.push(d, rd.span.as_ref());
                    ok = false;
                }
            }
        }
        let windows7 = draft.windows7_clients.as_ref().is_some_and(|w| w.value);
        (ok.then_some((name, windows7, bigip)), internal)
    }

    /// MO018: a farm, server or entry-point name breaking the name rule, or a name
    /// of a BIG-IP object breaking BIG-IP's grammar (see [`names`](crate::names)).
    fn name_value(
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

    fn server(&mut self, index: usize, s: &DraftServer) -> Checked {
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
        c.address = s.address.as_ref().and_then(|a| self.address(a, server));
        c.client_prefix = s.client_prefix.as_ref().and_then(|p| {
            let mut v = self.prefix(p, "client_prefix", server, Some(index))?;
            if v.ok {
                v.ok = self.client_range(&v, "client_prefix", server);
            }
            if v.ok {
                self.client_warnings(&v, server);
            }
            Some(v)
        });
        c.vpn_prefix = s.vpn_prefix.as_ref().and_then(|p| {
            let mut v = self.prefix(p, "vpn_prefix", server, Some(index))?;
            if v.ok {
                v.ok = self.client_range(&v, "vpn_prefix", server);
            }
            if v.ok {
                self.documentation_warning(
                    &v.value.to_string(),
                    v.value.network(),
                    "vpn_prefix",
                    server,
                    v.span.as_ref(),
                );
            }
            Some(v)
        });
        c.teredo = s.teredo.as_ref().is_some_and(|t| t.value);
        self.teredo(index, s, &mut c, server);
        c
    }

    fn address(&mut self, a: &Sp<String>, server: Option<&str>) -> Option<Val<Ipv6Addr>> {
        let text = a.value.as_str();
        let t = shown(text);
        let bad = |msg: String, help: String| {
            Diagnostic::error(Code::MO010, msg)
                .with_server(server)
                .with_field("address")
                .with_help(help)
        };
        let parsed = match text.parse::<Ipv6Addr>() {
            Ok(addr) => Ok(addr),
            Err(_) => Err(
                if text.trim() != text && text.trim().parse::<Ipv6Addr>().is_ok() {
                    bad(
                        format!("address `{t}` has surrounding spaces"),
                        format!("write `{}`", shown(text.trim())),
                    )
                } else if text.parse::<Ipv4Addr>().is_ok() {
                    bad(
                    format!("address `{t}` is an IPv4 address; Manage Out needs the server's IPv6 address"),
                    "give the DA server's corporate-facing IPv6 address (`Get-NetIPAddress -AddressFamily IPv6` on its internal interface), such as `2131::101`".to_owned(),
                )
                } else if let Some((addr, zone)) = text.split_once('%') {
                    bad(
                        format!("address `{t}` has a zone id (`%{}`)", shown(zone)),
                        format!(
                            "a zone id only has meaning on one host; write `{}` (and use a routable address, not link-local)",
                            shown(addr)
                        ),
                    )
                } else if let Some((addr, len)) = text.split_once('/') {
                    bad(
                        format!("address `{t}` has a prefix length (`/{}`)", shown(len)),
                        format!("give the server's address alone: `{}`", shown(addr)),
                    )
                } else if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']'))
                {
                    bad(
                        format!("address `{t}` is written in brackets"),
                        format!("write `{}`", shown(inner)),
                    )
                } else {
                    bad(
                        format!("`{t}` is not a valid IPv6 address"),
                        "write the server's corporate-facing IPv6 address, such as `2131::101`"
                            .to_owned(),
                    )
                },
            ),
        };
        let addr = match parsed {
            Ok(addr) => addr,
            Err(d) => {
                self.push(d, a.span.as_ref());
                return None;
            }
        };
        let bits = u128::from(addr);
        let why = if addr.is_unspecified() {
            Some("the unspecified address `::`")
        } else if addr.is_loopback() {
            Some("the loopback address")
        } else if addr.is_multicast() {
            Some("a multicast address")
        } else if bits >> 118 == 0x3fa {
            Some("a link-local address")
        } else if bits >> 32 == 0xffff {
            Some("an IPv4-mapped address")
        } else {
            None
        };
        let ok = match why {
            Some(why) => {
                let d = Diagnostic::error(Code::MO013,
                    format!("address `{addr}` is {why}, not a routable unicast address"),
                )
                .with_server(server)
                .with_field("address")
                .with_help("the load balancer forwards to this address: give the server's global or unique-local corporate IPv6 address");
                self.push(d, a.span.as_ref());
                false
            }
            None => {
                self.documentation_warning(
                    &addr.to_string(),
                    addr,
                    "address",
                    server,
                    a.span.as_ref(),
                );
                true
            }
        };
        Some(Val {
            value: addr,
            span: a.span.clone(),
            ok,
        })
    }

    /// MO011 (not a prefix) and MO012 (host bits; its help is completed later, when
    /// the other servers' prefixes are known).
    fn prefix(
        &mut self,
        p: &Sp<String>,
        field: &'static str,
        server: Option<&str>,
        owner: Option<usize>,
    ) -> Option<Val<Ipv6Net>> {
        let text = p.value.as_str();
        let t = shown(text);
        let code = if field == "teredo_prefix" {
            Code::MO031
        } else {
            Code::MO011
        };
        let bad = |msg: String, help: String| {
            Diagnostic::error(code, msg)
                .with_server(server)
                .with_field(field)
                .with_help(help)
        };
        let parsed = match text.parse::<Ipv6Net>() {
            Ok(net) => Ok(net),
            Err(_) => Err(match text.split_once('/') {
                None if text.parse::<Ipv6Addr>().is_ok() => bad(
                    format!("{field} `{t}` has no prefix length"),
                    format!("add the length DA reports: `{t}/59` for a load-balanced cluster, `{t}/64` for a single server"),
                ),
                _ if text.contains('%') => bad(
                    format!("{field} `{t}` has a zone id"),
                    format!("remove the zone id: `{}`", shown(&strip_zone(text))),
                ),
                _ if text.parse::<ipnet::Ipv4Net>().is_ok() || text.parse::<Ipv4Addr>().is_ok() => bad(
                    format!("{field} `{t}` is an IPv4 prefix; DirectAccess clients get IPv6 prefixes"),
                    "copy ClientIPv6Prefix from `Get-DAServer | ft ClientIPv6Prefix`, such as `2131:0:0:1000::/59`".to_owned(),
                ),
                Some((addr, len)) if addr.parse::<Ipv6Addr>().is_ok() => bad(
                    format!("{field} `{t}` has an invalid prefix length `{}`", shown(len)),
                    "an IPv6 prefix length is a number from 0 to 128; DA uses /59 or /64".to_owned(),
                ),
                _ if text.trim() != text => bad(
                    format!("{field} `{t}` has surrounding spaces"),
                    format!("write `{}`", shown(text.trim())),
                ),
                _ => bad(
                    format!("`{t}` is not a valid IPv6 prefix"),
                    "write it as address/length, such as `2131:0:0:1000::/59`".to_owned(),
                ),
            }),
        };
        let prefix = match parsed {
            Ok(net) => net,
            Err(d) => {
                self.push(d, p.span.as_ref());
                return None;
            }
        };
        let ok = prefix.trunc() == prefix;
        if !ok {
            let d = Diagnostic::error(Code::MO012, format!("{field} `{t}` has host bits set"))
                .with_server(server)
                .with_field(field)
                .with_help(format!("its network is `{}`", prefix.trunc()))
                .at(p.span.as_ref());
            match owner {
                // the help names the nearest free sibling once every prefix is known
                Some(i) => self.host_bits.push((i, field, d)),
                None => self.diags.push(d),
            }
        }
        Some(Val {
            value: prefix,
            span: p.span.clone(),
            ok,
        })
    }

    /// MO014: a client or VPN prefix must lie where clients can own addresses.
    fn client_range(&mut self, v: &Val<Ipv6Net>, field: &str, server: Option<&str>) -> bool {
        let p = v.value;
        let problem = if p.prefix_len() < 32 {
            Some("is shorter than /32 and would cover other networks' address space".to_owned())
        } else if p.prefix_len() > 64 {
            Some("is longer than /64; IPv6 clients need a /64 to form addresses".to_owned())
        } else {
            special_ranges()
                .into_iter()
                .find(|(r, _)| overlaps(r, &p))
                .map(|(_, what)| format!("lies in {what}, which clients cannot be given"))
        };
        match problem {
            None => true,
            Some(problem) => {
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
        }
    }

    fn client_warnings(&mut self, v: &Val<Ipv6Net>, server: Option<&str>) {
        let p = v.value;
        if p.prefix_len() != 59 && p.prefix_len() != 64 {
            let d = Diagnostic::warning(Code::MO015,
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
            &p.to_string(),
            p.network(),
            "client_prefix",
            server,
            v.span.as_ref(),
        );
        if net(SIX_TO_FOUR).contains(&p) {
            let o = p.network().octets();
            let v4 = Ipv4Addr::new(o[2], o[3], o[4], o[5]);
            let d = Diagnostic::warning(Code::MO017,
                format!("client_prefix `{p}` is 6to4-derived (from IPv4 {v4}): the intranet has no native IPv6"),
            )
            .with_server(server)
            .with_field("client_prefix")
            .with_help("Manage Out behind a load balancer needs native IPv6 on the intranet (ISATAP is unsupported with load balancing and multisite); deploy IPv6 internally and reconfigure the client prefix");
            self.push(d, v.span.as_ref());
        }
    }

    fn documentation_warning(
        &mut self,
        shown: &str,
        addr: Ipv6Addr,
        field: &str,
        server: Option<&str>,
        span: Option<&Range<usize>>,
    ) {
        if net(DOCUMENTATION).contains(&addr) {
            let d = Diagnostic::warning(Code::MO016,
                format!("{field} `{shown}` is in the documentation range 2001:db8::/32"),
            )
            .with_server(server)
            .with_field(field)
            .with_help("documentation addresses (RFC 3849) are for examples and labs; use the real values from `Get-DAServer` in production");
            self.push(d, span);
        }
    }

    /// MO030, MO031, MO033: the Teredo fields of one server.
    fn teredo(&mut self, index: usize, s: &DraftServer, c: &mut Checked, server: Option<&str>) {
        if let Some(t) = &s.teredo_ipv4 {
            match t.value.parse::<Ipv4Addr>() {
                Ok(v4) => {
                    c.teredo_ipv4 = Some(Val {
                        value: v4,
                        span: t.span.clone(),
                        ok: true,
                    });
                    let private = v4.is_private()
                        || v4.is_loopback()
                        || v4.is_link_local()
                        || v4.is_unspecified()
                        || v4.is_broadcast()
                        || v4.is_multicast()
                        || v4.is_documentation()
                        || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64;
                    if private {
                        let d = Diagnostic::warning(Code::MO033,
                            format!("teredo_ipv4 `{v4}` is not a public IPv4 address"),
                        )
                        .with_server(server)
                        .with_field("teredo_ipv4")
                        .with_help("Teredo needs the first of two consecutive public IPv4 addresses on the DA server's external interface");
                        self.push(d, t.span.as_ref());
                    }
                }
                Err(_) => {
                    let d = Diagnostic::error(Code::MO031,
                        format!("teredo_ipv4 `{}` is not an IPv4 address", t.value),
                    )
                    .with_server(server)
                    .with_field("teredo_ipv4")
                    .with_help("give the first of the server's two consecutive public IPv4 addresses, such as `131.107.0.2`");
                    self.push(d, t.span.as_ref());
                }
            }
        }
        if let Some(p) = &s.teredo_prefix {
            match self.prefix(p, "teredo_prefix", server, Some(index)) {
                None => {}
                Some(mut v) => {
                    if v.ok {
                        let problem = if !net(TEREDO).contains(&v.value) {
                            Some("is not inside the Teredo range 2001::/32".to_owned())
                        } else if v.value.prefix_len() != 64 {
                            Some(format!("is a /{}, not a /64", v.value.prefix_len()))
                        } else {
                            None
                        };
                        let expected = c.teredo_ipv4.as_ref().map(|t| teredo_prefix_of(t.value));
                        let disagree = expected.filter(|e| problem.is_none() && *e != v.value);
                        if let Some(problem) = problem {
                            let d = Diagnostic::error(Code::MO031, format!("teredo_prefix `{}` {problem}", v.value))
                                .with_server(server)
                                .with_field("teredo_prefix")
                                .with_help(match expected {
                                    Some(e) => format!("the Teredo prefix of {} is `{e}`", c.teredo_ipv4.as_ref().map_or(String::new(), |t| t.value.to_string())),
                                    None => "a Teredo prefix is `2001:0:WWXX:YYZZ::/64` for the server's first public IPv4 WW.XX.YY.ZZ; or give `teredo_ipv4` and let it be derived".to_owned(),
                                });
                            self.push(d, v.span.as_ref());
                            v.ok = false;
                        } else if let Some(e) = disagree {
                            let d = Diagnostic::error(Code::MO031,
                                format!("teredo_prefix `{}` disagrees with teredo_ipv4 `{}`", v.value, c.teredo_ipv4.as_ref().map_or(String::new(), |t| t.value.to_string())),
                            )
                            .with_server(server)
                            .with_field("teredo_prefix")
                            .with_help(format!("the Teredo prefix of that IPv4 is `{e}`; fix whichever is wrong, or give only teredo_ipv4"));
                            self.push(d, v.span.as_ref());
                            v.ok = false;
                        }
                    }
                    c.teredo_prefix = Some(v);
                }
            }
        }
        if c.teredo && s.teredo_prefix.is_none() && s.teredo_ipv4.is_none() {
            let d = Diagnostic::error(Code::MO030,
                "teredo = true, but the server has no Teredo prefix: its Teredo clients cannot be steered",
            )
            .with_server(server)
            .with_field("teredo")
            .with_help("give `teredo_ipv4` (the first of the server's two consecutive public IPv4s) so the prefix can be derived, or disable Teredo on the DA server (`Set-DAServer -TeredoState Disabled`) and set `teredo = false`");
            let span = s.teredo.as_ref().and_then(|t| t.span.as_ref());
            self.push(d, span);
        }
    }

    fn cross_checks(
        &mut self,
        servers: &mut [Checked],
        internal: Option<&Val<Ipv6Net>>,
        draft: &Draft,
    ) {
        let name_of = |servers: &[Checked], i: usize| -> String {
            servers[i]
                .name
                .as_ref()
                .map_or_else(|| format!("#{i}"), |n| n.value.clone())
        };
        // MO020 / MO021: duplicate names and addresses
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
                    value: teredo_prefix_of(t.value),
                    span: t.span.clone(),
                    ok: true,
                })
            });
            add(&derived, RouteKind::Teredo);
        }
        let entry_point = |i: usize| -> EntryPoint {
            match servers[i].entry_point.as_ref() {
                Some(ep) => EntryPoint::Named(ep.value.to_lowercase()),
                None => EntryPoint::Own(i),
            }
        };

        // MO022 / MO023 / MO031: overlapping routes, found by a sweep over sorted
        // prefixes. Equal prefixes form one group, reported once (never per pair);
        // a prefix nested in another entry point's is reported once, against the
        // innermost such prefix. The stack of enclosing groups is at most 129 deep.
        let mut order: Vec<usize> = (0..routes.len()).collect();
        order.sort_by_key(|&r| {
            (
                u128::from(routes[r].prefix.network()),
                routes[r].prefix.prefix_len(),
                r,
            )
        });
        let groups: Vec<&[usize]> = order
            .chunk_by(|&a, &b| routes[a].prefix == routes[b].prefix)
            .collect();
        let list = |names: Vec<String>| -> String {
            let n = names.len();
            let mut shown: Vec<String> = names.into_iter().take(5).collect();
            if n > 5 {
                shown.push(format!("and {} more", n - 5));
            }
            shown.join(", ")
        };
        // (the group's prefix, the entry points of its routes)
        let mut stack: Vec<(Ipv6Net, Vec<EntryPoint>, &[usize])> = Vec::new();
        for group in &groups {
            let prefix = routes[group[0]].prefix;
            // equal prefixes of different servers: one diagnostic at the second
            // in file order
            let mut in_file_order: Vec<usize> = group.to_vec();
            in_file_order.sort_unstable();
            let mut owners: Vec<usize> = in_file_order.iter().map(|&r| routes[r].server).collect();
            owners.dedup();
            if owners.len() > 1 {
                let second = &routes[in_file_order
                    .iter()
                    .copied()
                    .find(|&r| routes[r].server != routes[in_file_order[0]].server)
                    .unwrap_or(in_file_order[1])];
                let names: Vec<String> = owners.iter().map(|&i| name_of(servers, i)).collect();
                let all_teredo = group.iter().all(|&r| routes[r].kind == RouteKind::Teredo);
                let d = if all_teredo {
                    Diagnostic::error(Code::MO031, format!("Teredo prefix `{prefix}` is shared by servers {}", list(names)))
                        .with_help("each DA server derives its Teredo prefix from its own public IPv4 address; behind one load-balanced VIP, Teredo clients cannot be steered: disable Teredo (`Set-DAServer -TeredoState Disabled`)")
                } else {
                    Diagnostic::error(Code::MO022,
                        format!("servers {} share the {} `{prefix}`", list(names), second.field().replace('_', " ")),
                    )
                    .with_help(if second.kind == RouteKind::Client {
                        "a shared ClientIPv6Prefix is the cluster-wide prefix of a load-balanced entry point: list the entry point once, with the internal VIP as address (or give each node its own /64 inside it); servers in separate entry points must have distinct prefixes"
                    } else {
                        "one prefix can be routed to only one next hop: give each entry point its own prefix"
                    })
                };
                let d = d
                    .with_server(Some(&name_of(servers, second.server)))
                    .with_field(second.field());
                self.push(d, second.span.as_ref());
            }
            while stack
                .last()
                .is_some_and(|(outer, _, _)| !outer.contains(&prefix))
            {
                stack.pop();
            }
            // MO023: each route of the group against the innermost enclosing
            // prefix that belongs to another entry point
            for &r in group.iter() {
                let ep = entry_point(routes[r].server);
                let Some((outer, _, outer_routes)) = stack
                    .iter()
                    .rev()
                    .find(|(_, eps, _)| eps.iter().any(|e| *e != ep))
                else {
                    continue;
                };
                let Some(&o) = outer_routes
                    .iter()
                    .find(|&&o| entry_point(routes[o].server) != ep)
                else {
                    continue;
                };
                let (ra, rb) = (&routes[o], &routes[r]);
                let (first, second) = if o < r { (ra, rb) } else { (rb, ra) };
                let (first_name, second_name) = (
                    name_of(servers, first.server),
                    name_of(servers, second.server),
                );
                let d = Diagnostic::error(Code::MO023,
                    format!(
                        "{} `{}` of server {} overlaps {} `{}` of server {}, in another entry point",
                        second.field(), second.prefix, second_name, first.field(), first.prefix, first_name
                    ),
                )
                .with_help(format!(
                    "`{}` lies inside `{outer}`, so clients of one entry point would be routed to the other; entry points need distinct, non-overlapping prefixes (or put both servers in the same entry_point if the inner prefix is a node's /64 inside the cluster's /59)",
                    rb.prefix
                ))
                .with_server(Some(&second_name))
                .with_field(second.field());
                let span = second.span.clone();
                self.push(d, span.as_ref());
            }
            let mut eps: Vec<EntryPoint> = group
                .iter()
                .map(|&r| entry_point(routes[r].server))
                .collect();
            eps.sort();
            eps.dedup();
            stack.push((prefix, eps, group));
        }

        // MO024: a next hop inside a routed prefix; MO025: outside the internal prefix
        let routed =
            crate::table::PrefixMap::new(routes.iter().enumerate().map(|(i, r)| (r.prefix, i)))
                .unwrap_or_else(|_| crate::table::PrefixMap::new([]).expect("an empty map"));
        for (i, c) in servers.iter().enumerate() {
            let Some(a) = c.address.as_ref().filter(|a| a.ok) else {
                continue;
            };
            let name = name_of(servers, i);
            if let Some(r) = routed.lookup(a.value).map(|&r| &routes[r]) {
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

        // MO032: Windows 7 clients do not fail over between entry points
        let windows7 = draft.windows7_clients.as_ref().filter(|w| w.value);
        if let Some(w) = windows7 {
            let mut eps: Vec<EntryPoint> = (0..servers.len()).map(entry_point).collect();
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

        // MO012 help: the network, and if it is taken, the nearest free sibling
        self.host_bits_help(servers, &routes, internal);
    }

    /// Pushes the MO012 diagnostics with their help: the network, and if it is
    /// taken, the nearest free sibling (computed once per distinct network).
    fn host_bits_help(
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
            let reread = if field == "client_prefix" {
                format!(
                    "re-read the prefix DA really assigned (`Get-DAServer | ft ClientIPv6Prefix` on {server_name})"
                )
            } else if field == "vpn_prefix" {
                "re-read the VPN clients' prefix (IPv6Prefix of `Get-RemoteAccess`)".to_owned()
            } else {
                "derive it from the server's first public IPv4 instead (`teredo_ipv4`)".to_owned()
            };
            let help = match taken_by {
                None => format!("its network is `{network}`: write that; or {reread}"),
                Some(owner) => {
                    let bound = internal
                        .filter(|p| {
                            p.ok && p.value.contains(&network)
                                && p.value.prefix_len() < network.prefix_len()
                        })
                        .map(|p| p.value)
                        .unwrap_or_else(|| {
                            Ipv6Net::new_assert(
                                network.network(),
                                network.prefix_len().saturating_sub(16),
                            )
                            .trunc()
                        });
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

/// Which name rule applies.
#[derive(Clone, Copy)]
enum NameKind {
    /// A farm, server or entry-point name.
    Name,
    /// `bigip.partition`.
    Partition,
    /// A VLAN or monitor: an existing BIG-IP object.
    Object,
}

/// Who a route belongs to for the overlap rules: a named entry point (compared
/// without case), or a server without one, which is an entry point of its own.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum EntryPoint {
    Named(String),
    Own(usize),
}

fn strip_zone(text: &str) -> String {
    match text.split_once('%') {
        Some((addr, rest)) => match rest.split_once('/') {
            Some((_, len)) => format!("{addr}/{len}"),
            None => addr.to_owned(),
        },
        None => text.to_owned(),
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

impl Farm {
    /// Checks the farm against every rule and returns all diagnostics (errors and
    /// warnings); an empty list means the farm is clean.
    ///
    /// ```
    /// use manageout::{Farm, Server};
    /// let farm = Farm::new(vec![
    ///     Server::new("DA1", "2131::101".parse()?, "2131:0:0:1000::/59".parse()?),
    ///     Server::new("DA2", "2131::201".parse()?, "2131:0:0:1001::/59".parse()?),
    /// ]);
    /// let diags = farm.check();
    /// assert_eq!(diags.len(), 1);
    /// assert_eq!(diags[0].code, "MO012");
    /// assert!(diags[0].help.as_deref().unwrap().contains("2131:0:0:1020::/59"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self) -> Vec<Diagnostic> {
        let mut sink = Sink::new();
        validate(&draft_of(self), &mut sink);
        let (mut diags, _) = sink.finish();
        crate::config::Locator::none().resolve(&mut diags);
        diags
    }
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
