"""Python lookup speed: manageout against pytricia and py-radix on the same data and
queries, in the same run (not a test).

    pip install pytricia py-radix && python bindings-python/bench/bench_lookup.py

Data sets as in the Rust benches: seed2 (the article's farm), farm64, ris (the real
RIS table vendored in data/ris/). Queries: 90% inside random prefixes, 10% uniform in
2000::/3 (fixed seed). Reports ns per lookup and the ratios.
"""

from __future__ import annotations

import ipaddress
import lzma
import random
import sys
import time
from pathlib import Path

import pytricia
import radix

import manageout

ROOT = Path(__file__).resolve().parents[2]


def seed2() -> list[tuple[str, int]]:
    return [("2131:0:0:1000::/59", 0), ("2131:0:0:1020::/59", 1)]


def farm64() -> list[tuple[str, int]]:
    out = []
    for i in range(32):
        base = (0x2131 << 112) | ((0x1000 + i * 0x20) << 64)
        out.append((str(ipaddress.IPv6Network((base, 59))), i))
        out.append((str(ipaddress.IPv6Network((base | (5 << 64), 64))), 100 + i))
    return out


def ris() -> list[tuple[str, int]]:
    path = ROOT / "data/ris/ris-ipv6-20260511-as3333.txt.xz"
    text = lzma.decompress(path.read_bytes()).decode()
    return [(line.strip(), i) for i, line in enumerate(text.split())]


def queries(prefixes: list[tuple[str, int]], n: int) -> list[str]:
    rng = random.Random(7)
    nets = [ipaddress.IPv6Network(p) for p, _ in prefixes]
    out = []
    for _ in range(n):
        if rng.random() < 0.1:
            out.append(str(ipaddress.IPv6Address((1 << 125) | rng.getrandbits(125))))
        else:
            net = rng.choice(nets)
            host = rng.getrandbits(128 - net.prefixlen) if net.prefixlen < 128 else 0
            out.append(str(ipaddress.IPv6Address(int(net.network_address) | host)))
    return out


def best_of(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def run(name: str, prefixes: list[tuple[str, int]], n: int = 100_000, big: int = 1_000_000) -> None:
    q = queries(prefixes, n)
    pm = manageout.PrefixMap(prefixes)
    pt = pytricia.PyTricia(128)
    rt = radix.Radix()
    for p, v in prefixes:
        pt[p] = v
        rt.add(p).data["v"] = v
    for a in q[:2000]:  # they agree before they are timed
        want = pt.get(a)
        assert pm.lookup(a) == want, a
        node = rt.search_best(a)
        assert (node.data["v"] if node else None) == want, a

    t_pm = best_of(lambda: [pm.lookup(a) for a in q]) / n
    t_pt = best_of(lambda: [pt.get(a) for a in q]) / n
    t_rt = best_of(lambda: [rt.search_best(a) for a in q]) / n
    table_line = ""
    if name == "seed2":
        farm = manageout.Farm.from_file(str(ROOT / "examples/seed-fixed.toml"))
        table = farm.table()
        t_tb = best_of(lambda: [table.lookup(a) for a in q]) / n
        table_line = f"  Table.lookup(str) {t_tb * 1e9:7.1f} ns   ({t_pt / t_tb:.1f}x faster than pytricia.get)\n"
    big_q = (q * (big // n + 1))[:big]
    packed = b"".join(ipaddress.IPv6Address(a).packed for a in big_q)
    t_many = best_of(lambda: pm.lookup_many(packed), 3) / big
    print(f"{name}: {len(prefixes)} prefixes")
    print(f"  PrefixMap.lookup(str)   {t_pm * 1e9:7.1f} ns   ({t_pt / t_pm:.1f}x faster than pytricia.get, {t_rt / t_pm:.1f}x than py-radix)")
    print(table_line, end="")
    print(f"  pytricia.get(str)       {t_pt * 1e9:7.1f} ns")
    print(f"  radix.search_best(str)  {t_rt * 1e9:7.1f} ns")
    print(f"  lookup_many(1M packed)  {t_many * 1e9:7.1f} ns per address ({t_pt / t_many:.0f}x faster than a pytricia.get loop)")


if __name__ == "__main__":
    sets = {"seed2": seed2, "farm64": farm64, "ris": ris}
    for name in sys.argv[1:] or list(sets):
        run(name, sets[name]())
