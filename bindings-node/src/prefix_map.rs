//! `PrefixMap`: a generic IPv6 prefix -> integer map (core's `IntPrefixMap`).

use std::sync::Arc;

use manageout::table::IntPrefixMap;
use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::convert::{address_bits, lookup_packed};
use crate::errors::{Checked, Code, Fail};
use crate::fast;

/// A generic IPv6 prefix -> integer map with longest-prefix match.
#[napi]
pub struct PrefixMap {
    map: Arc<IntPrefixMap>,
}

#[napi]
impl PrefixMap {
    /// Builds the map from `[prefix, value]` pairs; the last value wins for a
    /// repeated prefix. Throws for host bits set (`MO_INVALID_PREFIX`) or values
    /// outside 0..2**31-1 (`MO_INVALID_VALUE`).
    #[napi(constructor, ts_args_type = "entries: Iterable<[string, number]>")]
    pub fn new(env: Env, this: This<'_>, entries: Vec<Unknown<'_>>) -> Result<Self> {
        let map = Self::build(entries).map_err(|f| f.throw(&env))?;
        fast::install_map(&env, this.raw(), &map.map)?;
        Ok(map)
    }

    fn build(entries: Vec<Unknown<'_>>) -> Checked<Self> {
        let mut pairs = Vec::with_capacity(entries.len());
        for (i, entry) in entries.into_iter().enumerate() {
            let (prefix, value) = <(String, f64)>::from_unknown(entry).map_err(|_| {
                Fail::new(
                    Code::InvalidPrefix,
                    format!("new PrefixMap(): entries[{i}] must be a [prefix: string, value: number] pair"),
                )
            })?;
            let net = manageout::net::parse_prefix(prefix.trim()).map_err(|p| {
                Fail::new(
                    Code::InvalidPrefix,
                    format!(
                        "new PrefixMap(): entries[{i}]: `{}` {p} (write it as address/length)",
                        manageout::diagnostic::shown(&prefix)
                    ),
                )
            })?;
            if value.fract() != 0.0 || !(0.0..=f64::from(i32::MAX)).contains(&value) {
                return Err(Fail::new(
                    Code::InvalidValue,
                    format!(
                        "new PrefixMap(): the value {value} of entries[{i}] is not an integer in 0..2**31-1"
                    ),
                ));
            }
            pairs.push((net, value as i32));
        }
        IntPrefixMap::new(pairs)
            .map(|map| Self { map: Arc::new(map) })
            .map_err(|e| match e {
                manageout::Error::TooManyPrefixes { .. } => {
                    Fail::new(Code::InvalidValue, e.to_string())
                }
                _ => Fail::new(Code::InvalidPrefix, e.to_string()),
            })
    }

    /// The value of the longest prefix holding the address, or null.
    #[napi(ts_args_type = "address: string | Uint8Array")]
    pub fn lookup(&self, env: Env, address: Unknown<'_>) -> Result<Option<i32>> {
        let bits = address_bits(address, "lookup(): address").map_err(|f| f.throw(&env))?;
        let v = self.map.lookup(bits);
        Ok((v >= 0).then_some(v))
    }

    /// Values (-1 for none) for packed 16-byte addresses.
    #[napi]
    pub fn lookup_many(&self, env: Env, addresses: &[u8]) -> Result<Int32Array> {
        lookup_packed(&env, addresses, |keys, out| {
            self.map.lookup_batch(keys, out)
        })
    }

    /// The number of distinct prefixes.
    #[napi(getter)]
    pub fn size(&self) -> u32 {
        u32::try_from(self.map.len()).unwrap_or(u32::MAX)
    }
}
