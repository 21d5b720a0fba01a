"""The benchmark runs end to end and reports (smoke mode: no timing is asserted).

Every client it can import is driven through every scenario against the bench server,
which the runner starts on 127.0.0.1 and stops; each scenario checks the answers it gets,
so a client that silently did less would fail here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.bench]  # a subprocess running bench.run

ROOT = Path(__file__).resolve().parents[2]
OURS = ["httpx", "solar_api", "ChatSolar", "Solar", "lc-floor", "li-floor"]
SCENARIOS = [
    "call_us",
    "call_us_no_network",
    "async_rps",
    "stream_long_us_per_chunk",
    "stream_short_us_per_chunk",
    "import_ms",
]


def test_the_benchmark_runs_and_reports(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--smoke",
            "--clients",
            ",".join(OURS),
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "smoke.json").read_text())
    assert list(report["clients"]) == OURS
    for name, result in report["clients"].items():
        for scenario in SCENARIOS:
            assert result[scenario]["median"] > 0, (name, scenario)
        assert result["peak_rss_mb"] > 0
    for name in ("solar_api", "ChatSolar", "Solar"):
        # Exact request counts are a target, and these hold on any machine.
        result = report["clients"][name]
        assert result["requests_per_call"] == 1
        assert result["retries"] == {"bench-503": 3, "bench-401": 1}
        assert result["tool_requests"] == 2
    targets = {row["target"]: row for row in report["targets"]}
    assert "solar_api per call vs raw httpx" in targets
    assert targets["solar_api requests: ok / 503 with max_retries=2 / 401"]["met"] is True
    table = (tmp_path / "smoke.md").read_text()
    assert "| solar_api (" in table and "| target |" in table
