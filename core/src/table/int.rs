//! [`IntPrefixMap`]: a prefix map of non-negative `i32` values answering -1 for no
//! match, the form every binding hands out (C `int32_t`, Python `int` and
//! `array('i')`, Node `Int32Array`).

use ipnet::Ipv6Net;

use super::{Ipv6Key, PrefixMap};
use crate::error::Error;

/// A [`PrefixMap`] of values `0..=i32::MAX` with the entries' values also kept
/// densely (4 bytes each), so that a batch reads each answer from that compact
/// copy, which stays in cache, rather than from a whole entry.
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
#[derive(Clone, Debug)]
pub struct IntPrefixMap {
    map: PrefixMap<i32>,
    values: Box<[i32]>,
}

impl IntPrefixMap {
    /// Builds the map; fails like [`PrefixMap::new`], and with
    /// [`Error::ValueOutOfRange`] for a negative value.
    pub fn new<I>(prefixes: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (Ipv6Net, i32)>,
    {
        let mut bad = None;
        let map = PrefixMap::new(prefixes.into_iter().inspect(|(p, v)| {
            if *v < 0 && bad.is_none() {
                bad = Some((*p, i64::from(*v)));
            }
        }))?;
        if let Some((prefix, value)) = bad {
            return Err(Error::ValueOutOfRange { prefix, value });
        }
        Ok(Self::from_map(map))
    }

    /// Wraps a map whose values are all `0..=i32::MAX`.
    fn from_map(map: PrefixMap<i32>) -> Self {
        let values = map.entries().iter().map(|(_, v)| *v).collect();
        Self { map, values }
    }

    /// The value of the longest prefix holding `addr`, or -1.
    #[inline]
    pub fn lookup<K: Ipv6Key>(&self, addr: K) -> i32 {
        self.map
            .lookup_index(addr)
            .and_then(|i| self.values.get(i).copied())
            .unwrap_or(-1)
    }

    /// Looks up every address of `addrs` into `out` (-1 for no match); fails with
    /// [`Error::LengthMismatch`], writing nothing, when the slices differ in length.
    pub fn lookup_batch<K: Ipv6Key>(&self, addrs: &[K], out: &mut [i32]) -> Result<(), Error> {
        self.map.lookup_batch_values(addrs, &self.values, -1, out)
    }

    /// The prefix map underneath.
    pub fn map(&self) -> &PrefixMap<i32> {
        &self.map
    }

    /// The number of distinct prefixes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the map has no prefixes.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
