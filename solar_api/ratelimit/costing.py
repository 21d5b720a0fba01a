"""What a request costs in tokens: estimated before it is sent, read from its answer after.

The clients call these around each attempt (`RateLimiter.acquire` takes the estimate,
`RateLimiter.settle` the reported usage); the limiters themselves only ever see numbers,
so this is the one rate-limit module that imports the offline token counter of
``solar_api.tasks.tokens``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from ..tasks.tokens import EstimatedTokens, count_message_tokens
from ..types import Usage

__all__ = ["estimate_tokens", "usage_tokens"]

_COUNTER = EstimatedTokens()


def estimate_tokens(path: str, body: Mapping[str, Any] | None) -> int:
    """Tokens a request may use: its input by the offline counter, plus ``max_tokens``.

    Without ``max_tokens`` only the input is counted up front; the reply's tokens are
    charged when the response reports its usage.
    """
    if not body:
        return 0
    if "messages" in body:
        used = count_message_tokens(_COUNTER, body["messages"])
    elif "prompt" in body:
        prompt = body["prompt"]
        texts = prompt if isinstance(prompt, list) else [prompt]
        used = sum(_COUNTER.count(str(t)) for t in texts)
    elif "input" in body:
        given = body["input"]
        texts = given if isinstance(given, list) else [given]
        used = sum(_COUNTER.count(str(t)) for t in texts)
    else:
        used = 0
    limit = body.get("max_tokens") or body.get("max_completion_tokens") or 0
    return used + int(limit)


class _UsageOnly(BaseModel):
    usage: Usage | None = None


def usage_tokens(response: httpx.Response) -> int | None:
    """The tokens a 2xx response body reports in ``usage`` (None when it reports none)."""
    try:
        usage = _UsageOnly.model_validate_json(response.content).usage
    except ValidationError:
        return None
    if usage is None:
        return None
    return usage.total_tokens or usage.prompt_tokens + usage.completion_tokens
