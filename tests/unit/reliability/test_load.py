"""Load from one async client: 2,000 requests, 200 in flight, 5% answered 429 or 503."""

from __future__ import annotations

import asyncio
import time

import pytest

from langchain_solar import ChatSolar
from solar_api import (
    AsyncSolarClient,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
    SolarError,
)
from solar_api._base_client import DEFAULT_LIMITS
from tests.faults import by_number, fault_server, http_reply
from tests.helpers import chat_json

pytestmark = pytest.mark.slow  # 2,000 requests through a loopback server

OK = http_reply(200, chat_json("fine"))
BUSY = http_reply(429, {"error": {"message": "slow down"}}, retry_after="0")
DOWN = http_reply(503, {"error": {"message": "overloaded"}})


def _mix(number: int):  # type: ignore[no-untyped-def]
    # Every 20th request is refused (alternating 429 and 503): 5% of the traffic.
    if number % 20 == 0:
        return BUSY if number % 40 == 0 else DOWN
    return OK


FAST = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.05)


def test_2000_requests_200_in_flight_none_lost() -> None:
    with fault_server(by_number(_mix)) as server:
        client = AsyncSolarClient(base_url=server.base_url, retry_policy=FAST, timeout=30)

        async def run() -> list[object]:
            limit = asyncio.Semaphore(200)

            async def one(i: int) -> object:
                async with limit:
                    try:
                        reply = await client.chat(
                            model="m", messages=[{"role": "user", "content": str(i)}]
                        )
                        return reply.choices[0].message.content
                    except SolarError as exc:  # typed, counted, never lost
                        return exc

            results = await asyncio.gather(*(one(i) for i in range(2000)))
            await client.aclose()
            return list(results)

        started = time.monotonic()
        results = asyncio.run(run())
        elapsed = time.monotonic() - started
    assert len(results) == 2000  # none lost
    errors = [r for r in results if not isinstance(r, str)]
    # A call fails only when all three of its attempts drew a refusal (about 0.25% at 5%):
    # then it is the typed error with the server's message.
    assert all(isinstance(e, (RateLimitError, InternalServerError)) for e in errors), errors[:3]
    assert {e.message for e in errors} <= {"slow down", "overloaded"}  # type: ignore[union-attr]
    assert len(errors) <= 40
    assert results.count("fine") + len(errors) == 2000
    # Each refusal costs exactly one more request, except the last of a call that failed
    # (1 + max_retries requests, then the error): nothing is retried twice over.
    refusals = sum(1 for n in range(1, server.count + 1) if n % 20 == 0)
    assert server.count == 2000 + refusals - len(errors)
    # The pool bounds what reaches the server, whatever the caller's concurrency.
    assert server.max_active <= DEFAULT_LIMITS.max_connections
    assert elapsed < 120


def test_abatch_with_max_concurrency_under_refusals() -> None:
    with fault_server(by_number(_mix)) as server:
        llm = ChatSolar(base_url=server.base_url, max_retries=2)
        llm._async_client.retry = FAST
        out = asyncio.run(
            llm.abatch(
                [str(i) for i in range(200)], config={"max_concurrency": 20}, return_exceptions=True
            )
        )
    assert len(out) == 200
    failed = [o for o in out if isinstance(o, Exception)]
    assert all(isinstance(f, (RateLimitError, InternalServerError)) for f in failed)
    assert sum(1 for o in out if not isinstance(o, Exception) and o.content == "fine") == 200 - len(
        failed
    )
    assert server.max_active <= 20
