//! The Teredo fields of one server: MO030 (Teredo advertised but no prefix to
//! steer), MO031 (a Teredo prefix that is not a /64 inside 2001::/32, or that
//! disagrees with `teredo_ipv4`), MO033 (a `teredo_ipv4` that is not public).

use std::net::Ipv4Addr;

use super::{Checked, Checker, Val};
use crate::diagnostic::{Code, Diagnostic};
use crate::load::draft::DraftServer;
use crate::net;

/// Whether an IPv4 address is not public: private, loopback, link-local,
/// unspecified, broadcast, multicast, documentation, or shared (100.64.0.0/10).
fn not_public(v4: Ipv4Addr) -> bool {
    v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64
}

impl Checker<'_> {
    pub(super) fn teredo(
        &mut self,
        index: usize,
        s: &DraftServer,
        c: &mut Checked,
        server: Option<&str>,
    ) {
        if let Some(t) = &s.teredo_ipv4 {
            c.teredo_ipv4 = Some(Val {
                value: t.value,
                span: t.span.clone(),
                ok: true,
            });
            if not_public(t.value) {
                let d = Diagnostic::warning(
                    Code::MO033,
                    format!("teredo_ipv4 `{}` is not a public IPv4 address", t.value),
                )
                .with_server(server)
                .with_field("teredo_ipv4")
                .with_help("Teredo needs the first of two consecutive public IPv4 addresses on the DA server's external interface");
                self.push(d, t.span.as_ref());
            }
        }
        if let Some(p) = &s.teredo_prefix {
            let mut v = self.prefix(p, "teredo_prefix", server, Some(index));
            if v.ok {
                let problem = if !net::TEREDO.contains(&v.value) {
                    Some("is not inside the Teredo range 2001::/32".to_owned())
                } else if v.value.prefix_len() != 64 {
                    Some(format!("is a /{}, not a /64", v.value.prefix_len()))
                } else {
                    None
                };
                let ipv4 = c.teredo_ipv4.as_ref().map(|t| t.value);
                let expected = ipv4.map(net::teredo_prefix_of);
                if let Some(problem) = problem {
                    let d = Diagnostic::error(Code::MO031, format!("teredo_prefix `{}` {problem}", v.value))
                        .with_server(server)
                        .with_field("teredo_prefix")
                        .with_help(match (expected, ipv4) {
                            (Some(e), Some(v4)) => format!("the Teredo prefix of {v4} is `{e}`"),
                            _ => "a Teredo prefix is `2001:0:WWXX:YYZZ::/64` for the server's first public IPv4 WW.XX.YY.ZZ; or give `teredo_ipv4` and let it be derived".to_owned(),
                        });
                    self.push(d, v.span.as_ref());
                    v.ok = false;
                } else if let (Some(e), Some(v4)) = (expected.filter(|e| *e != v.value), ipv4) {
                    let d = Diagnostic::error(
                        Code::MO031,
                        format!("teredo_prefix `{}` disagrees with teredo_ipv4 `{v4}`", v.value),
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
        if c.teredo && s.teredo_prefix.is_none() && s.teredo_ipv4.is_none() && !s.unreadable {
            let d = Diagnostic::error(
                Code::MO030,
                "teredo = true, but the server has no Teredo prefix: its Teredo clients cannot be steered",
            )
            .with_server(server)
            .with_field("teredo")
            .with_help("give `teredo_ipv4` (the first of the server's two consecutive public IPv4s) so the prefix can be derived, or disable Teredo on the DA server (`Set-DAServer -TeredoState Disabled`) and set `teredo = false`");
            let span = s.teredo.as_ref().and_then(|t| t.span.as_ref());
            self.push(d, span);
        }
    }
}
