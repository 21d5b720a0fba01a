"""Rate limits per process and shared through a real redis-server on 127.0.0.1.

Outcomes only (what was taken, given back, refused, sent), never how long anything took.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from solar_api import AsyncSolarClient, RateLimitError, SolarClient
from solar_api.ratelimit import (
    InMemoryRateLimiter,
    RateLimiter,
    RateLimiterUnavailableError,
    RedisRateLimiter,
    estimate_tokens,
)
from tests.helpers import Scripted, chat_json, error_response, sse_response
from tests.redis_server import RedisServer, _free_port, redis_server

USER = [{"role": "user", "content": "Summarize the report."}]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as server:
        yield server.url


_names = iter(range(10**6))


def _redis(url: str, **limits: Any) -> RedisRateLimiter:
    # A namespace per test: the module's Redis outlives each test's counters.
    return RedisRateLimiter(url, namespace=f"t{next(_names)}", **limits)


# The Redis cases start a real redis-server (module-wide), so they are slow.
@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.slow)])
def make_limiter(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return lambda **limits: InMemoryRateLimiter(**limits)
    url = request.getfixturevalue("redis_url")
    return lambda **limits: _redis(url, **limits)


def _client(server: Scripted, limiter: RateLimiter, **kw: Any) -> SolarClient:
    client = SolarClient(
        base_url="http://127.0.0.1:9/v1",
        api_key="k",
        http_client=server.sync_client(),
        rate_limiter=limiter,
        **kw,
    )
    client._sleep = lambda s: None
    return client


# -- the budget itself -------------------------------------------------------------------


def test_tokens_are_taken_then_settled_with_the_servers_usage(make_limiter: Any) -> None:
    limiter = make_limiter(tokens_per_minute=1000)
    lease = limiter.acquire(300)
    assert limiter.budget().tokens == 700
    limiter.settle(lease, 100)  # used less: the difference comes back
    assert limiter.budget().tokens == 900
    lease = limiter.acquire(100)
    limiter.settle(lease, 400)  # used more: the difference is charged
    assert limiter.budget().tokens == 500
    limiter.settle(lease, 0)  # settled once only
    assert limiter.budget().tokens == 500


def test_requests_are_counted_per_second_and_per_minute(make_limiter: Any) -> None:
    limiter = make_limiter(requests_per_minute=600)  # 10 a second, 9 after the margin
    assert limiter.budget().requests == 9
    for _ in range(4):
        limiter.acquire()
    assert limiter.budget().requests == 5


@pytest.mark.slow  # a real redis-server
def test_a_cool_down_is_seen_by_every_user_of_the_namespace(redis_url: str) -> None:
    one = _redis(redis_url, requests_per_minute=60)
    other = RedisRateLimiter(redis_url, namespace=one.namespace, requests_per_minute=60)
    stranger = _redis(redis_url, requests_per_minute=60)
    one.cool_down(30)
    one.cool_down(1)  # a shorter cool-down never cuts a longer one
    assert 25 < other.budget().cooldown <= 30
    assert stranger.budget().cooldown == 0.0


@pytest.mark.slow  # a real redis-server
def test_pickled_limiter_shares_the_budget_and_carries_no_connection(redis_url: str) -> None:
    limiter = _redis(redis_url, tokens_per_minute=1000)
    limiter.acquire(250)
    data = pickle.dumps(limiter)
    assert b"ConnectionPool" not in data and b"limits.storage" not in data
    copy = pickle.loads(data)
    assert copy._windows is None  # connects on first use
    assert copy.budget().tokens == 750
    copy.acquire(250)
    assert limiter.budget().tokens == 500


def test_in_memory_limiter_pickles_to_a_fresh_budget() -> None:
    limiter = InMemoryRateLimiter(tokens_per_minute=1000)
    limiter.acquire(400)
    assert pickle.loads(pickle.dumps(limiter)).budget().tokens == 1000


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({}, "give at least one"),
        ({"requests_per_minute": 0}, "requests_per_minute"),
        ({"tokens_per_minute": 1.5}, "tokens_per_minute"),
        ({"requests_per_minute": 1, "namespace": ""}, "namespace"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, Any], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        InMemoryRateLimiter(**kwargs)


def test_a_bad_url_is_refused_before_any_connection() -> None:
    with pytest.raises(ValueError, match="Redis URL"):
        RedisRateLimiter("http://127.0.0.1:6379", requests_per_minute=1)


def test_estimate_counts_input_and_max_tokens() -> None:
    chat = {"messages": USER, "max_tokens": 50}
    assert estimate_tokens("/chat/completions", chat) > 50
    assert estimate_tokens("/embeddings", {"input": ["a" * 64, "b" * 64]}) == 40
    assert estimate_tokens("/models", None) == 0


# -- inside the clients ------------------------------------------------------------------


def test_client_takes_the_estimate_and_settles_with_usage(make_limiter: Any) -> None:
    limiter = make_limiter(requests_per_minute=600, tokens_per_minute=10_000)
    server = Scripted(httpx.Response(200, json=chat_json(usage=(30, 12))))
    _client(server, limiter).chat(model="solar-mini", messages=USER, max_tokens=500)
    budget = limiter.budget()
    assert budget.tokens == 10_000 - 42  # the server's usage, not the 500-token estimate
    assert budget.requests == 8


def test_a_stream_keeps_its_estimate(make_limiter: Any) -> None:
    limiter = make_limiter(tokens_per_minute=10_000)
    server = Scripted(sse_response({"choices": []}))
    body = {"messages": USER, "max_tokens": 100}
    stream = _client(server, limiter).chat_stream(model="solar-mini", **body)
    stream.close()
    assert limiter.budget().tokens == 10_000 - estimate_tokens("/chat/completions", body)


@pytest.mark.slow  # a real redis-server
def test_a_429_cools_the_whole_namespace_down(redis_url: str) -> None:
    limiter = _redis(redis_url, requests_per_minute=600, tokens_per_minute=10_000)
    peer = pickle.loads(pickle.dumps(limiter))  # another worker's copy
    server = Scripted(error_response(429, "slow down", **{"retry-after": "20"}))
    with pytest.raises(RateLimitError, match="slow down"):
        _client(server, limiter, max_retries=0).chat(model="solar-mini", messages=USER)
    assert 15 < peer.budget().cooldown <= 20
    assert peer.budget().tokens == 10_000  # refused: no tokens used


def test_a_429_is_retried_after_the_shared_cool_down(make_limiter: Any) -> None:
    limiter = make_limiter(requests_per_minute=600)
    server = Scripted(
        error_response(429, "slow down", **{"retry-after-ms": "50"}),
        httpx.Response(200, json=chat_json("fine")),
    )
    reply = _client(server, limiter).chat(model="solar-mini", messages=USER)
    assert reply.choices[0].message.content == "fine"
    assert server.count == 2
    assert limiter.budget().requests == 7  # both attempts took a request


async def test_async_client_uses_the_same_budget(make_limiter: Any) -> None:
    limiter = make_limiter(requests_per_minute=600, tokens_per_minute=10_000)
    server = Scripted(httpx.Response(200, json=chat_json(usage=(20, 5))))
    client = AsyncSolarClient(
        base_url="http://127.0.0.1:9/v1",
        api_key="k",
        http_client=server.async_client(),
        rate_limiter=limiter,
    )
    await client.chat(model="solar-mini", messages=USER)
    assert limiter.budget().tokens == 10_000 - 25


def test_client_refuses_something_else_as_rate_limiter() -> None:
    with pytest.raises(TypeError, match="rate_limiter"):
        SolarClient(base_url="http://127.0.0.1:9/v1", rate_limiter=object())  # type: ignore[arg-type]


# -- Redis unreachable -------------------------------------------------------------------


@pytest.mark.allow_hosts(["127.0.0.1"])  # connects to loopback only
def test_unreachable_redis_fails_at_the_first_request_and_sends_nothing() -> None:
    limiter = RedisRateLimiter(
        f"redis://:hunter2@127.0.0.1:{_free_port()}/0", requests_per_minute=60
    )
    server = Scripted()
    with pytest.raises(RateLimiterUnavailableError, match="unreachable") as info:
        _client(server, limiter).chat(model="solar-mini", messages=USER)
    assert server.count == 0
    assert "hunter2" not in str(info.value)


@pytest.mark.slow  # a real redis-server
def test_redis_lost_mid_run_fails_closed_after_the_outage_timeout() -> None:
    redis = RedisServer().start()
    limiter = RedisRateLimiter(redis.url, requests_per_minute=600, outage_timeout=0.3)
    server = Scripted()
    client = _client(server, limiter)
    client.chat(model="solar-mini", messages=USER)
    redis.stop()
    with pytest.raises(RateLimiterUnavailableError, match="fails closed"):
        client.chat(model="solar-mini", messages=USER)
    assert server.count == 1  # nothing went out unlimited


@pytest.mark.slow  # a real redis-server
def test_redis_back_within_the_outage_timeout_is_used_again() -> None:
    redis = RedisServer().start()
    limiter = RedisRateLimiter(redis.url, requests_per_minute=600, outage_timeout=20)
    server = Scripted()
    client = _client(server, limiter)
    client.chat(model="solar-mini", messages=USER)
    redis.stop()
    again = RedisServer(redis.port)
    timer = threading.Timer(0.5, again.start)
    timer.start()
    try:
        client.chat(model="solar-mini", messages=USER)
    finally:
        timer.join()
        again.stop()
    assert server.count == 2


async def test_async_settling_gives_back_and_charges(make_limiter: Any) -> None:
    limiter = make_limiter(tokens_per_minute=1000)
    lease = await limiter.aacquire(300)
    await limiter.asettle(lease, 100)
    lease = await limiter.aacquire(100)
    await limiter.asettle(lease, 400)
    await limiter.acool_down(5)
    budget = limiter.budget()
    assert budget.tokens == 500 and budget.cooldown > 4


@pytest.mark.parametrize(
    ("cls", "words"),
    [(InMemoryRateLimiter, {}), (RedisRateLimiter, {"url": "redis://127.0.0.1:1/0"})],
)
def test_a_limiter_without_the_limits_package_says_so_at_construction(
    cls: type[Any], words: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "limits" else real(name, *a)
    )
    with pytest.raises(ImportError, match=r"limits.*solar-integrations\[ratelimit\]"):
        cls(requests_per_minute=10, **words)
