//! `manageout.Farm` and `manageout.Diagnostic`: a farm read and checked by the
//! core, and its findings.

use std::path::PathBuf;

use manageout::render::{Options, Target};
use manageout::{Diagnostic as CoreDiagnostic, FarmReport, ValidFarm};
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyMapping};

use crate::bigip;
use crate::convert;
use crate::errors::{diagnostics_list, farm_error, to_py};
use crate::table::Table;

/// One finding about a farm.
#[pyclass(frozen, module = "manageout")]
pub(crate) struct Diagnostic {
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
    path: Option<String>,
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
        let at = match (&self.file, self.line, self.column, &self.path) {
            (Some(f), Some(l), Some(c), _) => format!(" at {f}:{l}:{c}"),
            (_, _, _, Some(p)) => format!(" at {p}"),
            _ => String::new(),
        };
        format!(
            "<Diagnostic {} {}{at}: {}>",
            self.severity, self.code, self.message
        )
    }
}

/// The Python form of a core diagnostic (`source`: the text it points into).
pub(crate) fn diagnostic(d: &CoreDiagnostic, source: Option<&str>) -> Diagnostic {
    Diagnostic {
        severity: d.severity.as_str(),
        code: d.code.as_str(),
        message: d.message.clone(),
        server: d.server.clone(),
        field: d.field.clone(),
        file: d.location.as_ref().map(|l| l.file.clone()),
        line: d.location.as_ref().and_then(|l| l.position()).map(|p| p.0),
        column: d.location.as_ref().and_then(|l| l.position()).map(|p| p.1),
        path: d.path.clone(),
        help: d.help.clone(),
        rendered: d.render(source),
    }
}

/// A DirectAccess farm read from a file, TOML/JSON text or a dict, checked.
/// Reading never raises for farm problems: `check()` lists them, and `table()`,
/// `render()` and `audit()` raise `FarmError` when there are errors.
#[pyclass(frozen, module = "manageout")]
pub(crate) struct Farm {
    report: FarmReport,
}

impl Farm {
    fn source(&self) -> Option<&str> {
        self.report.source.as_ref().map(|s| s.text.as_str())
    }

    pub(crate) fn valid(&self, py: Python<'_>) -> PyResult<&ValidFarm> {
        self.report
            .valid_farm()
            .map_err(|_| farm_error(py, &self.report.diagnostics, self.source()))
    }
}

#[pymethods]
impl Farm {
    /// Reads and checks a farm file (TOML, or JSON); `OSError` if it cannot be read.
    #[staticmethod]
    fn from_file(path: PathBuf) -> PyResult<Self> {
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

    /// Checks a farm given as a dict of the file's structure (`{"server": [...]}`);
    /// diagnostics name the key path of the value they are about (`.path`).
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        if !data.is_instance_of::<pyo3::types::PyDict>() && data.cast::<PyMapping>().is_err() {
            return Err(PyTypeError::new_err(format!(
                "from_dict(): data must be a dict, not {}",
                convert::type_name(data)
            )));
        }
        let dict = pyo3::types::PyDict::new(data.py());
        dict.update(data.cast::<PyMapping>()?)?;
        let value = convert::to_json(dict.as_any(), "data", 0)?;
        Ok(Self {
            report: manageout::Farm::from_json_value(&value),
        })
    }

    /// Every diagnostic (errors and warnings), in file order (at most 1,000).
    fn check<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        diagnostics_list(py, &self.report.diagnostics, self.source())
    }

    /// The lookup table; raises FarmError (a ValueError) with `.diagnostics` when
    /// the farm has errors.
    fn table(&self, py: Python<'_>) -> PyResult<Table> {
        Table::new(py, manageout::Table::new(self.valid(py)?))
    }

    /// The configuration for one target: tmsh, bigip-conf, tmsh-remove, as3, linux,
    /// netsh, corp-routes (with `dialect` ios, junos, linux or netsh, and
    /// `aggregate`), da-mgmt, client-firewall, l3fwd.
    #[pyo3(signature = (target, interface = None, *, dialect = None, aggregate = false))]
    fn render(
        &self,
        py: Python<'_>,
        target: &str,
        interface: Option<String>,
        dialect: Option<&str>,
        aggregate: bool,
    ) -> PyResult<String> {
        let farm = self.valid(py)?;
        let target: Target = target
            .parse()
            .map_err(|e: manageout::Error| PyValueError::new_err(e.to_string()))?;
        let dialect = dialect
            .map(str::parse::<manageout::render::Dialect>)
            .transpose()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let options = Options {
            interface,
            dialect,
            aggregate,
        };
        manageout::render::render(farm, target, &options)
            .map(|r| r.text)
            .map_err(|e| to_py(py, e))
    }

    /// The AS3 declaration as a dict.
    fn as3<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let decl = manageout::render::as3(self.valid(py)?).map_err(|e| to_py(py, e))?;
        convert::from_json(py, &decl)
    }

    /// Audits BIG-IP configuration text (bigip.conf or `tmsh list` output) against
    /// the farm: diagnostics MO100-MO115 located in `config` (named `name`).
    /// Raises FarmError when the farm has errors.
    #[pyo3(signature = (config, name = "bigip.conf"))]
    fn audit<'py>(
        &self,
        py: Python<'py>,
        config: &str,
        name: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let report = self.audit_report(py, config, name)?;
        diagnostics_list(py, &report.diagnostics, Some(config))
    }

    /// The tmsh commands that fix what `audit` finds ("" when nothing is wrong).
    #[pyo3(signature = (config, name = "bigip.conf"))]
    fn audit_fix(&self, py: Python<'_>, config: &str, name: &str) -> PyResult<String> {
        let report = self.audit_report(py, config, name)?;
        Ok(report.fix(self.valid(py)?))
    }

    /// Deploys the farm to a BIG-IP with AS3 (see the README's "Live BIG-IP"):
    /// always a dry run first; with `dry_run=False` the declaration is applied.
    /// Returns `{"plan": [...], "applied": bool, "results": [...], "sync": ...}`.
    /// Raises FarmError when the farm has errors, `BigIpError` subclasses when
    /// the BIG-IP fails or rejects the declaration.
    #[pyo3(signature = (url, *, password, user = "admin", ca_file = None, insecure = false, dry_run = true, timeout = 60.0))]
    #[allow(clippy::too_many_arguments)]
    fn deploy<'py>(
        &self,
        py: Python<'py>,
        url: String,
        password: String,
        user: &str,
        ca_file: Option<PathBuf>,
        insecure: bool,
        dry_run: bool,
        timeout: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let connection =
            bigip::connection(url, user.to_owned(), password, ca_file, insecure, timeout)?;
        bigip::deploy(py, self.valid(py)?, connection, dry_run)
    }

    /// Audits the running BIG-IP over iControl REST: the JSON of
    /// `manageout audit --bigip --format json` (each finding's `file` is the
    /// object's URL, `line` and `column` are None).
    #[pyo3(signature = (url, *, password, user = "admin", ca_file = None, insecure = false, timeout = 60.0))]
    #[allow(clippy::too_many_arguments)]
    fn audit_bigip<'py>(
        &self,
        py: Python<'py>,
        url: String,
        password: String,
        user: &str,
        ca_file: Option<PathBuf>,
        insecure: bool,
        timeout: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let connection =
            bigip::connection(url, user.to_owned(), password, ca_file, insecure, timeout)?;
        bigip::audit(py, self.valid(py)?, connection)
    }

    /// The servers' names, in file order (empty when values could not be read).
    #[getter]
    fn server_names(&self) -> Vec<String> {
        self.report
            .farm()
            .map(|f| f.servers.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default()
    }

    fn __repr__(&self) -> String {
        let (e, w) = self.report.counts();
        format!(
            "<Farm {} servers, {e} errors, {w} warnings>",
            self.report.farm().map_or(0, |f| f.servers.len())
        )
    }
}

impl Farm {
    fn audit_report(
        &self,
        py: Python<'_>,
        config: &str,
        name: &str,
    ) -> PyResult<manageout::audit::AuditReport> {
        let farm = self.valid(py)?;
        let source = manageout::Source {
            name: name.to_owned(),
            text: config.to_owned(),
        };
        Ok(manageout::audit::audit(farm, std::slice::from_ref(&source)))
    }
}
