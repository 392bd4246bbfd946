//! `farm.deploy(url, options)` and `farm.auditBigip(url, options)`: the session
//! runs on libuv's thread pool (a Promise, the event loop keeps going); results
//! are the CLI's JSON shapes, failures `Error`s with a `code`
//! (`MO_BIGIP_AUTH`, `MO_BIGIP_TLS`, `MO_AS3_MISSING`, `MO_BIGIP_REJECTED`,
//! `MO_BIGIP_TIMEOUT`, ...) and the `problems` AS3 listed.

use std::time::Duration;

use manageout::ValidFarm;
use manageout_bigip::{Error as BigIpError, Password, Session, Settings, Target, Trust, deploy};
use napi::bindgen_prelude::*;
use napi::{Env, ScopedTask};
use napi_derive::napi;
use serde_json::Value;

/// How to reach the BIG-IP.
#[napi(object)]
pub struct BigIpOptions {
    /// The password (never logged or shown).
    pub password: String,
    /// The user (default `admin`).
    pub user: Option<String>,
    /// A PEM file of the CA that signed the BIG-IP's certificate (default: the
    /// system roots).
    pub ca_file: Option<String>,
    /// Do not verify the certificate.
    pub insecure: Option<bool>,
    /// `deploy` only: stop after the dry run (default `true`).
    pub dry_run: Option<bool>,
    /// Seconds to wait for one answer (default 60).
    pub timeout: Option<f64>,
}

/// What a task does once logged in.
enum Job {
    Deploy { dry_run: bool },
    Audit,
}

/// One deploy or audit, run off the JavaScript thread.
pub struct BigIpTask {
    farm: ValidFarm,
    url: String,
    settings: Settings,
    password: Option<Password>,
    job: Job,
}

/// The failure a task ends with: code, message, problems.
pub struct Failure(&'static str, String, Vec<String>);

fn code_of(e: &BigIpError) -> &'static str {
    match e.code() {
        "auth" | "no-password" => "MO_BIGIP_AUTH",
        "tls" => "MO_BIGIP_TLS",
        "as3-missing" => "MO_AS3_MISSING",
        "rejected" | "conflict" => "MO_BIGIP_REJECTED",
        "timeout" => "MO_BIGIP_TIMEOUT",
        "connect" => "MO_BIGIP_CONNECT",
        "url" => "MO_BIGIP_URL",
        "task-failed" => "MO_BIGIP_TASK_FAILED",
        "local-file" => "MO_IO",
        _ => "MO_BIGIP_PROTOCOL",
    }
}

/// Checks the options before anything is sent.
pub(crate) fn task(
    farm: &ValidFarm,
    url: String,
    options: BigIpOptions,
    deploying: bool,
) -> std::result::Result<BigIpTask, String> {
    let timeout = options.timeout.unwrap_or(60.0);
    if !(timeout.is_finite() && (0.001..=3600.0).contains(&timeout)) {
        return Err("timeout must be between 0.001 and 3600 seconds".into());
    }
    let insecure = options.insecure.unwrap_or(false);
    let mut settings = Settings::default();
    settings.user = options.user.unwrap_or_else(|| "admin".to_owned());
    settings.read_timeout = Duration::from_secs_f64(timeout);
    settings.task_timeout = Duration::from_secs_f64(timeout * 10.0);
    settings.busy_for = Duration::from_secs_f64(timeout * 2.0);
    settings.trust = match (options.ca_file, insecure) {
        (Some(_), true) => return Err("give caFile or insecure: true, not both".into()),
        (Some(pem), false) => Trust::CaFile(pem.into()),
        (None, true) => Trust::Insecure,
        (None, false) => Trust::System,
    };
    Ok(BigIpTask {
        farm: farm.clone(),
        url,
        settings,
        password: Some(Password::new(options.password)),
        job: if deploying {
            Job::Deploy {
                dry_run: options.dry_run.unwrap_or(true),
            }
        } else {
            Job::Audit
        },
    })
}

impl BigIpTask {
    fn run(&mut self) -> std::result::Result<Value, BigIpError> {
        let target = Target::parse(&self.url)?;
        let password = self.password.take().ok_or_else(|| BigIpError::NoPassword)?;
        let mut session = Session::login(&target, password, &self.settings)?;
        let out = match self.job {
            Job::Deploy { dry_run } => {
                let prepared = deploy::prepare(&mut session, &self.farm)?;
                let plan = prepared.plan().to_vec();
                if dry_run || plan.is_empty() {
                    deploy::report_json(&plan, None)
                } else {
                    let applied = prepared.apply(&mut session, &mut |_| {})?;
                    deploy::report_json(&plan, Some(&applied))
                }
            }
            Job::Audit => manageout_bigip::audit::audit(&mut session, &self.farm)?.to_json(),
        };
        session.logout();
        Ok(out)
    }
}

impl<'task> ScopedTask<'task> for BigIpTask {
    type Output = std::result::Result<Value, Failure>;
    type JsValue = Unknown<'task>;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(self.run().map_err(|e| {
            let problems = match &e {
                BigIpError::Rejected { problems, .. } => problems.clone(),
                _ => Vec::new(),
            };
            Failure(code_of(&e), e.to_string().replace('\0', "\\u{0}"), problems)
        }))
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> Result<Unknown<'task>> {
        let Failure(code, message, problems) = match output {
            Ok(v) => return env.to_js_value(&v),
            Err(f) => f,
        };
        let mut error = env.create_error(Error::new(Status::GenericFailure, message))?;
        error.set_named_property("code", code)?;
        error.set_named_property("problems", problems)?;
        Err(Error::from(error.into_unknown(env)?))
    }
}
