//! Checking a farm: every rule of the farm contract, reported all at once, and the
//! proof type [`ValidFarm`] that only a clean check produces.
//!
//! The checks run on typed values with optional spans (from
//! [`load`], or from a farm built in code, which has no spans).
//! Values are checked one at a time first (`values`, `teredo`); a value found
//! invalid there is left out of the checks between servers (`cross`), so that one
//! mistake does not cascade. Helps that need the whole farm (the nearest free
//! sibling of a prefix with host bits set) are computed before their diagnostic is
//! pushed (`hints`).
//!
//! May not: read files or text (that is `load`), or build tables and renderings
//! (they take a [`ValidFarm`]).

mod cluster;
mod cross;
mod hints;
mod manage_out;
mod teredo;
mod values;

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::{Deref, Range};
use std::path::Path;

use ipnet::Ipv6Net;

use crate::diagnostic::{Code, Diagnostic, Omitted, Phase, Sink};
use crate::error::Error;
pub use crate::load::draft::MAX_SERVERS;
use crate::load::draft::{Draft, extract};
use crate::load::{self, Format, Source, tree};
use crate::model::{Farm, RouteKind};

/// A farm that has been checked and has no error (warnings allowed): the only
/// input tables, renderers and audits take. It derefs to the [`Farm`].
///
/// ```
/// use manageout::{Farm, Server, ValidFarm};
/// let farm = Farm::new(vec![Server::new("DA1", "2131::101".parse()?, "2131:0:0:1000::/59".parse()?)]);
/// let valid = ValidFarm::new(farm)?;
/// assert_eq!(valid.servers[0].name, "DA1");
///
/// let broken = Farm::new(vec![Server::new("DA1", "2131::101".parse()?, "2131:0:0:1001::/59".parse()?)]);
/// assert!(ValidFarm::new(broken).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidFarm(Farm);

impl ValidFarm {
    /// Checks a farm built in code: the proof, or [`Error::InvalidFarm`] with every
    /// diagnostic.
    pub fn new(farm: Farm) -> Result<Self, Error> {
        let diagnostics = farm.check();
        if diagnostics.iter().any(Diagnostic::is_error) {
            Err(Error::InvalidFarm { diagnostics })
        } else {
            Ok(Self(farm))
        }
    }

    /// The farm.
    pub fn farm(&self) -> &Farm {
        &self.0
    }

    /// The farm, giving up the proof.
    pub fn into_farm(self) -> Farm {
        self.0
    }
}

impl Deref for ValidFarm {
    type Target = Farm;

    fn deref(&self) -> &Farm {
        &self.0
    }
}

/// A farm read from text (or data), with every diagnostic found.
///
/// ```
/// let report = manageout::Farm::from_toml_str("[[server]]\nname = \"DA1\"\n", "farm.toml");
/// assert!(report.has_errors());
/// assert_eq!(report.diagnostics[0].code, "MO002"); // address and client_prefix missing
/// assert!(report.valid_farm().is_err());
/// ```
#[derive(Clone, Debug)]
pub struct FarmReport {
    outcome: Outcome,
    /// The problems found, in file order: the first
    /// [`MAX_DIAGNOSTICS`](crate::diagnostic::MAX_DIAGNOSTICS).
    pub diagnostics: Vec<Diagnostic>,
    /// The problems found past those, counted.
    pub omitted: Omitted,
    /// The text the diagnostics point into, when the farm came from text.
    pub source: Option<Source>,
}

#[derive(Clone, Debug)]
enum Outcome {
    /// Some value could not be read.
    Unread,
    /// Every value was read, and checks found errors.
    Invalid(Farm),
    /// Clean.
    Valid(ValidFarm),
}

impl FarmReport {
    fn new(farm: Option<Farm>, sink: Sink, source: Option<Source>, locate: Locate<'_>) -> Self {
        let (mut diagnostics, omitted) = sink.finish();
        locate.resolve(&mut diagnostics);
        let errors = omitted.errors > 0 || diagnostics.iter().any(Diagnostic::is_error);
        let outcome = match farm {
            None => Outcome::Unread,
            Some(f) if errors => Outcome::Invalid(f),
            Some(f) => Outcome::Valid(ValidFarm(f)),
        };
        Self {
            outcome,
            diagnostics,
            omitted,
            source,
        }
    }

    /// The farm, when all of its values could be read (it may still have errors).
    pub fn farm(&self) -> Option<&Farm> {
        match &self.outcome {
            Outcome::Unread => None,
            Outcome::Invalid(f) => Some(f),
            Outcome::Valid(v) => Some(v),
        }
    }

    /// The checked farm, or [`Error::InvalidFarm`] with the diagnostics.
    pub fn valid_farm(&self) -> Result<&ValidFarm, Error> {
        match &self.outcome {
            Outcome::Valid(v) => Ok(v),
            _ => Err(self.invalid()),
        }
    }

    /// The checked farm, or [`Error::InvalidFarm`], consuming the report.
    pub fn into_valid_farm(self) -> Result<ValidFarm, Error> {
        match self.outcome {
            Outcome::Valid(v) => Ok(v),
            _ => Err(Error::InvalidFarm {
                diagnostics: self.diagnostics,
            }),
        }
    }

    /// The lookup table, or [`Error::InvalidFarm`].
    pub fn table(&self) -> Result<crate::Table, Error> {
        self.valid_farm().map(crate::Table::new)
    }

    fn invalid(&self) -> Error {
        Error::InvalidFarm {
            diagnostics: self.diagnostics.clone(),
        }
    }

    /// Adds `check --whole-path`'s warnings (MO050, one per part of Manage Out
    /// the farm leaves undefined: self IP, internal prefix, management servers,
    /// services, GPO), when the farm could be read.
    ///
    /// ```
    /// let mut report = manageout::Farm::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/seed-fixed.toml"))?;
    /// report.add_whole_path();
    /// assert_eq!(report.diagnostics.iter().filter(|d| d.code == "MO050").count(), 4);
    /// let mut whole = manageout::Farm::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/whole-path.toml"))?;
    /// whole.add_whole_path();
    /// assert!(whole.diagnostics.is_empty());
    /// # Ok::<(), manageout::Error>(())
    /// ```
    pub fn add_whole_path(&mut self) {
        if let Some(farm) = self.farm() {
            let extra = manage_out::whole_path(farm);
            self.diagnostics.extend(extra);
        }
    }

    /// Whether any diagnostic, listed or omitted, is an error.
    pub fn has_errors(&self) -> bool {
        self.omitted.errors > 0 || self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Errors and warnings, the omitted ones included.
    pub fn counts(&self) -> (usize, usize) {
        let (e, w) = crate::diagnostic::count(&self.diagnostics);
        (e + self.omitted.errors, w + self.omitted.warnings)
    }

    /// The phase of the first error found (`Syntax` or `Schema` when the file
    /// could not be read as a farm at all), or `None` without errors.
    ///
    /// ```
    /// use manageout::diagnostic::Phase;
    /// let r = manageout::Farm::from_toml_str("[[server]\n", "f.toml");
    /// assert_eq!(r.first_error_phase(), Some(Phase::Syntax));
    /// ```
    pub fn first_error_phase(&self) -> Option<Phase> {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.phase())
            .min()
    }

    /// The diagnostics rendered like rustc, with the summary line; `color` for
    /// terminals only.
    pub fn render(&self, color: bool) -> String {
        crate::diagnostic::render_text_sources(
            &self.diagnostics,
            self.omitted,
            self.source.as_slice(),
            color,
        )
    }

    /// The JSON form of `manageout check --format json`
    /// ([`diagnostic::to_json`](crate::diagnostic::to_json)).
    pub fn to_json(&self) -> serde_json::Value {
        crate::diagnostic::to_json(&self.diagnostics, self.omitted)
    }
}

/// Where diagnostics point: into a text (file, line, column), or, for a farm
/// given as data, to key paths.
enum Locate<'a> {
    Text(&'a str, &'a str),
    Paths(&'a [String]),
    Nowhere,
}

impl Locate<'_> {
    fn resolve(&self, diags: &mut [Diagnostic]) {
        match self {
            Self::Text(name, text) => {
                let lines = crate::diagnostic::LineIndex::new(text);
                for d in diags {
                    if let Some(span) = d.span().cloned() {
                        let (line, column) = lines.position(text, span.start);
                        d.location = Some(crate::diagnostic::Location {
                            file: (*name).to_owned(),
                            line,
                            column,
                            span,
                        });
                    }
                }
            }
            Self::Paths(paths) => {
                for d in diags {
                    if let Some(span) = d.span() {
                        d.path = paths.get(span.start).cloned().filter(|p| !p.is_empty());
                    }
                }
            }
            Self::Nowhere => {}
        }
    }
}

/// Runs every check on a draft; the typed farm when every value could be read
/// (it may still have errors).
fn check_draft(draft: &Draft, sink: &mut Sink) -> Option<Farm> {
    Checker {
        diags: sink,
        host_bits: Vec::new(),
        shape: cluster::Shape::of(draft),
    }
    .run(draft)
}

fn report_from_text(text: String, name: &str, format: Option<Format>) -> FarmReport {
    let format = format.unwrap_or_else(|| Format::detect(name, &text));
    let mut sink = Sink::new();
    let farm = match tree::parse(&text, format) {
        Ok(root) => {
            let draft = extract(&root, &mut sink);
            drop(root);
            check_draft(&draft, &mut sink)
        }
        Err(d) => {
            sink.push(d);
            None
        }
    };
    let source = Source {
        name: name.to_owned(),
        text,
    };
    let locate = Locate::Text(name, &source.text);
    // `locate` borrows the text only while the report is built
    let report = FarmReport::new(farm, sink, None, locate);
    FarmReport {
        source: Some(source),
        ..report
    }
}

impl Farm {
    /// Reads and checks a farm file (TOML, or JSON when it ends in `.json` or starts
    /// with `{`). Fails only when the file cannot be read ([`Error::Io`]);
    /// everything else, including files that are not text or too large, is a
    /// diagnostic in the report.
    pub fn from_file(path: impl AsRef<Path>) -> Result<FarmReport, Error> {
        let path = path.as_ref();
        let bytes = load::read_input(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self::from_bytes(&bytes, &path.display().to_string()))
    }

    /// Checks farm file bytes; `name` is shown in diagnostics and picks the format.
    pub fn from_bytes(bytes: &[u8], name: &str) -> FarmReport {
        match load::decode(bytes) {
            Ok(text) => report_from_text(text, name, None),
            Err(d) => {
                let mut sink = Sink::new();
                sink.push(d.at(Some(&(0..0))));
                FarmReport::new(None, sink, None, Locate::Text(name, ""))
            }
        }
    }

    /// Checks farm text in TOML; `name` is shown in diagnostics.
    pub fn from_toml_str(text: &str, name: &str) -> FarmReport {
        report_from_text(text.to_owned(), name, Some(Format::Toml))
    }

    /// Checks farm text in JSON; `name` is shown in diagnostics.
    pub fn from_json_str(text: &str, name: &str) -> FarmReport {
        report_from_text(text.to_owned(), name, Some(Format::Json))
    }

    /// Checks a farm given as a JSON value (the same structure as the file), such as
    /// a binding builds from a dict: diagnostics carry no file position but the
    /// key path of the value they are about ([`Diagnostic::path`]).
    ///
    /// ```
    /// let v = serde_json::json!({"server": [{"name": "DA1", "address": "nope", "client_prefix": "2131:0:0:1000::/59"}]});
    /// let report = manageout::Farm::from_json_value(&v);
    /// assert_eq!(report.diagnostics[0].path.as_deref(), Some("server[0].address"));
    /// ```
    pub fn from_json_value(value: &serde_json::Value) -> FarmReport {
        let mut paths = Vec::new();
        let root = tree::from_json_value(value, &mut paths);
        let mut sink = Sink::new();
        let draft = extract(&root, &mut sink);
        let farm = check_draft(&draft, &mut sink);
        FarmReport::new(farm, sink, None, Locate::Paths(&paths))
    }

    /// Checks the farm against every rule and returns all diagnostics (errors and
    /// warnings); an empty list means the farm is clean.
    ///
    /// ```
    /// use manageout::{Farm, Server};
    /// let farm = Farm::new(vec![
    ///     Server::new("DA1", "2131::101".parse()?, "2131:0:0:1000::/59".parse()?),
    ///     Server::new("DA2", "2131::201".parse()?, "2131:0:0:1001::/59".parse()?),
    /// ]);
    /// let diags = farm.check();
    /// assert_eq!(diags.len(), 1);
    /// assert_eq!(diags[0].code, "MO012");
    /// assert!(diags[0].help.as_deref().unwrap().contains("2131:0:0:1020::/59"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self) -> Vec<Diagnostic> {
        let mut sink = Sink::new();
        check_draft(&Draft::of(self), &mut sink);
        let mut diags = sink.finish().0;
        Locate::Nowhere.resolve(&mut diags);
        diags
    }
}

/// A value that was read; `ok` is false when a value check (MO012-MO014, MO018,
/// MO031) already reported it, which keeps it out of the checks between servers.
#[derive(Clone, Debug)]
struct Val<T> {
    value: T,
    span: Option<Range<usize>>,
    ok: bool,
}

/// One server's values after the value checks.
#[derive(Clone, Debug, Default)]
struct Checked {
    name: Option<Val<String>>,
    address: Option<Val<Ipv6Addr>>,
    client_prefix: Option<Val<Ipv6Net>>,
    entry_point: Option<Val<String>>,
    teredo: bool,
    teredo_ipv4: Option<Val<Ipv4Addr>>,
    teredo_prefix: Option<Val<Ipv6Net>>,
    vpn_prefix: Option<Val<Ipv6Net>>,
}

/// A route taking part in the checks between servers.
#[derive(Clone, Debug)]
struct RouteRef {
    server: usize,
    prefix: Ipv6Net,
    kind: RouteKind,
    span: Option<Range<usize>>,
}

impl RouteRef {
    fn field(&self) -> &'static str {
        field_of(self.kind)
    }
}

/// The farm field of a route kind.
fn field_of(kind: RouteKind) -> &'static str {
    match kind {
        RouteKind::Client => "client_prefix",
        RouteKind::Vpn => "vpn_prefix",
        RouteKind::Teredo => "teredo_prefix",
    }
}

/// Who a route belongs to for the overlap rules: a named entry point (compared
/// without case), or a server without one, which is an entry point of its own.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum EntryPoint {
    Named(String),
    Own(usize),
}

/// The checks' state: where diagnostics go, and the MO012 diagnostics that wait
/// for their help.
struct Checker<'d> {
    diags: &'d mut Sink,
    /// MO012 diagnostics waiting for their help (the nearest free sibling needs
    /// every server's prefixes): server index, field, diagnostic.
    host_bits: Vec<(usize, &'static str, Diagnostic)>,
    /// What kind of farm this is (load-balanced, multisite).
    shape: cluster::Shape,
}

impl Checker<'_> {
    fn push(&mut self, d: Diagnostic, span: Option<&Range<usize>>) {
        self.diags.push(d.at(span));
    }

    fn run(&mut self, draft: &Draft) -> Option<Farm> {
        // MO005 (too many servers) is reported while reading a file, which reads
        // only the first MAX_SERVERS; a farm built in code is refused here
        let too_many = draft.server_count > MAX_SERVERS;
        if draft.servers.len() > MAX_SERVERS {
            let d = Diagnostic::error(
                Code::MO005,
                format!(
                    "the farm lists {} servers; at most {MAX_SERVERS} are accepted",
                    draft.servers.len()
                ),
            )
            .with_field("server")
            .with_help("list one entry per DA server or load-balanced node");
            self.push(d, draft.servers_span.as_ref());
            return None;
        }
        let settings = self.settings(draft);
        let mut servers: Vec<Checked> = draft
            .servers
            .iter()
            .enumerate()
            .map(|(i, s)| self.server(i, s))
            .collect();
        let entry_points = self.entry_points(draft, &mut servers);
        let routes = self.cross_checks(&servers, settings.internal.as_ref(), draft);
        self.host_bits_help(&servers, &routes, settings.internal.as_ref());
        let (self_ip, manage_out) =
            self.manage_out(draft, &servers, &routes, settings.internal.as_ref());

        // the typed farm, when every value could be read
        if too_many || draft.unreadable || draft.servers.iter().any(|s| s.unreadable) {
            return None;
        }
        let entry_points = entry_points
            .iter()
            .map(cluster::CheckedEntryPoint::typed)
            .collect::<Option<Vec<_>>>()?;
        let mut typed = Vec::with_capacity(servers.len());
        for c in servers {
            typed.push(crate::model::Server {
                name: c.name?.value,
                address: c.address?.value,
                client_prefix: c.client_prefix?.value,
                entry_point: c.entry_point.map(|e| e.value),
                teredo: c.teredo,
                teredo_ipv4: c.teredo_ipv4.map(|v| v.value),
                teredo_prefix: c.teredo_prefix.map(|v| v.value),
                vpn_prefix: c.vpn_prefix.map(|v| v.value),
            });
        }
        let mut bigip = settings.bigip?;
        bigip.self_ip = self_ip;
        Some(Farm {
            name: settings.name,
            internal_prefix: settings.internal.map(|v| v.value),
            windows7_clients: settings.windows7_clients,
            bigip,
            servers: typed,
            entry_points,
            manage_out,
        })
    }
}
