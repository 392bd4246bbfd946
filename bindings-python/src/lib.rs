//! Python bindings (`manageout._native`, re-exported by the `manageout` package):
//! conversion and error mapping only; every rule and lookup lives in the core crate.

use std::net::Ipv6Addr;

use ipnet::Ipv6Net;
use manageout::render::{Options, Target};
use manageout::{
    Diagnostic as CoreDiagnostic, FarmReport, Ipv6Key, PrefixMap as CorePrefixMap,
    Table as CoreTable,
};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyMemoryView, PyString, PyTuple, PyType};

static IPV6_ADDRESS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static IPV4_ADDRESS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static IPV6_NETWORK: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Converts a Python address (str, ipaddress.IPv6Address, 16 bytes, int) to bits.
fn address_bits(obj: &Bound<'_, PyAny>) -> PyResult<u128> {
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_cow()?;
        return manageout::net::parse_ipv6(text.trim())
            .ok_or_else(|| PyValueError::new_err(format!("{text:?} is not an IPv6 address")));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        let bytes = b.as_bytes();
        let arr: [u8; 16] = bytes.try_into().map_err(|_| {
            PyValueError::new_err(format!(
                "an address as bytes must be 16 bytes long, not {}",
                bytes.len()
            ))
        })?;
        return Ok(arr.to_bits());
    }
    if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyTypeError::new_err("a bool is not an IPv6 address"));
    }
    if let Ok(i) = obj.extract::<u128>() {
        return Ok(i);
    }
    if obj.is_instance_of::<pyo3::types::PyInt>() {
        return Err(PyValueError::new_err(format!(
            "{obj} is out of range for an IPv6 address (0 to 2**128 - 1)"
        )));
    }
    let py = obj.py();
    if obj.is_instance(IPV6_ADDRESS.import(py, "ipaddress", "IPv6Address")?)? {
        let packed = obj.getattr("packed")?;
        return address_bits(&packed);
    }
    if obj.is_instance(IPV4_ADDRESS.import(py, "ipaddress", "IPv4Address")?)? {
        return Err(PyValueError::new_err(format!(
            "{obj} is an IPv4 address; DirectAccess clients are looked up by IPv6 address"
        )));
    }
    Err(PyTypeError::new_err(format!(
        "expected an IPv6 address as str, ipaddress.IPv6Address, 16 bytes or int, not {}",
        obj.get_type().name()?
    )))
}

/// Converts a Python prefix (str or ipaddress.IPv6Network) to a prefix.
fn prefix_of(obj: &Bound<'_, PyAny>) -> PyResult<Ipv6Net> {
    let text = if let Ok(s) = obj.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else {
        if obj.is_instance(IPV6_NETWORK.import(obj.py(), "ipaddress", "IPv6Network")?)? {
            obj.str()?.to_cow()?.into_owned()
        } else {
            return Err(PyTypeError::new_err(format!(
                "expected an IPv6 prefix as str or ipaddress.IPv6Network, not {}",
                obj.get_type().name()?
            )));
        }
    };
    text.trim().parse::<Ipv6Net>().map_err(|_| {
        PyValueError::new_err(format!(
            "{text:?} is not an IPv6 prefix (write it as address/length)"
        ))
    })
}

fn ipv6_network<'py>(py: Python<'py>, net: Ipv6Net) -> PyResult<Bound<'py, PyAny>> {
    IPV6_NETWORK
        .import(py, "ipaddress", "IPv6Network")?
        .call1((net.to_string(),))
}

/// Packed 16-byte addresses: borrowed from an immutable `bytes` object (no copy),
/// copied out of a bytearray/memoryview (which other threads may change), or None
/// for other objects.
enum Packed<'a> {
    Borrowed(&'a [u8]),
    Copied(Vec<u8>),
}

impl Packed<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Borrowed(b) => b,
            Self::Copied(v) => v,
        }
    }
}

fn packed_addresses<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Option<Packed<'a>>> {
    let packed = if let Ok(b) = obj.cast::<PyBytes>() {
        Packed::Borrowed(b.as_bytes())
    } else if obj.is_instance_of::<PyByteArray>() || obj.is_instance_of::<PyMemoryView>() {
        let buffer = PyBuffer::<u8>::get(obj).map_err(|e| {
            PyTypeError::new_err(format!("a packed address buffer must hold bytes: {e}"))
        })?;
        Packed::Copied(buffer.to_vec(obj.py())?)
    } else {
        return Ok(None);
    };
    let len = packed.bytes().len();
    if len % 16 != 0 {
        return Err(PyValueError::new_err(format!(
            "a packed address buffer must be a multiple of 16 bytes long, not {len}"
        )));
    }
    Ok(Some(packed))
}

/// `array('i')` answers for packed addresses, filled by a core batch lookup
/// (`batch(keys, out)`, whose slices have the same length) without the GIL,
/// straight into the new array's buffer: no intermediate vector to allocate,
/// fault in and copy (a tenth of the time of a whole batch on a large table).
fn lookup_packed<'py>(
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

/// One finding about a farm.
#[pyclass(frozen, module = "manageout")]
struct Diagnostic {
    #[pyo3(get)]
    severity: &'static str,
    #[pyo3(get)]
    code: &'static str,
    #[pyo3(get)]
    message: String,
    #[pyo3(get)]
    server: Option<String>,
    #[pyo3(get)]
    field: Option<String>,
    #[pyo3(get)]
    file: Option<String>,
    #[pyo3(get)]
    line: Option<usize>,
    #[pyo3(get)]
    column: Option<usize>,
    #[pyo3(get)]
    help: Option<String>,
    rendered: String,
}

#[pymethods]
impl Diagnostic {
    fn __str__(&self) -> &str {
        &self.rendered
    }

    fn __repr__(&self) -> String {
        let at = match (&self.file, self.line, self.column) {
            (Some(f), Some(l), Some(c)) => format!(" at {f}:{l}:{c}"),
            _ => String::new(),
        };
        format!(
            "<Diagnostic {} {}{at}: {}>",
            self.severity, self.code, self.message
        )
    }
}

fn diagnostic(d: &CoreDiagnostic, source: Option<&str>) -> Diagnostic {
    Diagnostic {
        severity: d.severity.as_str(),
        code: d.code.as_str(),
        message: d.message.clone(),
        server: d.server.clone(),
        field: d.field.clone(),
        file: d.location.as_ref().map(|l| l.file.clone()),
        line: d.location.as_ref().map(|l| l.line),
        column: d.location.as_ref().map(|l| l.column),
        help: d.help.clone(),
        rendered: d.render(source),
    }
}

fn diagnostics_list<'py>(
    py: Python<'py>,
    ds: &[CoreDiagnostic],
    source: Option<&str>,
) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, ds.iter().map(|d| diagnostic(d, source)))
}

/// `manageout.FarmError(message, diagnostics)`.
fn farm_error(
    py: Python<'_>,
    diags: &[CoreDiagnostic],
    source: Option<&str>,
    summary: String,
) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let class = py.import("manageout")?.getattr("FarmError")?;
        let list = diagnostics_list(py, diags, source)?;
        Ok(PyErr::from_value(class.call1((summary.clone(), list))?))
    };
    make().unwrap_or_else(|e| e)
}

/// A DirectAccess farm read from a file, text or dict, with its diagnostics.
#[pyclass(frozen, module = "manageout")]
struct Farm {
    report: FarmReport,
}

impl Farm {
    fn source(&self) -> Option<&str> {
        self.report.source.as_ref().map(|s| s.text.as_str())
    }

    fn invalid(&self, py: Python<'_>) -> PyErr {
        farm_error(
            py,
            &self.report.diagnostics,
            self.source(),
            manageout::Error::invalid_farm_message(&self.report.diagnostics),
        )
    }

    fn audit_report(
        &self,
        py: Python<'_>,
        config: &str,
        name: &str,
    ) -> PyResult<(manageout::audit::AuditReport, String)> {
        let farm = self.valid_farm(py)?;
        let source = manageout::Source {
            name: name.to_owned(),
            text: config.to_owned(),
        };
        Ok((
            manageout::audit::audit(farm, std::slice::from_ref(&source)),
            source.text,
        ))
    }

    fn valid_farm(&self, py: Python<'_>) -> PyResult<&manageout::Farm> {
        match &self.report.farm {
            Some(f) if !self.report.has_errors() => Ok(f),
            _ => Err(self.invalid(py)),
        }
    }
}

#[pymethods]
impl Farm {
    /// Reads and checks a farm file (TOML, or JSON).
    #[staticmethod]
    fn from_file(path: std::path::PathBuf) -> PyResult<Self> {
        manageout::Farm::from_file(&path)
            .map(|report| Self { report })
            .map_err(|e| PyOSError::new_err(e.to_string()))
    }

    /// Checks farm text in TOML.
    #[staticmethod]
    #[pyo3(signature = (text, name = "<string>"))]
    fn from_toml(text: &str, name: &str) -> Self {
        Self {
            report: manageout::Farm::from_toml_str(text, name),
        }
    }

    /// Checks farm text in JSON.
    #[staticmethod]
    #[pyo3(signature = (text, name = "<string>"))]
    fn from_json(text: &str, name: &str) -> Self {
        Self {
            report: manageout::Farm::from_json_str(text, name),
        }
    }

    /// Checks a farm given as JSON text of a dict (used by `Farm.from_dict`); the
    /// diagnostics carry no positions.
    #[staticmethod]
    fn _from_dict_json(text: &str) -> PyResult<Self> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| PyValueError::new_err(format!("not a farm dict: {e}")))?;
        Ok(Self {
            report: manageout::Farm::from_json_value(&value),
        })
    }

    /// Every diagnostic (errors and warnings), in file order.
    fn check<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        diagnostics_list(py, &self.report.diagnostics, self.source())
    }

    /// The lookup table; raises FarmError (a ValueError) with `.diagnostics` when
    /// the farm has errors.
    fn table(&self, py: Python<'_>) -> PyResult<Table> {
        let farm = self.valid_farm(py)?;
        let table = CoreTable::new(farm).map_err(|_| self.invalid(py))?;
        Table::new(py, table)
    }

    /// The configuration for one target: tmsh, bigip-conf, tmsh-remove, as3, linux, netsh.
    #[pyo3(signature = (target, interface = None))]
    fn render(&self, py: Python<'_>, target: &str, interface: Option<String>) -> PyResult<String> {
        let farm = self.valid_farm(py)?;
        let target: Target = target
            .parse()
            .map_err(|e: manageout::Error| PyValueError::new_err(e.to_string()))?;
        manageout::render::render(farm, target, &Options { interface })
            .map(|r| r.text)
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Audits BIG-IP configuration text against the farm: diagnostics MO100-MO113
    /// located in the text (named `name`). Raises FarmError when the farm has errors.
    #[pyo3(signature = (config, name = "bigip.conf"))]
    fn audit<'py>(
        &self,
        py: Python<'py>,
        config: &str,
        name: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let (report, text) = self.audit_report(py, config, name)?;
        PyList::new(
            py,
            report.diagnostics.iter().map(|d| {
                let located = d.location.as_ref().is_some_and(|l| l.file == name);
                diagnostic(d, located.then_some(text.as_str()))
            }),
        )
    }

    /// The tmsh commands that fix what `audit` finds ("" when nothing is wrong).
    #[pyo3(signature = (config, name = "bigip.conf"))]
    fn audit_fix(&self, py: Python<'_>, config: &str, name: &str) -> PyResult<String> {
        let farm = self.valid_farm(py)?;
        Ok(self.audit_report(py, config, name)?.0.fix(farm))
    }

    /// The servers' names, in file order (empty when values could not be read).
    #[getter]
    fn server_names(&self) -> Vec<String> {
        self.report
            .farm
            .as_ref()
            .map(|f| f.servers.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default()
    }

    fn __repr__(&self) -> String {
        let (e, w) = manageout::diagnostic::count(&self.report.diagnostics);
        format!(
            "<Farm {} servers, {e} errors, {w} warnings>",
            self.report.farm.as_ref().map_or(0, |f| f.servers.len())
        )
    }
}

/// One DA server of a table (created once per table).
#[pyclass(frozen, module = "manageout")]
struct Server {
    #[pyo3(get)]
    index: usize,
    #[pyo3(get)]
    name: String,
    #[pyo3(get)]
    address: Py<PyAny>,
    #[pyo3(get)]
    client_prefix: Py<PyAny>,
    #[pyo3(get)]
    entry_point: Option<String>,
    #[pyo3(get)]
    vpn_prefix: Option<Py<PyAny>>,
    #[pyo3(get)]
    teredo_prefix: Option<Py<PyAny>>,
}

#[pymethods]
impl Server {
    fn __repr__(&self) -> String {
        format!("<Server {} #{}>", self.name, self.index)
    }
}

/// A validated farm's lookup table.
#[pyclass(frozen, module = "manageout")]
struct Table {
    table: CoreTable,
    servers: Py<PyTuple>,
}

impl Table {
    fn new(py: Python<'_>, table: CoreTable) -> PyResult<Self> {
        let mut servers = Vec::with_capacity(table.servers().len());
        for (i, s) in table.servers().iter().enumerate() {
            let teredo = if s.teredo {
                s.effective_teredo_prefix()
            } else {
                None
            };
            servers.push(Py::new(
                py,
                Server {
                    index: i,
                    name: s.name.clone(),
                    address: s.address.into_pyobject(py)?.into_any().unbind(),
                    client_prefix: ipv6_network(py, s.client_prefix)?.unbind(),
                    entry_point: s.entry_point.clone(),
                    vpn_prefix: s
                        .vpn_prefix
                        .map(|p| ipv6_network(py, p).map(Bound::unbind))
                        .transpose()?,
                    teredo_prefix: teredo
                        .map(|p| ipv6_network(py, p).map(Bound::unbind))
                        .transpose()?,
                },
            )?);
        }
        Ok(Self {
            table,
            servers: PyTuple::new(py, servers)?.unbind(),
        })
    }

    fn server_obj(&self, py: Python<'_>, index: usize) -> PyResult<Py<PyAny>> {
        Ok(self.servers.bind(py).get_item(index)?.unbind())
    }
}

#[pymethods]
impl Table {
    /// The server owning an address (str, IPv6Address, 16 bytes or int), or None.
    fn lookup(&self, py: Python<'_>, address: &Bound<'_, PyAny>) -> PyResult<Option<Py<PyAny>>> {
        let bits = address_bits(address)?;
        self.table
            .lookup(bits)
            .map(|id| self.server_obj(py, id.index()))
            .transpose()
    }

    /// Looks up many addresses: a bytes/bytearray/memoryview of packed 16-byte
    /// addresses gives array('i') of server indexes (-1 for none), computed without
    /// the GIL; any other iterable gives a list of Server or None.
    fn lookup_many<'py>(
        &self,
        py: Python<'py>,
        addresses: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(packed) = packed_addresses(addresses)? {
            let table = &self.table;
            return lookup_packed(py, &packed, |keys, out| {
                table.lookup_batch_map(keys, out, |id| id.map_or(-1, |id| id.index() as i32))
            });
        }
        let mut out = Vec::new();
        for item in addresses.try_iter()? {
            let bits = address_bits(&item?)?;
            out.push(match self.table.lookup(bits) {
                Some(id) => Some(self.server_obj(py, id.index())?),
                None => None,
            });
        }
        Ok(PyList::new(py, out)?.into_any())
    }

    /// The servers; a server's position is the index lookup_many returns.
    #[getter]
    fn servers<'py>(&self, py: Python<'py>) -> Bound<'py, PyTuple> {
        self.servers.bind(py).clone()
    }

    fn __len__(&self) -> usize {
        self.table.servers().len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<Table {} servers, {} routes>",
            self.table.servers().len(),
            self.table.route_count()
        )
    }
}

/// A generic IPv6 prefix -> int map with longest-prefix match.
#[pyclass(frozen, module = "manageout")]
struct PrefixMap {
    map: CorePrefixMap<i64>,
    /// The entries' values in entry order, as `lookup_many` hands them out: 4 bytes
    /// apiece (a quarter of an entry), so that a batch's final reads mostly hit
    /// cache on a large table.
    values: Box<[i32]>,
}

#[pymethods]
impl PrefixMap {
    /// Builds the map from (prefix, int) pairs; the last value wins for a repeated
    /// prefix. Raises ValueError for host bits set or values outside 0..2**31-1.
    #[new]
    fn new(items: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut pairs = Vec::new();
        for item in items.try_iter()? {
            let item = item?;
            let (prefix, value): (Bound<'_, PyAny>, i64) = item.extract().map_err(|_| {
                PyTypeError::new_err(format!("expected (prefix, int) pairs, got {item}"))
            })?;
            if !(0..=i64::from(i32::MAX)).contains(&value) {
                return Err(PyValueError::new_err(format!(
                    "value {value} is outside 0..2**31-1"
                )));
            }
            pairs.push((prefix_of(&prefix)?, value));
        }
        let map = CorePrefixMap::new(pairs).map_err(|e| PyValueError::new_err(e.to_string()))?;
        // every value was checked to fit in an i32 above
        let values = map.entries().iter().map(|(_, v)| *v as i32).collect();
        Ok(Self { map, values })
    }

    /// The value of the longest prefix holding the address, or None.
    fn lookup(&self, address: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
        Ok(self.map.lookup(address_bits(address)?).copied())
    }

    /// Values (array('i'), -1 for none) for a packed buffer, computed without the
    /// GIL; a list of int or None for any other iterable.
    fn lookup_many<'py>(
        &self,
        py: Python<'py>,
        addresses: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(packed) = packed_addresses(addresses)? {
            let (map, values) = (&self.map, &self.values);
            return lookup_packed(py, &packed, |keys, out| {
                map.lookup_batch_values(keys, values, -1, out)
            });
        }
        let mut out = Vec::new();
        for item in addresses.try_iter()? {
            out.push(self.map.lookup(address_bits(&item?)?).copied());
        }
        Ok(PyList::new(py, out)?.into_any())
    }

    fn __len__(&self) -> usize {
        self.map.len()
    }
}

/// What an address is and whether Manage Out reaches it: JSON text of the same
/// shape as `manageout explain --format json` (the package parses it).
#[pyfunction]
#[pyo3(signature = (address, farm = None))]
fn _explain_json(
    py: Python<'_>,
    address: &Bound<'_, PyAny>,
    farm: Option<&Farm>,
) -> PyResult<String> {
    let bits = address_bits(address)?;
    let table = match farm {
        Some(f) => Some(CoreTable::new(f.valid_farm(py)?).map_err(|_| f.invalid(py))?),
        None => None,
    };
    Ok(
        manageout::explain::explain(Ipv6Addr::from(bits), table.as_ref())
            .to_json()
            .to_string(),
    )
}

/// Records of Get-DAServer / Get-RemoteAccess output, as dicts.
#[pyfunction]
fn _import_records<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    name: &str,
) -> PyResult<Bound<'py, PyList>> {
    let bytes: Vec<u8> = if let Ok(s) = data.cast::<PyString>() {
        s.to_cow()?.as_bytes().to_vec()
    } else if let Ok(b) = data.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else {
        return Err(PyTypeError::new_err(
            "expected the PowerShell output as str or bytes",
        ));
    };
    let records =
        manageout::import::parse(&bytes, name).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let list = PyList::empty(py);
    for r in records {
        let d = PyDict::new(py);
        d.set_item("client_prefix", r.client_prefix)?;
        d.set_item("teredo", r.teredo)?;
        d.set_item("internal_prefixes", r.internal_prefixes)?;
        d.set_item("vpn_prefix", r.vpn_prefix)?;
        d.set_item("entry_point", r.entry_point)?;
        d.set_item("computer_name", r.computer_name)?;
        list.append(d)?;
    }
    Ok(list)
}

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Farm>()?;
    m.add_class::<Table>()?;
    m.add_class::<Server>()?;
    m.add_class::<Diagnostic>()?;
    m.add_class::<PrefixMap>()?;
    m.add_function(wrap_pyfunction!(_explain_json, m)?)?;
    m.add_function(wrap_pyfunction!(_import_records, m)?)?;
    Ok(())
}
