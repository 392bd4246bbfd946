"""dpdk-steer on net_pcap devices: every packet leaves on the port and with the
next-hop MAC that `manageout lookup` (farm mode) or the prefix file (prefix mode)
gives, every packet is accounted for, a reload after packet N changes exactly the
packets after N, and stock l3fwd forwards `render --target l3fwd` the same way.

Run by tests/run, which builds the binaries and sets DPDK_STEER, MANAGEOUT_CLI and
L3FWD; they run forwarding on two lcores without hugepages or NICs."""

from __future__ import annotations

import ipaddress
import json
import lzma
import os
import random
import re
import signal
import struct
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

import pcap
from pcap import telemetry

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
EXAMPLES = ROOT / "examples"
FIXTURES = HERE / "fixtures"
STEERING = FIXTURES / "steering.txt"
STEER = os.environ.get("DPDK_STEER")
CLI = os.environ.get("MANAGEOUT_CLI")
L3FWD = os.environ.get("L3FWD")
if not (STEER and CLI):
    pytest.skip("DPDK_STEER/MANAGEOUT_CLI not set: run bindings-c/examples/dpdk-steer/tests/run",
                allow_module_level=True)

EAL = ["--no-huge", "--no-pci", "-m", "256", "--no-shconf", "--no-telemetry", "--log-level", "error"]
STEER_MACS = {line.split()[0]: pcap.mac(line.split()[2])
              for line in STEERING.read_text().splitlines() if line and not line.startswith("#")}
STEER_PORTS = {line.split()[0]: int(line.split()[1])
               for line in STEERING.read_text().splitlines() if line and not line.startswith("#")}


def vdevs(tmp: Path, ports: int, rx: Path) -> list[str]:
    args = ["--vdev", f"net_pcap0,rx_pcap={rx},tx_pcap={tmp / 'out0.pcap'}"]
    for p in range(1, ports):
        args += ["--vdev", f"net_pcap{p},tx_pcap={tmp / f'out{p}.pcap'}"]
    return args


def steer(tmp: Path, frames: list[bytes], app: list[str], ports: int = 4, check: bool = True):
    """Runs dpdk-steer over `frames` (received on port 0) until its input is
    consumed; returns its JSON counters and the frames sent out of each port."""
    rx = tmp / "in.pcap"
    pcap.write(rx, frames)
    cmd = [STEER, "-l", "0,1", *EAL, "--file-prefix", f"steer{os.getpid()}", *vdevs(tmp, ports, rx), "--",
           *app, "--idle-polls", "10000", "--stats-format", "json"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
        stats = json.loads(r.stdout.strip().splitlines()[-1])
        return stats, [pcap.read(tmp / f"out{p}.pcap") for p in range(ports)]
    return r


def lookup(farm: Path, addrs: list[str]) -> list[str | None]:
    out = subprocess.run([CLI, "lookup", str(farm), "-", "--format", "json"], input="\n".join(addrs) + "\n",
                         capture_output=True, text=True, check=True).stdout
    return [a["server"] for a in json.loads(out)]


def farm_prefixes(farm: Path) -> list[ipaddress.IPv6Network]:
    rules = subprocess.run([CLI, "render", str(farm), "--target", "l3fwd"], capture_output=True, text=True,
                           check=True).stdout
    return [ipaddress.IPv6Network(line[1:].split()[0]) for line in rules.splitlines() if line.startswith("R")]


def inside(net: ipaddress.IPv6Network, rng: random.Random) -> ipaddress.IPv6Address:
    return net[rng.randrange(net.num_addresses)] if net.num_addresses < 2**64 else \
        ipaddress.IPv6Address(int(net.network_address) + rng.getrandbits(128 - net.prefixlen))


def addresses(prefixes: list[ipaddress.IPv6Network], n: int, seed: int) -> list[str]:
    """n destinations: most inside the prefixes (their edges included), some
    uniform over all 128 bits (misses)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if i % 10 == 9:
            out.append(str(ipaddress.IPv6Address(rng.getrandbits(128))))
        else:
            net = rng.choice(prefixes)
            pick = rng.randrange(4)
            out.append(str(net.network_address if pick == 0 else net.broadcast_address if pick == 1
                           else inside(net, rng)))
    return out


def by_seq(outputs: list[list[bytes]]) -> dict[int, tuple[int, bytes]]:
    seen: dict[int, tuple[int, bytes]] = {}
    for port, frames in enumerate(outputs):
        for f in frames:
            seq = pcap.seq_of(f)
            assert seq not in seen, f"packet {seq} sent twice"
            seen[seq] = (port, f)
    return seen


def assert_steered(frames: list[bytes], want: dict[int, str | None], outputs: list[list[bytes]]) -> None:
    """Each packet `seq` with a server leaves on that server's port with its MAC and
    its bytes otherwise unchanged; no other packet leaves."""
    seen = by_seq(outputs)
    assert set(seen) == {s for s, server in want.items() if server}
    for seq, (port, f) in seen.items():
        server = want[seq]
        assert port == STEER_PORTS[server], (seq, server, port)
        assert f[:6] == STEER_MACS[server], (seq, server, f[:6].hex(":"))
        assert f[12:] == frames[seq][12:], seq
    # the source MAC is the egress port's own: one per port, distinct between ports
    sources = {port: {f[6:12] for f in fs} for port, fs in enumerate(outputs) if fs}
    assert all(len(s) == 1 for s in sources.values()), sources
    assert len({next(iter(s)) for s in sources.values()}) == len(sources)


@pytest.mark.parametrize("farm", ["seed-fixed.toml", "cluster.toml", "multisite.toml"])
def test_every_packet_leaves_on_the_port_and_with_the_mac_manageout_lookup_gives(tmp_path, farm):
    farm = EXAMPLES / farm
    dsts = addresses(farm_prefixes(farm), 2000, seed=len(farm.name))
    servers = lookup(farm, dsts)
    frames = [pcap.ipv6(d, seq) for seq, d in enumerate(dsts)]
    stats, outputs = steer(tmp_path, frames, ["--farm", str(farm), "--steering", str(STEERING)])
    want = dict(enumerate(servers))
    assert_steered(frames, want, outputs)
    hits = Counter(s for s in servers if s)
    assert {t["name"]: t["packets"] for t in stats["targets"]} == dict(hits)
    assert {t["name"]: t["bytes"] for t in stats["targets"]} == \
        {s: sum(len(frames[i]) for i, x in enumerate(servers) if x == s) for s in hits}
    assert stats["received"] == len(frames)
    assert stats["steered"] == sum(hits.values())
    assert stats["reasons"]["unknown_destination"] == servers.count(None) > 0
    assert stats["steered"] + stats["not_steered"] == stats["received"]


def malformed_frames() -> list[tuple[bytes, str | None]]:
    """(frame, reason) for frames that are never steered; reason None for frames
    that are (tagged, or with a well-formed extension header)."""
    to = "2131:0:0:1005::1"  # DA1's
    good = pcap.ipv6(to, 0)
    hop_by_hop = bytes([17, 0]) + bytes(6)  # next header UDP, length 0 (8 bytes): PadN padding
    routing = bytes([17, 2, 0, 0]) + bytes(4)  # claims 24 bytes, gives 8
    return [
        (good[:10], "truncated"),  # shorter than an Ethernet header
        (pcap.ethernet(pcap.ETH_ARP, bytes(28)), "not_ipv6"),
        (pcap.ethernet(pcap.ETH_IPV4, bytes([0x45]) + bytes(19)), "not_ipv6"),
        (good[:14 + 20], "truncated"),  # half an IPv6 header
        (good[:-4], "truncated"),  # payload shorter than its payload length
        (good[:14] + bytes([0x45]) + good[15:], "malformed"),  # version 4 in an IPv6 frame
        (pcap.ethernet(pcap.ETH_VLAN, b"\x00\x05"), "truncated"),  # a tag and nothing after it
        (pcap.ipv6(to, 0, ext=routing, next_header=43), "truncated"),
        (pcap.ipv6(to, 0, ext=hop_by_hop, next_header=0), None),
        (pcap.ipv6(to, 0, vlans=(5,)), None),
        (pcap.ipv6(to, 0, vlans=(100, 5)), None),
    ]


def test_malformed_frames_are_counted_by_reason_and_never_steered(tmp_path):
    farm = EXAMPLES / "seed-fixed.toml"
    cases = malformed_frames()
    frames = [f for f, _ in cases]
    stats, outputs = steer(tmp_path, frames, ["--farm", str(farm), "--steering", str(STEERING)])
    reasons = Counter(r for _, r in cases if r)
    assert stats["reasons"] == {"unknown_destination": 0, **{k: reasons[k] for k in
                                                              ("not_ipv6", "truncated", "malformed")}}
    assert stats["steered"] == sum(1 for _, r in cases if r is None)
    assert stats["extension_headers"] == 2  # the hop-by-hop one, and the truncated routing one
    # the steered ones leave in order on DA1's port, with DA1's MAC, otherwise unchanged
    steered = [f for f, r in cases if r is None]
    assert [f[12:] for f in outputs[1]] == [f[12:] for f in steered]
    assert all(f[:6] == STEER_MACS["DA1"] for f in outputs[1])
    assert not outputs[0] and not outputs[2] and not outputs[3]


EXTENSIONS = {0, 43, 44, 51, 60, 135, 139, 140}


def classify(f: bytes) -> tuple[str | bytes, bool]:
    """The reference reading of a frame, written from the IPv6 and 802.1Q layouts:
    its destination address (16 bytes) or the reason it is not steered, and whether
    it carries extension headers."""
    if len(f) < 14:
        return "truncated", False
    off, ethertype, tags = 12, int.from_bytes(f[12:14], "big"), 0
    while tags < 2 and ethertype in (pcap.ETH_VLAN, pcap.ETH_QINQ):
        off, tags = off + 4, tags + 1
        if len(f) < off + 2:
            return "truncated", False
        ethertype = int.from_bytes(f[off:off + 2], "big")
    ip = f[off + 2:]
    if ethertype != pcap.ETH_IPV6:
        return "not_ipv6", False
    if len(ip) < 40:
        return "truncated", False
    if ip[0] >> 4 != 6:
        return "malformed", False
    payload = int.from_bytes(ip[4:6], "big")
    if len(ip) - 40 < payload:
        return "truncated", False
    end, at, nh, ext = (40 + payload if payload else len(ip)), 40, ip[6], False
    for seen in range(1, 10):
        if nh not in EXTENSIONS:
            return bytes(ip[24:40]), ext
        if seen == 9:
            break  # a ninth extension header
        ext = True
        if end - at < 8:
            return "truncated", ext
        size = 8 if nh == 44 else (ip[at + 1] + 2) * 4 if nh == 51 else (ip[at + 1] + 1) * 8
        nh = ip[at]
        if end - at < size:
            return "truncated", ext
        at += size
    return "malformed", ext  # more than 8 extension headers


def hostile_frames(rng: random.Random, n: int) -> list[bytes]:
    """Frames as a hostile or broken sender makes them: random bytes, random
    lengths, IPv6 headers with lying payload lengths, long and broken extension
    chains, stacked tags; a third of them well formed towards the farm."""
    frames = []
    for i in range(n):
        kind = i % 6
        if kind == 0:
            frames.append(rng.randbytes(rng.randrange(0, 90)))
        elif kind == 1:  # an IPv6 header with random fields after the ethertype
            tags = rng.choice([(), (1,), (1, 2), (1, 2, 3)])
            body = bytes([0x60 | rng.randrange(16)]) + rng.randbytes(rng.randrange(0, 80))
            frames.append(pcap.ethernet(pcap.ETH_IPV6, body, tags))
        elif kind == 2:  # an extension chain of random kinds and lengths
            chain, nh = b"", rng.choice(sorted(EXTENSIONS))
            first = nh
            for _ in range(rng.randrange(1, 11)):
                nxt = rng.choice(sorted(EXTENSIONS) + [17, 17])
                size = rng.randrange(0, 3)
                chain += bytes([nxt, size]) + rng.randbytes(6 + 8 * size if nh != 51 else 2 + 4 * size)
                nh = nxt
            frame = pcap.ipv6("2131:0:0:1005::1", i, ext=chain, next_header=first)
            frames.append(frame[:rng.randrange(14, len(frame) + 1)] if rng.random() < 0.3 else frame)
        else:
            dst = rng.choice(["2131:0:0:1005::1", "2131:0:0:103f:ffff::1", "2131::1",
                              str(ipaddress.IPv6Address(rng.getrandbits(128)))])
            frames.append(pcap.ipv6(dst, i, vlans=rng.choice([(), (9,), (9, 10)])))
    return frames


def test_hostile_frames_are_each_steered_as_the_reference_reads_them_or_counted(tmp_path):
    farm = EXAMPLES / "seed-fixed.toml"
    frames = hostile_frames(random.Random(21), 3000)
    read = [classify(f) for f in frames]
    dsts = sorted({str(ipaddress.IPv6Address(d)) for d, _ in read if isinstance(d, bytes)})
    owner = dict(zip(dsts, lookup(farm, dsts)))
    want_out: Counter = Counter()
    reasons: Counter = Counter()
    for f, (d, _) in zip(frames, read):
        server = owner[str(ipaddress.IPv6Address(d))] if isinstance(d, bytes) else None
        if server:
            want_out[(STEER_PORTS[server], STEER_MACS[server] + f[12:])] += 1
        else:
            reasons[d if isinstance(d, str) else "unknown_destination"] += 1
    stats, outputs = steer(tmp_path, frames, ["--farm", str(farm), "--steering", str(STEERING)])
    got_out = Counter((port, f[:6] + f[12:]) for port, fs in enumerate(outputs) for f in fs)
    assert got_out == want_out
    assert stats["reasons"] == {k: reasons[k] for k in ("unknown_destination", "not_ipv6", "truncated", "malformed")}
    assert stats["extension_headers"] == sum(ext for _, ext in read)
    assert stats["received"] == len(frames) == stats["steered"] + stats["not_steered"]
    assert min(reasons.values()) > 0 and len(want_out) > 0  # every kind was exercised


def test_an_exception_port_receives_what_is_not_steered_unchanged(tmp_path):
    farm = EXAMPLES / "seed-fixed.toml"
    cases = malformed_frames() + [(pcap.ipv6("2131::1", 7), "unknown_destination")]
    frames = [f for f, _ in cases]
    stats, outputs = steer(tmp_path, frames, ["--farm", str(farm), "--steering", str(STEERING),
                                              "--exception-port", "3"])
    assert sorted(outputs[3]) == sorted(f for f, r in cases if r)
    assert stats["not_steered"] == len(outputs[3]) and stats["exception_port"] == 3


@pytest.mark.parametrize("n", [1, 45, 64, 999])
def test_a_reload_after_packet_n_changes_exactly_the_packets_after_n(tmp_path, n):
    before, after = EXAMPLES / "seed-fixed.toml", FIXTURES / "seed-reloaded.toml"
    dsts = addresses(farm_prefixes(after), n + 1000, seed=n)
    old, new = lookup(before, dsts), lookup(after, dsts)
    assert any(o != w for o, w in zip(old[n:], new[n:]))  # the reload changes the packets after N
    frames = [pcap.ipv6(d, seq) for seq, d in enumerate(dsts)]
    stats, outputs = steer(tmp_path, frames, ["--farm", str(before), "--steering", str(STEERING),
                                              "--reload-after", f"{n}:{after}"])
    want = {seq: (old if seq < n else new)[seq] for seq in range(len(dsts))}
    assert_steered(frames, want, outputs)
    assert stats["reloads"] == 1 and stats["reload_failures"] == 0
    assert stats["steered"] + stats["not_steered"] == stats["received"] == len(frames)


def test_a_reload_that_fails_keeps_the_previous_table_and_loses_nothing(tmp_path):
    farm = EXAMPLES / "seed-fixed.toml"
    broken = tmp_path / "broken.toml"
    broken.write_text('[[server]]\nname = "DA1"\naddress = "2131::101"\nclient_prefix = "2131:0:0:1000::/33"\n')
    dsts = addresses(farm_prefixes(farm), 300, seed=3)
    servers = lookup(farm, dsts)
    frames = [pcap.ipv6(d, seq) for seq, d in enumerate(dsts)]
    stats, outputs = steer(tmp_path, frames, ["--farm", str(farm), "--steering", str(STEERING),
                                              "--reload-after", f"100:{broken}"])
    assert_steered(frames, dict(enumerate(servers)), outputs)
    assert stats["reloads"] == 0 and stats["reload_failures"] == 1


def ris_prefixes() -> list[ipaddress.IPv6Network]:
    text = lzma.decompress((ROOT / "data/ris/ris-ipv6-20260511-as3333.txt.xz").read_bytes()).decode()
    return [ipaddress.IPv6Network(line) for line in text.split()]


def lpm(table: dict[tuple[int, int], int], addr: str) -> int | None:
    """The reference longest-prefix match: every length, longest first."""
    a = int(ipaddress.IPv6Address(addr))
    for length in range(128, -1, -1):
        hit = table.get((a >> (128 - length) << (128 - length) if length else 0, length))
        if hit is not None:
            return hit
    return None


@pytest.mark.parametrize("reload_at", [None, 777])
def test_the_ris_table_in_prefix_mode_steers_as_the_prefix_file_says(tmp_path, reload_at):
    rng = random.Random(7)
    prefixes = ris_prefixes()
    files, tables = [], []
    for version in range(2):  # a second file with every value moved (for the reload)
        table = {(int(p.network_address), p.prefixlen): (hash((str(p), version)) & 0xFFFF) % 3 + 1
                 for p in prefixes}
        path = tmp_path / f"ris{version}.txt"
        path.write_text("".join(f"{ipaddress.IPv6Address(a)}/{n} {v}\n" for (a, n), v in table.items()))
        files.append(path)
        tables.append(table)
    dsts = addresses(rng.sample(prefixes, 3000), 3000, seed=11)
    frames = [pcap.ipv6(d, seq) for seq, d in enumerate(dsts)]
    macs = [f"02:00:5e:40:00:{p:02x}" for p in range(4)]
    app = ["--prefixes", str(files[0])] + [a for p in range(4) for a in ("--eth-dest", f"{p},{macs[p]}")]
    if reload_at:
        app += ["--reload-after", f"{reload_at}:{files[1]}"]
    stats, outputs = steer(tmp_path, frames, app)
    seen = by_seq(outputs)
    want = {seq: lpm(tables[1 if reload_at and seq >= reload_at else 0], d) for seq, d in enumerate(dsts)}
    assert set(seen) == {s for s, p in want.items() if p is not None}
    for seq, (port, f) in seen.items():
        assert port == want[seq] and f[:6] == pcap.mac(macs[port]), seq
    assert stats["reasons"]["unknown_destination"] == sum(p is None for p in want.values()) > 0
    assert stats["reloads"] == (1 if reload_at else 0)


def test_the_text_counters_name_every_server_and_reason(tmp_path):
    farm = EXAMPLES / "seed-fixed.toml"
    rx = tmp_path / "in.pcap"
    pcap.write(rx, [pcap.ipv6("2131:0:0:1005::1", 0), pcap.ipv6("2131:0:0:1025::1", 1), pcap.ipv6("2131::1", 2)])
    r = subprocess.run([STEER, "-l", "0,1", *EAL, "--file-prefix", f"text{os.getpid()}", *vdevs(tmp_path, 4, rx),
                        "--", "--farm", str(farm), "--steering", str(STEERING), "--idle-polls", "1000"],
                       capture_output=True, text=True, timeout=120, check=True)
    assert "3 received, 2 steered (0 lost to full Tx rings), 1 not steered (dropped), 0 reloads" in r.stdout
    assert re.search(r"^  DA1 +1 packets +62 bytes$", r.stdout, re.M), r.stdout
    assert re.search(r"^  not steered: unknown_destination +1$", r.stdout, re.M), r.stdout


def test_only_the_rx_ports_given_are_polled(tmp_path):
    frames = [pcap.ipv6("2131:0:0:1005::1", 0)]
    app = ["--farm", str(EXAMPLES / "seed-fixed.toml"), "--steering", str(STEERING)]
    assert steer(tmp_path, frames, app + ["--rx-port", "1", "--rx-port", "2"])[0]["received"] == 0
    assert steer(tmp_path, frames, app + ["--rx-port", "0"])[0]["received"] == 1


def test_bad_files_are_refused_at_start_with_their_line_column_and_fix(tmp_path):
    farm = EXAMPLES / "seed-fixed.toml"
    cases = [
        ("DA1 1 02:00:5e:10:01:01\n", "server DA2 of", "add `DA2 PORT MAC`"),
        ("DA1 1 02:00:5e:10:01:01\nDA2 9 02:00:5e:10:02:01\n", ":2:5: error:", "the ports are 0 to 3"),
        ("DA1 1 02:00:5e:10:01\nDA2 2 02:00:5e:10:02:01\n", ":1:7: error:", "not a MAC address"),
        ("DA1 1 02:00:5e:10:01:01\nDA1 2 02:00:5e:10:02:01\n", ":2:1: error:", "already steered on line 1"),
        ("DA1 1\n", ":1:1: error:", "SERVER PORT MAC"),
        ("DA1 1 02:00:5e:10:01:01 \x1b[31m\n", ":1:25: error:", "no printable ASCII"),
        ("DA1 1 02:00:5e:10:01:01\nD\u009b2m 2 02:00:5e:10:02:01\n", ":2:2: error:", "no printable ASCII"),
    ]
    for text, where, fix in cases:
        steering = tmp_path / "steer.txt"
        steering.write_text(text)
        r = steer(tmp_path, [], ["--farm", str(farm), "--steering", str(steering)], check=False)
        assert r.returncode == 1 and where in r.stderr and fix in r.stderr, (text, r.stderr)
    for text, where, fix in [
        ("2131:0:0:1000::1/59 1\n", ":1:1: error:", "did you mean 2131:0:0:1000::/59?"),
        ("2131:0:0:1000::/59 1\n2131::/129 1\n", ":2:1: error:", "length of 0 to 128"),
        ("2131:0:0:1000::/59 x\n", ":1:20: error:", "not a port here"),
    ]:
        prefixes = tmp_path / "prefixes.txt"
        prefixes.write_text(text)
        r = steer(tmp_path, [], ["--prefixes", str(prefixes)], check=False)
        assert r.returncode == 1 and where in r.stderr and fix in r.stderr, (text, r.stderr)
    r = steer(tmp_path, [], ["--farm", str(FIXTURES / "steering.txt"), "--steering", str(STEERING)], check=False)
    assert r.returncode == 1 and "cannot be used" in r.stderr


def test_sighup_reloads_while_forwarding_and_sigusr1_prints_the_counters(tmp_path):
    """The signals, without a timing assumption: each step waits for the effect it
    caused (the counters printed, the reload counted) before the next."""
    farm = tmp_path / "farm.toml"
    farm.write_text((EXAMPLES / "seed-fixed.toml").read_text())
    rx = tmp_path / "in.pcap"
    pcap.write(rx, [pcap.ipv6("2131:0:0:1005::1", 0)])
    vdev = [f"net_pcap0,rx_pcap={rx},infinite_rx=1"] + [f"net_pcap{p},tx_pcap={tmp_path / f'o{p}.pcap'}"
                                                        for p in range(1, 4)]
    cmd = [STEER, "-l", "0,1", *EAL, "--file-prefix", f"hup{os.getpid()}", *[a for v in vdev for a in ("--vdev", v)],
           "--", "--farm", str(farm), "--steering", str(STEERING), "--stats-format", "json"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        # signals only once the handlers are in place (it says so on stderr)
        assert p.stderr is not None and p.stdout is not None
        while "forwarding on" not in (line := p.stderr.readline()):
            assert line, "dpdk-steer stopped before forwarding"
        def counters() -> dict:
            p.send_signal(signal.SIGUSR1)
            return json.loads(p.stdout.readline())
        while not counters()["targets"] or counters()["steered"] == 0:
            pass
        farm.write_text((FIXTURES / "seed-reloaded.toml").read_text())
        p.send_signal(signal.SIGHUP)
        while counters()["reloads"] == 0:
            pass
        # after the reload the same destination belongs to DA2
        while not any(t["name"] == "DA2" and t["packets"] for t in counters()["targets"]):
            pass
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
    final = json.loads(out.strip().splitlines()[-1])
    assert p.returncode == 0, err
    assert final["reloads"] == 1 and final["received"] == final["steered"]


def l3fwd(tmp: Path, frames: list[bytes], rules: str, servers: int, lookup: str) -> list[list[bytes]]:
    """Runs stock l3fwd (built from dpdk-doc's source, the pcap offload fixed) with
    ports 0..servers-1 for the servers and port `servers` receiving `frames`;
    stops it once every frame was received and sent (its port statistics, read
    over the telemetry socket)."""
    rx = tmp / "in.pcap"
    pcap.write(rx, frames)
    (tmp / "v6.rules").write_text(rules)
    (tmp / "v4.rules").write_text("R198.51.100.0/24 0\n")
    vdev = [f"net_pcap{p},tx_pcap={tmp / f'out{p}.pcap'}" for p in range(servers)]
    vdev.append(f"net_pcap{servers},rx_pcap={rx},tx_pcap={tmp / f'out{servers}.pcap'}")
    prefix = f"l3fwd{os.getpid()}{lookup}"
    macs = [a for p in range(servers) for a in ("--eth-dest", f"{p},02:00:5e:50:00:{p:02x}")]
    cmd = [L3FWD, "-l", "1", "--no-huge", "--no-pci", "-m", "512", "--file-prefix", prefix,
           *[a for v in vdev for a in ("--vdev", v)], "--", "-p", hex((1 << (servers + 1)) - 1),
           "--config", f"({servers},0,1)", "--rule_ipv4", str(tmp / "v4.rules"), "--rule_ipv6",
           str(tmp / "v6.rules"), "--lookup", lookup, "--parse-ptype", *macs]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as p:
        sock_path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
        deadline = time.monotonic() + 120  # a safety net for a broken l3fwd, not a timing assumption
        sent = 0
        while sent < len(frames):
            assert p.poll() is None, p.stdout.read()
            assert time.monotonic() < deadline, "l3fwd did not forward every frame"
            try:
                sent = sum(telemetry(sock_path, f"/ethdev/stats,{port}")["opackets"] for port in range(servers + 1))
            except OSError:
                pass
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=60)
    return [pcap.read(tmp / f"out{p}.pcap") for p in range(servers + 1)]


@pytest.mark.skipif(not L3FWD, reason="L3FWD not set: the l3fwd source (dpdk-doc) is not installed")
@pytest.mark.parametrize("lookup_mode", ["lpm", "fib"])
@pytest.mark.parametrize("farm", ["seed-fixed.toml", "cluster.toml", "multisite.toml"])
def test_stock_l3fwd_forwards_the_l3fwd_target_as_manageout_lookup_says(tmp_path, farm, lookup_mode):
    farm = EXAMPLES / farm
    rules = subprocess.run([CLI, "render", str(farm), "--target", "l3fwd"], capture_output=True, text=True,
                           check=True).stdout
    servers = len(set(re.findall(r"^R\S+ (\d+)$", rules, re.M)))
    dsts = addresses(farm_prefixes(farm), 500, seed=5)
    names = lookup(farm, dsts)
    order = [m for m in re.findall(r"^# port \d+: (\S+) at", rules, re.M)]
    frames = [pcap.ipv6(d, seq) for seq, d in enumerate(dsts)]
    outputs = l3fwd(tmp_path, frames, rules, servers, lookup_mode)
    seen = by_seq(outputs)
    assert set(seen) == set(range(len(frames)))
    for seq, (port, f) in seen.items():
        # a miss goes back out of the ingress port, l3fwd's rule
        want = order.index(names[seq]) if names[seq] else servers
        assert port == want, (seq, dsts[seq], names[seq], port)
        if names[seq]:
            assert f[:6] == pcap.mac(f"02:00:5e:50:00:{port:02x}")
