//! [`Router`]: the current table, swapped atomically while other threads look up.
//!
//! Owns: the atomic swap ([`arc_swap`]). May not: build or check tables; it holds
//! whatever `T` it is given.

use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::{ArcSwap, Guard};

use crate::model::ServerId;
use crate::table::{Ipv6Key, Route, Table};

/// Holds the current [`Table`] (or any table type) and swaps in a new one atomically:
/// each lookup sees the old or the new table, never a mix, and readers never block.
///
/// ```
/// use manageout::{Farm, Router, Server, Table, ValidFarm};
/// let one = ValidFarm::new(Farm::new(vec![Server::new("DA1", "2131::101".parse()?, "2131:0:0:1000::/59".parse()?)]))?;
/// let two = ValidFarm::new(Farm::new(vec![Server::new("DA2", "2131::201".parse()?, "2131:0:0:1000::/59".parse()?)]))?;
/// let router = Router::new(Table::new(&one));
/// let addr: std::net::Ipv6Addr = "2131:0:0:1005::1".parse()?;
/// assert_eq!(router.route(addr).unwrap().next_hop.to_string(), "2131::101");
/// router.swap(Table::new(&two));
/// assert_eq!(router.route(addr).unwrap().next_hop.to_string(), "2131::201");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Router<T = Table> {
    current: ArcSwap<T>,
    /// Replaced tables that a reader still used when they were replaced: kept here
    /// (a reference of our own) so that the reader's release never frees them, and
    /// freed by the next [`replace`](Self::replace) that finds them unused, or
    /// with the router. Only writers lock it.
    retired: Mutex<Vec<Arc<T>>>,
}

impl<T> Router<T> {
    /// A router serving `table`.
    pub fn new(table: T) -> Self {
        Self {
            current: ArcSwap::from_pointee(table),
            retired: Mutex::new(Vec::new()),
        }
    }

    /// A router serving a table that is shared already (the C binding's
    /// reference-counted tables).
    pub fn from_arc(table: Arc<T>) -> Self {
        Self {
            current: ArcSwap::new(table),
            retired: Mutex::new(Vec::new()),
        }
    }

    /// A cheap, lock-free view of the current table, for several lookups from one
    /// snapshot (hold it briefly: it delays freeing a replaced table).
    #[inline]
    pub fn load(&self) -> Guard<Arc<T>> {
        self.current.load()
    }

    /// A counted reference to the current table, for keeping it longer.
    pub fn current(&self) -> Arc<T> {
        self.current.load_full()
    }

    /// Makes `table` current and returns the one it replaced. Lookups already
    /// running finish on the old table.
    pub fn swap(&self, table: T) -> Arc<T> {
        self.current.swap(Arc::new(table))
    }

    /// Makes `table` current and frees the replaced one on the calling (writer's)
    /// thread, so that no reader ever pays for freeing a table: when lookups still
    /// run on it, the router keeps it and the next `replace` that finds it unused
    /// (or dropping the router) frees it. Never waits. Returns how many replaced
    /// tables are still in use (kept for a later `replace`): lookups running right
    /// now, or references taken with [`current`](Self::current).
    ///
    /// ```
    /// use manageout::{PrefixMap, Router};
    /// let router = Router::new(PrefixMap::new([("2001:db8::/32".parse()?, 1)])?);
    /// let kept = router.current();
    /// assert_eq!(router.replace(PrefixMap::new([("2001:db8::/32".parse()?, 2)])?), 1);
    /// assert_eq!(router.load().lookup(0x2001_0db8_u128 << 96), Some(&2));
    /// drop(kept);
    /// assert_eq!(router.replace(PrefixMap::new([("2001:db8::/32".parse()?, 3)])?), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replace(&self, table: T) -> usize {
        let old = self.swap(table);
        let mut retired = self.retired.lock().unwrap_or_else(PoisonError::into_inner);
        retired.push(old);
        let mut still_used = Vec::new();
        for table in retired.drain(..) {
            if let Err(table) = Arc::try_unwrap(table) {
                still_used.push(table);
            }
        }
        *retired = still_used;
        retired.len()
    }

    /// Makes a shared table current and returns the one it replaced.
    pub fn swap_arc(&self, table: Arc<T>) -> Arc<T> {
        self.current.swap(table)
    }
}

impl Router<Table> {
    /// The server owning `addr` in the current table.
    #[inline]
    pub fn lookup<K: Ipv6Key>(&self, addr: K) -> Option<ServerId> {
        self.current.load().lookup(addr)
    }

    /// The route of `addr` in the current table (server, next hop, prefix and kind,
    /// all from one snapshot).
    #[inline]
    pub fn route<K: Ipv6Key>(&self, addr: K) -> Option<Route> {
        self.current.load().route(addr)
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Router<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("current", &self.current.load())
            .finish()
    }
}
