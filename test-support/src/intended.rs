//! What each script target must do, derived from the farm and the README's object
//! naming (`<farm>_<server>_pool`, `<farm>_<server>_<kind>`, the
//! `manageout:<farm>` marker), not from the renderer's own code, and a check of
//! rendered output against it that needs no process: [`check_rendered`] reads the
//! bash scripts with [`shell::split_script`](crate::shell::split_script), tmsh's
//! arguments with [`tmsh`](crate::tmsh), the batch file with [`cmd`]
//! and bigip.conf with [`tmsh::tokenize_conf`](crate::tmsh::tokenize_conf).
//! `core/tests/scripts.rs` also runs each script under bash and checks that bash
//! reads it the same way; the `scripts` fuzz target runs [`check_rendered`] on
//! arbitrary farms.

use manageout::render::{Options, Target, render};
use manageout::{Farm, ValidFarm};

use crate::cmd::{self, Line};
use crate::shell::split_script;
use crate::tmsh::{Token, tokenize_conf, tokenize_line};

/// A word token.
pub fn w(s: impl Into<String>) -> Token {
    Token::Word(s.into())
}

/// Word tokens of a space-separated string.
pub fn words(s: &str) -> Vec<Token> {
    s.split(' ').map(w).collect()
}

/// The farm part of object names, as the README says.
pub fn prefix(farm: &Farm) -> String {
    match farm.name.as_deref() {
        None => "manageout".into(),
        Some(n) if n.starts_with(|c: char| c.is_ascii_alphabetic()) => n.into(),
        Some(n) => format!("mo_{n}"),
    }
}

/// An object path as tmsh names it: a bare name lives in /Common.
fn full(name: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("/Common/{name}")
    }
}

/// The tmsh commands the `tmsh` target must run, as tmsh reads them.
pub fn tmsh_creates(farm: &Farm) -> Vec<Vec<Token>> {
    let p = prefix(farm);
    let part = &farm.bigip.partition;
    let rd = match farm.bigip.route_domain {
        Some(n) if n != 0 => format!("%{n}"),
        _ => String::new(),
    };
    let mut out = Vec::new();
    for s in &farm.servers {
        let pool = format!("/{part}/{p}_{}_pool", s.name);
        let mut c = words("create ltm pool");
        c.push(w(&pool));
        c.push(w("description"));
        c.push(w(format!("manageout:{p} pool of DA server {}", s.name)));
        c.extend(words("members replace-all-with"));
        c.extend([Token::Open, w(format!("{}{rd}.0", s.address)), Token::Open]);
        c.extend([
            w("address"),
            w(format!("{}{rd}", s.address)),
            Token::Close,
            Token::Close,
        ]);
        if let Some(m) = &farm.bigip.monitor {
            c.extend([w("monitor"), w(full(m))]);
        }
        out.push(c);
        for (net, kind) in s.routes() {
            let mut v = words("create ltm virtual");
            v.push(w(format!("/{part}/{p}_{}_{kind}", s.name)));
            v.push(w("description"));
            v.push(w(format!("manageout:{p} {kind} prefix of {}", s.name)));
            v.push(w("destination"));
            v.push(w(format!("/{part}/{}{rd}.any", net.network())));
            v.push(w("mask"));
            v.push(w(std::net::Ipv6Addr::from(
                u128::MAX
                    .checked_shl(128 - u32::from(net.prefix_len()))
                    .unwrap_or(0),
            )
            .to_string()));
            v.extend(words("ip-protocol any profiles replace-all-with"));
            v.extend([
                Token::Open,
                w("/Common/fastL4"),
                Token::Close,
                w("pool"),
                w(&pool),
            ]);
            v.extend(words(
                "translate-address disabled translate-port disabled source-address-translation",
            ));
            v.extend([Token::Open, w("type"), w("none"), Token::Close]);
            match &farm.bigip.vlans {
                Some(vl) => {
                    v.extend(words("vlans replace-all-with"));
                    v.push(Token::Open);
                    v.extend(vl.iter().map(|x| w(full(x))));
                    v.push(Token::Close);
                    v.push(w("vlans-enabled"));
                }
                None => v.extend(words("vlans none vlans-disabled")),
            }
            out.push(v);
        }
    }
    out.push(words("save sys config"));
    out
}

/// The tmsh commands the `tmsh-remove` target must run.
pub fn tmsh_removes(farm: &Farm) -> Vec<Vec<Token>> {
    let p = prefix(farm);
    let part = &farm.bigip.partition;
    let mut out = Vec::new();
    for s in &farm.servers {
        for (_, kind) in s.routes() {
            let mut c = words("delete ltm virtual");
            c.push(w(format!("/{part}/{p}_{}_{kind}", s.name)));
            out.push(c);
        }
    }
    for s in &farm.servers {
        let mut c = words("delete ltm pool");
        c.push(w(format!("/{part}/{p}_{}_pool", s.name)));
        out.push(c);
    }
    out.push(words("save sys config"));
    out
}

/// The argv of every command the `linux` target must run.
pub fn linux_argv(farm: &Farm, interface: Option<&str>) -> Vec<Vec<String>> {
    let mut want = Vec::new();
    for s in &farm.servers {
        for (net, _) in s.routes() {
            let mut argv: Vec<String> = ["ip", "-6", "route", "replace"].map(String::from).to_vec();
            argv.extend([net.to_string(), "via".into(), s.address.to_string()]);
            if let Some(i) = interface {
                argv.extend(["dev".into(), i.to_owned()]);
            }
            want.push(argv);
        }
    }
    want
}

/// The argv of every command the `netsh` target must run.
pub fn netsh_argv(farm: &Farm, interface: &str) -> Vec<Vec<String>> {
    let mut want = Vec::new();
    for s in &farm.servers {
        for (net, _) in s.routes() {
            let mut argv: Vec<String> = ["netsh", "interface", "ipv6", "add", "route"]
                .map(String::from)
                .to_vec();
            argv.extend([net.to_string(), interface.to_owned(), s.address.to_string()]);
            want.push(argv);
        }
    }
    want
}

/// What tmsh reads from a bash script that may only call tmsh: each command's
/// arguments joined with spaces (as tmsh joins them) and tokenised again.
pub fn tmsh_reading(script: &str) -> Vec<Vec<Token>> {
    let commands = split_script(script).unwrap_or_else(|e| panic!("{e}\n{script}"));
    commands
        .iter()
        .map(|argv| {
            assert_eq!(argv[0], "tmsh", "only tmsh may run: {argv:?}");
            tokenize_line(&argv[1..].join(" "))
                .unwrap_or_else(|e| panic!("tmsh would not read {argv:?} as data: {e}"))
        })
        .collect()
}

/// The scripts of every target, as rendered for `farm`.
#[derive(Debug)]
pub struct Rendered {
    /// The `tmsh` target.
    pub tmsh: String,
    /// The `tmsh-remove` target.
    pub tmsh_remove: String,
    /// The `linux` target, when it renders.
    pub linux: Option<String>,
    /// The `netsh` target, when it renders.
    pub netsh: Option<String>,
}

/// Renders every script target and checks, without running anything, that each
/// does exactly what it must: tmsh and tmsh-remove run exactly the intended tmsh
/// commands as tmsh reads them, linux and netsh exactly the intended argv, and
/// bigip.conf reads as data with the marker on every description. Panics with
/// the script on any difference.
pub fn check_rendered(farm: &ValidFarm, interface: Option<&str>) -> Rendered {
    let opts = Options {
        interface: interface.map(str::to_owned),
        ..Options::default()
    };
    let tmsh = render(farm, Target::Tmsh, &opts).unwrap().text;
    assert_eq!(tmsh_reading(&tmsh), tmsh_creates(farm), "{tmsh}");
    let tmsh_remove = render(farm, Target::TmshRemove, &opts).unwrap().text;
    assert_eq!(
        tmsh_reading(&tmsh_remove),
        tmsh_removes(farm),
        "{tmsh_remove}"
    );

    let linux = match render(farm, Target::Linux, &opts) {
        Ok(out) => {
            let got = split_script(&out.text).unwrap_or_else(|e| panic!("{e}\n{}", out.text));
            assert_eq!(got, linux_argv(farm, interface), "{}", out.text);
            Some(out.text)
        }
        // a control character in the interface is refused, nothing else
        Err(manageout::Error::Unrepresentable { target, .. }) => {
            assert_eq!(target, "linux");
            assert!(interface.is_some_and(|i| i.chars().any(char::is_control)));
            None
        }
        Err(e) => panic!("linux: {e}"),
    };

    let netsh = match render(farm, Target::Netsh, &opts) {
        Ok(out) => {
            let interface = interface.expect("netsh renders only with an interface");
            let mut got = Vec::new();
            for line in out.text.lines() {
                match cmd::parse_line(line).unwrap_or_else(|e| panic!("{line:?}: {e}")) {
                    Line::Inert => {}
                    Line::Command(argv) => got.push(argv),
                }
            }
            assert_eq!(got, netsh_argv(farm, interface), "{}", out.text);
            Some(out.text)
        }
        Err(manageout::Error::MissingInterface) => {
            assert!(interface.is_none_or(|i| i.trim().is_empty()));
            None
        }
        Err(manageout::Error::Unrepresentable { target, .. }) => {
            assert_eq!(target, "netsh");
            None
        }
        Err(e) => panic!("netsh: {e}"),
    };

    let conf = render(farm, Target::BigipConf, &opts).unwrap().text;
    let statements = tokenize_conf(&conf).unwrap_or_else(|e| panic!("bigip.conf: {e}\n{conf}"));
    let marker = format!("manageout:{}", prefix(farm));
    let descriptions: Vec<&Vec<Token>> = statements
        .iter()
        .filter(|s| s.first() == Some(&w("description")))
        .collect();
    let routes: usize = farm.servers.iter().map(|s| s.routes().count()).sum();
    assert_eq!(
        descriptions.len(),
        farm.servers.len() + 2 * routes,
        "{conf}"
    );
    for s in descriptions {
        match s.get(1) {
            Some(Token::Word(d)) => assert!(d.starts_with(&marker), "{d}"),
            t => panic!("{t:?}"),
        }
    }
    Rendered {
        tmsh,
        tmsh_remove,
        linux,
        netsh,
    }
}
