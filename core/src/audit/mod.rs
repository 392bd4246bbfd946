//! Checking a running BIG-IP configuration against the farm (`manageout audit`).
//!
//! [`audit`] reads BIG-IP configuration text (`bigip.conf`, or `tmsh list ltm ...`
//! output; several files at once), finds the virtual servers whose destination
//! network overlaps each farm prefix, and reports what would break Manage Out as
//! diagnostics MO100-MO113, each pointing at its file and line:
//!
//! | code | severity | finding |
//! |---|---|---|
//! | MO100 | error | the configuration text has unbalanced braces |
//! | MO101 | error | a farm prefix has no virtual server: Manage Out to those clients fails |
//! | MO102 | error | a virtual's destination/mask differs from the farm prefix it overlaps |
//! | MO103 | error | the virtual has no pool, an undefined pool, or a pool without members |
//! | MO104 | error | a pool member (or an `ip-forward` route's gateway) is not the owning server |
//! | MO105 | error | a pool member listens on a port other than any (0) |
//! | MO106 | error | `translate-address enabled`: packets would be rewritten to the DA server's address |
//! | MO107 | error | source address translation (automap, SNAT pool) hides the management server |
//! | MO108 | error | the virtual is disabled |
//! | MO109 | warning | the virtual listens on all VLANs |
//! | MO110 | warning | the virtual uses no fastL4 profile |
//! | MO111 | warning | a Manage Out-looking virtual matches no farm server (stale?) |
//! | MO112 | error | two virtuals have the same destination and mask |
//! | MO113 | error | an `ip-forward` virtual has no `net route` for the prefix |
//! | MO114 | warning | a name from the configuration cannot be written safely into a script |
//! | MO115 | warning | a virtual whose destination cannot be read (not checked) |
//!
//! A farm steered the other valid way, an `ip-forward` virtual plus a `net route`
//! to the server for the prefix, is correct. `translate-address` is reported only
//! when the text says `enabled` (bigip.conf lists it; defaults differ by version).
//!
//! ```
//! use manageout::{audit, Farm, Source};
//! let farm = Farm::from_file("../examples/seed-fixed.toml")?.into_valid_farm()?;
//! let conf = manageout::render::render(&farm, manageout::render::Target::BigipConf, &Default::default())?.text;
//! let clean = audit::audit(&farm, &[Source { name: "bigip.conf".into(), text: conf.clone() }]);
//! assert!(clean.diagnostics.is_empty(), "{:?}", clean.diagnostics);
//!
//! let broken = conf.replacen("translate-address disabled", "translate-address enabled", 1);
//! let report = audit::audit(&farm, &[Source { name: "bigip.conf".into(), text: broken }]);
//! assert_eq!(report.diagnostics[0].code, "MO106");
//! assert!(report.fix(&farm).contains("tmsh delete ltm virtual /Common/article_DA1_client"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The same rules run on objects read over iControl REST ([`audit_rest`]; the
//! `manageout-bigip` crate fetches them): the REST reader (`rest`) turns each
//! object into the stanza bigip.conf would hold.
//!
//! Owns: reading a running configuration (`parse`, `model`, `rest`), the MO1xx rules
//! (`rules` over the whole configuration, `serving` for one virtual) and the fix
//! script (`fix`, which writes through the tmsh renderer). May not: quote a name
//! itself, or skip an object it cannot read without a diagnostic.

mod fix;
mod model;
mod parse;
mod rest;
mod rules;
mod serving;

use std::collections::{BTreeMap, BTreeSet};

use crate::Source;
use crate::check::ValidFarm;
use crate::diagnostic::{Code, Diagnostic, LineIndex, Omitted, Sink};
use model::{FarmRoute, Located, Virtual, read_config};
use parse::Stanza;
pub use rest::{Collection, RestObject, audit_rest, object_url};

/// What an audit found, with the texts its diagnostics point into.
#[derive(Clone, Debug)]
pub struct AuditReport {
    /// The findings, configuration file order, then farm order: the first
    /// [`MAX_DIAGNOSTICS`](crate::diagnostic::MAX_DIAGNOSTICS).
    pub diagnostics: Vec<Diagnostic>,
    /// The findings past those, counted.
    pub omitted: Omitted,
    /// Findings while the audit runs (bounded).
    sink: Sink,
    /// How many findings were pushed (for the per-virtual counts).
    pushed: usize,
    /// The configuration texts (for [`render_text_sources`](crate::diagnostic::render_text_sources)).
    pub sources: Vec<Source>,
    /// Servers (indexes) whose Manage Out objects must be (re)created.
    recreate: BTreeSet<usize>,
    /// Virtuals (full paths) to delete, with why.
    delete_virtuals: BTreeMap<String, String>,
    /// Stale virtuals (full paths): deleted only after a human checks.
    stale_virtuals: BTreeSet<String>,
    /// Virtuals and pools (full paths) defined on the box.
    existing_virtuals: BTreeSet<String>,
    existing_pools: BTreeSet<String>,
}

/// The most configuration text one audit reads, in all files together: 64 MiB
/// (each file is also limited to [`MAX_FILE_SIZE`](crate::load::MAX_FILE_SIZE)).
pub const MAX_CONFIG_TOTAL: usize = 64 * 1024 * 1024;

/// Decodes configuration file bytes as farm files are decoded: UTF-8 (a BOM is
/// dropped) or UTF-16 with a byte-order mark, at most
/// [`MAX_FILE_SIZE`](crate::load::MAX_FILE_SIZE); the error says why not.
///
/// ```
/// assert_eq!(manageout::audit::decode(b"ltm pool p { }\n").unwrap(), "ltm pool p { }\n");
/// assert!(manageout::audit::decode(&[0xff, 0x00, 0x41]).is_err());
/// ```
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    crate::load::decode(bytes).map_err(|d| match d.help {
        Some(help) if d.message.contains("larger") => format!(
            "{}; {help}",
            d.message.replace("the file", "the configuration")
        ),
        _ => format!(
            "{}; give bigip.conf or `tmsh list` output as saved on the BIG-IP",
            d.message
        ),
    })
}

/// Audits BIG-IP configuration texts (one or more files: `bigip.conf`, `tmsh list`
/// Audits BIG-IP configuration texts (one or more files: `bigip.conf`, `tmsh list`
/// output) against a checked farm.
pub fn audit(farm: &ValidFarm, configs: &[Source]) -> AuditReport {
    let mut report = AuditReport::new(configs.to_vec());
    let total: usize = configs.iter().map(|c| c.text.len()).sum();
    if total > MAX_CONFIG_TOTAL {
        let d = Diagnostic::error(
            Code::MO004,
            format!(
                "the configuration texts total {} MiB, more than the {} MiB an audit reads",
                total / (1024 * 1024),
                MAX_CONFIG_TOTAL / (1024 * 1024)
            ),
        )
        .with_help("give the bigip.conf of the partitions that hold the Manage Out objects (or `tmsh list ltm virtual` and `tmsh list ltm pool` output)");
        report.push(d);
        return report.finish();
    }
    let (trees, problems): (Vec<Vec<Stanza>>, Vec<parse::Problems>) =
        configs.iter().map(|c| parse::parse(&c.text)).unzip();
    let files: Vec<(Vec<Stanza>, &Source)> = trees.into_iter().zip(configs).collect();
    let located = Located {
        files: &files,
        lines: configs.iter().map(|c| LineIndex::new(&c.text)).collect(),
        objects: false,
    };
    rules::unbalanced(&mut report, &located, problems);
    report.check(farm, &located)
}

impl AuditReport {
    fn new(sources: Vec<Source>) -> Self {
        Self {
            diagnostics: Vec::new(),
            omitted: Omitted::default(),
            sink: Sink::new(),
            pushed: 0,
            sources,
            recreate: BTreeSet::new(),
            delete_virtuals: BTreeMap::new(),
            stale_virtuals: BTreeSet::new(),
            existing_virtuals: BTreeSet::new(),
            existing_pools: BTreeSet::new(),
        }
    }

    /// Runs every rule over the objects read (from text or from REST).
    fn check(mut self, farm: &ValidFarm, located: &Located<'_>) -> Self {
        let report = &mut self;
        let config = read_config(located.files);
        let routes: Vec<FarmRoute<'_>> = farm
            .servers
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.routes().map(move |(prefix, kind)| FarmRoute {
                    server: i,
                    name: &s.name,
                    address: s.address,
                    prefix,
                    kind,
                })
            })
            .collect();
        report.existing_virtuals = config.virtuals.iter().map(|v| v.path.clone()).collect();
        report.existing_pools = config.pools.keys().cloned().collect();
        let farm_rd = farm.bigip.route_domain.unwrap_or(0);
        let ours: Vec<&Virtual<'_>> = config
            .virtuals
            .iter()
            .filter(|v| v.dest.is_some() && v.route_domain == farm_rd)
            .collect();
        rules::duplicates(report, located, &ours);
        let ours = rules::whole_clusters(report, located, farm, &config, ours);
        rules::routes(report, located, &config, &routes, &ours);
        rules::stale(report, located, farm, &config, &routes, &ours);
        // nothing is skipped silently
        rules::unreadable(report, located, &config);
        rules::unwritable(report);
        self.finish()
    }
}

impl AuditReport {
    /// Keeps a finding: configuration files in the order given, each by position,
    /// then findings without a location (about the farm) in the order found.
    fn push(&mut self, d: Diagnostic) {
        self.pushed += 1;
        let key = match &d.location {
            Some(l) => (
                self.sources
                    .iter()
                    .position(|s| s.name == l.file)
                    .map_or(u32::MAX - 1, |i| i as u32),
                l.span.start,
            ),
            None => (u32::MAX, 0),
        };
        self.sink.push_keyed(key, d);
    }

    /// Whether any finding, listed or omitted, is an error.
    pub fn has_errors(&self) -> bool {
        self.omitted.errors > 0 || self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The findings rendered like rustc against their configuration files, with
    /// the summary line; `color` for terminals only.
    pub fn render(&self, color: bool) -> String {
        crate::diagnostic::render_text_sources(
            &self.diagnostics,
            self.omitted,
            &self.sources,
            color,
        )
    }

    /// The JSON form (as `manageout check --format json`).
    pub fn to_json(&self) -> serde_json::Value {
        crate::diagnostic::to_json(&self.diagnostics, self.omitted)
    }

    /// Moves the kept findings into `diagnostics`.
    fn finish(mut self) -> Self {
        let (diagnostics, omitted) = std::mem::take(&mut self.sink).finish();
        self.diagnostics = diagnostics;
        self.omitted = omitted;
        self
    }
}
