"""What a response's headers say beyond its body: the request id, and what a gateway
reports about the call (LiteLLM's ``x-litellm-*``: cost, the model and deployment it
routed to, its call id, durations).

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

from .errors import REQUEST_ID_HEADERS

__all__ = ["response_info"]

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
    request_id = next((lowered[h] for h in REQUEST_ID_HEADERS if h in lowered), None)
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
