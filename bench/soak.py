"""Soak: resident memory and open file descriptors over many calls, sync and async.

Runs `--calls` chat calls (half of them streamed) through `SolarClient` and then
`AsyncSolarClient` (50 at a time) against the loopback server (bench/server.py), and
prints RSS and fd counts at the start, after a warm-up of 1,000 calls and at the end.
A leak shows as growth after the warm-up; the issue that asked for it (26) reported the
numbers. Run: ``python -m bench.soak --calls 20000``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time

from solar_api import AsyncSolarClient, SolarClient

USER = [{"role": "user", "content": "Hi"}]


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _sample(label: str, started: float) -> dict[str, float]:
    row = {
        "rss_mib": round(_rss_mib(), 1),
        "fds": _fds(),
        "s": round(time.perf_counter() - started, 1),
    }
    print(f"{label:>24}: {row}", flush=True)
    return row


def _sync(url: str, calls: int) -> None:
    started = time.perf_counter()
    _sample("sync start", started)
    with SolarClient(base_url=url, max_retries=0) as client:
        for i in range(calls):
            if i % 2:
                with client.chat_stream(model="m", messages=USER, max_tokens=8) as stream:
                    for _ in stream:
                        pass
            else:
                client.chat(model="m", messages=USER)
            if i + 1 == min(1000, calls):
                _sample("sync after 1,000", started)
    _sample(f"sync after {calls:,}", started)


async def _async(url: str, calls: int) -> None:
    started = time.perf_counter()
    _sample("async start", started)
    client = AsyncSolarClient(base_url=url, max_retries=0)
    limit = asyncio.Semaphore(50)

    async def one(i: int) -> None:
        async with limit:
            if i % 2:
                stream = await client.chat_stream(model="m", messages=USER, max_tokens=8)
                async with stream:
                    async for _ in stream:
                        pass
            else:
                await client.chat(model="m", messages=USER)

    # In rounds of 1,000 (50 at a time), so what is measured is the client, not a list of
    # 20,000 pending tasks.
    for done in range(0, calls, 1000):
        await asyncio.gather(*(one(i) for i in range(done, min(calls, done + 1000))))
        if done == 0:
            _sample("async after 1,000", started)
    _sample(f"async after {calls:,}", started)
    await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        url = f"http://127.0.0.1:{port}/v1"
        _sync(url, args.calls)
        asyncio.run(_async(url, args.calls))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
