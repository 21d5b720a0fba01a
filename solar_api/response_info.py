"""What a response's headers say beyond its body.

- ``kept_headers``: the headers worth keeping on a parsed response or stream (the request
  id and every ``x-ratelimit-*``), read back with ``response_headers(completion)``; the
  adapters put them in their metadata (support tickets and client-side throttling need
  them);
- ``response_info``: the request id, and what a gateway reports about the call
  (LiteLLM's ``x-litellm-*``: cost, the model and deployment it routed to, its call id,
  durations).

Example::

    import httpx
    from solar_api.response_info import response_info

    response_info(httpx.Headers({"x-request-id": "r1", "x-litellm-response-cost": "0.5"}))
    # {'request_id': 'r1', 'litellm': {'response_cost': 0.5}}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from .errors import REQUEST_ID_HEADERS

__all__ = ["kept_headers", "request_id_of", "response_headers", "response_info"]


def kept_headers(headers: httpx.Headers | Mapping[str, str]) -> dict[str, str]:
    """The request-id headers and every ``x-ratelimit-*`` header, names lower-cased."""
    return {
        name.lower(): value
        for name, value in headers.items()
        if name.lower() in REQUEST_ID_HEADERS or name.lower().startswith("x-ratelimit-")
    }


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The first request-id header present (names lower-cased)."""
    return next((headers[h] for h in REQUEST_ID_HEADERS if h in headers), None)


def response_headers(parsed: object) -> dict[str, str]:
    """What `kept_headers` kept for a response parsed by a client ({} if none)."""
    kept = getattr(parsed, "_response_headers", None)
    return dict(kept) if isinstance(kept, dict) else {}


_LITELLM = "x-litellm-"
# LiteLLM's numeric headers (costs, spend, durations, counts); the rest stay strings.
_NUMERIC = re.compile(r"cost|spend|duration|timeout|percent|amount|retries|fallbacks")


def _value(name: str, raw: str) -> str | float:
    if _NUMERIC.search(name):
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


def response_info(headers: Mapping[str, str]) -> dict[str, Any]:
    """``request_id`` (when the server sent one) and ``litellm`` (``x-litellm-*`` headers,
    named without the prefix, ``-`` as ``_``; costs and durations as numbers)."""
    info: dict[str, Any] = {}
    lowered = {k.lower(): v for k, v in headers.items()}
    request_id = request_id_of(lowered)
    if request_id:
        info["request_id"] = request_id
    litellm = {
        name[len(_LITELLM) :].replace("-", "_"): _value(name, value)
        for name, value in lowered.items()
        if name.startswith(_LITELLM)
    }
    if litellm:
        info["litellm"] = litellm
    return info
