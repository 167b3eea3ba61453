"""Consuming our Redis streams with FastStream, without FastStream's per-entry decoding.

FastStream's stream parser decodes every entry as its own message format and encodes
the batch again as JSON; a pass-through parser hands the raw entries (id, fields) to the
handler instead, and ``XREADGROUP`` replies are left as flat ``[k, v, ...]`` lists (no dict
per entry). Consumer groups are created by ``ensure_group``, at the start id we choose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import redis.asyncio as aredis
from faststream import AckPolicy
from faststream.redis import RedisBroker
from faststream.redis.message import RedisBatchStreamMessage as BatchMessage
from redis.exceptions import ResponseError

Fields = Mapping[bytes, bytes]


async def _pass_through(message: Any, _original: Any) -> BatchMessage:
    return BatchMessage(raw_message=message, body=b"", consumer=None, group=None)  # type: ignore[arg-type]


async def _no_body(_message: Any, _original: Any) -> None:
    return None


def raw_batch_options(ack_policy: AckPolicy) -> dict[str, Any]:
    """Keyword arguments for ``broker.subscriber(...)`` of a raw batch handler."""
    return {"ack_policy": ack_policy, "parser": _pass_through, "decoder": _no_body}


def _raw_reply(response: Any, **_: Any) -> Any:
    if response is None:  # a blocking read that timed out
        return []
    return list(response.items()) if isinstance(response, dict) else response


def install_raw_replies(broker: RedisBroker) -> None:
    """Call after ``broker.connect()``: XREADGROUP replies stay flat lists."""
    broker.config.broker_config.connection.client.set_response_callback("XREADGROUP", _raw_reply)


def raw_entries(message: Any) -> list[tuple[bytes, Any]]:
    """(entry id, raw fields) of a batch message delivered with ``raw_batch_options``."""
    raw = message.raw_message
    return list(zip(raw["message_ids"], raw["data"], strict=True))


def as_fields(raw: Any) -> Fields:
    """XREADGROUP gives a flat ``[k, v, k, v]`` list (our raw reply); XAUTOCLAIM a dict."""
    if isinstance(raw, Mapping):
        return raw
    items: Sequence[bytes] = raw
    return dict(zip(items[::2], items[1::2], strict=True))


async def ensure_group(redis: aredis.Redis, stream: str, group: str, start: str) -> None:
    """Create ``group`` on ``stream`` at ``start`` ("0": all entries, "$": new ones) if absent."""
    try:
        await redis.xgroup_create(stream, group, id=start, mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
