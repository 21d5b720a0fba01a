"""The one retry policy. Adapters never retry on their own: this is the only loop.

Retried: connection errors, timeouts, 408, 409, 429 and 5xx. Never: any other 4xx, and
never a stream after its first byte has arrived. The wait is exponential with jitter,
unless the server said how long to wait (``retry-after-ms``, ``Retry-After`` as seconds
or an HTTP date), which is honoured up to `max_retry_after` seconds. A server that asks
for longer is not retried behind the caller's back: the error is raised at once and
carries the server's value (``retry_after``); raise `max_retry_after` to wait it out.
A shared rate limiter's cool-down takes the server's value as given, so every worker
holds off as long as the server asked.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

__all__ = ["RETRYABLE_STATUS", "RetryPolicy"]

RETRYABLE_STATUS = frozenset({408, 409, 429})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ValueError(f"max_retries: got {self.max_retries!r}; expected an integer >= 0")

    @staticmethod
    def is_retryable_status(status: int) -> bool:
        return status in RETRYABLE_STATUS or status >= 500

    def delay(self, retry_index: int, headers: httpx.Headers | None = None) -> float:
        """Seconds to wait before retry number `retry_index` (0 for the first retry)."""
        told = _server_delay(headers) if headers is not None else None
        if told is not None and 0 <= told <= self.max_retry_after:
            return told
        base = min(self.initial_delay * 2.0**retry_index, self.max_delay)
        return base * (1 - self.jitter * random.random())

    @staticmethod
    def server_delay(headers: httpx.Headers) -> float | None:
        """How long the server asked to wait (``retry-after-ms`` or ``Retry-After``)."""
        return _server_delay(headers)

    def over_cap(self, headers: httpx.Headers) -> float | None:
        """The server's wait when it is longer than `max_retry_after` (not retried)."""
        told = _server_delay(headers)
        return told if told is not None and told > self.max_retry_after else None

    def cool_down(self, retry_index: int, headers: httpx.Headers) -> float:
        """A shared limiter's cool-down after a 429: the server's value, uncapped."""
        told = _server_delay(headers)
        return told if told is not None and told >= 0 else self.delay(retry_index, headers)


def _server_delay(headers: httpx.Headers) -> float | None:
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
