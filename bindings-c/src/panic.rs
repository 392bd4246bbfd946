//! The panic boundary: every exported function runs its body through
//! [`ffi_boundary!`], so that no panic unwinds into C; a caught panic gives the
//! function's "panic" answer ([`PanicOrDefault`]) and an error text.

/// What an exported function answers when its body panicked.
pub(crate) trait PanicOrDefault {
    fn value() -> Self;
}

impl PanicOrDefault for crate::error::mo_result {
    fn value() -> Self {
        Self::MO_ERR_PANIC
    }
}

impl PanicOrDefault for i32 {
    fn value() -> Self {
        -1
    }
}

impl PanicOrDefault for usize {
    fn value() -> Self {
        0
    }
}

impl PanicOrDefault for () {
    fn value() -> Self {}
}

impl<T> PanicOrDefault for *const T {
    fn value() -> Self {
        std::ptr::null()
    }
}

/// Runs the body, turning a panic into the function's [`PanicOrDefault`] answer.
macro_rules! ffi_boundary {
    ($($body:tt)*) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| { $($body)* })) {
            Ok(v) => v,
            Err(_) => {
                $crate::error::set_error(
                    "internal error: a panic was caught at the C boundary (please report this bug)",
                );
                $crate::panic::PanicOrDefault::value()
            }
        }
    };
}
