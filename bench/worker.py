"""Runs one client through every scenario in its own process; prints one JSON line.

``python -m bench.worker CLIENT URL MODE FIRST_PASS(1|0) CORE(-|n)`` (the runner starts it).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from bench.clients import CLIENTS, Client
from bench.server import CONTENT

# Rounds and sizes per mode: (rounds, per-round count).
SIZES = {
    "quick": {
        "rss": 1000,
        "call": (3, 100),
        "async": (2, 512),
        "stream_long": (2, 5000),
        "stream_short": (2, 200),
        "tool": (3, 20),
    },
    "full": {
        "rss": 1000,
        # Per pass; the runner makes 4 passes and pools their rounds.
        "call": (3, 300),
        "async": (2, 1024),
        "stream_long": (2, 5000),
        "stream_short": (2, 200),
        "tool": (2, 100),
    },
    # For the test suite: proves every path runs, measures nothing worth reading.
    "smoke": {
        "rss": 20,
        "call": (1, 10),
        "async": (1, 64),
        "stream_long": (1, 200),
        "stream_short": (1, 5),
        "tool": (1, 2),
    },
}
SHORT = 20  # chunks in each of the short streams
IN_FLIGHT = 64


class Server:
    def __init__(self, url: str) -> None:
        self.stats_url = url.rsplit("/v1", 1)[0] + "/stats"

    def _stats(self, method: str) -> dict[str, float]:
        request = urllib.request.Request(
            self.stats_url, method=method, data=b"" if method == "POST" else None
        )
        with urllib.request.urlopen(request) as reply:
            return dict(json.load(reply))

    def reset(self) -> None:
        self._stats("POST")

    def read(self) -> dict[str, float]:
        return self._stats("GET")


def summary(values: list[float]) -> dict[str, Any]:
    # The rounds themselves go along, so the runner can pool them across passes.
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "values": values,
    }


class Measured:
    """Times rounds of one scenario and watches the server while it runs."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def rounds(self, rounds: int, one_round: Callable[[], float]) -> dict[str, Any]:
        values: list[float] = []
        self.server.reset()
        started = time.perf_counter()
        for _ in range(rounds):
            values.append(one_round())
        wall = time.perf_counter() - started
        stats = self.server.read()
        result = summary(values)
        result["server_utilization"] = stats["cpu"] / wall if wall else 0.0
        result["requests"] = stats["requests"]
        return result


def _in_memory_http() -> Any:
    import httpx

    from bench.server import CHAT

    body = CHAT.split(b"\r\n\r\n", 1)[1]
    headers = {"content-type": "application/json"}
    return httpx.Client(
        transport=httpx.MockTransport(
            lambda request: httpx.Response(200, headers=headers, content=body)
        )
    )


def _us_per_call(call: Callable[[], Any], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - started) / count * 1e6


def _check(what: str, got: Any, expected: Any) -> None:
    if got != expected:
        raise AssertionError(f"{what}: got {got!r}, expected {expected!r}")


def run(name: str, url: str, mode: str, first_pass: bool = True) -> dict[str, Any]:
    """One pass over the scenarios; RSS and retry counts only on a client's first pass."""
    make = CLIENTS[name][0]
    sizes = SIZES[mode]
    server = Server(url)
    measured = Measured(server)
    client: Client = make(url)
    out: dict[str, Any] = {"client": name}
    floor = name.endswith("-floor")

    # Peak RSS first: ru_maxrss never goes down, so nothing else may run before it.
    for _ in range(sizes["rss"] if first_pass else 50):
        _check("call", client.call(), CONTENT)
    if first_pass:
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rounds, count = sizes["call"]

    out["call_us"] = measured.rounds(rounds, lambda: _us_per_call(client.call, count))
    if not floor:
        out["requests_per_call"] = out["call_us"]["requests"] / (rounds * count)

    # The same calls with no network at all: an in-memory transport answers, so what is
    # left is each client's own CPU cost, free of loopback and scheduler noise.
    if not floor:
        offline: Client = make(url, http=_in_memory_http())
        for _ in range(50):
            _check("call", offline.call(), CONTENT)
        out["call_us_no_network"] = measured.rounds(
            rounds, lambda: _us_per_call(offline.call, count)
        )
        offline.close()
    else:
        out["call_us_no_network"] = out["call_us"]

    rounds, count = sizes["async"]

    async def in_flight() -> float:
        limit = asyncio.Semaphore(IN_FLIGHT)

        async def one() -> str:
            async with limit:
                return await client.acall()

        await asyncio.gather(*[one() for _ in range(IN_FLIGHT)])  # connections made
        started = time.perf_counter()
        replies = await asyncio.gather(*[one() for _ in range(count)])
        elapsed = time.perf_counter() - started
        _check("async replies", set(replies), {CONTENT})
        return count / elapsed

    loop = asyncio.new_event_loop()
    out["async_rps"] = measured.rounds(rounds, lambda: loop.run_until_complete(in_flight()))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()

    rounds, chunks = sizes["stream_long"]

    def long_stream() -> float:
        started = time.perf_counter()
        _check("chunks", client.stream(chunks), chunks)
        return (time.perf_counter() - started) / chunks * 1e6

    client.stream(SHORT)  # warm
    out["stream_long_us_per_chunk"] = measured.rounds(rounds, long_stream)

    rounds, streams = sizes["stream_short"]

    def short_streams() -> float:
        started = time.perf_counter()
        for _ in range(streams):
            _check("chunks", client.stream(SHORT), SHORT)
        return (time.perf_counter() - started) / (streams * SHORT) * 1e6

    out["stream_short_us_per_chunk"] = measured.rounds(rounds, short_streams)

    rounds, count = sizes["tool"]

    def tools() -> float:
        started = time.perf_counter()
        for _ in range(count):
            _check("tool round trip", client.tool(), CONTENT)
        return (time.perf_counter() - started) / count * 1e6

    try:
        out["tool_us"] = measured.rounds(rounds, tools)
        out["tool_requests"] = out["tool_us"]["requests"] / (rounds * count)
    except NotImplementedError:
        pass
    client.close()

    if first_pass and not floor and name != "httpx":
        out["retries"] = _retries(make, url, server)
    gc.collect()
    return out


def _retries(make: Callable[..., Client], url: str, server: Server) -> dict[str, int]:
    """Requests one call makes on a 503 (max_retries=2) and on a 401."""
    counts = {}
    for model in ("bench-503", "bench-401"):
        client = make(url, model=model, max_retries=2)
        server.reset()
        try:
            client.call()
        except Exception:  # each client raises its own type; only the count matters here
            pass
        else:
            raise AssertionError(f"{model}: the call succeeded")
        counts[model] = int(server.read()["requests"])
    return counts


# Rounds of `count` calls per client in the interleaved measurement.
INTERLEAVED = {"smoke": (2, 5), "quick": (9, 50), "full": (31, 100)}


def interleaved(names: list[str], url: str, mode: str) -> dict[str, Any]:
    """Per-call time of every client, measured in one process, round by round.

    The clients take turns (the order rotating every round), so a slow spell on a shared
    machine lands on all of them instead of on whichever had the machine then: the
    ratios between clients are what the targets compare.
    """
    clients: dict[str, Client] = {}
    for name in names:
        try:
            clients[name] = CLIENTS[name][0](url)
        except ImportError:
            continue
        for _ in range(100):
            _check("call", clients[name].call(), CONTENT)
    rounds, count = INTERLEAVED[mode]
    samples: dict[str, list[float]] = {name: [] for name in clients}
    order = list(clients)
    server = Server(url)
    server.reset()
    started = time.perf_counter()
    for index in range(rounds):
        turn = order[index % len(order) :] + order[: index % len(order)]
        for name in turn:
            samples[name].append(_us_per_call(clients[name].call, count))
    utilization = server.read()["cpu"] / (time.perf_counter() - started)
    return {
        name: {**summary(values), "server_utilization": utilization}
        for name, values in samples.items()
    }


def main() -> None:
    if sys.argv[1] == "--interleaved":
        names, url, mode, core = sys.argv[2].split(","), sys.argv[3], sys.argv[4], sys.argv[5]
        if core != "-":
            os.sched_setaffinity(0, {int(core)})
        print(json.dumps(interleaved(names, url, mode)))
        return
    name, url, mode, first_pass, core = sys.argv[1:6]
    if core != "-":
        os.sched_setaffinity(0, {int(core)})
    print(json.dumps(run(name, url, mode, first_pass == "1")))


if __name__ == "__main__":
    main()
