//! `Table` and `Server`: a checked farm's lookup table, its frozen servers created
//! once per table.

use std::sync::Arc;

use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::convert::{address_bits, lookup_packed};
use crate::fast;

/// One DA server of a table.
#[napi(object)]
#[derive(Clone)]
pub struct Server {
    /// Position in `table.servers`; what `lookupMany` returns.
    pub index: u32,
    /// The server's name.
    pub name: String,
    /// Its corporate-facing IPv6 address (the pool member).
    pub address: String,
    /// Its IP-HTTPS client prefix.
    pub client_prefix: String,
    /// Its entry point, in a multisite farm.
    pub entry_point: Option<String>,
    /// Its VPN client prefix, when routed.
    pub vpn_prefix: Option<String>,
    /// Its Teredo prefix, when Teredo is enabled.
    pub teredo_prefix: Option<String>,
}

/// A validated farm's lookup table.
#[napi]
pub struct Table {
    table: Arc<manageout::Table>,
}

/// The non-enumerable property of a Table instance holding its frozen array of
/// frozen Server objects: `lookup` hands out these objects instead of building
/// one per call (so `table.lookup(a) === table.servers[i]`).
const SERVERS_KEY: &str = "__manageoutServers";

impl Table {
    pub(crate) fn create(env: &Env, table: manageout::Table) -> Result<ClassInstance<'_, Self>> {
        let servers: Vec<Server> = table
            .servers()
            .iter()
            .enumerate()
            .map(|(i, s)| Server {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                name: s.name.clone(),
                address: s.address.to_string(),
                client_prefix: s.client_prefix.to_string(),
                entry_point: s.entry_point.clone(),
                vpn_prefix: s.vpn_prefix.map(|p| p.to_string()),
                teredo_prefix: s.routed_teredo_prefix().map(|p| p.to_string()),
            })
            .collect();
        let count = u32::try_from(servers.len()).unwrap_or(u32::MAX);
        let mut array = Array::from_vec(env, servers)?;
        let mut objects = Vec::new();
        for i in 0..count {
            if let Some(mut server) = array.get::<Object<'_>>(i)? {
                server.freeze()?;
                objects.push(server.raw());
            }
        }
        array.freeze()?;
        let table = Arc::new(table);
        let instance = Self {
            table: Arc::clone(&table),
        }
        .into_instance(env)?;
        let mut object = instance.as_object(env);
        object.define_properties(&[Property::new()
            .with_utf8_name(SERVERS_KEY)?
            .with_value(&array)
            .with_property_attributes(PropertyAttributes::Default)])?;
        fast::install(env, object.raw(), &table, &objects)?;
        Ok(instance)
    }

    fn server<'env>(this: &This<'env>, index: Option<usize>) -> Result<Option<Object<'env>>> {
        let Some(i) = index.and_then(|i| u32::try_from(i).ok()) else {
            return Ok(None);
        };
        this.get_named_property_unchecked::<Array<'env>>(SERVERS_KEY)?
            .get::<Object<'env>>(i)
    }
}

#[napi]
impl Table {
    /// The server owning an address (string, or 16-byte Buffer/Uint8Array), or
    /// null; the same (frozen) object as in `servers`.
    #[napi(
        ts_args_type = "address: string | Uint8Array",
        ts_return_type = "Readonly<Server> | null"
    )]
    pub fn lookup<'env>(
        &self,
        this: This<'env>,
        env: Env,
        address: Unknown<'_>,
    ) -> Result<Option<Object<'env>>> {
        let bits = address_bits(address, "lookup(): address").map_err(|f| f.throw(&env))?;
        Self::server(&this, self.table.lookup(bits).map(|id| id.index()))
    }

    /// The index in `servers` of the server owning an address, or -1.
    #[napi(ts_args_type = "address: string | Uint8Array")]
    pub fn lookup_index(&self, env: Env, address: Unknown<'_>) -> Result<i32> {
        let bits = address_bits(address, "lookupIndex(): address").map_err(|f| f.throw(&env))?;
        Ok(self.table.lookup(bits).map_or(-1, |id| id.index() as i32))
    }

    /// Server indexes (-1 for none) for packed 16-byte addresses.
    #[napi]
    pub fn lookup_many(&self, env: Env, addresses: &[u8]) -> Result<Int32Array> {
        lookup_packed(&env, addresses, |keys, out| {
            self.table
                .lookup_batch_map(keys, out, |id| id.map_or(-1, |id| id.index() as i32))
        })
    }

    /// The servers (frozen); a server's position is the index `lookupMany` returns.
    #[napi(getter, ts_return_type = "ReadonlyArray<Readonly<Server>>")]
    pub fn servers<'env>(&self, this: This<'env>) -> Result<Array<'env>> {
        this.get_named_property_unchecked(SERVERS_KEY)
    }

    /// The number of routes (client, VPN and Teredo prefixes) in the table.
    #[napi(getter)]
    pub fn route_count(&self) -> u32 {
        u32::try_from(self.table.route_count()).unwrap_or(u32::MAX)
    }
}
