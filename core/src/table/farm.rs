//! The farm's lookup table: a [`PrefixMap`] from every route of a checked farm to
//! its server and kind.

use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

use super::{Ipv6Key, PrefixMap};
use crate::check::ValidFarm;
use crate::error::Error;
use crate::model::{Farm, RouteKind, Server, ServerId};

/// What a farm lookup found: the server, the matched prefix and its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The server owning the prefix.
    pub server: ServerId,
    /// The server's corporate-facing address: where to forward the packet.
    pub next_hop: Ipv6Addr,
    /// The matched prefix.
    pub prefix: Ipv6Net,
    /// Whether it is the client, VPN or Teredo prefix.
    pub kind: RouteKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Target {
    server: ServerId,
    kind: RouteKind,
}

/// A validated farm's lookup table: which DA server owns the client behind an address.
///
/// ```
/// use manageout::{Farm, Table};
/// let farm = Farm::from_toml_str(r#"
/// [[server]]
/// name = "DA1"
/// address = "2131::101"
/// client_prefix = "2131:0:0:1000::/59"
/// "#, "farm.toml").into_valid_farm()?;
/// let table = Table::new(&farm);
/// let addr: std::net::Ipv6Addr = "2131:0:0:1005::1".parse()?;
/// let id = table.lookup(addr).unwrap();
/// assert_eq!(table.server(id).unwrap().name, "DA1");
/// assert_eq!(table.route(addr).unwrap().next_hop.to_string(), "2131::101");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Table {
    farm: Farm,
    map: PrefixMap<Target>,
}

impl Table {
    /// Builds the table of a checked farm.
    pub fn new(farm: &ValidFarm) -> Self {
        let mut routes = Vec::new();
        for (i, s) in farm.servers.iter().enumerate() {
            let server = ServerId::new(i as u32);
            routes.extend(s.routes().map(|(p, kind)| (p, Target { server, kind })));
        }
        // a valid farm's prefixes have no host bits and are far fewer than
        // MAX_PREFIXES, so the map always builds; an empty table is the
        // unreachable fallback, never a panic
        let map = PrefixMap::new(routes).unwrap_or_else(|_| PrefixMap::empty());
        Self {
            farm: farm.farm().clone(),
            map,
        }
    }

    /// The server whose prefix holds `addr`.
    #[inline]
    pub fn lookup<K: Ipv6Key>(&self, addr: K) -> Option<ServerId> {
        self.map.lookup(addr).map(|t| t.server)
    }

    /// The server, next hop, matched prefix and kind for `addr`.
    #[inline]
    pub fn route<K: Ipv6Key>(&self, addr: K) -> Option<Route> {
        let (prefix, t) = self.map.lookup_entry(addr)?;
        let server = self.farm.servers.get(t.server.index())?;
        Some(Route {
            server: t.server,
            next_hop: server.address,
            prefix,
            kind: t.kind,
        })
    }

    /// Looks up every address of `addrs` into `out`; fails with
    /// [`Error::LengthMismatch`], writing nothing, when the slices differ in length.
    pub fn lookup_batch<K: Ipv6Key>(
        &self,
        addrs: &[K],
        out: &mut [Option<ServerId>],
    ) -> Result<(), Error> {
        self.lookup_batch_map(addrs, out, |id| id)
    }

    /// Looks up every address, writing `f(server)` to `out[i]` for `addrs[i]`: the
    /// batch lookup for callers that convert each answer (the bindings' integer
    /// arrays). Fails like [`lookup_batch`](Self::lookup_batch).
    ///
    /// ```
    /// # use manageout::{Farm, Table};
    /// # let farm = Farm::from_toml_str("[[server]]\nname = \"DA1\"\naddress = \"2131::101\"\nclient_prefix = \"2131:0:0:1000::/59\"\n", "farm.toml").into_valid_farm()?;
    /// let table = Table::new(&farm);
    /// let mut out = [0i32; 2];
    /// table.lookup_batch_map(&[0x2131_0000_0000_1005_u128 << 64, 0], &mut out, |id| {
    ///     id.map_or(-1, |id| id.index() as i32)
    /// })?;
    /// assert_eq!(out, [0, -1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lookup_batch_map<K: Ipv6Key, T>(
        &self,
        addrs: &[K],
        out: &mut [T],
        f: impl Fn(Option<ServerId>) -> T,
    ) -> Result<(), Error> {
        self.map
            .lookup_batch_map(addrs, out, |t| f(t.map(|t| t.server)))
    }

    /// The servers, indexed by [`ServerId`].
    pub fn servers(&self) -> &[Server] {
        &self.farm.servers
    }

    /// The server with this id.
    pub fn server(&self, id: ServerId) -> Option<&Server> {
        self.farm.server(id)
    }

    /// The farm the table was built from.
    pub fn farm(&self) -> &Farm {
        &self.farm
    }

    /// The number of routed prefixes.
    pub fn route_count(&self) -> usize {
        self.map.len()
    }

    /// Bytes held by the table's lookup structure.
    pub fn memory_bytes(&self) -> usize {
        self.map.memory_bytes()
    }
}
