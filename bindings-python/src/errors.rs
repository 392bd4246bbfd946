//! Core errors as Python exceptions: `manageout.FarmError` (a `ValueError`
//! carrying the diagnostics), `OSError` for unreadable files, `ValueError` for
//! values the core refuses.

use manageout::Diagnostic as CoreDiagnostic;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::farm::diagnostic;

/// `manageout.FarmError(message, diagnostics)`.
pub(crate) fn farm_error(py: Python<'_>, diags: &[CoreDiagnostic], source: Option<&str>) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let class = py.import("manageout")?.getattr("FarmError")?;
        let list = PyList::new(py, diags.iter().map(|d| diagnostic(d, source)))?;
        Ok(PyErr::from_value(class.call1((
            manageout::Error::invalid_farm_message(diags),
            list,
        ))?))
    };
    make().unwrap_or_else(|e| e)
}

/// A core error as the Python exception of its kind.
pub(crate) fn to_py(py: Python<'_>, e: manageout::Error) -> PyErr {
    match e {
        manageout::Error::InvalidFarm { diagnostics } => farm_error(py, &diagnostics, None),
        manageout::Error::Io { .. } => PyOSError::new_err(e.to_string()),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// The diagnostics as a Python list.
pub(crate) fn diagnostics_list<'py>(
    py: Python<'py>,
    ds: &[CoreDiagnostic],
    source: Option<&str>,
) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, ds.iter().map(|d| diagnostic(d, source)))
}
