"""One HTTP request as a one-stop-shop system puts it on the wire, relative to its portal address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

OPERATIONS = ("login", "lookup", "sync", "sync_update", "progress")
"""``sync`` is DongBoHoSoMC for a new record, ``sync_update`` the same for a record the portal
already holds, ``progress`` is CapNhatTienDoHoSoMC; ``login`` and ``lookup`` carry no records."""


@dataclass(frozen=True)
class WireRequest:
    """``path`` (and ``query``) follow the base address the client is configured with, exactly as
    the client appends them; ``headers`` are those the client's own code sets (the HTTP library adds
    ``Host`` and ``Content-Length``, see README.md); ``body`` is the exact bytes sent."""

    client: str
    operation: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS:
            raise ValueError(f"unknown operation {self.operation!r}")

    def url(self, base: str) -> str:
        """The address the client calls when its portal base address is ``base``."""
        return base + self.path + (f"?{self.query}" if self.query else "")


def split_endpoint(endpoint: str) -> tuple[str, str]:
    """A configured endpoint such as ``/dongbo?key=k`` as (path, query)."""
    path, _, query = endpoint.partition("?")
    return path, query


def with_key(endpoint: str, key: str) -> str:
    """The endpoint with the bridge's ``key`` appended: both clients concatenate base + endpoint,
    so a ``?key=`` on the base address would end up in the middle of the URL."""
    return f"{endpoint}{'&' if '?' in endpoint else '?'}key={key}"


def portal_time(moment: datetime | None) -> str | None:
    """``yyyyMMddHHmmss`` of a naive local (UTC+7) time, the portal's date format; None stays None."""
    return None if moment is None else moment.strftime("%Y%m%d%H%M%S")
