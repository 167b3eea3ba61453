"""Finding a unit by what a one-stop-shop system calls it (SPEC section 9.1), pure.

A portal record's ``DonViXuLy`` (or the envelope's ``madonvi``) may be a unit code of the
plan, a key of the plan's ``dvcqg.units``, or the agency's name. A name matches when
exactly one unit of the plan has it, compared without regard to case and repeated spaces
(Unicode-normalized, so a name typed with combining diacritics matches too).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass


def name_key(text: str) -> str:
    """``"  Phòng  KINH tế "`` → ``"phòng kinh tế"``."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True, slots=True)
class UnitMatch:
    unit: str | None
    candidates: tuple[str, ...] = ()
    """When no single unit matches: the units whose name it is (ambiguous), else none."""


class UnitNames:
    def __init__(self, names: Mapping[str, str], aliases: Mapping[str, str]) -> None:
        self._codes = frozenset(names)
        self._aliases = {key.strip(): code for key, code in aliases.items()}
        self._by_name: dict[str, list[str]] = {}
        for code, name in names.items():
            self._by_name.setdefault(name_key(name), []).append(code)
        self._names = dict(names)

    def find(self, value: str) -> UnitMatch:
        value = value.strip()
        if value in self._codes:
            return UnitMatch(value)
        if value in self._aliases:
            return UnitMatch(self._aliases[value])
        found = self._by_name.get(name_key(value), [])
        if len(found) == 1:
            return UnitMatch(found[0])
        return UnitMatch(None, tuple(sorted(found)))

    def describe(self, code: str) -> str:
        return f"{code} ({self._names[code]})"
