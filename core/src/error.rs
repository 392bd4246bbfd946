//! The library's error type.
//!
//! Owns: the failures that are not diagnostics (I/O, a bad argument, an
//! unrepresentable value). May not: carry a farm's problems, which are
//! [`Diagnostic`](crate::Diagnostic)s in a [`FarmReport`](crate::FarmReport).

use std::path::PathBuf;

use ipnet::Ipv6Net;

use crate::diagnostic::{Diagnostic, summary};

/// What can go wrong outside of farm diagnostics.
///
/// ```
/// use manageout::{Error, PrefixMap};
/// let err = PrefixMap::new([("2131:0:0:1001::/59".parse()?, 0)]).unwrap_err();
/// assert!(matches!(err, Error::HostBits { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The farm has error diagnostics, so it cannot be used.
    #[error("{}", Error::invalid_farm_message(diagnostics))]
    InvalidFarm {
        /// Every diagnostic, errors and warnings.
        diagnostics: Vec<Diagnostic>,
    },
    /// A prefix given to a [`PrefixMap`](crate::PrefixMap) has host bits set.
    #[error("prefix `{prefix}` has host bits set; its network is `{network}`")]
    HostBits {
        /// The prefix as given.
        prefix: Ipv6Net,
        /// Its network (host bits cleared).
        network: Ipv6Net,
    },
    /// More prefixes than a [`PrefixMap`](crate::PrefixMap) accepts.
    #[error("too many prefixes: at most {max} are accepted")]
    TooManyPrefixes {
        /// The limit, [`MAX_PREFIXES`](crate::table::MAX_PREFIXES).
        max: usize,
    },
    /// A value given to an [`IntPrefixMap`](crate::table::IntPrefixMap) is negative.
    #[error("the value {value} of prefix `{prefix}` is negative; values are 0 to 2147483647")]
    ValueOutOfRange {
        /// The prefix.
        prefix: Ipv6Net,
        /// The value as given.
        value: i64,
    },
    /// An unknown render target name.
    #[error(
        "unknown render target `{target}`; expected one of tmsh, bigip-conf, tmsh-remove, as3, linux, netsh, corp-routes, da-mgmt, client-firewall, l3fwd"
    )]
    UnknownTarget {
        /// The name given.
        target: String,
    },
    /// The netsh target needs an interface name (and one without quotes).
    #[error(
        "the netsh target needs the router interface that leads to the DA servers: give --interface NAME (a name without double quotes)"
    )]
    MissingInterface,
    /// A `corp-routes` dialect that does not exist.
    #[error("unknown corp-routes dialect `{dialect}`; expected one of ios, junos, linux, netsh")]
    UnknownDialect {
        /// The name given.
        dialect: String,
    },
    /// The target needs a farm setting (or an option) that is not given.
    #[error("the {target} target needs {setting}: {help}")]
    MissingSetting {
        /// The target.
        target: &'static str,
        /// The farm key or option it needs.
        setting: &'static str,
        /// How to give it.
        help: &'static str,
    },
    /// The farm is larger than the target can hold (l3fwd: 32 servers, one DPDK
    /// port each): nothing is rendered.
    #[error("the farm does not fit the {target} target: {reason}")]
    TargetLimit {
        /// The target.
        target: &'static str,
        /// The limit, the farm's size and what to do instead.
        reason: String,
    },
    /// A value cannot be written safely in the target's language (a `--interface`
    /// with characters the shell or cmd.exe would interpret, a marker too long for
    /// AS3): nothing is rendered.
    #[error("cannot render the {target} target: {reason}")]
    Unrepresentable {
        /// The target (`tmsh`, `netsh`, ...).
        target: &'static str,
        /// What cannot be written, and why.
        reason: String,
    },
    /// A batch lookup was given slices of different lengths.
    #[error(
        "batch lookup of {addresses} addresses was given room for {results} results; the slices must have the same length"
    )]
    LengthMismatch {
        /// Addresses given.
        addresses: usize,
        /// Result slots given.
        results: usize,
    },
}

impl Error {
    /// The message of [`Error::InvalidFarm`]: the counts and the first error with
    /// where it is; the bindings use it for their own invalid-farm exceptions.
    ///
    /// ```
    /// let report = manageout::Farm::from_toml_str("[[server]]\nname = \"DA1\"\n", "f.toml");
    /// let message = manageout::Error::invalid_farm_message(&report.diagnostics);
    /// assert!(message.starts_with("the farm is invalid (2 errors, 0 warnings): error[MO002] at f.toml:1:1"), "{message}");
    /// ```
    pub fn invalid_farm_message(diagnostics: &[Diagnostic]) -> String {
        format!(
            "the farm is invalid ({}){}",
            summary(diagnostics),
            first_error(diagnostics)
        )
    }
}

fn first_error(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .find(|d| d.is_error())
        .map(|d| {
            let at = match (&d.location, &d.path) {
                (Some(l), _) => match l.position() {
                    Some((line, column)) => format!(" at {}:{line}:{column}", l.file),
                    None => format!(" at {}", l.file),
                },
                (None, Some(p)) => format!(" at {p}"),
                (None, None) => String::new(),
            };
            format!(": {}[{}]{at}: {}", d.severity, d.code, d.message)
        })
        .unwrap_or_default()
}
