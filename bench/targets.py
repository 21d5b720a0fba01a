"""The issue's targets, checked against one run's medians."""

from __future__ import annotations

from typing import Any

LANGCHAIN_ANCHORS = ("ChatOpenAI", "ChatUpstage", "OpenAILike")
ADAPTERS = {"ChatSolar": "lc-floor", "Solar": "li-floor"}
OURS = ("solar_api", "ChatSolar", "Solar")


def _median(results: dict[str, Any], client: str, key: str) -> float | None:
    value = results.get(client, {}).get(key)
    if isinstance(value, dict):
        return float(value["median"])
    return None


def _row(
    target: str, value: float | None, limit: float | None, ok: bool | None, unit: str
) -> dict[str, Any]:
    return {
        "target": target,
        "value": None if value is None else round(value, 3),
        "limit": None if limit is None else round(limit, 3),
        "unit": unit,
        "met": ok,
    }


def _at_most(target: str, value: float | None, limit: float | None, unit: str) -> dict[str, Any]:
    ok = None if value is None or limit is None else value <= limit
    return _row(target, value, limit, ok, unit)


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    raw = {k: _median(results, "httpx", k) for k in _KEYS}

    def ratio(client: str, key: str) -> float | None:
        mine, base = _median(results, client, key), raw[key]
        return None if mine is None or not base else mine / base

    rows.append(
        _at_most("solar_api per call vs raw httpx", ratio("solar_api", "call_us"), 1.15, "x")
    )
    for key, label in _STREAMS.items():
        rows.append(
            _at_most(
                f"solar_api stream chunk vs raw httpx ({label})", ratio("solar_api", key), 1.3, "x"
            )
        )
    for adapter in ADAPTERS:
        measures = {"call_us": "per call", "call_us_no_network": "per call, no network"}
        for key, label in {**measures, **_STREAMS}.items():
            anchors = [_median(results, a, key) for a in LANGCHAIN_ANCHORS]
            known = [a for a in anchors if a is not None]
            best = min(known) if known else None
            mine = _median(results, adapter, key)
            value = None if mine is None or best is None else mine / best
            what = label if key in measures else f"stream chunk, {label}"
            rows.append(_at_most(f"{adapter} {what} vs best framework anchor", value, 0.5, "x"))
    rps, base_rps = _median(results, "solar_api", "async_rps"), raw["async_rps"]
    value = None if rps is None or not base_rps else rps / base_rps
    rows.append(
        _row(
            "solar_api async req/s (64 in flight) vs raw httpx default",
            value,
            2.0,
            None if value is None else value >= 2.0,
            "x (at least)",
        )
    )
    rows.append(_at_most("import solar_api", _median(results, "solar_api", "import_ms"), 150, "ms"))
    for adapter, floor in ADAPTERS.items():
        floor_ms = _median(results, floor, "import_ms")
        rows.append(
            _at_most(
                f"import {adapter} vs its framework's floor + 100 ms",
                _median(results, adapter, "import_ms"),
                None if floor_ms is None else floor_ms + 100,
                "ms",
            )
        )
    for client in OURS:
        result = results.get(client)
        if not result or "unavailable" in result:
            continue
        retries = result.get("retries", {})
        counts = (
            result.get("requests_per_call"),
            retries.get("bench-503"),
            retries.get("bench-401"),
        )
        ok = counts == (1.0, 3, 1)
        rows.append(
            _row(
                f"{client} requests: ok / 503 with max_retries=2 / 401",
                None,
                None,
                ok,
                "{} / {} / {} (expected 1 / 3 / 1)".format(*counts),
            )
        )
    return rows


def adapter_shares(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Where an adapter's time goes: the core client, the framework's floor, the rest."""
    shares = []
    for adapter, floor in ADAPTERS.items():
        for key in ("call_us", "call_us_no_network", *_STREAMS):
            total = _median(results, adapter, key)
            core = _median(results, "solar_api", key)
            framework = _median(results, floor, key)
            if None in (total, core, framework):
                continue
            assert total is not None and core is not None and framework is not None
            shares.append(
                {
                    "adapter": adapter,
                    "measure": key,
                    "total": total,
                    "core": core,
                    "framework_floor": framework,
                    "adapter_own": total - core - framework,
                }
            )
    return shares


_STREAMS = {
    "stream_long_us_per_chunk": "one 5,000-chunk stream",
    "stream_short_us_per_chunk": "200 short streams",
}
_KEYS = ("call_us", "async_rps", *_STREAMS)
