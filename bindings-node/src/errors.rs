//! The errors this module throws: each carries a stable `code`, and its class
//! (TypeError, RangeError, Error) follows from it.

use napi::Env;
use napi::bindgen_prelude::*;

/// The stable `code` of every error this module throws.
#[derive(Clone, Copy)]
pub(crate) enum Code {
    /// TypeError: an argument of the wrong type (the message names it).
    InvalidType,
    /// TypeError: an address is neither an IPv6 string nor 16 bytes.
    InvalidAddress,
    /// TypeError: a prefix is not `address/length`, or has host bits set.
    InvalidPrefix,
    /// RangeError: a PrefixMap value outside 0..2**31-1, or too many prefixes.
    InvalidValue,
    /// RangeError: a packed address buffer whose length is not a multiple of 16.
    InvalidLength,
    /// TypeError: an unknown render target, netsh without an interface, or a
    /// value the target cannot carry safely.
    InvalidTarget,
    /// Error: the farm has error diagnostics (`.diagnostics` lists them).
    InvalidFarm,
    /// Error: a file could not be read.
    Io,
    /// Error: PowerShell output that is not Get-DAServer / Get-RemoteAccess output.
    Import,
}

impl Code {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::InvalidType => "MO_INVALID_TYPE",
            Self::InvalidAddress => "MO_INVALID_ADDRESS",
            Self::InvalidPrefix => "MO_INVALID_PREFIX",
            Self::InvalidValue => "MO_INVALID_VALUE",
            Self::InvalidLength => "MO_INVALID_LENGTH",
            Self::InvalidTarget => "MO_INVALID_TARGET",
            Self::InvalidFarm => "MO_INVALID_FARM",
            Self::Io => "MO_IO",
            Self::Import => "MO_IMPORT",
        }
    }
}

/// An error to throw.
pub(crate) struct Fail {
    pub(crate) code: Code,
    pub(crate) message: String,
}

impl Fail {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Throws the error into `env` and returns the napi error that says so.
    pub(crate) fn throw(self, env: &Env) -> Error {
        let code = Some(self.code.as_str());
        // the core escapes the values it quotes: messages hold no NUL byte
        let message = self.message.replace('\0', "\\u{0}");
        let thrown = match self.code {
            Code::InvalidType
            | Code::InvalidAddress
            | Code::InvalidPrefix
            | Code::InvalidTarget => env.throw_type_error(&message, code),
            Code::InvalidValue | Code::InvalidLength => env.throw_range_error(&message, code),
            Code::InvalidFarm | Code::Io | Code::Import => env.throw_error(&message, code),
        };
        match thrown {
            Ok(()) => Error::new(Status::PendingException, message),
            Err(e) => e,
        }
    }
}

/// A result whose error is thrown as a [`Fail`].
pub(crate) type Checked<T> = std::result::Result<T, Fail>;
