//! The command line: every command, option and value, with the help text,
//! examples and exit codes that `--help`, the man page and the shell completions
//! are generated from.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::builder::{TypedValueParser, ValueParserFactory};
use clap::{Parser, Subcommand, ValueEnum};
use manageout::render::{Dialect, Target};

/// The exit codes, as every `--help` shows them.
pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success (warnings allowed unless --deny-warnings)
  1  the farm or input has errors (diagnostics printed)
  1  for deploy: also a declaration the BIG-IP rejected
  2  a file cannot be read or written, bad usage, or an argument that is not an address
  3  the BIG-IP failed (deploy, audit --bigip): connection, TLS, authentication, AS3 missing, timeout, failed task
  4  deploy --dry-run found changes to make (or the changes were not confirmed)";

/// DirectAccess Manage Out routing: validate a farm, find the DA server of a
/// client, render BIG-IP and router configuration, audit a BIG-IP.
#[derive(Parser)]
#[command(
    name = "manageout",
    version,
    about,
    long_about = None,
    after_help = EXIT_CODES,
    after_long_help = EXIT_CODES
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// When to colour diagnostics: auto (on a terminal, unless NO_COLOR is set),
    /// always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

/// A file argument: a path, or `-` for standard input.
#[derive(Clone, Debug)]
pub(crate) enum Input {
    /// Standard input (`-`).
    Stdin,
    /// A file.
    Path(PathBuf),
}

impl Input {
    /// The name shown in messages.
    pub(crate) fn name(&self) -> String {
        match self {
            Self::Stdin => "<stdin>".to_owned(),
            Self::Path(p) => p.display().to_string(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct InputParser;

impl TypedValueParser for InputParser {
    type Value = Input;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Input, clap::Error> {
        Ok(if value == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(value))
        })
    }
}

impl ValueParserFactory for Input {
    type Parser = InputParser;

    fn value_parser() -> InputParser {
        InputParser
    }
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Check a farm file and print every problem found, like a compiler.
    #[command(after_help = "Examples:
  manageout check examples/seed.toml
  manageout check farm.toml --format json --deny-warnings
  cat farm.toml | manageout check -")]
    Check {
        /// The farm file (TOML, or JSON), or `-` for standard input.
        #[arg(value_hint = clap::ValueHint::FilePath)]
        farm: Input,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Exit with 1 when there are warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Also warn (MO050) for each part of Manage Out beyond the BIG-IP the farm
        /// leaves undefined: self IP, internal prefix, management servers,
        /// services, GPO.
        #[arg(long)]
        whole_path: bool,
    },
    /// Print the DA server (and next hop) that owns each client address.
    #[command(after_help = "Examples:
  manageout lookup examples/seed-fixed.toml 2131:0:0:1005::1
  manageout lookup farm.toml - --format json < addresses.txt")]
    Lookup {
        /// The farm file (TOML, or JSON), or `-` for standard input.
        #[arg(value_hint = clap::ValueHint::FilePath)]
        farm: Input,
        /// IPv6 addresses, or `-` to read one per line from standard input.
        #[arg(required = true, value_name = "ADDR")]
        addresses: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Turn Get-DAServer / Get-RemoteAccess output (Format-List, Format-Table or
    /// JSON) into a farm file, printed on stdout and checked. For a load-balanced
    /// cluster, give each node's route listing (Get-NetRoute -AddressFamily IPv6,
    /// or netsh interface ipv6 show route) right after its Get-DAServer output:
    /// the node's own /64 is taken from it.
    #[command(after_help = "Examples:
  manageout import da1.txt da2.txt --name DA1 --address 2131::101 --name DA2 --address 2131::201
  Invoke-Command ... | ConvertTo-Json  (saved as da.json): manageout import da.json --address 2131::101
  a cluster, each node's routes after its Get-DAServer output (Get-RemoteAccessLoadBalancer output optional):
  manageout import n1.txt n1-routes.txt lb.txt n2.txt n2-routes.txt --name N1 --address 2131::11 --name N2 --address 2131::12")]
    Import {
        /// Output files of Get-DAServer or Get-RemoteAccess (one or more records
        /// each), each optionally followed by that node's route listing and by
        /// Get-RemoteAccessLoadBalancer output; `-` for standard input.
        #[arg(required = true, value_hint = clap::ValueHint::FilePath)]
        files: Vec<Input>,
        /// Name of each imported record, in input order (default: PSComputerName,
        /// or DA1, DA2, ...).
        #[arg(long = "name", value_name = "NAME")]
        names: Vec<String>,
        /// Corporate-facing IPv6 address of each imported record, in input order
        /// (a cluster node's own dedicated address, not the VIP).
        #[arg(long = "address", value_name = "ADDR")]
        addresses: Vec<String>,
    },
    /// Say what an IPv6 address is (IP-HTTPS client of which server, Teredo, 6to4,
    /// ISATAP, ...) and whether Manage Out can reach it.
    #[command(after_help = "Examples:
  manageout explain 2001:0:4136:e378:8000:63bf:3fff:fdd2
  manageout explain 2131:0:0:1005::1 --farm examples/seed-fixed.toml --format json")]
    Explain {
        /// The IPv6 address.
        address: String,
        /// The farm whose servers may own it (`-` for standard input).
        #[arg(long, value_hint = clap::ValueHint::FilePath)]
        farm: Option<Input>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check a running BIG-IP configuration (bigip.conf, or `tmsh list ltm` and
    /// `tmsh list net route` output; or the live box over iControl REST with
    /// --bigip) against the farm: missing, wrong, stale and duplicate virtual
    /// servers, pools and routes.
    #[command(after_help = "Examples:
  manageout audit examples/seed-fixed.toml bigip.conf
  manageout audit farm.toml bigip.conf --fix > fix.sh
  MANAGEOUT_BIGIP_PASSWORD=... manageout audit farm.toml --bigip https://bigip.example --ca-file bigip-ca.pem")]
    Audit {
        /// The farm file (TOML, or JSON), or `-` for standard input.
        #[arg(value_hint = clap::ValueHint::FilePath)]
        farm: Input,
        /// BIG-IP configuration files (several partitions' bigip.conf may be
        /// given); `-` for standard input.
        #[arg(required_unless_present = "bigip", conflicts_with = "bigip", value_name = "CONFIG", value_hint = clap::ValueHint::FilePath)]
        configs: Vec<Input>,
        /// Read the running configuration from this BIG-IP over iControl REST
        /// (https://HOST or https://HOST:PORT) instead of files.
        #[arg(long, value_name = "URL", value_hint = clap::ValueHint::Url)]
        bigip: Option<String>,
        #[command(flatten)]
        remote: Remote,
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
    /// bigip.conf or AS3, Linux or Windows routes; and the rest of the path: the
    /// corporate routes to the BIG-IP, the management servers' registration, the
    /// DA clients' firewall rules.
    #[command(after_help = "Examples:
  manageout render examples/seed-fixed.toml --target tmsh > manageout.sh
  manageout render farm.toml --target netsh --interface Corpnet > routes.cmd
  manageout render examples/whole-path.toml --target corp-routes --dialect ios
  manageout render examples/whole-path.toml --target client-firewall > firewall.ps1")]
    Render {
        /// The farm file (TOML, or JSON), or `-` for standard input.
        #[arg(value_hint = clap::ValueHint::FilePath)]
        farm: Input,
        /// What to generate.
        #[arg(long, value_parser = target_parser())]
        target: Target,
        /// Interface for `linux` (optional `dev`) and `netsh` (required), also in
        /// the corp-routes dialects of those names.
        #[arg(long, value_name = "NAME")]
        interface: Option<String>,
        /// The router language of `corp-routes`.
        #[arg(long, value_parser = dialect_parser())]
        dialect: Option<Dialect>,
        /// `corp-routes`: one covering prefix instead of the exact cover (what it
        /// captures beyond the farm's prefixes is warned on stderr, MO041).
        #[arg(long)]
        aggregate: bool,
    },
    /// Deploy the farm to a BIG-IP with AS3 over iControl REST: reads the tenant,
    /// replaces only manageout's application (in /Common, only manageout's objects
    /// of Shared), always dry-runs first and prints each change, then applies
    /// after confirmation (or --yes). The password comes from
    /// MANAGEOUT_BIGIP_PASSWORD or a prompt, never from the command line.
    #[command(after_help = "Examples:
  manageout deploy examples/seed-fixed.toml --bigip https://bigip.example --dry-run
  MANAGEOUT_BIGIP_PASSWORD=... manageout deploy farm.toml --bigip https://10.0.0.5:8443 --ca-file bigip-ca.pem --yes
  manageout deploy farm.toml --bigip https://bigip.example --dry-run --format json")]
    Deploy {
        /// The farm file (TOML, or JSON), or `-` for standard input.
        #[arg(value_hint = clap::ValueHint::FilePath)]
        farm: Input,
        /// The BIG-IP's management address: https://HOST or https://HOST:PORT.
        #[arg(long, value_name = "URL", value_hint = clap::ValueHint::Url)]
        bigip: String,
        #[command(flatten)]
        remote: Remote,
        /// Only print what would change (exit 0: nothing, 4: something).
        #[arg(long)]
        dry_run: bool,
        /// Apply without asking.
        #[arg(long, conflicts_with = "dry_run")]
        yes: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "Examples:
  manageout completions bash > /etc/bash_completion.d/manageout
  manageout completions zsh > \"${fpath[1]}/_manageout\"")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print a manual page (roff), generated from these definitions: manageout(1),
    /// or one command's page (manageout-check(1), ...).
    #[command(after_help = "Examples:
  manageout man > manageout.1 && man ./manageout.1
  for c in check lookup import explain audit render schema; do manageout man $c > manageout-$c.1; done")]
    Man {
        /// The command whose page to print; none: the main page.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(PAGES))]
        command: Option<String>,
    },
    /// Print the JSON Schema of the farm file, for editors (taplo / Even Better
    /// TOML, VS Code): completion and checking of keys as the file is typed.
    #[command(after_help = "Examples:
  manageout schema > farm.schema.json
  then put `#:schema ./farm.schema.json` on the first line of a TOML farm,
  or \"$schema\": \"./farm.schema.json\" in a JSON farm")]
    Schema,
}

/// How to reach a BIG-IP (deploy, audit --bigip).
#[derive(clap::Args)]
pub(crate) struct Remote {
    /// The BIG-IP user (deploy: the Administrator role); password from
    /// MANAGEOUT_BIGIP_PASSWORD or a prompt.
    #[arg(long, value_name = "NAME", default_value = "admin")]
    pub(crate) user: String,
    /// Trust the BIG-IP's certificate if signed by one of these (PEM); default:
    /// the system's root certificates.
    #[arg(long, value_name = "PEM", value_hint = clap::ValueHint::FilePath)]
    pub(crate) ca_file: Option<PathBuf>,
    /// Do not verify the BIG-IP's certificate (warned on every run: anyone on
    /// the path can read the password).
    #[arg(long, conflicts_with = "ca_file")]
    pub(crate) insecure: bool,
    /// Seconds to wait for one answer (twice that for a busy BIG-IP to accept a
    /// request, ten times that for an AS3 task).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub(crate) timeout: u64,
}

/// The commands with a manual page of their own.
pub(crate) const PAGES: [&str; 10] = [
    "check",
    "lookup",
    "import",
    "explain",
    "audit",
    "deploy",
    "render",
    "schema",
    "completions",
    "man",
];

/// The render targets as clap values, from the library's list.
fn dialect_parser() -> impl TypedValueParser<Value = Dialect> {
    clap::builder::PossibleValuesParser::new(Dialect::ALL.map(Dialect::as_str))
        .map(|s| s.parse::<Dialect>().expect("a listed dialect"))
}

fn target_parser() -> impl TypedValueParser<Value = Target> {
    clap::builder::PossibleValuesParser::new(Target::ALL.map(Target::as_str))
        .map(|s| s.parse::<Target>().expect("a listed target"))
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}
