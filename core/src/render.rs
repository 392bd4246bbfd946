//! Renderers: the configuration that steers Manage Out traffic to the right DA
//! server, generated from a validated farm.
//!
//! - [`Target::Tmsh`]: tmsh commands creating, per server, a pool (member: the
//!   server's address, port 0) and, per prefix, a forwarding network virtual server
//!   (FastL4, no address or port translation, no SNAT).
//! - [`Target::BigipConf`]: the same objects as `bigip.conf` stanzas, for
//!   `tmsh load sys config merge file <f>`: the idempotent path.
//! - [`Target::TmshRemove`]: deletes exactly what `Tmsh` creates, virtuals first.
//! - [`Target::As3`]: one AS3 declaration (`Service_L4` + `Pool` per prefix/server).
//! - [`Target::Linux`]: `ip -6 route replace` lines; [`Target::Netsh`]: Windows
//!   `netsh interface ipv6 add route` lines.
//!
//! Output is deterministic: the same farm gives byte-identical text.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::net::Ipv6Addr;
use std::str::FromStr;

use ipnet::Ipv6Net;
use serde_json::{Value, json};

use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::model::{Farm, RouteKind, Server};

/// The AS3 schema version the declarations are written for.
pub const AS3_SCHEMA_VERSION: &str = "3.56.0";

/// What to render.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Target {
    /// tmsh commands (a script to run on the BIG-IP).
    Tmsh,
    /// bigip.conf stanzas for `tmsh load sys config merge file`.
    BigipConf,
    /// tmsh commands deleting what [`Target::Tmsh`] creates.
    TmshRemove,
    /// An AS3 declaration (JSON).
    As3,
    /// Linux `ip -6 route replace` commands.
    Linux,
    /// Windows `netsh interface ipv6 add route` commands (needs an interface).
    Netsh,
}

impl Target {
    /// Every target, in the order the CLI lists them.
    pub const ALL: [Self; 6] = [
        Self::Tmsh,
        Self::BigipConf,
        Self::TmshRemove,
        Self::As3,
        Self::Linux,
        Self::Netsh,
    ];

    /// The name used on the command line: `tmsh`, `bigip-conf`, `tmsh-remove`,
    /// `as3`, `linux`, `netsh`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Tmsh => "tmsh",
            Self::BigipConf => "bigip-conf",
            Self::TmshRemove => "tmsh-remove",
            Self::As3 => "as3",
            Self::Linux => "linux",
            Self::Netsh => "netsh",
        }
    }
}

impl FromStr for Target {
    type Err = Error;

    /// ```
    /// use manageout::render::Target;
    /// assert_eq!("bigip-conf".parse::<Target>().unwrap(), Target::BigipConf);
    /// assert!("f5".parse::<Target>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| Error::UnknownTarget {
                target: s.to_owned(),
            })
    }
}

/// Options of a rendering.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The interface for `linux` (optional `dev`) and `netsh` (required).
    pub interface: Option<String>,
}

/// A rendered configuration and the warnings about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// The configuration text.
    pub text: String,
    /// Warnings of the rendering itself (such as virtuals listening on every VLAN);
    /// the farm's own warnings come from [`Farm::check`].
    pub warnings: Vec<Diagnostic>,
}

/// Renders a farm for one target; a farm with any error diagnostic is refused with
/// [`Error::InvalidFarm`].
///
/// ```
/// use manageout::render::{render, Options, Target};
/// let farm = manageout::Farm::from_toml_str(r#"
/// [bigip]
/// vlans = ["internal"]
/// [[server]]
/// name = "DA1"
/// address = "2131::101"
/// client_prefix = "2131:0:0:1000::/59"
/// "#, "farm.toml").into_farm()?;
/// let out = render(&farm, Target::Linux, &Options::default())?;
/// assert!(out.text.contains("ip -6 route replace 2131:0:0:1000::/59 via 2131::101\n"));
/// let tmsh = render(&farm, Target::Tmsh, &Options::default())?.text;
/// assert!(tmsh.contains("destination /Common/2131:0:0:1000::.any mask ffff:ffff:ffff:ffe0::"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render(farm: &Farm, target: Target, options: &Options) -> Result<Rendered, Error> {
    let diagnostics = farm.check();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Error::InvalidFarm { diagnostics });
    }
    let mut warnings = Vec::new();
    let plan = Plan::new(farm);
    let bigip = matches!(target, Target::Tmsh | Target::BigipConf | Target::As3);
    if bigip && farm.bigip.vlans.is_none() {
        warnings.push(
            Diagnostic::warning(
                "MO040",
                "bigip.vlans is not set: the Manage Out virtuals will listen on every VLAN",
            )
            .with_field("bigip.vlans")
            .with_help("set `vlans = [\"internal\"]` (the corporate-side VLAN) so that only internal traffic is forwarded to the DA servers"),
        );
    }
    let text = match target {
        Target::Tmsh => tmsh(farm, &plan),
        Target::BigipConf => bigip_conf(farm, &plan),
        Target::TmshRemove => tmsh_remove(farm, &plan),
        Target::As3 => {
            let mut s = serde_json::to_string_pretty(&as3_value(farm, &plan)).unwrap_or_default();
            s.push('\n');
            s
        }
        Target::Linux => linux(farm, &plan, options.interface.as_deref()),
        Target::Netsh => {
            let interface = options
                .interface
                .as_deref()
                .filter(|i| !i.trim().is_empty())
                .ok_or(Error::MissingInterface)?;
            netsh(farm, &plan, interface)?
        }
    };
    Ok(Rendered { text, warnings })
}

/// The AS3 declaration of a farm as JSON (what [`Target::As3`] prints).
///
/// ```
/// let farm = manageout::Farm::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/seed-fixed.toml"))?.into_farm()?;
/// let decl = manageout::render::as3(&farm)?;
/// assert_eq!(decl["class"], "AS3");
/// assert_eq!(decl["declaration"]["Common"]["Shared"]["template"], "shared");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn as3(farm: &Farm) -> Result<Value, Error> {
    let diagnostics = farm.check();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Error::InvalidFarm { diagnostics });
    }
    Ok(as3_value(farm, &Plan::new(farm)))
}

/// Object names, computed once per rendering so every target agrees.
struct Plan<'f> {
    servers: Vec<ServerPlan<'f>>,
}

struct ServerPlan<'f> {
    server: &'f Server,
    /// The pool's name, and the AS3 name of the same pool inside the application.
    pool: String,
    short_pool: String,
    virtuals: Vec<VirtualPlan>,
}

struct VirtualPlan {
    prefix: Ipv6Net,
    kind: RouteKind,
    name: String,
    short: String,
}

/// A name BIG-IP and AS3 accept: `^[A-Za-z][0-9A-Za-z_.-]*$`, at most 190 characters.
fn sanitise(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s.insert_str(0, "mo_");
    }
    s.truncate(150);
    s
}

/// Makes `name` unique among `used` by appending `_2`, `_3`, ...
fn unique(name: String, used: &mut HashSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while !used.insert(candidate.to_ascii_lowercase()) {
        candidate = format!("{name}_{n}");
        n += 1;
    }
    candidate
}

impl<'f> Plan<'f> {
    fn new(farm: &'f Farm) -> Self {
        let prefix = sanitise(farm.name.as_deref().unwrap_or("manageout"));
        let mut used = HashSet::new();
        let mut used_short = HashSet::new();
        let servers = farm
            .servers
            .iter()
            .map(|server| {
                let base = sanitise(&server.name);
                let pool = unique(format!("{prefix}_{base}_pool"), &mut used);
                let short_pool = unique(format!("{base}_pool"), &mut used_short);
                let virtuals = server
                    .routes()
                    .map(|(p, kind)| VirtualPlan {
                        prefix: p,
                        kind,
                        name: unique(format!("{prefix}_{base}_{kind}"), &mut used),
                        short: unique(format!("{base}_{kind}"), &mut used_short),
                    })
                    .collect();
                ServerPlan {
                    server,
                    pool,
                    short_pool,
                    virtuals,
                }
            })
            .collect();
        Self { servers }
    }
}

/// `/59` → `ffff:ffff:ffff:ffe0::`.
fn netmask(len: u8) -> Ipv6Addr {
    Ipv6Addr::from(u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0))
}

fn rd(farm: &Farm) -> String {
    match farm.bigip.route_domain {
        Some(n) if n != 0 => format!("%{n}"),
        _ => String::new(),
    }
}

/// A BIG-IP path: names without a leading `/` live in `/Common`.
fn common_path(name: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("/Common/{name}")
    }
}

fn header(farm: &Farm, what: &str, comment: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{comment} {what} for DirectAccess Manage Out, farm \"{}\" ({} servers)",
        farm.name.as_deref().unwrap_or("manageout"),
        farm.servers.len()
    );
    let _ = writeln!(
        s,
        "{comment} generated by manageout; regenerate instead of editing"
    );
    s
}

/// Text fit for an AS3 remark/label and a quoted tmsh description: at most 64
/// characters, no control characters, double quotes or backslashes.
fn brief(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .take(64)
        .collect()
}

fn description(sp: &ServerPlan<'_>, v: &VirtualPlan) -> String {
    brief(&format!(
        "Manage Out: {} prefix of {}",
        v.kind, sp.server.name
    ))
}

/// The full paths of the pools and virtuals the tmsh renderer creates for the
/// servers `subset` (indexes into `farm.servers`).
pub(crate) struct Planned {
    pub(crate) pools: Vec<String>,
    pub(crate) virtuals: Vec<String>,
}

pub(crate) fn planned_names(farm: &Farm, subset: &[usize]) -> Planned {
    let plan = Plan::new(farm);
    let part = &farm.bigip.partition;
    let mut planned = Planned {
        pools: Vec::new(),
        virtuals: Vec::new(),
    };
    for (i, sp) in plan.servers.iter().enumerate() {
        if subset.contains(&i) {
            planned.pools.push(format!("/{part}/{}", sp.pool));
            planned
                .virtuals
                .extend(sp.virtuals.iter().map(|v| format!("/{part}/{}", v.name)));
        }
    }
    planned
}

/// The tmsh commands for the servers `subset` only (names as for the whole farm).
pub(crate) fn tmsh_for(farm: &Farm, subset: &[usize]) -> String {
    let mut plan = Plan::new(farm);
    let mut i = 0;
    plan.servers.retain(|_| {
        i += 1;
        subset.contains(&(i - 1))
    });
    tmsh(farm, &plan)
}

fn tmsh(farm: &Farm, plan: &Plan<'_>) -> String {
    let part = &farm.bigip.partition;
    let rd = rd(farm);
    let mut s = header(farm, "tmsh commands", "#");
    let _ = writeln!(
        s,
        "# run on the BIG-IP (bash); tmsh has no create-or-update: on a box that already has these objects, use the bigip-conf target"
    );
    for sp in &plan.servers {
        let addr = sp.server.address;
        let monitor = farm
            .bigip
            .monitor
            .as_deref()
            .map(|m| format!(" monitor {}", common_path(m)))
            .unwrap_or_default();
        let _ = writeln!(s, "\n# {}: corporate address {addr}", sp.server.name);
        let _ = writeln!(
            s,
            "tmsh create ltm pool /{part}/{} members replace-all-with {{ {addr}{rd}.0 {{ address {addr}{rd} }} }}{monitor}",
            sp.pool
        );
        for v in &sp.virtuals {
            let vlans = match &farm.bigip.vlans {
                Some(vl) => format!(
                    "vlans replace-all-with {{ {} }} vlans-enabled",
                    vl.iter()
                        .map(|v| common_path(v))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                None => "vlans none vlans-disabled".to_owned(),
            };
            let _ = writeln!(
                s,
                "tmsh create ltm virtual /{part}/{} description \"{}\" destination /{part}/{}{rd}.any mask {} ip-protocol any profiles replace-all-with {{ /Common/fastL4 }} pool /{part}/{} translate-address disabled translate-port disabled source-address-translation {{ type none }} {vlans}",
                v.name,
                description(sp, v),
                v.prefix.network(),
                netmask(v.prefix.prefix_len()),
                sp.pool,
            );
        }
    }
    s.push_str("\ntmsh save sys config\n");
    s
}

fn tmsh_remove(farm: &Farm, plan: &Plan<'_>) -> String {
    let part = &farm.bigip.partition;
    let mut s = header(
        farm,
        "tmsh commands removing what the tmsh target creates",
        "#",
    );
    let _ = writeln!(
        s,
        "# virtuals first (a pool in use cannot be deleted), then pools"
    );
    for sp in &plan.servers {
        for v in &sp.virtuals {
            let _ = writeln!(s, "tmsh delete ltm virtual /{part}/{}", v.name);
        }
    }
    for sp in &plan.servers {
        let _ = writeln!(s, "tmsh delete ltm pool /{part}/{}", sp.pool);
    }
    s.push_str("tmsh save sys config\n");
    s
}

fn bigip_conf(farm: &Farm, plan: &Plan<'_>) -> String {
    let part = &farm.bigip.partition;
    let rd = rd(farm);
    let mut s = header(farm, "bigip.conf stanzas", "#");
    let _ = writeln!(
        s,
        "# apply (idempotent, re-runnable): tmsh load sys config merge file <this file> && tmsh save sys config"
    );
    for sp in &plan.servers {
        let addr = sp.server.address;
        let _ = writeln!(s, "ltm pool /{part}/{} {{", sp.pool);
        let _ = writeln!(s, "    members {{");
        let _ = writeln!(s, "        /{part}/{addr}{rd}.0 {{");
        let _ = writeln!(s, "            address {addr}{rd}");
        let _ = writeln!(s, "        }}");
        let _ = writeln!(s, "    }}");
        if let Some(m) = &farm.bigip.monitor {
            let _ = writeln!(s, "    monitor {}", common_path(m));
        }
        let _ = writeln!(s, "}}");
        for v in &sp.virtuals {
            let net = v.prefix.network();
            let mask = netmask(v.prefix.prefix_len());
            let _ = writeln!(s, "ltm virtual-address /{part}/{net}{rd} {{");
            let _ = writeln!(s, "    address {net}{rd}");
            let _ = writeln!(s, "    arp disabled");
            let _ = writeln!(s, "    icmp-echo disabled");
            let _ = writeln!(s, "    mask {mask}");
            let _ = writeln!(s, "}}");
            let _ = writeln!(s, "ltm virtual /{part}/{} {{", v.name);
            let _ = writeln!(s, "    description \"{}\"", description(sp, v));
            let _ = writeln!(s, "    destination /{part}/{net}{rd}.any");
            let _ = writeln!(s, "    ip-protocol any");
            let _ = writeln!(s, "    mask {mask}");
            let _ = writeln!(s, "    pool /{part}/{}", sp.pool);
            let _ = writeln!(s, "    profiles {{");
            let _ = writeln!(s, "        /Common/fastL4 {{ }}");
            let _ = writeln!(s, "    }}");
            let _ = writeln!(s, "    source ::{rd}/0");
            let _ = writeln!(s, "    source-address-translation {{");
            let _ = writeln!(s, "        type none");
            let _ = writeln!(s, "    }}");
            let _ = writeln!(s, "    translate-address disabled");
            let _ = writeln!(s, "    translate-port disabled");
            match &farm.bigip.vlans {
                Some(vl) => {
                    let _ = writeln!(s, "    vlans {{");
                    for vlan in vl {
                        let _ = writeln!(s, "        {}", common_path(vlan));
                    }
                    let _ = writeln!(s, "    }}");
                    let _ = writeln!(s, "    vlans-enabled");
                }
                None => {
                    let _ = writeln!(s, "    vlans-disabled");
                }
            }
            let _ = writeln!(s, "}}");
        }
    }
    s
}

fn as3_value(farm: &Farm, plan: &Plan<'_>) -> Value {
    let rd = rd(farm);
    let tenant = farm.bigip.partition.trim_matches('/').to_owned();
    let (tenant, application, template) = if tenant == "Common" {
        ("Common".to_owned(), "Shared".to_owned(), "shared")
    } else {
        (
            sanitise(&tenant),
            sanitise(farm.name.as_deref().unwrap_or("ManageOut")),
            "generic",
        )
    };
    let mut app = serde_json::Map::new();
    app.insert("class".into(), json!("Application"));
    app.insert("template".into(), json!(template));
    for sp in &plan.servers {
        let mut pool = json!({
            "class": "Pool",
            "remark": brief(&format!("Manage Out: DA server {}", sp.server.name)),
            "members": [{
                "servicePort": 0,
                "serverAddresses": [format!("{}{rd}", sp.server.address)],
                "shareNodes": true
            }]
        });
        if let Some(m) = &farm.bigip.monitor {
            pool["monitors"] = json!([{ "bigip": common_path(m) }]);
        }
        app.insert(sp.short_pool.clone(), pool);
        for v in &sp.virtuals {
            let mut service = json!({
                "class": "Service_L4",
                "remark": description(sp, v),
                "virtualAddresses": [format!("{}{rd}/{}", v.prefix.network(), v.prefix.prefix_len())],
                "virtualPort": 0,
                "layer4": "any",
                "profileL4": "basic",
                "snat": "none",
                "translateServerAddress": false,
                "translateServerPort": false,
                "persistenceMethods": [],
                "pool": sp.short_pool
            });
            if let Some(vl) = &farm.bigip.vlans {
                service["allowVlans"] = Value::Array(
                    vl.iter()
                        .map(|v| json!({ "bigip": common_path(v) }))
                        .collect(),
                );
            }
            app.insert(v.short.clone(), service);
        }
    }
    let name = farm.name.as_deref().unwrap_or("manageout");
    let mut declaration = serde_json::Map::new();
    declaration.insert("class".into(), json!("ADC"));
    declaration.insert("schemaVersion".into(), json!(AS3_SCHEMA_VERSION));
    declaration.insert("id".into(), json!(format!("manageout-{}", sanitise(name))));
    declaration.insert("label".into(), json!(brief(&format!("Manage Out: {name}"))));
    declaration.insert("remark".into(), json!("generated by manageout"));
    let mut tenant_obj = serde_json::Map::new();
    tenant_obj.insert("class".into(), json!("Tenant"));
    tenant_obj.insert(application, Value::Object(app));
    declaration.insert(tenant, Value::Object(tenant_obj));
    json!({
        "class": "AS3",
        "action": "deploy",
        "persist": true,
        "declaration": Value::Object(declaration)
    })
}

fn linux(farm: &Farm, plan: &Plan<'_>, interface: Option<&str>) -> String {
    let mut s = header(farm, "Linux routes", "#");
    let dev = interface
        .map(|i| format!(" dev {}", shell_word(i)))
        .unwrap_or_default();
    for sp in &plan.servers {
        let _ = writeln!(s, "# {}", sp.server.name);
        for v in &sp.virtuals {
            let _ = writeln!(
                s,
                "ip -6 route replace {} via {}{dev}",
                v.prefix, sp.server.address
            );
        }
    }
    s
}

fn netsh(farm: &Farm, plan: &Plan<'_>, interface: &str) -> Result<String, Error> {
    if interface.contains('"') || interface.chars().any(char::is_control) {
        return Err(Error::MissingInterface);
    }
    let mut s = header(farm, "Windows routes", "REM");
    for sp in &plan.servers {
        let _ = writeln!(s, "REM {}", sp.server.name);
        for v in &sp.virtuals {
            let _ = writeln!(
                s,
                "netsh interface ipv6 add route {} \"{interface}\" {}",
                v.prefix, sp.server.address
            );
        }
    }
    Ok(s)
}

/// Quotes a word for a POSIX shell when it needs quoting.
fn shell_word(w: &str) -> String {
    if !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@:".contains(c))
    {
        w.to_owned()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netmask_of_59_is_the_articles_mask() {
        assert_eq!(netmask(59).to_string(), "ffff:ffff:ffff:ffe0::");
        assert_eq!(netmask(64).to_string(), "ffff:ffff:ffff:ffff::");
        assert_eq!(netmask(0).to_string(), "::");
        assert_eq!(
            netmask(128).to_string(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        );
    }

    #[test]
    fn names_are_sanitised_and_unique() {
        assert_eq!(sanitise("DA 1"), "DA_1");
        assert_eq!(sanitise("2-EDGE1"), "mo_2-EDGE1");
        let mut used = HashSet::new();
        assert_eq!(unique("a_pool".into(), &mut used), "a_pool");
        assert_eq!(unique("A_pool".into(), &mut used), "A_pool_2");
    }
}
