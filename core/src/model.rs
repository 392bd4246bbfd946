//! The farm model: DirectAccess servers, their prefixes and the BIG-IP settings.
//!
//! These are plain, typed values with no claim of having been checked: a [`Farm`]
//! read by [`Farm::from_file`](crate::Farm::from_file) comes inside a
//! [`FarmReport`](crate::FarmReport) with its diagnostics, and only a farm without
//! errors becomes the [`ValidFarm`](crate::ValidFarm) that [`Table::new`](crate::Table::new),
//! the renderers and the audit take. A farm built by hand is checked with
//! [`Farm::check`].
//!
//! Owns: the data types. May not: parse, check or render anything.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::Ipv6Net;
use serde::{Deserialize, Serialize};

/// The position of a server in its farm: servers are numbered 0, 1, 2, ... in the
/// order they appear in the farm file, and that number is what lookups return in
/// every language.
///
/// ```
/// use manageout::ServerId;
/// let id = ServerId::new(1);
/// assert_eq!(id.index(), 1);
/// assert_eq!(id.to_string(), "1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServerId(u32);

impl ServerId {
    /// The id of the server at position `index`.
    pub const fn new(index: u32) -> Self {
        Self(index)
    }

    /// The server's position in its farm, starting at 0.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a route carries: which kind of DirectAccess client lives behind a prefix.
///
/// ```
/// use manageout::RouteKind;
/// assert_eq!(RouteKind::Client.as_str(), "client");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteKind {
    /// The IP-HTTPS client prefix (`ClientIPv6Prefix`).
    Client,
    /// The VPN clients' IPv6 prefix (`IPv6Prefix` of `Get-RemoteAccess`).
    Vpn,
    /// The Teredo prefix `2001:0:WWXX:YYZZ::/64` of the server's first public IPv4.
    Teredo,
}

impl RouteKind {
    /// The lower-case name used in JSON output: `client`, `vpn` or `teredo`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Vpn => "vpn",
            Self::Teredo => "teredo",
        }
    }
}

impl fmt::Display for RouteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One DirectAccess server (or the internal VIP of a load-balanced entry point).
///
/// ```
/// use manageout::Server;
/// let s = Server::new("DA1", "2131::101".parse()?, "2131:0:0:1000::/59".parse()?);
/// assert_eq!(s.routes().count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    /// The server's name, used in diagnostics and generated object names.
    pub name: String,
    /// The corporate-facing IPv6 address: the next hop for its clients.
    pub address: Ipv6Addr,
    /// The IP-HTTPS client prefix (`ClientIPv6Prefix`).
    pub client_prefix: Ipv6Net,
    /// The entry point the server belongs to; `None` makes it an entry point of its own.
    pub entry_point: Option<String>,
    /// Whether the server advertises Teredo.
    pub teredo: bool,
    /// The first of the server's two consecutive public IPv4 addresses.
    pub teredo_ipv4: Option<Ipv4Addr>,
    /// The Teredo prefix; derived from `teredo_ipv4` when not given.
    pub teredo_prefix: Option<Ipv6Net>,
    /// The VPN clients' IPv6 prefix, routed like the client prefix.
    pub vpn_prefix: Option<Ipv6Net>,
}

impl Server {
    /// A server with only the required fields set.
    pub fn new(name: impl Into<String>, address: Ipv6Addr, client_prefix: Ipv6Net) -> Self {
        Self {
            name: name.into(),
            address,
            client_prefix,
            entry_point: None,
            teredo: false,
            teredo_ipv4: None,
            teredo_prefix: None,
            vpn_prefix: None,
        }
    }

    /// The Teredo prefix this server's clients use: `teredo_prefix`, or the one derived
    /// from `teredo_ipv4`.
    ///
    /// ```
    /// use manageout::Server;
    /// let mut s = Server::new("EDGE1", "2001:db8:1::2".parse()?, "2001:db8:1:1000::/59".parse()?);
    /// s.teredo_ipv4 = Some("131.107.0.2".parse()?);
    /// assert_eq!(s.effective_teredo_prefix(), Some("2001:0:836b:2::/64".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn effective_teredo_prefix(&self) -> Option<Ipv6Net> {
        self.teredo_prefix
            .or_else(|| self.teredo_ipv4.map(crate::net::teredo_prefix_of))
    }

    /// The Teredo prefix routed to this server: its Teredo prefix when Teredo is
    /// advertised (when it is not, no client uses it).
    ///
    /// ```
    /// use manageout::Server;
    /// let mut s = Server::new("EDGE1", "2001:db8:1::2".parse()?, "2001:db8:1:1000::/59".parse()?);
    /// s.teredo_ipv4 = Some("131.107.0.2".parse()?);
    /// assert_eq!(s.routed_teredo_prefix(), None);
    /// s.teredo = true;
    /// assert_eq!(s.routed_teredo_prefix(), Some("2001:0:836b:2::/64".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn routed_teredo_prefix(&self) -> Option<Ipv6Net> {
        self.teredo
            .then(|| self.effective_teredo_prefix())
            .flatten()
    }

    /// The prefixes routed to this server: the client prefix, the VPN prefix, and the
    /// Teredo prefix when Teredo is advertised (when it is not, no client uses it).
    pub fn routes(&self) -> impl Iterator<Item = (Ipv6Net, RouteKind)> + '_ {
        std::iter::once((self.client_prefix, RouteKind::Client))
            .chain(self.vpn_prefix.map(|p| (p, RouteKind::Vpn)))
            .chain(self.routed_teredo_prefix().map(|p| (p, RouteKind::Teredo)))
    }
}

/// How a load-balanced entry point spreads its clients over its nodes.
///
/// ```
/// use manageout::LoadBalancer;
/// assert_eq!(LoadBalancer::External.max_nodes(), 32);
/// assert_eq!(LoadBalancer::Nlb.max_nodes(), 8);
/// assert_eq!("nlb".parse::<LoadBalancer>(), Ok(LoadBalancer::Nlb));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadBalancer {
    /// An external load balancer (a BIG-IP): up to 32 nodes.
    #[default]
    External,
    /// Windows Network Load Balancing: up to 8 nodes.
    Nlb,
}

impl LoadBalancer {
    /// Every kind, in the order the farm file documents them.
    pub const ALL: [Self; 2] = [Self::External, Self::Nlb];

    /// The farm file's name of the kind: `external` or `nlb`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::External => "external",
            Self::Nlb => "nlb",
        }
    }

    /// The most nodes Remote Access supports behind this kind (Microsoft's cluster
    /// planning: 32 with an external load balancer, 8 with NLB).
    pub const fn max_nodes(self) -> usize {
        match self {
            Self::External => 32,
            Self::Nlb => 8,
        }
    }
}

impl std::str::FromStr for LoadBalancer {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|l| l.as_str() == s).ok_or(())
    }
}

impl fmt::Display for LoadBalancer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A load-balanced entry point (a cluster), declared once with `[[entry_point]]`:
/// every node's `Get-DAServer` shows its `client_prefix` (a /59), and each node,
/// a [`Server`] whose `entry_point` names it, serves its IP-HTTPS clients from its
/// own /64 inside it. Manage Out must reach the node, never the VIP.
///
/// ```
/// use manageout::{EntryPoint, LoadBalancer};
/// let c = EntryPoint::new("Cluster1", "2131:0:0:1000::/59".parse()?);
/// assert_eq!(c.load_balancer, LoadBalancer::External);
/// assert!(c.vip.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPoint {
    /// The entry point's name (EntrypointName); nodes name it in `entry_point`.
    pub name: String,
    /// The cluster-wide ClientIPv6Prefix every node reports (a /59).
    pub client_prefix: Ipv6Net,
    /// The internal VIP, for documentation and audit: never a next hop.
    pub vip: Option<Ipv6Addr>,
    /// What spreads the clients over the nodes.
    pub load_balancer: LoadBalancer,
}

impl EntryPoint {
    /// An entry point behind an external load balancer, without a VIP.
    pub fn new(name: impl Into<String>, client_prefix: Ipv6Net) -> Self {
        Self {
            name: name.into(),
            client_prefix,
            vip: None,
            load_balancer: LoadBalancer::External,
        }
    }
}

/// BIG-IP settings used by the tmsh and AS3 renderers.
///
/// ```
/// let b = manageout::BigIp::default();
/// assert_eq!(b.partition, "Common");
/// assert!(b.vlans.is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BigIp {
    /// The administrative partition (AS3 tenant); default `Common`.
    pub partition: String,
    /// The VLANs the Manage Out virtuals listen on; `None` means every VLAN.
    pub vlans: Option<Vec<String>>,
    /// The route domain, rendered as `%N` when non-zero.
    pub route_domain: Option<u16>,
    /// An optional pool monitor, such as `gateway_icmp`.
    pub monitor: Option<String>,
    /// The internal floating self IP: the next hop corporate routers send the DA
    /// client prefixes to (the `corp-routes` target).
    #[serde(default)]
    pub self_ip: Option<Ipv6Addr>,
    /// The config-sync device group of an HA pair (`failover-group`, or a full
    /// path): `deploy` asks AS3 to sync the change to it (`syncToGroup`).
    #[serde(default)]
    pub sync_group: Option<String>,
}

impl Default for BigIp {
    fn default() -> Self {
        Self {
            partition: "Common".to_owned(),
            vlans: None,
            route_domain: None,
            monitor: None,
            self_ip: None,
            sync_group: None,
        }
    }
}

/// A management protocol that Manage Out opens towards the DA clients, and the
/// ports the clients' firewall must let in (inbound, on the client).
///
/// | farm file | protocol | client ports |
/// |---|---|---|
/// | `rdp` | TCP and UDP | 3389 (Remote Desktop) |
/// | `winrm` | TCP | 5985 (WinRM over HTTP, PowerShell remoting) |
/// | `winrm-https` | TCP | 5986 (WinRM over HTTPS) |
/// | `smb` | TCP | 445 (file shares, remote administration) |
/// | `icmp` | ICMPv6 | echo request, type 128 (ping) |
/// | `sccm-remote-control` | TCP | 2701 (Configuration Manager remote control) |
/// | `tcp:PORT`, `udp:PORT` | TCP or UDP | PORT (1-65535) |
///
/// ```
/// use manageout::Service;
/// let s: Service = "winrm".parse()?;
/// assert_eq!(s.rules(), [("TCP", 5985)]);
/// assert_eq!("tcp:8530".parse::<Service>()?, Service::Tcp(8530));
/// assert_eq!(Service::Udp(161).to_string(), "udp:161");
/// assert!("telnet".parse::<Service>().is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Service {
    /// Remote Desktop: TCP and UDP 3389.
    Rdp,
    /// WinRM over HTTP (PowerShell remoting): TCP 5985.
    WinRm,
    /// WinRM over HTTPS: TCP 5986.
    WinRmHttps,
    /// SMB: TCP 445.
    Smb,
    /// ICMPv6 echo request (type 128).
    Icmp,
    /// Configuration Manager remote control: TCP 2701.
    SccmRemoteControl,
    /// Any TCP port.
    Tcp(u16),
    /// Any UDP port.
    Udp(u16),
}

impl Service {
    /// The named services, in the order the farm file documents them.
    pub const NAMED: [Self; 6] = [
        Self::Rdp,
        Self::WinRm,
        Self::WinRmHttps,
        Self::Smb,
        Self::Icmp,
        Self::SccmRemoteControl,
    ];

    /// The protocol (`TCP`, `UDP` or `ICMPv6`, as `New-NetFirewallRule -Protocol`
    /// writes them) and port (for ICMPv6 the type) of each firewall rule the
    /// service needs.
    pub fn rules(&self) -> Vec<(&'static str, u16)> {
        match *self {
            Self::Rdp => vec![("TCP", 3389), ("UDP", 3389)],
            Self::WinRm => vec![("TCP", 5985)],
            Self::WinRmHttps => vec![("TCP", 5986)],
            Self::Smb => vec![("TCP", 445)],
            Self::Icmp => vec![("ICMPv6", 128)],
            Self::SccmRemoteControl => vec![("TCP", 2701)],
            Self::Tcp(p) => vec![("TCP", p)],
            Self::Udp(p) => vec![("UDP", p)],
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rdp => f.write_str("rdp"),
            Self::WinRm => f.write_str("winrm"),
            Self::WinRmHttps => f.write_str("winrm-https"),
            Self::Smb => f.write_str("smb"),
            Self::Icmp => f.write_str("icmp"),
            Self::SccmRemoteControl => f.write_str("sccm-remote-control"),
            Self::Tcp(p) => write!(f, "tcp:{p}"),
            Self::Udp(p) => write!(f, "udp:{p}"),
        }
    }
}

impl std::str::FromStr for Service {
    type Err = String;

    /// A named service, or `tcp:PORT` / `udp:PORT` with PORT 1-65535; the error
    /// says what is accepted.
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(named) = Self::NAMED.into_iter().find(|n| n.to_string() == s) {
            return Ok(named);
        }
        let custom = s.split_once(':').and_then(|(proto, port)| {
            let port = port.parse::<u16>().ok().filter(|p| *p != 0)?;
            match proto {
                "tcp" => Some(Self::Tcp(port)),
                "udp" => Some(Self::Udp(port)),
                _ => None,
            }
        });
        custom.ok_or_else(|| {
            format!(
                "write one of {}, or `tcp:PORT` / `udp:PORT` with a port from 1 to 65535",
                Self::NAMED.map(|n| format!("`{n}`")).join(", ")
            )
        })
    }
}

impl From<Service> for String {
    fn from(s: Service) -> Self {
        s.to_string()
    }
}

impl TryFrom<String> for Service {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

/// Who manages the DA clients, and how (`[manage_out]`): every key optional; an
/// empty value means the farm does not say.
///
/// ```
/// use manageout::{ManageOut, Service};
/// let m = ManageOut {
///     management_servers: vec!["2131::50/128".parse()?, "2131:0:0:10::/64".parse()?],
///     services: vec![Service::Rdp, Service::WinRm],
///     gpo: Some("contoso.com\\DirectAccess Client Settings".into()),
/// };
/// assert!(m.is_defined());
/// assert!(!ManageOut::default().is_defined());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManageOut {
    /// The management servers' IPv6 addresses (as /128s) and prefixes: they must
    /// be registered with DirectAccess (`Add-DAMgmtServer`) and are the only
    /// remote addresses the clients' firewall rules let in.
    #[serde(default)]
    pub management_servers: Vec<Ipv6Net>,
    /// The management protocols the clients must accept.
    #[serde(default)]
    pub services: Vec<Service>,
    /// The DA client GPO the firewall rules go into (`-PolicyStore`,
    /// `domain\GPO name`).
    #[serde(default)]
    pub gpo: Option<String>,
}

impl ManageOut {
    /// Whether the farm says anything about Manage Out's management side.
    pub fn is_defined(&self) -> bool {
        !self.management_servers.is_empty() || !self.services.is_empty() || self.gpo.is_some()
    }
}

/// A DirectAccess farm: its servers and how the load balancer in front reaches them.
///
/// ```
/// use manageout::{Farm, Server};
/// let farm = Farm::new(vec![
///     Server::new("DA1", "2131::101".parse()?, "2131:0:0:1000::/59".parse()?),
///     Server::new("DA2", "2131::201".parse()?, "2131:0:0:1020::/59".parse()?),
/// ]);
/// assert!(farm.check().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Farm {
    /// The farm's name, used in generated object names.
    pub name: Option<String>,
    /// The organisation's internal prefix (`InternalIPv6Prefix`).
    pub internal_prefix: Option<Ipv6Net>,
    /// Whether Windows 7 clients connect (they do not fail over between entry points).
    pub windows7_clients: bool,
    /// BIG-IP settings.
    pub bigip: BigIp,
    /// The servers, in file order; a server's position is its [`ServerId`].
    pub servers: Vec<Server>,
    /// The load-balanced entry points declared with `[[entry_point]]`; their
    /// nodes are the servers that name them.
    #[serde(default)]
    pub entry_points: Vec<EntryPoint>,
    /// The management servers and services (`[manage_out]`).
    #[serde(default)]
    pub manage_out: ManageOut,
}

impl Farm {
    /// A farm with these servers and default settings.
    pub fn new(servers: Vec<Server>) -> Self {
        Self {
            servers,
            ..Self::default()
        }
    }

    /// The server with this id, if it belongs to the farm.
    pub fn server(&self, id: ServerId) -> Option<&Server> {
        self.servers.get(id.index())
    }

    /// The load-balanced entry point a server is a node of: the declared
    /// `[[entry_point]]` its `entry_point` names (compared without case).
    ///
    /// ```
    /// use manageout::{EntryPoint, Farm, Server};
    /// let mut node = Server::new("N1", "2131::11".parse()?, "2131:0:0:1000::/64".parse()?);
    /// node.entry_point = Some("cluster1".into());
    /// let mut farm = Farm::new(vec![node]);
    /// farm.entry_points.push(EntryPoint::new("Cluster1", "2131:0:0:1000::/59".parse()?));
    /// assert_eq!(farm.cluster_of(&farm.servers[0]).unwrap().name, "Cluster1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cluster_of(&self, server: &Server) -> Option<&EntryPoint> {
        let name = server.entry_point.as_deref()?;
        self.entry_points
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }
}
