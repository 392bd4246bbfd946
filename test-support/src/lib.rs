//! Helpers shared by the test suites (core, CLI, bindings) and the fuzz targets.
//!
//! - [`tmsh`]: a tokeniser of tmsh command lines and bigip.conf text, the way tmsh
//!   itself reads them, to check what a generated script really says.
//! - [`shell`]: runs a generated bash script with stub commands on `PATH` that
//!   record their exact argv, in an empty directory, with nothing else reachable.
//! - [`intended`]: what each script target must run, and a check of rendered output
//!   against it that reads bash, tmsh and cmd.exe text without a process.
//! - [`cmd`]: a parser of cmd.exe batch lines (percent expansion, `^`, quotes,
//!   `&`/`|`/redirection) and the argv splitting a program then applies.
//! - [`as3`]: validates an AS3 declaration the way AS3 does: the official schema,
//!   F5's formats (`f5ip`, `f5bigip`, `f5pointer`) and pointer resolution.
//! - [`reference`](mod@reference): finds third-party reference documents (`MANAGEOUT_REFERENCE`).
//! - [`fuzz`], [`fuzz_c`]: what each fuzz target checks, as functions the targets
//!   and the corpus replays ([`replay`]) share; [`rng`], their fixed-seed randomness
//!   (the benches' too).
//!
//! Test code: it panics with a clear message instead of returning errors where a
//! test could do nothing else.

pub mod as3;
pub mod cmd;
pub mod data;
pub mod fuzz;
pub mod fuzz_c;
pub mod intended;
pub mod powershell;
pub mod reference;
pub mod replay;
pub mod rng;
pub mod shell;
pub mod tmsh;
