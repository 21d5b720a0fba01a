"""Connections go back to the pool: after a call, after a stream read to [DONE], and
for every request this client builds (which must equal what httpx would build)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from solar_api import AsyncSolarClient, SolarClient
from tests.faults import fault_server, sse_reply
from tests.helpers import chunk

ROOT = Path(__file__).resolve().parents[3]
USER = [{"role": "user", "content": "x"}]


@pytest.fixture(scope="module")
def bench_server() -> Iterator[str]:
    # The benchmark's keep-alive server, which counts the connections it accepts.
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.server"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        yield f"http://127.0.0.1:{int(process.stdout.readline())}/v1"
    finally:
        process.stdin.close()
        process.wait(10)


def _stats(url: str, method: str = "GET") -> dict[str, int]:
    request = urllib.request.Request(
        url.rsplit("/v1", 1)[0] + "/stats", method=method, data=b"" if method == "POST" else None
    )
    with urllib.request.urlopen(request) as reply:
        return dict(json.load(reply))


# The server ends each stream's body 20 ms after [DONE]: a client that stops reading at
# [DONE] finds the body unfinished and must throw the connection away.
SLOW_END = "bench-slow-end"


def test_streams_read_to_done_leave_their_connection_for_the_next_request(
    bench_server: str,
) -> None:
    _stats(bench_server, "POST")
    with SolarClient(base_url=bench_server, api_key="k") as client:
        for _ in range(5):
            chunks = list(client.chat_stream(model=SLOW_END, messages=USER, max_tokens=20))
            assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) == 20
            client.chat(model="m", messages=USER)
    stats = _stats(bench_server)
    assert stats["requests"] == 10
    assert stats["connections"] == 1


async def test_async_streams_reuse_connections_too(bench_server: str) -> None:
    _stats(bench_server, "POST")
    client = AsyncSolarClient(base_url=bench_server, api_key="k")
    for _ in range(5):
        stream = await client.chat_stream(model=SLOW_END, messages=USER, max_tokens=20)
        assert len([c async for c in stream]) >= 20
    await client.aclose()
    assert _stats(bench_server)["connections"] == 1


def test_a_connection_dropped_after_done_loses_nothing() -> None:
    events = [chunk("fi", role="assistant"), chunk("ne", finish_reason="stop")]
    with fault_server(sse_reply(events, cut_after_done=True)) as server:
        client = SolarClient(base_url=server.base_url, api_key="k")
        text = "".join(
            c.choices[0].delta.content or ""
            for c in client.chat_stream(model="m", messages=USER)
            if c.choices
        )
        assert text == "fine"
        assert server.count == 1


@pytest.mark.parametrize("stream", [False, True])
def test_requests_equal_what_httpx_builds(stream: bool) -> None:
    client = SolarClient(base_url="http://127.0.0.1:9/v1", api_key="k", timeout=12)
    http = client._client()
    body = {"model": "m", "messages": USER}
    ours = client._build_request(http, "POST", "/chat/completions", body, stream=stream)
    theirs = http.build_request(
        "POST",
        "http://127.0.0.1:9/v1/chat/completions",
        headers=client._request_headers(stream=stream),
        content=ours.content,
        timeout=client.timeout,
    )
    assert (ours.method, ours.url) == (theirs.method, theirs.url)
    assert ours.headers.raw == theirs.headers.raw
    assert ours.content == theirs.content
    assert ours.extensions == theirs.extensions
