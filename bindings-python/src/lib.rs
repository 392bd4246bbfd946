//! python bindings for [`manageout`] (placeholder: the python bindings issue fills this crate in).
#![forbid(unsafe_code)]

pub use manageout;
