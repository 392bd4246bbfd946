//! The router under concurrency: readers never block and every answer comes whole
//! from the old or the new table.

use std::net::Ipv6Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use manageout::{Farm, Router, Server, Table};

fn table(generation: u16) -> Table {
    // generation g routes the same /59 to server "G<g>" at 2131::<g>
    let server = Server::new(
        format!("G{generation}"),
        Ipv6Addr::new(0x2131, 0, 0, 0, 0, 0, 0, generation),
        "2131:0:0:1000::/59".parse().unwrap(),
    );
    let other = Server::new(
        format!("H{generation}"),
        Ipv6Addr::new(0x2131, 0, 0, 0, 0, 0, 1, generation),
        "2131:0:0:1020::/59".parse().unwrap(),
    );
    Table::new(&manageout::ValidFarm::new(Farm::new(vec![server, other])).unwrap())
}

/// Readers record the first and the latest generation they saw; the writer swaps
/// until every reader has started and seen at least two tables, whatever the
/// scheduling.
#[test]
fn readers_see_whole_tables_while_a_writer_swaps() {
    const READERS: usize = 4;
    let router = Arc::new(Router::new(table(1)));
    let stop = Arc::new(AtomicBool::new(false));
    let seen: Arc<Vec<(AtomicUsize, AtomicUsize)>> = Arc::new(
        (0..READERS)
            .map(|_| (AtomicUsize::new(0), AtomicUsize::new(0)))
            .collect(),
    );
    let addr: Ipv6Addr = "2131:0:0:1005::1".parse().unwrap();
    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let (router, stop, seen) = (router.clone(), stop.clone(), seen.clone());
            std::thread::spawn(move || {
                let mut last_generation = 0u16;
                while !stop.load(Ordering::Relaxed) {
                    let snapshot = router.load();
                    let route = snapshot.route(addr).expect("the prefix is in every table");
                    let server = snapshot.server(route.server).unwrap();
                    // next hop and name come from the same table
                    let generation = route.next_hop.segments()[7];
                    assert_eq!(server.name, format!("G{generation}"));
                    // generations only move forward for one reader
                    assert!(
                        generation >= last_generation,
                        "went back from {last_generation} to {generation}"
                    );
                    last_generation = generation;
                    let (first, latest) = &seen[r];
                    let _ = first.compare_exchange(
                        0,
                        usize::from(generation),
                        Ordering::SeqCst,
                        Ordering::SeqCst,
                    );
                    latest.store(usize::from(generation), Ordering::SeqCst);
                }
            })
        })
        .collect();
    let saw_two = |seen: &[(AtomicUsize, AtomicUsize)]| {
        seen.iter().all(|(first, latest)| {
            let first = first.load(Ordering::SeqCst);
            first != 0 && latest.load(Ordering::SeqCst) > first
        })
    };
    let mut generation = 1u16;
    while generation < 500 || !saw_two(&seen) {
        generation = generation
            .checked_add(1)
            .expect("readers ran within 65,535 swaps");
        let old = router.swap(table(generation));
        assert_eq!(old.servers()[0].name, format!("G{}", generation - 1));
        if generation >= 500 {
            std::thread::yield_now();
        }
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().expect("a reader panicked");
    }
    assert_eq!(router.current().servers()[0].name, format!("G{generation}"));
}

/// A table that records which thread drops it.
struct Tracked {
    value: u64,
    drops: Arc<std::sync::Mutex<Vec<std::thread::ThreadId>>>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.lock().unwrap().push(std::thread::current().id());
    }
}

#[test]
fn replace_frees_every_old_table_on_the_writer_never_on_a_reader() {
    let drops = Arc::new(std::sync::Mutex::new(Vec::new()));
    let router = Router::new(Tracked {
        value: 0,
        drops: drops.clone(),
    });
    let stop = AtomicBool::new(false);
    let writer = std::thread::current().id();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let mut last = 0;
                while !stop.load(Ordering::Relaxed) {
                    let v = router.load().value;
                    assert!(v >= last, "a reader went back in time");
                    last = v;
                }
            });
        }
        for v in 1..=500 {
            router.replace(Tracked {
                value: v,
                drops: drops.clone(),
            });
        }
        stop.store(true, Ordering::Relaxed);
    });
    // the tables still in use when replaced are freed with the router
    drop(router);
    let drops = drops.lock().unwrap();
    assert_eq!(drops.len(), 501);
    assert!(drops.iter().all(|t| *t == writer), "a reader freed a table");
}
