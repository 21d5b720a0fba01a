"""Error mapping and the one retry policy: which failures are retried, how often, how long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from solar_api import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncSolarClient,
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    SolarClient,
    UnprocessableEntityError,
)
from tests.helpers import (
    SECRET,
    Scripted,
    chat_json,
    chunk,
    error_response,
    fixture_json,
    sse_response,
)

USER = [{"role": "user", "content": "Hi"}]


def make(server: Scripted, max_retries: int = 2) -> tuple[SolarClient, list[float]]:
    client = SolarClient(api_key=SECRET, http_client=server.sync_client(), max_retries=max_retries)
    delays: list[float] = []
    client._sleep = delays.append  # type: ignore[method-assign]
    return client, delays


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, UnprocessableEntityError),
        (418, APIStatusError),
    ],
)
def test_non_retryable_status_maps_to_its_class_after_one_request(status: int, cls: type) -> None:
    server = Scripted(error_response(status, "nope", **{"x-request-id": "req-42"}))
    client, delays = make(server)
    with pytest.raises(cls) as info:
        client.chat(model="m", messages=USER)
    assert type(info.value) is cls
    err = info.value
    assert err.status_code == status and err.message == "nope"
    assert err.type == "invalid_request_error" and err.request_id == "req-42"
    # A 401 also says which key was refused (issue 25: the one given as api_key=).
    hint = ". Hint: the server refused the API key passed as api_key=" if status == 401 else ""
    assert str(err) == (
        f"Error code: {status} - nope (type=invalid_request_error, request_id=req-42, "
        f"POST https://api.upstage.ai/v1/chat/completions){hint}"
    )
    assert server.count == 1 and delays == []


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (408, APIStatusError),
        (409, APIStatusError),
    ],
)
def test_retryable_status_is_tried_one_plus_max_retries_times(status: int, cls: type) -> None:
    server = Scripted(error_response(status, "busy"))
    client, delays = make(server, max_retries=3)
    with pytest.raises(cls, match="busy"):
        client.chat(model="m", messages=USER)
    assert server.count == 4 and len(delays) == 3


def test_retry_then_success() -> None:
    server = Scripted(
        error_response(503), error_response(429), httpx.Response(200, json=chat_json("ok"))
    )
    client, delays = make(server)
    assert client.chat(model="m", messages=USER).choices[0].message.content == "ok"
    assert server.count == 3 and len(delays) == 2


def test_max_retries_zero_means_one_request() -> None:
    server = Scripted(error_response(500))
    client, _ = make(server, max_retries=0)
    with pytest.raises(InternalServerError):
        client.chat(model="m", messages=USER)
    assert server.count == 1


def test_retry_after_seconds_http_date_and_ms_are_honoured() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server = Scripted(
        error_response(429, **{"retry-after": "3"}),
        error_response(429, **{"retry-after-ms": "1500", "retry-after": "9"}),
        error_response(429, **{"retry-after": when}),
        httpx.Response(200, json=chat_json()),
    )
    client, delays = make(server, max_retries=3)
    client.chat(model="m", messages=USER)
    assert delays[0] == 3.0
    assert delays[1] == 1.5
    assert 27 < delays[2] <= 30


def test_backoff_is_exponential_with_jitter_and_capped() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=4, jitter=0.25)
    for attempt, base in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        for _ in range(20):
            d = policy.delay(attempt)
            assert base * 0.75 <= d <= base
    absurd = httpx.Headers({"retry-after": "3600"})
    assert policy.delay(0, absurd) <= 0.5  # beyond max_retry_after: normal backoff


def test_connection_errors_and_timeouts_are_retried_then_typed() -> None:
    server = Scripted(httpx.ConnectError("refused"))
    client, delays = make(server)
    with pytest.raises(APIConnectionError, match="refused"):
        client.chat(model="m", messages=USER)
    assert server.count == 3 and len(delays) == 2

    server = Scripted(httpx.ReadTimeout("slow"))
    client, _ = make(server)
    with pytest.raises(APITimeoutError):
        client.chat(model="m", messages=USER)
    assert server.count == 3


def test_stream_is_retried_before_its_first_byte_only() -> None:
    server = Scripted(error_response(503), lambda _: sse_response(chunk("a", finish_reason="stop")))
    client, delays = make(server)
    assert [c.choices[0].delta.content for c in client.chat_stream(model="m", messages=USER)] == [
        "a"
    ]
    assert server.count == 2 and len(delays) == 1


def test_context_length_errors_are_recognised() -> None:
    body = fixture_json("seed001_error_token_limit.json")
    server = Scripted(httpx.Response(400, json=body))
    client, _ = make(server)
    with pytest.raises(ContextLengthExceededError) as info:
        client.chat(model="solar-1-mini-summarization", messages=USER)
    assert info.value.message.startswith(
        "summarization could not be completed due to a token limit"
    )
    assert info.value.is_context_length_error
    assert isinstance(info.value, BadRequestError)


def test_seed_001_content_length_error_is_a_plain_bad_request() -> None:
    server = Scripted(httpx.Response(400, json=fixture_json("seed001_error_content_length.json")))
    client, _ = make(server)
    with pytest.raises(BadRequestError) as info:
        client.chat(model="solar-1-mini-summarization", messages=USER)
    assert type(info.value) is BadRequestError
    assert (
        info.value.message
        == "content must be at least 250 characters. content length provided: 227"
    )
    assert not info.value.is_context_length_error


def test_html_gateway_page_becomes_a_readable_message() -> None:
    page = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body>\n</html>"
    server = Scripted(httpx.Response(502, text=page))
    client, _ = make(server, max_retries=0)
    with pytest.raises(InternalServerError) as info:
        client.chat(model="m", messages=USER)
    assert (
        info.value.message
        == "<html> <head><title>502 Bad Gateway</title></head> <body>nginx</body> </html>"
    )


def test_redirect_is_not_followed_and_key_not_forwarded() -> None:
    server = Scripted(httpx.Response(307, headers={"location": "https://evil.example/steal"}))
    client, _ = make(server)
    with pytest.raises(APIStatusError, match="not followed"):
        client.chat(model="m", messages=USER)
    assert [r.url.host for r in server.requests] == ["api.upstage.ai"]


async def test_async_retries_use_the_same_policy() -> None:
    server = Scripted(error_response(500), error_response(502), error_response(503))
    client = AsyncSolarClient(api_key=SECRET, http_client=server.async_client())
    delays: list[float] = []

    async def fake_sleep(d: float) -> None:
        delays.append(d)

    client._sleep = fake_sleep  # type: ignore[method-assign]
    with pytest.raises(InternalServerError):
        await client.chat(model="m", messages=USER)
    assert server.count == 3 and len(delays) == 2


def test_invalid_max_retries() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        SolarClient(api_key=SECRET, max_retries=-1)
