"""Scaling out: 1, 2 and 4 worker processes against a server's rate limit, with and without
the shared `RedisRateLimiter`.

Each worker is a separate process with its own `SolarEmbeddings` (the package's class,
pickled into the worker as a user's pool would), embedding one text per request. The
server (bench/limited_server.py, loopback) answers 429 above `--rps` requests a second;
Redis is a redis-server started here on a free port. Measured: items per second from the
moment every worker is ready (process start-up excluded), the share of requests refused
with 429, and items that failed after the retries.

Run: ``python -m bench.scale`` (``make bench-scale``); ``--readme`` writes the table into
README.md's "Scaling out" section, results go to bench/results/scale.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
START, END = "<!-- scale:start -->", "<!-- scale:end -->"


def _worker(args: tuple[Any, Any, int]) -> tuple[int, int]:
    embeddings, barrier, items = args
    from solar_api import SolarError

    barrier.wait()
    done = failed = 0
    for i in range(items):
        try:
            embeddings.embed_documents([f"document {os.getpid()}-{i}"])
            done += 1
        except SolarError:
            failed += 1
    return done, failed


def _redis() -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed: `make setup` installs it")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    proc = subprocess.Popen([*args, "--appendonly", "no"], stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def run(rps: int, items: int, workers_list: list[int]) -> list[dict[str, Any]]:
    from bench.limited_server import LimitedServer
    from langchain_solar import SolarEmbeddings
    from solar_api.ratelimit import RedisRateLimiter

    proc, url = _redis()
    rows = []
    ctx = mp.get_context("spawn")
    manager = ctx.Manager()
    try:
        for shared in (False, True):
            for workers in workers_list:
                with LimitedServer(rps) as server:
                    limiter = (
                        RedisRateLimiter(
                            url, requests_per_minute=rps * 60, namespace=f"bench-{workers}"
                        )
                        if shared
                        else None
                    )
                    embeddings = SolarEmbeddings(
                        base_url=server.base_url,
                        provider="openai_compatible",
                        model="embedding",
                        max_retries=10,
                        rate_limiter=limiter,
                    )
                    barrier = manager.Barrier(workers + 1)
                    with ctx.Pool(workers) as pool:
                        pending = pool.map_async(_worker, [(embeddings, barrier, items)] * workers)
                        barrier.wait()
                        started = time.perf_counter()
                        results = pending.get()
                        elapsed = time.perf_counter() - started
                    stats = server.stats()
                done = sum(d for d, _ in results)
                sent = stats["accepted"] + stats["refused"]
                rows.append(
                    {
                        "workers": workers,
                        "shared_limiter": shared,
                        "items": workers * items,
                        "done": done,
                        "failed": sum(f for _, f in results),
                        "seconds": round(elapsed, 2),
                        "items_per_s": round(done / elapsed, 1),
                        "requests": sent,
                        "refused_429": stats["refused"],
                        "refused_share": round(stats["refused"] / sent, 4) if sent else 0.0,
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    finally:
        manager.shutdown()
        proc.terminate()
        proc.wait()
    return rows


def markdown(rows: list[dict[str, Any]], rps: int) -> str:
    lines = [
        f"Server limit: {rps} requests/s (429 with `Retry-After: 1` above it); each worker a "
        "process embedding one text per request, `max_retries=10`. Machine: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, shared with other "
        "jobs while it ran (so the throughput numbers are noisy; the 429 counts are not).",
        "",
        "| workers | shared limiter | items done / failed | items/s | requests | 429s "
        "| 429 share |",
        "| ---: | :---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['workers']} | {'yes' if r['shared_limiter'] else 'no'} | "
            f"{r['done']} / {r['failed']} | {r['items_per_s']} | {r['requests']} | "
            f"{r['refused_429']} | {100 * r['refused_share']:.1f}% |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rps", type=int, default=20, help="the server's limit")
    parser.add_argument("--items", type=int, default=60, help="items per worker")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args()
    rows = run(args.rps, args.items, [int(w) for w in args.workers.split(",")])
    table = markdown(rows, args.rps)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(rows, indent=2) + "\n")
    (RESULTS / "scale.md").write_text(table + "\n")
    print(table)
    if args.readme:
        from bench.report import update_readme

        update_readme(ROOT / "README.md", table, START, END)


if __name__ == "__main__":
    main()
