"""A typed usage example: `mypy --strict` checks it against the stubs."""

from __future__ import annotations

import array
import ipaddress

import manageout


def next_hop(farm_path: str, client: str) -> ipaddress.IPv6Address | None:
    farm = manageout.Farm.from_file(farm_path)
    for d in farm.check():
        print(d.severity, d.code, d.line, d.help)
    try:
        table = farm.table()
    except manageout.FarmError as e:
        print(len(e.diagnostics))
        return None
    server = table.lookup(client)
    ids: array.array[int] = table.lookup_many(ipaddress.IPv6Address(client).packed)
    servers: list[manageout.Server | None] = table.lookup_many([client])
    print(ids, servers, table.servers[0].client_prefix.prefixlen)
    return None if server is None else server.address


pm = manageout.PrefixMap([("2001:db8::/32", 7)])
value: int | None = pm.lookup("2001:db8::1")
pm = pm.apply([("2001:db8:1::/48", 9), ("2001:db8::/32", None)])
config: str = manageout.Farm.from_file("examples/seed-fixed.toml").render("tmsh")
info = manageout.explain("2001:db8::1")
entries = manageout.import_daserver("ClientIPv6Prefix : 2131:0:0:1000::/59\n", addresses=["2131::101"])


def plan_of(url: str, password: str) -> list[dict[str, object]]:
    farm = manageout.Farm.from_file("examples/seed-fixed.toml")
    try:
        report = farm.deploy(url, password=password, ca_file="ca.pem", dry_run=True)
    except manageout.DeclarationRejected as e:
        print(e.code, e.problems)
        return []
    except manageout.BigIpTimeoutError as e:
        print(isinstance(e, TimeoutError))
        return []
    audit: dict[str, object] = farm.audit_bigip(url, password=password, insecure=True, timeout=5.0)
    print(audit)
    plan: list[dict[str, object]] = report["plan"]
    return plan
