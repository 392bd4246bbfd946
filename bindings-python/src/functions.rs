//! The module's functions: `explain`, `import_daserver`, `aggregate` and `covering`.

use std::net::Ipv6Addr;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

use crate::convert::{self, address_bits, type_name};
use crate::farm::Farm;

/// What an address is and whether Manage Out reaches it: a dict of the shape of
/// `manageout explain --format json`. Raises FarmError when `farm` has errors.
#[pyfunction]
#[pyo3(signature = (address, farm = None))]
pub(crate) fn explain<'py>(
    py: Python<'py>,
    address: &Bound<'py, PyAny>,
    farm: Option<PyRef<'py, Farm>>,
) -> PyResult<Bound<'py, PyAny>> {
    let bits = address_bits(address, "explain(): address")?;
    let table = match &farm {
        Some(f) => Some(manageout::Table::new(f.valid(py)?)),
        None => None,
    };
    let e = manageout::explain::explain(Ipv6Addr::from(bits), table.as_ref());
    convert::from_json(py, &e.to_json())
}

/// Server entries (dicts) from Get-DAServer / Get-RemoteAccess output (Format-List,
/// Format-Table or ConvertTo-Json; str or bytes as saved, UTF-16 too), paired by
/// the core as `manageout import` pairs them: one address (and optionally one
/// name) per record, in order. The entries are ready for
/// `Farm.from_dict({"server": entries})`; names from the records that break the
/// name rule are replaced by the nearest valid name.
#[pyfunction]
#[pyo3(signature = (output, names = None, addresses = None, *, source = "<input>"))]
pub(crate) fn import_daserver<'py>(
    py: Python<'py>,
    output: &Bound<'py, PyAny>,
    names: Option<Vec<String>>,
    addresses: Option<Vec<Bound<'py, PyAny>>>,
    source: &str,
) -> PyResult<Bound<'py, PyList>> {
    let bytes: Vec<u8> = if let Ok(s) = output.cast::<PyString>() {
        s.to_cow()?.as_bytes().to_vec()
    } else if let Ok(b) = output.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else {
        return Err(PyTypeError::new_err(format!(
            "import_daserver(): output must be the PowerShell output as str or bytes, not {}",
            type_name(output)
        )));
    };
    let records = manageout::import::parse(&bytes, source)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let mut parsed = Vec::new();
    for (i, a) in addresses.iter().flatten().enumerate() {
        let text = a.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "import_daserver(): addresses[{i}] must be a str, not {}",
                type_name(a)
            ))
        })?;
        parsed.push(manageout::net::address_arg(&text.to_cow()?).map_err(|e| {
            PyValueError::new_err(format!("import_daserver(): addresses[{i}]: {e}"))
        })?);
    }
    if let Some(n) = &names
        && n.len() != records.len()
    {
        return Err(PyValueError::new_err(format!(
            "import_daserver(): {} record(s) imported but {} name(s) given: give one name per record, in input order",
            records.len(),
            n.len()
        )));
    }
    let pairs: Vec<manageout::import::Pair> = (0..records.len())
        .map(|i| manageout::import::Pair {
            name: names.as_ref().and_then(|n| n.get(i).cloned()),
            address: parsed.get(i).copied(),
        })
        .collect();
    if addresses.is_some() && parsed.len() != records.len() {
        return Err(PyValueError::new_err(format!(
            "import_daserver(): {} record(s) imported but {} address(es) given: give one address per record, in input order",
            records.len(),
            parsed.len()
        )));
    }
    let farm = manageout::import::pair(&records, &pairs)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let warnings = py.import("warnings")?;
    for note in &farm.notes {
        warnings.call_method1("warn", (note.as_str(),))?;
    }
    let value = farm.to_value();
    let servers = value
        .get("server")
        .cloned()
        .unwrap_or(serde_json::Value::Array(Vec::new()));
    Ok(convert::from_json(py, &servers)?.cast_into::<PyList>()?)
}

fn prefixes_of(prefixes: &Bound<'_, PyAny>, fname: &str) -> PyResult<Vec<ipnet::Ipv6Net>> {
    if prefixes.cast::<PyString>().is_ok() {
        return Err(PyTypeError::new_err(format!(
            "{fname}(): prefixes must be an iterable of prefixes, not one str"
        )));
    }
    let mut out = Vec::new();
    for (i, item) in prefixes.try_iter()?.enumerate() {
        out.push(convert::prefix_of(
            &item?,
            &format!("{fname}(): prefixes[{i}]"),
        )?);
    }
    Ok(out)
}

/// The fewest prefixes covering exactly the given ones (host bits cleared, nested
/// prefixes dropped, sibling halves merged), sorted, as ipaddress.IPv6Network:
/// the routes `corp-routes` gives the corporate routers.
#[pyfunction]
pub(crate) fn aggregate<'py>(
    py: Python<'py>,
    prefixes: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let cover = manageout::aggregate::exact_cover(prefixes_of(prefixes, "aggregate")?);
    let items = cover
        .into_iter()
        .map(|n| convert::ipv6_network(py, n))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

/// The longest single prefix holding every given prefix, or None for none.
#[pyfunction]
pub(crate) fn covering<'py>(
    py: Python<'py>,
    prefixes: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    manageout::aggregate::covering(prefixes_of(prefixes, "covering")?)
        .map(|n| convert::ipv6_network(py, n))
        .transpose()
}
