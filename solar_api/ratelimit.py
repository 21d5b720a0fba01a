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

A shared budget has one clock: Redis's own (``TIME``, read inside the scripts that stamp
and read the request windows and the cool-down; the token counter runs on Redis's key
expiries), so a worker whose clock is off takes neither more nor less than its share.

Redis outages fail closed, never open: the first request raises
`RateLimiterUnavailableError` at once if Redis cannot be reached (a wrong URL fails fast);
later, an outage makes requests wait up to ``outage_timeout`` seconds (default 30) for Redis
to come back, then raise the same error, and from then on fail at once (a circuit breaker)
while one request every ``probe_interval`` seconds (default 1) tries Redis again. No request
is ever sent unlimited, and the error is only ever raised before a request is sent. What
comes after an answer never costs the caller that answer: a settle (or a 429's cool-down)
that cannot reach Redis is not waited for; it is counted (``limiter.unsettled``) and logged
once per outage as a WARNING on the ``solar_api`` logger.

A worker killed between taking its tokens and settling them leaves its estimate charged,
and nothing releases it sooner: the request may have reached the server, which bills it,
so no survivor can know those tokens are free; and `limits`' sliding-window counter holds
one integer per window, not a record per lease that a reaper could take back. The charge
fades as the window slides (within two minutes). Request slots are never leases: a request
taken was counted by the server too.
"""

from __future__ import annotations

import importlib
import logging
import math
import os
import random
import threading
import time
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import unquote

import httpx
from pydantic import BaseModel, ValidationError

from . import _ratelimit_redis as _rr
from .errors import SolarError
from .tasks.tokens import EstimatedTokens, count_message_tokens
from .types import Usage

__all__ = [
    "REDIS_PASSWORD_ENV",
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

logger = logging.getLogger("solar_api")

_COUNTER = EstimatedTokens()
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
        """Import what the storage needs (called under the creation lock)."""
        _rr.load_dependencies(None)

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
        with _rr.CREATION_LOCK:
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
        with _rr.STATE_LOCK:
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
        with _rr.STATE_LOCK:
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
        with _rr.STATE_LOCK:
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


REDIS_PASSWORD_ENV = "SOLAR_REDIS_PASSWORD"
"""Where a pickled `RedisRateLimiter` reads its Redis password on load (by default)."""


@dataclass
class _Outage:
    """One process's view of its Redis: answered yet, lost since when, breaker open."""

    answered: bool = False
    since: float | None = None  # time.monotonic() of the first failure of this outage
    open: bool = False  # fail fast; one caller probes every probe_interval
    next_probe: float = 0.0


class RedisRateLimiter(RateLimiter):
    """One budget for every process, on any machine, that names the same Redis and namespace.

    Example::

        from langchain_solar import SolarEmbeddings
        from solar_api.ratelimit import RedisRateLimiter

        limiter = RedisRateLimiter(
            "redis://127.0.0.1:6379/0", requests_per_minute=100, tokens_per_minute=100_000
        )
        embeddings = SolarEmbeddings(rate_limiter=limiter)  # pickled into workers as is

    `url`: any Redis URL `limits` takes (``redis://``, ``rediss://``, ``redis+unix://``,
    ``redis+sentinel://``, ``redis+cluster://``, their ``valkey`` twins, which need the
    ``valkey`` package, and redis-py's ``unix://``); checked here, without connecting,
    and never shown with its password.

    Nothing connects before the first request; in each process the redis and `limits`
    imports and the storage are made under a lock at first use, and anything that goes
    wrong there is a `RateLimiterUnavailableError`. Pickling carries the URL and the
    limits, never the connection, and never the password: a pickled limiter whose URL
    had one reads it on load from the variable named by `password_env`
    (``SOLAR_REDIS_PASSWORD`` unless given); when that is unset, loading warns and the
    requests raise `RateLimiterUnavailableError` naming the variable.

    One clock: the request windows and the cool-down are stamped and read on Redis's own
    clock (``TIME`` inside the scripts), so a worker whose clock is off gets its share.

    Outages fail closed. Redis unreachable at the first request: the error at once. Lost
    later: requests wait for it up to `outage_timeout` seconds (counted from the first
    failure this process saw, so requests that queue up during the outage wait only for
    what is left of it), then raise. From then on the breaker is open: requests fail at
    once, except one every `probe_interval` seconds (1 by default), which tries Redis;
    when it answers, the breaker closes and requests flow again. Settling after an
    answer and recording a 429's cool-down never wait for Redis (see `settle`).
    """

    def __init__(
        self,
        url: str,
        *,
        requests_per_minute: int | None = None,
        tokens_per_minute: int | None = None,
        namespace: str = "solar",
        outage_timeout: float = 30.0,
        probe_interval: float = 1.0,
        password_env: str = REDIS_PASSWORD_ENV,
    ) -> None:
        try:
            import limits.storage  # noqa: F401
        except ImportError:
            raise ImportError(
                'RedisRateLimiter needs the redis extra: pip install "solar-integrations[redis]"'
            ) from None
        parsed = _rr.parse_redis_url(url)
        try:
            importlib.import_module(parsed.driver)
        except ImportError:
            extra = (
                "pip install valkey"
                if parsed.driver == "valkey"
                else 'pip install "solar-integrations[redis]"'
            )
            raise ImportError(
                f"RedisRateLimiter with a {parsed.scheme}:// URL needs the {parsed.driver} "
                f"package: {extra}"
            ) from None
        self.outage_timeout = _check_seconds("outage_timeout", outage_timeout, zero=True)
        self.probe_interval = _check_seconds("probe_interval", probe_interval, zero=False)
        if not isinstance(password_env, str) or not password_env:
            raise ValueError(
                f"password_env: got {password_env!r}; expected an environment variable name"
            )
        self.url = url
        self.password_env = password_env
        self._url = parsed
        self._missing_password_env: str | None = None
        super().__init__(
            requests_per_minute=requests_per_minute,
            tokens_per_minute=tokens_per_minute,
            namespace=namespace,
        )

    @property
    def _safe_url(self) -> str:
        # The URL may carry a password: errors and repr name the hosts only.
        return self._url.safe

    def _reset(self) -> None:
        super()._reset()
        self._outage = _Outage()

    # -- the storage, made once per process -------------------------------------------
    def _load(self) -> None:
        _rr.load_dependencies(self._url.scheme)

    def _build(self) -> _Windows:
        if self._missing_password_env is not None:
            env = self._missing_password_env
            raise RateLimiterUnavailableError(
                f"rate_limiter: this RedisRateLimiter was pickled without its Redis password "
                f"(pickles never carry it) and {env} was not set when it was loaded; this "
                f"request was not sent. Set {env} in the worker's environment before loading."
            )
        try:
            return super()._build()
        except RateLimiterUnavailableError:
            raise
        except Exception as exc:
            if isinstance(exc, _rr.outage_errors()):
                raise  # Redis unreachable while the storage was made: an outage
            # An import that failed or half-happened, a version limits refuses, an option
            # redis-py refuses: nothing a wait would mend.
            raise RateLimiterUnavailableError(
                f"rate_limiter: cannot use Redis at {self._safe_url} in this process "
                f"({type(exc).__name__}: {self._scrub(str(exc))}); this request was not sent."
            ) from None

    def _make_storage(self) -> Any:
        # Short socket timeouts: a lost Redis must surface as an error, not a hang.
        return _rr.storage_class(self._url.scheme)(
            self.url,
            key_prefix=f"solar-ratelimit:{self.namespace}",
            wrap_exceptions=True,
            socket_timeout=5,
            socket_connect_timeout=5,
        )

    def _take_request(self, windows: _Windows, item: Any) -> float:
        wait = windows.storage.take_moving(item.key_for("requests"), item.amount, item.get_expiry())
        return float(wait)

    def _cooldown_left(self) -> float:
        return float(self._state().storage.cooldown_left("cooldown"))

    def _extend_cooldown(self, seconds: float) -> None:
        self._state().storage.extend_cooldown("cooldown", seconds)

    # -- outages: wait, then fail fast behind a breaker --------------------------------
    def _run(self, step: Any, *args: Any, patient: bool = True, **kwargs: Any) -> Any:
        while True:
            self._admit()
            try:
                result = step(*args, **kwargs)
            except Exception as exc:
                if isinstance(exc, SolarError) or not isinstance(exc, _rr.outage_errors()):
                    raise
                time.sleep(self._lost(exc, patient=patient))
                continue
            self._answered()
            return result

    async def _arun(self, step: Any, *args: Any, patient: bool = True, **kwargs: Any) -> Any:
        # One round trip at a time in a thread; every wait in the event loop, so a
        # cancelled task stops at once instead of leaving a thread waiting out the outage.
        import asyncio

        while True:
            self._admit()
            try:
                result = await asyncio.to_thread(step, *args, **kwargs)
            except Exception as exc:
                if isinstance(exc, SolarError) or not isinstance(exc, _rr.outage_errors()):
                    raise
                await asyncio.sleep(self._lost(exc, patient=patient))
                continue
            self._answered()
            return result

    def _admit(self) -> None:
        """Before a round trip: with the breaker open, fail at once unless it is time to probe."""
        outage = self._outage
        if not outage.open:
            return
        with _rr.STATE_LOCK:
            now = time.monotonic()
            if not outage.open:
                return
            if now >= outage.next_probe:
                outage.next_probe = now + self.probe_interval  # this caller probes
                return
            lost = now - (outage.since if outage.since is not None else now)
            probe = outage.next_probe - now
        raise RateLimiterUnavailableError(
            f"rate_limiter: Redis at {self._safe_url} has been unreachable for {lost:.1f} s; "
            f"this request was not sent (the limiter fails closed, and fails fast until "
            f"Redis answers again: next probe in {probe:.1f} s)."
        )

    def _answered(self) -> None:
        outage = self._outage
        if outage.answered and outage.since is None and not outage.open:
            return
        with _rr.STATE_LOCK:
            outage.answered = True
            outage.since = None
            outage.open = False
            self._warned.clear()

    def _lost(self, exc: BaseException, *, patient: bool) -> float:
        """After a failed round trip: seconds to wait before the next, or the error."""
        cause = self._scrub(str(getattr(exc, "storage_error", None) or exc))
        self._windows = None  # drop the broken pool: the next try connects afresh
        outage = self._outage
        with _rr.STATE_LOCK:
            now = time.monotonic()
            if not outage.answered:
                kind = "first"
            else:
                if outage.since is None:
                    outage.since = now
                deadline = outage.since + self.outage_timeout
                if outage.open:
                    kind = "probe"
                elif now >= deadline:
                    outage.open = True
                    outage.next_probe = now + self.probe_interval
                    kind = "timeout"
                elif not patient:
                    kind = "lost"
                else:
                    return min(0.5, deadline - now)
        where = f"rate_limiter: Redis at {self._safe_url}"
        if kind == "first":
            message = (
                f"{where} is unreachable ({cause}); this request was not sent. "
                "Start Redis or fix the URL."
            )
        elif kind == "timeout":
            message = (
                f"{where} has been unreachable for {self.outage_timeout:g} s ({cause}); "
                "this request was not sent (the limiter fails closed). Until Redis answers "
                f"again requests fail at once, and one every {self.probe_interval:g} s "
                "tries it."
            )
        elif kind == "probe":
            message = (
                f"{where} is still unreachable ({cause}); this request was not sent (the "
                f"limiter fails closed; next probe in {self.probe_interval:g} s)."
            )
        else:
            message = f"{where} is unreachable ({cause})"
        raise RateLimiterUnavailableError(message)

    def _scrub(self, text: str) -> str:
        password = self._url.password
        if password:
            for form in {password, unquote(password)}:
                if form:
                    text = text.replace(form, "***")
        return text

    # -- pickling: never the connection, never the password -----------------------------
    def __getstate__(self) -> dict[str, Any]:
        has_password = self._url.password is not None
        return {
            "url": self._url.without_password() if has_password else self.url,
            "password_env": self.password_env,
            "password_from_env": has_password,
            "outage_timeout": self.outage_timeout,
            "probe_interval": self.probe_interval,
            "requests_per_minute": self.requests_per_minute,
            "tokens_per_minute": self.tokens_per_minute,
            "namespace": self.namespace,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        url = state.pop("url")
        env = state.pop("password_env", REDIS_PASSWORD_ENV)
        from_env = state.pop("password_from_env", False)
        state.setdefault("probe_interval", 1.0)
        self.__dict__.update(state)
        self.password_env = env
        self._missing_password_env = None
        if from_env:
            value = os.environ.get(env)
            if value:
                url = _rr.parse_redis_url(url, check_scheme=False).with_password(value)
            else:
                warnings.warn(
                    f"RedisRateLimiter was pickled with a Redis password, which pickles "
                    f"never carry, and {env} is not set here: its requests will raise "
                    f"RateLimiterUnavailableError until {env} is set before loading",
                    UserWarning,
                    stacklevel=2,
                )
                self._missing_password_env = env
        self.url = url
        self._url = _rr.parse_redis_url(url, check_scheme=False)
        self._reset()

    def __copy__(self) -> RedisRateLimiter:
        # Copies within the process (copy, deepcopy, pydantic's model_copy) keep the
        # password: only what leaves the process as a pickle goes without it.
        state = {**self.__getstate__(), "url": self.url}
        state["password_from_env"] = self._missing_password_env is not None
        copied = type(self).__new__(type(self))
        copied.__setstate__(state)
        return copied

    def __deepcopy__(self, memo: dict[int, Any]) -> RedisRateLimiter:
        return self.__copy__()

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, url={self._safe_url!r})"


def _check_seconds(name: str, value: object, *, zero: bool) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not zero)
    ):
        expected = "seconds >= 0" if zero else "seconds > 0"
        raise ValueError(f"{name}: got {value!r}; expected {expected}")
    return float(value)
