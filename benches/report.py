#!/usr/bin/env python3
"""The results table of benches/README.md, from criterion's output of
`cargo bench -p manageout-benches --bench lookup` (target/criterion/): ns per
lookup (median), build time, and the ratios against the peers and the machine's
own limits measured in the same run."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CRIT = ROOT / "target" / "criterion"
SETS = ["seed2", "farm64", "ris", "synth1m"]


def per_element(group: str, bench: str) -> float | None:
    d = CRIT / group / bench.replace("/", "_") / "new"
    try:
        est = json.loads((d / "estimates.json").read_text())
        meta = json.loads((d / "benchmark.json").read_text())
    except FileNotFoundError:
        return None
    n = (meta.get("throughput") or {}).get("Elements", 1)
    return est["median"]["point_estimate"] / n


def fmt(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None else f"{a / b:.1f}x"


def main() -> None:
    rows = []
    print("| set | floor | chase(S) | gather(S) | ours single | ours batch | batch, sorted queries | ip_network_table | prefix-trie | linear scan | build |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for s in SETS:
        v = {b: per_element(s, b) for b in [
            "floor", "chase", "gather", "manageout/lookup", "manageout/lookup_batch",
            "manageout/lookup_batch_sorted", "ip_network_table/longest_match",
            "prefix-trie/get_lpm", "linear-scan", "manageout/build"]}
        if v["manageout/lookup"] is None:
            continue
        build = v["manageout/build"]
        build_s = "—" if build is None else (f"{build / 1e6:.1f} ms" if build >= 1e5 else f"{build / 1e3:.1f} µs")
        print(f"| {s} | {fmt(v['floor'], 2)} | {fmt(v['chase'])} | {fmt(v['gather'])} | {fmt(v['manageout/lookup'])} | "
              f"{fmt(v['manageout/lookup_batch'])} | {fmt(v['manageout/lookup_batch_sorted'])} | "
              f"{fmt(v['ip_network_table/longest_match'])} | {fmt(v['prefix-trie/get_lpm'])} | {fmt(v['linear-scan'])} | {build_s} |")
        rows.append((s, v))
    print()
    print("| set | single / floor | batch / floor | single / chase(S) | batch / gather(S) | ip_network_table / ours (single, batch) | prefix-trie / ours (single, batch) | linear / ours (single) |")
    print("|---|---|---|---|---|---|---|---|")
    for s, v in rows:
        one, many = v["manageout/lookup"], v["manageout/lookup_batch"]
        print(f"| {s} | {ratio(one, v['floor'])} | {ratio(many, v['floor'])} | {ratio(one, v['chase'])} | {ratio(many, v['gather'])} | "
              f"{ratio(v['ip_network_table/longest_match'], one)}, {ratio(v['ip_network_table/longest_match'], many)} | "
              f"{ratio(v['prefix-trie/get_lpm'], one)}, {ratio(v['prefix-trie/get_lpm'], many)} | {ratio(v['linear-scan'], one)} |")


if __name__ == "__main__":
    sys.exit(main())
