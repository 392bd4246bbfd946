//! The layout for large sets (routing tables): a Poptrie-style multibit trie, a
//! direct-indexed first level on the top 20 bits (4 MiB), then nodes of stride 7:
//! a 128-bit bitmap marking where runs of equal slots start, followed by the runs'
//! entries (a child node or the answer), found by popcount. A lookup reads the
//! direct array and one node per 7 bits of the matched depth beyond /20 (5
//! dependent reads for a /48, 3 for a /32), and takes the answer from the last
//! node. [`Trie::lookup_batch`] walks 32 lookups in lockstep with software
//! prefetch so that their cache misses overlap. On x86_64 both lookups run a copy
//! compiled for `popcnt` when the CPU has it (checked once, at build: [`cpu`](super::cpu)).

use super::cpu::{has_popcnt, prefetch};
use super::flatten::{Lengths, NONE, Sorted, block_ranges, host_mask};

const DIRECT_BITS: u32 = 20;
const STRIDE: u32 = 7;
const SLOTS: u32 = 1 << STRIDE;
/// Flag of an entry that is an answer (a leaf); without it an entry is a node's
/// offset in the arena.
const LEAF: u32 = 1 << 31;
const LEAF_NONE: u32 = LEAF - 1;
/// 32-bit words of a node before its entries: its 128-bit run bitmap.
const HEADER: usize = 4;

/// Poptrie-style multibit trie with a direct-indexed first level.
///
/// Every entry (of the direct array, or of a node) is either a leaf (`LEAF` set:
/// the answer) or the offset of a node in `arena`. A node covers 128 slots (7
/// address bits). Its slots fall into runs of equal entries (each child slot a run
/// of its own); bit `i` of its 128-bit run bitmap (words `o..o + 4`, least
/// significant first) is set where a run starts, and the runs' entries follow the
/// bitmap, one word each. Slot `s`'s entry is entry number
/// `popcount(bitmap & (2 << s) - 1) - 1`: a node of up to 12 runs is 64 bytes, and
/// the last step reads the answer from the node itself.
#[derive(Clone, Debug)]
pub(crate) struct Trie {
    /// Whether the CPU has `popcnt` (x86_64 only).
    popcnt: bool,
    direct: Box<[u32]>,
    arena: Box<[u32]>,
    /// Words of `arena` no entry reaches any more (left by [`Trie::patch`]).
    garbage: usize,
}

/// Two 32-bit words, low first, as one.
#[inline(always)]
fn pair(lo: u32, hi: u32) -> u64 {
    u64::from(lo) | (u64::from(hi) << 32)
}

/// Encodes an entry (or [`NONE`]) as a leaf.
const fn leaf(value: u32) -> u32 {
    if value == NONE {
        LEAF | LEAF_NONE
    } else {
        LEAF | value
    }
}

/// Decodes a leaf.
#[inline(always)]
const fn leaf_value(e: u32) -> u32 {
    let v = e & !LEAF;
    if v == LEAF_NONE { NONE } else { v }
}

/// The most direct slots [`Trie::patch`] rebuilds one by one (those of a /8).
const PATCH_SLOTS: usize = 1 << 12;

/// Lookups a batch walks in lockstep.
const LANES: usize = 32;

/// The direct-array slot of `x`.
#[inline(always)]
const fn direct_index(x: u128) -> usize {
    (x >> (128 - DIRECT_BITS)) as usize
}

impl Trie {
    /// Builds the trie from flattened ranges (see [`flatten`]); entries must be
    /// below `2^31 - 1`.
    pub(crate) fn new(ranges: &[(u128, u32)]) -> Self {
        let mut arena = Vec::new();
        let mut b = Builder {
            ranges,
            arena: &mut arena,
        };
        let width = 1u128 << (128 - DIRECT_BITS);
        let slots = 1usize << DIRECT_BITS;
        let mut direct = Vec::with_capacity(slots);
        let mut j = 0usize;
        // `direct.len()` is the slot being filled
        while direct.len() < slots {
            let a = direct.len() as u128 * width;
            let z = a + (width - 1);
            while j + 1 < ranges.len() && ranges[j + 1].0 <= a {
                j += 1;
            }
            if j + 1 < ranges.len() && ranges[j + 1].0 <= z {
                direct.push(b.node(a, DIRECT_BITS, j));
            } else {
                // this slot and every one before the slot holding the next boundary
                // (which is past `z`) are the same leaf: filled in one go
                let next = ranges
                    .get(j + 1)
                    .map_or(slots, |r| (r.0 >> (128 - DIRECT_BITS)) as usize);
                direct.resize(next.max(direct.len() + 1), leaf(ranges[j].1));
            }
        }
        Self {
            popcnt: has_popcnt(),
            direct: direct.into_boxed_slice(),
            arena: arena.into_boxed_slice(),
            garbage: 0,
        }
    }

    #[inline(always)]
    fn first(&self, x: u128) -> u32 {
        self.direct
            .get(direct_index(x))
            .copied()
            .unwrap_or(LEAF | LEAF_NONE)
    }

    /// The entry of the node at `node` for the slot in the top 7 bits of `key`.
    #[inline(always)]
    fn entry(&self, node: usize, key: u128) -> u32 {
        let Some(&[a, b, c, d]) = self.arena.get(node..node + HEADER) else {
            return LEAF | LEAF_NONE;
        };
        let (lo, hi) = (pair(a, b), pair(c, d));
        let slot = (key >> (128 - STRIDE)) as u32;
        let upto = u64::MAX >> (63 - (slot & 63));
        // all ones when the slot is in the high half
        let high = 0u64.wrapping_sub(u64::from(slot >> 6));
        // bit 0 is always set (the first slot starts a run), so the count is >= 1
        let k = (lo & (upto | high)).count_ones() + (hi & upto & high).count_ones();
        self.arena
            .get(node + HEADER - 1 + k as usize)
            .copied()
            .unwrap_or(LEAF | LEAF_NONE)
    }

    /// Starts loading node `node`'s bitmap and first entries.
    #[inline(always)]
    fn prefetch_node(&self, node: usize) {
        prefetch(&self.arena, node, 0);
        prefetch(&self.arena, node, 63);
    }

    /// Looks up `x`.
    #[inline]
    pub(crate) fn lookup(&self, x: u128) -> u32 {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        if self.popcnt {
            // SAFETY: `popcnt` is true only when the running CPU has every feature
            // `lookup_popcnt` is compiled for (`Trie::new` asked it).
            #[allow(unsafe_code)]
            return unsafe { self.lookup_popcnt(x) };
        }
        self.lookup_portable(x)
    }

    /// [`lookup_portable`](Self::lookup_portable) compiled with the `popcnt`
    /// instruction: without it a 128-bit popcount is some 30 instructions and a
    /// lookup on the RIS table takes twice as long.
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    #[target_feature(enable = "popcnt")]
    fn lookup_popcnt(&self, x: u128) -> u32 {
        self.lookup_portable(x)
    }

    #[inline(always)]
    fn lookup_portable(&self, x: u128) -> u32 {
        let mut e = self.first(x);
        let mut key = x << DIRECT_BITS;
        while e & LEAF == 0 {
            e = self.entry(e as usize, key);
            key <<= STRIDE;
        }
        leaf_value(e)
    }

    /// Looks up `xs` into `out` (same lengths).
    pub(crate) fn lookup_batch<K: super::Ipv6Key>(&self, xs: &[K], out: &mut [u32]) {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        if self.popcnt {
            // SAFETY: as in `lookup`.
            #[allow(unsafe_code)]
            return unsafe { self.lookup_batch_popcnt(xs, out) };
        }
        self.lookup_batch_portable(xs, out)
    }

    /// [`lookup_batch_portable`](Self::lookup_batch_portable) compiled with `popcnt`.
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    #[target_feature(enable = "popcnt")]
    fn lookup_batch_popcnt<K: super::Ipv6Key>(&self, xs: &[K], out: &mut [u32]) {
        self.lookup_batch_portable(xs, out)
    }

    /// Looks up `xs` into `out`, [`LANES`] at a time in lockstep: each round reads
    /// one node per unfinished lookup, prefetched the round before, and prefetches
    /// the next, so that the cache misses of different addresses overlap instead of
    /// queueing behind one another.
    #[inline(always)]
    fn lookup_batch_portable<K: super::Ipv6Key>(&self, xs: &[K], out: &mut [u32]) {
        for x in xs.iter().take(LANES) {
            prefetch(&self.direct, direct_index(x.to_bits()), 0);
        }
        for (c, (chunk, out)) in xs.chunks(LANES).zip(out.chunks_mut(LANES)).enumerate() {
            // the next chunk's direct slots load while this one walks the trie
            for x in xs.iter().skip((c + 1) * LANES).take(LANES) {
                prefetch(&self.direct, direct_index(x.to_bits()), 0);
            }
            // per lane: the node, the address bits below it, and the last entry
            // read (the answer once the walk ends)
            let mut node = [0u32; LANES];
            let mut key = [0u128; LANES];
            let mut found = [0u32; LANES];
            let mut active = 0u64;
            for (l, x) in chunk.iter().enumerate().take(LANES) {
                let x = x.to_bits();
                let e = self.first(x);
                let done = e & LEAF != 0;
                found[l] = e;
                node[l] = e;
                key[l] = x << DIRECT_BITS;
                self.prefetch_node(std::hint::select_unpredictable(done, 0, e as usize));
                active |= u64::from(!done) << l;
            }
            while active != 0 {
                let mut lanes = active;
                while lanes != 0 {
                    let l = lanes.trailing_zeros() as usize % LANES;
                    lanes &= lanes - 1;
                    let e = self.entry(node[l] as usize, key[l]);
                    // no branch on whether the walk ends here: it would mispredict
                    // about once per address
                    let done = e & LEAF != 0;
                    found[l] = e;
                    active &= !(u64::from(done) << l);
                    node[l] = std::hint::select_unpredictable(done, node[l], e);
                    key[l] <<= STRIDE;
                    self.prefetch_node(node[l] as usize);
                }
            }
            for (o, e) in out.iter_mut().zip(found) {
                *o = leaf_value(e);
            }
        }
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        (self.direct.len() + self.arena.len()) * 4
    }
}

/// The incremental update: [`Trie::patch`] copies the arrays, rebuilds only the
/// blocks that changed prefixes lie in, and path-copies the nodes above them.
impl Trie {
    /// The trie of `set` (the next version of the set this trie was built from),
    /// given `dirty`: every prefix whose presence or answer differs between the two,
    /// sorted by network then length. Answers outside the dirty prefixes' address
    /// ranges are the same in both sets, so only the blocks that hold a dirty prefix
    /// are rebuilt, from `set`: the smallest node block around each prefix (at most
    /// 128 times its size), and above it one node per level, decoded, changed in one
    /// slot and written anew. The replaced nodes stay in the arena as garbage until
    /// they outweigh the live ones; then the live nodes are copied into a new arena.
    /// Costs a copy of the arrays (`memcpy`) and, per dirty prefix, `O(k log k)` for
    /// the `k` prefixes in its block plus one node per level. `None` when the dirty
    /// prefixes cover more than [`PATCH_SLOTS`] direct slots (a /7 or shorter, or
    /// many /8s): rebuilding the whole trie is cheaper then.
    pub(crate) fn patch(&self, set: &impl Sorted, dirty: &[(u128, u8)]) -> Option<Self> {
        let covered: usize = dirty
            .iter()
            .filter(|d| u32::from(d.1) <= DIRECT_BITS)
            .map(|d| 1usize << (DIRECT_BITS - u32::from(d.1)))
            .sum();
        if covered > PATCH_SLOTS {
            return None;
        }
        let lengths = Lengths::of(set);
        let mut arena = self.arena.to_vec();
        let mut direct = self.direct.to_vec();
        let mut p = Patch {
            set,
            lengths: &lengths,
            arena: &mut arena,
            garbage: self.garbage,
        };
        let width_bits = 128 - DIRECT_BITS;
        let mut i = 0;
        while i < dirty.len() {
            let (net, len) = dirty[i];
            let first = direct_index(net);
            // the direct slots the group covers: all of a short prefix's, else one
            let last_slot = if u32::from(len) <= DIRECT_BITS {
                first + (1usize << (DIRECT_BITS - u32::from(len))) - 1
            } else {
                first
            };
            let end = dirty[i..]
                .iter()
                .position(|d| direct_index(d.0) > last_slot)
                .map_or(dirty.len(), |n| i + n);
            if u32::from(len) <= DIRECT_BITS {
                for (slot, e) in direct
                    .iter_mut()
                    .enumerate()
                    .take(last_slot + 1)
                    .skip(first)
                {
                    p.garbage += p.words(*e);
                    *e = p.rebuild((slot as u128) << width_bits, DIRECT_BITS);
                }
            } else {
                direct[first] = p.update(
                    direct[first],
                    (first as u128) << width_bits,
                    DIRECT_BITS,
                    &dirty[i..end],
                );
            }
            i = end;
        }
        let garbage = p.garbage;
        let mut trie = Self {
            popcnt: self.popcnt,
            direct: direct.into_boxed_slice(),
            arena: arena.into_boxed_slice(),
            garbage,
        };
        if 2 * trie.garbage > trie.arena.len() {
            trie.compact();
        }
        Some(trie)
    }

    /// Copies the live nodes into a new arena, leaving the garbage behind.
    fn compact(&mut self) {
        let mut arena = Vec::with_capacity(self.arena.len() - self.garbage);
        for e in self.direct.iter_mut() {
            *e = copy_subtree(&self.arena, *e, &mut arena);
        }
        self.arena = arena.into_boxed_slice();
        self.garbage = 0;
    }
}

/// The node at `node`'s bitmap (low half, high half) and number of entries.
fn header(arena: &[u32], node: usize) -> (u64, u64, usize) {
    match arena.get(node..node + HEADER) {
        Some(&[a, b, c, d]) => {
            let (lo, hi) = (pair(a, b), pair(c, d));
            (lo, hi, (lo.count_ones() + hi.count_ones()) as usize)
        }
        _ => (1, 0, 0),
    }
}

/// Copies the subtree of entry `e` from `from` to the end of `to`; returns its new
/// entry.
fn copy_subtree(from: &[u32], e: u32, to: &mut Vec<u32>) -> u32 {
    if e & LEAF != 0 {
        return e;
    }
    let node = e as usize;
    let (_, _, count) = header(from, node);
    let at = to.len();
    to.extend_from_slice(&from[node..node + HEADER + count]);
    for k in 0..count {
        let child = from[node + HEADER + k];
        if child & LEAF == 0 {
            let moved = copy_subtree(from, child, to);
            to[at + HEADER + k] = moved;
        }
    }
    at as u32
}

/// The state of one [`Trie::patch`]: the new arena (the old one, then the nodes
/// written since) and its garbage count.
struct Patch<'s, 'a, S> {
    set: &'s S,
    lengths: &'s Lengths,
    arena: &'a mut Vec<u32>,
    garbage: usize,
}

impl<S: Sorted> Patch<'_, '_, S> {
    /// The arena words of the subtree of entry `e`.
    fn words(&self, e: u32) -> usize {
        if e & LEAF != 0 {
            return 0;
        }
        let node = e as usize;
        let (_, _, count) = header(self.arena, node);
        let mut n = HEADER + count;
        for k in 0..count {
            n += self.words(self.arena[node + HEADER + k]);
        }
        n
    }

    /// The entry for the block at `base`, `depth` built from the set.
    fn rebuild(&mut self, base: u128, depth: u32) -> u32 {
        let ranges = block_ranges(self.set, self.lengths, base, depth);
        Builder {
            ranges: &ranges,
            arena: self.arena,
        }
        .entry(base, depth)
    }

    /// The new entry for the block at `base`, `depth`, whose old entry is `old`,
    /// holding the dirty prefixes `dirty` (all of them inside the block and at
    /// least `depth` long). A block with a dirty prefix covering a whole slot (or
    /// more), or that was one answer, is rebuilt; otherwise the node is decoded, its
    /// dirty slots updated one level down, and it is written anew.
    fn update(&mut self, old: u32, base: u128, depth: u32, dirty: &[(u128, u8)]) -> u32 {
        if old & LEAF != 0
            || depth + STRIDE > 128
            || dirty.iter().any(|d| u32::from(d.1) < depth + STRIDE)
        {
            self.garbage += self.words(old);
            return self.rebuild(base, depth);
        }
        let node = old as usize;
        let (lo, hi, count) = header(self.arena, node);
        // the node's slots, decoded
        let mut slots = [0u32; SLOTS as usize];
        let mut k = 0;
        for (s, slot) in slots.iter_mut().enumerate() {
            let starts = if s < 64 {
                (lo >> s) & 1
            } else {
                (hi >> (s - 64)) & 1
            };
            if starts == 1 {
                k += 1;
            }
            *slot = self.arena[node + HEADER + k - 1];
        }
        let shift = 128 - depth - STRIDE;
        let slot_of = |net: u128| ((net - base) >> shift) as usize;
        let mut i = 0;
        while i < dirty.len() {
            let s = slot_of(dirty[i].0);
            let end = dirty[i..]
                .iter()
                .position(|d| slot_of(d.0) != s)
                .map_or(dirty.len(), |n| i + n);
            let slot_base = base + ((s as u128) << shift);
            slots[s] = self.update(slots[s], slot_base, depth + STRIDE, &dirty[i..end]);
            i = end;
        }
        self.garbage += HEADER + count;
        self.write(&slots)
    }

    /// Writes a node with these slots (runs of equal answers merged, each child a
    /// run of its own) and returns its entry, or the answer when all slots have it.
    fn write(&mut self, slots: &[u32; SLOTS as usize]) -> u32 {
        if slots.iter().all(|&e| e == slots[0] && e & LEAF != 0) {
            return slots[0];
        }
        let mut runs = [0u64; 2];
        let mut entries = Vec::with_capacity(SLOTS as usize);
        let mut last_leaf = None;
        for (s, &e) in slots.iter().enumerate() {
            let starts = if e & LEAF == 0 {
                last_leaf = None;
                true
            } else if last_leaf != Some(e) {
                last_leaf = Some(e);
                true
            } else {
                false
            };
            if starts {
                runs[s / 64] |= 1 << (s % 64);
                entries.push(e);
            }
        }
        let at = self.arena.len();
        for w in runs {
            self.arena.extend_from_slice(&[w as u32, (w >> 32) as u32]);
        }
        self.arena.extend_from_slice(&entries);
        at as u32
    }
}

struct Builder<'r, 'a> {
    ranges: &'r [(u128, u32)],
    arena: &'a mut Vec<u32>,
}

impl Builder<'_, '_> {
    /// The entry for the block of `2^(128 - depth)` addresses at `base`: the answer
    /// when one range holds it all, else a node built for it.
    fn entry(&mut self, base: u128, depth: u32) -> u32 {
        let ranges = self.ranges;
        let last = base | host_mask(depth as u8);
        // the range holding `base`, and whether another starts inside the block
        let j = ranges.partition_point(|r| r.0 <= base).saturating_sub(1);
        match ranges.get(j + 1) {
            Some(next) if next.0 <= last => self.node(base, depth, j),
            _ => leaf(ranges.get(j).map_or(NONE, |r| r.1)),
        }
    }

    /// Builds the node for the block starting at `base` at `depth` bits, where range
    /// `j` holds `base`, then its children after it; returns its offset.
    fn node(&mut self, base: u128, depth: u32, mut j: usize) -> u32 {
        let ranges = self.ranges;
        let mut runs = [0u64; 2];
        // the runs' entries, a child's as a placeholder; the children to build
        // (no allocation per node)
        let mut entries = [0u32; SLOTS as usize];
        let mut count = 0;
        let mut kids = [(0u128, 0usize, 0usize); SLOTS as usize];
        let mut kid_count = 0;
        let mut last_leaf: Option<u32> = None;
        for slot in 0..SLOTS {
            // the slot's first and last address; below the last level a slot is a
            // single address reached only with its low index bits clear
            let (a, z) = if depth + STRIDE <= 128 {
                let width = 1u128 << (128 - depth - STRIDE);
                let a = base + u128::from(slot) * width;
                (a, a + (width - 1))
            } else {
                let a = base + u128::from(slot >> (depth + STRIDE - 128));
                (a, a)
            };
            while j + 1 < ranges.len() && ranges[j + 1].0 <= a {
                j += 1;
            }
            if j + 1 < ranges.len() && ranges[j + 1].0 <= z {
                runs[(slot / 64) as usize] |= 1 << (slot % 64);
                kids[kid_count] = (a, j, count);
                kid_count += 1;
                count += 1;
                last_leaf = None;
            } else {
                let v = leaf(ranges[j].1);
                if last_leaf != Some(v) {
                    runs[(slot / 64) as usize] |= 1 << (slot % 64);
                    entries[count] = v;
                    count += 1;
                    last_leaf = Some(v);
                }
            }
        }
        let at = self.arena.len();
        for w in runs {
            self.arena.extend_from_slice(&[w as u32, (w >> 32) as u32]);
        }
        self.arena.resize(at + HEADER + count, 0);
        for &(a, j, k) in &kids[..kid_count] {
            entries[k] = self.node(a, depth + STRIDE, j);
        }
        self.arena[at + HEADER..at + HEADER + count].copy_from_slice(&entries[..count]);
        // offsets stay below 2^31 words (8 GiB): a table of 2^24 prefixes is
        // far smaller
        at as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::flatten::{flatten, host_mask};
    use crate::table::ranges::Ranges;

    /// Random prefixes clustered like a routing table: lengths 0-128, networks
    /// mostly inside a few blocks so that they nest and share trie nodes.
    fn routing_prefixes() -> impl proptest::strategy::Strategy<Value = Vec<(u128, u8)>> {
        use proptest::prelude::*;
        let prefix = (0u128..4, any::<u128>(), 0u8..=128).prop_map(|(block, bits, len)| {
            let net = (0x2001u128 << 112) | (block << 96) | (bits >> 32);
            let net = if len == 0 { 0 } else { net & !host_mask(len) };
            (net, len)
        });
        proptest::collection::vec(prefix, 1..300).prop_map(|mut set| {
            set.sort_unstable();
            set.dedup();
            set
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// On a CPU with `popcnt` the tests exercise the `popcnt` build of the
        /// lookups; this pins the portable build (and the `popcnt` one) to the
        /// range search, address by address and in batches.
        #[test]
        fn the_trie_with_and_without_popcnt_answers_like_the_range_search(
            set in routing_prefixes(),
            extra in proptest::collection::vec(proptest::prelude::any::<u128>(), 0..200),
        ) {
            let ranges = flatten(&set);
            let search = Ranges::new(&ranges);
            let fast = Trie::new(&ranges);
            let portable = Trie { popcnt: false, ..fast.clone() };
            // every boundary, the address before it, and random addresses
            let mut xs: Vec<u128> = ranges.iter().flat_map(|r| [r.0, r.0.wrapping_sub(1)]).collect();
            xs.extend(extra);
            let want: Vec<u32> = xs.iter().map(|x| search.lookup(*x)).collect();
            for trie in [&fast, &portable] {
                let single: Vec<u32> = xs.iter().map(|x| trie.lookup(*x)).collect();
                proptest::prop_assert_eq!(&single, &want);
                let mut batch = vec![0; xs.len()];
                trie.lookup_batch(&xs, &mut batch);
                proptest::prop_assert_eq!(&batch, &want);
            }
        }
    }
}
