//! Every diagnostic code, as data: its severity, the phase that finds it and a
//! one-line summary. Codes are stable: never renumbered, never reused. The README's
//! table of codes is [`Code::markdown_table`] (a test keeps them equal).

use std::fmt;

use serde::Serialize;

use super::Severity;

/// The step of the pipeline that finds a diagnostic.
///
/// ```
/// use manageout::diagnostic::{Code, Phase};
/// assert_eq!(Code::MO001.phase(), Phase::Syntax);
/// assert!(Code::MO001.phase() < Code::MO012.phase());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Reading the text: not text, too large, not valid TOML/JSON.
    Syntax,
    /// The structure: unknown, missing or mistyped keys, no or too many servers.
    Schema,
    /// One value on its own: an address, a prefix, a name.
    Value,
    /// Values against each other: duplicates, overlaps, entry points.
    CrossServer,
    /// Rendering a checked farm.
    Render,
    /// Auditing a BIG-IP configuration against the farm.
    Audit,
    /// `check --whole-path`: the parts of Manage Out beyond the BIG-IP.
    WholePath,
}

impl Phase {
    /// The phase's name in the README table: `syntax`, `schema`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Syntax => "syntax",
            Self::Schema => "schema",
            Self::Value => "value",
            Self::CrossServer => "cross-server",
            Self::Render => "render",
            Self::Audit => "audit",
            Self::WholePath => "whole-path",
        }
    }
}

macro_rules! codes {
    ($($code:ident $sev:ident $phase:ident $summary:literal,)*) => {
        /// A diagnostic code, `MO001` to `MO1xx`.
        ///
        /// ```
        /// use manageout::diagnostic::{Code, Severity};
        /// assert_eq!(Code::MO012.as_str(), "MO012");
        /// assert_eq!(Code::MO012.severity(), Severity::Error);
        /// assert_eq!(Code::MO012, "MO012");
        /// assert_eq!("MO012".parse::<Code>(), Ok(Code::MO012));
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        #[allow(missing_docs)] // each code is documented by its summary
        pub enum Code {
            $(
                #[doc = $summary]
                $code,
            )*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Self] = &[$(Self::$code),*];

            /// The code as written: `MO012`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$code => stringify!($code),)* }
            }

            /// Its severity.
            pub const fn severity(self) -> Severity {
                match self { $(Self::$code => Severity::$sev,)* }
            }

            /// The phase that finds it.
            pub const fn phase(self) -> Phase {
                match self { $(Self::$code => Phase::$phase,)* }
            }

            /// When it is reported, in one line.
            pub const fn summary(self) -> &'static str {
                match self { $(Self::$code => $summary,)* }
            }
        }
    };
}

codes! {
    MO001 Error Syntax "the file is not valid TOML/JSON (also: nesting deeper than 64 levels)",
    MO002 Error Schema "unknown key (with a did-you-mean), missing required key, or wrong type",
    MO003 Error Schema "the farm has no servers",
    MO004 Error Syntax "the input is larger than its limit (a farm file 16 MiB, an audit 64 MiB in all) or is not text (UTF-8, or UTF-16 with a BOM)",
    MO005 Error Schema "more than 4096 servers (or entry points)",
    MO010 Error Value "`address` is not a valid IPv6 address (IPv4, zone id, prefix length, garbage)",
    MO011 Error Value "a prefix is not a valid IPv6 prefix (no length, bad length, IPv4, zone id)",
    MO012 Error Value "a prefix has host bits set; help: the network and, if it is taken, the nearest free sibling",
    MO013 Error Value "`address` is not routable unicast (unspecified, loopback, multicast, link-local, IPv4-mapped)",
    MO014 Error Value "a client or VPN prefix lies where clients cannot be (Teredo 2001::/32, multicast, link-local, loopback, IPv4-mapped, shorter than /32, longer than /64)",
    MO015 Warning Value "client prefix is neither /59 nor /64",
    MO016 Warning Value "a prefix or address in a documentation range (2001:db8::/32, 3fff::/20)",
    MO017 Warning Value "client prefix is 6to4-derived (2002::/16): no native IPv6 intranet (an error, MO036, with load balancing or several entry points)",
    MO018 Error Value "a name breaks the name rule (farm, server, entry point: 1-63 letters, digits, `.`, `_`, `-`), a BIG-IP name breaks BIG-IP's grammar, or a setting is invalid (empty `vlans`, route domain out of range, `load_balancer` not `external` or `nlb`)",
    MO019 Warning Value "`farm.internal_prefix` is longer than /64",
    MO020 Error CrossServer "duplicate server name (compared without case)",
    MO021 Error CrossServer "duplicate server address",
    MO022 Error CrossServer "several servers share one prefix (reported once per group)",
    MO023 Error CrossServer "prefixes of different entry points overlap",
    MO024 Error CrossServer "a server's address lies inside a client, Teredo or VPN prefix",
    MO025 Warning CrossServer "a server's address lies outside `farm.internal_prefix`",
    MO026 Error CrossServer "a node's client prefix is not a /64 inside its load-balanced entry point's prefix",
    MO027 Error CrossServer "a node of a load-balanced entry point has no /64 of its own (no `client_prefix`, or the cluster's prefix); help: the command that shows it",
    MO028 Error CrossServer "more nodes than the entry point's load balancer allows (32 external, 8 NLB)",
    MO029 Warning Value "a load-balanced entry point's client prefix is not a /59",
    MO030 Error Value "`teredo = true` without a Teredo prefix",
    MO031 Error Value "Teredo prefix invalid, not a /64 inside 2001::/32, disagrees with `teredo_ipv4`, or shared by servers",
    MO032 Warning CrossServer "`windows7_clients` with servers in several entry points (no failover)",
    MO033 Warning Value "`teredo_ipv4` is not a public IPv4 address",
    MO034 Error CrossServer "Teredo on a node of a load-balanced entry point: its clients cannot be steered to a node",
    MO035 Error CrossServer "an ISATAP address in a farm with a load-balanced entry point or several entry points",
    MO036 Error CrossServer "a 6to4 (2002::/16) client or internal prefix in a farm with a load-balanced entry point or several entry points",
    MO037 Error CrossServer "an entry point declared twice (compared without case)",
    MO038 Warning CrossServer "a declared entry point without nodes",
    MO039 Error CrossServer "an entry point's VIP is a server's address: a node's own dedicated address belongs in its `[[server]]`",
    MO040 Warning Render "`bigip.vlans` is not set: the virtuals listen on every VLAN",
    MO041 Warning Render "the covering prefix of `corp-routes --aggregate` captures more than the farm's prefixes (the internal prefix, management servers, the self IP, server addresses or unused space)",
    MO042 Error Value "a management server is not an IPv6 address or prefix (IPv4, garbage, host bits set)",
    MO043 Error Value "a management server is not routable unicast (unspecified, loopback, multicast, link-local, IPv4-mapped)",
    MO044 Error CrossServer "a management server lies outside `farm.internal_prefix`",
    MO045 Error CrossServer "a management server lies inside a client, VPN or Teredo prefix, or is a DA server",
    MO046 Error CrossServer "`bigip.self_ip` lies inside a client, VPN or Teredo prefix, or is a DA server's address",
    MO047 Error Value "an unknown service, or a port outside 1-65535",
    MO048 Error Value "`manage_out.gpo` is not a GPO name (`domain\\GPO name`, no control characters, at most 255 characters)",
    MO049 Warning Value "a management server or service listed twice",
    MO050 Warning WholePath "a part of the whole path is undefined (self IP, management servers, services, GPO, internal prefix)",
    MO100 Error Audit "the configuration text has unbalanced braces (or braces nested deeper than 64 levels)",
    MO101 Error Audit "a farm prefix has no virtual server",
    MO102 Error Audit "a virtual's destination/mask differs from the farm prefix it overlaps",
    MO103 Error Audit "no pool, an undefined pool, or a pool without members",
    MO104 Error Audit "a pool member, or an ip-forward route's gateway, is not the owning server",
    MO105 Error Audit "a pool member on a port other than any (0)",
    MO106 Error Audit "`translate-address enabled`",
    MO107 Error Audit "source address translation (automap, SNAT)",
    MO108 Error Audit "the virtual is disabled",
    MO109 Warning Audit "the virtual listens on all VLANs",
    MO110 Warning Audit "no fastL4 profile",
    MO111 Warning Audit "a Manage Out-looking virtual (or one marked `manageout:<farm>`) that matches no farm server",
    MO112 Error Audit "two virtuals with the same destination and mask",
    MO113 Error Audit "an ip-forward virtual without a net route for the prefix",
    MO114 Warning Audit "an object name from the configuration cannot be written safely into a script: `--fix` leaves it out",
    MO115 Warning Audit "a virtual whose destination cannot be read: it is not checked",
    MO116 Error Audit "a virtual forwards a load-balanced entry point's whole prefix: each node needs a virtual for its own /64",
}

impl Code {
    /// The README's table of codes (Markdown), generated from [`Code::ALL`].
    pub fn markdown_table() -> String {
        let mut s = String::from("| code | severity | phase | when |\n|---|---|---|---|\n");
        for c in Self::ALL {
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                c.as_str(),
                c.severity(),
                c.phase().as_str(),
                c.summary()
            ));
        }
        s
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or(())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
