"""The async pool's transports side by side: ours (aiohttp under httpx's interface),
the maintained ``httpx-aiohttp`` package (what the openai SDK offers as an opt-in), and
httpx's own ``AsyncHTTPTransport``, each under ``AsyncSolarClient`` against the bench
server (issue 27, item 4).

Run: ``.venv/bin/python -m bench.transports [--repeats N]``; prints a table and one JSON
line. The variants take turns round by round, the order rotating, in one process, so a
slow spell on a shared machine lands on all of them alike; compare within one run.

Scenarios: ``rps`` and ``cpu_us``, the worker's async case (64 in flight through a
semaphore, one event loop: requests per second, and the client's CPU µs per request);
``call_us``, one call at a time (µs per call: latency); ``chunk_us``, one streamed reply
of 2,000 chunks (µs per chunk).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.clients import MESSAGES, MODEL
from bench.run import BenchServer
from bench.server import CONTENT
from bench.worker import IN_FLIGHT

REQUESTS = 1024
CALLS = 200
CHUNKS = 2000


def _ours(limits: httpx.Limits) -> httpx.AsyncBaseTransport | None:
    from solar_api.transports import async_transport

    return async_transport({}, limits)


def _httpx_aiohttp(limits: httpx.Limits) -> httpx.AsyncBaseTransport | None:
    # As the openai SDK's DefaultAioHttpClient builds it: the package's defaults.
    from httpx_aiohttp import AiohttpTransport

    return AiohttpTransport(limits=limits)


def _httpx(limits: httpx.Limits) -> httpx.AsyncBaseTransport | None:
    return None  # httpx.AsyncClient builds its own AsyncHTTPTransport from `limits`


TRANSPORTS: dict[str, Callable[[httpx.Limits], httpx.AsyncBaseTransport | None]] = {
    "ours": _ours,
    "httpx-aiohttp": _httpx_aiohttp,
    "httpx": _httpx,
}


def _client(url: str, transport: httpx.AsyncBaseTransport | None) -> tuple[Any, Any]:
    from solar_api import AsyncSolarClient
    from solar_api._base_client import DEFAULT_LIMITS

    http = httpx.AsyncClient(
        timeout=60.0, limits=DEFAULT_LIMITS, follow_redirects=False, transport=transport
    )
    return AsyncSolarClient(base_url=url, api_key="bench-key", http_client=http), http


async def _in_flight(client: Any) -> tuple[float, float]:
    """Requests per second and client CPU µs per request, 64 in flight."""
    limit = asyncio.Semaphore(IN_FLIGHT)

    async def one() -> str:
        async with limit:
            reply = await client.chat(model=MODEL, messages=MESSAGES)
            return str(reply.choices[0].message.content)

    await asyncio.gather(*[one() for _ in range(IN_FLIGHT)])  # connections made
    started, cpu = time.perf_counter(), time.process_time()
    replies = await asyncio.gather(*[one() for _ in range(REQUESTS)])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert set(replies) == {CONTENT}, set(replies)
    return REQUESTS / elapsed, cpu / REQUESTS * 1e6


async def _call_us(client: Any) -> float:
    await client.chat(model=MODEL, messages=MESSAGES)
    started = time.perf_counter()
    for _ in range(CALLS):
        await client.chat(model=MODEL, messages=MESSAGES)
    return (time.perf_counter() - started) / CALLS * 1e6


async def _chunk_us(client: Any) -> float:
    started = time.perf_counter()
    count = 0
    stream = await client.chat_stream(model=MODEL, messages=MESSAGES, max_tokens=CHUNKS)
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            count += 1
    assert count == CHUNKS, count
    return (time.perf_counter() - started) / CHUNKS * 1e6


# The client's CPU time per request (the server runs in its own process) is the steadier
# measure on a shared machine: waiting for a core shows in wall time, not in CPU time.
COLUMNS = {
    "rps": "rps (64 in flight)",
    "cpu_us": "CPU µs per request (64 in flight)",
    "call_us": "µs per call",
    "chunk_us": "µs per chunk",
}


def measure(
    url: str,
    repeats: int,
    transports: dict[str, Callable[[httpx.Limits], httpx.AsyncBaseTransport | None]],
) -> dict[str, dict[str, list[float]]]:
    from solar_api._base_client import DEFAULT_LIMITS

    loop = asyncio.new_event_loop()
    names = list(transports)
    clients = {name: _client(url, transports[name](DEFAULT_LIMITS)) for name in names}
    values: dict[str, dict[str, list[float]]] = {n: {c: [] for c in COLUMNS} for n in names}
    for repeat in range(repeats):
        order = names[repeat % len(names) :] + names[: repeat % len(names)]
        for name in order:
            client, got = clients[name][0], values[name]
            rps, cpu_us = loop.run_until_complete(_in_flight(client))
            got["rps"].append(rps)
            got["cpu_us"].append(cpu_us)
            got["call_us"].append(loop.run_until_complete(_call_us(client)))
            got["chunk_us"].append(loop.run_until_complete(_chunk_us(client)))
    for _solar, http in clients.values():
        loop.run_until_complete(http.aclose())
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
    return values


def report(values: dict[str, dict[str, list[float]]], reference: str) -> str:
    """Medians ± half the min-max spread; the ratios are CPU per request to `reference`."""
    lines = [
        "| transport | " + " | ".join(COLUMNS.values()) + f" | CPU vs {reference} |",
        "|---" * (len(COLUMNS) + 2) + "|",
    ]
    ref = statistics.median(values[reference]["cpu_us"])
    for name, got in values.items():
        cells = [
            f"{statistics.median(got[c]):,.0f} ± {(max(got[c]) - min(got[c])) / 2:,.0f}"
            for c in COLUMNS
        ]
        ratio = statistics.median(got["cpu_us"]) / ref
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    transports = dict(TRANSPORTS)
    if importlib.util.find_spec("httpx_aiohttp") is None:  # not a dependency of ours
        print("httpx-aiohttp left out: pip install httpx-aiohttp==0.2.0 to compare it")
        del transports["httpx-aiohttp"]
    server = BenchServer(None)
    try:
        values = measure(server.url, args.repeats, transports)
    finally:
        server.stop()
    print(report(values, "ours"))
    print(json.dumps({"repeats": args.repeats, "values": values}))


if __name__ == "__main__":
    main()
