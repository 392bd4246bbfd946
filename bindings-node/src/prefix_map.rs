//! `PrefixMap`: a generic IPv6 prefix -> integer map (core's `IntPrefixMap`).

use std::sync::Arc;

use manageout::Change;
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
            let net = net_of(&prefix, &format!("new PrefixMap(): entries[{i}]"))?;
            let value = value_of(
                value,
                &format!("new PrefixMap(): the value {value} of entries[{i}]"),
            )?;
            pairs.push((net, value));
        }
        IntPrefixMap::new(pairs)
            .map(|map| Self { map: Arc::new(map) })
            .map_err(failure)
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

    /// The next map: this one with the changes applied in order (the last change of
    /// a prefix wins), each `[prefix, value]` to announce or `[prefix, null]` to
    /// withdraw. Only the parts of the lookup structure the changes touch are
    /// rebuilt; this map is unchanged. Throws like the constructor, applying
    /// nothing.
    #[napi(
        ts_args_type = "changes: Iterable<[string, number | null]>",
        ts_return_type = "PrefixMap"
    )]
    pub fn apply<'env>(
        &self,
        env: &'env Env,
        changes: Vec<Unknown<'_>>,
    ) -> Result<ClassInstance<'env, Self>> {
        let map = self.applied(changes).map_err(|f| f.throw(env))?;
        let instance = map.into_instance(env)?;
        let object = instance.as_object(env);
        let inner = Arc::clone(&instance.map);
        fast::install_map(env, object.raw(), &inner)?;
        Ok(instance)
    }

    fn applied(&self, changes: Vec<Unknown<'_>>) -> Checked<Self> {
        let mut list = Vec::with_capacity(changes.len());
        for (i, change) in changes.into_iter().enumerate() {
            let (prefix, value) = <(String, Option<f64>)>::from_unknown(change).map_err(|_| {
                Fail::new(
                    Code::InvalidPrefix,
                    format!("apply(): changes[{i}] must be a [prefix: string, value: number | null] pair"),
                )
            })?;
            let net = net_of(&prefix, &format!("apply(): changes[{i}]"))?;
            list.push(match value {
                None => Change::Withdraw(net),
                Some(v) => Change::Announce(
                    net,
                    value_of(v, &format!("apply(): the value {v} of changes[{i}]"))?,
                ),
            });
        }
        self.map
            .apply(list)
            .map(|map| Self { map: Arc::new(map) })
            .map_err(failure)
    }

    /// The number of distinct prefixes.
    #[napi(getter)]
    pub fn size(&self) -> u32 {
        u32::try_from(self.map.len()).unwrap_or(u32::MAX)
    }
}

/// A prefix from JavaScript (`what` names it in the error).
fn net_of(prefix: &str, what: &str) -> Checked<ipnet::Ipv6Net> {
    manageout::net::parse_prefix(prefix.trim()).map_err(|p| {
        Fail::new(
            Code::InvalidPrefix,
            format!(
                "{what}: `{}` {p} (write it as address/length)",
                manageout::diagnostic::shown(prefix)
            ),
        )
    })
}

/// A map value: an integer in 0..2**31-1.
fn value_of(value: f64, what: &str) -> Checked<i32> {
    if value.fract() != 0.0 || !(0.0..=f64::from(i32::MAX)).contains(&value) {
        return Err(Fail::new(
            Code::InvalidValue,
            format!("{what} is not an integer in 0..2**31-1"),
        ));
    }
    Ok(value as i32)
}

/// The core's error as the JavaScript one: too many prefixes or a value out of
/// range is `MO_INVALID_VALUE`, anything else about a prefix `MO_INVALID_PREFIX`.
fn failure(e: manageout::Error) -> Fail {
    match e {
        manageout::Error::TooManyPrefixes { .. } | manageout::Error::ValueOutOfRange { .. } => {
            Fail::new(Code::InvalidValue, e.to_string())
        }
        _ => Fail::new(Code::InvalidPrefix, e.to_string()),
    }
}
