//! IPv6 facts and parsing: the well-known ranges (one definition each, used by
//! validation and `explain` alike), the Teredo, 6to4 and ISATAP derivations, the
//! fast IPv6 text parser the bindings use, and address and prefix parsing that
//! says what is wrong with a value.
//!
//! This module depends on nothing else of the crate but the display of values
//! ([`diagnostic::shown`](crate::diagnostic::shown)).
//!
//! Owns: IPv6 facts. May not: know farms, servers or diagnostics codes.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::Ipv6Net;

const fn net(bits: u128, len: u8) -> Ipv6Net {
    Ipv6Net::new_assert(Ipv6Addr::from_bits(bits), len)
}

/// Teredo, `2001::/32` (RFC 4380).
pub const TEREDO: Ipv6Net = net(0x2001_0000 << 96, 32);
/// 6to4, `2002::/16` (RFC 3056).
pub const SIX_TO_FOUR: Ipv6Net = net(0x2002 << 112, 16);
/// Multicast, `ff00::/8`.
pub const MULTICAST: Ipv6Net = net(0xff << 120, 8);
/// Link-local unicast, `fe80::/10`.
pub const LINK_LOCAL: Ipv6Net = net(0xfe80 << 112, 10);
/// Unique local addresses, `fc00::/7` (RFC 4193).
pub const ULA: Ipv6Net = net(0xfc << 120, 7);
/// The loopback address `::1`.
pub const LOOPBACK: Ipv6Net = net(1, 128);
/// The unspecified address `::`.
pub const UNSPECIFIED: Ipv6Net = net(0, 128);
/// IPv4-mapped addresses, `::ffff:0:0/96`.
pub const IPV4_MAPPED: Ipv6Net = net(0xffff << 32, 96);
/// The NAT64 well-known prefix, `64:ff9b::/96` (RFC 6052).
pub const NAT64: Ipv6Net = net(0x64_ff9b << 96, 96);
/// The NAT64 local-use prefix, `64:ff9b:1::/48` (RFC 8215).
pub const NAT64_LOCAL: Ipv6Net = net(0x64_ff9b_0001 << 80, 48);
/// The documentation ranges: `2001:db8::/32` (RFC 3849) and `3fff::/20` (RFC 9637).
pub const DOCUMENTATION: [Ipv6Net; 2] = [net(0x2001_0db8 << 96, 32), net(0x3fff << 112, 20)];

/// The ranges no DirectAccess client prefix may touch, with their names.
pub const NOT_FOR_CLIENTS: [(Ipv6Net, &str); 5] = [
    (TEREDO, "the Teredo range 2001::/32"),
    (MULTICAST, "the multicast range ff00::/8"),
    (LINK_LOCAL, "the link-local range fe80::/10"),
    (LOOPBACK, "the loopback address ::1"),
    (IPV4_MAPPED, "the IPv4-mapped range ::ffff:0:0/96"),
];

/// A prefix as the farm file writes a management server: a /128 as the address
/// alone, any other prefix as `address/length`.
///
/// ```
/// use manageout::net::address_or_prefix;
/// assert_eq!(address_or_prefix(&"2131::50/128".parse()?), "2131::50");
/// assert_eq!(address_or_prefix(&"2131:0:0:10::/64".parse()?), "2131:0:0:10::/64");
/// # Ok::<(), ipnet::AddrParseError>(())
/// ```
pub fn address_or_prefix(n: &Ipv6Net) -> String {
    if n.prefix_len() == 128 {
        n.addr().to_string()
    } else {
        n.to_string()
    }
}

/// Whether two prefixes overlap (one holds the other).
pub fn overlaps(a: &Ipv6Net, b: &Ipv6Net) -> bool {
    a.contains(b) || b.contains(a)
}

/// The documentation range `x` lies in, if any.
///
/// ```
/// use manageout::net::documentation_range;
/// assert!(documentation_range("2001:db8::1".parse::<std::net::Ipv6Addr>()?).is_some());
/// assert!(documentation_range("3fff:1::1".parse::<std::net::Ipv6Addr>()?).is_some());
/// assert!(documentation_range("2131::1".parse::<std::net::Ipv6Addr>()?).is_none());
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
pub fn documentation_range(x: Ipv6Addr) -> Option<Ipv6Net> {
    DOCUMENTATION.into_iter().find(|r| r.contains(&x))
}

/// Why `address` cannot be a next hop, if it cannot: the unspecified address,
/// loopback, multicast, link-local or IPv4-mapped.
///
/// ```
/// use manageout::net::not_routable;
/// assert_eq!(not_routable("fe80::1".parse()?), Some("a link-local address"));
/// assert_eq!(not_routable("2131::101".parse()?), None);
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
pub fn not_routable(address: Ipv6Addr) -> Option<&'static str> {
    [
        (UNSPECIFIED, "the unspecified address `::`"),
        (LOOPBACK, "the loopback address"),
        (MULTICAST, "a multicast address"),
        (LINK_LOCAL, "a link-local address"),
        (IPV4_MAPPED, "an IPv4-mapped address"),
    ]
    .into_iter()
    .find(|(r, _)| r.contains(&address))
    .map(|(_, why)| why)
}

/// The Teredo prefix `2001:0:WWXX:YYZZ::/64` of a DA server whose first public IPv4
/// address is `WW.XX.YY.ZZ`.
///
/// ```
/// assert_eq!(
///     manageout::net::teredo_prefix_of("131.107.0.20".parse()?).to_string(),
///     "2001:0:836b:14::/64"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn teredo_prefix_of(ipv4: Ipv4Addr) -> Ipv6Net {
    let v4 = u128::from(u32::from(ipv4));
    net(TEREDO.network().to_bits() | (v4 << 64), 64)
}

/// The IPv4 address a 6to4 prefix or address embeds (`2002:WWXX:YYZZ::/48`).
///
/// ```
/// use manageout::net::six_to_four_ipv4;
/// assert_eq!(six_to_four_ipv4("2002:836b:1::1".parse()?), Some("131.107.0.1".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn six_to_four_ipv4(x: Ipv6Addr) -> Option<Ipv4Addr> {
    SIX_TO_FOUR
        .contains(&x)
        .then(|| Ipv4Addr::from((x.to_bits() >> 80) as u32))
}

/// The IPv4 address of an ISATAP address (interface identifier `0:5efe:a.b.c.d`
/// or `200:5efe:a.b.c.d`, RFC 5214).
///
/// ```
/// use manageout::net::isatap_ipv4;
/// assert_eq!(isatap_ipv4("2131::200:5efe:10.0.0.1".parse()?), Some("10.0.0.1".parse()?));
/// assert_eq!(isatap_ipv4("2131::101".parse()?), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn isatap_ipv4(x: Ipv6Addr) -> Option<Ipv4Addr> {
    let iid = x.to_bits() as u64;
    ((iid >> 32) & 0xfdff_ffff == 0x0000_5efe).then(|| Ipv4Addr::from(iid as u32))
}

/// What is wrong with a text that should be one IPv6 address.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressProblem {
    /// A valid address with spaces around it; the trimmed address.
    Spaces(String),
    /// An IPv4 address.
    Ipv4,
    /// An address with a zone id (`%eth0`); the address without it.
    Zone(String),
    /// An address with a prefix length; the address alone.
    PrefixLength(String),
    /// An address in brackets; the address alone.
    Brackets(String),
    /// Not an address at all.
    Invalid,
}

impl AddressProblem {
    /// The corrected value, when there is one.
    pub fn suggestion(&self) -> Option<&str> {
        match self {
            Self::Spaces(s) | Self::Zone(s) | Self::PrefixLength(s) | Self::Brackets(s) => Some(s),
            Self::Ipv4 | Self::Invalid => None,
        }
    }
}

impl fmt::Display for AddressProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Spaces(_) => "has surrounding spaces",
            Self::Ipv4 => "is an IPv4 address",
            Self::Zone(_) => "has a zone id",
            Self::PrefixLength(_) => "has a prefix length",
            Self::Brackets(_) => "is written in brackets",
            Self::Invalid => "is not a valid IPv6 address",
        })
    }
}

/// Parses one IPv6 address, saying what is wrong with a text that is not one.
///
/// ```
/// use manageout::net::{parse_address, AddressProblem};
/// assert_eq!(parse_address("2131::101").unwrap().to_string(), "2131::101");
/// assert_eq!(parse_address("10.0.0.1"), Err(AddressProblem::Ipv4));
/// assert_eq!(parse_address("fe80::1%eth0"), Err(AddressProblem::Zone("fe80::1".into())));
/// ```
pub fn parse_address(text: &str) -> Result<Ipv6Addr, AddressProblem> {
    if let Ok(a) = text.parse::<Ipv6Addr>() {
        return Ok(a);
    }
    let trimmed = text.trim();
    Err(if trimmed != text && trimmed.parse::<Ipv6Addr>().is_ok() {
        AddressProblem::Spaces(trimmed.to_owned())
    } else if text.parse::<Ipv4Addr>().is_ok() {
        AddressProblem::Ipv4
    } else if let Some((addr, _)) = text.split_once('%') {
        AddressProblem::Zone(addr.to_owned())
    } else if let Some((addr, _)) = text.split_once('/') {
        AddressProblem::PrefixLength(addr.to_owned())
    } else if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        AddressProblem::Brackets(inner.to_owned())
    } else {
        AddressProblem::Invalid
    })
}

/// An address given as an argument (command line, binding call), spaces around it
/// allowed; the error names the value and says what is wrong. The CLI and the
/// bindings word their errors with it, so they say the same.
///
/// ```
/// use manageout::net::address_arg;
/// assert_eq!(address_arg(" 2131::101 ").unwrap().to_string(), "2131::101");
/// assert_eq!(address_arg("nope").unwrap_err(), "`nope` is not an IPv6 address");
/// assert!(address_arg("10.0.0.1").unwrap_err().contains("IPv4"));
/// ```
pub fn address_arg(text: &str) -> Result<Ipv6Addr, String> {
    let t = text.trim();
    parse_address(t).map_err(|problem| {
        let shown = crate::diagnostic::shown(t);
        match problem {
            AddressProblem::Ipv4 => format!(
                "`{shown}` is an IPv4 address, not an IPv6 address: Manage Out reaches DirectAccess clients and servers by IPv6"
            ),
            AddressProblem::PrefixLength(_) => {
                format!("`{shown}` is a prefix; give a single address, such as `2131:0:0:1005::1`")
            }
            AddressProblem::Invalid => format!("`{shown}` is not an IPv6 address"),
            p => match p.suggestion() {
                Some(fix) => format!("`{shown}` {p}: write `{}`", crate::diagnostic::shown(fix)),
                None => format!("`{shown}` {p}"),
            },
        }
    })
}

/// What is wrong with a text that should be one IPv6 prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrefixProblem {
    /// An address without `/length`.
    NoLength,
    /// A zone id; the prefix without it.
    Zone(String),
    /// An IPv4 prefix or address.
    Ipv4,
    /// A length that is no number from 0 to 128; the length as written.
    BadLength(String),
    /// Spaces around a valid prefix; the trimmed prefix.
    Spaces(String),
    /// Not a prefix at all.
    Invalid,
}

impl fmt::Display for PrefixProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoLength => f.write_str("has no prefix length"),
            Self::Zone(_) => f.write_str("has a zone id"),
            Self::Ipv4 => f.write_str("is an IPv4 prefix, not an IPv6 prefix"),
            Self::BadLength(l) => write!(f, "has an invalid prefix length `{l}`"),
            Self::Spaces(_) => f.write_str("has surrounding spaces"),
            Self::Invalid => f.write_str("is not a valid IPv6 prefix"),
        }
    }
}

/// Parses one IPv6 prefix (`address/length`; host bits may be set: the caller
/// decides), saying what is wrong with a text that is not one.
///
/// ```
/// use manageout::net::{parse_prefix, PrefixProblem};
/// assert_eq!(parse_prefix("2131:0:0:1001::/59").unwrap().to_string(), "2131:0:0:1001::/59");
/// assert_eq!(parse_prefix("2131::"), Err(PrefixProblem::NoLength));
/// assert_eq!(parse_prefix("2131::/129"), Err(PrefixProblem::BadLength("129".into())));
/// ```
pub fn parse_prefix(text: &str) -> Result<Ipv6Net, PrefixProblem> {
    if let Ok(n) = text.parse::<Ipv6Net>() {
        return Ok(n);
    }
    Err(match text.split_once('/') {
        None if text.parse::<Ipv6Addr>().is_ok() => PrefixProblem::NoLength,
        _ if text.contains('%') => PrefixProblem::Zone(strip_zone(text)),
        _ if text.parse::<ipnet::Ipv4Net>().is_ok() || text.parse::<Ipv4Addr>().is_ok() => {
            PrefixProblem::Ipv4
        }
        Some((addr, len)) if addr.parse::<Ipv6Addr>().is_ok() => {
            PrefixProblem::BadLength(len.to_owned())
        }
        _ if text.trim() != text && text.trim().parse::<Ipv6Net>().is_ok() => {
            PrefixProblem::Spaces(text.trim().to_owned())
        }
        _ => PrefixProblem::Invalid,
    })
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

/// Parses an IPv6 address in text, exactly as [`Ipv6Addr`]'s `FromStr` does, with a
/// fast path for the common forms (hex groups and `::`); other forms (an IPv4 tail)
/// go to the standard parser. For bindings that look up addresses given as strings.
///
/// ```
/// use manageout::net::parse_ipv6;
/// assert_eq!(parse_ipv6("2131:0:0:1005::1"), Some(0x2131_0000_0000_1005_0000_0000_0000_0001));
/// assert_eq!(parse_ipv6("::ffff:192.0.2.1"), Some(0xffff_c000_0201));
/// assert_eq!(parse_ipv6("::1"), Some(1));
/// assert_eq!(parse_ipv6("2131::g"), None);
/// ```
pub fn parse_ipv6(text: &str) -> Option<u128> {
    fast::parse(text.as_bytes()).or_else(|| text.parse::<Ipv6Addr>().ok().map(u128::from))
}

mod fast;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ranges_are_what_their_rfcs_say() {
        let a = |s: &str| s.parse::<Ipv6Addr>().unwrap();
        assert!(TEREDO.contains(&a("2001:0:4136:e378::1")));
        assert!(!TEREDO.contains(&a("2001:1::1")));
        assert!(LINK_LOCAL.contains(&a("febf::1")) && !LINK_LOCAL.contains(&a("fec0::1")));
        assert!(ULA.contains(&a("fd00::1")) && ULA.contains(&a("fc00::1")));
        assert!(NAT64.contains(&a("64:ff9b::a00:1")));
        assert!(NAT64_LOCAL.contains(&a("64:ff9b:1:2::1")));
        assert!(IPV4_MAPPED.contains(&a("::ffff:10.0.0.1")));
        assert_eq!(
            documentation_range(a("3fff:fff::1")),
            Some(DOCUMENTATION[1])
        );
        assert_eq!(documentation_range(a("3fff:1000::1")), None);
    }
}
