//! Python values to core types and back: addresses, prefixes, packed address
//! buffers, and JSON-shaped data (dicts, lists) to `serde_json::Value` with the
//! caller's key paths in errors.

use ipnet::Ipv6Net;
use manageout::Ipv6Key;
use pyo3::buffer::{PyBuffer, PyUntypedBuffer};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};

static IPV6_ADDRESS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static IPV4_ADDRESS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static IPV6_NETWORK: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The type name of `obj`, for messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// `ipaddress.IPv6Address(...)`.
pub(crate) fn ipv6_address<'py>(
    py: Python<'py>,
    a: std::net::Ipv6Addr,
) -> PyResult<Bound<'py, PyAny>> {
    IPV6_ADDRESS
        .import(py, "ipaddress", "IPv6Address")?
        .call1((a.to_string(),))
}

/// `ipaddress.IPv6Network(...)`.
pub(crate) fn ipv6_network<'py>(py: Python<'py>, net: Ipv6Net) -> PyResult<Bound<'py, PyAny>> {
    IPV6_NETWORK
        .import(py, "ipaddress", "IPv6Network")?
        .call1((net.to_string(),))
}

/// An address (str, ipaddress.IPv6Address, 16 bytes, int) as bits; `param` names
/// the argument in errors.
pub(crate) fn address_bits(obj: &Bound<'_, PyAny>, param: &str) -> PyResult<u128> {
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_cow()?;
        return manageout::net::parse_ipv6(text.trim()).ok_or_else(|| {
            match manageout::net::address_arg(&text) {
                Err(e) => PyValueError::new_err(format!("{param}: {e}")),
                Ok(_) => PyValueError::new_err(format!("{param}: not an IPv6 address")),
            }
        });
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        let bytes = b.as_bytes();
        let arr: [u8; 16] = bytes.try_into().map_err(|_| {
            PyValueError::new_err(format!(
                "{param}: an address as bytes must be 16 bytes long, not {}",
                bytes.len()
            ))
        })?;
        return Ok(arr.to_bits());
    }
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{param}: a bool is not an IPv6 address"
        )));
    }
    if let Ok(i) = obj.extract::<u128>() {
        return Ok(i);
    }
    if obj.is_instance_of::<PyInt>() {
        return Err(PyValueError::new_err(format!(
            "{param}: {obj} is out of range for an IPv6 address (0 to 2**128 - 1)"
        )));
    }
    let py = obj.py();
    if obj.is_instance(IPV6_ADDRESS.import(py, "ipaddress", "IPv6Address")?)? {
        return address_bits(&obj.getattr("packed")?, param);
    }
    if obj.is_instance(IPV4_ADDRESS.import(py, "ipaddress", "IPv4Address")?)? {
        return Err(PyValueError::new_err(format!(
            "{param}: {obj} is an IPv4 address; DirectAccess clients are looked up by IPv6 address"
        )));
    }
    Err(PyTypeError::new_err(format!(
        "{param} must be an IPv6 address as str, ipaddress.IPv6Address, 16 bytes or int, not {}",
        type_name(obj)
    )))
}

/// A prefix (str or ipaddress.IPv6Network).
pub(crate) fn prefix_of(obj: &Bound<'_, PyAny>, param: &str) -> PyResult<Ipv6Net> {
    let text = if let Ok(s) = obj.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else if obj.is_instance(IPV6_NETWORK.import(obj.py(), "ipaddress", "IPv6Network")?)? {
        obj.str()?.to_cow()?.into_owned()
    } else {
        return Err(PyTypeError::new_err(format!(
            "{param} must be an IPv6 prefix as str or ipaddress.IPv6Network, not {}",
            type_name(obj)
        )));
    };
    manageout::net::parse_prefix(text.trim()).map_err(|p| {
        PyValueError::new_err(format!(
            "{param}: `{}` {p} (write it as address/length)",
            manageout::diagnostic::shown(&text)
        ))
    })
}

/// Packed 16-byte addresses: borrowed from an immutable `bytes` object (no copy),
/// or copied out of another buffer (which other threads may change).
pub(crate) enum Packed<'a> {
    Borrowed(&'a [u8]),
    Copied(Vec<u8>),
}

impl Packed<'_> {
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Self::Borrowed(b) => b,
            Self::Copied(v) => v,
        }
    }
}

/// The packed addresses of any object with the buffer protocol (bytes,
/// bytearray, memoryview, array('B'), numpy uint8 arrays...), or `None` for an
/// object without it (an iterable of addresses). A buffer must hold 1-byte
/// items: an `array('i')` is refused rather than read byte by byte.
pub(crate) fn packed_addresses<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Option<Packed<'a>>> {
    let packed = if let Ok(b) = obj.cast::<PyBytes>() {
        Packed::Borrowed(b.as_bytes())
    } else {
        let Ok(buffer) = PyUntypedBuffer::get(obj) else {
            return Ok(None);
        };
        if buffer.item_size() != 1 {
            return Err(PyTypeError::new_err(format!(
                "addresses: a buffer of packed addresses must have 1-byte items (bytes, bytearray, memoryview, array('B')), not items of {} bytes (format {:?})",
                buffer.item_size(),
                buffer.format().to_string_lossy()
            )));
        }
        drop(buffer);
        // read as unsigned bytes whatever the 1-byte format ('b', 'c', 'B')
        let bytes_view = obj
            .py()
            .import("builtins")?
            .getattr("memoryview")?
            .call1((obj,))?
            .call_method1("cast", ("B",))?;
        let typed = PyBuffer::<u8>::get(&bytes_view)?;
        Packed::Copied(typed.to_vec(obj.py())?)
    };
    let len = packed.bytes().len();
    if len % 16 != 0 {
        return Err(PyValueError::new_err(format!(
            "addresses: a packed address buffer must be a multiple of 16 bytes long, not {len}"
        )));
    }
    Ok(Some(packed))
}

/// `array('i')` answers for packed addresses, filled by a core batch lookup
/// (`batch(keys, out)`, whose slices have the same length) without the GIL,
/// straight into the new array's buffer: no intermediate vector to allocate,
/// fault in and copy.
pub(crate) fn lookup_packed<'py>(
    py: Python<'py>,
    packed: &Packed<'_>,
    batch: impl FnOnce(&[[u8; 16]], &mut [i32]) -> Result<(), manageout::Error> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let keys = packed.bytes().as_chunks::<16>().0;
    let array_type = ARRAY.import(py, "array", "array")?;
    if keys.is_empty() {
        // an empty array has no (aligned) buffer to write to
        return array_type.call1(("i",));
    }
    let array = array_type
        .call1(("i", (0,)))?
        .call_method1("__mul__", (keys.len(),))?;
    let buffer = PyBuffer::<i32>::get(&array)?;
    let ptr = match buffer.as_slice_ptr() {
        Some(p) if !buffer.readonly() && p.len() == keys.len() => p,
        _ => return Err(PyValueError::new_err("array('i') gave no writable buffer")),
    };
    // SAFETY: `ptr` is the C-contiguous, writable, aligned buffer of `keys.len()`
    // i32 of the array just created, kept alive and unresizable by the export
    // `buffer` holds until the end of this function. No other code can reach the
    // array before it is returned, so nothing else reads or writes the buffer
    // while this exclusive slice lives, with or without the GIL.
    #[allow(unsafe_code)]
    let out = unsafe { &mut *ptr.as_ptr() };
    py.detach(|| batch(keys, out))
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    drop(buffer);
    Ok(array)
}

/// A Python value (the structure of a farm file: dicts, lists, str, int, float,
/// bool, None; `ipaddress` objects as their text) as JSON; an error names the
/// value's key path in the caller's data (`data["server"][1]["address"]`).
pub(crate) fn to_json(
    obj: &Bound<'_, PyAny>,
    path: &str,
    depth: usize,
) -> PyResult<serde_json::Value> {
    use serde_json::Value;
    if depth > manageout::load::MAX_NESTING {
        return Err(PyValueError::new_err(format!(
            "{path}: nesting deeper than {} levels",
            manageout::load::MAX_NESTING
        )));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(match obj.extract::<i64>() {
            Ok(i) => Value::from(i),
            Err(_) => Value::String(obj.str()?.to_string()),
        });
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(serde_json::Number::from_f64(f.value()).map_or(Value::Null, Value::Number));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, v) in d.iter() {
            let Ok(key) = k.cast::<PyString>() else {
                return Err(PyTypeError::new_err(format!(
                    "{path}: keys must be str, not {}",
                    type_name(&k)
                )));
            };
            let key = key.to_cow()?.into_owned();
            let child = format!("{path}[{key:?}]");
            map.insert(key, to_json(&v, &child, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, v) in obj.try_iter()?.enumerate() {
            items.push(to_json(&v?, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    let py = obj.py();
    if obj.is_instance(IPV6_ADDRESS.import(py, "ipaddress", "IPv6Address")?)?
        || obj.is_instance(IPV6_NETWORK.import(py, "ipaddress", "IPv6Network")?)?
    {
        return Ok(Value::String(obj.str()?.to_string()));
    }
    Err(PyTypeError::new_err(format!(
        "{path} is {}, which a farm cannot hold (use dicts, lists, str, int, bool)",
        type_name(obj)
    )))
}

/// JSON as Python values (dicts keep the key order).
pub(crate) fn from_json<'py>(
    py: Python<'py>,
    v: &serde_json::Value,
) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u), _) => u.into_pyobject(py)?.into_any(),
            (_, _, f) => f.unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(from_json(py, x)?)?;
            }
            list.into_any()
        }
        Value::Object(o) => {
            let dict = PyDict::new(py);
            for (k, x) in o {
                dict.set_item(k, from_json(py, x)?)?;
            }
            dict.into_any()
        }
    })
}
