"""API keys: who is calling, and for which units they may send (pure, no I/O).

Keys are never kept in clear: the plan stores their sha256, and the extra keys of
``TTHC_API_KEYS`` are hashed as soon as they are read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tthc_contract.http import ApiError
from tthc_contract.plan import Plan


@dataclass(frozen=True, slots=True)
class Credential:
    source: str
    units: frozenset[str] | None
    """Units the source may send for; ``None`` means every unit."""

    def may_send_for(self, unit: str) -> bool:
        return self.units is None or unit in self.units


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyRing:
    def __init__(self, plan: Plan, extra_keys: dict[str, str]) -> None:
        self._by_hash: dict[str, Credential] = {
            source.key_sha256: Credential(source.id, plan.source_units(source))
            for source in plan.spec.sources
        }
        for key, source_id in extra_keys.items():
            self._by_hash[key_hash(key)] = Credential(source_id, None)

    def authenticate(self, authorization: str | None) -> Credential:
        if not authorization:
            raise ApiError(
                401,
                "unauthorized",
                "send the source's API key as 'Authorization: Bearer <key>'",
            )
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise ApiError(401, "unauthorized", "the Authorization header must be 'Bearer <key>'")
        credential = self._by_hash.get(key_hash(key.strip()))
        if credential is None:
            raise ApiError(
                401,
                "unauthorized",
                "unknown API key; ask the operator for the key of your source system",
            )
        return credential
