import array
import ipaddress
import os
from typing import Any, Iterable, Literal, Mapping, Sequence, final, overload

__version__: str
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
    "explain",
    "import_daserver",
    "aggregate",
    "covering",
    "__version__",
]

_Address = str | ipaddress.IPv6Address | bytes | int
_Buffer = bytes | bytearray | memoryview | array.array[int]
_Target = Literal[
    "tmsh",
    "bigip-conf",
    "tmsh-remove",
    "as3",
    "linux",
    "netsh",
    "corp-routes",
    "da-mgmt",
    "client-firewall",
    "l3fwd",
]

@final
class Diagnostic:
    @property
    def severity(self) -> Literal["error", "warning"]: ...
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def server(self) -> str | None: ...
    @property
    def field(self) -> str | None: ...
    @property
    def file(self) -> str | None: ...
    @property
    def line(self) -> int | None: ...
    @property
    def column(self) -> int | None: ...
    @property
    def path(self) -> str | None: ...
    @property
    def help(self) -> str | None: ...

class FarmError(ValueError):
    diagnostics: list[Diagnostic]
    def __init__(self, message: str, diagnostics: list[Diagnostic]) -> None: ...

class BigIpError(Exception):
    code: str
    problems: list[str]
    def __init__(self, message: str, code: str, problems: list[str]) -> None: ...

class BigIpAuthError(BigIpError): ...
class BigIpTlsError(BigIpError): ...
class As3MissingError(BigIpError): ...
class DeclarationRejected(BigIpError): ...
class BigIpTimeoutError(BigIpError, TimeoutError): ...
class BigIpConnectionError(BigIpError, ConnectionError): ...

@final
class Server:
    @property
    def index(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def address(self) -> ipaddress.IPv6Address: ...
    @property
    def client_prefix(self) -> ipaddress.IPv6Network: ...
    @property
    def entry_point(self) -> str | None: ...
    @property
    def vpn_prefix(self) -> ipaddress.IPv6Network | None: ...
    @property
    def teredo_prefix(self) -> ipaddress.IPv6Network | None: ...

@final
class Table:
    def lookup(self, address: _Address) -> Server | None: ...
    @overload
    def lookup_many(self, addresses: _Buffer) -> array.array[int]: ...  # type: ignore[overload-overlap]  # a buffer is packed addresses, not an iterable of ints
    @overload
    def lookup_many(self, addresses: Iterable[_Address]) -> list[Server | None]: ...
    @property
    def servers(self) -> tuple[Server, ...]: ...
    def __len__(self) -> int: ...

@final
class PrefixMap:
    def __new__(cls, items: Iterable[tuple[str | ipaddress.IPv6Network, int]]) -> PrefixMap: ...
    def lookup(self, address: _Address) -> int | None: ...
    @overload
    def lookup_many(self, addresses: _Buffer) -> array.array[int]: ...  # type: ignore[overload-overlap]  # a buffer is packed addresses, not an iterable of ints
    @overload
    def lookup_many(self, addresses: Iterable[_Address]) -> list[int | None]: ...
    def apply(self, changes: Iterable[tuple[str | ipaddress.IPv6Network, int | None]]) -> PrefixMap: ...
    def __len__(self) -> int: ...

@final
class Farm:
    @staticmethod
    def from_file(path: str | os.PathLike[str]) -> Farm: ...
    @staticmethod
    def from_toml(text: str, name: str = ...) -> Farm: ...
    @staticmethod
    def from_json(text: str, name: str = ...) -> Farm: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Farm: ...
    def check(self) -> list[Diagnostic]: ...
    def table(self) -> Table: ...
    def render(
        self,
        target: _Target,
        interface: str | None = None,
        *,
        dialect: Literal["ios", "junos", "linux", "netsh"] | None = None,
        aggregate: bool = False,
    ) -> str: ...
    def as3(self) -> dict[str, Any]: ...
    def audit(self, config: str, name: str = ...) -> list[Diagnostic]: ...
    def audit_fix(self, config: str, name: str = ...) -> str: ...
    def deploy(
        self,
        url: str,
        *,
        password: str,
        user: str = "admin",
        ca_file: str | os.PathLike[str] | None = None,
        insecure: bool = False,
        dry_run: bool = True,
        timeout: float = 60.0,
    ) -> dict[str, Any]: ...
    def audit_bigip(
        self,
        url: str,
        *,
        password: str,
        user: str = "admin",
        ca_file: str | os.PathLike[str] | None = None,
        insecure: bool = False,
        timeout: float = 60.0,
    ) -> dict[str, Any]: ...
    @property
    def server_names(self) -> list[str]: ...

def explain(address: _Address, farm: Farm | None = None) -> dict[str, Any]: ...
def aggregate(prefixes: Iterable[str | ipaddress.IPv6Network]) -> list[ipaddress.IPv6Network]: ...
def covering(prefixes: Iterable[str | ipaddress.IPv6Network]) -> ipaddress.IPv6Network | None: ...
def import_daserver(
    output: str | bytes,
    names: Sequence[str] | None = None,
    addresses: Sequence[str] | None = None,
    *,
    source: str = ...,
) -> list[dict[str, Any]]: ...
