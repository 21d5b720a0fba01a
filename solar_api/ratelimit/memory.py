"""`InMemoryRateLimiter`: the budget of one process, kept by `limits`' memory storage."""

from __future__ import annotations

import threading
import time
from typing import Any

from .base import RateLimiter

__all__ = ["InMemoryRateLimiter"]


class InMemoryRateLimiter(RateLimiter):
    """The budget of one process (its threads and event loops share it).

    Example::

        from solar_api import SolarClient
        from solar_api.ratelimit import InMemoryRateLimiter

        limiter = InMemoryRateLimiter(requests_per_minute=100, tokens_per_minute=100_000)
        client = SolarClient(base_url="http://127.0.0.1:8080/v1", rate_limiter=limiter)

    A pickled copy (a worker process) starts with a budget of its own: use
    `RedisRateLimiter` to share one budget across processes.
    """

    def _reset(self) -> None:
        super()._reset()
        self._memory: Any = None
        self._until = 0.0  # time.monotonic() at which the cool-down ends
        self._lock = threading.Lock()

    def _make_storage(self) -> Any:
        from limits.storage import MemoryStorage

        if self._memory is None:
            self._memory = MemoryStorage()
        return self._memory

    def _cooldown_left(self) -> float:
        return max(0.0, self._until - time.monotonic())

    def _extend_cooldown(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, time.monotonic() + seconds)

    def __getstate__(self) -> dict[str, Any]:
        return {
            "requests_per_minute": self.requests_per_minute,
            "tokens_per_minute": self.tokens_per_minute,
            "namespace": self.namespace,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()
