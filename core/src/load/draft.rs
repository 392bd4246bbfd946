//! The farm as written, read out of the syntax tree into typed values, each with
//! the span it came from: unknown keys, missing keys and wrong types (MO002), no
//! servers or too many (MO003, MO005), and values that do not parse (MO010 an
//! address, MO011 a prefix, MO031 a Teredo value) are reported here, so that the
//! checks work on typed values only.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use ipnet::Ipv6Net;

mod values;

use super::tree::{Entry, Kind, Node};
use crate::diagnostic::{Code, Diagnostic, Sink};

/// The most servers a farm may list (a DirectAccess deployment has at most a few
/// dozen entry points and nodes); more is MO005, and the rest is not read.
pub const MAX_SERVERS: usize = 4096;

/// A value taken from the document, with its span (`None` for a farm built in
/// code).
#[derive(Clone, Debug)]
pub(crate) struct Sp<T> {
    pub(crate) value: T,
    pub(crate) span: Option<Range<usize>>,
}

impl<T> Sp<T> {
    pub(crate) fn bare(value: T) -> Self {
        Self { value, span: None }
    }
}

/// One `[[server]]` entry: the values that could be read.
#[derive(Clone, Debug, Default)]
pub(crate) struct DraftServer {
    pub(crate) name: Option<Sp<String>>,
    pub(crate) address: Option<Sp<Ipv6Addr>>,
    pub(crate) client_prefix: Option<Sp<Ipv6Net>>,
    pub(crate) entry_point: Option<Sp<String>>,
    pub(crate) teredo: Option<Sp<bool>>,
    pub(crate) teredo_ipv4: Option<Sp<Ipv4Addr>>,
    pub(crate) teredo_prefix: Option<Sp<Ipv6Net>>,
    pub(crate) vpn_prefix: Option<Sp<Ipv6Net>>,
    /// A value was given that could not be read (already reported): the farm is
    /// incomplete, though its other values are still checked.
    pub(crate) unreadable: bool,
    /// The `[[server]]` table's span.
    pub(crate) span: Option<Range<usize>>,
}

/// One `[[entry_point]]` entry: a load-balanced entry point.
#[derive(Clone, Debug, Default)]
pub(crate) struct DraftEntryPoint {
    pub(crate) name: Option<Sp<String>>,
    pub(crate) client_prefix: Option<Sp<Ipv6Net>>,
    pub(crate) vip: Option<Sp<Ipv6Addr>>,
    pub(crate) load_balancer: Option<Sp<String>>,
    /// A value was given that could not be read (already reported).
    pub(crate) unreadable: bool,
    /// The `[[entry_point]]` table's span.
    pub(crate) span: Option<Range<usize>>,
}

/// `[manage_out]` as written: the management servers and services as strings
/// (each is read, with its own diagnostic, by the checks).
#[derive(Clone, Debug, Default)]
pub(crate) struct DraftManageOut {
    pub(crate) management_servers: Option<Sp<Vec<Sp<String>>>>,
    pub(crate) services: Option<Sp<Vec<Sp<String>>>>,
    pub(crate) gpo: Option<Sp<String>>,
}

/// The whole farm as written, typed, before the checks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Draft {
    pub(crate) name: Option<Sp<String>>,
    pub(crate) internal_prefix: Option<Sp<Ipv6Net>>,
    pub(crate) windows7_clients: Option<Sp<bool>>,
    pub(crate) partition: Option<Sp<String>>,
    pub(crate) vlans: Option<Sp<Vec<Sp<String>>>>,
    pub(crate) route_domain: Option<Sp<i64>>,
    pub(crate) monitor: Option<Sp<String>>,
    pub(crate) sync_group: Option<Sp<String>>,
    pub(crate) self_ip: Option<Sp<Ipv6Addr>>,
    pub(crate) manage_out: DraftManageOut,
    pub(crate) servers: Vec<DraftServer>,
    pub(crate) entry_points: Vec<DraftEntryPoint>,
    /// How many `[[server]]` entries the file has (only the first
    /// [`MAX_SERVERS`] are read).
    pub(crate) server_count: usize,
    pub(crate) servers_span: Option<Range<usize>>,
    /// A farm-level value could not be read (already reported).
    pub(crate) unreadable: bool,
}

impl Draft {
    /// The draft of a farm built in code: every value typed, no spans.
    pub(crate) fn of(farm: &crate::Farm) -> Self {
        let s = |x: &str| Some(Sp::bare(x.to_owned()));
        Self {
            name: farm.name.as_deref().and_then(s),
            internal_prefix: farm.internal_prefix.map(Sp::bare),
            windows7_clients: Some(Sp::bare(farm.windows7_clients)),
            partition: s(&farm.bigip.partition),
            vlans: farm
                .bigip
                .vlans
                .as_ref()
                .map(|v| Sp::bare(v.iter().map(|x| Sp::bare(x.clone())).collect())),
            route_domain: farm.bigip.route_domain.map(|r| Sp::bare(i64::from(r))),
            monitor: farm.bigip.monitor.as_deref().and_then(s),
            sync_group: farm.bigip.sync_group.as_deref().and_then(s),
            self_ip: farm.bigip.self_ip.map(Sp::bare),
            manage_out: DraftManageOut {
                management_servers: (!farm.manage_out.management_servers.is_empty()).then(|| {
                    Sp::bare(
                        farm.manage_out
                            .management_servers
                            .iter()
                            .map(|n| Sp::bare(crate::net::address_or_prefix(n)))
                            .collect(),
                    )
                }),
                services: (!farm.manage_out.services.is_empty()).then(|| {
                    Sp::bare(
                        farm.manage_out
                            .services
                            .iter()
                            .map(|x| Sp::bare(x.to_string()))
                            .collect(),
                    )
                }),
                gpo: farm.manage_out.gpo.as_deref().and_then(s),
            },
            servers: farm
                .servers
                .iter()
                .map(|sv| DraftServer {
                    name: s(&sv.name),
                    address: Some(Sp::bare(sv.address)),
                    client_prefix: Some(Sp::bare(sv.client_prefix)),
                    entry_point: sv.entry_point.as_deref().and_then(s),
                    teredo: Some(Sp::bare(sv.teredo)),
                    teredo_ipv4: sv.teredo_ipv4.map(Sp::bare),
                    teredo_prefix: sv.teredo_prefix.map(Sp::bare),
                    vpn_prefix: sv.vpn_prefix.map(Sp::bare),
                    unreadable: false,
                    span: None,
                })
                .collect(),
            entry_points: farm
                .entry_points
                .iter()
                .map(|e| DraftEntryPoint {
                    name: s(&e.name),
                    client_prefix: Some(Sp::bare(e.client_prefix)),
                    vip: e.vip.map(Sp::bare),
                    load_balancer: s(e.load_balancer.as_str()),
                    unreadable: false,
                    span: None,
                })
                .collect(),
            server_count: farm.servers.len(),
            servers_span: None,
            unreadable: false,
        }
    }
}

pub(super) const TOP_KEYS: &[&str] = &["farm", "bigip", "manage_out", "server", "entry_point"];
pub(super) const ENTRY_POINT_KEYS: &[&str] = &["name", "client_prefix", "vip", "load_balancer"];
pub(super) const FARM_KEYS: &[&str] = &["name", "internal_prefix", "windows7_clients"];
pub(super) const BIGIP_KEYS: &[&str] = &[
    "partition",
    "vlans",
    "route_domain",
    "monitor",
    "self_ip",
    "sync_group",
];
/// The keys of `[manage_out]`.
pub(super) const MANAGE_OUT_KEYS: &[&str] = &["management_servers", "services", "gpo"];
pub(super) const SERVER_KEYS: &[&str] = &[
    "name",
    "address",
    "client_prefix",
    "entry_point",
    "teredo",
    "teredo_ipv4",
    "teredo_prefix",
    "vpn_prefix",
];

/// Walks the document tree into a [`Draft`], reporting every unknown key, missing
/// key and wrong type (MO002) and a farm without servers (MO003).
pub(crate) fn extract(root: &Node, diags: &mut Sink) -> Draft {
    Extractor { diags }.draft(root)
}

struct Extractor<'d> {
    diags: &'d mut Sink,
}

impl Extractor<'_> {
    fn push(&mut self, d: Diagnostic, span: Option<&Range<usize>>) {
        self.diags.push(d.at(span));
    }

    fn draft(&mut self, root: &Node) -> Draft {
        let mut draft = Draft::default();
        let Some(entries) = self.table(root, "the farm file", None, "") else {
            return draft;
        };
        let mut saw_servers = false;
        for e in entries {
            match e.key.as_str() {
                "farm" => self.farm_section(&e.value, &mut draft),
                "bigip" => self.bigip_section(&e.value, &mut draft),
                "manage_out" => self.manage_out_section(&e.value, &mut draft),
                "server" => {
                    saw_servers = true;
                    self.servers(e, &mut draft);
                }
                "entry_point" => self.entry_points(e, &mut draft),
                // the editor's pointer to the schema (`manageout schema`)
                "$schema" => {
                    self.string(&e.value, "$schema", None);
                }
                _ => {
                    self.unknown(e, "the farm file", TOP_KEYS, &e.key, None);
                }
            }
        }
        self.missing_client_prefixes(&draft);
        let server_key_wrong = self
            .diags
            .iter()
            .any(|d| d.code == Code::MO002 && d.field.as_deref() == Some("server"));
        if draft.server_count == 0 && !server_key_wrong {
            let d = Diagnostic::error(Code::MO003, "the farm has no servers").with_help(
                "add one `[[server]]` table per DA server (or per load-balanced entry point) with name, address and client_prefix",
            );
            // point at the `server` key, or at the start of a file without one
            let span = if saw_servers {
                draft.servers_span.clone()
            } else {
                root.span.as_ref().map(|_| 0..0)
            };
            self.push(d, span.as_ref());
        }
        draft
    }

    /// `[farm]`.
    fn farm_section(&mut self, node: &Node, draft: &mut Draft) {
        for f in self.table(node, "[farm]", None, "farm").unwrap_or_default() {
            let field = format!("farm.{}", f.key);
            match f.key.as_str() {
                "name" => draft.name = self.string(&f.value, &field, None),
                "internal_prefix" => {
                    draft.internal_prefix = self.prefix(
                        &f.value,
                        "farm.internal_prefix",
                        None,
                        &mut draft.unreadable,
                    );
                }
                "windows7_clients" => {
                    draft.windows7_clients = self.boolean(&f.value, &field, None);
                }
                _ => {
                    self.unknown(f, "[farm]", FARM_KEYS, &field, None);
                }
            }
        }
    }

    /// `[bigip]`.
    fn bigip_section(&mut self, node: &Node, draft: &mut Draft) {
        for f in self
            .table(node, "[bigip]", None, "bigip")
            .unwrap_or_default()
        {
            let field = format!("bigip.{}", f.key);
            match f.key.as_str() {
                "partition" => draft.partition = self.string(&f.value, &field, None),
                "monitor" => draft.monitor = self.string(&f.value, &field, None),
                "sync_group" => draft.sync_group = self.string(&f.value, &field, None),
                "route_domain" => draft.route_domain = self.integer(&f.value, &field, None),
                "vlans" => draft.vlans = self.string_array(&f.value, &field),
                "self_ip" => {
                    draft.self_ip =
                        self.address_of(&f.value, "bigip.self_ip", None, &mut draft.unreadable);
                }
                _ => {
                    self.unknown(f, "[bigip]", BIGIP_KEYS, &field, None);
                }
            }
        }
    }

    /// `[manage_out]`.
    fn manage_out_section(&mut self, node: &Node, draft: &mut Draft) {
        for f in self
            .table(node, "[manage_out]", None, "manage_out")
            .unwrap_or_default()
        {
            let field = format!("manage_out.{}", f.key);
            let m = &mut draft.manage_out;
            match f.key.as_str() {
                "management_servers" => m.management_servers = self.string_array(&f.value, &field),
                "services" => m.services = self.string_array(&f.value, &field),
                "gpo" => m.gpo = self.string(&f.value, &field, None),
                _ => {
                    self.unknown(f, "[manage_out]", MANAGE_OUT_KEYS, &field, None);
                }
            }
        }
    }

    /// `[[server]]`: past [`MAX_SERVERS`] the farm is refused (MO005) and the
    /// rest is not read.
    fn servers(&mut self, e: &Entry, draft: &mut Draft) {
        draft.servers_span = e.key_span.clone();
        let Kind::Array(items) = &e.value.kind else {
            let d = Diagnostic::error(
                Code::MO002,
                format!(
                    "`server` must be an array of tables, found {}",
                    e.value.kind.type_name()
                ),
            )
            .with_field("server")
            .with_help(
                "write each server as a `[[server]]` table (in JSON: \"server\": [{...}, ...])",
            );
            self.push(d, e.value.span.as_ref());
            return;
        };
        draft.server_count = items.len();
        if items.len() > MAX_SERVERS {
            let d = Diagnostic::error(
                Code::MO005,
                format!(
                    "the farm lists {} servers; at most {MAX_SERVERS} are accepted",
                    items.len()
                ),
            )
            .with_field("server")
            .with_help(
                "list one entry per DA server or load-balanced node; only the first servers are checked",
            );
            self.push(d, e.key_span.as_ref());
        }
        for item in items.iter().take(MAX_SERVERS) {
            draft.servers.push(self.server(item));
        }
    }

    fn server(&mut self, node: &Node) -> DraftServer {
        let mut s = DraftServer {
            span: node.span.clone(),
            ..DraftServer::default()
        };
        let Some(entries) = self.table(node, "a [[server]] entry", None, "server") else {
            return s;
        };
        // the name first, so that every other diagnostic can name the server
        if let Some(e) = entries.iter().find(|e| e.key == "name") {
            s.name = self.string(&e.value, "name", None);
        }
        let name = s.name.as_ref().map(|n| n.value.clone());
        let name = name.as_deref();
        let mut suggested: Vec<&str> = Vec::new();
        for e in entries {
            let f = e.key.as_str();
            match f {
                "name" => {}
                "address" => s.address = self.address(&e.value, name, &mut s.unreadable),
                "client_prefix" => {
                    s.client_prefix =
                        self.prefix(&e.value, "client_prefix", name, &mut s.unreadable);
                }
                "entry_point" => s.entry_point = self.string(&e.value, f, name),
                "teredo" => s.teredo = self.boolean(&e.value, f, name),
                "teredo_ipv4" => s.teredo_ipv4 = self.ipv4(&e.value, name, &mut s.unreadable),
                "teredo_prefix" => {
                    s.teredo_prefix =
                        self.prefix(&e.value, "teredo_prefix", name, &mut s.unreadable);
                }
                "vpn_prefix" => {
                    s.vpn_prefix = self.prefix(&e.value, "vpn_prefix", name, &mut s.unreadable);
                }
                _ => {
                    if let Some(k) = self.unknown(e, "[[server]]", SERVER_KEYS, f, name) {
                        suggested.push(k);
                    }
                }
            }
        }
        for (key, present, example) in [
            ("name", s.name.is_some(), "name = \"DA1\""),
            ("address", s.address.is_some(), "address = \"2131::101\""),
            (
                "client_prefix",
                s.client_prefix.is_some(),
                "client_prefix = \"2131:0:0:1000::/59\"",
            ),
        ] {
            // a misspelt key already says what is missing; a node of an entry
            // point may leave its /64 out (the check says how to find it, or this
            // draft's end that it is missing after all)
            let given = entries.iter().any(|e| e.key == key) || suggested.contains(&key);
            let deferred = key == "client_prefix" && s.entry_point.is_some();
            if !present && !given && !deferred {
                let d = Diagnostic::error(Code::MO002,
                    format!("server is missing the required key `{key}`"),
                )
                .with_server(name)
                .with_field(key)
                .with_help(format!(
                    "add `{example}` to this [[server]] table (client_prefix is `Get-DAServer | ft ClientIPv6Prefix`)"
                ));
                self.push(d, node.span.as_ref());
            }
        }
        s
    }

    /// `[[entry_point]]`: the load-balanced entry points, at most [`MAX_SERVERS`].
    fn entry_points(&mut self, e: &Entry, draft: &mut Draft) {
        let Kind::Array(items) = &e.value.kind else {
            let d = Diagnostic::error(
                Code::MO002,
                format!(
                    "`entry_point` must be an array of tables, found {}",
                    e.value.kind.type_name()
                ),
            )
            .with_field("entry_point")
            .with_help("write each load-balanced entry point as an `[[entry_point]]` table with name and client_prefix");
            self.push(d, e.value.span.as_ref());
            return;
        };
        if items.len() > MAX_SERVERS {
            let d = Diagnostic::error(
                Code::MO005,
                format!(
                    "the farm lists {} entry points; at most {MAX_SERVERS} are accepted",
                    items.len()
                ),
            )
            .with_field("entry_point")
            .with_help("declare each load-balanced entry point once");
            self.push(d, e.key_span.as_ref());
            draft.unreadable = true;
        }
        for item in items.iter().take(MAX_SERVERS) {
            draft.entry_points.push(self.entry_point(item));
        }
    }

    fn entry_point(&mut self, node: &Node) -> DraftEntryPoint {
        let mut ep = DraftEntryPoint {
            span: node.span.clone(),
            ..DraftEntryPoint::default()
        };
        let Some(entries) = self.table(node, "an [[entry_point]] entry", None, "entry_point")
        else {
            ep.unreadable = true;
            return ep;
        };
        let mut suggested: Vec<&str> = Vec::new();
        for e in entries {
            let field = format!("entry_point.{}", e.key);
            match e.key.as_str() {
                "name" => ep.name = self.string(&e.value, &field, None),
                "client_prefix" => {
                    ep.client_prefix = self.prefix(
                        &e.value,
                        "entry_point.client_prefix",
                        None,
                        &mut ep.unreadable,
                    );
                }
                "vip" => {
                    ep.vip = self.address_of(&e.value, "entry_point.vip", None, &mut ep.unreadable)
                }
                "load_balancer" => ep.load_balancer = self.string(&e.value, &field, None),
                _ => {
                    if let Some(k) =
                        self.unknown(e, "[[entry_point]]", ENTRY_POINT_KEYS, &field, None)
                    {
                        suggested.push(k);
                    }
                }
            }
        }
        for (key, present, example) in [
            ("name", ep.name.is_some(), "name = \"Cluster1\""),
            (
                "client_prefix",
                ep.client_prefix.is_some(),
                "client_prefix = \"2131:0:0:1000::/59\"",
            ),
        ] {
            let given = entries.iter().any(|e| e.key == key) || suggested.contains(&key);
            if !present && !given {
                let d = Diagnostic::error(
                    Code::MO002,
                    format!("entry point is missing the required key `{key}`"),
                )
                .with_field(format!("entry_point.{key}"))
                .with_help(format!(
                    "add `{example}` to this [[entry_point]] table (client_prefix is what every node's `Get-DAServer | ft ClientIPv6Prefix` shows)"
                ));
                self.push(d, node.span.as_ref());
                ep.unreadable = true;
            }
        }
        ep
    }

    /// A server that names an entry point but has no `client_prefix`: a node of a
    /// declared `[[entry_point]]` is left to the check (MO027 says how to find its
    /// /64); any other server is missing a required key.
    fn missing_client_prefixes(&mut self, draft: &Draft) {
        let declared: std::collections::HashSet<String> = draft
            .entry_points
            .iter()
            .filter_map(|e| e.name.as_ref().map(|n| n.value.to_ascii_lowercase()))
            .collect();
        for s in &draft.servers {
            let Some(ep) = s.entry_point.as_ref() else {
                continue;
            };
            if s.client_prefix.is_some()
                || s.unreadable
                || declared.contains(&ep.value.to_ascii_lowercase())
            {
                continue;
            }
            let d = Diagnostic::error(Code::MO002, "server is missing the required key `client_prefix`")
                .with_server(s.name.as_ref().map(|n| n.value.as_str()))
                .with_field("client_prefix")
                .with_help(format!(
                    "add `client_prefix = \"2131:0:0:1000::/59\"` to this [[server]] table (`Get-DAServer | ft ClientIPv6Prefix`), or declare its entry point `{}` with an [[entry_point]] table if it is a node of a load-balanced cluster",
                    ep.value
                ));
            self.push(d, s.span.as_ref());
        }
    }

    fn table<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        server: Option<&str>,
        field: &str,
    ) -> Option<&'n [Entry]> {
        match &node.kind {
            Kind::Table(entries) => Some(entries),
            other => {
                let mut d = Diagnostic::error(
                    Code::MO002,
                    format!("{what} must be a table, found {}", other.type_name()),
                )
                .with_server(server)
                .with_help("see the farm file reference in the README");
                if !field.is_empty() {
                    d = d.with_field(field);
                }
                self.push(d, node.span.as_ref());
                None
            }
        }
    }
}
