"""Signatures on ``tthc:events`` entries: proof that ingest validated an entry.

Ingest signs what it publishes (keyed BLAKE2b) with a key it shares with metrics; metrics stores a
signed entry as it is and validates every other entry in full (an entry another
producer wrote, or one whose signature does not match). This keeps the hot path of
metrics free of a second validation, and an event answered 202 is never refused
later because the plan changed in between.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .streams import EVENT_FIELD, ID_FIELD, SIG_FIELD, SOURCE_FIELD


def identity(source: bytes, event_id: bytes) -> bytes:
    """The event's identity ``(source, id)`` as one unambiguous byte string: the source is
    length-prefixed, so no choice of characters in either part can make two pairs meet."""
    return b"%d:%b%b" % (len(source), source, event_id)


@dataclass(frozen=True, slots=True)
class SignedEvent:
    source: bytes
    event_id: bytes
    event: bytes


class EntrySigner:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the stream signing key must be at least 16 bytes")
        # Keyed once: copying the keyed state is cheaper than keying each entry.
        self._keyed = hashlib.blake2b(key=key[:64], digest_size=16)

    def _mac(self, key: bytes, event: bytes) -> hashlib.blake2b:
        """A 128-bit MAC of the event's identity (``key``) and the event: keyed BLAKE2b
        (RFC 7693), half the cost of HMAC-SHA256."""
        mac = self._keyed.copy()
        mac.update(key + event)
        return mac

    def sign(self, source: bytes, event_id: bytes, event: bytes) -> bytes:
        return self._mac(identity(source, event_id), event).digest()

    def verify(self, source: bytes, event_id: bytes, event: bytes, signature: bytes) -> bool:
        return self.verify_identity(identity(source, event_id), event, signature)

    def verify_identity(self, key: bytes, event: bytes, signature: bytes) -> bool:
        """``verify`` for a caller that has the identity already (``identity(source, id)``)."""
        return hmac.compare_digest(self._mac(key, event).hexdigest().encode(), signature)

    def entry(self, source: bytes, event_id: bytes, event: bytes) -> dict[bytes, bytes]:
        """The fields of a signed ``tthc:events`` entry."""
        return {
            EVENT_FIELD: event,
            SOURCE_FIELD: source,
            ID_FIELD: event_id,
            SIG_FIELD: self.sign(source, event_id, event).hex().encode(),
        }

    def open(self, fields: Mapping[bytes, bytes]) -> SignedEvent | None:
        """The event of an entry this key signed, or ``None`` (unsigned or not ours)."""
        signature = fields.get(SIG_FIELD)
        event = fields.get(EVENT_FIELD)
        source = fields.get(SOURCE_FIELD)
        event_id = fields.get(ID_FIELD)
        if signature is None or event is None or source is None or event_id is None:
            return None
        return (
            SignedEvent(source, event_id, event) if self.verify(source, event_id, event, signature) else None
        )


def load_signing_key(explicit: str | None, key_file: Path) -> bytes:
    """The shared key: ``TTHC_STREAM_KEY`` if set, else a key file created on first use.

    On one machine (the embedded default) every service reads the same file; a
    deployment across machines sets ``TTHC_STREAM_KEY`` on ingest and metrics.
    """
    if explicit:
        return explicit.encode()
    try:
        return key_file.read_bytes().strip()
    except FileNotFoundError:
        pass
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_hex(32).encode()
    # O_EXCL: when two services start at once, one creates the file, both read it.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_bytes().strip()
    with os.fdopen(fd, "wb") as out:
        out.write(fresh)
    return fresh
