//! The layout for small sets (a DirectAccess farm): a direct window when every
//! boundary lies in one small aligned block (one read), else the range starts in
//! one array, searched branch-free in L1 cache.

use super::flatten::NONE;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::flatten::flatten;

    fn p(s: &str) -> (u128, u8) {
        let n: ipnet::Ipv6Net = s.parse().unwrap();
        (u128::from(n.network()), n.prefix_len())
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
}
