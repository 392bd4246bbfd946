//! # manageout
//!
//! DirectAccess "Manage Out" lets corporate systems open connections *to* remote
//! DirectAccess clients. Behind a load balancer, a packet for a client must reach the
//! DA server (entry point) that owns the client's IPv6 prefix, or the connection
//! fails. This crate models such a farm, validates it with precise diagnostics, and
//! answers "which DA server carries this client?" with a zero-allocation IPv6
//! longest-prefix-match table.
//!
//! The modules, in the order data flows through them (each depends only on those
//! above it):
//!
//! - [`model`]: the plain data: [`Farm`], [`Server`], [`ServerId`], [`BigIp`].
//! - [`net`]: IPv6 facts: well-known ranges (one definition each), Teredo, 6to4
//!   and ISATAP derivations, the fast address parser, address and prefix parsing
//!   that says what is wrong.
//! - [`names`]: the name rule every farm, server, entry-point and BIG-IP name obeys.
//! - [`diagnostic`]: diagnostics as data ([`Code`](diagnostic::Code), severity,
//!   span, help), bounded collection, one text renderer, escaping.
//! - [`load`]: bytes to text (farm files, imports, configurations alike), the
//!   TOML/JSON syntax tree with spans, typed draft values ([`Farm::from_file`]).
//! - [`check`]: every farm rule, producing a [`FarmReport`] and, for a farm without
//!   errors, the [`ValidFarm`] proof the rest of the crate takes.
//! - [`table`]: the generic [`PrefixMap`] and the farm [`Table`]; [`router`]:
//!   [`Router`], atomic table swaps under concurrent lookups.
//! - [`render`]: BIG-IP tmsh, bigip.conf and AS3, Linux and netsh routes, through
//!   one quoting function per output language.
//! - [`audit`]: a running BIG-IP configuration checked against the farm, and the
//!   fix script.
//! - [`import`]: `Get-DAServer` / `Get-RemoteAccess` output into farm data.
//! - [`explain`]: what an address is and whether Manage Out reaches it.
//!
//! ```
//! use manageout::Farm;
//! let report = Farm::from_toml_str(r#"
//! [[server]]
//! name = "DA1"
//! address = "2131::101"
//! client_prefix = "2131:0:0:1000::/59"
//!
//! [[server]]
//! name = "DA2"
//! address = "2131::201"
//! client_prefix = "2131:0:0:1020::/59"
//! "#, "farm.toml");
//! let table = report.table()?;
//! let route = table.route("2131:0:0:1025::7".parse::<std::net::Ipv6Addr>()?).unwrap();
//! assert_eq!(table.server(route.server).unwrap().name, "DA2");
//! assert_eq!(route.next_hop.to_string(), "2131::201");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod aggregate;
pub mod audit;
pub mod check;
pub mod diagnostic;
mod error;
pub mod explain;
pub mod import;
pub mod load;
pub mod model;
pub mod names;
pub mod net;
pub mod render;
pub mod router;
pub mod table;

pub use check::{FarmReport, ValidFarm};
pub use diagnostic::{Diagnostic, Location, Severity};
pub use error::Error;
pub use load::Source;
pub use model::{
    BigIp, EntryPoint, Farm, LoadBalancer, ManageOut, RouteKind, Server, ServerId, Service,
};
pub use router::Router;
pub use table::{Change, Ipv6Key, PrefixMap, Route, Table};

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
