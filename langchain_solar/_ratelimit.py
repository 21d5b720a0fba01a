"""ChatSolar's ``rate_limiter`` takes both kinds of limiter.

``BaseChatModel`` already has a ``rate_limiter`` field for langchain-core's own
``BaseRateLimiter`` (per process, one permit per model call), and calls it before each
call. A ``solar_api.ratelimit`` limiter (token-aware, shared through Redis, per HTTP
attempt, with the 429 cool-down) works inside the clients instead, so ChatSolar wraps it
in `ClientSideRateLimit`: langchain-core's call then returns at once, and the clients do
the waiting. ``chat.rate_limiter.limiter`` is the limiter that was given: the attribute
`solar_api.ratelimit.solar_rate_limiter` reads when the clients are built, so the core
needs no LangChain type to find it.
"""

from __future__ import annotations

from typing import Any

from langchain_core.rate_limiters import BaseRateLimiter

from solar_api.ratelimit import RateLimiter

__all__ = ["ClientSideRateLimit", "wrap_solar_limiter"]


class ClientSideRateLimit(BaseRateLimiter):
    """A ``solar_api`` limiter seen by langchain-core: the clients do the limiting."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    def acquire(self, *, blocking: bool = True) -> bool:
        return True  # each HTTP attempt takes its request and tokens in the client

    async def aacquire(self, *, blocking: bool = True) -> bool:
        return True

    def __repr__(self) -> str:
        return f"ClientSideRateLimit({self.limiter!r})"


def wrap_solar_limiter(values: Any) -> Any:
    """A model validator's input with a ``solar_api`` limiter wrapped for BaseChatModel."""
    if isinstance(values, dict) and isinstance(values.get("rate_limiter"), RateLimiter):
        values = {**values, "rate_limiter": ClientSideRateLimit(values["rate_limiter"])}
    return values
