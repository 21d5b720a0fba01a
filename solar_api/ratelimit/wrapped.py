"""The solar_api limiter in an adapter's ``rate_limiter``, given as is or wrapped.

A framework whose models already have a ``rate_limiter`` field for its own limiter type
(langchain-core's ``BaseChatModel`` does) takes ours wrapped in a type of its own, which
limits nothing itself and exposes ours as ``.limiter``; the clients then do the limiting
(langchain_solar's ``ClientSideRateLimit`` is such a wrapper). Only that attribute is
read here, so the core imports no framework.
"""

from __future__ import annotations

from .base import RateLimiter

__all__ = ["solar_rate_limiter"]


def solar_rate_limiter(value: object) -> RateLimiter | None:
    """The solar_api limiter in `value`: itself, or a wrapper's ``.limiter`` (None for a
    framework's own limiter, which the framework applies itself)."""
    if isinstance(value, RateLimiter):
        return value
    inner = getattr(value, "limiter", None)
    return inner if isinstance(inner, RateLimiter) else None
