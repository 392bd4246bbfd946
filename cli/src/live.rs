//! `deploy` and `audit --bigip`: the password, the session, the plan and the
//! confirmation. The work is in `manageout-bigip`.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use manageout_bigip::deploy::{self, Action, Change};
use manageout_bigip::{Error, Password, Session, Settings, Target, Trust};

use super::args::{Format, Input, Remote};
use super::output::{Out, escaped};
use super::{CHANGES, Ctx, Outcome, USAGE};

/// The environment variable the password is read from.
const PASSWORD_VAR: &str = "MANAGEOUT_BIGIP_PASSWORD";

/// Prints a BIG-IP failure and gives its exit code.
fn failed(e: &Error) -> ExitCode {
    eprintln!("error: {}", escaped(&e.to_string()));
    if let Error::Rejected { problems, .. } = e {
        for p in problems.iter().skip(1) {
            eprintln!("  also: {}", escaped(p));
        }
    }
    ExitCode::from(e.exit_code())
}

/// The password: from the environment, else asked on the terminal without echo.
fn password(target: &Target, user: &str) -> Result<Password, ExitCode> {
    if let Some(p) = std::env::var_os(PASSWORD_VAR) {
        return p
            .into_string()
            .map(Password::new)
            .map_err(|_| super::usage(format!("{PASSWORD_VAR} is not UTF-8")));
    }
    if !std::io::stdin().is_terminal() {
        return Err(failed(&Error::NoPassword));
    }
    rpassword::prompt_password(format!(
        "Password for {}@{}: ",
        escaped(user),
        target.authority()
    ))
    .map(Password::new)
    .map_err(|e| super::usage(format!("cannot read the password: {e}")))
}

/// Logs in to the BIG-IP named by `url`.
fn connect(url: &str, remote: &Remote) -> Result<Session, ExitCode> {
    let target = Target::parse(url).map_err(|e| failed(&e))?;
    let mut settings = Settings::default();
    settings.user.clone_from(&remote.user);
    settings.read_timeout = Duration::from_secs(remote.timeout);
    settings.task_timeout = Duration::from_secs(remote.timeout.saturating_mul(10));
    settings.busy_for = Duration::from_secs(remote.timeout.saturating_mul(2));
    settings.trust = match (&remote.ca_file, remote.insecure) {
        (Some(pem), _) => Trust::CaFile(pem.clone()),
        (None, true) => {
            eprintln!(
                "warning: --insecure: the certificate of {} is not verified; anyone on the path can read the password and the configuration",
                target.authority()
            );
            Trust::Insecure
        }
        (None, false) => Trust::System,
    };
    let password = password(&target, &remote.user)?;
    Session::login(&target, password, &settings).map_err(|e| failed(&e))
}

fn symbol(a: Action) -> char {
    match a {
        Action::Create => '+',
        Action::Modify => '~',
        Action::Delete => '-',
        _ => '?',
    }
}

/// One plan line: `+ create  Service_L4  /Common/Shared/x  (server DA1, prefix P)`.
fn plan_line(c: &Change) -> String {
    let mut about = Vec::new();
    if let Some(s) = &c.server {
        about.push(format!("server {s}"));
    }
    if let Some(p) = &c.prefix {
        about.push(format!("prefix {p}"));
    }
    let about = if about.is_empty() {
        String::new()
    } else {
        format!("  ({})", about.join(", "))
    };
    escaped(&format!(
        "  {} {:<6}  {:<10}  {}{about}",
        symbol(c.action),
        c.action.as_str(),
        c.class,
        c.path
    ))
}

fn summary(plan: &[Change]) -> String {
    let n = |a| plan.iter().filter(|c| c.action == a).count();
    format!(
        "{} change{} ({} to create, {} to modify, {} to delete)",
        plan.len(),
        if plan.len() == 1 { "" } else { "s" },
        n(Action::Create),
        n(Action::Modify),
        n(Action::Delete)
    )
}

/// Asks on the terminal; anything but `y`/`yes` is no.
fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

impl Ctx {
    /// `manageout deploy`.
    pub(super) fn deploy(
        &mut self,
        farm_input: &Input,
        url: &str,
        remote: &Remote,
        dry_run: bool,
        yes: bool,
        format: Format,
    ) -> Outcome {
        if matches!(farm_input, Input::Stdin) && !dry_run && !yes {
            return Err(super::usage(
                "the farm comes from standard input, so it cannot confirm: give --yes (or --dry-run)",
            ));
        }
        let farm = self.load_valid(farm_input)?;
        let mut session = connect(url, remote)?;
        let prepared = deploy::prepare(&mut session, &farm).map_err(|e| failed(&e))?;
        let plan = prepared.plan().to_vec();
        let mut out = Out::stdout();
        let text = format == Format::Text;
        if text {
            out.line(&escaped(&format!(
                "AS3 {} on {}; manageout's objects of farm {}:",
                prepared.as3_version(),
                session.target().authority(),
                farm.name.as_deref().unwrap_or("(unnamed)")
            )))?;
            for c in &plan {
                out.line(&plan_line(c))?;
            }
            out.line(&if plan.is_empty() {
                "no changes: the BIG-IP already holds the farm".to_owned()
            } else {
                summary(&plan)
            })?;
            out.finish()?;
        }
        let stop = |out: &mut Out, code: u8| -> Outcome {
            if !text {
                out.line(&deploy::report_json(&plan, None).to_string())?;
                out.finish()?;
            }
            Ok(ExitCode::from(code))
        };
        if plan.is_empty() {
            return stop(&mut out, 0);
        }
        if dry_run {
            return stop(&mut out, CHANGES);
        }
        if !yes {
            if !std::io::stdin().is_terminal() {
                eprintln!(
                    "error: not applied: standard input is not a terminal to confirm on; run again with --yes to apply"
                );
                return Ok(ExitCode::from(USAGE));
            }
            if !confirm(&format!(
                "Apply {} to {}?",
                summary(&plan),
                session.target().authority()
            )) {
                eprintln!("not applied");
                return stop(&mut out, CHANGES);
            }
        }
        let applied = prepared
            .apply(&mut session, &mut |line| eprintln!("{}", escaped(line)))
            .map_err(|e| failed(&e))?;
        session.logout();
        if text {
            for r in &applied.results {
                out.line(&escaped(&format!(
                    "applied: tenant {}: {} (code {})",
                    r["tenant"].as_str().unwrap_or("?"),
                    r["message"].as_str().unwrap_or("?"),
                    r["code"]
                )))?;
            }
            if let Some(sync) = &applied.sync {
                out.line(&escaped(&format!(
                    "config-sync to {}: {}{}",
                    sync.group,
                    if sync.ran {
                        "ran"
                    } else {
                        "not run (nothing changed)"
                    },
                    sync.status
                        .as_ref()
                        .map(|s| format!(", status {s}"))
                        .unwrap_or_default()
                )))?;
            }
        } else {
            out.line(&deploy::report_json(&plan, Some(&applied)).to_string())?;
        }
        out.finish()?;
        Ok(ExitCode::SUCCESS)
    }

    /// `manageout audit FARM --bigip URL`.
    pub(super) fn audit_live(
        &mut self,
        farm_input: &Input,
        url: &str,
        remote: &Remote,
        format: Format,
        fix: bool,
        deny_warnings: bool,
    ) -> Outcome {
        let farm = self.load_valid(farm_input)?;
        let mut session = connect(url, remote)?;
        let report = manageout_bigip::audit::audit(&mut session, &farm).map_err(|e| failed(&e))?;
        let read = session.target().base().to_owned();
        session.logout();
        self.print_audit(
            farm_input,
            &farm,
            &read,
            &report,
            format,
            fix,
            deny_warnings,
        )
    }
}
