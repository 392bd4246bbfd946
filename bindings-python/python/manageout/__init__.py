"""DirectAccess Manage Out routing: validate a farm, find the DA server of a client,
render BIG-IP / AS3 / route configuration, import Get-DAServer output, audit a
BIG-IP configuration.

Every rule, lookup and renderer is the Rust core's (``manageout._native``); this
package adds the ``FarmError`` exception type.

>>> import manageout
>>> farm = manageout.Farm.from_file("examples/seed-fixed.toml")   # doctest: +SKIP
"""

from __future__ import annotations

from . import _native
from ._native import (
    Diagnostic,
    Farm,
    PrefixMap,
    Server,
    Table,
    aggregate,
    covering,
    explain,
    import_daserver,
)

__version__: str = _native.__version__

__all__ = [
    "Diagnostic",
    "Farm",
    "FarmError",
    "PrefixMap",
    "Server",
    "Table",
    "aggregate",
    "covering",
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
