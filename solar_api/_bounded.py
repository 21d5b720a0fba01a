"""Reading a whole response body with a ceiling on its decoded size.

httpx decodes ``Content-Encoding`` (gzip, deflate, brotli, zstd) as it reads; a 2 MB gzip
body of zeros is 2 GB decoded. The clients therefore read every non-streamed body
through here: decoded bytes are counted as they arrive and the read stops with
`ResponseTooLargeError` (naming the limit) once they pass ``max_response_bytes``. The
body read is handed on as an ordinary `httpx.Response` with the decoded content (its
encoding headers dropped, since the content is no longer encoded).
"""

from __future__ import annotations

import httpx

from .errors import ResponseTooLargeError, response_target

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "aread_bounded", "read_bounded"]

# Large enough for a big embeddings batch (2,048 vectors of 4,096 floats as JSON is
# about 170 MB), small enough that a decompression bomb cannot take the machine.
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024

_ENCODING_HEADERS = frozenset({"content-encoding", "content-length"})


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


def read_bounded(response: httpx.Response, limit: int) -> httpx.Response:
    """`response` (opened with ``stream=True``) read whole, at most `limit` bytes decoded."""
    parts: list[bytes] = []
    size = 0
    try:
        for part in response.iter_bytes():
            size += len(part)
            if size > limit:
                raise _too_large(response, size, limit)
            parts.append(part)
    finally:
        response.close()
    return _whole(response, parts)


async def aread_bounded(response: httpx.Response, limit: int) -> httpx.Response:
    """The async twin of `read_bounded`."""
    parts: list[bytes] = []
    size = 0
    try:
        async for part in response.aiter_bytes():
            size += len(part)
            if size > limit:
                raise _too_large(response, size, limit)
            parts.append(part)
    finally:
        await response.aclose()
    return _whole(response, parts)
