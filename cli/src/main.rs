//! `manageout`: check DirectAccess Manage Out farms and look up which DA server
//! carries a client address. Argument parsing and printing only; the logic is in the
//! `manageout` library.

use std::io::{BufRead, IsTerminal, Write};
use std::net::Ipv6Addr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use manageout::render::{Options, Target};
use manageout::{Farm, FarmReport, diagnostic};
use serde_json::json;

/// DirectAccess Manage Out routing: validate a farm, find the DA server of a client.
#[derive(Parser)]
#[command(name = "manageout", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a farm file and print every problem found, like a compiler.
    Check {
        /// The farm file (TOML, or JSON).
        farm: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Exit with 1 when there are warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Print the DA server (and next hop) that owns each client address.
    Lookup {
        /// The farm file (TOML, or JSON).
        farm: PathBuf,
        /// IPv6 addresses, or `-` to read one per line from standard input.
        #[arg(required = true, value_name = "ADDR")]
        addresses: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Turn Get-DAServer / Get-RemoteAccess output (Format-List, Format-Table or
    /// JSON) into a farm file, printed on stdout and checked.
    Import {
        /// Output files of Get-DAServer or Get-RemoteAccess, one or more records each.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Name of each imported record, in input order (default: PSComputerName,
        /// or DA1, DA2, ...).
        #[arg(long = "name", value_name = "NAME")]
        names: Vec<String>,
        /// Corporate-facing IPv6 address of each imported record, in input order.
        #[arg(long = "address", value_name = "ADDR")]
        addresses: Vec<String>,
    },
    /// Say what an IPv6 address is (IP-HTTPS client of which server, Teredo, 6to4,
    /// ISATAP, ...) and whether Manage Out can reach it.
    Explain {
        /// The IPv6 address.
        address: String,
        /// The farm whose servers may own it.
        #[arg(long)]
        farm: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check a running BIG-IP configuration (bigip.conf, or `tmsh list ltm` and
    /// `tmsh list net route` output) against the farm: missing, wrong, stale and
    /// duplicate virtual servers, pools and routes.
    Audit {
        /// The farm file (TOML, or JSON).
        farm: PathBuf,
        /// BIG-IP configuration files (several partitions' bigip.conf may be given).
        #[arg(required = true, value_name = "CONFIG")]
        configs: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Print the tmsh commands that fix what is wrong on stdout (the findings go
        /// to stderr).
        #[arg(long)]
        fix: bool,
        /// Exit with 1 when there are warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Print the configuration that steers Manage Out traffic: BIG-IP tmsh,
    /// bigip.conf or AS3, Linux or Windows routes.
    Render {
        /// The farm file (TOML, or JSON).
        farm: PathBuf,
        /// What to generate: tmsh, bigip-conf, tmsh-remove, as3, linux or netsh.
        #[arg(long, value_parser = |s: &str| s.parse::<Target>().map_err(|e| e.to_string()))]
        target: Target,
        /// Interface for `linux` (optional `dev`) and `netsh` (required).
        #[arg(long, value_name = "NAME")]
        interface: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Exit code for a farm or input with errors.
const FAILURE: u8 = 1;
/// Exit code for unreadable files, bad usage and arguments that are not addresses.
const USAGE: u8 = 2;

fn color_for(stream_is_terminal: bool) -> bool {
    stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check {
            farm,
            format,
            deny_warnings,
        } => check(&farm, format, deny_warnings),
        Command::Lookup {
            farm,
            addresses,
            format,
        } => lookup(&farm, &addresses, format),
        Command::Render {
            farm,
            target,
            interface,
        } => render(&farm, target, interface),
        Command::Explain {
            address,
            farm,
            format,
        } => explain(&address, farm.as_ref(), format),
        Command::Import {
            files,
            names,
            addresses,
        } => import(&files, &names, &addresses),
        Command::Audit {
            farm,
            configs,
            format,
            fix,
            deny_warnings,
        } => audit(&farm, &configs, format, fix, deny_warnings),
    }
}

fn audit(
    farm_path: &PathBuf,
    configs: &[PathBuf],
    format: Format,
    fix: bool,
    deny_warnings: bool,
) -> ExitCode {
    let farm = match load_table(farm_path) {
        Ok(t) => t.farm().clone(),
        Err(code) => return code,
    };
    let mut sources = Vec::new();
    for path in configs {
        let name = path.display().to_string();
        let bytes = match manageout::config::read_limited(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read `{name}`: {e}");
                return ExitCode::from(USAGE);
            }
        };
        if bytes.len() > manageout::config::MAX_FILE_SIZE {
            eprintln!(
                "error: `{name}` is larger than 16 MiB; give the bigip.conf of the partition that holds the Manage Out objects"
            );
            return ExitCode::from(USAGE);
        }
        let Ok(text) = String::from_utf8(bytes) else {
            eprintln!(
                "error: `{name}` is not UTF-8 text; give bigip.conf or `tmsh list` output as saved on the BIG-IP"
            );
            return ExitCode::from(USAGE);
        };
        sources.push(manageout::Source { name, text });
    }
    let report = manageout::audit::audit(&farm, &sources);
    let (errors, warnings) = diagnostic::count(&report.diagnostics);
    let text = match format {
        Format::Json => format!("{}\n", diagnostic::to_json(&report.diagnostics)),
        Format::Text if report.diagnostics.is_empty() => format!(
            "{}: matches {} ({} servers, {} routes): no problems found\n",
            sources
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            farm_path.display(),
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
            diagnostic::render_text_sources(
                &report.diagnostics,
                &report.sources,
                color_for(terminal),
            )
        }
    };
    let written = if fix {
        eprint!("{text}");
        write!(std::io::stdout().lock(), "{}", report.fix(&farm))
    } else {
        write!(std::io::stdout().lock(), "{text}")
    };
    if written.is_err() {
        return ExitCode::from(USAGE);
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::from(FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

fn load(path: &PathBuf) -> Result<FarmReport, ExitCode> {
    Farm::from_file(path).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(USAGE)
    })
}

/// Loads a farm for a command whose stdout is data: diagnostics go to stderr, and a
/// farm with errors gives exit code 1.
fn load_table(path: &PathBuf) -> Result<manageout::Table, ExitCode> {
    let report = load(path)?;
    if !report.diagnostics.is_empty() {
        eprint!(
            "{}",
            report.render(color_for(std::io::stderr().is_terminal()))
        );
    }
    report.table().map_err(|_| ExitCode::from(FAILURE))
}

fn check(path: &PathBuf, format: Format, deny_warnings: bool) -> ExitCode {
    let report = match load(path) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let (errors, warnings) = diagnostic::count(&report.diagnostics);
    let mut out = std::io::stdout().lock();
    let written = match format {
        Format::Json => writeln!(out, "{}", diagnostic::to_json(&report.diagnostics)),
        Format::Text => {
            let color = color_for(std::io::stdout().is_terminal());
            if report.diagnostics.is_empty() {
                let servers = report.farm.as_ref().map_or(0, |f| f.servers.len());
                let routes = report
                    .farm
                    .as_ref()
                    .map_or(0, |f| f.servers.iter().map(|s| s.routes().count()).sum());
                writeln!(
                    out,
                    "{}: {servers} servers, {routes} routes: no problems found",
                    path.display()
                )
            } else {
                write!(out, "{}", report.render(color))
            }
        }
    };
    if written.is_err() {
        return ExitCode::from(USAGE);
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::from(FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

fn parse_address(text: &str) -> Result<Ipv6Addr, String> {
    let t = text.trim();
    t.parse::<Ipv6Addr>().map_err(|_| {
        if t.parse::<std::net::Ipv4Addr>().is_ok() {
            format!("`{t}` is an IPv4 address; DirectAccess clients are looked up by IPv6 address")
        } else if t.contains('/') {
            format!("`{t}` is a prefix; give a single address, such as `2131:0:0:1005::1`")
        } else {
            format!("`{t}` is not an IPv6 address")
        }
    })
}

fn lookup(path: &PathBuf, args: &[String], format: Format) -> ExitCode {
    // the addresses first: a bad argument is a usage error whatever the farm holds
    let mut addresses: Vec<(String, Ipv6Addr)> = Vec::new();
    for arg in args {
        if arg == "-" {
            for (n, line) in std::io::stdin().lock().lines().enumerate() {
                let line = match line {
                    Ok(l) => l,
                    Err(e) => {
                        eprintln!("error: cannot read standard input: {e}");
                        return ExitCode::from(USAGE);
                    }
                };
                let t = line.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                match parse_address(t) {
                    Ok(a) => addresses.push((t.to_owned(), a)),
                    Err(e) => {
                        eprintln!("error: <stdin>:{}: {e}", n + 1);
                        return ExitCode::from(USAGE);
                    }
                }
            }
        } else {
            match parse_address(arg) {
                Ok(a) => addresses.push((arg.clone(), a)),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(USAGE);
                }
            }
        }
    }
    let table = match load_table(path) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = addresses
                .iter()
                .map(|(given, addr)| match table.route(*addr) {
                    Some(r) => json!({
                        "address": given,
                        "server": table.server(r.server).map(|s| s.name.as_str()),
                        "index": r.server.index(),
                        "next_hop": r.next_hop.to_string(),
                        "prefix": r.prefix.to_string(),
                        "kind": r.kind.as_str(),
                    }),
                    None => json!({
                        "address": given, "server": null, "index": null,
                        "next_hop": null, "prefix": null, "kind": null,
                    }),
                })
                .collect();
            writeln!(out, "{}", serde_json::Value::Array(rows))
        }
        Format::Text => addresses
            .iter()
            .try_for_each(|(given, addr)| match table.route(*addr) {
                Some(r) => writeln!(
                    out,
                    "{given}\t{}\tnext hop {}\t{} prefix {}",
                    table.server(r.server).map_or("?", |s| s.name.as_str()),
                    r.next_hop,
                    r.kind,
                    r.prefix
                ),
                None => writeln!(out, "{given}\tno server\t(no farm prefix holds it)"),
            }),
    };
    if written.and_then(|()| out.flush()).is_err() {
        return ExitCode::from(USAGE);
    }
    ExitCode::SUCCESS
}

fn render(path: &PathBuf, target: Target, interface: Option<String>) -> ExitCode {
    if target == Target::Netsh && interface.as_deref().is_none_or(|i| i.trim().is_empty()) {
        eprintln!("error: {}", manageout::Error::MissingInterface);
        return ExitCode::from(USAGE);
    }
    let report = match load(path) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let color = color_for(std::io::stderr().is_terminal());
    let Some(farm) = report.farm.as_ref().filter(|_| !report.has_errors()) else {
        eprint!("{}", report.render(color));
        return ExitCode::from(FAILURE);
    };
    match manageout::render::render(farm, target, &Options { interface }) {
        Ok(out) => {
            // the farm's warnings (with positions), then the rendering's own
            let mut warnings = report.diagnostics.clone();
            warnings.extend(out.warnings);
            if !warnings.is_empty() {
                let source = report.source.as_ref().map(|s| s.text.as_str());
                eprint!("{}", diagnostic::render_text(&warnings, source, color));
            }
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(out.text.as_bytes())
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return ExitCode::from(USAGE);
            }
            ExitCode::SUCCESS
        }
        Err(manageout::Error::InvalidFarm { diagnostics }) => {
            eprint!("{}", diagnostic::render_text(&diagnostics, None, color));
            ExitCode::from(FAILURE)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(USAGE)
        }
    }
}

fn explain(address: &str, farm: Option<&PathBuf>, format: Format) -> ExitCode {
    let addr = match parse_address(address) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let table = match farm {
        None => None,
        Some(path) => match load_table(path) {
            Ok(t) => Some(t),
            Err(code) => return code,
        },
    };
    let e = manageout::explain::explain(addr, table.as_ref());
    let text = match format {
        Format::Json => e.to_json().to_string(),
        Format::Text => e.to_string(),
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{text}").is_err() {
        return ExitCode::from(USAGE);
    }
    ExitCode::SUCCESS
}

fn import(files: &[PathBuf], names: &[String], addresses: &[String]) -> ExitCode {
    use manageout::import::{Pair, farm_toml, parse};
    if !names.is_empty() && names.len() != addresses.len() {
        eprintln!(
            "error: {} --name but {} --address given; give them in pairs, one pair per imported record",
            names.len(),
            addresses.len()
        );
        return ExitCode::from(USAGE);
    }
    let mut pairs = Vec::new();
    for (i, a) in addresses.iter().enumerate() {
        match parse_address(a) {
            Ok(address) => pairs.push(Pair {
                name: names.get(i).cloned(),
                address,
            }),
            Err(e) => {
                eprintln!("error: --address {e}");
                return ExitCode::from(USAGE);
            }
        }
    }
    let mut records = Vec::new();
    let sources: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    for (path, name) in files.iter().zip(&sources) {
        let bytes = match manageout::config::read_limited(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read `{name}`: {e}");
                return ExitCode::from(USAGE);
            }
        };
        match parse(&bytes, name) {
            Ok(r) => records.extend(r),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(FAILURE);
            }
        }
    }
    let source_refs: Vec<&str> = sources.iter().map(String::as_str).collect();
    let toml = match farm_toml(&records, &pairs, &source_refs) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(toml.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::from(USAGE);
    }
    // the imported farm is checked like any farm file
    let report = Farm::from_toml_str(&toml, "<imported farm>");
    if !report.diagnostics.is_empty() {
        eprint!(
            "{}",
            report.render(color_for(std::io::stderr().is_terminal()))
        );
    }
    if report.has_errors() {
        ExitCode::from(FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}
