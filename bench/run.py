"""The benchmark: every client against one loopback server, in one run.

    python -m bench.run            # full run (make bench), about 7 minutes
    python -m bench.run --quick    # under 2 minutes
    python -m bench.run --smoke    # seconds; the test suite runs this

The server is pinned to one core and each client process to the other, so they do not
compete; the server's CPU share is printed (well under 100% means the client is the
bottleneck, as intended). Results go to bench/results/ (JSON and Markdown); --readme
writes the table into README.md.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.clients import CLIENTS
from bench.targets import evaluate
from bench.worker import summary

ROOT = Path(__file__).resolve().parent.parent
IMPORT_RUNS = {"smoke": 1, "quick": 3, "full": 11}
PASSES = {"smoke": 1, "quick": 1, "full": 4}


def _pooled(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Rounds from two passes as one sample: median, spread and server load recomputed."""
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and "values" in value and key in old:
            values = old[key]["values"] + value["values"]
            merged[key] = {
                **value,
                **summary(values),
                "server_utilization": max(
                    old[key]["server_utilization"], value["server_utilization"]
                ),
            }
    return merged


def _cores() -> tuple[int | None, int | None]:
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None, None
    return cores[0], cores[1]


class BenchServer:
    def __init__(self, core: int | None) -> None:
        args = [sys.executable, "-m", "bench.server"] + ([str(core)] if core is not None else [])
        self.process = subprocess.Popen(
            args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}/v1"

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _worker(name: str, url: str, mode: str, first_pass: bool, core: int | None) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.worker", name, url, mode, "1" if first_pass else "0"]
    args.append("-" if core is None else str(core))
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        if "ModuleNotFoundError" in last or "ImportError" in last:
            return {"client": name, "unavailable": last}
        raise RuntimeError(f"{name} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _interleaved(names: list[str], url: str, mode: str, core: int | None) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.worker", "--interleaved", ",".join(names), url, mode]
    args.append("-" if core is None else str(core))
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"interleaved calls failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _import_ms(statement: str, core: int | None) -> float | None:
    """One cold import of ``statement`` in a fresh interpreter, in milliseconds."""
    code = (
        "import time; t = time.perf_counter()\n"
        f"{statement}\n"
        "print((time.perf_counter() - t) * 1000)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=None if core is None else lambda: os.sched_setaffinity(0, {core}),
    )
    return float(done.stdout.strip()) if done.returncode == 0 else None


def _bytecode() -> None:
    # Installed packages are imported from bytecode that pip compiled; this checkout may
    # have none (PYTHONDONTWRITEBYTECODE), and compiling our sources on every cold
    # import would be measured against the others' precompiled ones.
    for package in ("solar_api", "langchain_solar", "llama_index_solar", "bench"):
        compileall.compile_dir(str(ROOT / package), quiet=1)


def _imports(names: list[str], runs: int, core: int | None) -> dict[str, Any]:
    """Cold import times, the clients interleaved round by round so drift hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(runs):
        for name in names:
            value = _import_ms(CLIENTS[name][0].imports, core)  # type: ignore[attr-defined]
            if value is not None:
                samples[name].append(value)
    return {name: summary(v) for name, v in samples.items() if v}


def run(mode: str, names: list[str]) -> dict[str, Any]:
    server_core, client_core = _cores()
    _bytecode()
    server = BenchServer(server_core)
    results: dict[str, Any] = {}
    try:
        # Passes: every client once per pass, so a slow spell on a shared machine lands
        # on all clients alike instead of on whichever ran during it.
        for index in range(PASSES[mode]):
            for name in names:
                if "unavailable" in results.get(name, {}):
                    continue
                print(f"  pass {index + 1}: {name} ...", file=sys.stderr, flush=True)
                result = _worker(name, server.url, mode, index == 0, client_core)
                results[name] = _pooled(results[name], result) if index else result
        available = [name for name in names if "unavailable" not in results[name]]
        print("  per call, interleaved ...", file=sys.stderr, flush=True)
        for name, value in _interleaved(available, server.url, mode, client_core).items():
            results[name]["call_us_separate"] = results[name]["call_us"]
            results[name]["call_us"] = value
    finally:
        server.stop()
    print("  cold imports ...", file=sys.stderr, flush=True)
    for name, value in _imports(available, IMPORT_RUNS[mode], client_core).items():
        results[name]["import_ms"] = value
    return {
        "date": dt.date.today().isoformat(),
        "mode": mode,
        "machine": _machine(),
        "pinned": {"server_core": server_core, "client_core": client_core},
        "clients": results,
        "targets": evaluate(results),
    }


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_const", const="quick", dest="mode")
    group.add_argument("--smoke", action="store_const", const="smoke", dest="mode")
    parser.add_argument("--clients", help="comma-separated subset of: " + ", ".join(CLIENTS))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    mode = args.mode or "full"
    names = args.clients.split(",") if args.clients else list(CLIENTS)
    unknown = [n for n in names if n not in CLIENTS]
    if unknown:
        parser.error(f"--clients: unknown {', '.join(unknown)}; choose from {', '.join(CLIENTS)}")

    from bench.report import markdown, update_readme

    report = run(mode, names)
    table = markdown(report)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{mode}.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / f"{mode}.md").write_text(table + "\n")
    if args.readme:
        update_readme(ROOT / "README.md", table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
