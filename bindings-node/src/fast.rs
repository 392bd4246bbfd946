//! The per-address hot path, `table.lookup(address)`, `table.lookupIndex(address)` and
//! `prefixMap.lookup(address)`, as hand-written Node-API callbacks.
//!
//! Why: a napi-rs 3.16 method spends about 300 ns per call before our code runs (it
//! checks the class of `this` and records native borrows in a global map), ten times
//! the lookup itself. These callbacks are created per table with `napi_create_function`
//! and carry their table in the function's `data` pointer, so they need neither `this`
//! nor a class check: calling one with another receiver (`table.lookup.call(farm, a)`)
//! still answers from its own table. They are installed as own, non-enumerable
//! properties of each Table (and PrefixMap) instance, in front of the napi-rs methods
//! of the same names (which stay on the prototype and give the same answers).
//!
//! A string of up to 62 bytes is read into a stack buffer and parsed there; anything
//! else (bytes, long or invalid strings, other types) goes through the same
//! conversion as the napi-rs methods ([`crate::convert::address_bits`]), so it throws the same
//! errors. A panic is caught at each callback and thrown as an `Error`.
//!
//! Measured in `bench/README.md`.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::{Env, sys};

/// What a lookup function carries in its `data` pointer: how it answers, and what
/// its finalizer releases besides the memory.
trait Lookup: Sized {
    /// The JS answer for an address (`null` for no match).
    fn answer(&self, env: sys::napi_env, bits: u128) -> sys::napi_value;

    /// Releases what the value holds in `env` (called by the finalizer).
    fn release(self, _env: sys::napi_env) {}
}

/// `table.lookup`: the table and strong references to its frozen Server objects.
struct ServerLookup {
    table: Arc<manageout::Table>,
    servers: Vec<sys::napi_ref>,
}

impl Lookup for ServerLookup {
    fn answer(&self, env: sys::napi_env, bits: u128) -> sys::napi_value {
        let server = self
            .table
            .lookup(bits)
            .and_then(|id| self.servers.get(id.index()));
        let Some(&server) = server else {
            return null(env);
        };
        let mut out = ptr::null_mut();
        // SAFETY: the reference was created in `env` and lives until `release`;
        // `out` receives the Server object.
        unsafe { sys::napi_get_reference_value(env, server, &mut out) };
        out
    }

    fn release(self, env: sys::napi_env) {
        delete_refs(env, &self.servers);
    }
}

/// `table.lookupIndex`: the server's index, or -1.
impl Lookup for Arc<manageout::Table> {
    fn answer(&self, env: sys::napi_env, bits: u128) -> sys::napi_value {
        int32(env, self.lookup(bits).map_or(-1, |id| id.index() as i32))
    }
}

/// `prefixMap.lookup`: the value, or null.
impl Lookup for Arc<manageout::table::IntPrefixMap> {
    fn answer(&self, env: sys::napi_env, bits: u128) -> sys::napi_value {
        match self.lookup(bits) {
            v if v >= 0 => int32(env, v),
            _ => null(env),
        }
    }
}

fn int32(env: sys::napi_env, v: i32) -> sys::napi_value {
    let mut out = ptr::null_mut();
    // SAFETY: `env` is the running callback's; `out` receives the number.
    unsafe { sys::napi_create_int32(env, v, &mut out) };
    out
}

fn null(env: sys::napi_env) -> sys::napi_value {
    let mut out = ptr::null_mut();
    // SAFETY: `env` is the running callback's; `out` receives `null`.
    unsafe { sys::napi_get_null(env, &mut out) };
    out
}

fn ok(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::GenericFailure,
            format!("Node-API call failed with status {status}"),
        ))
    }
}

/// Defines `lookup` and `lookupIndex` on a Table `instance` (see the module docs).
/// `servers` are the instance's frozen Server objects, in table order.
pub(crate) fn install(
    env: &Env,
    instance: sys::napi_value,
    table: &Arc<manageout::Table>,
    servers: &[sys::napi_value],
) -> Result<()> {
    let raw = env.raw();
    let mut refs = Vec::with_capacity(servers.len());
    for &server in servers {
        let mut r = ptr::null_mut();
        // SAFETY: `raw` is the live env of this call and `server` a value of it;
        // the reference is deleted by `ServerLookup::release`, or below on failure.
        let status = unsafe { sys::napi_create_reference(raw, server, 1, &mut r) };
        if let Err(e) = ok(status) {
            delete_refs(raw, &refs);
            return Err(e);
        }
        refs.push(r);
    }
    let lookup = ServerLookup {
        table: Arc::clone(table),
        servers: refs,
    };
    let lookup = create(env, c"lookup", lookup)?;
    let index = create(env, c"lookupIndex", Arc::clone(table))?;
    define(
        env,
        instance,
        &[property(c"lookup", lookup), property(c"lookupIndex", index)],
    )
}

/// Defines `lookup` on a PrefixMap `instance` (see the module docs).
pub(crate) fn install_map(
    env: &Env,
    instance: sys::napi_value,
    map: &Arc<manageout::table::IntPrefixMap>,
) -> Result<()> {
    let lookup = create(env, c"lookup", Arc::clone(map))?;
    define(env, instance, &[property(c"lookup", lookup)])
}

/// An own property like a class method: writable and configurable (so tests can
/// stub it), not enumerable.
fn property(name: &'static CStr, value: sys::napi_value) -> sys::napi_property_descriptor {
    sys::napi_property_descriptor {
        utf8name: name.as_ptr(),
        name: ptr::null_mut(),
        method: None,
        getter: None,
        setter: None,
        value,
        attributes: sys::PropertyAttributes::writable | sys::PropertyAttributes::configurable,
        data: ptr::null_mut(),
    }
}

fn define(
    env: &Env,
    instance: sys::napi_value,
    properties: &[sys::napi_property_descriptor],
) -> Result<()> {
    // SAFETY: `instance` and the functions are values of the live env; the
    // descriptors point at static names and live for the call.
    ok(unsafe {
        sys::napi_define_properties(env.raw(), instance, properties.len(), properties.as_ptr())
    })
}

/// Creates function `name` answering with `data` ([`callback`]), and has
/// [`finalize`] release `data` when the function is collected. On failure `data` is
/// released here.
fn create<T: Lookup>(env: &Env, name: &CStr, data: T) -> Result<sys::napi_value> {
    let raw = env.raw();
    let data: *mut c_void = Box::into_raw(Box::new(data)).cast();
    let mut function = ptr::null_mut();
    // SAFETY: `raw` is the live env of this call; `name` is NUL-terminated
    // (length -1 says so); `data` is handed to `callback::<T>` on every call and
    // stays valid until `finalize::<T>` runs, which is only after the function is
    // unreachable.
    let mut status = unsafe {
        sys::napi_create_function(
            raw,
            name.as_ptr(),
            -1,
            Some(callback::<T>),
            data,
            &mut function,
        )
    };
    if status == sys::Status::napi_ok {
        // SAFETY: as above; `function` was just created in `raw`.
        status = unsafe {
            sys::napi_add_finalizer(
                raw,
                function,
                data,
                Some(finalize::<T>),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
    }
    // on failure the function (if any) is not reachable from JavaScript: it was
    // not handed out, so nothing calls it with the released `data`
    if status != sys::Status::napi_ok {
        // SAFETY: the finalizer was not registered, so `data` is still ours and
        // released exactly once, here.
        unsafe { finalize::<T>(raw, data, ptr::null_mut()) };
    }
    ok(status).map(|()| function)
}

fn delete_refs(env: sys::napi_env, refs: &[sys::napi_ref]) {
    for &r in refs {
        // SAFETY: each reference was created in `env` and is deleted once.
        unsafe { sys::napi_delete_reference(env, r) };
    }
}

/// The finalizer of a function made by [`create`]: releases its `T`.
unsafe extern "C" fn finalize<T: Lookup>(env: sys::napi_env, data: *mut c_void, _: *mut c_void) {
    // SAFETY: `data` came from `Box::into_raw(Box<T>)` in `create::<T>`, and Node
    // calls a finalizer once (or `create` does, when it was not registered).
    let data = unsafe { Box::from_raw(data.cast::<T>()) };
    data.release(env);
}

/// The callback of a function made by [`create`]: reads the address and answers
/// with the function's `T`, turning a panic into a thrown `Error`.
unsafe extern "C" fn callback<T: Lookup>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let body = || {
        let mut argc = 1usize;
        let mut argv = [ptr::null_mut(); 1];
        let mut data = ptr::null_mut();
        // SAFETY: `env` and `info` are this callback's; `argv` has room for `argc`
        // values (a missing argument reads as `undefined`).
        let status = unsafe {
            sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                argv.as_mut_ptr(),
                ptr::null_mut(),
                &mut data,
            )
        };
        if status != sys::Status::napi_ok || data.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: `data` is the `T` `create::<T>` made for this function; its
        // finalizer, the only place it is released, runs after the last call.
        let data = unsafe { &*data.cast::<T>() };
        match address(env, argv[0]) {
            Some(bits) => data.answer(env, bits),
            None => ptr::null_mut(),
        }
    };
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| {
        // SAFETY: `env` is the live env of the running callback.
        unsafe {
            sys::napi_throw_error(
                env,
                ptr::null(),
                c"manageout: internal error (a Rust panic)".as_ptr(),
            )
        };
        ptr::null_mut()
    })
}

/// The address bits of a JS value, or `None` with an exception thrown.
fn address(env: sys::napi_env, value: sys::napi_value) -> Option<u128> {
    let mut buf = [0u8; 64];
    let mut len = 0usize;
    // SAFETY: `value` is a value of the live `env`; Node writes at most
    // `buf.len() - 1` bytes and a NUL into `buf`, and the length to `len`. A
    // non-string is reported by the status, without an exception.
    let status = unsafe {
        sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().cast(), buf.len(), &mut len)
    };
    if status == sys::Status::napi_ok && len < buf.len() - 1 {
        let text = buf.get(..len).and_then(|b| std::str::from_utf8(b).ok());
        if let Some(bits) = text.and_then(|t| manageout::net::parse_ipv6(t.trim())) {
            return Some(bits);
        }
    }
    // everything else: the general conversion, with its errors
    let env = Env::from_raw(env);
    // SAFETY: `value` is a value of the live `env`.
    let unknown = unsafe { Unknown::from_napi_value(env.raw(), value) }.ok()?;
    match crate::convert::address_bits(unknown, "lookup(): address") {
        Ok(bits) => Some(bits),
        Err(fail) => {
            fail.throw(&env);
            None
        }
    }
}
