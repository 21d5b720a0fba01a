"""Request- and token-aware rate limits, per process or shared by every process through Redis.

Give a limiter to a client (``rate_limiter=``) or to any adapter class: before each
attempt the client takes one request and the request's estimated tokens, waiting until
both fit; after the answer the tokens the server reports replace the estimate; a 429
makes every user of the limiter wait out its cool-down. The counting is the `limits`
library's (pip install "solar-integrations[redis]").

This package is the public face; each concern is a module of its own:

- `.base`: `RateLimiter` (the interface the clients use, and the policy every back end
  shares), `Lease`, `Budget`, `RateLimiterUnavailableError`;
- `.memory`: `InMemoryRateLimiter`, one process's budget;
- `.redis`: `RedisRateLimiter`, one budget for every process (and `REDIS_PASSWORD_ENV`),
  imported on first use, so a process that never names it loads none of its code;
- `.costing`: `estimate_tokens` and `usage_tokens`, what the clients tell a limiter a
  request costs (the only module here that imports ``solar_api.tasks``);
- `.wrapped`: `solar_rate_limiter`, the limiter inside an adapter's ``rate_limiter``.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from .base import Budget, Lease, RateLimiter, RateLimiterUnavailableError
from .costing import estimate_tokens, usage_tokens
from .memory import InMemoryRateLimiter
from .wrapped import solar_rate_limiter

if TYPE_CHECKING:
    from .redis import REDIS_PASSWORD_ENV, RedisRateLimiter

__getattr__ = lazy_exports(__name__, {"RedisRateLimiter": ".redis", "REDIS_PASSWORD_ENV": ".redis"})

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
