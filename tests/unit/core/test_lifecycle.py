"""One client object across event loops, threads and a fork, on a real loopback server."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import Iterator

import pytest

from langchain_solar import ChatSolar
from solar_api import AsyncSolarClient, SolarClient
from tests.helpers import ChatHandler, serve_http

pytestmark = pytest.mark.slow  # a loopback server driven from several loops, threads and a fork

USER = [{"role": "user", "content": "x"}]


@pytest.fixture
def base_url() -> Iterator[str]:
    for server in serve_http(ChatHandler, kind="loopback"):
        yield f"http://127.0.0.1:{server.server_port}/v1"


def test_async_client_across_asyncio_run_calls(base_url: str) -> None:
    client = AsyncSolarClient(base_url=base_url)

    async def call() -> str:
        return (await client.chat(model="m", messages=USER)).choices[0].message.content or ""

    # The second run would hit "Event loop is closed" on a pool bound to the first loop.
    assert [asyncio.run(call()) for _ in range(3)] == ["served over loopback"] * 3
    llm = ChatSolar(base_url=base_url)
    assert asyncio.run(llm.ainvoke("x")).content == asyncio.run(llm.ainvoke("y")).content


def test_async_client_from_two_threads_with_their_own_loops(base_url: str) -> None:
    client = AsyncSolarClient(base_url=base_url)
    results: list[str] = []

    def worker() -> None:
        async def many() -> list[str]:
            replies = await asyncio.gather(
                *(client.chat(model="m", messages=USER) for _ in range(5))
            )
            return [r.choices[0].message.content or "" for r in replies]

        results.extend(asyncio.run(many()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == ["served over loopback"] * 10


def _child(client: SolarClient, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    inherited = client._http
    try:
        content = client.chat(model="m", messages=USER).choices[0].message.content
        out.put((content, client._http is not inherited))
    except Exception as exc:  # report, do not hang the parent
        out.put((repr(exc), False))


def test_sync_client_after_fork(base_url: str) -> None:
    client = SolarClient(base_url=base_url)
    assert client.chat(model="m", messages=USER).choices[0].message.content  # parent's pool in use
    parent_pool = client._http
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_child, args=(client, out))
    child.start()
    child.join(30)
    # The child answered, on a pool of its own (not the parent's sockets).
    assert out.get(timeout=5) == ("served over loopback", True)
    assert child.exitcode == 0
    assert client._http is parent_pool  # the parent keeps its own pool
    client.close()
