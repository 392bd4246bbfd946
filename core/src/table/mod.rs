//! Longest-prefix-match tables: the generic [`PrefixMap`] and the farm [`Table`].
//!
//! Both are immutable once built, `Send + Sync`, and answer lookups without
//! allocating, locking or panicking. To change the prefixes, build a new table and
//! swap it in with a [`Router`](crate::Router).
//!
//! Owns: prefix storage and lookup (layouts in [`ranges`](self) and the trie),
//! the farm table built from a [`ValidFarm`](crate::ValidFarm). May not: check a
//! farm (it takes the proof that one was checked), allocate or lock on lookup, or
//! know any output format.

mod apply;
mod cpu;
mod farm;
mod flatten;
mod int;
mod ranges;
mod trie;

use std::fmt;
use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

use crate::error::Error;
use flatten::{NONE, flatten};
use ranges::Ranges;
use trie::Trie;

pub use apply::Change;
pub use farm::{Route, Table};
pub use int::IntPrefixMap;

/// The most prefixes a [`PrefixMap`] accepts: 16,777,216 (a full IPv6 internet
/// table has about 250,000).
pub const MAX_PREFIXES: usize = 1 << 24;

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
    /// The flat forms: a direct window when every boundary lies in one small
    /// block, else a branch-free search over sorted range starts.
    Ranges,
    /// Poptrie-style multibit trie with a 20-bit direct first level.
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

impl Index {
    /// The layout for flattened `ranges`: the sorted ranges for small sets
    /// ([`Layout::Auto`]: up to [`SMALL_RANGES`] ranges), else the trie.
    fn build(ranges: &[(u128, u32)], layout: Layout) -> Self {
        let small = match layout {
            Layout::Ranges => true,
            Layout::Trie => false,
            Layout::Auto => ranges.len() <= SMALL_RANGES,
        };
        if small {
            Self::Ranges(Ranges::new(ranges))
        } else {
            Self::Trie(Trie::new(ranges))
        }
    }

    #[inline]
    fn find(&self, addr: u128) -> u32 {
        match self {
            Self::Ranges(r) => r.lookup(addr),
            Self::Trie(t) => t.lookup(addr),
        }
    }

    /// Finds many addresses: the trie walks several in lockstep so that their
    /// cache misses overlap.
    #[inline]
    fn find_batch<K: Ipv6Key>(&self, addrs: &[K], out: &mut [u32]) {
        match self {
            Self::Ranges(r) => r.lookup_batch(addrs, out),
            Self::Trie(t) => t.lookup_batch(addrs, out),
        }
    }

    fn layout(&self) -> Layout {
        match self {
            Self::Ranges(_) => Layout::Ranges,
            Self::Trie(_) => Layout::Trie,
        }
    }

    fn memory_bytes(&self) -> usize {
        match self {
            Self::Ranges(r) => r.memory_bytes(),
            Self::Trie(t) => t.memory_bytes(),
        }
    }
}

/// An immutable map from IPv6 prefixes to values, answering longest-prefix match.
///
/// Built once from `(prefix, value)` pairs. A prefix with host bits set is an error
/// naming it; when the same prefix appears twice, the **last value wins**.
///
/// # Complexity and memory
/// Building sorts the prefixes and flattens them into disjoint address ranges:
/// `O(n log n)` time. Small sets (up to 512 ranges, every DirectAccess farm) stay
/// in L1 cache. When every boundary lies in one aligned block, at most 4,096 steps
/// of a common size apart (a farm whose prefixes are all carved from one /48), the
/// answer is read directly from a table of those steps: `O(1)`, one comparison and
/// one read, at most 16 KiB. Otherwise the range starts are searched branch-free:
/// up to 8 ranges by counting the starts below the address, more by a
/// quaternary/binary search, `O(log n)` steps, 12 bytes per range (8-byte starts
/// when every prefix is /64 or shorter, else 16). Large sets use a
/// Poptrie-style multibit trie: a 4 MiB direct array on the top 20 bits, then one
/// node (16 bytes of bitmap and 4 per run of equal slots) per 7 bits of prefix
/// depth, so a lookup costs at most `1 + ceil((len - 20) / 7)` dependent memory
/// reads for a match of length `len` (5 for a /48); batch lookups walk 32
/// addresses in lockstep with software prefetch so that their cache misses
/// overlap. The real 246,175-prefix RIS table takes 53.5 bytes per prefix in
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
    /// The entries, each at the position its ranges name.
    entries: Box<[(Ipv6Net, V)]>,
    /// The positions in prefix order, when the entries are not (after
    /// [`apply`](Self::apply)); `None` when they are sorted.
    order: Option<Box<[u32]>>,
    index: Index,
    /// The layout asked for, which [`apply`](Self::apply) keeps.
    layout: Layout,
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

    /// A map without prefixes: every lookup answers `None`.
    pub fn empty() -> Self {
        Self {
            entries: Box::new([]),
            order: None,
            index: Index::Ranges(Ranges::new(&flatten(&[]))),
            layout: Layout::Auto,
        }
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
        let (entries, ranges) = canonical(prefixes)?;
        let index = Index::build(&ranges, layout);
        Ok(Self {
            entries,
            order: None,
            index,
            layout,
        })
    }

    #[inline]
    fn find(&self, addr: u128) -> u32 {
        self.index.find(addr)
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
        self.batch_by_position(addrs, out, |i| f(self.entries.get(i).map(|(_, v)| v)))
    }

    /// Looks up every address, writing `values[i]` for the entry at position `i` of
    /// [`entries`](Self::entries) (or `none` for no match, or a position past
    /// `values`) to `out`: the batch lookup for callers that keep a compact copy of
    /// the values, such as the bindings' 4-byte integers. On a large table a batch
    /// then reads each answer from that copy, which stays in cache, instead of from a
    /// whole entry. Fails like [`lookup_batch`](Self::lookup_batch).
    ///
    /// ```
    /// use manageout::PrefixMap;
    /// let map = PrefixMap::new([("2001:db8::/32".parse()?, 7i64)])?;
    /// let values: Vec<i32> = map.entries().iter().map(|(_, v)| *v as i32).collect();
    /// let mut out = [0i32; 2];
    /// map.lookup_batch_values(&[0x2001_0db8_u128 << 96, 0], &values, -1, &mut out)?;
    /// assert_eq!(out, [7, -1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lookup_batch_values<K: Ipv6Key, T: Copy>(
        &self,
        addrs: &[K],
        values: &[T],
        none: T,
        out: &mut [T],
    ) -> Result<(), Error> {
        self.batch_by_position(addrs, out, |i| values.get(i).copied().unwrap_or(none))
    }

    /// Looks up every address, writing `g(position)` (`u32::MAX as usize` for no
    /// match) to `out`, a chunk of positions at a time on the stack.
    #[inline]
    fn batch_by_position<K: Ipv6Key, T>(
        &self,
        addrs: &[K],
        out: &mut [T],
        g: impl Fn(usize) -> T,
    ) -> Result<(), Error> {
        same_length(addrs.len(), out.len())?;
        let mut found = [NONE; BATCH];
        for (addrs, out) in addrs.chunks(BATCH).zip(out.chunks_mut(BATCH)) {
            let found = &mut found[..addrs.len()];
            self.find_batch(addrs, found);
            for (o, i) in out.iter_mut().zip(found.iter()) {
                *o = g(*i as usize);
            }
        }
        Ok(())
    }

    #[inline]
    fn find_batch<K: Ipv6Key>(&self, addrs: &[K], out: &mut [u32]) {
        self.index.find_batch(addrs, out)
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

    /// The prefixes and values, duplicates removed, each at the position
    /// [`lookup_index`](Self::lookup_index) answers: sorted by network then length in
    /// a map from [`new`](Self::new); after [`apply`](Self::apply) a prefix keeps
    /// its position, new ones take freed positions or come last (and when fewer
    /// come than go, the last entries fill the gaps).
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
        self.index.layout()
    }

    /// Bytes held by the lookup structure and the entries (counted, not estimated).
    pub fn memory_bytes(&self) -> usize {
        self.index.memory_bytes()
            + self.entries.len() * size_of::<(Ipv6Net, V)>()
            + self.order.as_ref().map_or(0, |o| o.len() * 4)
            + size_of::<Self>()
    }
}

/// A prefix set's entries and its flattened ranges (entry positions).
type Canonical<V> = (Box<[(Ipv6Net, V)]>, Vec<(u128, u32)>);

/// Checks and sorts `(prefix, value)` pairs (the last value of a prefix given twice
/// wins) and flattens them: the entries, sorted by network then length, and the
/// ranges naming an entry's position. Fails like [`PrefixMap::new`].
fn canonical<V, I>(prefixes: I) -> Result<Canonical<V>, Error>
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
        admit(prefix, items.len())?;
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
    Ok((entries, flatten(&keys)))
}

/// Admits one more prefix after `count`: fails on host bits set
/// ([`Error::HostBits`]) or past [`MAX_PREFIXES`].
fn admit(prefix: Ipv6Net, count: usize) -> Result<(), Error> {
    if prefix.trunc() != prefix {
        return Err(Error::HostBits {
            prefix,
            network: prefix.trunc(),
        });
    }
    if count == MAX_PREFIXES {
        return Err(Error::TooManyPrefixes { max: MAX_PREFIXES });
    }
    Ok(())
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

/// Checks at compile time that the tables can be shared between threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Table>();
    assert_send_sync::<PrefixMap<u32>>();
};

#[cfg(test)]
mod tests {
    use super::*;
    use flatten::host_mask;

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
