"""Run by memcheck/run under valgrind: `lookup_many` on packed buffers, whose
answers the binding writes straight into the new array's buffer (its unsafe code),
for a trie-sized map, a farm table, every buffer type, and the error paths."""

import array
import ipaddress
import random
import sys
from pathlib import Path

import manageout

random.seed(5)
prefixes = [
    (str(ipaddress.IPv6Network(((0x2001 << 112) | (random.getrandbits(32) << 80), 48))), i)
    for i in range(2000)
]
pm = manageout.PrefixMap(prefixes)
addrs = [ipaddress.IPv6Network(p).network_address.packed for p, _ in prefixes[:500]]
addrs += [random.getrandbits(128).to_bytes(16, "big") for _ in range(500)]
packed = b"".join(addrs)
farm = manageout.Farm.from_file(str(Path(__file__).resolve().parents[2] / "examples/seed-fixed.toml"))
table = farm.table()
checks = 0
for buf in (packed, bytearray(packed), memoryview(packed), b"", packed[:16]):
    for lookup_many, lookup, index in (
        (pm.lookup_many, pm.lookup, lambda v: v),
        (table.lookup_many, table.lookup, lambda s: table.servers.index(s)),
    ):
        got = lookup_many(buf)
        assert isinstance(got, array.array) and got.typecode == "i", got
        raw = bytes(buf)
        want = [lookup(raw[i : i + 16]) for i in range(0, len(raw), 16)]
        assert list(got) == [-1 if w is None else index(w) for w in want]
        checks += 1
for bad in (packed[:15], b"x" * 17):
    try:
        pm.lookup_many(bad)
    except ValueError:
        checks += 1
    else:
        sys.exit(f"{len(bad)} bytes were accepted")
print(f"{checks} checks")
