//! `farm.deploy(...)` and `farm.audit_bigip(...)`: a session with the BIG-IP
//! (the GIL released while it runs), results as the CLI's JSON shapes, failures
//! as `manageout.BigIpError` subclasses chosen by the error's code.

use std::path::PathBuf;
use std::time::Duration;

use manageout::ValidFarm;
use manageout_bigip::{Error, Password, Session, Settings, Target, Trust, deploy};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert;

/// How to reach the BIG-IP, as given to `deploy` / `audit_bigip`.
pub(crate) struct Connection {
    pub(crate) url: String,
    pub(crate) user: String,
    pub(crate) password: String,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) insecure: bool,
    pub(crate) timeout: f64,
}

impl Connection {
    fn login(self) -> Result<Session, Error> {
        let target = Target::parse(&self.url)?;
        let mut settings = Settings::default();
        settings.user = self.user;
        settings.read_timeout = Duration::from_secs_f64(self.timeout);
        settings.task_timeout = Duration::from_secs_f64(self.timeout * 10.0);
        settings.busy_for = Duration::from_secs_f64(self.timeout * 2.0);
        settings.trust = match (self.ca_file, self.insecure) {
            (Some(pem), _) => Trust::CaFile(pem),
            (None, true) => Trust::Insecure,
            (None, false) => Trust::System,
        };
        Session::login(&target, Password::new(self.password), &settings)
    }
}

/// Checks the values Python gave before anything is sent.
pub(crate) fn connection(
    url: String,
    user: String,
    password: String,
    ca_file: Option<PathBuf>,
    insecure: bool,
    timeout: f64,
) -> PyResult<Connection> {
    if ca_file.is_some() && insecure {
        return Err(PyValueError::new_err(
            "give ca_file or insecure=True, not both",
        ));
    }
    if !(timeout.is_finite() && (0.001..=3600.0).contains(&timeout)) {
        return Err(PyValueError::new_err(
            "timeout must be between 0.001 and 3600 seconds",
        ));
    }
    Ok(Connection {
        url,
        user,
        password,
        ca_file,
        insecure,
        timeout,
    })
}

/// The exception class of an error code (`manageout.BigIpAuthError`, ...).
fn class_of(code: &str) -> &'static str {
    match code {
        "auth" | "no-password" => "BigIpAuthError",
        "tls" => "BigIpTlsError",
        "as3-missing" => "As3MissingError",
        "rejected" | "conflict" => "DeclarationRejected",
        "timeout" => "BigIpTimeoutError",
        "connect" => "BigIpConnectionError",
        _ => "BigIpError",
    }
}

/// A BIG-IP failure as `manageout.<Class>(message, code, problems)`.
fn to_py(py: Python<'_>, e: &Error) -> PyErr {
    let problems: Vec<String> = match e {
        Error::Rejected { problems, .. } => problems.clone(),
        _ => Vec::new(),
    };
    let make = || -> PyResult<PyErr> {
        let class = py.import("manageout")?.getattr(class_of(e.code()))?;
        Ok(PyErr::from_value(class.call1((
            e.to_string(),
            e.code(),
            problems,
        ))?))
    };
    make().unwrap_or_else(|err| err)
}

/// `farm.deploy`: the plan (and, unless `dry_run`, the applied result).
pub(crate) fn deploy<'py>(
    py: Python<'py>,
    farm: &ValidFarm,
    connection: Connection,
    dry_run: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let report = py
        .detach(|| -> Result<serde_json::Value, Error> {
            let mut session = connection.login()?;
            let prepared = deploy::prepare(&mut session, farm)?;
            let plan = prepared.plan().to_vec();
            if dry_run || plan.is_empty() {
                session.logout();
                return Ok(deploy::report_json(&plan, None));
            }
            let applied = prepared.apply(&mut session, &mut |_| {})?;
            session.logout();
            Ok(deploy::report_json(&plan, Some(&applied)))
        })
        .map_err(|e| to_py(py, &e))?;
    convert::from_json(py, &report)
}

/// `farm.audit_bigip`: the live audit's JSON (as `check --format json`).
pub(crate) fn audit<'py>(
    py: Python<'py>,
    farm: &ValidFarm,
    connection: Connection,
) -> PyResult<Bound<'py, PyAny>> {
    let report = py
        .detach(|| -> Result<serde_json::Value, Error> {
            let mut session = connection.login()?;
            let report = manageout_bigip::audit::audit(&mut session, farm)?;
            session.logout();
            Ok(report.to_json())
        })
        .map_err(|e| to_py(py, &e))?;
    convert::from_json(py, &report)
}
