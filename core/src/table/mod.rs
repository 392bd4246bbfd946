//! Longest-prefix-match tables: the generic [`PrefixMap`] and the farm [`Table`].
//!
//! Both are immutable once built, `Send + Sync`, and answer lookups without
//! allocating, locking or panicking. To change the prefixes, build a new table and
//! swap it in with a [`Router`](crate::Router).

mod index;

use std::fmt;
use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

use crate::error::Error;
use crate::model::{Farm, RouteKind, Server, ServerId};
use index::{NONE, Ranges, Trie, flatten};

/// The most prefixes a [`PrefixMap`] accepts: 16,777,216 (a full IPv6 internet
/// table has about 250,000).
pub const MAX_PREFIXES: usize = 1 << 24;

/// Parses an IPv6 address in text, exactly as [`Ipv6Addr`]'s `FromStr` does, with a
/// fast path for the common forms (hex groups and `::`); other forms (an IPv4 tail)
/// go to the standard parser. For bindings that look up addresses given as strings.
///
/// ```
/// use manageout::table::parse_ipv6;
/// assert_eq!(parse_ipv6("2131:0:0:1005::1"), Some(0x2131_0000_0000_1005_0000_0000_0000_0001));
/// assert_eq!(parse_ipv6("::ffff:192.0.2.1"), Some(0xffff_c000_0201));
/// assert_eq!(parse_ipv6("::1"), Some(1));
/// assert_eq!(parse_ipv6("2131::g"), None);
/// ```
pub fn parse_ipv6(text: &str) -> Option<u128> {
    parse_ipv6_fast(text.as_bytes()).or_else(|| text.parse::<Ipv6Addr>().ok().map(u128::from))
}

/// The fast path of [`parse_ipv6`]: `None` for anything it does not handle.
fn parse_ipv6_fast(b: &[u8]) -> Option<u128> {
    if b.len() < 2 || b.len() > 39 {
        return None;
    }
    let mut head = 0u128;
    let mut head_n = 0u32;
    let mut tail = 0u128;
    let mut tail_n = 0u32;
    let mut gap = false;
    let mut i = 0;
    if b[0] == b':' {
        if b[1] != b':' {
            return None;
        }
        gap = true;
        i = 2;
        if i == b.len() {
            return Some(0);
        }
    }
    loop {
        let mut v = 0u32;
        let mut digits = 0;
        while let Some(&c) = b.get(i) {
            let h = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => break,
            };
            v = (v << 4) | u32::from(h);
            digits += 1;
            i += 1;
            if digits > 4 {
                return None;
            }
        }
        if digits == 0 {
            return None;
        }
        if gap {
            tail = (tail << 16) | u128::from(v);
            tail_n += 1;
        } else {
            head = (head << 16) | u128::from(v);
            head_n += 1;
        }
        if head_n + tail_n > 8 {
            return None;
        }
        match b.get(i) {
            None => break,
            Some(b':') => i += 1,
            Some(_) => return None,
        }
        if b.get(i) == Some(&b':') {
            if gap {
                return None;
            }
            gap = true;
            i += 1;
            if i == b.len() {
                break;
            }
        } else if i == b.len() {
            return None;
        }
    }
    let n = head_n + tail_n;
    if gap {
        if n > 7 {
            return None;
        }
        // no groups before `::` leaves `head` 0 (a shift by 128 would overflow)
        Some(head.checked_shl(16 * (8 - head_n)).unwrap_or(0) | tail)
    } else if n == 8 {
        Some(head)
    } else {
        None
    }
}

/// Addresses a batch lookup handles per round (its stack buffers).
const BATCH: usize = 64;

/// Sets with at most this many flattened ranges use the flat range search; larger
/// ones the trie. A 64-server farm with VPN and Teredo prefixes stays below it.
const SMALL_RANGES: usize = 512;

/// Which lookup structure a [`PrefixMap`] uses. [`Layout::Auto`] (what
/// [`PrefixMap::new`] does) picks by size; the others exist for measurements and
/// tests, and give the same answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layout {
    /// Ranges for small sets (up to 512 flattened ranges), the trie for larger ones.
    #[default]
    Auto,
    /// Branch-free binary search over sorted range starts.
    Ranges,
    /// Poptrie-style multibit trie with a 16-bit direct first level.
    Trie,
}

/// Anything a lookup accepts as an IPv6 address: [`Ipv6Addr`], `u128` (the address
/// as a big-endian integer) and `[u8; 16]` (network byte order).
///
/// ```
/// use manageout::Ipv6Key;
/// let a: std::net::Ipv6Addr = "2001:db8::1".parse().unwrap();
/// assert_eq!(a.to_bits(), u128::from(a));
/// assert_eq!(a.octets().to_bits(), u128::from(a));
/// ```
pub trait Ipv6Key: Copy {
    /// The address as a big-endian integer.
    fn to_bits(self) -> u128;
}

impl Ipv6Key for Ipv6Addr {
    #[inline]
    fn to_bits(self) -> u128 {
        Self::to_bits(self)
    }
}

impl Ipv6Key for u128 {
    #[inline]
    fn to_bits(self) -> u128 {
        self
    }
}

impl Ipv6Key for [u8; 16] {
    #[inline]
    fn to_bits(self) -> u128 {
        u128::from_be_bytes(self)
    }
}

impl<K: Ipv6Key> Ipv6Key for &K {
    #[inline]
    fn to_bits(self) -> u128 {
        (*self).to_bits()
    }
}

#[derive(Clone)]
enum Index {
    Ranges(Ranges),
    Trie(Trie),
}

/// An immutable map from IPv6 prefixes to values, answering longest-prefix match.
///
/// Built once from `(prefix, value)` pairs. A prefix with host bits set is an error
/// naming it; when the same prefix appears twice, the **last value wins**.
///
/// # Complexity and memory
/// Building sorts the prefixes and flattens them into disjoint address ranges:
/// `O(n log n)` time. Small sets (up to 512 ranges, every DirectAccess farm) are
/// searched branch-free over the range starts: up to 8 ranges (a farm of two or
/// three servers) by counting the starts below the address, more by a
/// quaternary/binary search: `O(log n)` steps in L1 cache, 12 bytes per range
/// (8-byte starts when every prefix is /64 or shorter, else 16). Large sets use a
/// Poptrie-style multibit trie: a 4 MiB direct array on the top 20 bits, then one
/// 40-byte node per 7 bits of prefix depth, so a lookup costs at most
/// `1 + ceil((len - 20) / 7)` dependent memory reads for a match of length `len`
/// (5 for a /48); batch lookups walk 8 addresses in lockstep so that their cache
/// misses overlap. The real 246,175-prefix RIS table takes 59 bytes per prefix in
/// all, 24 of them the entries themselves
/// (measured with [`memory_bytes`](Self::memory_bytes)). Lookups never allocate, lock or panic.
///
/// ```
/// use manageout::PrefixMap;
/// let map = PrefixMap::new([
///     ("2001:db8::/32".parse()?, "documentation"),
///     ("2001:db8:1::/48".parse()?, "lab"),
/// ])?;
/// let addr: std::net::Ipv6Addr = "2001:db8:1::1".parse()?;
/// assert_eq!(map.lookup(addr), Some(&"lab"));
/// assert_eq!(map.lookup(0u128), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PrefixMap<V> {
    entries: Box<[(Ipv6Net, V)]>,
    index: Index,
}

impl<V> PrefixMap<V> {
    /// Builds the map. Fails on a prefix with host bits set ([`Error::HostBits`]) or
    /// more than [`MAX_PREFIXES`] prefixes ([`Error::TooManyPrefixes`]).
    pub fn new<I>(prefixes: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (Ipv6Net, V)>,
    {
        Self::with_layout(prefixes, Layout::Auto)
    }

    /// Builds the map with a chosen lookup structure (see [`Layout`]).
    ///
    /// ```
    /// use manageout::{PrefixMap, table::Layout};
    /// let map = PrefixMap::with_layout([("2001:db8::/32".parse()?, 1)], Layout::Trie)?;
    /// assert_eq!(map.lookup(0x2001_0db8_u128 << 96), Some(&1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_layout<I>(prefixes: I, layout: Layout) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (Ipv6Net, V)>,
    {
        let prefixes = prefixes.into_iter();
        // an iterator that says it is too long is refused before anything is read
        if prefixes.size_hint().0 > MAX_PREFIXES {
            return Err(Error::TooManyPrefixes { max: MAX_PREFIXES });
        }
        let mut items: Vec<(Ipv6Net, V)> = Vec::new();
        for (prefix, value) in prefixes {
            if prefix.trunc() != prefix {
                return Err(Error::HostBits {
                    prefix,
                    network: prefix.trunc(),
                });
            }
            if items.len() == MAX_PREFIXES {
                return Err(Error::TooManyPrefixes { max: MAX_PREFIXES });
            }
            items.push((prefix, value));
        }
        // sort by (network, length), keeping input order among duplicates, then keep
        // the last of each run of equal prefixes
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by_key(|&i| (u128::from(items[i].0.network()), items[i].0.prefix_len(), i));
        let mut keep = vec![false; items.len()];
        for (k, &i) in order.iter().enumerate() {
            let last_of_run = order.get(k + 1).is_none_or(|&n| items[n].0 != items[i].0);
            keep[i] = last_of_run;
        }
        let mut slots: Vec<Option<(Ipv6Net, V)>> = items.into_iter().map(Some).collect();
        let entries: Box<[(Ipv6Net, V)]> = order
            .iter()
            .filter(|&&i| keep[i])
            .filter_map(|&i| slots[i].take())
            .collect();
        let keys: Vec<(u128, u8)> = entries
            .iter()
            .map(|(p, _)| (u128::from(p.network()), p.prefix_len()))
            .collect();
        let ranges = flatten(&keys);
        let small = match layout {
            Layout::Ranges => true,
            Layout::Trie => false,
            Layout::Auto => ranges.len() <= SMALL_RANGES,
        };
        let index = if small {
            Index::Ranges(Ranges::new(&ranges))
        } else {
            Index::Trie(Trie::new(&ranges))
        };
        Ok(Self { entries, index })
    }

    #[inline]
    fn find(&self, addr: u128) -> u32 {
        match &self.index {
            Index::Ranges(r) => r.lookup(addr),
            Index::Trie(t) => t.lookup(addr),
        }
    }

    /// The value of the longest prefix holding `addr`, if any.
    #[inline]
    pub fn lookup<K: Ipv6Key>(&self, addr: K) -> Option<&V> {
        let i = self.find(addr.to_bits());
        // NONE is u32::MAX, never a valid position: `get` answers None for it
        self.entries.get(i as usize).map(|(_, v)| v)
    }

    /// The position in [`entries`](Self::entries) of the longest prefix holding
    /// `addr`: for callers that keep per-entry data of their own in a dense array.
    ///
    /// ```
    /// use manageout::PrefixMap;
    /// let map = PrefixMap::new([("2001:db8::/32".parse()?, 'a'), ("::/0".parse()?, 'b')])?;
    /// assert_eq!(map.lookup_index(0u128), Some(0));
    /// assert_eq!(map.entries()[1].1, 'a');
    /// assert_eq!(map.lookup_index(0x2001_0db8_u128 << 96), Some(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn lookup_index<K: Ipv6Key>(&self, addr: K) -> Option<usize> {
        let i = self.find(addr.to_bits());
        (i != NONE).then_some(i as usize)
    }

    /// The longest prefix holding `addr` and its value.
    ///
    /// ```
    /// use manageout::PrefixMap;
    /// let map = PrefixMap::new([("2001:db8::/32".parse()?, 1)])?;
    /// let (prefix, value) = map.lookup_entry([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).unwrap();
    /// assert_eq!((prefix.to_string().as_str(), *value), ("2001:db8::/32", 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn lookup_entry<K: Ipv6Key>(&self, addr: K) -> Option<(Ipv6Net, &V)> {
        let i = self.find(addr.to_bits());
        if i == NONE {
            return None;
        }
        self.entries.get(i as usize).map(|(p, v)| (*p, v))
    }

    /// Looks up every address of `addrs`, writing `out[i]` for `addrs[i]`.
    ///
    /// Fails with [`Error::LengthMismatch`], writing nothing, when the slices differ
    /// in length.
    ///
    /// ```
    /// use manageout::PrefixMap;
    /// let map = PrefixMap::new([("2001:db8::/32".parse()?, 7)])?;
    /// let addrs = [0x2001_0db8_u128 << 96, 0];
    /// let mut out = [None; 2];
    /// map.lookup_batch(&addrs, &mut out)?;
    /// assert_eq!(out, [Some(&7), None]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lookup_batch<'a, K: Ipv6Key>(
        &'a self,
        addrs: &[K],
        out: &mut [Option<&'a V>],
    ) -> Result<(), Error> {
        self.lookup_batch_map(addrs, out, |v| v)
    }

    /// Looks up every address, writing `f(value)` to `out[i]` for `addrs[i]`: the
    /// batch lookup for callers that convert each answer (the bindings' integer
    /// arrays). Fails like [`lookup_batch`](Self::lookup_batch).
    ///
    /// ```
    /// use manageout::PrefixMap;
    /// let map = PrefixMap::new([("2001:db8::/32".parse()?, 7)])?;
    /// let mut out = [0i32; 2];
    /// map.lookup_batch_map(&[0x2001_0db8_u128 << 96, 0], &mut out, |v| v.map_or(-1, |v| *v))?;
    /// assert_eq!(out, [7, -1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lookup_batch_map<'a, K: Ipv6Key, T>(
        &'a self,
        addrs: &[K],
        out: &mut [T],
        f: impl Fn(Option<&'a V>) -> T,
    ) -> Result<(), Error> {
        same_length(addrs.len(), out.len())?;
        let mut found = [NONE; BATCH];
        for (addrs, out) in addrs.chunks(BATCH).zip(out.chunks_mut(BATCH)) {
            let found = &mut found[..addrs.len()];
            self.find_batch(addrs, found);
            for (o, i) in out.iter_mut().zip(found.iter()) {
                *o = f(self.entries.get(*i as usize).map(|(_, v)| v));
            }
        }
        Ok(())
    }

    /// Finds many addresses: the trie walks several in lockstep so that their
    /// cache misses overlap.
    #[inline]
    fn find_batch<K: Ipv6Key>(&self, addrs: &[K], out: &mut [u32]) {
        match &self.index {
            Index::Ranges(r) => r.lookup_batch(addrs, out),
            Index::Trie(t) => {
                let mut keys = [0u128; BATCH];
                for (addrs, out) in addrs.chunks(BATCH).zip(out.chunks_mut(BATCH)) {
                    for (k, a) in keys.iter_mut().zip(addrs) {
                        *k = a.to_bits();
                    }
                    t.lookup_batch(&keys[..addrs.len()], out);
                }
            }
        }
    }

    /// Looks up every address, writing the entry's position in [`entries`](Self::entries)
    /// (or `u32::MAX` for no match) to `out[i]`: the compact form bindings hand out.
    pub fn lookup_batch_indices<K: Ipv6Key>(
        &self,
        addrs: &[K],
        out: &mut [u32],
    ) -> Result<(), Error> {
        same_length(addrs.len(), out.len())?;
        self.find_batch(addrs, out);
        Ok(())
    }

    /// The prefixes and values, sorted by network then length, duplicates removed.
    pub fn entries(&self) -> &[(Ipv6Net, V)] {
        &self.entries
    }

    /// The number of distinct prefixes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no prefixes.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The lookup structure in use ([`Layout::Ranges`] or [`Layout::Trie`]).
    pub fn layout(&self) -> Layout {
        match self.index {
            Index::Ranges(_) => Layout::Ranges,
            Index::Trie(_) => Layout::Trie,
        }
    }

    /// Bytes held by the lookup structure and the entries (counted, not estimated).
    pub fn memory_bytes(&self) -> usize {
        let index = match &self.index {
            Index::Ranges(r) => r.memory_bytes(),
            Index::Trie(t) => t.memory_bytes(),
        };
        index + self.entries.len() * size_of::<(Ipv6Net, V)>() + size_of::<Self>()
    }
}

impl<V: fmt::Debug> fmt::Debug for PrefixMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(p, v)| (p, v)))
            .finish()
    }
}

/// A batch call's slices must have the same length.
fn same_length(addresses: usize, results: usize) -> Result<(), Error> {
    if addresses == results {
        Ok(())
    } else {
        Err(Error::LengthMismatch { addresses, results })
    }
}

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
/// "#, "farm.toml").into_farm()?;
/// let table = Table::new(&farm)?;
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
    /// Builds the table of a farm; a farm with any error diagnostic is refused with
    /// [`Error::InvalidFarm`] carrying the diagnostics.
    pub fn new(farm: &Farm) -> Result<Self, Error> {
        let diagnostics = farm.check();
        if diagnostics.iter().any(|d| d.is_error()) {
            return Err(Error::InvalidFarm { diagnostics });
        }
        let mut routes = Vec::new();
        for (i, s) in farm.servers.iter().enumerate() {
            let server = ServerId::new(i as u32);
            routes.extend(s.routes().map(|(p, kind)| (p, Target { server, kind })));
        }
        Ok(Self {
            farm: farm.clone(),
            map: PrefixMap::new(routes)?,
        })
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
    /// # let farm = Farm::from_toml_str("[[server]]\nname = \"DA1\"\naddress = \"2131::101\"\nclient_prefix = \"2131:0:0:1000::/59\"\n", "farm.toml").into_farm()?;
    /// let table = Table::new(&farm)?;
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

/// Checks at compile time that the tables can be shared between threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Table>();
    assert_send_sync::<PrefixMap<u32>>();
};

#[cfg(test)]
mod tests {
    use super::*;
    use index::host_mask;

    #[test]
    fn host_mask_covers_the_host_part() {
        assert_eq!(host_mask(0), u128::MAX);
        assert_eq!(host_mask(128), 0);
        assert_eq!(host_mask(64), u64::MAX as u128);
    }

    #[test]
    fn duplicate_prefixes_keep_the_last_value() {
        let p: Ipv6Net = "2001:db8::/32".parse().unwrap();
        let map = PrefixMap::new([(p, 1), (p, 2), (p, 3)]).unwrap();
        assert_eq!(map.len(), 1);
        assert_eq!(map.lookup(u128::from(p.network())), Some(&3));
    }

    #[test]
    fn host_bits_are_an_error_naming_the_prefix() {
        let p: Ipv6Net = "2131:0:0:1001::/59".parse().unwrap();
        let err = PrefixMap::new([(p, 1)]).unwrap_err();
        assert!(err.to_string().contains("2131:0:0:1001::/59"), "{err}");
        assert!(err.to_string().contains("2131:0:0:1000::/59"), "{err}");
    }

    #[test]
    fn batch_length_mismatch_is_an_error_not_a_panic() {
        let map = PrefixMap::new([("::/0".parse().unwrap(), 1)]).unwrap();
        let mut out = [None; 1];
        assert!(matches!(
            map.lookup_batch(&[0u128, 1], &mut out),
            Err(Error::LengthMismatch {
                addresses: 2,
                results: 1
            })
        ));
    }
}
