//! The C ABI of manageout (`libmanageout`, header `manageout.h`): a thin adapter
//! over the `manageout` crate for C packet appliances.
//!
//! Conventions (after rustls-ffi):
//! - Opaque handles. An immutable object (`mo_table`, `mo_prefix_map`) is handed
//!   out as a `const` pointer to a reference-counted value: share it between
//!   threads freely, take more references with `*_clone`, release each with
//!   `*_free`. A `mo_router` holds the current table and swaps in a new one
//!   atomically while other threads look up.
//! - Fallible calls return `mo_result` (fixed values, never renumbered); arguments
//!   a C caller sets are plain integers, mapped to a defined answer whatever their
//!   value. `mo_last_error` copies this thread's last error text into a caller
//!   buffer.
//! - Every function checks its pointers for NULL and catches panics
//!   (`MO_ERR_PANIC`); none unwinds into C. Free functions accept NULL. Every
//!   count is checked before anything is allocated or read.
//! - Lookups allocate nothing and never block.
//!
//! Layout: `handle` (the only place that turns Rust values into C pointers and
//! back), `panic` (the boundary), `error` (results and error text), then one module
//! per handle: `table`, `router`, `prefix_map`; `aggregate` (the corporate
//! routes' exact cover).
#![allow(non_camel_case_types)] // C type names: mo_table, mo_result, ...
#![allow(unsafe_code)] // the ABI takes raw pointers; each block says why it is sound

#[macro_use]
mod panic;
mod aggregate;
mod error;
mod handle;
mod prefix_map;
mod router;
mod table;

pub use aggregate::*;
pub use error::*;
pub use prefix_map::*;
pub use router::*;
pub use table::*;
