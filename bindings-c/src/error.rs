//! Results and error text.

use std::cell::RefCell;
use std::ffi::{CStr, c_char};

/// The result of a fallible call. The values are fixed and will not change.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mo_result {
    /// Success.
    MO_OK = 0,
    /// A required pointer argument was NULL.
    MO_ERR_NULL = 1,
    /// A file could not be read (also: not a regular file).
    MO_ERR_IO = 2,
    /// The farm text is not valid TOML/JSON, not text, too large, or not a farm's
    /// structure (MO001-MO005).
    MO_ERR_PARSE = 3,
    /// The farm has error diagnostics (see `mo_last_error`).
    MO_ERR_INVALID_FARM = 4,
    /// An index or length is out of range.
    MO_ERR_BOUNDS = 5,
    /// An internal error was caught at the boundary (a bug: please report it).
    MO_ERR_PANIC = 6,
    /// A prefix is invalid: length above 128 or host bits set.
    MO_ERR_INVALID_PREFIX = 7,
    /// A value is out of range (prefix-map values must be 0..=INT32_MAX), or too
    /// many prefixes.
    MO_ERR_INVALID_VALUE = 8,
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Sets this thread's last error text.
pub(crate) fn set_error(text: impl Into<String>) {
    let text = text.into();
    LAST_ERROR.with(|e| *e.borrow_mut() = text);
}

/// Copies this thread's last error text (UTF-8, including farm diagnostics) into
/// `buf`, NUL-terminated and truncated to `len - 1` bytes, and returns its full
/// length in bytes (without the NUL): call with `len` 0 to size a buffer.
///
/// # Safety
/// `buf` is NULL or `len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_last_error(buf: *mut c_char, len: usize) -> usize {
    ffi_boundary! {
        LAST_ERROR.with(|e| {
            let e = e.borrow();
            if !buf.is_null() && len > 0 {
                let n = e.len().min(len - 1);
                // SAFETY: `buf` has `len` writable bytes and `n < len`.
                unsafe {
                    std::ptr::copy_nonoverlapping(e.as_ptr(), buf.cast::<u8>(), n);
                    buf.add(n).write(0);
                }
            }
            e.len()
        })
    }
}

/// A short name for a result code, such as `"MO_ERR_INVALID_FARM"` (static);
/// `"MO_UNKNOWN_RESULT"` for a value that is no result. The argument is a plain
/// integer, so any value a C caller passes is defined.
#[unsafe(no_mangle)]
pub extern "C" fn mo_result_name(result: i32) -> *const c_char {
    let s: &'static CStr = match result {
        0 => c"MO_OK",
        1 => c"MO_ERR_NULL",
        2 => c"MO_ERR_IO",
        3 => c"MO_ERR_PARSE",
        4 => c"MO_ERR_INVALID_FARM",
        5 => c"MO_ERR_BOUNDS",
        6 => c"MO_ERR_PANIC",
        7 => c"MO_ERR_INVALID_PREFIX",
        8 => c"MO_ERR_INVALID_VALUE",
        _ => c"MO_UNKNOWN_RESULT",
    };
    s.as_ptr()
}

/// The library version, such as `"0.1.0"` (static).
#[unsafe(no_mangle)]
pub extern "C" fn mo_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}
