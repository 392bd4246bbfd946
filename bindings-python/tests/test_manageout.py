"""The Python API: every entry point, every input type, errors, threads, properties."""

from __future__ import annotations

import array
import ipaddress
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import manageout
from conftest import ROOT

SEED = "examples/seed.toml"
FIXED = "examples/seed-fixed.toml"
MULTI = "examples/multisite.toml"
CLUSTER = "examples/cluster.toml"


def test_version_is_a_string() -> None:
    assert isinstance(manageout.__version__, str) and manageout.__version__


def test_the_fixed_article_farm_is_clean_and_answers_da1() -> None:
    farm = manageout.Farm.from_file(FIXED)
    assert farm.check() == []
    table = farm.table()
    server = table.lookup("2131:0:0:1005::1")
    assert server is not None
    assert server.name == "DA1"
    assert server.index == 0
    assert server.address == ipaddress.IPv6Address("2131::101")
    assert server.client_prefix == ipaddress.IPv6Network("2131:0:0:1000::/59")
    assert server.entry_point is None


def test_lookup_accepts_every_address_type_and_returns_the_same_object() -> None:
    table = manageout.Farm.from_file(FIXED).table()
    a = ipaddress.IPv6Address("2131:0:0:1025::7")
    forms = [str(a), a, a.packed, int(a), " 2131:0:0:1025::7 "]
    servers = [table.lookup(x) for x in forms]
    assert all(s is servers[0] for s in servers)  # created once per table
    assert servers[0] is table.servers[1]
    assert table.lookup("2131::1") is None


@pytest.mark.parametrize(
    ("bad", "error", "text"),
    [
        ("10.0.0.1", ValueError, "not an IPv6 address"),
        ("nonsense", ValueError, "nonsense"),
        (b"\x00" * 15, ValueError, "16 bytes"),
        (-1, ValueError, "out of range"),
        (2**128, ValueError, "out of range"),
        (ipaddress.IPv4Address("10.0.0.1"), ValueError, "IPv4"),
        (1.5, TypeError, "float"),
        (None, TypeError, "NoneType"),
        (True, TypeError, "bool"),
    ],
)
def test_bad_addresses_raise_naming_the_value(bad: object, error: type[Exception], text: str) -> None:
    table = manageout.Farm.from_file(FIXED).table()
    with pytest.raises(error, match=text):
        table.lookup(bad)  # type: ignore[arg-type]


def test_lookup_many_over_a_buffer_gives_an_int_array() -> None:
    table = manageout.Farm.from_file(FIXED).table()
    addrs = ["2131:0:0:1005::1", "2131:0:0:1025::1", "2131::1"]
    packed = b"".join(ipaddress.IPv6Address(a).packed for a in addrs)
    for buf in (packed, bytearray(packed), memoryview(packed)):
        result = table.lookup_many(buf)
        assert isinstance(result, array.array) and result.typecode == "i"
        assert list(result) == [0, 1, -1]
    with pytest.raises(ValueError, match="multiple of 16"):
        table.lookup_many(packed[:-1])


def test_lookup_many_over_an_iterable_gives_servers() -> None:
    table = manageout.Farm.from_file(FIXED).table()
    result = table.lookup_many(iter(["2131:0:0:1005::1", ipaddress.IPv6Address("2131::1")]))
    assert result == [table.servers[0], None]


def test_a_farm_with_errors_raises_farm_error_with_the_diagnostics() -> None:
    farm = manageout.Farm.from_file(SEED)
    [d] = farm.check()
    assert (d.severity, d.code, d.server, d.field, d.line, d.column) == ("error", "MO012", "DA2", "client_prefix", 24, 17)
    assert d.file == SEED
    assert d.help is not None and "2131:0:0:1020::/59" in d.help
    assert "error[MO012]" in str(d) and "^^^" in str(d)
    with pytest.raises(manageout.FarmError) as info:
        farm.table()
    assert isinstance(info.value, ValueError)
    assert [x.code for x in info.value.diagnostics] == ["MO012"]
    with pytest.raises(manageout.FarmError):
        farm.render("tmsh")


def test_farms_from_toml_json_and_dict_agree() -> None:
    toml = "[[server]]\nname = \"DA1\"\naddress = \"2131::101\"\nclient_prefix = \"2131:0:0:1001::/59\"\n"
    json_text = '{"server": [{"name": "DA1", "address": "2131::101", "client_prefix": "2131:0:0:1001::/59"}]}'
    as_dict = {"server": [{"name": "DA1", "address": "2131::101", "client_prefix": "2131:0:0:1001::/59"}]}
    results = [
        manageout.Farm.from_toml(toml).check(),
        manageout.Farm.from_json(json_text).check(),
        manageout.Farm.from_dict(as_dict).check(),
    ]
    for r in results:
        assert [d.code for d in r] == ["MO012"]
    assert results[0][0].line == 4 and results[2][0].line is None
    with pytest.raises(TypeError):
        manageout.Farm.from_dict(["not", "a", "dict"])  # type: ignore[arg-type]


def test_audit_names_the_planted_mistake_with_its_line_and_fix_recreates_it() -> None:
    farm = manageout.Farm.from_file(FIXED)
    fixtures = "core/tests/fixtures/audit/"
    with open(fixtures + "correct.conf") as f:
        assert farm.audit(f.read()) == []
    with open(fixtures + "translate-address.conf") as f:
        broken = f.read()
    [d] = farm.audit(broken, "box.conf")
    assert (d.code, d.severity, d.server, d.file, d.line) == ("MO106", "error", "DA2", "box.conf", 76)
    assert "translate-address enabled" in str(d)
    fix = farm.audit_fix(broken)
    assert "tmsh create ltm virtual /Common/article_DA2_client" in fix
    assert "article_DA1" not in fix
    with pytest.raises(manageout.FarmError):
        manageout.Farm.from_file(SEED).audit(broken)


def test_unreadable_file_raises_oserror() -> None:
    with pytest.raises(OSError, match="nope.toml"):
        manageout.Farm.from_file("examples/nope.toml")


def test_render_every_target_and_as3_as_a_dict() -> None:
    farm = manageout.Farm.from_file(FIXED)
    assert "tmsh create ltm virtual /Common/article_DA1_client" in farm.render("tmsh")
    assert "ltm virtual /Common/article_DA2_client {" in farm.render("bigip-conf")
    assert "tmsh delete ltm pool /Common/article_DA1_pool" in farm.render("tmsh-remove")
    assert "ip -6 route replace 2131:0:0:1000::/59 via 2131::101" in farm.render("linux")
    assert '"Corpnet" 2131::201' in farm.render("netsh", interface="Corpnet")
    with pytest.raises(ValueError, match="interface"):
        farm.render("netsh")
    with pytest.raises(ValueError, match="unknown render target"):
        farm.render("cisco")  # type: ignore[arg-type]
    decl = farm.as3()
    assert decl["class"] == "AS3"
    assert decl["declaration"]["Common"]["Shared"]["article_DA1_client"]["virtualAddresses"] == ["2131:0:0:1000::/59"]
    assert decl["declaration"]["Common"]["Shared"]["article_DA1_client"]["remark"] == "manageout:article"


def test_multisite_servers_carry_entry_points_and_teredo_prefixes() -> None:
    table = manageout.Farm.from_file(MULTI).table()
    edge = table.lookup("2001:0:836b:14::1")
    assert edge is not None and edge.name == "2-EDGE1"
    assert edge.entry_point == "Site2"
    assert edge.teredo_prefix == ipaddress.IPv6Network("2001:0:836b:14::/64")
    assert [d.code for d in manageout.Farm.from_file(MULTI).check()] == ["MO016"] * 4


def test_a_clusters_addresses_go_to_the_node_holding_the_64_never_the_vip() -> None:
    farm = manageout.Farm.from_file(CLUSTER)
    assert farm.check() == []
    table = farm.table()
    for address, node, hop in [
        ("2131:0:0:1000::7", "DA-NODE1", "2131::11"),
        ("2131:0:0:1001:ffff::1", "DA-NODE2", "2131::12"),
    ]:
        server = table.lookup(address)
        assert server is not None
        assert (server.name, server.entry_point) == (node, "Cluster1")
        assert server.address == ipaddress.IPv6Address(hop)
        assert server.client_prefix.prefixlen == 64
    assert table.lookup("2131:0:0:1011::7") is None  # in the /59, in no node's /64
    e = manageout.explain("2131:0:0:1001::7", farm=farm)
    assert (e["server"], e["entry_point"], e["steerable"]) == ("DA-NODE2", "Cluster1", True)


def test_explain_has_the_cli_json_shape() -> None:
    e = manageout.explain("2001:0:4136:e378:8000:63bf:3fff:fdd2")
    assert list(e) == ["address", "kind", "steerable", "server", "entry_point", "details"]
    assert e["kind"] == "teredo" and e["details"]["client_port"] == 40000
    farm = manageout.Farm.from_file(FIXED)
    e = manageout.explain(ipaddress.IPv6Address("2131:0:0:1005::1"), farm=farm)
    assert (e["kind"], e["server"], e["steerable"]) == ("ip-https", "DA1", True)
    with pytest.raises(manageout.FarmError):
        manageout.explain("2131::1", farm=manageout.Farm.from_file(SEED))


def test_import_daserver_entries_are_ready_for_from_dict_as_documented() -> None:
    text = (ROOT / "core/tests/fixtures/import/get-daserver-fl.txt").read_text()
    raw = b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le")
    [entry] = manageout.import_daserver(raw, names=["DA1"], addresses=["2131::101"])
    assert entry["client_prefix"] == "2002:836b:1:1000::/64"
    assert entry["teredo"] is False and entry["address"] == "2131::101"
    # the entries are exactly a farm file's server tables: no key from_dict refuses
    codes = [d.code for d in manageout.Farm.from_dict({"server": [entry]}).check()]
    assert codes == ["MO017"]  # 6to4: the intranet has no native IPv6
    with pytest.raises(ValueError, match="Get-DAEntryPoint"):
        manageout.import_daserver((ROOT / "core/tests/fixtures/import/get-daentrypoint-ft.txt").read_text())
    with pytest.raises(ValueError, match="1 record"):
        manageout.import_daserver(raw, addresses=["2131::101", "2131::201"])


def test_import_daserver_checks_addresses_like_the_cli() -> None:
    raw = "ClientIPv6Prefix : 2131:0:0:1000::/59\n"
    with pytest.raises(ValueError, match=r"addresses\[0\]: `nope` is not an IPv6 address"):
        manageout.import_daserver(raw, addresses=["nope"])
    with pytest.raises(ValueError, match="IPv4"):
        manageout.import_daserver(raw, addresses=["10.0.0.1"])
    with pytest.raises(TypeError, match=r"addresses\[0\] must be a str"):
        manageout.import_daserver(raw, addresses=[5])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="output must be"):
        manageout.import_daserver(5)  # type: ignore[arg-type]


def test_import_daserver_replaces_hostile_computer_names_with_a_warning() -> None:
    raw = '{"ClientIPv6Prefix": "2131:0:0:1000::/59", "PSComputerName": "DA1$(touch PWNED)"}'
    with pytest.warns(UserWarning, match="not a valid name"):
        [entry] = manageout.import_daserver(raw, addresses=["2131::101"])
    assert entry["name"] == "DA1-touch-PWNED"


def test_wrong_types_raise_type_error_naming_the_parameter() -> None:
    with pytest.raises(TypeError):
        manageout.Farm(1)  # type: ignore[call-arg]
    farm = manageout.Farm.from_file(FIXED)
    with pytest.raises(TypeError, match="farm"):
        manageout.explain("2131::1", farm=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="address"):
        farm.table().lookup(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"data must be a dict"):
        manageout.Farm.from_dict([1])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"data\[\"server\"\]\[0\]\[\"name\"\] is set"):
        manageout.Farm.from_dict({"server": [{"name": {1}}]})
    with pytest.raises(TypeError, match="text"):
        manageout.Farm.from_toml(1)  # type: ignore[arg-type]


def test_buffers_are_read_as_packed_addresses_and_must_have_one_byte_items() -> None:
    table = manageout.Farm.from_file(FIXED).table()
    packed = b"".join(ipaddress.IPv6Address(a).packed for a in ["2131:0:0:1005::1", "2131:0:0:1025::1"])
    assert list(table.lookup_many(array.array("B", packed))) == [0, 1]
    assert list(table.lookup_many(array.array("b", packed))) == [0, 1]
    with pytest.raises(TypeError, match="1-byte items"):
        table.lookup_many(array.array("i", [1, 2, 3, 4]))
    with pytest.raises(TypeError, match="1-byte items"):
        manageout.PrefixMap([("::/0", 1)]).lookup_many(array.array("q", [0, 0]))


def test_from_dict_diagnostics_name_the_callers_key_path() -> None:
    farm = manageout.Farm.from_dict({"server": [{"name": "DA1", "address": "nope", "client_prefix": "2131:0:0:1000::/59"}]})
    [d] = farm.check()
    assert (d.code, d.path, d.file, d.line) == ("MO010", "server[0].address", None, None)
    with pytest.raises(manageout.FarmError, match=r"at server\[0\]\.address"):
        farm.table()


def test_prefix_map_basics_and_errors() -> None:
    pm = manageout.PrefixMap([("2001:db8::/32", 7), (ipaddress.IPv6Network("2001:db8:1::/48"), 9), ("2001:db8::/32", 8)])
    assert len(pm) == 2
    assert pm.lookup("2001:db8:1::1") == 9
    assert pm.lookup("2001:db8:2::1") == 8  # the last value wins
    assert pm.lookup("::1") is None
    packed = ipaddress.IPv6Address("2001:db8:1::1").packed + ipaddress.IPv6Address("::1").packed
    assert list(pm.lookup_many(packed)) == [9, -1]
    assert pm.lookup_many(["2001:db8::5"]) == [8]
    with pytest.raises(ValueError, match="host bits"):
        manageout.PrefixMap([("2001:db8::1/32", 1)])
    with pytest.raises(ValueError, match="outside"):
        manageout.PrefixMap([("2001:db8::/32", -1)])
    with pytest.raises(ValueError, match="not an IPv6 prefix"):
        manageout.PrefixMap([("10.0.0.0/8", 1)])
    with pytest.raises(TypeError):
        manageout.PrefixMap([("2001:db8::/32",)])  # type: ignore[list-item]


def test_prefix_map_apply_builds_the_next_map_and_leaves_this_one() -> None:
    pm = manageout.PrefixMap([("2001:db8::/32", 7)])
    nxt = pm.apply([("2001:db8:1::/48", 9), (ipaddress.IPv6Network("2001:db8::/32"), None), ("2001:db8:2::/48", None)])
    assert (len(pm), len(nxt)) == (1, 1)
    assert nxt.lookup("2001:db8:1::1") == 9
    assert nxt.lookup("2001:db8:5::1") is None
    assert pm.lookup("2001:db8:5::1") == 7  # unchanged
    assert pm.apply([("2001:db8::/32", 1), ("2001:db8::/32", 3)]).lookup("2001:db8::1") == 3  # the last change wins
    with pytest.raises(ValueError, match="host bits"):
        pm.apply([("2001:db8:1::/48", 1), ("2001:db8::1/32", None)])
    with pytest.raises(ValueError, match=r"changes\[0\] is -1, outside"):
        pm.apply([("2001:db8::/32", -1)])
    with pytest.raises(TypeError, match=r"changes\[0\] must be a \(prefix, int or None\) pair"):
        pm.apply([("2001:db8::/32",)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="must be an int, not str"):
        pm.apply([("2001:db8::/32", "7")])  # type: ignore[list-item]


def test_lookups_from_many_threads_agree() -> None:
    table = manageout.Farm.from_file(FIXED).table()
    rng = random.Random(7)
    addrs = [ipaddress.IPv6Address((0x2131 << 112) | (0x1000 << 64) | rng.getrandbits(70)) for _ in range(2000)]
    packed = b"".join(a.packed for a in addrs)
    expected = [(-1 if s is None else s.index) for s in table.lookup_many(addrs)]

    def work(_: int) -> list[int]:
        # rebuild tables too, while other threads look up
        fresh = manageout.Farm.from_file(FIXED).table()
        assert list(fresh.lookup_many(packed)) == expected
        return list(table.lookup_many(packed))

    with ThreadPoolExecutor(max_workers=8) as pool:
        for result in pool.map(work, range(32)):
            assert result == expected


def oracle(prefixes: list[tuple[ipaddress.IPv6Network, int]], addr: ipaddress.IPv6Address) -> int | None:
    best: tuple[int, int] | None = None
    for net, value in prefixes:  # the last value wins for a repeated prefix
        if addr in net and (best is None or net.prefixlen >= best[0]):
            best = (net.prefixlen, value)
    return None if best is None else best[1]


networks = st.builds(
    lambda base, length: ipaddress.IPv6Network((base & ~((1 << (128 - length)) - 1), length)),
    st.one_of(st.integers(0, 2**128 - 1), st.sampled_from([0x2001_0DB8 << 96, 0x2131 << 112])),
    st.integers(0, 128),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(networks, st.integers(0, 2**31 - 1)), max_size=30),
    st.lists(st.integers(0, 2**128 - 1), max_size=20),
)
def test_prefix_map_agrees_with_a_pure_python_oracle(
    prefixes: list[tuple[ipaddress.IPv6Network, int]], extra: list[int]
) -> None:
    pm = manageout.PrefixMap(prefixes)
    probes = [ipaddress.IPv6Address(x) for x in extra]
    for net, _ in prefixes:
        probes += [net.network_address, net.broadcast_address]
    for a in probes:
        assert pm.lookup(a) == oracle(prefixes, a)
    packed = b"".join(a.packed for a in probes)
    assert list(pm.lookup_many(packed)) == [(-1 if (v := oracle(prefixes, a)) is None else v) for a in probes]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(networks, st.integers(0, 5)), max_size=30),
    st.lists(st.lists(st.tuples(networks, st.one_of(st.none(), st.integers(0, 5))), max_size=15), max_size=4),
    st.lists(st.integers(0, 2**128 - 1), max_size=20),
)
def test_applied_prefix_maps_agree_with_a_pure_python_oracle(
    start: list[tuple[ipaddress.IPv6Network, int]],
    batches: list[list[tuple[ipaddress.IPv6Network, int | None]]],
    extra: list[int],
) -> None:
    pm = manageout.PrefixMap(start)
    held = dict(start)
    for batch in batches:
        pm = pm.apply(batch)
        for net, v in batch:
            if v is None:
                held.pop(net, None)
            else:
                held[net] = v
        now = list(held.items())
        probes = [ipaddress.IPv6Address(x) for x in extra]
        for net, _ in now + [(n, 0) for n, _ in batch]:
            probes += [net.network_address, net.broadcast_address]
        assert len(pm) == len(held)
        packed = b"".join(a.packed for a in probes)
        assert list(pm.lookup_many(packed)) == [(-1 if (v := oracle(now, a)) is None else v) for a in probes]


def test_aggregate_and_covering_as_the_corporate_routes_need_them() -> None:
    cover = manageout.aggregate(["2131:0:0:1000::/59", ipaddress.IPv6Network("2131:0:0:1020::/59"), "2131:0:0:1005::/64"])
    assert cover == [ipaddress.IPv6Network("2131:0:0:1000::/58")]
    assert manageout.covering(["2131:0:0:1000::/59", "2131:0:0:1040::/59"]) == ipaddress.IPv6Network("2131:0:0:1000::/57")
    assert manageout.covering([]) is None
    with pytest.raises(ValueError, match=r"prefixes\[1\]"):
        manageout.aggregate(["2131::/48", "nope"])
    with pytest.raises(TypeError, match="not one str"):
        manageout.aggregate("2131::/48")


def test_whole_path_targets_render_from_python() -> None:
    farm = manageout.Farm.from_file("examples/whole-path.toml")
    ios = farm.render("corp-routes", dialect="ios")
    assert "ipv6 route 2131:0:0:1000::/58 2131::5\n" in ios
    assert "2131::/50" not in farm.render("corp-routes", dialect="junos", aggregate=True)
    assert "-EdgeTraversalPolicy Allow" in farm.render("client-firewall")
    assert "Add-DAMgmtServer -MgmtServer '2131::50'" in farm.render("da-mgmt")
    with pytest.raises(ValueError, match="dialect"):
        farm.render("corp-routes", dialect="eos")
    with pytest.raises(ValueError, match="needs --dialect"):
        farm.render("corp-routes")
    e = manageout.explain("2131:0:0:1025::7", farm=farm)
    assert e["details"]["corp_route"] == "2131:0:0:1000::/58 via 2131::5"
    assert e["details"]["virtual"] == "/Common/article_DA2_client"


def test_the_l3fwd_target_renders_and_a_farm_too_large_for_it_is_a_value_error() -> None:
    farm = manageout.Farm.from_file("examples/seed-fixed.toml")
    assert "\nR2131:0:0:1020::/59 1\n" in farm.render("l3fwd")
    servers = "".join(
        f'[[server]]\nname = "DA{i}"\naddress = "2131::{256 + i:x}"\n'
        f'client_prefix = "2131:0:0:{0x1000 + 32 * i:x}::/59"\n'
        for i in range(33)
    )
    with pytest.raises(ValueError, match="at most 32 ports"):
        manageout.Farm.from_toml(servers).render("l3fwd")
