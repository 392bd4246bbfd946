//! The flattened form of a prefix set, which every layout is built from: the
//! sorted list of disjoint address ranges, each with the entry its longest matching
//! prefix names (adjacent ranges with the same answer merged).

/// The value of a range no prefix covers.
pub(crate) const NONE: u32 = u32::MAX;

/// Flattens sorted, de-duplicated, canonical `(network, length)` prefixes (sorted by
/// network, then length) into disjoint ranges `(start, entry)`, the first starting
/// at 0, adjacent ranges having different entries.
pub(crate) fn flatten(prefixes: &[(u128, u8)]) -> Vec<(u128, u32)> {
    let mut out: Vec<(u128, u32)> = vec![(0, NONE)];
    let mut emit = |start: u128, value: u32| {
        let last = out.len() - 1;
        if out[last].0 == start {
            out[last].1 = value;
            if last > 0 && out[last - 1].1 == value {
                out.pop();
            }
        } else if out[last].1 != value {
            out.push((start, value));
        }
    };
    // open prefixes, innermost last: (last address, entry)
    let mut stack: Vec<(u128, u32)> = Vec::new();
    for (i, &(net, len)) in prefixes.iter().enumerate() {
        let last = net | host_mask(len);
        while let Some(&(end, _)) = stack.last() {
            if end >= net {
                break;
            }
            stack.pop();
            emit(end + 1, stack.last().map_or(NONE, |s| s.1));
        }
        emit(net, i as u32);
        stack.push((last, i as u32));
    }
    while let Some((end, _)) = stack.pop() {
        if end == u128::MAX {
            break;
        }
        emit(end + 1, stack.last().map_or(NONE, |s| s.1));
    }
    out
}

/// A sorted prefix set as the incremental update reads it: keys sorted by network,
/// then length, without duplicates, each with the answer its ranges carry (an entry
/// position, or an [`IntPrefixMap`](super::IntPrefixMap) value).
pub(crate) trait Sorted {
    fn len(&self) -> usize;
    /// Key `k`: (network, length).
    fn key(&self, k: usize) -> (u128, u8);
    /// The answer of key `k` (never [`NONE`]).
    fn answer(&self, k: usize) -> u32;

    /// The first position whose key is not below `key`.
    fn position(&self, key: (u128, u8)) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.key(mid) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The position of `key`, if the set holds it.
    fn find(&self, key: (u128, u8)) -> Option<usize> {
        let k = self.position(key);
        (k < self.len() && self.key(k) == key).then_some(k)
    }
}

/// The prefix lengths a set holds, as a bit set (bit `len` set).
#[derive(Clone, Copy, Default)]
pub(crate) struct Lengths([u64; 3]);

impl Lengths {
    pub(crate) fn of(set: &impl Sorted) -> Self {
        let mut l = Self::default();
        for k in 0..set.len() {
            let len = usize::from(set.key(k).1);
            l.0[len / 64] |= 1 << (len % 64);
        }
        l
    }

    fn has(&self, len: u32) -> bool {
        self.0[len as usize / 64] & (1 << (len % 64)) != 0
    }
}

/// The flattened ranges of the block of `2^(128 - depth)` addresses at `base`, each
/// carrying its answer (adjacent ranges with the same answer merged): the prefixes
/// inside the block and the longest one covering it all, as [`flatten`] would give
/// for the whole set restricted to the block (the first range starting at 0, or
/// at the covering prefix). Costs `O(k log k + depth log n)` for `k` prefixes inside.
pub(crate) fn block_ranges(
    set: &impl Sorted,
    lengths: &Lengths,
    base: u128,
    depth: u32,
) -> Vec<(u128, u32)> {
    let last = base | host_mask(depth as u8);
    let mut keys: Vec<(u128, u8)> = Vec::new();
    let mut answers: Vec<u32> = Vec::new();
    // the longest prefix shorter than the block that covers it
    for len in (0..depth).rev() {
        if !lengths.has(len) {
            continue;
        }
        let len = len as u8;
        if let Some(k) = set.find((base & !host_mask(len), len)) {
            keys.push(set.key(k));
            answers.push(set.answer(k));
            break;
        }
    }
    let mut k = set.position((base, 0));
    while k < set.len() {
        let key = set.key(k);
        if key.0 > last {
            break;
        }
        if u32::from(key.1) >= depth {
            keys.push(key);
            answers.push(set.answer(k));
        }
        k += 1;
    }
    let mut out: Vec<(u128, u32)> = Vec::with_capacity(2 * keys.len() + 1);
    for (start, i) in flatten(&keys) {
        let answer = answers.get(i as usize).copied().unwrap_or(NONE);
        if out.last().is_none_or(|&(_, a)| a != answer) {
            out.push((start, answer));
        }
    }
    out
}

/// The host part of a prefix of length `len`.
pub(crate) const fn host_mask(len: u8) -> u128 {
    match u128::MAX.checked_shr(len as u32) {
        Some(m) => m,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (u128, u8) {
        let n: ipnet::Ipv6Net = s.parse().unwrap();
        (u128::from(n.network()), n.prefix_len())
    }

    #[test]
    fn flatten_of_nothing_is_one_empty_range() {
        assert_eq!(flatten(&[]), vec![(0, NONE)]);
    }

    #[test]
    fn flatten_of_the_default_route_covers_everything() {
        assert_eq!(flatten(&[p("::/0")]), vec![(0, 0)]);
    }

    #[test]
    fn flatten_nests_and_merges() {
        // /32 with a /48 inside it at its very start and a /128 at the end of space
        let set = [
            p("2001:db8::/32"),
            p("2001:db8::/48"),
            p("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"),
        ];
        let r = flatten(&set);
        let a = |s: &str| u128::from(s.parse::<std::net::Ipv6Addr>().unwrap());
        assert_eq!(
            r,
            vec![
                (0, NONE),
                (a("2001:db8::"), 1),
                (a("2001:db8:1::"), 0),
                (a("2001:db9::"), NONE),
                (u128::MAX, 2)
            ]
        );
    }
}
