"""Reading a request body within bounds: size, time and encoding (the HTTP edge).

- Size: at most ``limit`` bytes, on the wire and once decoded. A larger body is still read
  (and thrown away) up to ``DRAIN_BYTES``, so a client that sends it in one go reads the
  413 instead of a broken pipe; beyond that the connection is closed.
- Time: the whole body must arrive within ``BODY_TIMEOUT_S`` (408), so a client that sends
  headers and then nothing cannot hold a worker's connection for ever.
- ``Content-Encoding``: ``identity`` or ``gzip`` (decompressed with the same bound, so a
  small bomb cannot expand in memory); anything else is 415.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator

from starlette.requests import Request

from tthc_contract.http import ApiError

DRAIN_BYTES = 32 * 1024 * 1024
BODY_TIMEOUT_S = 30.0
ENCODINGS = ("identity", "gzip", "x-gzip")


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "body_too_large",
        f"the body is larger than {limit} bytes ({limit // (1024 * 1024)} MiB); split it into several requests",
        headers={"Connection": "close"},
    )


async def read_body(request: Request, limit: int, timeout_s: float | None = None) -> bytes:
    """The decoded body; raises 408, 413 or 415 with what to do."""
    return decoded(request, await read_raw(request, limit, timeout_s), limit)


def decoded(request: Request, raw: bytes, limit: int) -> bytes:
    """``raw`` as sent, decoded by its ``Content-Encoding`` (identity or gzip)."""
    return raw if _encoding(request) == "identity" else _gunzip(raw, limit)


def _encoding(request: Request) -> str:
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ENCODINGS:
        raise ApiError(
            415,
            "unsupported_encoding",
            f"Content-Encoding {encoding!r} is not supported; send the body as is or with gzip",
        )
    return encoding


async def read_raw(
    request: Request, limit: int, timeout_s: float | None = None, *, any_encoding: bool = False
) -> bytes:
    """The body exactly as sent (still encoded), within the size and time bounds; with
    ``any_encoding`` (a relay, which forwards what it cannot read) any encoding is taken."""
    timeout_s = BODY_TIMEOUT_S if timeout_s is None else timeout_s
    if not any_encoding:
        _encoding(request)
    try:
        async with asyncio.timeout(timeout_s):
            raw = await _read_bounded(request, limit)
    except TimeoutError:
        raise ApiError(
            408,
            "request_timeout",
            f"the body did not arrive within {timeout_s:g} s; send it at once after the headers",
            headers={"Connection": "close"},
        ) from None
    return raw


async def _read_bounded(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        if int(declared) <= DRAIN_BYTES:
            await _drain(request.stream(), DRAIN_BYTES)
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    stream = request.stream()
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            await _drain(stream, DRAIN_BYTES - size)
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def _drain(stream: AsyncIterator[bytes], budget: int) -> None:
    async for chunk in stream:
        budget -= len(chunk)
        if budget < 0:
            return


def _gunzip(raw: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise ApiError(400, "invalid_gzip", f"the body is not valid gzip ({exc})") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise too_large(limit)
    if not inflater.eof:
        raise ApiError(400, "invalid_gzip", "the gzip body is truncated")
    return out
