"""Bounded reads (issue 26, item 4): a decompressed body and one SSE line or event have a
documented ceiling, enforced while reading, in time linear in the bytes read."""

from __future__ import annotations

import gzip
import time
import zlib

import httpx
import pytest

from langchain_solar import ChatSolar
from solar_api import ResponseTooLargeError, SolarClient, SolarError
from solar_api.sse import DEFAULT_MAX_EVENT_BYTES, SSEDecoder
from tests.helpers import Chunks, Scripted, chat_json, chunk, sse_body

USER = [{"role": "user", "content": "x"}]


def _gzip_bomb(decoded: int) -> bytes:
    # Zeros compress about 1000:1: 64 MiB decoded is ~64 KB on the wire.
    out = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    parts = [out.compress(block) for _ in range(decoded >> 20)]
    return b"".join([*parts, out.flush()])


def _client(server: Scripted, **kw: object) -> SolarClient:
    return SolarClient(
        base_url="http://127.0.0.1:9/v1", http_client=server.sync_client(), max_retries=0, **kw
    )


def _encoded(status: int, raw: bytes) -> httpx.Response:
    # A body that arrives as a stream, in one read (as a transport may hand it over).
    return httpx.Response(status, headers={"content-encoding": "gzip"}, stream=Chunks([raw]))


def test_a_decompression_bomb_stops_at_the_limit() -> None:
    bomb = _gzip_bomb(64 << 20)
    assert len(bomb) < 200_000
    server = Scripted(_encoded(200, bomb))
    with pytest.raises(ResponseTooLargeError, match="passed 8388608 bytes decoded") as caught:
        _client(server, max_response_bytes=8 << 20).chat(model="m", messages=USER)
    assert caught.value.limit == 8 << 20
    assert "max_response_bytes" in str(caught.value)


def test_bodies_under_the_limit_decode_as_before() -> None:
    body = gzip.compress(httpx.Response(200, json=chat_json("fine")).content)
    server = Scripted(_encoded(200, body))
    reply = _client(server, max_response_bytes=1 << 20).chat(model="m", messages=USER)
    assert reply.choices[0].message.content == "fine"


def test_an_error_body_is_bounded_too() -> None:
    bomb = _gzip_bomb(16 << 20)
    server = Scripted(_encoded(500, bomb))
    with pytest.raises(ResponseTooLargeError):
        _client(server, max_response_bytes=1 << 20).chat(model="m", messages=USER)


async def test_async_bodies_are_bounded() -> None:
    from solar_api import AsyncSolarClient

    bomb = _gzip_bomb(16 << 20)
    server = Scripted(_encoded(200, bomb))
    client = AsyncSolarClient(
        base_url="http://127.0.0.1:9/v1",
        http_client=server.async_client(),
        max_retries=0,
        max_response_bytes=1 << 20,
    )
    with pytest.raises(ResponseTooLargeError):
        await client.chat(model="m", messages=USER)


def test_an_sse_line_without_end_is_cut_at_the_limit_in_linear_time() -> None:
    decoder = SSEDecoder(max_event_bytes=32 << 20)
    piece = b"x" * 65536
    started = time.perf_counter()
    decoder.feed(b"data: ")
    with pytest.raises(ResponseTooLargeError, match="line passed 33554432 bytes"):
        for _ in range(1024):  # 64 MiB offered; stops at 32
            decoder.feed(piece)
    elapsed = time.perf_counter() - started
    # Quadratic joining took seconds for this size; linear takes milliseconds.
    assert elapsed < 2.0, elapsed


def test_long_lines_within_the_limit_still_decode() -> None:
    decoder = SSEDecoder()
    text = "y" * 300_000
    events = []
    for i in range(0, len(text), 1000):
        events += decoder.feed(("data: " if i == 0 else "").encode() + text[i : i + 1000].encode())
    events += decoder.feed(b"\n\n")
    assert [e.data for e in events] == [text]
    assert DEFAULT_MAX_EVENT_BYTES == 16 * 1024 * 1024


def test_a_multi_line_event_over_the_limit_is_refused() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    with pytest.raises(ResponseTooLargeError, match="event passed 1000 bytes"):
        decoder.feed(b"data: " + b"z" * 600 + b"\ndata: " + b"z" * 600 + b"\n")


def test_a_stream_with_an_endless_line_is_a_typed_error_through_chat_solar() -> None:
    body = sse_body(chunk("ok"))[: -len(b"data: [DONE]\n\n")] + b"data: " + b"q" * (2 << 20)
    server = Scripted(
        httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Chunks([body]))
    )
    llm = ChatSolar(
        base_url="http://127.0.0.1:9/v1",
        http_client=server.sync_client(),
        max_retries=0,
        max_event_bytes=1 << 20,
    )
    with pytest.raises(SolarError, match="max_event_bytes"):
        list(llm.stream("x"))


_BOMB_RUN = """
import resource, sys, zlib
import httpx
from solar_api import ResponseTooLargeError, SolarClient
from tests.helpers import Chunks

out = zlib.compressobj(9, zlib.DEFLATED, 31)
bomb = b"".join([*(out.compress(b"\\0" * (1 << 20)) for _ in range(2048)), out.flush()])
reply = httpx.Response(200, headers={"content-encoding": "gzip"}, stream=Chunks([bomb]))
http = httpx.Client(transport=httpx.MockTransport(lambda request: reply))
client = SolarClient(
    base_url="http://127.0.0.1:9/v1", http_client=http, max_retries=0, max_response_bytes=64 << 20
)
try:
    client.chat(model="m", messages=[{"role": "user", "content": "x"}])
except ResponseTooLargeError:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


@pytest.mark.slow  # streams 2 GiB through the decoder
def test_a_two_gib_bomb_in_one_read_never_decodes_more_than_a_piece_at_a_time() -> None:
    # In a process of its own, so its peak memory is this case's alone.
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", _BOMB_RUN], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak_mib = int(done.stdout.strip())
    assert peak_mib < 1024, peak_mib  # 2.1 MB on the wire; decoding it whole takes 2-4 GiB
