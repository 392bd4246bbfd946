//! JavaScript values to core types: addresses (string or 16 bytes), packed
//! address buffers, and `Int32Array` answers.

use napi::bindgen_prelude::*;
use napi::{Env, ValueType};

use crate::errors::{Checked, Code, Fail};

/// The address bits of a JS string or 16-byte Uint8Array/Buffer; `param` names
/// the argument in errors (`lookup(): address`).
pub(crate) fn address_bits(value: Unknown<'_>, param: &str) -> Checked<u128> {
    let bad_type = |t: &str| {
        Fail::new(
            Code::InvalidAddress,
            format!(
                "{param} must be an IPv6 address as a string or a 16-byte Buffer/Uint8Array, not {t}"
            ),
        )
    };
    match value.get_type() {
        Ok(ValueType::String) => {
            let text = String::from_unknown(value).map_err(|_| bad_type("a string"))?;
            manageout::net::parse_ipv6(text.trim()).ok_or_else(|| {
                let why = manageout::net::address_arg(&text)
                    .err()
                    .unwrap_or_else(|| "not an IPv6 address".to_owned());
                Fail::new(Code::InvalidAddress, format!("{param}: {why}"))
            })
        }
        Ok(ValueType::Object) => {
            let bytes = <&[u8]>::from_unknown(value).map_err(|_| bad_type("this object"))?;
            let array: [u8; 16] = bytes.try_into().map_err(|_| {
                Fail::new(
                    Code::InvalidAddress,
                    format!(
                        "{param}: an address as bytes must be 16 bytes long, not {}",
                        bytes.len()
                    ),
                )
            })?;
            Ok(u128::from_be_bytes(array))
        }
        Ok(t) => Err(bad_type(&format!("{t}").to_lowercase())),
        Err(_) => Err(bad_type("an unreadable value")),
    }
}

/// Packed 16-byte addresses, checked for length.
pub(crate) fn packed(bytes: &[u8]) -> Checked<&[[u8; 16]]> {
    match bytes.as_chunks::<16>() {
        (keys, []) => Ok(keys),
        _ => Err(Fail::new(
            Code::InvalidLength,
            format!(
                "lookupMany(): a packed address buffer must be a multiple of 16 bytes long, not {}",
                bytes.len()
            ),
        )),
    }
}

/// `Int32Array` answers for packed 16-byte addresses, filled by a core batch lookup
/// (`batch(keys, out)`, whose slices have the same length).
pub(crate) fn lookup_packed(
    env: &Env,
    addresses: &[u8],
    batch: impl FnOnce(&[[u8; 16]], &mut [i32]) -> std::result::Result<(), manageout::Error>,
) -> Result<Int32Array> {
    let keys = packed(addresses).map_err(|f| f.throw(env))?;
    let mut out = vec![-1i32; keys.len()];
    batch(keys, &mut out).map_err(|e| Fail::new(Code::InvalidLength, e.to_string()).throw(env))?;
    Ok(Int32Array::new(out))
}
