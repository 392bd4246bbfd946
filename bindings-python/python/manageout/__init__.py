"""DirectAccess Manage Out routing: validate a farm, find the DA server of a client,
render BIG-IP / AS3 / route configuration, import Get-DAServer output.

>>> import manageout
>>> farm = manageout.Farm.from_file("examples/seed-fixed.toml")   # doctest: +SKIP
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping, Sequence

from . import _native
from ._native import Diagnostic, PrefixMap, Server, Table

__version__: str = _native.__version__

__all__ = [
    "Diagnostic",
    "Farm",
    "FarmError",
    "PrefixMap",
    "Server",
    "Table",
    "explain",
    "import_daserver",
    "__version__",
]


class FarmError(ValueError):
    """The farm has error diagnostics; they are in ``.diagnostics``."""

    diagnostics: list[Diagnostic]

    def __init__(self, message: str, diagnostics: list[Diagnostic]) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


class Farm:
    """A DirectAccess farm read from a file, TOML/JSON text or a dict, checked.

    Reading never raises for farm problems: ``check()`` lists them, and ``table()``
    and ``render()`` raise :class:`FarmError` when there are errors.
    """

    __slots__ = ("_native",)

    def __init__(self, native: _native.Farm) -> None:
        self._native = native

    @classmethod
    def from_file(cls, path: str | Any) -> Farm:
        """Read and check a farm file (TOML, or JSON). Raises OSError if unreadable."""
        return cls(_native.Farm.from_file(path))

    @classmethod
    def from_toml(cls, text: str, name: str = "<string>") -> Farm:
        return cls(_native.Farm.from_toml(text, name))

    @classmethod
    def from_json(cls, text: str, name: str = "<string>") -> Farm:
        return cls(_native.Farm.from_json(text, name))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Farm:
        """Check a farm given as a dict of the file's structure (``{"server": [...]}``)."""
        if not isinstance(data, Mapping):
            raise TypeError(f"expected a dict, not {type(data).__name__}")
        return cls(_native.Farm._from_dict_json(json.dumps(data, default=str)))

    def check(self) -> list[Diagnostic]:
        """Every diagnostic (errors and warnings), in file order."""
        return self._native.check()

    def table(self) -> Table:
        """The lookup table; raises FarmError when the farm has errors."""
        return self._native.table()

    def render(self, target: str, interface: str | None = None) -> str:
        """Configuration for ``tmsh``, ``bigip-conf``, ``tmsh-remove``, ``as3``,
        ``linux`` or ``netsh`` (which needs ``interface``)."""
        return self._native.render(target, interface)

    def as3(self) -> dict[str, Any]:
        """The AS3 declaration as a dict."""
        result: dict[str, Any] = json.loads(self._native.render("as3", None))
        return result

    def audit(self, config: str, name: str = "bigip.conf") -> list[Diagnostic]:
        """Check BIG-IP configuration text (bigip.conf or ``tmsh list`` output) against
        the farm: diagnostics MO100-MO113 with their line in ``config``. Raises
        FarmError when the farm has errors."""
        return self._native.audit(config, name)

    def audit_fix(self, config: str, name: str = "bigip.conf") -> str:
        """The tmsh commands that fix what :meth:`audit` finds ("" when nothing is wrong)."""
        return self._native.audit_fix(config, name)

    @property
    def server_names(self) -> list[str]:
        return self._native.server_names

    def __repr__(self) -> str:
        return repr(self._native)


def explain(address: str | bytes | int | Any, farm: Farm | None = None) -> dict[str, Any]:
    """What an IPv6 address is and whether Manage Out reaches it (the shape of
    ``manageout explain --format json``)."""
    result: dict[str, Any] = json.loads(
        _native._explain_json(address, farm._native if farm is not None else None)
    )
    return result


def import_daserver(
    output: str | bytes,
    names: Sequence[str] | None = None,
    addresses: Sequence[str] | None = None,
    *,
    source: str = "<input>",
) -> list[dict[str, Any]]:
    """Server entries (dicts) from Get-DAServer / Get-RemoteAccess output
    (Format-List, Format-Table or ConvertTo-Json; str or bytes as saved, UTF-16 too).

    With ``addresses`` (one per record, in order) each entry gets ``address`` and
    ``name`` (from ``names``, else the record's computer name, else DA1, DA2, ...),
    ready for ``Farm.from_dict({"server": entries})``.
    """
    records = _native._import_records(output, source)
    if addresses is not None and len(addresses) != len(records):
        raise ValueError(
            f"{len(records)} record(s) imported but {len(addresses)} address(es) given: "
            "give one address per record, in input order"
        )
    if names is not None and len(names) != len(records):
        raise ValueError(f"{len(records)} record(s) imported but {len(names)} name(s) given")
    entries: list[dict[str, Any]] = []
    for i, r in enumerate(records):
        entry: dict[str, Any] = {"client_prefix": r["client_prefix"]}
        name = names[i] if names is not None else r["computer_name"] or f"DA{i + 1}"
        entry["name"] = name
        if addresses is not None:
            entry["address"] = str(addresses[i])
        if r["teredo"] is not None:
            entry["teredo"] = r["teredo"]
        if r["vpn_prefix"]:
            entry["vpn_prefix"] = r["vpn_prefix"]
        if r["entry_point"]:
            entry["entry_point"] = r["entry_point"]
        if r["internal_prefixes"]:
            entry["internal_prefixes"] = r["internal_prefixes"]
        entries.append(entry)
    return entries


