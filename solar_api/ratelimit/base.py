"""The `RateLimiter` interface the clients use, what it hands out, and the policy every
back end shares (`InMemoryRateLimiter` in `.memory`, `RedisRateLimiter` in `.redis`).

The counting is the `limits` library's: requests on a moving window, tokens on a
sliding-window counter (one counter per window, so a budget of a million tokens costs the
store two integers, not a million entries). What this module adds is the policy around it:

- Before each attempt a client takes one request and the request's estimated tokens
  (`solar_api.ratelimit.costing.estimate_tokens`), waiting until both fit. After a
  response it settles: the tokens the server reports in ``usage`` replace the estimate
  (the difference is given back, or charged). A stream reports no usage to the client
  before its end, so a stream keeps its estimate.
- A per-minute request limit is also enforced per second, the way servers quantize a
  minute's budget, so a fresh minute is not spent in one burst: at most
  ``ceil(0.9 * rpm / 60)`` requests start in any second (the tenth held back absorbs the
  network's jitter between taking a slot and reaching the server).
- A 429 puts the whole namespace into a cool-down (the server's ``Retry-After``, else the
  retry policy's back-off): every user of the limiter's store waits it out, not only the
  one that was told.
- What comes after an answer never costs the caller that answer: a settle (or a 429's
  cool-down) the store cannot take is not waited for; it is counted
  (``limiter.unsettled``) and logged once per outage as a WARNING on the ``solar_api``
  logger.

A worker killed between taking its tokens and settling them leaves its estimate charged,
and nothing releases it sooner: the request may have reached the server, which bills it,
so no survivor can know those tokens are free; and `limits`' sliding-window counter holds
one integer per window, not a record per lease that a reaper could take back. The charge
fades as the window slides (within two minutes). Request slots are never leases: a request
taken was counted by the server too.

Nothing here imports ``solar_api.tasks``: estimating a request's tokens is the clients'
part (`solar_api.ratelimit.costing`), and a limiter is only told the number.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import math
import os
import random
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..errors import SolarError
from . import _locks

__all__ = ["PER_SECOND_SHARE", "Budget", "Lease", "RateLimiter", "RateLimiterUnavailableError"]

logger = logging.getLogger("solar_api")

# How often a waiting caller looks again at most; a moving window tells when its oldest
# entry leaves, so most waits end exactly when room frees up.
_MAX_POLL = 0.25
_MIN_POLL = 0.005
# The share of a minute's requests/60 that one second may take (see _per_second).
PER_SECOND_SHARE = 0.9


class RateLimiterUnavailableError(SolarError):
    """The limiter's store (Redis) cannot be reached or used: the request was not sent.

    Raised only before a request goes out, so ``request_sent`` is always False: settling
    after an answer never raises (see `RateLimiter.settle`), and neither does sharing a
    429's cool-down (`RateLimiter.cool_down`).
    """

    def __init__(self, message: str, *, request_sent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.request_sent = request_sent


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


def _check_limit(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}: got {value!r}; expected an integer >= 1 or None")
    return value


class _Windows(NamedTuple):
    """What one process uses of a limiter: its storage, the strategies and the items."""

    storage: Any
    moving: Any
    sliding: Any
    requests: list[Any]
    tokens: Any


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
        # The counting is the `limits` library's (an optional dependency): a missing one is
        # named now, not as a ModuleNotFoundError at the first request.
        if importlib.util.find_spec("limits") is None:
            raise ImportError(
                f"{type(self).__name__} counts with the `limits` package, which is not "
                "installed: pip install 'solar-integrations[ratelimit]' (or [redis])"
            )
        self._reset()

    # -- what a backend provides ------------------------------------------------------
    @abstractmethod
    def _make_storage(self) -> Any:
        """The `limits` storage for this process (called under the creation lock)."""

    @abstractmethod
    def _cooldown_left(self) -> float:
        """Seconds until the namespace's cool-down after a 429 ends (0.0: none)."""

    @abstractmethod
    def _extend_cooldown(self, seconds: float) -> None:
        """Make the cool-down last at least `seconds` from now (never shorten it)."""

    def _load(self) -> None:
        """Import what the storage needs, whole (called under the creation lock).

        ``importlib.import_module`` of a package another thread is importing waits for it
        to finish; a ``from package.sub import name`` does not (it returns once that
        submodule is loaded, while the package may still be half-imported).
        """
        for module in ("limits", "limits.errors", "limits.storage", "limits.strategies"):
            importlib.import_module(module)

    def _take_request(self, windows: _Windows, item: Any) -> float:
        """Take one request in `item`'s moving window: 0.0, else seconds until one fits."""
        if windows.moving.hit(item, "requests"):
            return 0.0
        reset = windows.moving.get_window_stats(item, "requests").reset_time
        return max(float(reset) - time.time(), _MIN_POLL)

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._windows: _Windows | None = None
        # A 429's cool-down the shared store could not record: kept in this process.
        self._local_until = 0.0
        self._warned: set[str] = set()
        self.unsettled = 0
        """Leases whose settling could not reach the store (the answers were returned)."""

    def _state(self) -> _Windows:
        """The storage, strategies and items, made once per process under a lock."""
        state = self._windows
        if state is not None and self._pid == os.getpid():
            return state
        with _locks.CREATION_LOCK:
            if self._windows is None or self._pid != os.getpid():
                self._windows = self._build()
                self._pid = os.getpid()
            return self._windows

    def _build(self) -> _Windows:
        self._load()
        from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
        from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

        storage = self._make_storage()
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
        return _Windows(
            storage,
            MovingWindowRateLimiter(storage),
            SlidingWindowCounterRateLimiter(storage),
            requests,
            tokens,
        )

    # -- one non-blocking step, shared by the sync and async waits ---------------------
    def _try_take(self, tokens: int, *, request: bool) -> tuple[float, bool]:
        """Take a request (if `request`) and `tokens`: (0.0, ...) when both are taken,
        else (seconds to wait, whether the request slot is now held).

        A request slot taken while the tokens do not fit yet is kept: the next try is
        for the tokens only.
        """
        windows = self._state()
        wait = max(self._cooldown_left(), self._local_until - time.monotonic())
        if wait > 0:
            return wait, not request
        if request:
            # Per second, then per minute: a second's slot taken when the minute is full
            # is left unused (the safe side), and taken again on the next try.
            for item in windows.requests:
                wait = self._take_request(windows, item)
                if wait != 0.0:
                    return max(wait, _MIN_POLL), False
        token_item = windows.tokens
        if token_item is not None and tokens > 0:
            cost = min(tokens, token_item.amount)
            if not windows.sliding.hit(token_item, "tokens", cost=cost):
                return _MAX_POLL, True
        return 0.0, True

    def _give_back(self, tokens: int) -> None:
        # A negative cost lowers the sliding window's current counter: `limits` applies
        # it as it applies any cost (the tests hold both storages to that).
        windows = self._state()
        token_item = windows.tokens
        if token_item is not None and tokens > 0:
            windows.sliding.hit(token_item, "tokens", cost=-min(tokens, token_item.amount))

    def _run(self, step: Any, *args: Any, patient: bool = True, **kwargs: Any) -> Any:
        """Run a storage step; a backend that can be unreachable guards it (see Redis).

        `patient`: wait up to the outage timeout for the store to come back (acquire);
        else fail at once (settling and cool-downs, which never keep an answer waiting).
        """
        return step(*args, **kwargs)

    async def _arun(self, step: Any, *args: Any, patient: bool = True, **kwargs: Any) -> Any:
        return self._run(step, *args, patient=patient, **kwargs)

    # -- the public interface ---------------------------------------------------------
    def acquire(self, tokens: int = 0) -> Lease:
        """Wait until one request and `tokens` fit in the budget, then take them."""
        request = True
        while True:
            wait, held = self._run(self._try_take, tokens, request=request)
            if wait == 0.0:
                return self._lease(tokens)
            request = not held
            time.sleep(_jittered(wait))

    async def aacquire(self, tokens: int = 0) -> Lease:
        """`acquire` for async code: waits without blocking the event loop, and a
        cancelled task stops waiting at once (a store round trip in flight finishes in
        its thread, bounded by the socket timeouts)."""
        import asyncio  # here: importing solar_api never imports asyncio

        request = True
        while True:
            wait, held = await self._arun(self._try_take, tokens, request=request)
            if wait == 0.0:
                return self._lease(tokens)
            request = not held
            await asyncio.sleep(_jittered(wait))

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

        Settling never costs the caller its answer: when the store cannot be reached it
        is not waited for; the lease stays at its estimate, `unsettled` counts it, and a
        WARNING on the ``solar_api`` logger says so once per outage.
        """
        extra = self._start_settling(lease, used_tokens)
        try:
            if extra < 0:
                self._run(self._give_back, -extra, patient=False)
            while extra > 0 and (
                wait := self._run(self._try_take, extra, request=False, patient=False)[0]
            ):
                time.sleep(_jittered(wait))
        except RateLimiterUnavailableError as exc:
            self._not_settled(extra, exc)

    async def asettle(self, lease: Lease, used_tokens: int | None) -> None:
        """`settle` for async code."""
        import asyncio

        extra = self._start_settling(lease, used_tokens)
        try:
            if extra < 0:
                await self._arun(self._give_back, -extra, patient=False)
            while extra > 0 and (
                wait := (await self._arun(self._try_take, extra, request=False, patient=False))[0]
            ):
                await asyncio.sleep(_jittered(wait))
        except RateLimiterUnavailableError as exc:
            self._not_settled(extra, exc)

    def _not_settled(self, extra: int, exc: RateLimiterUnavailableError) -> None:
        with _locks.STATE_LOCK:
            self.unsettled += 1
            count = self.unsettled
        kept = (
            f"its {-extra} unused estimated tokens stay charged"
            if extra < 0
            else f"the {extra} tokens it used beyond its estimate were not charged"
        )
        self._warn_once(
            "settle",
            "%s; the answer was returned, a lease was left unsettled (%s). %r.unsettled "
            "counts them (%d so far); this is logged once until the store answers again.",
            exc.message,
            kept,
            self,
            count,
        )

    def _warn_once(self, kind: str, message: str, *args: Any) -> None:
        with _locks.STATE_LOCK:
            first = kind not in self._warned
            self._warned.add(kind)
        if first:
            logger.warning(message, *args)

    def cool_down(self, seconds: float) -> None:
        """Make every user of this namespace wait `seconds` (after a 429).

        Never raises for the store: a cool-down it cannot record is kept in this process.
        """
        if seconds > 0:
            try:
                self._run(self._extend_cooldown, seconds, patient=False)
            except RateLimiterUnavailableError as exc:
                self._cool_locally(seconds, exc)

    async def acool_down(self, seconds: float) -> None:
        if seconds > 0:
            try:
                await self._arun(self._extend_cooldown, seconds, patient=False)
            except RateLimiterUnavailableError as exc:
                self._cool_locally(seconds, exc)

    def _cool_locally(self, seconds: float, exc: RateLimiterUnavailableError) -> None:
        with _locks.STATE_LOCK:
            self._local_until = max(self._local_until, time.monotonic() + seconds)
        self._warn_once(
            "cooldown",
            "%s; a 429's cool-down of %.1f s is kept in this process only (logged once "
            "until the store answers again).",
            exc.message,
            seconds,
        )

    def budget(self) -> Budget:
        """What is left now: requests (in the tighter window), tokens, cool-down seconds."""
        return self._run(self._budget)  # type: ignore[no-any-return]

    def _budget(self) -> Budget:
        windows = self._state()
        left = [
            windows.moving.get_window_stats(item, "requests").remaining for item in windows.requests
        ]
        tokens = (
            windows.sliding.get_window_stats(windows.tokens, "tokens").remaining
            if windows.tokens is not None
            else None
        )
        cooling = max(0.0, self._cooldown_left(), self._local_until - time.monotonic())
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
