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
//! - The whole path beyond the BIG-IP: [`Target::CorpRoutes`] (the corporate
//!   routers' routes to the BIG-IP's self IP, in a [`Dialect`]),
//!   [`Target::DaMgmt`] (`Add-DAMgmtServer`) and [`Target::ClientFirewall`]
//!   (`New-NetFirewallRule` for the DA clients).
//! - [`Target::L3fwd`]: a rule file for DPDK's l3fwd example (a packet appliance
//!   steering in software, port = server index).
//!
//! Output is deterministic: the same farm gives byte-identical text. Every value is
//! written through the quoting function of its output language ([`quote`]); what
//! a language cannot carry safely is refused ([`Error::Unrepresentable`]).
//!
//! Owns: every text manageout emits for a device, and the quoting of values
//! into it. May not: check a farm (renderers take a [`ValidFarm`]),
//! format an untrusted value other than through [`quote`], or read a device's
//! configuration (that is [`audit`](crate::audit)).

mod as3;
mod bigip_conf;
mod corp;
mod plan;
pub mod quote;
mod routes;
mod tmsh;
mod windows;

pub use corp::Dialect;

use std::str::FromStr;

use serde_json::Value;

use crate::check::ValidFarm;
use crate::diagnostic::{Code, Diagnostic};
use crate::error::Error;
use crate::model::Farm;
use plan::Plan;

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
    /// The corporate routers' routes of every DA prefix to `bigip.self_ip`
    /// (needs a [`Dialect`]).
    CorpRoutes,
    /// PowerShell registering `manage_out.management_servers` with DirectAccess.
    DaMgmt,
    /// PowerShell creating the DA clients' inbound firewall rules.
    ClientFirewall,
    /// A DPDK l3fwd IPv6 rule file (`--rule_ipv6`): `R<prefix> <port>`, port = the
    /// server's index in the farm. Refused for more than 32 servers (DPDK's ports;
    /// with at most three prefixes a server, l3fwd's 1,024 LPM rules always suffice).
    L3fwd,
}

impl Target {
    /// Every target, in the order the CLI lists them.
    pub const ALL: [Self; 10] = [
        Self::Tmsh,
        Self::BigipConf,
        Self::TmshRemove,
        Self::As3,
        Self::Linux,
        Self::Netsh,
        Self::CorpRoutes,
        Self::DaMgmt,
        Self::ClientFirewall,
        Self::L3fwd,
    ];

    /// The targets that steer on the BIG-IP (or routers standing in for it): what
    /// every farm can render.
    pub const STEERING: [Self; 6] = [
        Self::Tmsh,
        Self::BigipConf,
        Self::TmshRemove,
        Self::As3,
        Self::Linux,
        Self::Netsh,
    ];

    /// The name used on the command line: `tmsh`, `bigip-conf`, `tmsh-remove`,
    /// `as3`, `linux`, `netsh`, `corp-routes`, `da-mgmt`, `client-firewall`, `l3fwd`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Tmsh => "tmsh",
            Self::BigipConf => "bigip-conf",
            Self::TmshRemove => "tmsh-remove",
            Self::As3 => "as3",
            Self::Linux => "linux",
            Self::Netsh => "netsh",
            Self::CorpRoutes => "corp-routes",
            Self::DaMgmt => "da-mgmt",
            Self::ClientFirewall => "client-firewall",
            Self::L3fwd => "l3fwd",
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
    /// The interface for `linux` (optional `dev`) and `netsh` (required), also
    /// in the `corp-routes` dialects of the same names.
    pub interface: Option<String>,
    /// The router language of `corp-routes` (required there).
    pub dialect: Option<Dialect>,
    /// `corp-routes`: one covering prefix instead of the exact cover; what it
    /// captures beyond the farm's prefixes comes back as MO041 warnings.
    pub aggregate: bool,
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

/// Renders a checked farm for one target. Fails only when a value cannot be
/// written safely in the target's language ([`Error::Unrepresentable`], such as an
/// `--interface` with shell or cmd.exe metacharacters) or netsh has no interface
/// ([`Error::MissingInterface`]).
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
/// "#, "farm.toml").into_valid_farm()?;
/// let out = render(&farm, Target::Linux, &Options::default())?;
/// assert!(out.text.contains("ip -6 route replace 2131:0:0:1000::/59 via 2131::101\n"));
/// let tmsh = render(&farm, Target::Tmsh, &Options::default())?.text;
/// assert!(tmsh.contains("destination /Common/2131:0:0:1000::.any mask ffff:ffff:ffff:ffe0::"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render(farm: &ValidFarm, target: Target, options: &Options) -> Result<Rendered, Error> {
    let mut warnings = Vec::new();
    let plan = Plan::new(farm);
    let bigip = matches!(target, Target::Tmsh | Target::BigipConf | Target::As3);
    if bigip && farm.bigip.vlans.is_none() {
        warnings.push(
            Diagnostic::warning(Code::MO040,
                "bigip.vlans is not set: the Manage Out virtuals will listen on every VLAN",
            )
            .with_field("bigip.vlans")
            .with_help("set `vlans = [\"internal\"]` (the corporate-side VLAN) so that only internal traffic is forwarded to the DA servers"),
        );
    }
    let unquotable = |source: quote::Unquotable| Error::Unrepresentable {
        target: target.as_str(),
        reason: source.to_string(),
    };
    let text = match target {
        Target::Tmsh => tmsh::tmsh(&plan).map_err(unquotable)?,
        Target::BigipConf => bigip_conf::bigip_conf(&plan).map_err(unquotable)?,
        Target::TmshRemove => tmsh::tmsh_remove(&plan).map_err(unquotable)?,
        Target::As3 => {
            let mut s = serde_json::to_string_pretty(&as3::declaration(&plan)?).unwrap_or_default();
            s.push('\n');
            s
        }
        Target::Linux => routes::linux(&plan, options.interface.as_deref()).map_err(unquotable)?,
        Target::Netsh => {
            let interface = options
                .interface
                .as_deref()
                .filter(|i| !i.trim().is_empty())
                .ok_or(Error::MissingInterface)?;
            routes::netsh(&plan, interface).map_err(unquotable)?
        }
        Target::CorpRoutes => corp_routes(farm, &plan, options, &mut warnings)?,
        Target::DaMgmt => {
            if farm.manage_out.management_servers.is_empty() {
                return Err(Error::MissingSetting {
                    target: "da-mgmt",
                    setting: "manage_out.management_servers",
                    help: "list the management servers' IPv6 addresses or prefixes in [manage_out]",
                });
            }
            windows::da_mgmt(&plan).map_err(unquotable)?
        }
        Target::ClientFirewall => {
            let m = &farm.manage_out;
            if m.management_servers.is_empty() || m.services.is_empty() {
                return Err(Error::MissingSetting {
                    target: "client-firewall",
                    setting: if m.management_servers.is_empty() {
                        "manage_out.management_servers"
                    } else {
                        "manage_out.services"
                    },
                    help: "the rules let in only the management servers (never Any), for the listed services: set both in [manage_out]",
                });
            }
            windows::client_firewall(&plan).map_err(unquotable)?
        }
        Target::L3fwd => routes::l3fwd(&plan)
            .map_err(unquotable)?
            .map_err(|reason| Error::TargetLimit {
                target: "l3fwd",
                reason,
            })?,
    };
    Ok(Rendered { text, warnings })
}

/// `corp-routes`: the exact cover (or, with `aggregate`, the covering prefix and
/// its MO041 warnings) towards `bigip.self_ip`.
fn corp_routes(
    farm: &ValidFarm,
    plan: &Plan<'_>,
    options: &Options,
    warnings: &mut Vec<Diagnostic>,
) -> Result<String, Error> {
    let dialect = options.dialect.ok_or(Error::MissingSetting {
        target: "corp-routes",
        setting: "--dialect",
        help: "give --dialect ios, junos, linux or netsh",
    })?;
    let next_hop = farm.bigip.self_ip.ok_or(Error::MissingSetting {
        target: "corp-routes",
        setting: "bigip.self_ip",
        help: "set [bigip] self_ip to the BIG-IP's internal floating self IP (`tmsh list net self`): the routers' next hop",
    })?;
    let interface = options
        .interface
        .as_deref()
        .filter(|i| !i.trim().is_empty());
    if dialect == Dialect::Netsh && interface.is_none() {
        return Err(Error::MissingInterface);
    }
    let prefixes = if options.aggregate {
        match crate::aggregate::farm_covering(farm) {
            Some((cover, captured)) => {
                warnings.extend(captured);
                vec![cover]
            }
            None => Vec::new(),
        }
    } else {
        crate::aggregate::farm_cover(farm)
    };
    corp::corp_routes(plan, dialect, &prefixes, next_hop, interface).map_err(|source| {
        Error::Unrepresentable {
            target: "corp-routes",
            reason: source.to_string(),
        }
    })
}

/// The AS3 declaration of a farm as JSON (what [`Target::As3`] prints).
///
/// ```
/// let farm = manageout::Farm::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/seed-fixed.toml"))?.into_valid_farm()?;
/// let decl = manageout::render::as3(&farm)?;
/// assert_eq!(decl["class"], "AS3");
/// assert_eq!(decl["declaration"]["Common"]["Shared"]["template"], "shared");
/// assert_eq!(decl["declaration"]["Common"]["Shared"]["article_DA1_pool"]["remark"], "manageout:article");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn as3(farm: &ValidFarm) -> Result<Value, Error> {
    as3::declaration(&Plan::new(farm))
}

/// Where the AS3 declaration of a farm puts manageout's objects: the tenant, the
/// application (`Shared` in `Common`, else `<farm>_manageout`), the marker every
/// object carries as its `remark`, and each object with the server (and prefix)
/// it comes from. `deploy` uses it to replace only manageout's objects and to
/// speak of changes in the farm's terms.
///
/// ```
/// let farm = manageout::Farm::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/seed-fixed.toml"))?.into_valid_farm()?;
/// let layout = manageout::render::as3_layout(&farm);
/// assert_eq!((layout.tenant.as_str(), layout.application.as_str()), ("Common", "Shared"));
/// let pool = &layout.objects[0];
/// assert_eq!((pool.name.as_str(), pool.class, pool.server.as_str()), ("article_DA1_pool", "Pool", "DA1"));
/// assert_eq!(layout.objects[1].prefix.unwrap().to_string(), "2131:0:0:1000::/59");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn as3_layout(farm: &ValidFarm) -> As3Layout {
    as3::layout(&Plan::new(farm))
}

/// Where manageout's AS3 objects for a farm live ([`as3_layout`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct As3Layout {
    /// The AS3 tenant: the farm's partition.
    pub tenant: String,
    /// The application holding the objects.
    pub application: String,
    /// The `remark` of every object manageout creates (see [`marker`]).
    pub marker: String,
    /// The objects, in declaration order.
    pub objects: Vec<As3Object>,
}

/// One object of the AS3 declaration and the farm item it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct As3Object {
    /// The object's name in its application.
    pub name: String,
    /// Its AS3 class: `Pool` or `Service_L4`.
    pub class: &'static str,
    /// The server (or cluster node) it steers to.
    pub server: String,
    /// The client, VPN or Teredo prefix a `Service_L4` forwards; `None` for a pool.
    pub prefix: Option<ipnet::Ipv6Net>,
}

/// The marker in the description (AS3: `remark`) of every object manageout
/// creates for `farm`: `manageout:<farm>`.
///
/// ```
/// let farm = manageout::Farm { name: Some("article".into()), ..Default::default() };
/// assert_eq!(manageout::render::marker(&farm), "manageout:article");
/// ```
pub fn marker(farm: &Farm) -> String {
    plan::marker(farm)
}

/// The full paths of the pools and virtuals the tmsh renderer creates for the
/// servers `subset` (indexes into `farm.servers`).
pub(crate) struct Planned {
    pub(crate) pools: Vec<String>,
    pub(crate) virtuals: Vec<String>,
}

pub(crate) fn planned_names(farm: &Farm, subset: &[usize]) -> Planned {
    let plan = Plan::new(farm).retain(subset);
    Planned {
        pools: plan.servers.iter().map(|sp| plan.path(&sp.pool)).collect(),
        virtuals: plan
            .servers
            .iter()
            .flat_map(|sp| sp.virtuals.iter().map(|v| plan.path(&v.name)))
            .collect(),
    }
}

/// The full path of the virtual that forwards `prefix` of server `server`.
pub(crate) fn virtual_of(farm: &Farm, server: usize, prefix: ipnet::Ipv6Net) -> Option<String> {
    let plan = Plan::new(farm);
    let sp = plan.servers.get(server)?;
    let v = sp.virtuals.iter().find(|v| v.prefix == prefix)?;
    Some(plan.path(&v.name))
}

/// The tmsh create commands for the servers `subset` only (names as for the whole
/// farm), then `tmsh save sys config`.
pub(crate) fn tmsh_for(farm: &Farm, subset: &[usize]) -> Result<String, quote::Unquotable> {
    let plan = Plan::new(farm).retain(subset);
    let mut s = String::new();
    tmsh::creates(&plan, &mut s)?;
    s.push('\n');
    s.push_str(&tmsh::line(&tmsh::save())?);
    s.push('\n');
    Ok(s)
}

/// One `tmsh ...` line deleting a virtual (`virtual == true`) or a pool, for
/// `audit --fix`; the path comes from a configuration and may be hostile.
pub(crate) fn tmsh_delete(path: &str, virtual_server: bool) -> Result<String, quote::Unquotable> {
    if virtual_server {
        tmsh::line(&tmsh::delete_virtual(path))
    } else {
        tmsh::line(&tmsh::delete_pool(path))
    }
}

/// `tmsh save sys config`.
pub(crate) fn tmsh_save() -> String {
    tmsh::line(&tmsh::save()).unwrap_or_default()
}

/// A `# ...` line for a script, or `None` when `text` is not inert in a comment.
pub(crate) fn sh_comment(text: &str) -> Option<String> {
    quote::comment(text).ok().map(|t| format!("# {t}"))
}
