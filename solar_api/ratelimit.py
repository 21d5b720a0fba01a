"""Request- and token-aware rate limits, per process or shared by every process through Redis.

The counting is the `limits` library's (pip install "solar-integrations[redis]"): requests
on a moving window, tokens on a sliding-window counter (one counter per window, so a
budget of a million tokens costs Redis two integers, not a million entries). What this
module adds is the policy around it:

- Before each attempt a client takes one request and the request's estimated tokens
  (`estimate_tokens`: the offline counter of `solar_api.tasks.tokens` plus ``max_tokens``),
  waiting until both fit. After a response it settles: the tokens the server reports in
  ``usage`` replace the estimate (the difference is given back, or charged). A stream
  reports no usage to the client before its end, so a stream keeps its estimate.
- A per-minute request limit is also enforced per second, the way servers quantize a
  minute's budget, so a fresh minute is not spent in one burst: at most
  ``ceil(0.9 * rpm / 60)`` requests start in any second (the tenth held back absorbs the
  network's jitter between taking a slot and reaching the server).
- A 429 puts the whole namespace into a cool-down (the server's ``Retry-After``, else the
  retry policy's back-off): every process sharing the limiter waits it out, not only the
  one that was told.

Redis outages fail closed, never open: the first request raises
`RateLimiterUnavailableError` at once if Redis cannot be reached (a wrong URL fails fast);
later, an outage makes requests wait up to ``outage_timeout`` seconds (default 30) for Redis
to come back, then raise the same error. No request is ever sent unlimited.
"""

from __future__ import annotations

import math
import os
import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import BaseModel, ValidationError

from .errors import SolarError
from .tasks.tokens import EstimatedTokens, count_message_tokens
from .types import Usage

__all__ = [
    "Budget",
    "InMemoryRateLimiter",
    "Lease",
    "RateLimiter",
    "RateLimiterUnavailableError",
    "RedisRateLimiter",
    "estimate_tokens",
    "solar_rate_limiter",
    "usage_tokens",
]

_COUNTER = EstimatedTokens()
# How often a waiting caller looks again at most; a moving window tells when its oldest
# entry leaves, so most waits end exactly when room frees up.
_MAX_POLL = 0.25
_MIN_POLL = 0.005
# The share of a minute's requests/60 that one second may take (see _per_second).
PER_SECOND_SHARE = 0.9


class RateLimiterUnavailableError(SolarError):
    """The limiter's store (Redis) cannot be reached; the request was not sent."""


@dataclass
class Lease:
    """What one attempt took: settled once the response says what it really used."""

    tokens: int
    settled: bool = False


class Budget(NamedTuple):
    requests: int | None
    """Requests that may start now (None: no request limit)."""
    tokens: int | None
    """Tokens left in this minute's budget (None: no token limit)."""
    cooldown: float
    """Seconds until the namespace's cool-down after a 429 ends (0.0: none)."""


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


def solar_rate_limiter(value: object) -> RateLimiter | None:
    """The solar_api limiter in an adapter's ``rate_limiter`` (None for a framework's own).

    A framework wrapper that carries one exposes it as ``.limiter`` (see ChatSolar).
    """
    if isinstance(value, RateLimiter):
        return value
    inner = getattr(value, "limiter", None)
    return inner if isinstance(inner, RateLimiter) else None


def _check_limit(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}: got {value!r}; expected an integer >= 1 or None")
    return value


class RateLimiter(ABC):
    """The interface the clients use; see `InMemoryRateLimiter` and `RedisRateLimiter`."""

    def __init__(
        self,
        *,
        requests_per_minute: int | None = None,
        tokens_per_minute: int | None = None,
        namespace: str = "solar",
    ) -> None:
        self.requests_per_minute = _check_limit("requests_per_minute", requests_per_minute)
        self.tokens_per_minute = _check_limit("tokens_per_minute", tokens_per_minute)
        if not isinstance(namespace, str) or not namespace:
            raise ValueError(f"namespace: got {namespace!r}; expected a non-empty string")
        if requests_per_minute is None and tokens_per_minute is None:
            raise ValueError(
                "requests_per_minute, tokens_per_minute: both are None; give at least one"
            )
        self.namespace = namespace
        self._reset()

    # -- what a backend provides ------------------------------------------------------
    @abstractmethod
    def _storage(self) -> Any:
        """The `limits` storage, made on first use in this process."""

    @abstractmethod
    def _cooldown_until(self) -> float:
        """The wall-clock time the namespace's cool-down ends (0 when none)."""

    @abstractmethod
    def _extend_cooldown(self, until: float) -> None:
        """Make the cool-down last at least until `until` (never shorten it)."""

    # Redis calls leave the event loop for a thread (see _astep).
    _blocking_io = False

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._strategies: tuple[Any, Any] | None = None

    def _windows(self) -> tuple[Any, Any, list[Any], Any]:
        from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
        from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

        if self._strategies is None or self._pid != os.getpid():
            self._pid = os.getpid()
            storage = self._storage()
            self._strategies = (
                MovingWindowRateLimiter(storage),
                SlidingWindowCounterRateLimiter(storage),
            )
        moving, sliding = self._strategies
        requests = []
        if self.requests_per_minute is not None:
            rpm = self.requests_per_minute
            requests = [
                RateLimitItemPerSecond(_per_second(rpm), namespace=self.namespace),
                RateLimitItemPerMinute(rpm, namespace=self.namespace),
            ]
        tokens = (
            RateLimitItemPerMinute(self.tokens_per_minute, namespace=self.namespace + ":tokens")
            if self.tokens_per_minute is not None
            else None
        )
        return moving, sliding, requests, tokens

    # -- one non-blocking step, shared by the sync and async waits ---------------------
    def _try_take(self, tokens: int, *, request: bool) -> tuple[float, bool]:
        """Take a request (if `request`) and `tokens`: (0.0, ...) when both are taken,
        else (seconds to wait, whether the request slot is now held).

        A request slot taken while the tokens do not fit yet is kept: the next try is
        for the tokens only.
        """
        wait = self._cooldown_until() - time.time()
        if wait > 0:
            return wait, not request
        moving, sliding, requests, token_item = self._windows()
        if request:
            # Per second, then per minute: a second's slot taken when the minute is full
            # is left unused (the safe side), and taken again on the next try.
            for item in requests:
                if not moving.hit(item, "requests"):
                    reset = moving.get_window_stats(item, "requests").reset_time
                    return max(reset - time.time(), _MIN_POLL), False
        if token_item is not None and tokens > 0:
            cost = min(tokens, token_item.amount)
            if not sliding.hit(token_item, "tokens", cost=cost):
                return _MAX_POLL, True
        return 0.0, True

    def _give_back(self, tokens: int) -> None:
        # A negative cost lowers the sliding window's current counter: `limits` applies
        # it as it applies any cost (the tests hold both storages to that).
        _, sliding, _, token_item = self._windows()
        if token_item is not None and tokens > 0:
            sliding.hit(token_item, "tokens", cost=-min(tokens, token_item.amount))

    def _guarded(self, step: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a storage step; what an unreachable store raises becomes our error."""
        return step(*args, **kwargs)

    # -- the public interface ---------------------------------------------------------
    def acquire(self, tokens: int = 0) -> Lease:
        """Wait until one request and `tokens` fit in the budget, then take them."""
        request = True
        while True:
            wait, held = self._guarded(self._try_take, tokens, request=request)
            if wait == 0.0:
                return self._lease(tokens)
            request = not held
            time.sleep(_jittered(wait))

    async def aacquire(self, tokens: int = 0) -> Lease:
        """`acquire` for async code: waits without blocking the event loop."""
        import asyncio  # here: importing solar_api never imports asyncio

        request = True
        while True:
            wait, held = await self._astep(self._try_take, tokens, request=request)
            if wait == 0.0:
                return self._lease(tokens)
            request = not held
            await asyncio.sleep(_jittered(wait))

    async def _astep(self, step: Any, *args: Any, **kwargs: Any) -> Any:
        # Redis round trips leave the event loop for a thread; memory steps are instant.
        if not self._blocking_io:
            return self._guarded(step, *args, **kwargs)
        import asyncio

        return await asyncio.to_thread(self._guarded, step, *args, **kwargs)

    def _lease(self, tokens: int) -> Lease:
        if self.tokens_per_minute is None:
            return Lease(0)
        return Lease(min(tokens, self.tokens_per_minute))

    def _start_settling(self, lease: Lease, used_tokens: int | None) -> int:
        """Mark the lease settled; the tokens still to charge (> 0) or to give back (< 0)."""
        if lease.settled or used_tokens is None or self.tokens_per_minute is None:
            return 0
        lease.settled = True
        return min(used_tokens, self.tokens_per_minute) - lease.tokens

    def settle(self, lease: Lease, used_tokens: int | None) -> None:
        """Replace the lease's estimate by what the server reports (None: keep it).

        Used less: the difference is given back. Used more: the caller waits until the
        difference fits, so an estimate that ran short is paid for by its own worker.
        """
        extra = self._start_settling(lease, used_tokens)
        if extra < 0:
            self._guarded(self._give_back, -extra)
        while extra > 0 and (wait := self._guarded(self._try_take, extra, request=False)[0]):
            time.sleep(_jittered(wait))

    async def asettle(self, lease: Lease, used_tokens: int | None) -> None:
        import asyncio

        extra = self._start_settling(lease, used_tokens)
        if extra < 0:
            await self._astep(self._give_back, -extra)
        while extra > 0 and (wait := (await self._astep(self._try_take, extra, request=False))[0]):
            await asyncio.sleep(_jittered(wait))

    def cool_down(self, seconds: float) -> None:
        """Make every user of this namespace wait `seconds` (after a 429)."""
        if seconds > 0:
            self._guarded(self._extend_cooldown, time.time() + seconds)

    async def acool_down(self, seconds: float) -> None:
        if seconds > 0:
            await self._astep(self._extend_cooldown, time.time() + seconds)

    def budget(self) -> Budget:
        """What is left now: requests (in the tighter window), tokens, cool-down seconds."""
        return self._guarded(self._budget)  # type: ignore[no-any-return]

    def _budget(self) -> Budget:
        moving, sliding, requests, token_item = self._windows()
        left = [moving.get_window_stats(item, "requests").remaining for item in requests]
        tokens = (
            sliding.get_window_stats(token_item, "tokens").remaining
            if token_item is not None
            else None
        )
        cooling = max(0.0, self._cooldown_until() - time.time())
        return Budget(min(left) if left else None, tokens, cooling)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(requests_per_minute={self.requests_per_minute}, "
            f"tokens_per_minute={self.tokens_per_minute}, namespace={self.namespace!r})"
        )


def _per_second(rpm: int) -> int:
    # A tenth held back: a request reaches the server a little after it took its slot,
    # and not always equally late, so a second filled to the brim on the client's clock
    # may overflow on the server's (the scale-out test measured 1-2% 429s without it).
    return max(1, math.ceil(rpm / 60 * PER_SECOND_SHARE))


def _jittered(seconds: float) -> float:
    # Waiters that wake together would collide again: spread them a little.
    return min(seconds, 60.0) * (1 + 0.1 * random.random())


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
        self._until = 0.0
        self._lock = threading.Lock()

    def _storage(self) -> Any:
        from limits.storage import MemoryStorage

        if self._memory is None:
            self._memory = MemoryStorage()
        return self._memory

    def _cooldown_until(self) -> float:
        return self._until

    def _extend_cooldown(self, until: float) -> None:
        with self._lock:
            self._until = max(self._until, until)

    def __getstate__(self) -> dict[str, Any]:
        return {
            "requests_per_minute": self.requests_per_minute,
            "tokens_per_minute": self.tokens_per_minute,
            "namespace": self.namespace,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()


class RedisRateLimiter(RateLimiter):
    """One budget for every process, on any machine, that names the same Redis and namespace.

    Example::

        from langchain_solar import SolarEmbeddings
        from solar_api.ratelimit import RedisRateLimiter

        limiter = RedisRateLimiter(
            "redis://127.0.0.1:6379/0", requests_per_minute=100, tokens_per_minute=100_000
        )
        embeddings = SolarEmbeddings(rate_limiter=limiter)  # pickled into workers as is

    Nothing connects before the first request; pickling carries the URL and the limits,
    never the connection (each process connects on first use). Redis unreachable at the
    first request: `RateLimiterUnavailableError` at once. Lost later: requests wait up to
    `outage_timeout` seconds for it to return, then raise that error (fail closed).
    """

    _blocking_io = True

    def __init__(
        self,
        url: str,
        *,
        requests_per_minute: int | None = None,
        tokens_per_minute: int | None = None,
        namespace: str = "solar",
        outage_timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(url) if isinstance(url, str) else None
        if (
            parts is None
            or parts.scheme not in ("redis", "rediss", "unix")
            or not (parts.hostname or parts.path)
        ):
            raise ValueError(
                f"url: got {url!r}; expected a Redis URL such as redis://127.0.0.1:6379/0"
            )
        if (
            isinstance(outage_timeout, bool)
            or not isinstance(outage_timeout, int | float)
            or (outage_timeout < 0)
        ):
            raise ValueError(f"outage_timeout: got {outage_timeout!r}; expected seconds >= 0")
        try:
            import limits.storage  # noqa: F401
            import redis  # noqa: F401
        except ImportError:
            raise ImportError(
                'RedisRateLimiter needs the redis extra: pip install "solar-integrations[redis]"'
            ) from None
        self.url = url
        self.outage_timeout = float(outage_timeout)
        super().__init__(
            requests_per_minute=requests_per_minute,
            tokens_per_minute=tokens_per_minute,
            namespace=namespace,
        )

    @property
    def _safe_url(self) -> str:
        # The URL may carry a password: errors and repr name the host only.
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    def _reset(self) -> None:
        super()._reset()
        self._redis_storage: Any = None
        self._connected_once = False

    def _storage(self) -> Any:
        from limits.storage import RedisStorage

        if self._redis_storage is None or self._pid != os.getpid():
            # Short socket timeouts: a lost Redis must surface as an error, not a hang.
            self._redis_storage = RedisStorage(
                self.url,
                key_prefix=f"solar-ratelimit:{self.namespace}",
                wrap_exceptions=True,
                socket_timeout=5,
                socket_connect_timeout=5,
            )
        return self._redis_storage

    @property
    def _cooldown_key(self) -> str:
        return f"solar-ratelimit:{self.namespace}:cooldown"

    def _redis(self) -> Any:
        self._windows()  # makes the storage in this process
        return self._redis_storage.storage

    def _cooldown_until(self) -> float:
        value = self._redis().zscore(self._cooldown_key, "until")
        return float(value) if value is not None else 0.0

    def _extend_cooldown(self, until: float) -> None:
        ms = max(1, math.ceil((until - time.time()) * 1000))
        # A sorted set's GT update is atomic "only if later": a shorter wait never cuts a
        # longer one another process set. The expiry drops the key once it is over.
        with self._redis().pipeline(transaction=True) as pipe:
            pipe.zadd(self._cooldown_key, {"until": until}, gt=True)
            pipe.pexpire(self._cooldown_key, ms, nx=True)
            pipe.pexpire(self._cooldown_key, ms, gt=True)
            pipe.execute()

    def _guarded(self, step: Any, *args: Any, **kwargs: Any) -> Any:
        from limits.errors import StorageError
        from redis.exceptions import RedisError

        deadline: float | None = None
        while True:
            try:
                result = step(*args, **kwargs)
                self._connected_once = True
                return result
            except (StorageError, RedisError, OSError) as exc:
                cause = exc.storage_error if isinstance(exc, StorageError) else exc
                if not self._connected_once:
                    raise RateLimiterUnavailableError(
                        f"rate_limiter: Redis at {self._safe_url} is unreachable ({cause}); "
                        "no request was sent. Start Redis or fix the URL."
                    ) from None
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self.outage_timeout
                if now >= deadline:
                    raise RateLimiterUnavailableError(
                        f"rate_limiter: Redis at {self._safe_url} has been unreachable for "
                        f"{self.outage_timeout:g} s ({cause}); no request was sent "
                        "(the limiter fails closed)."
                    ) from None
                # Drop the broken pool and try again shortly.
                self._redis_storage = None
                self._strategies = None
                time.sleep(min(0.5, max(0.0, deadline - now)))

    def __getstate__(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "outage_timeout": self.outage_timeout,
            "requests_per_minute": self.requests_per_minute,
            "tokens_per_minute": self.tokens_per_minute,
            "namespace": self.namespace,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, url={self._safe_url!r})"
