"""`limits`' Redis storages for `RedisRateLimiter`: the drivers, their outage errors, and
one clock for the shared budget.

- `load_driver` imports redis (or valkey) whole, under the limiters' creation lock: a
  thread that comes second waits for the first to finish, so none reads a half-imported
  package (`limits` reads ``redis.__version__``, which a half-imported redis lacks).
- `storage_class` gives `limits`' storage for a scheme with one clock for the shared
  budget: Redis's own ``TIME``, read inside the Lua scripts that stamp and read the moving
  windows and the cool-down. Client clocks never enter the budget (the sliding-window
  token counter of `limits` already runs on Redis's key expiries). On Redis Cluster each
  key's scripts run on the node that holds it, so each window has one clock as well.

Importing this module imports neither redis nor `limits`.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["load_driver", "outage_errors", "storage_class", "supported_schemes"]

# redis-py's own scheme for a socket (limits spells it redis+unix).
_EXTRA_SCHEMES = ("unix",)


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


def load_driver(scheme: str) -> None:
    """Import the driver a storage of `scheme` needs, whole; call with
    ``_locks.CREATION_LOCK`` held (see `RateLimiter._load` for why `import_module`)."""
    driver = "valkey" if scheme.startswith("valkey") else "redis"
    importlib.import_module(driver)
    if scheme.endswith("+sentinel"):
        importlib.import_module(f"{driver}.sentinel")
    if scheme.endswith("+cluster"):
        importlib.import_module(f"{driver}.cluster")


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
