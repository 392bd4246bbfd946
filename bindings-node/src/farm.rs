//! `Farm` and `Diagnostic`: a farm read and checked by the core, and its findings.

use manageout::render::{Options, Target};
use manageout::{Diagnostic as CoreDiagnostic, FarmReport, ValidFarm};
use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::{Code, Fail};
use crate::table::Table;

/// One finding about a farm.
#[napi(object)]
pub struct Diagnostic {
    /// `"error"` or `"warning"`.
    #[napi(ts_type = "'error' | 'warning'")]
    pub severity: String,
    /// Stable rule code, e.g. `MO012`.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// The server it concerns, by name.
    pub server: Option<String>,
    /// The field it concerns, e.g. `client_prefix`.
    pub field: Option<String>,
    /// The farm file.
    pub file: Option<String>,
    /// 1-based line in the farm file.
    pub line: Option<u32>,
    /// 1-based column in the farm file.
    pub column: Option<u32>,
    /// The key path of the value concerned (`server[1].address`), for a farm
    /// given as an object.
    pub path: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
    /// The diagnostic rendered like a compiler message (no colour).
    pub rendered: String,
}

pub(crate) fn diagnostic(d: &CoreDiagnostic, source: Option<&str>) -> Diagnostic {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Diagnostic {
        severity: d.severity.as_str().to_owned(),
        code: d.code.as_str().to_owned(),
        message: d.message.clone(),
        server: d.server.clone(),
        field: d.field.clone(),
        file: d.location.as_ref().map(|l| l.file.clone()),
        line: d
            .location
            .as_ref()
            .and_then(|l| l.position())
            .map(|p| clamp(p.0)),
        column: d
            .location
            .as_ref()
            .and_then(|l| l.position())
            .map(|p| clamp(p.1)),
        path: d.path.clone(),
        help: d.help.clone(),
        rendered: d.render(source),
    }
}

/// A DirectAccess farm read from a file, text or object, with its diagnostics.
#[napi]
pub struct Farm {
    report: FarmReport,
}

impl Farm {
    fn source(&self) -> Option<&str> {
        self.report.source.as_ref().map(|s| s.text.as_str())
    }

    fn diagnostics(&self) -> Vec<Diagnostic> {
        let source = self.source();
        self.report
            .diagnostics
            .iter()
            .map(|d| diagnostic(d, source))
            .collect()
    }

    /// Throws `Error { code: 'MO_INVALID_FARM', diagnostics }`.
    pub(crate) fn invalid(&self, env: &Env) -> Error {
        let message = manageout::Error::invalid_farm_message(&self.report.diagnostics);
        let build = || -> Result<Object<'_>> {
            let mut error =
                env.create_error(Error::new(Status::GenericFailure, message.clone()))?;
            error.set_named_property("code", Code::InvalidFarm.as_str())?;
            error.set_named_property("diagnostics", self.diagnostics())?;
            Ok(error)
        };
        match build().and_then(|error| env.throw(error)) {
            Ok(()) => Error::new(Status::PendingException, message),
            Err(e) => e,
        }
    }

    fn audit_report(
        &self,
        env: &Env,
        config: String,
        name: Option<String>,
    ) -> Result<(manageout::audit::AuditReport, manageout::Source)> {
        let farm = self.valid_farm(env)?;
        let source = manageout::Source {
            name: name.unwrap_or_else(|| "bigip.conf".to_owned()),
            text: config,
        };
        Ok((
            manageout::audit::audit(farm, std::slice::from_ref(&source)),
            source,
        ))
    }

    pub(crate) fn valid_farm(&self, env: &Env) -> Result<&ValidFarm> {
        self.report.valid_farm().map_err(|_| self.invalid(env))
    }
}

/// Options of `Farm.render`.
#[napi(object)]
#[derive(Default)]
pub struct RenderOptions {
    /// The router interface that leads to the DA servers (required by netsh and
    /// by corp-routes in the netsh dialect).
    pub interface: Option<String>,
    /// The router language of `corp-routes`: `ios`, `junos`, `linux` or `netsh`.
    #[napi(ts_type = "'ios' | 'junos' | 'linux' | 'netsh'")]
    pub dialect: Option<String>,
    /// `corp-routes`: one covering prefix instead of the exact cover.
    pub aggregate: Option<bool>,
}

#[napi]
impl Farm {
    /// Reads and checks a farm file (TOML, or JSON by extension or content).
    /// Throws `MO_IO` when the file cannot be read; problems in the farm are
    /// diagnostics, not exceptions.
    #[napi(factory)]
    pub fn from_file(env: Env, path: String) -> Result<Self> {
        manageout::Farm::from_file(&path)
            .map(|report| Self { report })
            .map_err(|e| Fail::new(Code::Io, e.to_string()).throw(&env))
    }

    /// Checks farm text in TOML; `name` is the file name used in diagnostics.
    #[napi(factory)]
    pub fn from_toml(text: String, name: Option<String>) -> Self {
        Self {
            report: manageout::Farm::from_toml_str(&text, name.as_deref().unwrap_or("<string>")),
        }
    }

    /// Checks farm text in JSON; `name` is the file name used in diagnostics.
    #[napi(factory)]
    pub fn from_json(text: String, name: Option<String>) -> Self {
        Self {
            report: manageout::Farm::from_json_str(&text, name.as_deref().unwrap_or("<string>")),
        }
    }

    /// Checks a farm given as a plain object of the farm file's shape; its
    /// diagnostics carry no line numbers but the key path of their value (`path`).
    #[napi(factory, ts_args_type = "farm: FarmObject")]
    pub fn from_object(farm: serde_json::Value) -> Self {
        Self {
            report: manageout::Farm::from_json_value(&farm),
        }
    }

    /// Every diagnostic (errors and warnings), in file order.
    #[napi]
    pub fn check(&self) -> Vec<Diagnostic> {
        self.diagnostics()
    }

    /// True when no diagnostic is an error.
    #[napi(getter)]
    pub fn is_valid(&self) -> bool {
        self.report.valid_farm().is_ok()
    }

    /// The servers' names, in file order (empty when values could not be read).
    #[napi(getter)]
    pub fn server_names(&self) -> Vec<String> {
        self.report
            .farm()
            .map(|f| f.servers.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default()
    }

    /// The lookup table. Throws an `Error` with `code` `MO_INVALID_FARM` and
    /// `diagnostics` when the farm has errors.
    #[napi(ts_return_type = "Table")]
    pub fn table<'env>(&self, env: &'env Env) -> Result<ClassInstance<'env, Table>> {
        Table::create(env, manageout::Table::new(self.valid_farm(env)?))
    }

    /// The configuration for one target: `tmsh`, `bigip-conf`, `tmsh-remove`,
    /// `as3`, `linux` or `netsh` (netsh needs `options.interface`); the rest of
    /// the path: `corp-routes` (needs `options.dialect`), `da-mgmt`,
    /// `client-firewall`; `l3fwd`, a DPDK l3fwd rule file.
    #[napi(ts_args_type = "target: RenderTarget, options?: RenderOptions")]
    pub fn render(
        &self,
        env: Env,
        target: String,
        options: Option<RenderOptions>,
    ) -> Result<String> {
        let farm = self.valid_farm(&env)?;
        let target: Target = target.parse().map_err(|e: manageout::Error| {
            Fail::new(Code::InvalidTarget, e.to_string()).throw(&env)
        })?;
        let options = options.unwrap_or_default();
        let dialect = options
            .dialect
            .as_deref()
            .map(str::parse::<manageout::render::Dialect>)
            .transpose()
            .map_err(|e| Fail::new(Code::InvalidTarget, e.to_string()).throw(&env))?;
        let options = Options {
            interface: options.interface,
            dialect,
            aggregate: options.aggregate.unwrap_or(false),
        };
        manageout::render::render(farm, target, &options)
            .map(|r| r.text)
            .map_err(|e| Fail::new(Code::InvalidTarget, e.to_string()).throw(&env))
    }

    /// Audits BIG-IP configuration text (bigip.conf or `tmsh list` output) against
    /// the farm: diagnostics MO100-MO115 with their line in the text, which
    /// `name` (default `bigip.conf`) names. Throws `MO_INVALID_FARM` when the
    /// farm has errors.
    #[napi]
    pub fn audit(&self, env: Env, config: String, name: Option<String>) -> Result<Vec<Diagnostic>> {
        let (report, source) = self.audit_report(&env, config, name)?;
        Ok(report
            .diagnostics
            .iter()
            .map(|d| {
                let located = d.location.as_ref().is_some_and(|l| l.file == source.name);
                diagnostic(d, located.then_some(source.text.as_str()))
            })
            .collect())
    }

    /// Deploys the farm to a BIG-IP with AS3 (see the README's "Live BIG-IP"):
    /// always a dry run first; with `dryRun: false` the declaration is applied.
    /// Resolves to `{plan, applied, results, sync}`; rejects with an `Error` whose
    /// `code` says how the BIG-IP failed (`MO_BIGIP_AUTH`, `MO_BIGIP_REJECTED`...).
    /// Throws `MO_INVALID_FARM` at once when the farm has errors.
    #[napi(ts_return_type = "Promise<DeployReport>")]
    pub fn deploy(
        &self,
        env: Env,
        url: String,
        options: crate::bigip::BigIpOptions,
    ) -> Result<AsyncTask<crate::bigip::BigIpTask>> {
        let farm = self.valid_farm(&env)?;
        crate::bigip::task(farm, url, options, true)
            .map(AsyncTask::new)
            .map_err(|m| Fail::new(Code::InvalidValue, m).throw(&env))
    }

    /// Audits the running BIG-IP over iControl REST: resolves to the JSON of
    /// `manageout audit --bigip --format json` (each finding's `file` is the
    /// object's URL, `line` and `column` are null).
    #[napi(ts_return_type = "Promise<AuditReport>")]
    pub fn audit_bigip(
        &self,
        env: Env,
        url: String,
        options: crate::bigip::BigIpOptions,
    ) -> Result<AsyncTask<crate::bigip::BigIpTask>> {
        let farm = self.valid_farm(&env)?;
        crate::bigip::task(farm, url, options, false)
            .map(AsyncTask::new)
            .map_err(|m| Fail::new(Code::InvalidValue, m).throw(&env))
    }

    /// The tmsh commands that fix what `audit` finds (`""` when nothing is wrong).
    #[napi]
    pub fn audit_fix(&self, env: Env, config: String, name: Option<String>) -> Result<String> {
        let farm = self.valid_farm(&env)?;
        Ok(self.audit_report(&env, config, name)?.0.fix(farm))
    }

    /// The AS3 declaration as an object (what `render('as3')` prints).
    #[napi(ts_return_type = "Record<string, unknown>")]
    pub fn as3(&self, env: Env) -> Result<serde_json::Value> {
        let farm = self.valid_farm(&env)?;
        manageout::render::as3(farm)
            .map_err(|e| Fail::new(Code::InvalidTarget, e.to_string()).throw(&env))
    }
}
