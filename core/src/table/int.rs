//! [`IntPrefixMap`]: a prefix map of non-negative `i32` values answering -1 for no
//! match, the form every binding hands out (C `int32_t`, Python `int` and
//! `array('i')`, Node `Int32Array`).

use ipnet::Ipv6Net;

#[cfg(doc)]
use super::PrefixMap;
use super::{BATCH, Index, Ipv6Key, Layout, NONE, canonical, same_length};
use crate::error::Error;

/// A prefix map of values `0..=i32::MAX`, answering the value itself: its lookup
/// structure is built over the values rather than over the entries (adjacent address
/// ranges with the same value merged), so that a lookup ends at its answer with no
/// further read, and a table with few distinct values (ports, next hops) is smaller
/// than a [`PrefixMap`] of the same prefixes.
///
/// Cost: as [`PrefixMap`] for lookups (fewer ranges, so never more nodes); it keeps
/// its sorted prefixes (24 bytes each), which [`apply`](Self::apply) rebuilds from.
///
/// ```
/// use manageout::table::IntPrefixMap;
/// let map = IntPrefixMap::new([("2001:db8::/32".parse()?, 7), ("2001:db8:1::/48".parse()?, 9)])?;
/// assert_eq!(map.lookup(0x2001_0db8_0001_u128 << 80), 9);
/// assert_eq!(map.lookup(0u128), -1);
/// let mut out = [0; 2];
/// map.lookup_batch(&[0x2001_0db8_u128 << 96, 0], &mut out)?;
/// assert_eq!(out, [7, -1]);
/// assert!(IntPrefixMap::new([("::/0".parse()?, -3)]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct IntPrefixMap {
    /// The prefixes and values, sorted by network then length (what
    /// [`apply`](Self::apply) patches the index from).
    pub(super) prefixes: Box<[(Ipv6Net, i32)]>,
    pub(super) index: Index,
    /// The layout asked for, which [`apply`](Self::apply) keeps.
    pub(super) layout: Layout,
}

impl IntPrefixMap {
    /// Builds the map; fails like [`PrefixMap::new`], and with
    /// [`Error::ValueOutOfRange`] for a negative value.
    pub fn new<I>(prefixes: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (Ipv6Net, i32)>,
    {
        Self::with_layout(prefixes, Layout::Auto)
    }

    /// Builds the map with a chosen lookup structure (see [`Layout`]).
    ///
    /// ```
    /// use manageout::table::{IntPrefixMap, Layout};
    /// let map = IntPrefixMap::with_layout([("2001:db8::/32".parse()?, 1)], Layout::Trie)?;
    /// assert_eq!((map.lookup(0x2001_0db8_u128 << 96), map.layout()), (1, Layout::Trie));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_layout<I>(prefixes: I, layout: Layout) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (Ipv6Net, i32)>,
    {
        let mut bad = None;
        let (entries, ranges) = canonical(prefixes.into_iter().inspect(|(p, v)| {
            if *v < 0 && bad.is_none() {
                bad = Some((*p, i64::from(*v)));
            }
        }))?;
        if let Some((prefix, value)) = bad {
            return Err(Error::ValueOutOfRange { prefix, value });
        }
        let index = Index::build(&by_value(&entries, ranges), layout);
        Ok(Self {
            prefixes: entries,
            index,
            layout,
        })
    }

    /// The value of the longest prefix holding `addr`, or -1.
    #[inline]
    pub fn lookup<K: Ipv6Key>(&self, addr: K) -> i32 {
        answer(self.index.find(addr.to_bits()))
    }

    /// Looks up every address of `addrs` into `out` (-1 for no match); fails with
    /// [`Error::LengthMismatch`], writing nothing, when the slices differ in length.
    pub fn lookup_batch<K: Ipv6Key>(&self, addrs: &[K], out: &mut [i32]) -> Result<(), Error> {
        same_length(addrs.len(), out.len())?;
        let mut found = [NONE; BATCH];
        for (addrs, out) in addrs.chunks(BATCH).zip(out.chunks_mut(BATCH)) {
            let found = &mut found[..addrs.len()];
            self.index.find_batch(addrs, found);
            for (o, f) in out.iter_mut().zip(found.iter()) {
                *o = answer(*f);
            }
        }
        Ok(())
    }

    /// The lookup structure in use ([`Layout::Ranges`] or [`Layout::Trie`]).
    pub fn layout(&self) -> Layout {
        self.index.layout()
    }

    /// Bytes held by the lookup structure and the prefixes (counted, not
    /// estimated).
    pub fn memory_bytes(&self) -> usize {
        self.index.memory_bytes()
            + self.prefixes.len() * size_of::<(Ipv6Net, i32)>()
            + size_of::<Self>()
    }

    /// The prefixes and values, sorted by network then length, duplicates removed.
    pub fn entries(&self) -> &[(Ipv6Net, i32)] {
        &self.prefixes
    }

    /// The number of distinct prefixes.
    pub fn len(&self) -> usize {
        self.prefixes.len()
    }

    /// Whether the map has no prefixes.
    pub fn is_empty(&self) -> bool {
        self.prefixes.is_empty()
    }
}

/// The ranges of `entries` (entry positions) with each range's value instead
/// (adjacent ranges with the same value merged); values are 0..=i32::MAX, so never
/// NONE, which stays the answer of ranges no prefix covers.
pub(super) fn by_value(entries: &[(Ipv6Net, i32)], ranges: Vec<(u128, u32)>) -> Vec<(u128, u32)> {
    let mut out: Vec<(u128, u32)> = Vec::with_capacity(ranges.len());
    for (start, entry) in ranges {
        let value = entries
            .get(entry as usize)
            .and_then(|(_, v)| u32::try_from(*v).ok())
            .unwrap_or(NONE);
        if out.last().is_none_or(|&(_, last)| last != value) {
            out.push((start, value));
        }
    }
    out
}

/// A found value as the answer: NONE (no prefix) is -1.
#[inline(always)]
fn answer(found: u32) -> i32 {
    i32::try_from(found).unwrap_or(-1)
}

impl std::fmt::Debug for IntPrefixMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntPrefixMap")
            .field("len", &self.len())
            .field("layout", &self.layout())
            .finish()
    }
}
