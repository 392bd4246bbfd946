//! `manageout.PrefixMap`: a generic IPv6 prefix -> int map (core's
//! `IntPrefixMap`).

use manageout::Change;
use manageout::table::IntPrefixMap;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::convert::{address_bits, lookup_packed, packed_addresses, prefix_of, type_name};

/// A generic IPv6 prefix -> int map with longest-prefix match.
#[pyclass(frozen, module = "manageout")]
pub(crate) struct PrefixMap {
    map: IntPrefixMap,
}

#[pymethods]
impl PrefixMap {
    /// Builds the map from (prefix, int) pairs; the last value wins for a repeated
    /// prefix. Raises ValueError for host bits set or values outside 0..2**31-1.
    #[new]
    fn new(items: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut pairs = Vec::new();
        for (i, item) in items.try_iter()?.enumerate() {
            let item = item?;
            let (prefix, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
                item.extract().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "PrefixMap(): items[{i}] must be a (prefix, int) pair, not {}",
                        type_name(&item)
                    ))
                })?;
            let value = value_of(&value, &format!("PrefixMap(): the value of items[{i}]"))?;
            pairs.push((
                prefix_of(&prefix, &format!("PrefixMap(): items[{i}]"))?,
                value,
            ));
        }
        let map = IntPrefixMap::new(pairs).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self { map })
    }

    /// The value of the longest prefix holding the address, or None.
    fn lookup(&self, address: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
        let v = self.map.lookup(address_bits(address, "lookup(): address")?);
        Ok((v >= 0).then_some(i64::from(v)))
    }

    /// Values (array('i'), -1 for none) for a packed buffer, computed without the
    /// GIL; a list of int or None for any other iterable.
    fn lookup_many<'py>(
        &self,
        py: Python<'py>,
        addresses: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(packed) = packed_addresses(addresses)? {
            let map = &self.map;
            return lookup_packed(py, &packed, |keys, out| map.lookup_batch(keys, out));
        }
        let mut out = Vec::new();
        for (i, item) in addresses.try_iter()?.enumerate() {
            let v = self.map.lookup(address_bits(
                &item?,
                &format!("lookup_many(): addresses[{i}]"),
            )?);
            out.push((v >= 0).then_some(i64::from(v)));
        }
        Ok(PyList::new(py, out)?.into_any())
    }

    /// The next map: this one with the changes applied in order (the last change of
    /// a prefix wins), each a (prefix, int) pair to announce or (prefix, None) to
    /// withdraw. Only the parts of the lookup structure the changes touch are
    /// rebuilt; this map is unchanged. Raises like PrefixMap(), applying nothing.
    fn apply(&self, changes: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut list = Vec::new();
        for (i, item) in changes.try_iter()?.enumerate() {
            let item = item?;
            let (prefix, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
                item.extract().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "apply(): changes[{i}] must be a (prefix, int or None) pair, not {}",
                        type_name(&item)
                    ))
                })?;
            let prefix = prefix_of(&prefix, &format!("apply(): changes[{i}]"))?;
            list.push(if value.is_none() {
                Change::Withdraw(prefix)
            } else {
                Change::Announce(
                    prefix,
                    value_of(&value, &format!("apply(): the value of changes[{i}]"))?,
                )
            });
        }
        let map = self
            .map
            .apply(list)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self { map })
    }

    fn __len__(&self) -> usize {
        self.map.len()
    }
}

/// A map value: an int in 0..2**31-1 (`what` names it in the error).
fn value_of(value: &Bound<'_, PyAny>, what: &str) -> PyResult<i32> {
    let v: i64 = value.extract().map_err(|_| {
        PyTypeError::new_err(format!("{what} must be an int, not {}", type_name(value)))
    })?;
    i32::try_from(v)
        .ok()
        .filter(|v| *v >= 0)
        .ok_or_else(|| PyValueError::new_err(format!("{what} is {v}, outside 0..2**31-1")))
}
