"""What Liferay's JSONObject (org.json "JSON in Java" 2011-02-02 on a java.util.HashMap) writes.

OpenCPS builds every body with ``JSONFactoryUtil.createJSONObject()`` and sends
``toJSONString()``. Liferay 7.x wraps ``org.json.JSONObject`` from ``com.redhat.qe:json-java:20110202``,
whose members live in a plain ``HashMap``: the text lists keys in hash-bucket order, not in the order
they were put. This module reproduces that order (Java 8+ ``HashMap``: String.hashCode, spread
``h ^ (h >>> 16)``, a table of 16 doubling past 3/4 full, a bucket keeps insertion order) and
org.json's ``quote`` (``"</"`` written ``"<\\/"``; U+0080–U+009F and U+2000–U+20FF escaped as
lowercase ``\\uXXXX``; no whitespace anywhere).
"""

from __future__ import annotations

from typing import TypeAlias

JValue: TypeAlias = "str | JObject | list[JValue]"

_SHORT = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


class JObject:
    """A Liferay JSONObject: ``put`` with None removes the key (org.json), a re-put keeps its place."""

    def __init__(self) -> None:
        self._members: dict[str, JValue] = {}
        self._capacity = 16

    def put(self, key: str, value: JValue | None) -> JObject:
        if value is None:
            self._members.pop(key, None)
            return self
        self._members[key] = value
        while len(self._members) > self._capacity * 3 // 4:
            self._capacity *= 2
        return self

    def get(self, key: str) -> JValue:
        return self._members[key]

    def order(self) -> list[str]:
        """Iteration order of the HashMap: by bucket, then by insertion within a bucket."""
        position = {key: i for i, key in enumerate(self._members)}
        return sorted(self._members, key=lambda k: (_bucket(k, self._capacity), position[k]))


def _bucket(key: str, capacity: int) -> int:
    h = 0  # String.hashCode over UTF-16 code units, as an unsigned 32-bit value
    units = key.encode("utf-16-be")
    for i in range(0, len(units), 2):
        h = (31 * h + int.from_bytes(units[i : i + 2], "big")) & 0xFFFFFFFF
    return (h ^ (h >> 16)) & (capacity - 1)


def quote(text: str) -> str:
    if not text:
        return '""'
    out = ['"']
    previous = ""
    for char in text:
        if char in _SHORT:
            out.append(_SHORT[char])
        elif char == "/":
            out.append("\\/" if previous == "<" else "/")
        elif char < " " or "\x80" <= char < "\xa0" or "\u2000" <= char < "\u2100":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
        previous = char
    out.append('"')
    return "".join(out)


def dumps(value: JValue) -> str:
    """``toString()`` of a JSONObject, JSONArray or String value."""
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, list):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    return "{" + ",".join(f"{quote(k)}:{dumps(value.get(k))}" for k in value.order()) + "}"


def merged(head: list[tuple[str, JValue]], data: JObject) -> JObject:
    """``body`` of OpenCPS's senders: ``session`` and ``madonvi`` first, then every key of ``data``
    in ``data``'s own iteration order (the insertion order matters only within a bucket)."""
    body = JObject()
    for key, value in head:
        body.put(key, value)
    for key in data.order():
        body.put(key, data.get(key))
    return body


def obj(*members: tuple[str, JValue | None]) -> JObject:
    """A JSONObject built by ``put`` calls in this order."""
    result = JObject()
    for key, value in members:
        result.put(key, value)
    return result
