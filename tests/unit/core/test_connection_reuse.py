"""Connections go back to the pool: after a call, after a stream read to [DONE], and
for every request this client builds (which must equal what httpx would build)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.run import BenchServer
from bench.worker import Server
from solar_api import AsyncSolarClient, SolarClient
from tests.faults import fault_server, sse_reply
from tests.helpers import chunk

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])  # a fake server on loopback

USER = [{"role": "user", "content": "x"}]


@pytest.fixture(scope="module")
def bench_server() -> Iterator[str]:
    # The benchmark's keep-alive server, which counts the connections it accepts.
    server = BenchServer(core=None)
    try:
        yield server.url
    finally:
        server.stop()


# The server ends each stream's body 20 ms after [DONE]: a client that stops reading at
# [DONE] finds the body unfinished and must throw the connection away.
SLOW_END = "bench-slow-end"


def test_streams_read_to_done_leave_their_connection_for_the_next_request(
    bench_server: str,
) -> None:
    stats = Server(bench_server)
    stats.reset()
    with SolarClient(base_url=bench_server, api_key="k") as client:
        for _ in range(5):
            chunks = list(client.chat_stream(model=SLOW_END, messages=USER, max_tokens=20))
            assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) == 20
            client.chat(model="m", messages=USER)
    seen = stats.read()
    assert (seen["requests"], seen["connections"]) == (10, 1)


async def test_async_streams_reuse_connections_too(bench_server: str) -> None:
    stats = Server(bench_server)
    stats.reset()
    client = AsyncSolarClient(base_url=bench_server, api_key="k")
    for _ in range(5):
        stream = await client.chat_stream(model=SLOW_END, messages=USER, max_tokens=20)
        assert len([c async for c in stream]) >= 20
    await client.aclose()
    assert stats.read()["connections"] == 1


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
