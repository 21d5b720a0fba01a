"""The Redis side of `solar_api.ratelimit.RedisRateLimiter`: URLs, dependencies, one clock.

- URLs are checked at construction: the scheme (those of `limits`' Redis storages, read
  from its registry: ``redis``, ``rediss``, ``redis+unix``, ``redis+sentinel``,
  ``redis+cluster`` and their ``valkey`` twins, plus redis-py's ``unix``), every
  ``host:port`` (a port is a number from 1 to 65535) and the database number. A message
  about a URL shows it with its password masked (``:***@``, ``password=***``).
- `load_dependencies` imports redis (or valkey) and `limits` under `CREATION_LOCK`: a
  thread that comes second waits for the first to finish, so none reads a half-imported
  package (`limits` checks ``redis.__version__``, which a half-imported redis lacks).
- `storage_class` gives `limits`' storage for a scheme with one clock for the shared
  budget: Redis's own ``TIME``, read inside the Lua scripts that stamp and read the moving
  windows and the cool-down. Client clocks never enter the budget (the sliding-window
  token counter of `limits` already runs on Redis's key expiries). On Redis Cluster each
  key's scripts run on the node that holds it, so each window has one clock as well.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

__all__ = [
    "CREATION_LOCK",
    "STATE_LOCK",
    "RedisURL",
    "load_dependencies",
    "mask_secrets",
    "outage_errors",
    "parse_redis_url",
    "storage_class",
]

# Imports and storage creation (may connect: Redis Cluster reads its topology).
CREATION_LOCK = threading.RLock()
# The limiters' outage bookkeeping; held for a few assignments only, never across I/O.
STATE_LOCK = threading.Lock()


def _fresh_locks() -> None:
    # A lock held by another thread at fork() would stay held in the child forever.
    global CREATION_LOCK, STATE_LOCK
    CREATION_LOCK = threading.RLock()
    STATE_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_locks)

EXAMPLE = "redis://127.0.0.1:6379/0"
# redis-py's own scheme for a socket (limits spells it redis+unix).
_EXTRA_SCHEMES = ("unix",)


# -- URLs -------------------------------------------------------------------------------


def mask_secrets(url: str) -> str:
    """`url` with the password of its userinfo and any ``password=`` value masked."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    netloc, tail = (rest, "") if cut < 0 else (rest[:cut], rest[cut:])
    userinfo, at, hosts = netloc.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}:***@{hosts}" if colon else f"{user}@{hosts}"
    tail = re.sub(r"(?i)((?:^|[?&;])[^=&;#]*pass[^=&;#]*=)[^&;#]*", r"\1***", tail)
    return f"{scheme}{sep}{netloc}{tail}"


@dataclass(frozen=True)
class RedisURL:
    url: str
    scheme: str
    password: str | None
    """The password as written in the URL (userinfo or ``?password=``), None if none."""
    safe: str
    """scheme://hosts/path: no userinfo, no query (for messages and repr)."""

    @property
    def driver(self) -> str:
        return "valkey" if self.scheme.startswith("valkey") else "redis"

    def without_password(self) -> str:
        """The URL with its password taken out (the username stays)."""
        scheme, _, rest = self.url.partition("://")
        netloc, tail = _split_netloc(rest)
        userinfo, at, hosts = netloc.rpartition("@")
        if at:
            user = userinfo.partition(":")[0]
            netloc = f"{user}@{hosts}" if user else hosts
        path, question, query = tail.partition("?")
        if question:
            kept = [p for p in re.split(r"[&;]", query) if p and p.partition("=")[0] != "password"]
            tail = path + ("?" + "&".join(kept) if kept else "")
        return f"{scheme}://{netloc}{tail}"

    def with_password(self, password: str) -> str:
        """The URL (without a password) with `password` in its userinfo."""
        scheme, _, rest = self.without_password().partition("://")
        netloc, tail = _split_netloc(rest)
        user, at, hosts = netloc.rpartition("@")
        if not at:
            user, hosts = "", netloc
        return f"{scheme}://{user}:{quote(password, safe='')}@{hosts}{tail}"


def _split_netloc(rest: str) -> tuple[str, str]:
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    return (rest, "") if cut < 0 else (rest[:cut], rest[cut:])


def supported_schemes() -> dict[str, type]:
    """Scheme -> `limits` storage class, for every synchronous Redis storage it registers."""
    from limits._storage_scheme import SCHEMES
    from limits.storage import RedisStorage

    found = {
        scheme: cls
        for scheme, cls in SCHEMES.items()
        if isinstance(cls, type) and issubclass(cls, RedisStorage)
    }
    found.update(dict.fromkeys(_EXTRA_SCHEMES, RedisStorage))
    return found


def parse_redis_url(url: object, *, check_scheme: bool = True) -> RedisURL:
    """Check a Redis URL without connecting; ValueError (password masked) when it is wrong.

    ``check_scheme=False`` (a URL checked before, loaded from a pickle) leaves `limits`
    unimported.
    """
    if not isinstance(url, str):
        raise ValueError(
            f"url: got {type(url).__name__}; expected a Redis URL string such as {EXAMPLE}"
        )
    shown = mask_secrets(url)

    def refuse(problem: str) -> ValueError:
        # The URL as given, password masked: a message may end up in any log.
        return ValueError(f"url: got {shown!r}; {problem}")

    scheme, sep, rest = url.partition("://")
    if not sep:
        raise refuse(f"not a URL; expected a Redis URL such as {EXAMPLE}")
    scheme = scheme.lower()
    schemes = supported_schemes() if check_scheme else {scheme: object}
    if scheme not in schemes:
        raise refuse(
            f"scheme {scheme + '://'!r} is not one of {', '.join(sorted(schemes))}; "
            f"expected a Redis URL such as {EXAMPLE}"
        )
    netloc, tail = _split_netloc(rest)
    userinfo, at, hosts = netloc.rpartition("@")
    if not at:
        userinfo, hosts = "", netloc
    try:
        parts = urlsplit(f"x://{hosts}{tail}")
    except ValueError as exc:  # a bracket left open: "Invalid IPv6 URL"
        raise refuse(f"not a valid URL ({exc})") from None
    socket = scheme == "unix" or scheme.endswith("+unix")
    several = scheme.endswith(("+sentinel", "+cluster"))
    if socket:
        if not parts.path.strip("/"):
            raise refuse(f"no socket path; expected {scheme}:///path/to/redis.sock")
    else:
        locations = hosts.split(",") if several else [hosts]
        for location in locations:
            _check_location(location.strip(), refuse, port_required=several)
        if scheme.endswith("+sentinel") and not parts.path.strip("/"):
            raise refuse(f"no service name; expected {scheme}://host:26379/mymaster")
        if not several and parts.path.strip("/") and not parts.path.strip("/").isdigit():
            raise refuse(
                f"database {parts.path.strip('/')!r} is not a number; "
                f"expected a URL such as {EXAMPLE}"
            )
    password = userinfo.partition(":")[2] if ":" in userinfo else None
    query_password = re.search(r"(?:^|[&;])password=([^&;#]*)", parts.query)
    if not password and query_password:
        password = query_password.group(1)
    safe = f"{scheme}://{hosts}{parts.path}"
    return RedisURL(url=url, scheme=scheme, password=password or None, safe=safe)


def _check_location(
    location: str, refuse: Callable[[str], ValueError], *, port_required: bool
) -> None:
    if not location:
        raise refuse("no host; expected host:port")
    try:
        parts = urlsplit(f"x://{location}")
        port = parts.port
    except ValueError:
        text = location.rpartition(":")[2]
        raise refuse(f"port {text!r} of {location!r} is not a number from 1 to 65535") from None
    if not parts.hostname:
        raise refuse(f"no host in {location!r}; expected host:port")
    if port == 0 or (port is None and location.endswith(":")):
        raise refuse(f"port of {location!r} is not a number from 1 to 65535")
    if port is None and port_required:
        raise refuse(f"no port in {location!r}; expected host:port")


# -- dependencies ---------------------------------------------------------------------


def load_dependencies(scheme: str | None) -> None:
    """Import what a storage of `scheme` needs (None: memory), whole; call with
    `CREATION_LOCK` held.

    ``importlib.import_module`` of a package another thread is importing waits for it to
    finish (``from redis.exceptions import ...`` does not: it returns once that submodule
    is loaded, while ``redis.__version__`` is still unset).
    """
    if scheme is not None:
        driver = "valkey" if scheme.startswith("valkey") else "redis"
        importlib.import_module(driver)
        if scheme.endswith("+sentinel"):
            importlib.import_module(f"{driver}.sentinel")
        if scheme.endswith("+cluster"):
            importlib.import_module(f"{driver}.cluster")
    for module in ("limits", "limits.errors", "limits.storage", "limits.strategies"):
        importlib.import_module(module)


def outage_errors() -> tuple[type[BaseException], ...]:
    """What an unreachable (or failing) store raises, among the drivers imported here."""
    found: list[type[BaseException]] = [OSError]
    for module, name in (
        ("limits.errors", "StorageError"),
        ("redis.exceptions", "RedisError"),
        # Not a RedisError: what RedisCluster raises when no startup node answers.
        ("redis.exceptions", "RedisClusterException"),
        ("valkey.exceptions", "ValkeyError"),
        ("valkey.exceptions", "ValkeyClusterException"),
    ):
        loaded = sys.modules.get(module)
        cls = getattr(loaded, name, None) if loaded is not None else None
        if isinstance(cls, type) and issubclass(cls, BaseException):
            found.append(cls)
    return tuple(found)


# -- one clock: Redis's TIME ----------------------------------------------------------

# Redis 3.2 to 4.x replicate a script that writes after TIME only as its effects, once
# asked; later versions always do (and keep the call as a no-op).
_NOW = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# KEYS[1] the window (a list, newest first); ARGV limit, expiry (s), amount.
# 0 when taken, else the milliseconds until the entry that blocks leaves the window.
TAKE_MOVING = (
    _NOW
    + """
local limit = tonumber(ARGV[1])
local expiry = tonumber(ARGV[2])
local amount = tonumber(ARGV[3])
if amount > limit then return -1 end
local entry = redis.call('LINDEX', KEYS[1], limit - amount)
if entry and tonumber(entry) >= now - expiry then
    return math.max(1, math.ceil((tonumber(entry) + expiry - now) * 1000))
end
for i = 1, amount do redis.call('LPUSH', KEYS[1], now) end
redis.call('LTRIM', KEYS[1], 0, limit - 1)
redis.call('EXPIRE', KEYS[1], expiry)
return 0
"""
)

# KEYS[1] the window; ARGV expiry, limit. {oldest entry still in the window, count}.
MOVING_WINDOW = (
    _NOW
    + """
local expiry = tonumber(ARGV[1])
local len = tonumber(ARGV[2])
local low, high, found = 0, len - 1, nil
while low <= high do
    local mid = math.floor((low + high) / 2)
    local value = tonumber(redis.call('LINDEX', KEYS[1], mid))
    if value and value >= now - expiry then
        found = mid
        low = mid + 1
    else
        high = mid - 1
    end
end
if found then
    return {tostring(redis.call('LINDEX', KEYS[1], found)), found + 1}
end
return {tostring(now), 0}
"""
)

# KEYS[1] the cool-down (a sorted set: member "until", score the end on Redis's clock).
COOLDOWN_LEFT = (
    _NOW
    + """
local value = redis.call('ZSCORE', KEYS[1], 'until')
if not value then return 0 end
return math.max(0, math.ceil((tonumber(value) - now) * 1000))
"""
)

# ARGV seconds. Only ever later: a shorter cool-down never cuts a longer one; the key
# expires once it is over.
EXTEND_COOLDOWN = (
    _NOW
    + """
local seconds = tonumber(ARGV[1])
local current = tonumber(redis.call('ZSCORE', KEYS[1], 'until'))
if not current or current < now + seconds then
    redis.call('ZADD', KEYS[1], now + seconds, 'until')
end
local ms = math.ceil(seconds * 1000)
if redis.call('PTTL', KEYS[1]) < ms then redis.call('PEXPIRE', KEYS[1], ms) end
return 0
"""
)


class _ServerClock:
    """Mixed into a `limits` Redis storage: moving windows and cool-down on Redis's clock."""

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)  # type: ignore[misc]
        connection = self.get_connection()  # type: ignore[attr-defined]
        self._take_moving = connection.register_script(TAKE_MOVING)
        self._moving_window = connection.register_script(MOVING_WINDOW)
        self._cooldown_left = connection.register_script(COOLDOWN_LEFT)
        self._extend_cooldown = connection.register_script(EXTEND_COOLDOWN)

    def take_moving(self, key: str, limit: int, expiry: int, amount: int = 1) -> float:
        """Take `amount` entries: 0.0, else seconds until they fit (-1.0: they never do)."""
        ms = self._take_moving([self.prefixed_key(key)], [limit, expiry, amount])  # type: ignore[attr-defined]
        return float(ms) / 1000 if int(ms) >= 0 else -1.0

    # limits' own entry points, on the same clock (its strategies call these).
    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        return self.take_moving(key, limit, expiry, amount) == 0.0

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        start, count = self._moving_window([self.prefixed_key(key)], [expiry, limit])  # type: ignore[attr-defined]
        return float(start), int(count)

    def cooldown_left(self, key: str) -> float:
        return float(self._cooldown_left([self.prefixed_key(key)], [])) / 1000  # type: ignore[attr-defined]

    def extend_cooldown(self, key: str, seconds: float) -> None:
        self._extend_cooldown([self.prefixed_key(key)], [repr(float(seconds))])  # type: ignore[attr-defined]


_CLASSES: dict[type, type] = {}


def storage_class(scheme: str) -> type:
    """`limits`' storage class for `scheme`, on Redis's clock (call under CREATION_LOCK)."""
    base = supported_schemes()[scheme]
    made = _CLASSES.get(base)
    if made is None:
        # No STORAGE_SCHEME of its own: limits' registry is left as it is.
        made = type(f"ServerClock{base.__name__}", (_ServerClock, base), {})
        _CLASSES[base] = made
    return made
