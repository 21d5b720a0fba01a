"""The benchmark's Markdown: one table of measures, one of targets, one of shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.clients import CLIENTS
from bench.targets import adapter_shares

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _cell(result: dict[str, Any], key: str, base: dict[str, Any] | None, digits: int = 0) -> str:
    value = result.get(key)
    if not isinstance(value, dict):
        return "n/a"
    median = value["median"]
    spread = (value["max"] - value["min"]) / 2 / median * 100 if median else 0.0
    text = f"{median:,.{digits}f} ±{spread:.0f}%"
    reference = (base or {}).get(key)
    if isinstance(reference, dict) and reference["median"]:
        text += f" ({median / reference['median']:.2f}×)"  # noqa: RUF001
    return text


def markdown(report: dict[str, Any]) -> str:
    results = report["clients"]
    base = results.get("httpx")
    lines = [
        f"Run {report['date']} ({report['mode']} mode) on {report['machine']}; server and "
        f"client pinned to cores {report['pinned']['server_core']} and "
        f"{report['pinned']['client_core']}. Medians over rounds, ± half the min-max "
        "spread, (×) the ratio to raw httpx. "  # noqa: RUF001
        "Per call: all clients in one process, taking turns round by round; the other "
        "columns: one process per client, 4 passes pooled in full mode.",
        "",
        "| client | per call µs | per call µs, no network | async req/s, 64 in flight "
        "| µs/chunk, 5,000-chunk stream | µs/chunk, 200 short streams | tool round trip µs "
        "| import ms | peak RSS MB | requests: ok / 503 / 401 | server CPU |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name, result in results.items():
        label = f"{name} ({CLIENTS[name][2]})"
        if "unavailable" in result:
            lines.append(f"| {label} | not installed |" + " |" * 10)
            continue
        retries = result.get("retries")
        requests = (
            f"{result['requests_per_call']:g} / {retries['bench-503']} / {retries['bench-401']}"
            if retries
            else "n/a"
        )
        utilization = [
            result[k]["server_utilization"]
            for k in ("call_us", "async_rps", "stream_long_us_per_chunk")
            if isinstance(result.get(k), dict)
        ]
        lines.append(
            "| "
            + " | ".join(
                [
                    label,
                    _cell(result, "call_us", base),
                    _cell(result, "call_us_no_network", base),
                    _cell(result, "async_rps", base),
                    _cell(result, "stream_long_us_per_chunk", base, 1),
                    _cell(result, "stream_short_us_per_chunk", base, 1),
                    _cell(result, "tool_us", base),
                    _cell(result, "import_ms", None),
                    f"{result['peak_rss_mb']:.0f}",
                    requests,
                    f"≤{max(utilization) * 100:.0f}%" if utilization else "n/a",
                ]
            )
            + " |"
        )
    lines += ["", "| target | value | limit | met |", "|---|--:|--:|:-:|"]
    for row in report["targets"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[row["met"]]
        value = "" if row["value"] is None else f"{row['value']:g} {row['unit']}"
        limit = "" if row["limit"] is None else f"{row['limit']:g}"
        if row["value"] is None and row["limit"] is None:
            value = row["unit"]
        lines.append(f"| {row['target']} | {value} | {limit} | {met} |")
    shares = adapter_shares(results)
    if shares:
        lines += [
            "",
            "Where the adapters' time goes (µs; the core is solar_api, the floor is the "
            "framework with no I/O, the rest is the adapter's own mapping):",
            "",
            "| adapter | measure | total | core | framework floor | adapter's own |",
            "|---|---|--:|--:|--:|--:|",
        ]
        for s in shares:
            lines.append(
                f"| {s['adapter']} | {s['measure']} | {s['total']:,.1f} | {s['core']:,.1f} "
                f"| {s['framework_floor']:,.1f} | {s['adapter_own']:,.1f} |"
            )
    return "\n".join(lines)


def update_readme(path: Path, table: str, start: str = START, end: str = END) -> None:
    """Replace what stands between the `start` and `end` markers of `path` with `table`."""
    text = path.read_text()
    if start not in text or end not in text:
        raise ValueError(f"{path}: no {start} ... {end} block to replace")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{start}\n{table}\n{end}{tail}")
