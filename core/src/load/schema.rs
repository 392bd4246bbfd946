//! The JSON Schema of the farm file ([`farm_file_schema`], `manageout schema`), for
//! editors: completion and checking of keys and value shapes as the file is typed.
//!
//! The schema is derived (schemars) from the types below, which mirror the keys
//! the draft reads; a unit test keeps their keys equal to the draft's, so that a
//! new farm key cannot be left out. The schema checks shapes only (key names,
//! types, name and prefix patterns, ranges); `manageout check` remains the
//! judge of values and of the farm as a whole.
//!
//! Owns: the schema's types and their descriptions. May not: be used to parse.

use schemars::JsonSchema;

/// A manageout farm file: the DirectAccess servers (entry points) of a Manage Out
/// farm behind an F5 BIG-IP, and the settings used to render its configuration.
#[derive(JsonSchema)]
#[schemars(title = "manageout farm file", deny_unknown_fields)]
#[allow(dead_code)]
struct FarmFile {
    /// Where an editor finds this schema (JSON farm files; TOML uses a
    /// `#:schema` comment instead). Ignored by manageout.
    #[schemars(rename = "$schema")]
    schema: Option<String>,
    /// Settings of the farm as a whole.
    farm: Option<FarmSection>,
    /// BIG-IP settings, used by the tmsh, bigip.conf and AS3 renderers.
    bigip: Option<BigIpSection>,
    /// The management side of Manage Out: the management servers and the
    /// protocols they use (the `da-mgmt` and `client-firewall` targets).
    manage_out: Option<ManageOutSection>,
    /// One entry per DA server, or per load-balanced entry point (its internal
    /// VIP). Servers are numbered 0, 1, 2, ... in this order; lookups return
    /// that number.
    #[schemars(length(min = 1, max = 4096))]
    server: Vec<ServerEntry>,
    /// The load-balanced entry points (clusters), each declared once; their nodes
    /// are the servers whose `entry_point` names them.
    #[schemars(length(max = 4096))]
    entry_point: Option<Vec<EntryPointEntry>>,
}

/// `[[entry_point]]`: a load-balanced entry point (a cluster of DA servers behind
/// one internal VIP). Manage Out must reach the node holding a client's tunnel, so
/// each node is a `[[server]]` with its own address and its own /64.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct EntryPointEntry {
    /// The entry point's name (EntrypointName): 1 to 63 letters, digits, `.`,
    /// `_`, `-`. Its nodes set `entry_point` to it.
    #[schemars(regex(pattern = NAME), example = &"Cluster1")]
    name: String,
    /// The cluster-wide ClientIPv6Prefix every node's `Get-DAServer` shows (a /59);
    /// each node serves its clients from its own /64 inside it.
    #[schemars(regex(pattern = PREFIX), example = &"2131:0:0:1000::/59")]
    client_prefix: String,
    /// The internal VIP of the cluster, for documentation and audit: never a next
    /// hop for Manage Out.
    #[schemars(extend("format" = "ipv6"), example = &"2131::10")]
    vip: Option<String>,
    /// What spreads the clients over the nodes: `external` (a BIG-IP: up to 32
    /// nodes, the default) or `nlb` (Windows NLB: up to 8).
    load_balancer: Option<LoadBalancerKind>,
}

/// The load balancer kinds.
#[derive(JsonSchema)]
#[schemars(rename_all = "lowercase")]
#[allow(dead_code)]
enum LoadBalancerKind {
    /// An external load balancer (a BIG-IP): up to 32 nodes.
    External,
    /// Windows Network Load Balancing: up to 8 nodes.
    Nlb,
}

/// `[farm]`: settings of the farm as a whole.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct FarmSection {
    /// The farm's name, used in generated object names (`<farm>_<server>_pool`)
    /// and in the `manageout:<farm>` marker: 1 to 63 letters, digits, `.`, `_`, `-`.
    #[schemars(regex(pattern = NAME))]
    name: Option<String>,
    /// InternalIPv6Prefix of the DA deployment (`Get-DAServer`); the servers'
    /// addresses should lie inside it.
    #[schemars(regex(pattern = PREFIX), example = &"2131::/48")]
    internal_prefix: Option<String>,
    /// Whether Windows 7 clients connect: true warns when servers span several
    /// entry points (Windows 7 clients cannot fail over between them).
    windows7_clients: Option<bool>,
}

/// `[bigip]`: BIG-IP settings, used by the tmsh, bigip.conf and AS3 renderers.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct BigIpSection {
    /// The partition (AS3 tenant) the objects go into: one folder name, no `/`.
    /// Default `Common`.
    #[schemars(regex(pattern = PARTITION), example = &"Common")]
    partition: Option<String>,
    /// The VLANs the Manage Out virtuals listen on (names in /Common or full
    /// paths); unset: every VLAN (warning MO040).
    #[schemars(length(min = 1), inner(regex(pattern = OBJECT_PATH)))]
    vlans: Option<Vec<String>>,
    /// The route domain, rendered as `%N` when not 0.
    #[schemars(range(min = 0, max = 65534))]
    route_domain: Option<u16>,
    /// The pool monitor (a name in /Common or a full path), e.g. `gateway_icmp`.
    #[schemars(regex(pattern = OBJECT_PATH), example = &"gateway_icmp")]
    monitor: Option<String>,
    /// The internal floating self IP: the next hop corporate routers send the DA
    /// client prefixes to (the `corp-routes` target).
    #[schemars(extend("format" = "ipv6"), example = &"2131::5")]
    self_ip: Option<String>,
    /// The config-sync device group of an HA pair (a name in /Common or a full
    /// path): `deploy` puts it into the declaration as `syncToGroup`, so that the
    /// change reaches the peer.
    #[schemars(regex(pattern = OBJECT_PATH), example = &"failover-group")]
    sync_group: Option<String>,
}

/// `[manage_out]`: who manages the DA clients, and how.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ManageOutSection {
    /// The management servers' IPv6 addresses or prefixes: inside the internal
    /// prefix, outside every DA prefix. Registered with `Add-DAMgmtServer`
    /// (`da-mgmt`) and the only remote addresses the clients' firewall rules
    /// let in (`client-firewall`).
    #[schemars(example = management_servers_example())]
    management_servers: Option<Vec<String>>,
    /// The management protocols: `rdp` (TCP/UDP 3389), `winrm` (TCP 5985),
    /// `winrm-https` (TCP 5986), `smb` (TCP 445), `icmp` (ICMPv6 echo request),
    /// `sccm-remote-control` (TCP 2701), or `tcp:PORT` / `udp:PORT`.
    #[schemars(inner(regex(pattern = SERVICE)), example = services_example())]
    services: Option<Vec<String>>,
    /// The DA client GPO the firewall rules go into (`-PolicyStore`), as
    /// `domain\GPO name`.
    #[schemars(example = &"contoso.com\\DirectAccess Client Settings")]
    gpo: Option<String>,
}

/// `[[server]]`: one DA server, or one load-balanced entry point.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ServerEntry {
    /// The server's name (its computer name, say): 1 to 63 letters, digits,
    /// `.`, `_`, `-`; unique without regard to case.
    #[schemars(regex(pattern = NAME), example = &"DA1")]
    name: String,
    /// The corporate-facing IPv6 address: the next hop for its clients (for a
    /// load-balanced entry point, its internal VIP).
    #[schemars(extend("format" = "ipv6"), example = &"2131::101")]
    address: String,
    /// ClientIPv6Prefix (IP-HTTPS clients), from `Get-DAServer | ft
    /// ClientIPv6Prefix`; for a node of a load-balanced entry point, the node's own
    /// /64 inside the cluster's /59 (the route it publishes on its IP-HTTPS
    /// interface: `Get-NetRoute -AddressFamily IPv6`). Required, but a node may
    /// leave it out until its /64 is known (`check` then says how to find it).
    #[schemars(regex(pattern = PREFIX), example = &"2131:0:0:1000::/59")]
    client_prefix: Option<String>,
    /// The entry point (EntrypointName) this server belongs to; a server without
    /// one is an entry point of its own. A node of a load-balanced entry point names
    /// its `[[entry_point]]`.
    #[schemars(regex(pattern = NAME))]
    entry_point: Option<String>,
    /// Whether this server advertises Teredo (TeredoState Enabled).
    teredo: Option<bool>,
    /// The server's first public IPv4 address, from which its Teredo prefix is
    /// derived (`2001:0:<ipv4>::/64`).
    #[schemars(extend("format" = "ipv4"), example = &"131.107.0.2")]
    teredo_ipv4: Option<String>,
    /// The Teredo prefix (a /64 inside 2001::/32); must agree with
    /// `teredo_ipv4` when both are given.
    #[schemars(regex(pattern = PREFIX), example = &"2001:0:836b:2::/64")]
    teredo_prefix: Option<String>,
    /// The VPN clients' IPv6 prefix (IPv6Prefix of `Get-RemoteAccess`), routed
    /// like the client prefix.
    #[schemars(regex(pattern = PREFIX), example = &"2131:0:0:2000::/64")]
    vpn_prefix: Option<String>,
}

/// The name rule ([`names::check`](crate::names::check)).
const NAME: &str = r"^[A-Za-z0-9._-]{1,63}$";
/// A partition: one BIG-IP folder name ([`names::check_partition`](crate::names::check_partition)).
const PARTITION: &str = r"^[A-Za-z][0-9A-Za-z_.-]{0,189}$";
/// A VLAN or monitor ([`names::check_object_path`](crate::names::check_object_path)).
const OBJECT_PATH: &str =
    r"^(/[A-Za-z]([0-9A-Za-z_.-]*[0-9A-Za-z_.])?)*/?[A-Za-z]([0-9A-Za-z_.-]*[0-9A-Za-z_.])?$";
/// The shape of an IPv6 prefix (`address/length`); `check` judges the value.
const PREFIX: &str = r"^[0-9A-Fa-f:.]+/[0-9]{1,3}$";
fn management_servers_example() -> [&'static str; 2] {
    ["2131::50", "2131:0:0:10::/64"]
}

fn services_example() -> [&'static str; 2] {
    ["rdp", "winrm"]
}

/// A service of `[manage_out]` (ports checked by `check`, MO047).
const SERVICE: &str =
    r"^(rdp|winrm|winrm-https|smb|icmp|sccm-remote-control|(tcp|udp):[0-9]{1,5})$";

/// The JSON Schema (draft 2020-12) of the farm file, with a description for every
/// key.
///
/// ```
/// let schema = manageout::load::farm_file_schema();
/// assert_eq!(schema["title"], "manageout farm file");
/// assert!(schema["properties"]["server"]["description"].is_string());
/// ```
pub fn farm_file_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(FarmFile).to_value();
    tidy(&mut schema);
    let Some(generated) = schema.as_object_mut() else {
        return schema;
    };
    // the header keys first, as a reader of the file expects them
    let mut out = serde_json::Map::new();
    for key in ["$schema", "$id", "title", "description"] {
        if let Some(v) = generated.remove(key) {
            out.insert(key.into(), v);
        }
    }
    out.insert(
        "$id".into(),
        "https://manageout.invalid/farm.schema.json".into(),
    );
    out.append(generated);
    serde_json::Value::Object(out)
}

/// Makes the derived schema say what the farm file is: an optional key is left
/// out, never `null` (TOML has no null), so `null` is dropped from every type; a
/// doc comment wrapped at 80 columns becomes a one-paragraph description.
fn tidy(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(o) => {
            if let Some(Value::Array(types)) = o.get_mut("type") {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    o.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(any)) = o.get_mut("anyOf") {
                any.retain(|s| s.get("type").is_none_or(|t| t != "null"));
                if let [Value::Object(only)] = any.as_slice() {
                    let only = only.clone();
                    o.remove("anyOf");
                    o.extend(only);
                }
            }
            if let Some(Value::String(d)) = o.get_mut("description") {
                *d = d.replace('\n', " ");
            }
            o.values_mut().for_each(tidy);
        }
        Value::Array(a) => a.iter_mut().for_each(tidy),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::draft::{BIGIP_KEYS, ENTRY_POINT_KEYS, FARM_KEYS, SERVER_KEYS, TOP_KEYS};
    use super::*;

    fn keys(schema: &serde_json::Value, pointer: &str) -> Vec<String> {
        let mut k: Vec<String> = schema
            .pointer(pointer)
            .and_then(|v| v.as_object())
            .unwrap_or_else(|| panic!("{pointer} in {schema:#}"))
            .keys()
            .filter(|k| *k != "$schema")
            .cloned()
            .collect();
        k.sort();
        k
    }

    fn sorted(k: &[&str]) -> Vec<String> {
        let mut k: Vec<String> = k.iter().map(|s| s.to_string()).collect();
        k.sort();
        k
    }

    #[test]
    fn the_schema_has_exactly_the_keys_the_draft_reads() {
        let s = farm_file_schema();
        assert_eq!(keys(&s, "/properties"), sorted(TOP_KEYS));
        assert_eq!(keys(&s, "/$defs/FarmSection/properties"), sorted(FARM_KEYS));
        assert_eq!(
            keys(&s, "/$defs/BigIpSection/properties"),
            sorted(BIGIP_KEYS)
        );
        assert_eq!(
            keys(&s, "/$defs/ServerEntry/properties"),
            sorted(SERVER_KEYS)
        );
        assert_eq!(
            keys(&s, "/$defs/EntryPointEntry/properties"),
            sorted(ENTRY_POINT_KEYS)
        );
    }

    #[test]
    fn the_schema_lists_every_load_balancer_kind() {
        let s = farm_file_schema();
        let kinds = &s["$defs"]["LoadBalancerKind"];
        let listed: Vec<&str> = match kinds["oneOf"].as_array() {
            Some(a) => a.iter().filter_map(|k| k["const"].as_str()).collect(),
            None => kinds["enum"]
                .as_array()
                .map(|a| a.iter().filter_map(|k| k.as_str()).collect())
                .unwrap_or_default(),
        };
        let all: Vec<&str> = crate::LoadBalancer::ALL
            .iter()
            .map(|l| l.as_str())
            .collect();
        assert_eq!(listed, all, "{kinds:#}");
    }
}
