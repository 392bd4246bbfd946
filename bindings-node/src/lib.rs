//! Node.js bindings (`manageout` on npm, built with napi-rs): conversion and error
//! mapping only; every rule and lookup lives in the core crate. One module per
//! domain: `errors` (the thrown errors and their codes), `convert`, `farm`,
//! `table`, `prefix_map`, `functions`, and `fast` (the hand-written Node-API
//! callbacks of the per-address lookups).
//!
//! Errors thrown to JavaScript carry a stable `code`; an invalid farm throws an
//! `Error` whose `code` is `MO_INVALID_FARM` and whose `diagnostics` hold every
//! finding; a wrong argument type throws a `TypeError` with `code`
//! `MO_INVALID_TYPE` naming the parameter. No Rust panic crosses into Node:
//! napi-rs catches them at each export and this crate does not index or unwrap on
//! input it did not check.
// hand-written unsafe only in `fast` (the per-address hot path, measured); `deny`
// rather than `forbid` so that module and napi's generated glue can allow it
#![deny(unsafe_code)]
#![deny(clippy::all)]

mod bigip;
mod convert;
mod errors;
mod farm;
mod fast;
mod functions;
mod prefix_map;
mod table;

use napi_derive::napi;

pub use farm::{Diagnostic, Farm, RenderOptions};
pub use functions::{DaServerRecord, aggregate, covering, explain, import_daserver};
pub use prefix_map::PrefixMap;
pub use table::{Server, Table};

/// The library version.
#[napi]
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
