//! Memory grows with the input, never with the square of it: every hostile input
//! of 1 MiB is checked (or audited) with a peak of allocated memory bounded by a
//! fixed multiple of its size, measured by a counting allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The tests measure one at a time.
static ONE: Mutex<()> = Mutex::new(());

/// Peak bytes allocated above what was in use before `f` ran.
fn peak_of(f: impl FnOnce()) -> usize {
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed) - base
}

const MIB: usize = 1 << 20;

/// At most this many bytes per input byte, plus 8 MiB. The TOML parser's own
/// document tree takes up to about 40 bytes per byte of the most hostile input
/// (one `[[server]]` table per 11 bytes); everything of manageout's is far less.
const FACTOR: usize = 64;

fn bounded(name: &str, input: &str, f: impl FnOnce(&str)) {
    let peak = peak_of(|| f(input));
    assert!(
        peak <= FACTOR * input.len() + 8 * MIB,
        "{name}: {} MiB for {} MiB of input",
        peak / MIB,
        input.len() / MIB
    );
}

fn repeat_to(unit: &str, size: usize) -> String {
    unit.repeat(size / unit.len())
}

#[test]
fn hostile_farm_files_take_memory_proportional_to_their_size() {
    let check = |text: &str| {
        let report = manageout::Farm::from_toml_str(text, "f.toml");
        let _ = report.render(false);
        let _ = report.to_json();
    };
    bounded("bare servers", &repeat_to("[[server]]\n", MIB), check);
    bounded(
        "unknown keys",
        &format!(
            "[[server]]\n{}",
            (0..MIB / 12)
                .map(|i| format!("k{i:08}=1\n"))
                .collect::<String>()
        ),
        check,
    );
    let server =
        "[[server]]\nname = \"a b\"\naddress = \"x\"\nclient_prefix = \"2131:0:0:1001::/59\"\n";
    bounded("bad servers", &repeat_to(server, MIB), check);
    let shared = (0..4096)
        .map(|i| format!("[[server]]\nname = \"N{i}\"\naddress = \"2131::{:x}\"\nclient_prefix = \"2131:0:0:1000::/59\"\n", i + 1))
        .collect::<String>();
    bounded("shared prefix", &shared, check);
    let host_bits = (0..4096)
        .map(|i| format!("[[server]]\nname = \"N{i}\"\naddress = \"2131::{:x}\"\nclient_prefix = \"2131:0:{:x}:1001::/59\"\n", i + 1, i))
        .collect::<String>();
    bounded("host bits", &host_bits, check);
}

#[test]
fn hostile_configurations_take_memory_proportional_to_their_size() {
    let farm = manageout::Farm::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/seed-fixed.toml"
    ))
    .unwrap()
    .into_valid_farm()
    .unwrap();
    let audit = |text: &str| {
        let report = manageout::audit::audit(
            &farm,
            &[manageout::Source {
                name: "c".into(),
                text: text.to_owned(),
            }],
        );
        let _ = report.render(false);
        let _ = report.fix(&farm);
    };
    bounded("unbalanced braces", &repeat_to("}\n", MIB), audit);
    bounded("open braces", &repeat_to("a {\n", MIB), audit);
    let vs = "ltm virtual /Common/v {\n destination /Common/2131:0:0:1000::.any\n mask ffff:ffff:ffff:fff0::\n}\n";
    bounded("wrong virtuals", &repeat_to(vs, MIB), audit);
}
