//! c bindings for [`manageout`] (placeholder: the c bindings issue fills this crate in).
#![forbid(unsafe_code)]

pub use manageout;
