//! `manageout`: check DirectAccess Manage Out farms and look up which DA server
//! carries a client address. Argument parsing and printing only; the logic is in the
//! `manageout` library.

mod args;
mod live;
mod output;

use std::io::{BufRead, IsTerminal};
use std::net::Ipv6Addr;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use manageout::render::{Dialect, Options, Target};
use manageout::{Farm, FarmReport, diagnostic};

use args::{Cli, ColorChoice, Command, Format, Input};
use output::{Out, escaped};

/// Exit code for a farm or input with errors.
const FAILURE: u8 = 1;
/// Exit code for unreadable files, bad usage and arguments that are not addresses.
const USAGE: u8 = 2;
/// Exit code for `deploy --dry-run` with changes to make.
const CHANGES: u8 = 4;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut ctx = Ctx {
        color: cli.color,
        stdin_taken: false,
    };
    let result = match cli.command {
        Command::Check {
            farm,
            format,
            deny_warnings,
            whole_path,
        } => ctx.check(&farm, format, deny_warnings, whole_path),
        Command::Lookup {
            farm,
            addresses,
            format,
        } => ctx.lookup(&farm, &addresses, format),
        Command::Render {
            farm,
            target,
            interface,
            dialect,
            aggregate,
        } => ctx.render(
            &farm,
            target,
            Options {
                interface,
                dialect,
                aggregate,
            },
        ),
        Command::Explain {
            address,
            farm,
            format,
        } => ctx.explain(&address, farm.as_ref(), format),
        Command::Import {
            files,
            names,
            addresses,
        } => ctx.import(&files, &names, &addresses),
        Command::Audit {
            farm,
            configs,
            bigip,
            remote,
            format,
            fix,
            deny_warnings,
        } => match bigip {
            Some(url) => ctx.audit_live(&farm, &url, &remote, format, fix, deny_warnings),
            None => ctx.audit(&farm, &configs, format, fix, deny_warnings),
        },
        Command::Deploy {
            farm,
            bigip,
            remote,
            dry_run,
            yes,
            format,
        } => ctx.deploy(&farm, &bigip, &remote, dry_run, yes, format),
        Command::Completions { shell } => {
            let mut out = Out::stdout();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "manageout", &mut buf);
            out.bytes(&buf).map(|()| ExitCode::SUCCESS)
        }
        Command::Man { command } => {
            let main = Cli::command();
            let page = match command.as_deref() {
                None => main,
                Some(name) => {
                    let sub = main
                        .find_subcommand(name)
                        .cloned()
                        .expect("a listed command");
                    sub.name(format!("manageout-{name}"))
                        .bin_name(format!("manageout {name}"))
                        .version(env!("CARGO_PKG_VERSION"))
                }
            };
            let mut buf = Vec::new();
            clap_mangen::Man::new(page)
                .render(&mut buf)
                .map_err(|e| output::write_error(&e))
                .and_then(|()| Out::stdout().bytes(&buf))
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Schema => {
            let schema = manageout::load::farm_file_schema();
            let mut text = serde_json::to_string_pretty(&schema).expect("a JSON value");
            text.push('\n');
            Out::stdout()
                .bytes(text.as_bytes())
                .map(|()| ExitCode::SUCCESS)
        }
    };
    result.unwrap_or_else(|code| code)
}

/// What every command shares: the colour choice and whether `-` (standard input)
/// was used already.
struct Ctx {
    color: ColorChoice,
    stdin_taken: bool,
}

/// A command's outcome: its exit code, or the exit code of an early stop (the
/// message has been printed).
type Outcome = Result<ExitCode, ExitCode>;

fn usage(message: impl AsRef<str>) -> ExitCode {
    eprintln!("error: {}", escaped(message.as_ref()));
    ExitCode::from(USAGE)
}

fn exit_for(errors: usize, warnings: usize, deny_warnings: bool) -> ExitCode {
    if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::from(FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

impl Ctx {
    fn color_for(&self, stream_is_terminal: bool) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    fn stderr_color(&self) -> bool {
        self.color_for(std::io::stderr().is_terminal())
    }

    /// The bytes of an input (`-` is standard input, at most once per command)
    /// and the name diagnostics show.
    fn read(&mut self, input: &Input) -> Result<(Vec<u8>, String), ExitCode> {
        match input {
            Input::Stdin => {
                if std::mem::replace(&mut self.stdin_taken, true) {
                    return Err(usage(
                        "`-` (standard input) can be given for one input only",
                    ));
                }
                manageout::load::read_stdin()
                    .map(|b| (b, "<stdin>".to_owned()))
                    .map_err(|e| usage(format!("cannot read standard input: {e}")))
            }
            Input::Path(path) => {
                let name = path.display().to_string();
                manageout::load::read_input(path)
                    .map(|b| (b, name.clone()))
                    .map_err(|e| usage(format!("cannot read `{name}`: {e}")))
            }
        }
    }

    fn load(&mut self, input: &Input) -> Result<FarmReport, ExitCode> {
        let (bytes, name) = self.read(input)?;
        Ok(Farm::from_bytes(&bytes, &name))
    }

    /// Loads a farm for a command whose stdout is data: diagnostics go to stderr,
    /// and a farm with errors gives exit code 1.
    fn load_valid(&mut self, input: &Input) -> Result<manageout::ValidFarm, ExitCode> {
        let report = self.load(input)?;
        if !report.diagnostics.is_empty() {
            eprint!("{}", report.render(self.stderr_color()));
        }
        report
            .into_valid_farm()
            .map_err(|_| ExitCode::from(FAILURE))
    }

    fn load_table(&mut self, input: &Input) -> Result<manageout::Table, ExitCode> {
        self.load_valid(input)
            .map(|farm| manageout::Table::new(&farm))
    }

    fn check(
        &mut self,
        input: &Input,
        format: Format,
        deny_warnings: bool,
        whole_path: bool,
    ) -> Outcome {
        let mut report = self.load(input)?;
        if whole_path {
            report.add_whole_path();
        }
        let (errors, warnings) = diagnostic::count(&report.diagnostics);
        let (errors, warnings) = (
            errors + report.omitted.errors,
            warnings + report.omitted.warnings,
        );
        let mut out = Out::stdout();
        match format {
            Format::Json => out.line(&report.to_json().to_string())?,
            Format::Text if report.diagnostics.is_empty() => {
                let farm = report.farm();
                let servers = farm.map_or(0, |f| f.servers.len());
                let routes: usize =
                    farm.map_or(0, |f| f.servers.iter().map(|s| s.routes().count()).sum());
                out.line(&format!(
                    "{}: {servers} servers, {routes} routes: no problems found",
                    escaped(&input.name())
                ))?;
            }
            Format::Text => {
                let color = self.color_for(std::io::stdout().is_terminal());
                out.text(&report.render(color))?;
            }
        }
        out.finish()?;
        Ok(exit_for(errors, warnings, deny_warnings))
    }

    fn lookup(&mut self, input: &Input, args: &[String], format: Format) -> Outcome {
        if matches!(input, Input::Stdin) && args.iter().any(|a| a == "-") {
            return Err(usage(
                "`-` (standard input) can be given for one input only",
            ));
        }
        // the addresses first: a bad one is a usage error whatever the farm holds,
        // and nothing is printed
        let mut addresses: Vec<(String, Ipv6Addr)> = Vec::new();
        for arg in args {
            if arg == "-" {
                if std::mem::replace(&mut self.stdin_taken, true) {
                    return Err(usage(
                        "`-` (standard input) can be given for one input only",
                    ));
                }
                for (n, line) in std::io::stdin().lock().lines().enumerate() {
                    let line =
                        line.map_err(|e| usage(format!("cannot read standard input: {e}")))?;
                    let t = line.trim();
                    if t.is_empty() || t.starts_with('#') {
                        continue;
                    }
                    let a =
                        parse_address(t).map_err(|e| usage(format!("<stdin>:{}: {e}", n + 1)))?;
                    addresses.push((t.to_owned(), a));
                }
            } else {
                addresses.push((arg.clone(), parse_address(arg).map_err(usage)?));
            }
        }
        let table = self.load_table(input)?;
        let mut out = Out::stdout();
        match format {
            Format::Json => {
                // streamed: one object at a time, never the whole array in memory
                out.text("[")?;
                for (i, (given, addr)) in addresses.iter().enumerate() {
                    let row = match table.route(*addr) {
                        Some(r) => serde_json::json!({
                            "address": given,
                            "server": table.server(r.server).map(|s| s.name.as_str()),
                            "entry_point": table.server(r.server).and_then(|s| s.entry_point.as_deref()),
                            "index": r.server.index(),
                            "next_hop": r.next_hop.to_string(),
                            "prefix": r.prefix.to_string(),
                            "kind": r.kind.as_str(),
                        }),
                        None => serde_json::json!({
                            "address": given, "server": null, "entry_point": null, "index": null,
                            "next_hop": null, "prefix": null, "kind": null,
                        }),
                    };
                    if i > 0 {
                        out.text(",")?;
                    }
                    out.text(&row.to_string())?;
                }
                out.line("]")?;
            }
            Format::Text => {
                for (given, addr) in &addresses {
                    let line = match table.route(*addr) {
                        Some(r) => format!(
                            "{given}\t{}\tnext hop {}\t{} prefix {}",
                            table.server(r.server).map_or("?", |s| s.name.as_str()),
                            r.next_hop,
                            r.kind,
                            r.prefix
                        ),
                        None => format!("{given}\tno server\t(no farm prefix holds it)"),
                    };
                    out.line(&line)?;
                }
            }
        }
        out.finish()?;
        Ok(ExitCode::SUCCESS)
    }

    fn render(&mut self, input: &Input, target: Target, options: Options) -> Outcome {
        let no_interface = options
            .interface
            .as_deref()
            .is_none_or(|i| i.trim().is_empty());
        let netsh = target == Target::Netsh
            || (target == Target::CorpRoutes && options.dialect == Some(Dialect::Netsh));
        if netsh && no_interface {
            return Err(usage(manageout::Error::MissingInterface.to_string()));
        }
        if target == Target::CorpRoutes && options.dialect.is_none() {
            return Err(usage(
                "the corp-routes target needs --dialect ios, junos, linux or netsh",
            ));
        }
        let report = self.load(input)?;
        let color = self.stderr_color();
        let Ok(farm) = report.valid_farm() else {
            eprint!("{}", report.render(color));
            return Ok(ExitCode::from(FAILURE));
        };
        match manageout::render::render(farm, target, &options) {
            Ok(rendered) => {
                // the farm's warnings (with positions), then the rendering's own
                let mut warnings = report.diagnostics.clone();
                warnings.extend(rendered.warnings);
                if !warnings.is_empty() {
                    eprint!(
                        "{}",
                        diagnostic::render_text_sources(
                            &warnings,
                            report.omitted,
                            report.source.as_slice(),
                            color
                        )
                    );
                }
                let mut out = Out::stdout();
                out.text(&rendered.text)?;
                out.finish()?;
                Ok(ExitCode::SUCCESS)
            }
            Err(manageout::Error::InvalidFarm { diagnostics }) => {
                eprint!("{}", diagnostic::render_text(&diagnostics, None, color));
                Ok(ExitCode::from(FAILURE))
            }
            // the farm lacks what the target needs, or is too large for it: an input
            // error, not usage
            Err(
                e
                @ (manageout::Error::MissingSetting { .. } | manageout::Error::TargetLimit { .. }),
            ) => {
                eprintln!("error: {}", escaped(&e.to_string()));
                Ok(ExitCode::from(FAILURE))
            }
            Err(e) => Err(usage(e.to_string())),
        }
    }

    fn explain(&mut self, address: &str, farm: Option<&Input>, format: Format) -> Outcome {
        let addr = parse_address(address).map_err(usage)?;
        let table = match farm {
            None => None,
            Some(input) => Some(self.load_table(input)?),
        };
        let e = manageout::explain::explain(addr, table.as_ref());
        let text = match format {
            Format::Json => e.to_json().to_string(),
            Format::Text => escaped(&e.to_string()),
        };
        let mut out = Out::stdout();
        out.line(&text)?;
        out.finish()?;
        Ok(ExitCode::SUCCESS)
    }

    fn import(&mut self, files: &[Input], names: &[String], addresses: &[String]) -> Outcome {
        use manageout::import::{ImportError, Pair, assemble, read_all};
        if !names.is_empty() && names.len() != addresses.len() {
            return Err(usage(format!(
                "{} --name but {} --address given; give them in pairs, one pair per imported record",
                names.len(),
                addresses.len()
            )));
        }
        let mut pairs = Vec::new();
        for (i, a) in addresses.iter().enumerate() {
            let address = parse_address(a).map_err(|e| usage(format!("--address {e}")))?;
            pairs.push(Pair {
                name: names.get(i).cloned(),
                address: Some(address),
            });
        }
        let mut inputs = Vec::new();
        let mut sources: Vec<String> = Vec::new();
        for input in files {
            let (bytes, name) = self.read(input)?;
            match read_all(&bytes, &name) {
                Ok(found) => inputs.extend(found.into_iter().map(|i| (name.clone(), i))),
                Err(e) => {
                    eprintln!("error: {}", escaped(&e.to_string()));
                    return Ok(ExitCode::from(FAILURE));
                }
            }
            sources.push(name);
        }
        let source_refs: Vec<&str> = sources.iter().map(String::as_str).collect();
        let imported = match assemble(&inputs, &pairs) {
            Ok(farm) => farm,
            Err(e @ ImportError::Unpaired { .. }) => return Err(usage(e.to_string())),
            Err(e) => {
                eprintln!("error: {}", escaped(&e.to_string()));
                return Ok(ExitCode::from(FAILURE));
            }
        };
        for note in &imported.notes {
            eprintln!("note: {}", escaped(note));
        }
        let toml = imported.to_toml(&source_refs);
        let mut out = Out::stdout();
        out.text(&toml)?;
        out.finish()?;
        // the imported farm is checked like any farm file
        let report = Farm::from_toml_str(&toml, "<imported farm>");
        if !report.diagnostics.is_empty() {
            eprint!("{}", report.render(self.stderr_color()));
        }
        Ok(if report.has_errors() {
            ExitCode::from(FAILURE)
        } else {
            ExitCode::SUCCESS
        })
    }

    fn audit(
        &mut self,
        farm_input: &Input,
        configs: &[Input],
        format: Format,
        fix: bool,
        deny_warnings: bool,
    ) -> Outcome {
        let farm = self.load_valid(farm_input)?;
        let farm = &farm;
        let mut sources = Vec::new();
        for input in configs {
            let (bytes, name) = self.read(input)?;
            let text = manageout::audit::decode(&bytes)
                .map_err(|why| usage(format!("`{name}`: {why}")))?;
            sources.push(manageout::Source { name, text });
        }
        let report = manageout::audit::audit(farm, &sources);
        let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
        self.print_audit(
            farm_input,
            farm,
            &names.join(", "),
            &report,
            format,
            fix,
            deny_warnings,
        )
    }

    /// Prints an audit's findings (or its fix script, the findings on stderr).
    #[allow(clippy::too_many_arguments)]
    fn print_audit(
        &self,
        farm_input: &Input,
        farm: &manageout::ValidFarm,
        read: &str,
        report: &manageout::audit::AuditReport,
        format: Format,
        fix: bool,
        deny_warnings: bool,
    ) -> Outcome {
        let (errors, warnings) = diagnostic::count(&report.diagnostics);
        let (errors, warnings) = (
            errors + report.omitted.errors,
            warnings + report.omitted.warnings,
        );
        let text = match format {
            Format::Json => format!("{}\n", report.to_json()),
            Format::Text if report.diagnostics.is_empty() => format!(
                "{}: matches {} ({} servers, {} routes): no problems found\n",
                escaped(read),
                escaped(&farm_input.name()),
                farm.servers.len(),
                farm.servers
                    .iter()
                    .map(|s| s.routes().count())
                    .sum::<usize>()
            ),
            Format::Text => {
                let terminal = if fix {
                    std::io::stderr().is_terminal()
                } else {
                    std::io::stdout().is_terminal()
                };
                report.render(self.color_for(terminal))
            }
        };
        let mut out = Out::stdout();
        if fix {
            eprint!("{text}");
            out.text(&report.fix(farm))?;
        } else {
            out.text(&text)?;
        }
        out.finish()?;
        Ok(exit_for(errors, warnings, deny_warnings))
    }
}

fn parse_address(text: &str) -> Result<Ipv6Addr, String> {
    manageout::net::address_arg(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
