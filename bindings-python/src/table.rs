//! `manageout.Table` and `manageout.Server`: a checked farm's lookup table, its
//! servers created once per table.

use manageout::Table as CoreTable;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::convert::{self, address_bits, lookup_packed, packed_addresses};

/// One DA server of a table (created once per table).
#[pyclass(frozen, module = "manageout")]
pub(crate) struct Server {
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

/// A checked farm's lookup table.
#[pyclass(frozen, module = "manageout")]
pub(crate) struct Table {
    table: CoreTable,
    servers: Py<PyTuple>,
}

impl Table {
    pub(crate) fn new(py: Python<'_>, table: CoreTable) -> PyResult<Self> {
        let net = |p| convert::ipv6_network(py, p).map(Bound::unbind);
        let mut servers = Vec::with_capacity(table.servers().len());
        for (i, s) in table.servers().iter().enumerate() {
            servers.push(Py::new(
                py,
                Server {
                    index: i,
                    name: s.name.clone(),
                    address: convert::ipv6_address(py, s.address)?.unbind(),
                    client_prefix: net(s.client_prefix)?,
                    entry_point: s.entry_point.clone(),
                    vpn_prefix: s.vpn_prefix.map(net).transpose()?,
                    teredo_prefix: s.routed_teredo_prefix().map(net).transpose()?,
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
        let bits = address_bits(address, "lookup(): address")?;
        self.table
            .lookup(bits)
            .map(|id| self.server_obj(py, id.index()))
            .transpose()
    }

    /// Looks up many addresses: a buffer of packed 16-byte addresses (bytes,
    /// bytearray, memoryview, array('B')) gives array('i') of server indexes (-1
    /// for none), computed without the GIL; any other iterable gives a list of
    /// Server or None.
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
        for (i, item) in addresses.try_iter()?.enumerate() {
            let bits = address_bits(&item?, &format!("lookup_many(): addresses[{i}]"))?;
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
