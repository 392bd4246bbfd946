//! node bindings for [`manageout`] (placeholder: the node bindings issue fills this crate in).
#![forbid(unsafe_code)]

pub use manageout;
