"""A Retry-After above the cap (issue 26, item 7): honoured up to a configurable wait, or
raised at once as a typed error carrying the server's value; a shared limiter's cool-down
takes the server's value (it was replaced by a ~0.4 s back-off)."""

from __future__ import annotations

import httpx
import pytest

from solar_api import RateLimitError, RetryPolicy, SolarClient
from solar_api.ratelimit import InMemoryRateLimiter
from tests.helpers import Scripted, chat_json, error_response

USER = [{"role": "user", "content": "x"}]


def _client(server: Scripted, **kw: object) -> tuple[SolarClient, list[float]]:
    client = SolarClient(base_url="http://127.0.0.1:9/v1", http_client=server.sync_client(), **kw)
    slept: list[float] = []
    client._sleep = slept.append  # type: ignore[method-assign]
    return client, slept


def test_an_hour_is_not_replaced_by_a_short_backoff() -> None:
    server = Scripted(error_response(429, "slow down", **{"retry-after": "3600"}))
    client, slept = _client(server)
    with pytest.raises(RateLimitError) as caught:
        client.chat(model="m", messages=USER)
    assert server.count == 1 and slept == []  # not hit again 0.4 s later
    err = caught.value
    assert err.retry_after == 3600.0 and err.message == "slow down"
    assert "asked to wait 3600 s, more than max_retry_after (60 s)" in str(err)


def test_a_raised_cap_waits_the_servers_value() -> None:
    server = Scripted(
        error_response(503, **{"retry-after": "3600"}), httpx.Response(200, json=chat_json())
    )
    client, slept = _client(server, retry_policy=RetryPolicy(max_retry_after=7200))
    client.chat(model="m", messages=USER)
    assert slept == [3600.0] and server.count == 2


def test_values_under_the_cap_are_still_waited_and_carried() -> None:
    server = Scripted(error_response(429, **{"retry-after": "2"}))
    client, slept = _client(server, max_retries=1)
    with pytest.raises(RateLimitError) as caught:
        client.chat(model="m", messages=USER)
    assert slept == [2.0] and caught.value.retry_after == 2.0


def test_the_shared_cool_down_takes_the_servers_value() -> None:
    limiter = InMemoryRateLimiter(requests_per_minute=1000)
    server = Scripted(error_response(429, **{"retry-after": "3600"}))
    client, _ = _client(server, rate_limiter=limiter)
    with pytest.raises(RateLimitError):
        client.chat(model="m", messages=USER)
    assert limiter.budget().cooldown > 3500
