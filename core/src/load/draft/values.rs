//! The typed value readers of the draft: a string, boolean, integer or array of
//! strings, an IPv6 address, an IPv6 prefix or an IPv4 address, each with its span,
//! or a diagnostic saying what was found instead (MO002 a wrong type, MO010 an
//! address, MO011 a prefix, MO031 a Teredo value) and how to write it; and unknown
//! keys with a did-you-mean. They read values only: which key holds which value
//! is the parent module's business.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::Ipv6Net;

use super::{Extractor, Sp};
use crate::diagnostic::{Code, Diagnostic, shown};
use crate::load::tree::{Entry, Kind, Node};
use crate::net::{self, AddressProblem, PrefixProblem};

impl Extractor<'_> {
    fn wrong_type_help(field: &str) -> &str {
        field.rsplit('.').next().unwrap_or(field)
    }

    fn wrong_type(
        &mut self,
        node: &Node,
        field: &str,
        server: Option<&str>,
        expected: &str,
        help: String,
    ) {
        let d = Diagnostic::error(
            Code::MO002,
            format!(
                "`{field}` must be {expected}, found {}",
                node.kind.type_name()
            ),
        )
        .with_server(server)
        .with_field(field)
        .with_help(help);
        self.push(d, node.span.as_ref());
    }

    /// A scalar of the kind `pick` accepts, or MO002 saying it must be
    /// `expected`, with `help(key)` as the fix.
    fn scalar<T>(
        &mut self,
        node: &Node,
        field: &str,
        server: Option<&str>,
        pick: impl FnOnce(&Kind) -> Option<T>,
        expected: &str,
        help: impl FnOnce(&str, &Kind) -> String,
    ) -> Option<Sp<T>> {
        if let Some(value) = pick(&node.kind) {
            return Some(Sp {
                value,
                span: node.span.clone(),
            });
        }
        let help = help(Self::wrong_type_help(field), &node.kind);
        self.wrong_type(node, field, server, expected, help);
        None
    }

    pub(super) fn string(
        &mut self,
        node: &Node,
        field: &str,
        server: Option<&str>,
    ) -> Option<Sp<String>> {
        let pick = |k: &Kind| match k {
            Kind::Str(s) => Some(s.clone()),
            _ => None,
        };
        self.scalar(node, field, server, pick, "a string", |key, kind| {
            let shown = match kind {
                Kind::Int(i) => format!("{key} = \"{i}\""),
                Kind::Number(n) => format!("{key} = \"{n}\""),
                _ => format!("{key} = \"...\""),
            };
            format!("quote the value: `{shown}`")
        })
    }

    pub(super) fn boolean(
        &mut self,
        node: &Node,
        field: &str,
        server: Option<&str>,
    ) -> Option<Sp<bool>> {
        let pick = |k: &Kind| match k {
            Kind::Bool(b) => Some(*b),
            _ => None,
        };
        self.scalar(node, field, server, pick, "a boolean", |key, _| {
            format!("write `{key} = true` or `{key} = false` (without quotes)")
        })
    }

    pub(super) fn integer(
        &mut self,
        node: &Node,
        field: &str,
        server: Option<&str>,
    ) -> Option<Sp<i64>> {
        let pick = |k: &Kind| match k {
            Kind::Int(i) => Some(*i),
            _ => None,
        };
        self.scalar(node, field, server, pick, "an integer", |key, _| {
            format!("write a whole number without quotes, such as `{key} = 2`")
        })
    }

    pub(super) fn string_array(&mut self, node: &Node, field: &str) -> Option<Sp<Vec<Sp<String>>>> {
        let key = Self::wrong_type_help(field);
        let Kind::Array(items) = &node.kind else {
            self.wrong_type(
                node,
                field,
                None,
                "an array of strings",
                format!(
                    "write `{key} = [{}]`",
                    match key {
                        "management_servers" => "\"2131::50\", \"2131:0:0:10::/64\"",
                        "services" => "\"rdp\", \"winrm\"",
                        _ => "\"internal\"",
                    }
                ),
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(self.string(item, field, None)?);
        }
        Some(Sp {
            value: out,
            span: node.span.clone(),
        })
    }

    /// An address: MO010 (with what is wrong and the fix) when it does not parse.
    pub(super) fn address(
        &mut self,
        node: &Node,
        server: Option<&str>,
        unreadable: &mut bool,
    ) -> Option<Sp<Ipv6Addr>> {
        self.address_of(node, "address", server, unreadable)
    }

    /// An IPv6 address in `field` (a server's `address`, an entry point's `vip`):
    /// MO010 when it does not parse.
    pub(super) fn address_of(
        &mut self,
        node: &Node,
        field: &str,
        server: Option<&str>,
        unreadable: &mut bool,
    ) -> Option<Sp<Ipv6Addr>> {
        let text = self.string(node, field, server)?;
        match net::parse_address(&text.value) {
            Ok(a) => Some(Sp {
                value: a,
                span: text.span,
            }),
            Err(problem) => {
                *unreadable = true;
                let t = shown(&text.value);
                let (message, help) = match &problem {
                    AddressProblem::Ipv4 => (
                        format!("address `{t}` is an IPv4 address; Manage Out needs the server's IPv6 address"),
                        "give the DA server's corporate-facing IPv6 address (`Get-NetIPAddress -AddressFamily IPv6` on its internal interface), such as `2131::101`".to_owned(),
                    ),
                    AddressProblem::Zone(a) => (
                        format!("address `{t}` has a zone id"),
                        format!("a zone id only has meaning on one host; write `{}` (and use a routable address, not link-local)", shown(a)),
                    ),
                    AddressProblem::PrefixLength(a) => (
                        format!("address `{t}` has a prefix length"),
                        format!("give the server's address alone: `{}`", shown(a)),
                    ),
                    AddressProblem::Spaces(a) | AddressProblem::Brackets(a) => {
                        (format!("address `{t}` {problem}"), format!("write `{}`", shown(a)))
                    }
                    _ => (
                        format!("`{t}` is not a valid IPv6 address"),
                        "write the server's corporate-facing IPv6 address, such as `2131::101`".to_owned(),
                    ),
                };
                let d = Diagnostic::error(Code::MO010, message)
                    .with_server(server)
                    .with_field(field)
                    .with_help(help);
                self.push(d, text.span.as_ref());
                None
            }
        }
    }

    /// A prefix (host bits allowed: the checks report them): MO011 (MO031 for
    /// `teredo_prefix`) when it does not parse.
    pub(super) fn prefix(
        &mut self,
        node: &Node,
        field: &str,
        server: Option<&str>,
        unreadable: &mut bool,
    ) -> Option<Sp<Ipv6Net>> {
        let text = self.string(node, field, server)?;
        match net::parse_prefix(&text.value) {
            Ok(p) => Some(Sp {
                value: p,
                span: text.span,
            }),
            Err(problem) => {
                *unreadable = true;
                let t = shown(&text.value);
                let help = match &problem {
                    PrefixProblem::NoLength => format!(
                        "add the length DA reports: `{t}/59` for a load-balanced cluster, `{t}/64` for a single server"
                    ),
                    PrefixProblem::Zone(p) => format!("remove the zone id: `{}`", shown(p)),
                    PrefixProblem::Ipv4 => "copy ClientIPv6Prefix from `Get-DAServer | ft ClientIPv6Prefix`, such as `2131:0:0:1000::/59`".to_owned(),
                    PrefixProblem::BadLength(_) => "an IPv6 prefix length is a number from 0 to 128; DA uses /59 or /64".to_owned(),
                    PrefixProblem::Spaces(p) => format!("write `{}`", shown(p)),
                    _ => "write it as address/length, such as `2131:0:0:1000::/59`".to_owned(),
                };
                let message = match &problem {
                    PrefixProblem::Invalid => format!("`{t}` is not a valid IPv6 prefix"),
                    PrefixProblem::Ipv4 => format!(
                        "{field} `{t}` is an IPv4 prefix; DirectAccess clients get IPv6 prefixes"
                    ),
                    PrefixProblem::BadLength(l) => {
                        format!("{field} `{t}` has an invalid prefix length `{}`", shown(l))
                    }
                    p => format!("{field} `{t}` {p}"),
                };
                let code = if field == "teredo_prefix" {
                    Code::MO031
                } else {
                    Code::MO011
                };
                let d = Diagnostic::error(code, message)
                    .with_server(server)
                    .with_field(field)
                    .with_help(help);
                self.push(d, text.span.as_ref());
                None
            }
        }
    }

    /// `teredo_ipv4`: MO031 when it is not an IPv4 address.
    pub(super) fn ipv4(
        &mut self,
        node: &Node,
        server: Option<&str>,
        unreadable: &mut bool,
    ) -> Option<Sp<Ipv4Addr>> {
        let text = self.string(node, "teredo_ipv4", server)?;
        match text.value.parse::<Ipv4Addr>() {
            Ok(v4) => Some(Sp {
                value: v4,
                span: text.span,
            }),
            Err(_) => {
                *unreadable = true;
                let d = Diagnostic::error(
                    Code::MO031,
                    format!("teredo_ipv4 `{}` is not an IPv4 address", shown(&text.value)),
                )
                .with_server(server)
                .with_field("teredo_ipv4")
                .with_help("give the first of the server's two consecutive public IPv4 addresses, such as `131.107.0.2`");
                self.push(d, text.span.as_ref());
                None
            }
        }
    }

    /// MO002 for an unknown key; returns the known key it is a likely typo of.
    pub(super) fn unknown(
        &mut self,
        e: &Entry,
        within: &str,
        known: &[&'static str],
        field: &str,
        server: Option<&str>,
    ) -> Option<&'static str> {
        let suggestion = known
            .iter()
            .map(|k| (strsim::damerau_levenshtein(k, &e.key), *k))
            .filter(|(dist, k)| *dist <= 2.max(k.len() / 3))
            .min_by_key(|(dist, _)| *dist)
            .map(|(_, k)| k);
        let help = match suggestion {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!(
                "the keys allowed in {within} are: {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let d = Diagnostic::error(Code::MO002, format!("unknown key `{}` in {within}", e.key))
            .with_server(server)
            .with_field(field)
            .with_help(help);
        self.push(d, e.key_span.as_ref().or(e.value.span.as_ref()));
        suggestion
    }
}
