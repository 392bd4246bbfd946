//! What each fuzz target checks, as plain functions that panic on a violation.
//!
//! The cargo-fuzz targets (`fuzz/`) call them; `core/tests/fuzz_replay.rs` replays
//! every committed corpus (plus a fixed-seed sweep) through them on stable Rust as
//! ordinary tests.

use std::net::Ipv6Addr;

use arbitrary::{Arbitrary, Unstructured};
use ip_network_table::IpNetworkTable;
use ipnet::Ipv6Net;
use manageout::render::{self, Options, Target};
use manageout::table::{IntPrefixMap, Layout};
use manageout::{Change, Farm, FarmReport, PrefixMap, Source, Table, audit, explain, import};

/// Every diagnostic's location lies inside the text it points into, and the
/// renderer copes with it.
fn check_report(report: &FarmReport) {
    let text = report.source.as_ref().map(|s| s.text.as_str());
    for d in &report.diagnostics {
        if let (Some(loc), Some(text)) = (&d.location, text) {
            assert!(
                loc.span.start <= loc.span.end && loc.span.end <= text.len(),
                "span {:?} outside a text of {} bytes: {d:?}",
                loc.span,
                text.len()
            );
            assert!(text.is_char_boundary(loc.span.start) && text.is_char_boundary(loc.span.end));
            assert!(loc.line >= 1 && loc.column >= 1, "{d:?}");
            assert!(loc.line <= text.lines().count().max(1) + 1, "{d:?}");
        }
        let _ = d.render(text);
    }
    let _ = report.to_json();
    if let (Some(farm), false) = (report.valid_farm().ok(), report.has_errors()) {
        let table = Table::new(farm);
        for s in &farm.servers {
            let id = table.lookup(s.client_prefix.network());
            assert!(id.is_some(), "{} does not reach its own prefix", s.name);
        }
    }
}

/// `farm_config`: arbitrary bytes as a TOML and as a JSON farm file. Parsing and
/// validation never panic; every span lies inside the input; a farm without
/// errors always builds a table that routes each server's own prefix.
pub fn farm_config(data: &[u8]) {
    check_report(&Farm::from_bytes(data, "fuzz.toml"));
    check_report(&Farm::from_bytes(data, "fuzz.json"));
}

/// A prefix set and queries drawn from fuzz input.
#[derive(Debug)]
struct DiffCase {
    prefixes: Vec<(Ipv6Net, u32)>,
    queries: Vec<u128>,
    /// Whether to build the trie too: its 4 MiB direct array dominates an execution,
    /// so it is built for one input in four (the range forms for every input).
    trie: bool,
}

impl<'a> Arbitrary<'a> for DiffCase {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let trie = u.ratio(1, 4)?;
        // a shared base makes nesting likely; some prefixes are fully random; a
        // farm-shaped set (lengths 48 to 64, bits 48-63 varied: one /48) takes
        // the direct-window form
        let base = u128::arbitrary(u)?;
        let farm = bool::arbitrary(u)?;
        let n = u.int_in_range(0..=64)?;
        let mut prefixes = Vec::with_capacity(n);
        for _ in 0..n {
            let (len, bits): (u8, u128) = if farm {
                let group = u128::from(u16::arbitrary(u)?) << 64;
                (
                    u.int_in_range(48..=64)?,
                    (base & !(0xffff_u128 << 64)) | group,
                )
            } else if bool::arbitrary(u)? {
                (u.int_in_range(0..=128)?, u128::arbitrary(u)?)
            } else {
                (
                    u.int_in_range(0..=128)?,
                    base ^ (1u128 << u.int_in_range(0..=127)?),
                )
            };
            let net = Ipv6Net::new(Ipv6Addr::from(bits), len)
                .expect("length in range")
                .trunc();
            prefixes.push((net, u32::arbitrary(u)? % 1000));
        }
        let mut queries = Vec::new();
        while !u.is_empty() && queries.len() < 256 {
            let q = if prefixes.is_empty() || bool::arbitrary(u)? {
                u128::arbitrary(u)?
            } else {
                let (p, _) = prefixes[u.choose_index(prefixes.len())?];
                let host = u128::MAX
                    .checked_shr(u32::from(p.prefix_len()))
                    .unwrap_or(0);
                u128::from(p.network()) | (u128::arbitrary(u)? & host)
            };
            queries.push(q);
        }
        Ok(Self {
            prefixes,
            queries,
            trie,
        })
    }
}

/// `prefix_map_diff`: a `PrefixMap` (the range forms always, the trie for one input
/// in four) answers exactly as `ip_network_table` does, for single and batch lookups, where the last value
/// wins for a repeated prefix; so do maps after `apply` (`applied_maps_agree`).
pub fn prefix_map_diff(data: &[u8]) {
    let Ok(case) = DiffCase::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let mut reference = IpNetworkTable::new();
    for (net, v) in &case.prefixes {
        let n = ip_network::Ipv6Network::new(net.network(), net.prefix_len())
            .expect("a truncated prefix");
        reference.insert(n, *v);
    }
    let layouts: &[Layout] = if case.trie {
        &[Layout::Auto, Layout::Ranges, Layout::Trie]
    } else {
        &[Layout::Auto, Layout::Ranges]
    };
    for &layout in layouts {
        let map = PrefixMap::with_layout(case.prefixes.iter().copied(), layout)
            .expect("truncated prefixes are accepted");
        let mut batch = vec![None; case.queries.len()];
        map.lookup_batch(&case.queries, &mut batch)
            .expect("same lengths");
        for (q, b) in case.queries.iter().zip(&batch) {
            let want = reference.longest_match(Ipv6Addr::from(*q)).map(|(_, v)| v);
            assert_eq!(
                map.lookup(*q),
                want,
                "{layout:?} single {}",
                Ipv6Addr::from(*q)
            );
            assert_eq!(*b, want, "{layout:?} batch {}", Ipv6Addr::from(*q));
        }
    }
    applied_maps_agree(&case, layouts);
}

/// The incremental path of `prefix_map_diff`: the first half of the prefixes built,
/// then the second half applied as one batch (announced, or withdrawn when the
/// value is a multiple of 3) with a withdrawal of every first-half prefix whose
/// value is a multiple of 5; the `PrefixMap` and the `IntPrefixMap` answer as
/// `ip_network_table` holding the resulting set.
fn applied_maps_agree(case: &DiffCase, layouts: &[Layout]) {
    let (start, rest) = case.prefixes.split_at(case.prefixes.len() / 2);
    let mut changes: Vec<Change<u32>> = rest
        .iter()
        .map(|&(p, v)| {
            if v % 3 == 0 {
                Change::Withdraw(p)
            } else {
                Change::Announce(p, v)
            }
        })
        .collect();
    changes.extend(
        start
            .iter()
            .filter(|(_, v)| v % 5 == 0)
            .map(|(p, _)| Change::Withdraw(*p)),
    );
    let mut set: std::collections::BTreeMap<Ipv6Net, u32> = start.iter().copied().collect();
    for c in &changes {
        match c {
            Change::Announce(p, v) => {
                set.insert(*p, *v);
            }
            other => {
                set.remove(&other.prefix());
            }
        }
    }
    let mut reference = IpNetworkTable::new();
    for (net, v) in &set {
        let n = ip_network::Ipv6Network::new(net.network(), net.prefix_len())
            .expect("a truncated prefix");
        reference.insert(n, *v);
    }
    let as_int = |c: &Change<u32>| match c {
        Change::Announce(p, v) => Change::Announce(*p, *v as i32),
        other => Change::Withdraw(other.prefix()),
    };
    for &layout in layouts {
        let map = PrefixMap::with_layout(start.iter().copied(), layout)
            .and_then(|m| m.apply(changes.iter().cloned()))
            .expect("truncated prefixes are accepted");
        let int = IntPrefixMap::with_layout(start.iter().map(|(p, v)| (*p, *v as i32)), layout)
            .and_then(|m| m.apply(changes.iter().map(as_int)))
            .expect("values below 1000 are accepted");
        assert_eq!(map.len(), set.len());
        for q in &case.queries {
            let want = reference.longest_match(Ipv6Addr::from(*q)).map(|(_, v)| v);
            assert_eq!(
                map.lookup(*q),
                want,
                "{layout:?} applied {}",
                Ipv6Addr::from(*q)
            );
            assert_eq!(
                int.lookup(*q),
                want.map_or(-1, |v| *v as i32),
                "{layout:?} applied int {}",
                Ipv6Addr::from(*q)
            );
        }
    }
}

/// `import_daserver`: arbitrary bytes (UTF-8, UTF-16, binary), cut at each NUL
/// byte into up to four inputs of `manageout import` (Get-DAServer output, route
/// listings, Get-RemoteAccessLoadBalancer output), give a farm or an error, never
/// a panic; an imported farm file parses, with exactly the records' servers and
/// only valid names.
pub fn import_daserver(data: &[u8]) {
    let mut inputs = Vec::new();
    for (i, part) in data.splitn(4, |b| *b == 0).enumerate() {
        let name = format!("fuzz{i}.txt");
        match import::read_all(part, &name) {
            Ok(found) => inputs.extend(found.into_iter().map(|i| (name.clone(), i))),
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        }
    }
    let records: usize = inputs
        .iter()
        .map(|(_, i)| match i {
            import::Input::Servers(r) => r.len(),
            _ => 0,
        })
        .sum();
    let pairs: Vec<import::Pair> = (0..records)
        .map(|i| import::Pair {
            name: None,
            address: Some(Ipv6Addr::from(0x2131_u128 << 112 | (i as u128 + 1))),
        })
        .collect();
    match import::assemble(&inputs, &pairs) {
        Ok(imported) => {
            let toml = imported.to_toml(&["fuzz.txt"]);
            let report = Farm::from_toml_str(&toml, "imported.toml");
            check_report(&report);
            // whatever the inputs held, the farm file has exactly their servers
            // and keys (no injected table or key) and only valid names
            for d in &report.diagnostics {
                assert!(
                    !matches!(d.code.as_str(), "MO001" | "MO002" | "MO003" | "MO018"),
                    "{d:?}\n{toml}"
                );
            }
            if let Some(farm) = report.farm() {
                assert_eq!(farm.servers.len(), records);
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// A farm with arbitrary names, partition, VLANs, route domain and prefixes.
#[derive(Debug)]
struct RenderCase {
    toml: String,
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

impl<'a> Arbitrary<'a> for RenderCase {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut toml = String::from("[farm]\n");
        toml += &format!("name = {}\n", toml_string(<&str>::arbitrary(u)?));
        toml += "[bigip]\n";
        if bool::arbitrary(u)? {
            toml += &format!("partition = {}\n", toml_string(<&str>::arbitrary(u)?));
        }
        if bool::arbitrary(u)? {
            let vlans: Vec<String> = (0..u.int_in_range(0..=3)?)
                .map(|_| <&str>::arbitrary(u).map(toml_string))
                .collect::<arbitrary::Result<_>>()?;
            toml += &format!("vlans = [{}]\n", vlans.join(", "));
        }
        if bool::arbitrary(u)? {
            toml += &format!("route_domain = {}\n", u.int_in_range(0..=65535u32)?);
        }
        // the whole path: a self IP, and [manage_out] with an arbitrary GPO and
        // services
        if bool::arbitrary(u)? {
            toml += "self_ip = \"2131::5\"\n";
        }
        if bool::arbitrary(u)? {
            toml += "[manage_out]\nmanagement_servers = [\"2131::50\", \"2131:0:0:10::/64\"]\n";
            let services: Vec<String> = (0..u.int_in_range(0..=3)?)
                .map(|_| {
                    let named = [
                        "rdp",
                        "winrm",
                        "winrm-https",
                        "smb",
                        "icmp",
                        "sccm-remote-control",
                    ];
                    Ok(match u.int_in_range(0..=7u8)? {
                        6 => format!("tcp:{}", u16::arbitrary(u)?),
                        7 => <&str>::arbitrary(u)?.to_owned(),
                        i => named[usize::from(i)].to_owned(),
                    })
                })
                .map(|r: arbitrary::Result<String>| r.map(|s| toml_string(&s)))
                .collect::<arbitrary::Result<_>>()?;
            toml += &format!("services = [{}]\n", services.join(", "));
            if bool::arbitrary(u)? {
                toml += &format!("gpo = {}\n", toml_string(<&str>::arbitrary(u)?));
            }
        }
        let servers = u.int_in_range(1..=8u32)?;
        for i in 0..servers {
            let prefix = (0x2131_u128 << 112) | (u128::from(0x1000 + i * 0x20) << 64);
            let name = if bool::arbitrary(u)? {
                <&str>::arbitrary(u)?.to_owned()
            } else {
                format!("DA{i}")
            };
            toml += &format!(
                "[[server]]\nname = {}\naddress = \"2131::{:x}\"\nclient_prefix = \"{}/59\"\n",
                toml_string(&name),
                i + 1,
                Ipv6Addr::from(prefix)
            );
            if bool::arbitrary(u)? {
                toml += &format!("entry_point = {}\n", toml_string(<&str>::arbitrary(u)?));
            }
        }
        Ok(Self { toml })
    }
}

/// `render`: every renderer succeeds on every valid farm (arbitrary names and
/// partitions included), and the AS3 declaration is valid JSON.
pub fn render(data: &[u8]) {
    let Ok(case) = RenderCase::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let report = Farm::from_toml_str(&case.toml, "render.toml");
    check_report(&report);
    let (Some(farm), false) = (report.valid_farm().ok(), report.has_errors()) else {
        return;
    };
    let options = Options {
        interface: Some("Corp".into()),
        ..Options::default()
    };
    for target in [
        Target::Tmsh,
        Target::BigipConf,
        Target::TmshRemove,
        Target::As3,
        Target::Linux,
        Target::Netsh,
    ] {
        let result = render::render(farm, target, &options);
        // AS3 remarks hold 64 characters: a farm name past 54 is refused there,
        // with the fix, and only there
        if target == Target::As3 && render::marker(farm).chars().count() > 64 {
            match result {
                Err(manageout::Error::Unrepresentable { reason, .. }) => {
                    assert!(reason.contains("at most 54 characters"), "{reason}");
                    continue;
                }
                other => panic!(
                    "AS3 with a {}-character marker: {other:?}",
                    render::marker(farm).len()
                ),
            }
        }
        let out = result
            .unwrap_or_else(|e| panic!("{target:?} failed on a valid farm: {e}\n{}", case.toml));
        if target == Target::As3 {
            let v: serde_json::Value = serde_json::from_str(&out.text).expect("AS3 is JSON");
            assert_eq!(v, render::as3(farm).expect("as3"));
        }
    }
    whole_path(farm, &case.toml);
}

/// The whole-path targets of a valid farm: rendered when the farm has what each
/// needs (else refused naming the setting), and the firewall rules read back by
/// PowerShell's rules carry exactly the farm's GPO and management servers.
fn whole_path(farm: &manageout::ValidFarm, toml: &str) {
    use crate::powershell::calls;
    for dialect in render::Dialect::ALL {
        let options = Options {
            interface: Some("Corp".into()),
            dialect: Some(dialect),
            aggregate: dialect == render::Dialect::Ios,
        };
        match render::render(farm, Target::CorpRoutes, &options) {
            Ok(_) => assert!(farm.bigip.self_ip.is_some()),
            Err(manageout::Error::MissingSetting { setting, .. }) => {
                assert_eq!(setting, "bigip.self_ip", "{toml}");
                assert!(farm.bigip.self_ip.is_none());
            }
            Err(e) => panic!("corp-routes {dialect:?}: {e}\n{toml}"),
        }
    }
    let m = &farm.manage_out;
    match render::render(farm, Target::ClientFirewall, &Options::default()) {
        Ok(out) => {
            let want_remote: Vec<String> = m
                .management_servers
                .iter()
                .map(manageout::net::address_or_prefix)
                .collect();
            let created = calls(&out.text, "New-NetFirewallRule")
                .unwrap_or_else(|e| panic!("{e}\n{}", out.text));
            let rules: usize = m.services.iter().map(|s| s.rules().len()).sum();
            assert_eq!(created.len(), rules, "{}", out.text);
            for c in &created {
                assert_eq!(
                    c.param("RemoteAddress"),
                    Some(want_remote.as_slice()),
                    "{}",
                    out.text
                );
                assert_eq!(
                    c.param("PolicyStore").map(<[String]>::to_vec),
                    m.gpo.clone().map(|g| vec![g]),
                    "{}",
                    out.text
                );
            }
        }
        Err(manageout::Error::MissingSetting { .. }) => {
            assert!(
                m.management_servers.is_empty() || m.services.is_empty(),
                "{toml}"
            );
        }
        Err(e) => panic!("client-firewall: {e}\n{toml}"),
    }
}

/// `scripts`: on every valid farm with arbitrary names, partition, VLANs and
/// interface, each script target does exactly what it must as bash, tmsh and
/// cmd.exe read it ([`intended::check_rendered`](crate::intended::check_rendered):
/// the bash words re-read, tmsh's arguments re-tokenised, the batch file parsed
/// by cmd.exe's rules), without running a process.
pub fn scripts(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(interface) = <Option<&str>>::arbitrary(&mut u) else {
        return;
    };
    let Ok(case) = RenderCase::arbitrary_take_rest(u) else {
        return;
    };
    let report = Farm::from_toml_str(&case.toml, "scripts.toml");
    if let (Ok(farm), false) = (report.valid_farm(), report.has_errors()) {
        crate::intended::check_rendered(farm, interface);
    }
}

/// `explain`: any 16 bytes classify without a panic, the same way each time,
/// and "steerable" holds exactly when the farm's table routes the address.
pub fn explain(data: &[u8]) {
    let Some(bytes) = data.get(..16) else {
        return;
    };
    let bits = u128::from_be_bytes(bytes.try_into().expect("16 bytes"));
    let addr = Ipv6Addr::from(bits);
    let alone = explain::explain(addr, None);
    assert_eq!(alone, explain::explain(addr, None));
    assert!(!alone.steerable && alone.server.is_none());
    let _ = alone.to_json();
    let _ = alone.to_string();
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        Farm::from_toml_str(
            "[[server]]\nname = \"DA1\"\naddress = \"2131::101\"\nclient_prefix = \"2131:0:0:1000::/59\"\nteredo = true\nteredo_ipv4 = \"131.107.0.2\"\n\
             [[server]]\nname = \"DA2\"\naddress = \"2131::201\"\nclient_prefix = \"2131:0:0:1020::/59\"\nvpn_prefix = \"2131:0:0:2000::/64\"\n",
            "explain.toml",
        )
        .table()
        .expect("the fixed farm is valid")
    });
    let with = explain::explain(addr, Some(table));
    // a farm only turns otherwise unclassified (ISATAP-looking, documentation,
    // ULA, global) addresses into IP-HTTPS or VPN clients
    if with.kind != alone.kind {
        assert!(
            matches!(
                with.kind,
                explain::AddressKind::IpHttps | explain::AddressKind::Vpn
            ),
            "{alone:?} became {with:?}"
        );
    }
    let routed = table
        .lookup(addr)
        .map(|id| table.servers()[id.index()].name.clone());
    assert_eq!(with.steerable, routed.is_some(), "{with:?}");
    assert_eq!(with.server, routed);
    let _ = with.to_json();
}

/// `bigip_config`: arbitrary bytes as BIG-IP configuration text audited against a
/// fixed farm: no panic (deep nesting included), every span inside the text, and
/// `--fix` output for whatever was found.
pub fn bigip_config(data: &[u8]) {
    static FARM: std::sync::OnceLock<manageout::ValidFarm> = std::sync::OnceLock::new();
    let farm = FARM.get_or_init(|| {
        Farm::from_toml_str(
            "[bigip]\nvlans = [\"internal\"]\n[[server]]\nname = \"DA1\"\naddress = \"2131::101\"\nclient_prefix = \"2131:0:0:1000::/59\"\n\
             [[server]]\nname = \"DA2\"\naddress = \"2131::201\"\nclient_prefix = \"2131:0:0:1020::/59\"\n",
            "audit.toml",
        )
        .into_valid_farm()
        .expect("the fixed farm is valid")
    });
    let text = String::from_utf8_lossy(data).into_owned();
    let report = audit::audit(
        farm,
        &[Source {
            name: "fuzz.conf".into(),
            text: text.clone(),
        }],
    );
    for d in &report.diagnostics {
        if let Some(l) = &d.location {
            assert!(
                l.span.start <= l.span.end && l.span.end <= text.len(),
                "{d:?}"
            );
            assert!(text.is_char_boundary(l.span.start));
        }
    }
    let _ = report.render(false);
    let fix = report.fix(farm);
    // whatever the configuration's names hold, the fix is plain data to bash and
    // to tmsh (names that cannot be written are left out with MO114)
    let _ = crate::intended::tmsh_reading(&fix);
    // unreadable text (MO100) and unreadable virtuals (MO115) have nothing to fix
    assert_eq!(
        fix.is_empty(),
        report.omitted.total() == 0
            && report
                .diagnostics
                .iter()
                .all(|d| matches!(d.code.as_str(), "MO100" | "MO115")),
        "{fix}"
    );
}

/// `rest_audit`: arbitrary bytes as an iControl REST answer (JSON: collection path
/// to items, or one item, or anything) audited against the fixed farm of
/// [`bigip_config`]: no panic, a clear error or a report whose findings name an
/// object URL without a line, and a `--fix` script that is plain data to tmsh.
pub fn rest_audit(data: &[u8]) {
    use manageout::audit::{Collection, RestObject, audit_rest};
    let farm = {
        static FARM: std::sync::OnceLock<manageout::ValidFarm> = std::sync::OnceLock::new();
        FARM.get_or_init(|| {
            Farm::from_toml_str(
                "[[server]]\nname = \"DA1\"\naddress = \"2131::101\"\nclient_prefix = \"2131:0:0:1000::/59\"\n",
                "rest.toml",
            )
            .into_valid_farm()
            .expect("the fixed farm is valid")
        })
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let mut objects = Vec::new();
    for c in Collection::ALL {
        match value.get(c.path()) {
            Some(serde_json::Value::Array(items)) => {
                objects.extend(items.iter().take(1000).map(|item| RestObject {
                    collection: c,
                    item: item.clone(),
                }));
            }
            Some(item) => objects.push(RestObject {
                collection: c,
                item: item.clone(),
            }),
            None => {}
        }
    }
    if objects.is_empty() {
        objects.push(RestObject {
            collection: Collection::Virtual,
            item: value,
        });
    }
    let Ok(report) = audit_rest(farm, "https://bigip", &objects) else {
        return;
    };
    for d in &report.diagnostics {
        if let Some(l) = &d.location {
            assert!(l.file.starts_with("https://bigip/mgmt/tm/"), "{d:?}");
            assert_eq!(l.position(), None, "{d:?}");
        }
    }
    let _ = report.render(false);
    let _ = report.to_json();
    let _ = crate::intended::tmsh_reading(&report.fix(farm));
}
