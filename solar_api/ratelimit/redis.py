"""`RedisRateLimiter`: one budget shared by every process, through Redis.

Nothing here imports redis or `limits` when this module is imported (and unpickling a
limiter imports neither): they are imported, under a lock, at a limiter's first use in
each process (pip install "solar-integrations[redis]").

A shared budget has one clock: Redis's own (``TIME``, read inside the scripts that stamp
and read the request windows and the cool-down; the token counter runs on Redis's key
expiries), so a worker whose clock is off takes neither more nor less than its share.

Redis outages fail closed, never open: the first request raises
`RateLimiterUnavailableError` at once if Redis cannot be reached (a wrong URL fails fast);
later, an outage makes requests wait up to ``outage_timeout`` seconds (default 30) for Redis
to come back, then raise the same error, and from then on fail at once (a circuit breaker)
while one request every ``probe_interval`` seconds (default 1) tries Redis again. No request
is ever sent unlimited, and the error is only ever raised before a request is sent; what
comes after an answer never waits for Redis (see `RateLimiter.settle`).
"""

from __future__ import annotations

import importlib
import math
import os
import time
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ..errors import SolarError
from . import _locks
from ._redis_storage import load_driver, outage_errors, storage_class
from ._redis_url import parse_redis_url
from .base import RateLimiter, RateLimiterUnavailableError, _Windows

__all__ = ["REDIS_PASSWORD_ENV", "RedisRateLimiter"]

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
        parsed = parse_redis_url(url)
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
        # The driver first, whole: `limits` reads ``redis.__version__``, which a
        # half-imported redis lacks.
        load_driver(self._url.scheme)
        super()._load()

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
            if isinstance(exc, outage_errors()):
                raise  # Redis unreachable while the storage was made: an outage
            # An import that failed or half-happened, a version limits refuses, an option
            # redis-py refuses: nothing a wait would mend.
            raise RateLimiterUnavailableError(
                f"rate_limiter: cannot use Redis at {self._safe_url} in this process "
                f"({type(exc).__name__}: {self._scrub(str(exc))}); this request was not sent."
            ) from None

    def _make_storage(self) -> Any:
        # Short socket timeouts: a lost Redis must surface as an error, not a hang.
        return storage_class(self._url.scheme)(
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
                if isinstance(exc, SolarError) or not isinstance(exc, outage_errors()):
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
                if isinstance(exc, SolarError) or not isinstance(exc, outage_errors()):
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
        with _locks.STATE_LOCK:
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
        with _locks.STATE_LOCK:
            outage.answered = True
            outage.since = None
            outage.open = False
            self._warned.clear()

    def _lost(self, exc: BaseException, *, patient: bool) -> float:
        """After a failed round trip: seconds to wait before the next, or the error."""
        cause = self._scrub(str(getattr(exc, "storage_error", None) or exc))
        self._windows = None  # drop the broken pool: the next try connects afresh
        outage = self._outage
        with _locks.STATE_LOCK:
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
                url = parse_redis_url(url, check_scheme=False).with_password(value)
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
        self._url = parse_redis_url(url, check_scheme=False)
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
