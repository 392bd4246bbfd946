//! Every documented limit on hostile input, each with its clear error: the farm
//! file size, nesting depth, server count, PrefixMap size, and import line length.

use manageout::check::MAX_SERVERS;
use manageout::import::{self, ImportError, MAX_LINE_LEN};
use manageout::load::{MAX_FILE_SIZE, MAX_NESTING};
use manageout::table::MAX_PREFIXES;
use manageout::{Error, Farm, PrefixMap};

#[test]
fn a_farm_text_just_over_16_mib_is_refused_with_mo004_and_the_limit() {
    let mut text = "# padding\n".repeat(MAX_FILE_SIZE / 10);
    text.push_str("\n[farm]\n");
    assert!(text.len() > MAX_FILE_SIZE);
    let report = Farm::from_bytes(text.as_bytes(), "big.toml");
    assert_eq!(report.diagnostics.len(), 1);
    assert_eq!(report.diagnostics[0].code, "MO004");
    assert!(report.diagnostics[0].message.contains("16 MiB"));
}

#[test]
fn nesting_past_the_limit_is_a_syntax_error_not_a_stack_overflow() {
    for depth in [MAX_NESTING + 1, 1000, 200_000] {
        let json = format!("{{\"server\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
        let toml = format!("server = {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let inline = format!("server = {}1{}\n", "{a=".repeat(depth), "}".repeat(depth));
        for (text, name) in [
            (json, "deep.json"),
            (toml, "deep.toml"),
            (inline, "deep2.toml"),
        ] {
            let report = Farm::from_bytes(text.as_bytes(), name);
            assert!(report.has_errors(), "{name} at depth {depth}");
            // past the parsers' own limits it is a syntax error; just past ours the
            // value may first be reported as having the wrong shape (MO002)
            let code = report.diagnostics[0].code;
            assert!(
                code == "MO001" || (depth < 1000 && code == "MO002"),
                "{name} at {depth}: {code}"
            );
        }
    }
}

#[test]
fn more_than_max_servers_is_mo005_naming_the_limit() {
    let mut text = String::new();
    for i in 0..=MAX_SERVERS {
        text += &format!(
            "[[server]]\nname = \"DA{i}\"\naddress = \"2131::{:x}\"\nclient_prefix = \"2131:{:x}::/59\"\n",
            i + 1,
            i + 1
        );
    }
    let report = Farm::from_toml_str(&text, "many.toml");
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "MO005")
        .expect("MO005");
    assert!(
        d.message.contains(&MAX_SERVERS.to_string()),
        "{}",
        d.message
    );
}

#[test]
fn a_prefix_map_refuses_more_than_max_prefixes() {
    // distinct /128s, one more than the limit, generated lazily
    let too_many = (0..=MAX_PREFIXES as u128).map(|i| {
        (
            ipnet::Ipv6Net::new(std::net::Ipv6Addr::from(i), 128).expect("a /128"),
            0u8,
        )
    });
    let err = PrefixMap::new(too_many.clone()).unwrap_err();
    assert!(matches!(err, Error::TooManyPrefixes { max } if max == MAX_PREFIXES));
    assert!(err.to_string().contains(&MAX_PREFIXES.to_string()));
    // an iterator that does not tell its length is counted while it is read
    let unsized_iter = too_many.filter(|_| true);
    assert_eq!(unsized_iter.size_hint().0, 0);
    let err = PrefixMap::new(unsized_iter).unwrap_err();
    assert!(matches!(err, Error::TooManyPrefixes { .. }));
}

#[test]
fn an_import_line_longer_than_the_limit_is_refused_with_its_line_number() {
    let text = format!(
        "ClientIPv6Prefix : 2131:0:0:1000::/59\nTeredoState : {}\n",
        "x".repeat(MAX_LINE_LEN + 1)
    );
    let err = import::parse(text.as_bytes(), "long.txt").unwrap_err();
    assert!(
        matches!(err, ImportError::LineTooLong { line: 2, max, .. } if max == MAX_LINE_LEN),
        "{err}"
    );
    let len = "TeredoState : ".len() + MAX_LINE_LEN + 1;
    assert!(
        err.to_string()
            .starts_with(&format!("long.txt:2: a line of {len} bytes")),
        "{err}"
    );
}

#[test]
fn compressed_json_on_one_long_line_is_not_limited_by_the_line_length() {
    let one = r#"{"ClientIPv6Prefix":"2131:0:0:1000::/59","TeredoState":0,"PSComputerName":"DA1"}"#;
    let padding = format!(r#"{{"Noise":"{}"}}"#, "n".repeat(MAX_LINE_LEN));
    let text = format!("[{one},{padding}]");
    let records = import::parse(text.as_bytes(), "compressed.json").expect("imports");
    assert_eq!(records.len(), 1);
}

#[test]
fn an_import_over_16_mib_is_refused_as_too_large() {
    let text = "ClientIPv6Prefix : 2131:0:0:1000::/59\n".repeat(MAX_FILE_SIZE / 30);
    let err = import::parse(text.as_bytes(), "huge.txt").unwrap_err();
    assert!(err.to_string().contains("16 MiB"), "{err}");
}
