//! The lookup structures behind [`PrefixMap`](super::PrefixMap).
//!
//! Both are built from the same flattened form of the prefix set: the sorted list
//! of disjoint address ranges, each with the entry its longest matching prefix names
//! (adjacent ranges with the same answer merged). A lookup finds the range holding
//! the address.
//!
//! - [`Ranges`]: for small sets (a DirectAccess farm), either a direct window (every
//!   boundary in one small aligned block: one read) or the range starts in one
//!   array, searched by a branch-free binary search that stays in L1 cache.
//! - [`Trie`]: for large sets (routing tables), a Poptrie-style multibit trie: a
//!   direct-indexed first level on the top 20 bits (4 MiB), then nodes of stride 7:
//!   a 128-bit bitmap marking where runs of equal slots start, followed by the runs'
//!   entries (a child node or the answer), found by popcount. A lookup reads the
//!   direct array and one node per 7 bits of the matched depth beyond /20 (5
//!   dependent reads for a /48, 3 for a /32), and takes the answer from the last
//!   node. [`Trie::lookup_batch`] walks 32 lookups in lockstep with software
//!   prefetch so that their cache misses overlap. On x86_64 both lookups run a
//!   copy compiled for `popcnt` when the CPU has it (checked once, at build).

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

/// The host part of a prefix of length `len`.
pub(crate) const fn host_mask(len: u8) -> u128 {
    match u128::MAX.checked_shr(len as u32) {
        Some(m) => m,
        None => 0,
    }
}

/// Range starts. When every start has a zero low half (every prefix is /64 or
/// shorter, as in any DirectAccess farm), only the top 64 bits are kept: half the
/// memory and a single-instruction comparison.
#[derive(Clone, Debug)]
enum Starts {
    /// Every boundary inside one aligned block at a common granularity (a farm's
    /// prefixes all carved from one /48): the answer is read directly.
    Window(Window),
    /// Up to [`TINY`] narrow starts, padded with `u64::MAX`: counted without a loop
    /// or a branch (a two-server farm is 4 ranges).
    Tiny(Box<[u64; TINY]>),
    Narrow(Box<[u64]>),
    Wide(Box<[u128]>),
}

/// The most ranges the [`Starts::Tiny`] form holds.
const TINY: usize = 8;

/// The most slots (`2^WINDOW_BITS`, 16 KiB of values) a [`Window`] holds.
const WINDOW_BITS: u32 = 12;

/// A direct-indexed window over the top 64 bits of the address.
///
/// Built when every range start but the first (which is 0) has a zero low half and
/// they all lie in one aligned block `base .. base + 2^width` of the top-64-bit space,
/// at a granularity of `2^shift` with at most `2^WINDOW_BITS` steps. Inside the block,
/// slot `(hi - base) >> shift` holds the answer; below it the first range answers,
/// above it the last (the two extra slots at the end). One comparison and one read
/// in a table of at most 16 KiB, whatever the number of prefixes: 64 /59s and /64s
/// carved from one /48 take 2,048 slots.
#[derive(Clone, Debug)]
struct Window {
    base: u64,
    /// The last offset inside the block, `2^width - 1`.
    span_last: u64,
    shift: u32,
    /// `slots` answers, then the answer below the block, then the one above it.
    values: Box<[u32]>,
}

impl Window {
    /// The window for these ranges (every start with a zero low half, the first
    /// 0), if they fit one (see [`Window`]).
    fn new(ranges: &[(u128, u32)]) -> Option<Self> {
        let (first, rest) = ranges.split_first()?;
        let (lo, hi) = (
            (rest.first()?.0 >> 64) as u64,
            (rest.last()?.0 >> 64) as u64,
        );
        // the block: the common leading bits of every start (they are sorted, so of
        // the first and the last); its offsets take `width` bits
        let width = 64 - (lo ^ hi).leading_zeros();
        let base = lo & !mask64(width);
        let shift = rest
            .iter()
            .map(|r| ((r.0 >> 64) as u64).trailing_zeros())
            .min()?
            .min(width);
        let bits = width - shift;
        if bits > WINDOW_BITS {
            return None;
        }
        let slots = 1usize << bits;
        let mut values = Vec::with_capacity(slots + 2);
        let mut j = 0;
        for k in 0..slots as u64 {
            let at = u128::from(base + (k << shift)) << 64;
            while j + 1 < ranges.len() && ranges[j + 1].0 <= at {
                j += 1;
            }
            values.push(ranges[j].1);
        }
        values.push(first.1);
        values.push(ranges[ranges.len() - 1].1);
        Some(Self {
            base,
            span_last: mask64(width),
            shift,
            values: values.into_boxed_slice(),
        })
    }

    #[inline(always)]
    fn lookup(&self, x: u128) -> u32 {
        let hi = (x >> 64) as u64;
        let off = hi.wrapping_sub(self.base);
        let slots = self.values.len() - 2;
        let outside = slots + usize::from(hi >= self.base);
        let i = std::hint::select_unpredictable(
            off <= self.span_last,
            (off >> self.shift) as usize,
            outside,
        );
        self.values.get(i).copied().unwrap_or(NONE)
    }
}

/// The low `bits` bits set (`bits` up to 64).
const fn mask64(bits: u32) -> u64 {
    if bits == 0 {
        0
    } else {
        u64::MAX >> (64 - bits)
    }
}

/// Sorted range starts with one value each; the first start is 0.
#[derive(Clone, Debug)]
pub(crate) struct Ranges {
    starts: Starts,
    values: Box<[u32]>,
}

/// `a <= b` on 128-bit values, computed without a branch.
#[inline(always)]
fn le128(a: u128, b: u128) -> bool {
    let (ah, al, bh, bl) = ((a >> 64) as u64, a as u64, (b >> 64) as u64, b as u64);
    (ah < bh) | ((ah == bh) & (al <= bl))
}

/// The index of the last start `<= x` (`starts[0]` is 0, so there is one).
///
/// Branch-free: a quaternary search (three independent comparisons per step,
/// summed) then binary steps as conditional moves (`select_unpredictable`); the
/// number of steps depends only on the length, so random queries cost no branch
/// mispredictions. On a 97-range farm this is about 3x faster than a branchy binary
/// search.
#[inline(always)]
fn search<T: Copy>(starts: &[T], x: T, pad: T, le: impl Fn(T, T) -> bool) -> usize {
    // every index read is below `lo + n <= len`; the fallback only spares a panic path
    let at = |i: usize| starts.get(i).copied().unwrap_or(pad);
    let mut lo = 0usize;
    let mut n = starts.len();
    while n > 3 {
        let q = n / 4;
        let c = usize::from(le(at(lo + q), x))
            + usize::from(le(at(lo + 2 * q), x))
            + usize::from(le(at(lo + 3 * q), x));
        lo += c * q;
        n -= 3 * q;
    }
    while n > 1 {
        let half = n / 2;
        let mid = lo + half;
        lo = std::hint::select_unpredictable(le(at(mid), x), mid, lo);
        n -= half;
    }
    lo
}

impl Ranges {
    pub(crate) fn new(ranges: &[(u128, u32)]) -> Self {
        let narrow = ranges.iter().all(|r| r.0 as u64 == 0);
        let starts = if let Some(window) = narrow.then(|| Window::new(ranges)).flatten() {
            Starts::Window(window)
        } else if narrow && ranges.len() <= TINY {
            let mut tiny = [u64::MAX; TINY];
            for (t, r) in tiny.iter_mut().zip(ranges) {
                *t = (r.0 >> 64) as u64;
            }
            Starts::Tiny(Box::new(tiny))
        } else if narrow {
            Starts::Narrow(ranges.iter().map(|r| (r.0 >> 64) as u64).collect())
        } else {
            Starts::Wide(ranges.iter().map(|r| r.0).collect())
        };
        Self {
            starts,
            values: ranges.iter().map(|r| r.1).collect(),
        }
    }

    #[inline]
    pub(crate) fn lookup(&self, x: u128) -> u32 {
        let i = match &self.starts {
            Starts::Window(w) => return w.lookup(x),
            Starts::Tiny(s) => {
                // starts[0] is 0, so the count is at least 1; the padding counts
                // only for the very top of the space, which the last range holds
                let x = (x >> 64) as u64;
                let n: usize = s.iter().map(|&t| usize::from(t <= x)).sum();
                (n - 1).min(self.values.len().saturating_sub(1))
            }
            Starts::Narrow(s) => search(s, (x >> 64) as u64, u64::MAX, |a, b| a <= b),
            Starts::Wide(s) => search(s, x, u128::MAX, le128),
        };
        self.values.get(i).copied().unwrap_or(NONE)
    }

    /// Looks up many addresses (the form is chosen once, not per address).
    pub(crate) fn lookup_batch<K: super::Ipv6Key>(&self, addrs: &[K], out: &mut [u32]) {
        match &self.starts {
            Starts::Window(w) => {
                for (o, a) in out.iter_mut().zip(addrs) {
                    *o = w.lookup(a.to_bits());
                }
            }
            _ => {
                for (o, a) in out.iter_mut().zip(addrs) {
                    *o = self.lookup(a.to_bits());
                }
            }
        }
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        let starts = match &self.starts {
            Starts::Window(w) => w.values.len() * 4 + size_of::<Window>(),
            Starts::Tiny(_) => TINY * 8,
            Starts::Narrow(s) => s.len() * 8,
            Starts::Wide(s) => s.len() * 16,
        };
        starts + self.values.len() * 4
    }
}

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

/// Whether the running CPU has the `popcnt` instruction, which the trie's lookups
/// are compiled for when it does.
fn has_popcnt() -> bool {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    return std::arch::is_x86_feature_detected!("popcnt");
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    false
}

/// Lookups a batch walks in lockstep.
const LANES: usize = 32;

/// The direct-array slot of `x`.
#[inline(always)]
const fn direct_index(x: u128) -> usize {
    (x >> (128 - DIRECT_BITS)) as usize
}

/// Asks the CPU to start loading the cache line holding byte `offset` of `slice[i]`
/// (if it is in bounds; otherwise some line nobody reads) without waiting for it.
#[inline(always)]
#[allow(unsafe_code)]
fn prefetch<T>(slice: &[T], i: usize, offset: usize) {
    let p = slice
        .as_ptr()
        .wrapping_add(i)
        .cast::<i8>()
        .wrapping_add(offset);
    #[cfg(all(target_arch = "x86_64", target_feature = "sse", not(miri)))]
    // SAFETY: the only requirement of `_mm_prefetch` is the SSE target feature,
    // which the `cfg` above checks at compile time (every x86_64 target has it). A
    // prefetch is a hint: it never faults, whatever the address, and changes nothing
    // the program can observe; `p` is formed with `wrapping_add`, which is defined
    // for any offset.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p);
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse", not(miri))))]
    let _ = p;
}

impl Trie {
    /// Builds the trie from flattened ranges (see [`flatten`]); entries must be
    /// below `2^31 - 1`.
    pub(crate) fn new(ranges: &[(u128, u32)]) -> Self {
        let mut b = Builder {
            ranges,
            arena: Vec::new(),
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
            arena: b.arena.into_boxed_slice(),
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

struct Builder<'r> {
    ranges: &'r [(u128, u32)],
    arena: Vec<u32>,
}

impl Builder<'_> {
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

    fn ranges_of(set: &[&str]) -> Ranges {
        let mut keys: Vec<(u128, u8)> = set.iter().map(|s| p(s)).collect();
        keys.sort_unstable();
        Ranges::new(&flatten(&keys))
    }

    #[test]
    fn a_farm_carved_from_one_block_is_read_from_a_window() {
        // 32 /59s with a /64 each, from one /48: 11 bits of window at /64 steps
        let mut set = Vec::new();
        for i in 0..32u32 {
            set.push(format!("2131:0:0:{:x}::/59", 0x1000 + i * 0x20));
            set.push(format!("2131:0:0:{:x}::/64", 0x1005 + i * 0x20));
        }
        let set: Vec<&str> = set.iter().map(String::as_str).collect();
        let r = ranges_of(&set);
        let Starts::Window(w) = &r.starts else {
            panic!("expected a window, got {:?}", r.starts)
        };
        assert_eq!((w.shift, w.values.len()), (0, 2048 + 2));
        // a two-server farm: two bits at /59 steps (1000, 1020, 1040)
        let r = ranges_of(&["2131:0:0:1000::/59", "2131:0:0:1020::/59"]);
        let Starts::Window(w) = &r.starts else {
            panic!("expected a window, got {:?}", r.starts)
        };
        assert_eq!((w.shift, w.values.len()), (5, 4 + 2));
    }

    #[test]
    fn sets_spread_too_wide_or_too_long_keep_the_search() {
        // 2^13 steps between the first and last boundary
        let r = ranges_of(&["2131:0:0:1000::/64", "2131:0:0:3000::/64"]);
        assert!(matches!(r.starts, Starts::Tiny(_)), "{:?}", r.starts);
        // a /65 has a boundary in the low half
        let r = ranges_of(&["2131::/65"]);
        assert!(matches!(r.starts, Starts::Wide(_)), "{:?}", r.starts);
    }

    #[test]
    fn a_window_answers_below_inside_and_above_its_block() {
        let r = ranges_of(&["::/0", "2131:0:0:1000::/59", "2131:0:0:1020::/60"]);
        assert!(matches!(r.starts, Starts::Window(_)), "{:?}", r.starts);
        let a = |s: &str| u128::from(s.parse::<std::net::Ipv6Addr>().unwrap());
        assert_eq!(r.lookup(0), 0);
        assert_eq!(r.lookup(a("2131:0:0:fff:ffff::")), 0);
        assert_eq!(r.lookup(a("2131:0:0:1000::")), 1);
        assert_eq!(r.lookup(a("2131:0:0:101f:ffff:ffff:ffff:ffff")), 1);
        assert_eq!(r.lookup(a("2131:0:0:1020::1")), 2);
        assert_eq!(r.lookup(a("2131:0:0:1030::")), 0);
        assert_eq!(r.lookup(u128::MAX), 0);
        // with nothing around the block, outside is no match
        let r = ranges_of(&["8000::/1"]);
        assert!(matches!(r.starts, Starts::Window(_)), "{:?}", r.starts);
        assert_eq!((r.lookup(0), r.lookup(u128::MAX)), (NONE, 0));
    }

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
