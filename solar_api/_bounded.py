"""Reading a whole response body with a ceiling on its decoded size.

httpx decodes ``Content-Encoding`` (gzip, deflate, brotli, zstd) as it reads; a 2 MB gzip
body of zeros is 2 GB decoded. The clients therefore read every non-streamed body
through here: decoded bytes are counted as they arrive and the read stops with
`ResponseTooLargeError` (naming the limit) once they pass ``max_response_bytes``. The
body read is handed on as an ordinary `httpx.Response` with the decoded content (its
encoding headers dropped, since the content is no longer encoded).

httpx decodes each raw read whole, and a transport may hand over a large one (one 2 MB
read of a gzip bomb is 2 GB at once), so an encoded body's raw bytes are passed to
httpx's decoder in pieces of `_PIECE` bytes: at most about 1 MB (gzip, deflate) or a few
tens of MB (zstd's run-length blocks) decoded per step, whatever the transport does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx

from .errors import ResponseTooLargeError, response_target

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "aread_bounded", "read_bounded"]

# Large enough for a big embeddings batch (2,048 vectors of 4,096 floats as JSON is
# about 170 MB), small enough that a decompression bomb cannot take the machine.
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024

_ENCODING_HEADERS = frozenset({"content-encoding", "content-length"})
_PIECE = 1024


class _Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """`response`'s raw bytes in pieces of at most `_PIECE` bytes."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        for raw in self._response.iter_raw():
            for start in range(0, len(raw), _PIECE):
                yield raw[start : start + _PIECE]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for raw in self._response.aiter_raw():
            for start in range(0, len(raw), _PIECE):
                yield raw[start : start + _PIECE]


def _decoding(response: httpx.Response) -> httpx.Response:
    """`response` itself when its body is not encoded; else one that reads the same raw
    bytes in small pieces through httpx's own decoder (public API only)."""
    if not response.headers.get("content-encoding") or response.is_stream_consumed:
        return response  # nothing to decode, or read already (a transport built it whole)
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=_Pieces(response),
        request=response.request,
        extensions=response.extensions,
    )


def _too_large(response: httpx.Response, size: int, limit: int) -> ResponseTooLargeError:
    target = response_target(response)
    return ResponseTooLargeError(
        f"The response body{f' from {target}' if target else ''} passed {limit} bytes "
        f"decoded ({size} read, Content-Encoding: "
        f"{response.headers.get('content-encoding', 'none')}); raise max_response_bytes "
        "if the server really sends bodies this large.",
        limit=limit,
    )


def _whole(response: httpx.Response, parts: list[bytes]) -> httpx.Response:
    headers = [
        (k, v) for k, v in response.headers.multi_items() if k.lower() not in _ENCODING_HEADERS
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=b"".join(parts),
        request=response.request,
        extensions=response.extensions,
    )


def _framed_within(response: httpx.Response, limit: int) -> bool:
    """True when httpx's own read cannot pass `limit`: a body already in memory, or one
    not encoded whose Content-Length (which the HTTP framing enforces) is within it. Such
    a body is read as is, without the copy the bounded read makes (the common case, on
    every call)."""
    if response.is_stream_consumed:
        return True
    length = response.headers.get("content-length", "")
    return (
        not response.headers.get("content-encoding") and length.isdigit() and (int(length) <= limit)
    )


def _checked(response: httpx.Response, limit: int) -> httpx.Response:
    if len(response.content) > limit:
        raise _too_large(response, len(response.content), limit)
    return response


def read_bounded(response: httpx.Response, limit: int) -> httpx.Response:
    """`response` (opened with ``stream=True``) read whole, at most `limit` bytes decoded."""
    if _framed_within(response, limit):
        response.read()
        return _checked(response, limit)
    parts: list[bytes] = []
    size = 0
    try:
        for part in _decoding(response).iter_bytes():
            size += len(part)
            if size > limit:
                raise _too_large(response, size, limit)
            parts.append(part)
    finally:
        response.close()
    return _whole(response, parts)


async def aread_bounded(response: httpx.Response, limit: int) -> httpx.Response:
    """The async twin of `read_bounded`."""
    if _framed_within(response, limit):
        await response.aread()
        return _checked(response, limit)
    parts: list[bytes] = []
    size = 0
    try:
        async for part in _decoding(response).aiter_bytes():
            size += len(part)
            if size > limit:
                raise _too_large(response, size, limit)
            parts.append(part)
    finally:
        await response.aclose()
    return _whole(response, parts)
