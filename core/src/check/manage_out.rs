//! The checks of the management side (`[manage_out]`) and of `bigip.self_ip`:
//! each management server an IPv6 address or prefix (MO042), routable (MO043),
//! inside the internal prefix (MO044), outside every DA prefix and no DA server
//! (MO045); the self IP on no DA prefix and no server (MO046); services known
//! (MO047); the GPO a GPO name (MO048); nothing listed twice (MO049).

use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

use super::{Checked, Checker, RouteRef, Val};
use crate::diagnostic::{Code, Diagnostic, shown};
use crate::load::draft::{Draft, Sp};
use crate::model::{ManageOut, Service};
use crate::net::{self, PrefixProblem};

/// The longest GPO name accepted (`domain\GPO name`).
const MAX_GPO_LEN: usize = 255;

/// What a management server is written as: an address (a /128) or a prefix.
fn management_server(text: &str) -> Result<Ipv6Net, String> {
    if text.contains('/') {
        let net = net::parse_prefix(text).map_err(|p| match p {
            PrefixProblem::Ipv4 => "is an IPv4 prefix: Manage Out runs over IPv6 only".to_owned(),
            p => p.to_string(),
        })?;
        if net.trunc() != net {
            return Err(format!("has host bits set: the network is {}", net.trunc()));
        }
        return Ok(net);
    }
    net::parse_address(text)
        .map(|a| Ipv6Net::new(a, 128).expect("a /128 is valid"))
        .map_err(|p| match p {
            net::AddressProblem::Ipv4 => {
                "is an IPv4 address: Manage Out runs over IPv6 only, so the management server needs an IPv6 address inside the internal prefix".to_owned()
            }
            p => p.to_string(),
        })
}

impl Checker<'_> {
    /// `bigip.self_ip` and `[manage_out]`, against the servers and their routes.
    pub(super) fn manage_out(
        &mut self,
        draft: &Draft,
        servers: &[Checked],
        routes: &[RouteRef],
        internal: Option<&Val<Ipv6Net>>,
    ) -> (Option<Ipv6Addr>, ManageOut) {
        let self_ip = draft
            .self_ip
            .as_ref()
            .map(|a| self.self_ip(a, servers, routes));
        let m = &draft.manage_out;
        let mut out = ManageOut {
            gpo: m.gpo.as_ref().map(|g| self.gpo(g)),
            ..ManageOut::default()
        };
        for item in m.management_servers.iter().flat_map(|v| &v.value) {
            if let Some(n) = self.management(item, servers, routes, internal) {
                if out.management_servers.contains(&n) {
                    self.twice(item, "manage_out.management_servers");
                } else {
                    out.management_servers.push(n);
                }
            }
        }
        for item in m.services.iter().flat_map(|v| &v.value) {
            match item.value.parse::<Service>() {
                Ok(s) if out.services.contains(&s) => self.twice(item, "manage_out.services"),
                Ok(s) => out.services.push(s),
                Err(help) => {
                    let d = Diagnostic::error(
                        Code::MO047,
                        format!(
                            "manage_out.services `{}` is not a service",
                            shown(&item.value)
                        ),
                    )
                    .with_field("manage_out.services")
                    .with_help(help);
                    self.push(d, item.span.as_ref());
                }
            }
        }
        (self_ip, out)
    }

    fn twice(&mut self, item: &Sp<String>, field: &str) {
        let d = Diagnostic::warning(
            Code::MO049,
            format!("{field} lists `{}` twice", shown(&item.value)),
        )
        .with_field(field)
        .with_help("remove the repeated entry");
        self.push(d, item.span.as_ref());
    }

    /// The self IP: routable (MO013), not inside a DA prefix nor a server (MO046).
    fn self_ip(&mut self, a: &Sp<Ipv6Addr>, servers: &[Checked], routes: &[RouteRef]) -> Ipv6Addr {
        let v = self.address_value(a, "bigip.self_ip", None);
        if !v.ok {
            return v.value;
        }
        let inside = routes.iter().find(|r| r.prefix.contains(&v.value));
        let server = servers
            .iter()
            .find(|s| s.address.as_ref().is_some_and(|x| x.value == v.value));
        let why = match (inside, server) {
            (Some(r), _) => Some(format!(
                "inside the {} {} of {}",
                r.field().replace('_', " "),
                r.prefix,
                server_name(servers, r.server)
            )),
            (None, Some(s)) => Some(format!(
                "the address of DA server {}",
                s.name.as_ref().map_or("?", |n| n.value.as_str())
            )),
            (None, None) => None,
        };
        if let Some(why) = why {
            let d = Diagnostic::error(
                Code::MO046,
                format!("bigip.self_ip `{}` is {why}: corporate routers would send the DA clients' traffic back to them", v.value),
            )
            .with_field("bigip.self_ip")
            .with_help("give the BIG-IP's internal floating self IP (`tmsh list net self` on the BIG-IP): the next hop corporate routers use for the DA client prefixes");
            self.push(d, a.span.as_ref());
        }
        v.value
    }

    /// One management server (MO042-MO045); `None` when it is not one.
    fn management(
        &mut self,
        item: &Sp<String>,
        servers: &[Checked],
        routes: &[RouteRef],
        internal: Option<&Val<Ipv6Net>>,
    ) -> Option<Ipv6Net> {
        let field = "manage_out.management_servers";
        let text = shown(&item.value);
        let n = match management_server(&item.value) {
            Ok(n) => n,
            Err(why) => {
                let d = Diagnostic::error(
                    Code::MO042,
                    format!("management server `{text}` {why}"),
                )
                .with_field(field)
                .with_help("write the management server's IPv6 address (`2131::50`) or its subnet's prefix (`2131:0:0:10::/64`)");
                self.push(d, item.span.as_ref());
                return None;
            }
        };
        let push = |me: &mut Self, code, message: String, help: &str| {
            let d = Diagnostic::error(code, message)
                .with_field(field)
                .with_help(help);
            me.push(d, item.span.as_ref());
        };
        if let Some(why) = net::not_routable(n.addr()) {
            push(
                self,
                Code::MO043,
                format!("management server `{text}` is {why}, not routable unicast"),
                "give the management server's global or unique-local IPv6 address: DA clients connect back to it through the tunnel",
            );
            return None;
        }
        if let (Some(v4), Some(why)) = (net::isatap_ipv4(n.addr()), self.shape.strict()) {
            push(
                self,
                Code::MO035,
                format!(
                    "management server `{text}` is an ISATAP address (of IPv4 {v4}), in a farm with {why}"
                ),
                "ISATAP is not supported with load balancing or multisite (Microsoft's Remote Access requirements): give the management server a native IPv6 address",
            );
            return None;
        }
        if let Some(p) = internal.filter(|p| p.ok)
            && !p.value.contains(&n)
        {
            push(
                self,
                Code::MO044,
                format!(
                    "management server `{text}` lies outside farm.internal_prefix {}: DA clients reach only the internal prefix through the tunnel",
                    p.value
                ),
                "give its address inside the internal prefix (InternalIPv6Prefix of Get-DAServer), or correct farm.internal_prefix",
            );
        }
        let inside = routes
            .iter()
            .find(|r| net::overlaps(&r.prefix, &n))
            .map(|r| {
                format!(
                    "overlaps the {} {} of {}",
                    r.field().replace('_', " "),
                    r.prefix,
                    server_name(servers, r.server)
                )
            });
        let server = servers
            .iter()
            .filter_map(|s| Some((s.name.as_ref()?, s.address.as_ref()?)))
            .find(|(_, a)| n.contains(&a.value))
            .map(|(name, a)| format!("holds DA server {}'s address {}", name.value, a.value));
        if let Some(why) = inside.or(server) {
            push(
                self,
                Code::MO045,
                format!("management server `{text}` {why}"),
                "a management server is a corporate host that connects to DA clients: give its own address on the intranet, outside the DA client, VPN and Teredo prefixes",
            );
        }
        Some(n)
    }

    /// The GPO of the client firewall rules (MO048): `domain\GPO name`.
    fn gpo(&mut self, g: &Sp<String>) -> String {
        let v = &g.value;
        let why = if v.trim().is_empty() {
            Some("is empty".to_owned())
        } else if let Some(c) = v.chars().find(|c| c.is_control()) {
            Some(format!("holds the control character U+{:04X}", c as u32))
        } else if v.chars().count() > MAX_GPO_LEN {
            Some(format!("is longer than {MAX_GPO_LEN} characters"))
        } else if !v.contains('\\') {
            Some("has no domain: a GPO is named `domain\\GPO name`".to_owned())
        } else {
            None
        };
        if let Some(why) = why {
            let d = Diagnostic::error(
                Code::MO048,
                format!("manage_out.gpo `{}` {why}", shown(v)),
            )
            .with_field("manage_out.gpo")
            .with_help("name the DA client GPO as `Get-DAClient` shows it (GpoName), such as `contoso.com\\DirectAccess Client Settings`");
            self.push(d, g.span.as_ref());
        }
        v.clone()
    }
}

fn server_name(servers: &[Checked], i: usize) -> String {
    servers
        .get(i)
        .and_then(|s| s.name.as_ref())
        .map_or_else(|| format!("server #{i}"), |n| n.value.clone())
}

/// `check --whole-path`: an MO050 warning for each part of the path beyond the
/// BIG-IP's steering that the farm leaves undefined.
pub(super) fn whole_path(farm: &crate::Farm) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut missing = |field: &str, what: &str, help: &str| {
        out.push(
            Diagnostic::warning(Code::MO050, format!("the whole path: {what}"))
                .with_field(field)
                .with_help(help.to_owned()),
        );
    };
    if farm.bigip.self_ip.is_none() {
        missing(
            "bigip.self_ip",
            "no self IP: the corporate routes to the BIG-IP cannot be written (corp-routes)",
            "set [bigip] self_ip to the BIG-IP's internal floating self IP (`tmsh list net self`)",
        );
    }
    if farm.internal_prefix.is_none() {
        missing(
            "farm.internal_prefix",
            "no internal prefix: the management servers cannot be checked to lie inside it",
            "set [farm] internal_prefix to InternalIPv6Prefix of Get-DAServer",
        );
    }
    let m = &farm.manage_out;
    if m.management_servers.is_empty() {
        missing(
            "manage_out.management_servers",
            "no management servers: none can be registered with DirectAccess (da-mgmt) or let in by the clients (client-firewall)",
            "list them in [manage_out] management_servers = [\"2131::50\", \"2131:0:0:10::/64\"]",
        );
    }
    if m.services.is_empty() {
        missing(
            "manage_out.services",
            "no services: the clients' firewall rules cannot be written (client-firewall)",
            "list the management protocols in [manage_out] services = [\"rdp\", \"winrm\"]",
        );
    }
    if m.gpo.is_none() {
        missing(
            "manage_out.gpo",
            "no GPO: the clients' firewall rules would go to the local store of the computer that runs them",
            "set [manage_out] gpo to the DA client GPO, as Get-DAClient shows it (GpoName)",
        );
    }
    out
}
