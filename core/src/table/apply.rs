//! Updates without a rebuild: [`PrefixMap::apply`] and [`IntPrefixMap::apply`] build
//! the next map from this one and a batch of [`Change`]s, rebuilding only the parts of
//! the trie the changes touch (see `Trie::patch`). The map itself stays immutable:
//! readers of the old one (through a [`Router`](crate::Router)) are not disturbed.

use std::collections::VecDeque;

use ipnet::Ipv6Net;

use super::flatten::{NONE, Sorted, flatten};
use super::{Index, IntPrefixMap, Layout, MAX_PREFIXES, PrefixMap, admit};
use crate::error::Error;

/// One change for [`PrefixMap::apply`]: a route announced or withdrawn.
///
/// ```
/// use manageout::{Change, PrefixMap};
/// let map = PrefixMap::new([("2001:db8::/32".parse()?, 1)])?;
/// let next = map.apply([
///     Change::Announce("2001:db8:1::/48".parse()?, 2),
///     Change::Withdraw("2001:db8::/32".parse()?),
/// ])?;
/// assert_eq!(next.lookup(0x2001_0db8_0001_u128 << 80), Some(&2));
/// assert_eq!(next.lookup(0x2001_0db8_u128 << 96), None);
/// assert_eq!(map.lookup(0x2001_0db8_u128 << 96), Some(&1)); // the old map is unchanged
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change<V> {
    /// Adds the prefix with this value, or replaces its value.
    Announce(Ipv6Net, V),
    /// Removes the prefix (nothing happens when the map does not hold it).
    Withdraw(Ipv6Net),
}

impl<V> Change<V> {
    /// The prefix the change is about.
    ///
    /// ```
    /// use manageout::Change;
    /// let p: ipnet::Ipv6Net = "2001:db8::/32".parse()?;
    /// assert_eq!(Change::<u32>::Withdraw(p).prefix(), p);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prefix(&self) -> Ipv6Net {
        match self {
            Self::Announce(p, _) | Self::Withdraw(p) => *p,
        }
    }
}

type Key = (u128, u8);

fn key(p: &Ipv6Net) -> Key {
    (u128::from(p.network()), p.prefix_len())
}

/// The changes checked (host bits, count) and collapsed to the last one per prefix,
/// sorted by network then length: `(key, prefix, Some(value) | None for withdrawn)`.
fn collapse<V>(
    changes: impl IntoIterator<Item = Change<V>>,
) -> Result<Vec<(Key, Ipv6Net, Option<V>)>, Error> {
    let changes = changes.into_iter();
    if changes.size_hint().0 > MAX_PREFIXES {
        return Err(Error::TooManyPrefixes { max: MAX_PREFIXES });
    }
    let mut all = Vec::new();
    for change in changes {
        let (prefix, value) = match change {
            Change::Announce(p, v) => (p, Some(v)),
            Change::Withdraw(p) => (p, None),
        };
        admit(prefix, all.len())?;
        all.push((key(&prefix), prefix, value));
    }
    // stable: among changes of one prefix the last stays last
    all.sort_by_key(|c| c.0);
    let mut out: Vec<(Key, Ipv6Net, Option<V>)> = Vec::with_capacity(all.len());
    for c in all {
        match out.last_mut() {
            Some(last) if last.0 == c.0 => *last = c,
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// A [`PrefixMap`]'s entries in prefix order; the answer is the entry's position.
struct ById<'a, V> {
    entries: &'a [(Ipv6Net, V)],
    order: Option<&'a [u32]>,
}

impl<V> ById<'_, V> {
    fn id(&self, k: usize) -> usize {
        self.order.map_or(k, |o| o[k] as usize)
    }
}

impl<V> Sorted for ById<'_, V> {
    fn len(&self) -> usize {
        self.entries.len()
    }
    fn key(&self, k: usize) -> Key {
        key(&self.entries[self.id(k)].0)
    }
    fn answer(&self, k: usize) -> u32 {
        self.id(k) as u32
    }
}

/// An [`IntPrefixMap`]'s sorted prefixes; the answer is the value.
struct ByValue<'a>(&'a [(Ipv6Net, i32)]);

impl Sorted for ByValue<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn key(&self, k: usize) -> Key {
        key(&self.0[k].0)
    }
    fn answer(&self, k: usize) -> u32 {
        self.0[k].1 as u32
    }
}

/// The flattened ranges of a whole set, each with its answer (adjacent ranges with
/// the same answer merged).
fn ranges_of(set: &impl Sorted) -> Vec<(u128, u32)> {
    let keys: Vec<Key> = (0..set.len()).map(|k| set.key(k)).collect();
    let mut out: Vec<(u128, u32)> = Vec::new();
    for (start, k) in flatten(&keys) {
        let answer = if k == NONE {
            NONE
        } else {
            set.answer(k as usize)
        };
        if out.last().is_none_or(|&(_, a)| a != answer) {
            out.push((start, answer));
        }
    }
    out
}

/// The index of `set`, the next version of the set `old` was built for with
/// `layout`, given the prefixes whose answers differ (`dirty`, sorted): the old trie
/// patched where that is cheaper than a build, else a new build.
fn next_index(old: &Index, layout: Layout, set: &impl Sorted, dirty: &[Key]) -> Index {
    if let (Index::Trie(trie), false) = (old, layout == Layout::Ranges)
        && let Some(next) = trie.patch(set, dirty)
    {
        return Index::Trie(next);
    }
    Index::build(&ranges_of(set), layout)
}

impl<V: Clone> PrefixMap<V> {
    /// The map with `changes` applied (in order: the last change of a prefix wins),
    /// built from this one at a cost that grows with the changes: only the trie
    /// blocks that hold a changed prefix are rebuilt, and a changed value alone
    /// touches no lookup structure. `self` is unchanged, so readers keep using it
    /// until the new map is swapped in (publish it with
    /// [`Router::replace`](crate::Router::replace)).
    ///
    /// A prefix keeps its position in [`entries`](Self::entries); new prefixes
    /// take freed positions, then come last. Fails, applying nothing, like
    /// [`new`](Self::new): on a prefix with host bits set, or past
    /// [`MAX_PREFIXES`] changes or prefixes.
    ///
    /// # Cost
    /// A copy of the flat arrays (about 13 MB for the 246,175-prefix RIS table:
    /// a few `memcpy` milliseconds) and, per added or removed prefix, the
    /// prefixes of its smallest trie block (at most 128 times its size) plus one
    /// node per level above it. Replaced nodes are kept until they outweigh the
    /// live ones, then the live ones are copied out. Changes that would rebuild
    /// most of the trie (a prefix shorter than /8, for example) build it anew.
    ///
    /// ```
    /// use manageout::{Change, PrefixMap, Router};
    /// let router = Router::new(PrefixMap::new([("2001:db8::/32".parse()?, 1)])?);
    /// let next = router.load().apply([Change::Announce("2001:db8::/32".parse()?, 5)])?;
    /// router.replace(next);
    /// assert_eq!(router.load().lookup(0x2001_0db8_u128 << 96), Some(&5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply<I>(&self, changes: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = Change<V>>,
    {
        let changes = collapse(changes)?;
        let old = ById {
            entries: &self.entries,
            order: self.order.as_deref(),
        };
        let mut entries: Vec<(Ipv6Net, V)> = self.entries.to_vec();
        let mut dirty: Vec<Key> = Vec::new();
        let mut holes: Vec<u32> = Vec::new();
        let mut removed: Vec<Key> = Vec::new();
        let mut added: Vec<(Key, Ipv6Net, V)> = Vec::new();
        for (k, prefix, value) in changes {
            match (old.find(k), value) {
                (Some(at), Some(v)) => entries[old.id(at)].1 = v,
                (None, Some(v)) => added.push((k, prefix, v)),
                (Some(at), None) => {
                    holes.push(old.id(at) as u32);
                    removed.push(k);
                }
                (None, None) => {}
            }
        }
        if entries.len() - holes.len() + added.len() > MAX_PREFIXES {
            return Err(Error::TooManyPrefixes { max: MAX_PREFIXES });
        }
        if added.is_empty() && removed.is_empty() {
            // values only: the lookup structure names positions, which stay
            return Ok(Self {
                entries: entries.into_boxed_slice(),
                order: self.order.clone(),
                index: self.index.clone(),
                layout: self.layout,
            });
        }
        dirty.extend(removed.iter().copied());
        // new prefixes take the freed positions, lowest first, then come last
        holes.sort_unstable();
        let mut free = holes.into_iter();
        let mut new_ids: Vec<(Key, u32)> = Vec::with_capacity(added.len());
        for (k, prefix, value) in added {
            let id = match free.next() {
                Some(id) => {
                    entries[id as usize] = (prefix, value);
                    id
                }
                None => {
                    entries.push((prefix, value));
                    (entries.len() - 1) as u32
                }
            };
            new_ids.push((k, id));
            dirty.push(k);
        }
        // fewer came than went: the last entries move into the remaining gaps
        // (which are above every reused one), and their blocks are rebuilt
        let mut gaps: VecDeque<u32> = free.collect();
        let mut moved: Vec<(u32, u32)> = Vec::new();
        while let Some(&high) = gaps.back() {
            let last = entries.len() - 1;
            if high as usize == last {
                gaps.pop_back();
                entries.pop();
                continue;
            }
            let Some(low) = gaps.pop_front() else { break };
            entries.swap_remove(low as usize);
            moved.push((last as u32, low));
            dirty.push(key(&entries[low as usize].0));
        }
        moved.sort_unstable();
        let remap = |id: u32| match moved.binary_search_by_key(&id, |m| m.0) {
            Ok(i) => moved[i].1,
            Err(_) => id,
        };
        // the new prefix order: the old one without the removed, with the added
        let mut order: Vec<u32> = Vec::with_capacity(entries.len());
        let mut add = new_ids.iter().peekable();
        let mut gone = removed.iter().peekable();
        for k in 0..old.len() {
            let here = old.key(k);
            while let Some(&&(ak, id)) = add.peek() {
                if ak > here {
                    break;
                }
                order.push(id);
                add.next();
            }
            if gone.peek() == Some(&&here) {
                gone.next();
                continue;
            }
            order.push(remap(old.id(k) as u32));
        }
        order.extend(add.map(|&(_, id)| id));
        dirty.sort_unstable();
        dirty.dedup();
        let set = ById {
            entries: &entries,
            order: Some(&order),
        };
        let index = next_index(&self.index, self.layout, &set, &dirty);
        Ok(Self {
            entries: entries.into_boxed_slice(),
            order: Some(order.into_boxed_slice()),
            index,
            layout: self.layout,
        })
    }
}

impl IntPrefixMap {
    /// The map with `changes` applied, as [`PrefixMap::apply`] does (the last change
    /// of a prefix wins; only the trie blocks whose answers change are rebuilt).
    /// Fails like [`PrefixMap::apply`], and with [`Error::ValueOutOfRange`] for a
    /// negative value; nothing is applied then.
    ///
    /// ```
    /// use manageout::{Change, table::IntPrefixMap};
    /// let map = IntPrefixMap::new([("2001:db8::/32".parse()?, 1)])?;
    /// let next = map.apply([Change::Announce("2001:db8:1::/48".parse()?, 2)])?;
    /// assert_eq!(next.lookup(0x2001_0db8_0001_u128 << 80), 2);
    /// assert_eq!((map.len(), next.len()), (1, 2));
    /// assert!(map.apply([Change::Announce("::/0".parse()?, -1)]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply<I>(&self, changes: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = Change<i32>>,
    {
        let changes = collapse(changes)?;
        if let Some((_, prefix, Some(value))) = changes.iter().find(|c| c.2.is_some_and(|v| v < 0))
        {
            return Err(Error::ValueOutOfRange {
                prefix: *prefix,
                value: i64::from(*value),
            });
        }
        let mut prefixes: Vec<(Ipv6Net, i32)> = Vec::with_capacity(self.prefixes.len());
        let mut dirty: Vec<Key> = Vec::new();
        let mut next = changes.into_iter().peekable();
        for &(prefix, value) in self.prefixes.iter() {
            let here = key(&prefix);
            while let Some((k, ..)) = next.peek() {
                if *k >= here {
                    break;
                }
                if let Some((k, p, Some(v))) = next.next() {
                    prefixes.push((p, v));
                    dirty.push(k);
                }
            }
            match next.next_if(|c| c.0 == here) {
                Some((_, _, Some(v))) => {
                    if v != value {
                        dirty.push(here);
                    }
                    prefixes.push((prefix, v));
                }
                Some((_, _, None)) => dirty.push(here),
                None => prefixes.push((prefix, value)),
            }
        }
        for (k, p, v) in next {
            if let Some(v) = v {
                prefixes.push((p, v));
                dirty.push(k);
            }
        }
        if prefixes.len() > MAX_PREFIXES {
            return Err(Error::TooManyPrefixes { max: MAX_PREFIXES });
        }
        let index = if dirty.is_empty() {
            self.index.clone()
        } else {
            next_index(&self.index, self.layout, &ByValue(&prefixes), &dirty)
        };
        Ok(Self {
            prefixes: prefixes.into_boxed_slice(),
            index,
            layout: self.layout,
        })
    }
}
