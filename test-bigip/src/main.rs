//! `manageout-test-bigip [BEHAVIOUR-JSON]`: starts the test BIG-IP, prints
//! `{"url": ..., "ca_file": ...}` on one line, and serves until standard input
//! closes. `GET /__test__/state` (no token) answers what it holds and has seen.
//! For the Python and Node suites, which start one per test.

use std::io::{Read, Write};

fn main() {
    let behaviour = std::env::args()
        .nth(1)
        .map(|a| serde_json::from_str(&a).expect("the behaviour is JSON"))
        .unwrap_or_else(|| serde_json::json!({}));
    let server = manageout_test_bigip::Server::start(behaviour);
    let line = serde_json::json!({"url": server.url(), "ca_file": server.ca_file()});
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").expect("stdout");
    out.flush().expect("stdout");
    drop(out);
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}
