//! Python bindings (`manageout._native`, re-exported by the `manageout` package):
//! conversion and error mapping only; every rule and lookup lives in the core
//! crate. One module per domain: `convert` (Python values), `errors`, `farm`,
//! `table`, `prefix_map`, `functions`.

mod bigip;
mod convert;
mod errors;
mod farm;
mod functions;
mod prefix_map;
mod table;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<farm::Farm>()?;
    m.add_class::<farm::Diagnostic>()?;
    m.add_class::<table::Table>()?;
    m.add_class::<table::Server>()?;
    m.add_class::<prefix_map::PrefixMap>()?;
    m.add_function(wrap_pyfunction!(functions::explain, m)?)?;
    m.add_function(wrap_pyfunction!(functions::import_daserver, m)?)?;
    m.add_function(wrap_pyfunction!(functions::aggregate, m)?)?;
    m.add_function(wrap_pyfunction!(functions::covering, m)?)?;
    Ok(())
}
