//! Zero allocation on the lookup path, proved with a counting global allocator.

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::cell::Cell;
use std::net::Ipv6Addr;

use ipnet::Ipv6Net;
use manageout::table::{IntPrefixMap, Layout};
use manageout::{Change, Farm, PrefixMap, Router, Table};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made on this thread while running `f`.
fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

fn queries() -> Vec<u128> {
    let mut s: u64 = 42;
    (0..10_000)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (0x2131_u128 << 112) | (u128::from(s) << 48) | u128::from(s)
        })
        .collect()
}

#[test]
fn the_counter_sees_allocations() {
    assert!(allocations_during(|| drop(std::hint::black_box(vec![1u8; 64]))) >= 1);
}

#[test]
fn prefix_map_lookups_allocate_nothing_in_either_layout() {
    let prefixes: Vec<(Ipv6Net, u32)> = (0..2000u32)
        .map(|i| {
            let net = Ipv6Addr::from((0x2131_u128 << 112) | (u128::from(i) << 80));
            (Ipv6Net::new(net, 48).unwrap(), i)
        })
        .collect();
    let q = queries();
    // the changed maps too: a patched trie, positions moved by withdrawals
    let changes: Vec<Change<u32>> = (0..300u32)
        .map(|i| {
            let net = Ipv6Addr::from((0x2131_u128 << 112) | (u128::from(i * 7) << 80) | (1 << 64));
            if i % 3 == 0 {
                Change::Withdraw(prefixes[i as usize * 5].0)
            } else {
                Change::Announce(Ipv6Net::new(net, 64).unwrap(), i)
            }
        })
        .collect();
    for (layout, applied) in [
        (Layout::Ranges, false),
        (Layout::Trie, false),
        (Layout::Ranges, true),
        (Layout::Trie, true),
    ] {
        let mut map = PrefixMap::with_layout(prefixes.iter().copied(), layout).unwrap();
        let mut int =
            IntPrefixMap::with_layout(prefixes.iter().map(|(p, v)| (*p, *v as i32)), layout)
                .unwrap();
        if applied {
            map = map.apply(changes.iter().cloned()).unwrap();
            int = int
                .apply(changes.iter().map(|c| match c {
                    Change::Announce(p, v) => Change::Announce(*p, *v as i32),
                    other => Change::Withdraw(other.prefix()),
                }))
                .unwrap();
        }
        let mut ints = vec![0i32; q.len()];
        let n = allocations_during(|| {
            let hits: i64 = q.iter().map(|a| i64::from(int.lookup(*a))).sum();
            std::hint::black_box(hits);
            int.lookup_batch(&q, &mut ints).unwrap();
        });
        assert_eq!(
            n, 0,
            "{layout:?} (applied: {applied}) IntPrefixMap lookups allocated"
        );
        let mut out = vec![None; q.len()];
        let mut idx = vec![0u32; q.len()];
        let n = allocations_during(|| {
            let mut hits = 0usize;
            for a in &q {
                hits += usize::from(map.lookup(*a).is_some());
                hits += usize::from(map.lookup_entry(Ipv6Addr::from(*a)).is_some());
                hits += usize::from(map.lookup(a.to_be_bytes()).is_some());
            }
            std::hint::black_box(hits);
            map.lookup_batch(&q, &mut out).unwrap();
            map.lookup_batch_indices(&q, &mut idx).unwrap();
        });
        assert_eq!(n, 0, "{layout:?} (applied: {applied}) lookups allocated");
    }
}

#[test]
fn table_and_router_lookups_allocate_nothing() {
    let farm = Farm::from_file("../examples/seed-fixed.toml")
        .unwrap()
        .into_valid_farm()
        .unwrap();
    let table = Table::new(&farm);
    let q = queries();
    let mut out = vec![None; q.len()];
    let n = allocations_during(|| {
        let mut hits = 0usize;
        for a in &q {
            hits += usize::from(table.lookup(*a).is_some());
            hits += usize::from(table.route(*a).is_some());
        }
        std::hint::black_box(hits);
        table.lookup_batch(&q, &mut out).unwrap();
    });
    assert_eq!(n, 0, "table lookups allocated");

    let router = Router::new(table);
    // arc-swap registers this thread on its first load; after that, no allocation
    let _ = router.lookup(0u128);
    let n = allocations_during(|| {
        let mut hits = 0usize;
        for a in &q {
            hits += usize::from(router.lookup(*a).is_some());
            hits += usize::from(router.route(*a).is_some());
        }
        std::hint::black_box(hits);
    });
    assert_eq!(n, 0, "router lookups allocated");
}
