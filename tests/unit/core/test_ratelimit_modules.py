"""How `solar_api.ratelimit` is split: the façade loads no Redis code until it is named,
and pickles made before the split (whose classes were ``solar_api.ratelimit.X``) still
load."""

from __future__ import annotations

import pickle

import pytest

import solar_api.ratelimit as ratelimit
from tests.helpers import run_python

# That the limiter modules import nothing of solar_api.tasks (only costing.py counts
# tokens) is an import-linter contract (pyproject.toml; tests/unit/test_import_contracts.py).


@pytest.mark.slow  # a fresh interpreter (~0.8 s)
def test_the_facade_loads_the_redis_limiter_only_when_it_is_named() -> None:
    out = run_python(
        """
        import sys
        import solar_api.ratelimit as rl
        before = sorted(m for m in sys.modules if m.startswith("solar_api.ratelimit."))
        print("solar_api.ratelimit.redis" in before, "redis" in sys.modules)
        from solar_api.ratelimit import RedisRateLimiter
        print(RedisRateLimiter.__module__, "redis" in sys.modules)
        """
    )
    assert out.splitlines() == ["False False", "solar_api.ratelimit.redis False"]


# Made before the split (protocol 4, by that version's code): their classes are named
# solar_api.ratelimit.RedisRateLimiter and solar_api.ratelimit.InMemoryRateLimiter.
_OLD_REDIS = (
    b"\x80\x04\x95\x02\x01\x00\x00\x00\x00\x00\x00\x8c\x13solar_api.ratelimit\x94\x8c\x10"
    b"RedisRateLimiter\x94\x93\x94)\x81\x94}\x94(\x8c\x03url\x94\x8c\x15"
    b"redis://127.0.0.1:1/0\x94\x8c\x0cpassword_env\x94\x8c\x14SOLAR_REDIS_PASSWORD\x94\x8c"
    b"\x11password_from_env\x94\x89\x8c\x0eoutage_timeout\x94G@>\x00\x00\x00\x00\x00\x00\x8c"
    b"\x0eprobe_interval\x94G?\xf0\x00\x00\x00\x00\x00\x00\x8c\x13requests_per_minute\x94N"
    b"\x8c\x11tokens_per_minute\x94K\t\x8c\tnamespace\x94\x8c\x05solar\x94ub."
)
_OLD_MEMORY = (
    b"\x80\x04\x95x\x00\x00\x00\x00\x00\x00\x00\x8c\x13solar_api.ratelimit\x94\x8c\x13"
    b"InMemoryRateLimiter\x94\x93\x94)\x81\x94}\x94(\x8c\x13requests_per_minute\x94K\x04\x8c"
    b"\x11tokens_per_minute\x94N\x8c\tnamespace\x94\x8c\x05solar\x94ub."
)


def test_a_pickle_made_before_the_split_still_loads() -> None:
    memory = pickle.loads(_OLD_MEMORY)
    assert type(memory) is ratelimit.InMemoryRateLimiter
    assert memory.budget().requests == 1  # a working limiter, not only an object

    redis = pickle.loads(_OLD_REDIS)
    assert type(redis) is ratelimit.RedisRateLimiter
    assert (redis.url, redis.tokens_per_minute) == ("redis://127.0.0.1:1/0", 9)
