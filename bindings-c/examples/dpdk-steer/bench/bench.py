"""Packets per second per core: dpdk-steer against DPDK's l3fwd (--lookup lpm and
--lookup fib), same packets, same forwarding core, same virtual devices.

The source is net_pcap with infinite_rx=1: the pcap is read into memory once and
replayed from there (every packet still costs an mbuf allocation and a copy, the
same for every application); every Tx queue drops (rx-only pcap devices), so no
file I/O is timed. All destinations are inside the table's prefixes (100% hits).
Throughput is the ingress port's received packets over a fixed window, read from
DPDK's telemetry socket; rounds interleave the applications. Run by bench/run."""

from __future__ import annotations

import ipaddress
import lzma
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(HERE.parent / "tests"))
import pcap  # noqa: E402
from pcap import telemetry  # noqa: E402

STEER, L3FWD, L3FWD_LARGE, CLI = (os.environ[k] for k in ("DPDK_STEER", "L3FWD", "L3FWD_LARGE", "MANAGEOUT_CLI"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
WINDOW = float(os.environ.get("WINDOW", "3"))
PACKETS = 4096  # infinite_rx holds them all in mbufs of the pool


def sent(sock: str, ports: int) -> int:
    return sum(telemetry(sock, f"/ethdev/stats,{p}")["opackets"] for p in range(ports))


def measure(cmd: list[str], prefix: str, ports: int) -> float:
    """Mpps received on port 0 over WINDOW seconds once forwarding runs (and
    checks that as many were sent: every packet is a hit)."""
    sock = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as p:
        deadline = time.monotonic() + 300
        while True:
            if p.poll() is not None:
                raise SystemExit(f"{cmd[0]} stopped: {p.stderr.read()[-2000:]}")
            if time.monotonic() > deadline:
                raise SystemExit(f"{cmd[0]} did not start forwarding")
            try:
                if telemetry(sock, "/ethdev/stats,0")["ipackets"] > 0:
                    break
            except (OSError, TypeError, KeyError):
                pass
            time.sleep(0.1)
        time.sleep(0.5)  # warm caches
        t0, n0, o0 = time.monotonic(), telemetry(sock, "/ethdev/stats,0")["ipackets"], sent(sock, ports)
        time.sleep(WINDOW)
        t1, n1, o1 = time.monotonic(), telemetry(sock, "/ethdev/stats,0")["ipackets"], sent(sock, ports)
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=120)
    if abs((o1 - o0) - (n1 - n0)) > 0.01 * (n1 - n0):
        raise SystemExit(f"{cmd[0]}: {n1 - n0} received but {o1 - o0} sent in the window")
    return (n1 - n0) / (t1 - t0) / 1e6


def eal(tmp: Path, ports: int, prefix: str, memory: int) -> list[str]:
    empty = tmp / "empty.pcap"
    pcap.write(empty, [])
    vdev = [f"net_pcap0,rx_pcap={tmp / 'in.pcap'},infinite_rx=1"]
    vdev += [f"net_pcap{p},rx_pcap={empty}" for p in range(1, ports)]
    return ["--no-huge", "--no-pci", "-m", str(memory), "--file-prefix", prefix,
            *[a for v in vdev for a in ("--vdev", v)]]


def inside(net: ipaddress.IPv6Network, rng: random.Random) -> str:
    return str(ipaddress.IPv6Address(int(net.network_address) + rng.getrandbits(128 - net.prefixlen)))


def farm_set(tmp: Path, name: str, farm: Path) -> dict:
    rules = subprocess.run([CLI, "render", str(farm), "--target", "l3fwd"], capture_output=True, text=True,
                           check=True).stdout
    names = re.findall(r"^# port \d+: (\S+) at", rules, re.M)
    nets = [ipaddress.IPv6Network(line[1:].split()[0]) for line in rules.splitlines() if line.startswith("R")]
    steering = tmp / f"{farm.stem}.steer"
    steering.write_text("".join(f"{n} {i} 02:00:5e:60:00:{i:02x}\n" for i, n in enumerate(names)))
    return {"name": name, "ports": len(names), "rules": rules, "nets": nets, "l3fwd": L3FWD, "memory": 512,
            "app": ["--farm", str(farm), "--steering", str(steering)]}


def ris_set(tmp: Path) -> dict:
    text = lzma.decompress((ROOT / "data/ris/ris-ipv6-20260511-as3333.txt.xz").read_bytes()).decode()
    nets = [ipaddress.IPv6Network(p) for p in text.split()]
    rng = random.Random(1)
    ports = 4
    table = [(n, rng.randrange(ports)) for n in nets]
    prefixes = tmp / "ris.prefixes"
    prefixes.write_text("".join(f"{n} {v}\n" for n, v in table))
    rules = "".join(f"R{n} {v}\n" for n, v in table)
    return {"name": f"RIS ({len(nets):,} prefixes)", "ports": ports, "rules": rules, "nets": nets,
            "l3fwd": L3FWD_LARGE, "memory": 3072, "app": ["--prefixes", str(prefixes)]}


def sixty_four(tmp: Path) -> Path:
    """32 servers (DPDK's port limit, one port each), a client /59 and a VPN /64
    each: 64 prefixes."""
    farm = tmp / "sixty-four.toml"
    farm.write_text('[farm]\nname = "bench"\ninternal_prefix = "2131::/16"\n' + "".join(
        f'[[server]]\nname = "DA{i}"\naddress = "2131::{0x100 + i:x}"\n'
        f'client_prefix = "2131:0:0:{0x1000 + 0x20 * i:x}::/59"\nvpn_prefix = "2131:0:1:{i:x}::/64"\n'
        for i in range(32)))
    return farm


def main() -> None:
    tmp = Path(os.environ.get("BENCH_DIR", "/tmp/dpdk-steer-bench"))
    tmp.mkdir(parents=True, exist_ok=True)
    sets = [farm_set(tmp, "article farm (2 prefixes)", ROOT / "examples/seed-fixed.toml"),
            farm_set(tmp, "64-prefix farm (32 servers)", sixty_four(tmp)), ris_set(tmp)]
    rng = random.Random(2)
    print(f"{ROUNDS} rounds, {WINDOW:.0f} s windows, {PACKETS} distinct packets replayed, Mpps on one core",
          flush=True)
    results = []
    for s in sets:
        frames = [pcap.ipv6(inside(rng.choice(s["nets"]), rng), i) for i in range(PACKETS)]
        pcap.write(tmp / "in.pcap", frames)
        (tmp / "v6.rules").write_text(s["rules"])
        (tmp / "v4.rules").write_text("R198.51.100.0/24 0\n")
        mask = hex((1 << s["ports"]) - 1)
        runs: dict[str, list[float]] = {"dpdk-steer": [], "l3fwd lpm": [], "l3fwd fib": []}
        for r in range(ROUNDS):
            for app in runs:
                prefix = f"bench{os.getpid()}{r}{app.replace(' ', '')}"
                args = eal(tmp, s["ports"], prefix, s["memory"])
                if app == "dpdk-steer":
                    cmd = [STEER, "-l", "0,1", *args, "--", *s["app"], "--rx-port", "0"]
                else:
                    cmd = [s["l3fwd"], "-l", "1", *args, "--", "-p", mask, "--config", "(0,0,1)",
                           "--rule_ipv4", str(tmp / "v4.rules"), "--rule_ipv6", str(tmp / "v6.rules"),
                           "--lookup", app.split()[1], "--parse-ptype"]
                runs[app].append(measure(cmd, prefix, s["ports"]))
        med = {app: statistics.median(v) for app, v in runs.items()}
        results.append((s["name"], med, runs))
        print(f"{s['name']}: " + ", ".join(
            f"{app} {m:.2f} Mpps ({min(runs[app]):.2f}-{max(runs[app]):.2f})" for app, m in med.items()),
            flush=True)
    print()
    print("| table | dpdk-steer Mpps | l3fwd lpm Mpps | l3fwd fib Mpps | dpdk-steer / lpm | dpdk-steer / fib "
          "| ns/packet: dpdk-steer, lpm, fib |")
    print("|---|---|---|---|---|---|---|")
    for name, med, _ in results:
        ns = {app: 1000 / m for app, m in med.items()}
        print(f"| {name} | {med['dpdk-steer']:.2f} | {med['l3fwd lpm']:.2f} | {med['l3fwd fib']:.2f} | "
              f"{med['dpdk-steer'] / med['l3fwd lpm']:.2f}x | {med['dpdk-steer'] / med['l3fwd fib']:.2f}x | "
              f"{ns['dpdk-steer']:.1f}, {ns['l3fwd lpm']:.1f}, {ns['l3fwd fib']:.1f} |")


if __name__ == "__main__":
    main()
