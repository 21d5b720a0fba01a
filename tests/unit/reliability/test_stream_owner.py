"""A stream owns what it reads from (issue 26, item 1).

`SolarClient(...).chat_stream(...)` as a one-liner, or a stream returned by a helper that
made the client: nothing else holds the client, and collecting it must not close the
pool under the open stream (sync: it did, after 0 events; async: an untyped RuntimeError).
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from solar_api import AsyncSolarClient, SolarClient
from solar_api.streaming import AsyncStream, Stream
from solar_api.types import ChatCompletionChunk
from tests.helpers import chunk, serve_http

pytestmark = pytest.mark.slow  # a loopback server that streams slowly on purpose

USER = [{"role": "user", "content": "Count."}]


class SlowStream(BaseHTTPRequestHandler):
    """Three chunks, 50 ms apart, then [DONE]: the client is collected in between."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        events = [chunk("one "), chunk("two "), chunk("three", finish_reason="stop")]
        for event in [*(json.dumps(e) for e in events), "[DONE]"]:
            data = f"data: {event}\n\n".encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
            time.sleep(0.05)
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    yield from serve_http(SlowStream)


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def _text(chunks: list[ChatCompletionChunk]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def _stream_from_a_helper(url: str) -> Stream[ChatCompletionChunk]:
    return SolarClient(base_url=url, max_retries=0).chat_stream(model="m", messages=USER)


def test_a_stream_whose_client_nobody_holds_reads_to_the_end(
    server: ThreadingHTTPServer,
) -> None:
    stream = _stream_from_a_helper(_url(server))
    gc.collect()
    assert _text(list(stream)) == "one two three"
    # Closed: the stream lets its client go.
    assert stream._owner is None


def test_a_one_liner_stream(server: ThreadingHTTPServer) -> None:
    chunks = list(
        SolarClient(base_url=_url(server), max_retries=0).chat_stream(model="m", messages=USER)
    )
    assert _text(chunks) == "one two three"


async def _astream_from_a_helper(url: str) -> AsyncStream[ChatCompletionChunk]:
    return await AsyncSolarClient(base_url=url, max_retries=0).chat_stream(model="m", messages=USER)


async def test_an_async_stream_whose_client_nobody_holds_reads_to_the_end(
    server: ThreadingHTTPServer,
) -> None:
    stream = await _astream_from_a_helper(_url(server))
    gc.collect()
    chunks = [c async for c in stream]
    assert _text(chunks) == "one two three"
    assert stream._owner is None
