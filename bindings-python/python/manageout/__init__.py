"""DirectAccess Manage Out routing: validate a farm, find the DA server of a client,
render BIG-IP / AS3 / route configuration, import Get-DAServer output, audit a
BIG-IP configuration.

Every rule, lookup and renderer is the Rust core's (``manageout._native``); this
package adds the exception types: ``FarmError``, and ``BigIpError`` with its
subclasses for ``Farm.deploy`` and ``Farm.audit_bigip``.

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
    "As3MissingError",
    "BigIpAuthError",
    "BigIpConnectionError",
    "BigIpError",
    "BigIpTimeoutError",
    "BigIpTlsError",
    "DeclarationRejected",
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


class BigIpError(Exception):
    """The BIG-IP failed, refused or rejected: ``.code`` says how (``auth``,
    ``tls``, ``as3-missing``, ``rejected``, ``conflict``, ``timeout``, ``connect``,
    ``task-failed``, ``protocol``, ``url``, ...), ``.problems`` lists what AS3
    rejected (each mapped to its server and prefix where possible)."""

    code: str
    problems: list[str]

    def __init__(self, message: str, code: str, problems: list[str]) -> None:
        super().__init__(message)
        self.code = code
        self.problems = problems


class BigIpAuthError(BigIpError):
    """The BIG-IP refused the user name, the password or the token."""


class BigIpTlsError(BigIpError):
    """The BIG-IP's certificate is not trusted (give ``ca_file``)."""


class As3MissingError(BigIpError):
    """AS3 is not installed on the BIG-IP."""


class DeclarationRejected(BigIpError):
    """AS3 rejected the declaration (or it would overwrite an object manageout did
    not create); ``.problems`` says why."""


class BigIpTimeoutError(BigIpError, TimeoutError):
    """The BIG-IP did not answer, or stayed busy, within the bound."""


class BigIpConnectionError(BigIpError, ConnectionError):
    """The BIG-IP cannot be reached."""
