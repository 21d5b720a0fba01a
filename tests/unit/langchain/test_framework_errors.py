"""solar_api errors are LangChain ModelErrors too, and successful replies carry the
request id and rate-limit headers (issue 13, item 7)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core import exceptions as lc

import solar_api
from langchain_solar import ChatSolar, SolarEmbeddings, SolarLLM
from tests.helpers import SECRET, Scripted, chat_json, chunk, error_response, sse_response


def _chat(server: Scripted, **kw: Any) -> ChatSolar:
    return ChatSolar(
        api_key=SECRET,
        max_retries=0,
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
        **kw,
    )


@pytest.mark.parametrize(
    ("reply", "ours", "theirs"),
    [
        (error_response(429, "slow down"), solar_api.RateLimitError, lc.ModelRateLimitError),
        (
            error_response(401, "bad key"),
            solar_api.AuthenticationError,
            lc.ModelAuthenticationError,
        ),
        (error_response(404, "no model"), solar_api.NotFoundError, lc.ModelNotFoundError),
        (error_response(400, "bad"), solar_api.BadRequestError, lc.ModelInvalidRequestError),
        (
            error_response(400, "This model's maximum context length is 4096 tokens"),
            solar_api.ContextLengthExceededError,
            lc.ContextOverflowError,
        ),
        (error_response(503, "down"), solar_api.InternalServerError, lc.ModelAPIError),
        (httpx.ConnectError("refused"), solar_api.APIConnectionError, lc.ModelConnectionError),
        (httpx.ReadTimeout("slow"), solar_api.APITimeoutError, lc.ModelTimeoutError),
    ],
)
def test_errors_are_both_ours_and_langchains(reply: Any, ours: type, theirs: type) -> None:
    server = Scripted(reply)
    with pytest.raises(ours) as info:
        _chat(server).invoke("x")
    assert isinstance(info.value, theirs) and isinstance(info.value, solar_api.SolarError)
    with pytest.raises(theirs):
        list(_chat(Scripted(reply)).stream("x"))


async def test_async_and_the_other_classes() -> None:
    with pytest.raises(lc.ModelRateLimitError) as info:
        await _chat(Scripted(error_response(429, "slow down"))).ainvoke("x")
    assert info.value.is_retryable and info.value.message == "slow down"  # type: ignore[attr-defined]
    server = Scripted(error_response(429, "slow down"))
    conn = {"api_key": SECRET, "max_retries": 0, "http_client": server.sync_client()}
    with pytest.raises(lc.ModelRateLimitError):
        SolarLLM(provider="julep", **conn).invoke("x")
    with pytest.raises(lc.ModelRateLimitError):
        SolarEmbeddings(**conn).embed_query("x")


def test_fallbacks_catch_them_as_model_errors() -> None:
    failing = _chat(Scripted(error_response(429, "slow down")))
    working = _chat(Scripted(httpx.Response(200, json=chat_json("from the fallback"))))
    chain = failing.with_fallbacks([working], exceptions_to_handle=(lc.ModelRateLimitError,))
    assert chain.invoke("x").content == "from the fallback"


HEADERS = {
    "x-request-id": "req-123",
    "x-ratelimit-remaining-requests": "99",
    "x-ratelimit-limit-tokens": "10000",
    "set-cookie": "not-kept=1",
}


def test_replies_carry_the_request_id_and_rate_limit_headers() -> None:
    server = Scripted(httpx.Response(200, json=chat_json(), headers=HEADERS))
    meta = _chat(server).invoke("x").response_metadata
    assert meta["request_id"] == "req-123"
    assert meta["headers"] == {
        "x-request-id": "req-123",
        "x-ratelimit-remaining-requests": "99",
        "x-ratelimit-limit-tokens": "10000",
    }

    def streamed(_: httpx.Request) -> httpx.Response:
        response = sse_response(chunk("Hi", role="assistant"), chunk(finish_reason="stop"))
        response.headers.update(HEADERS)
        return response

    chunks = list(_chat(Scripted(streamed)).stream("x"))
    full = sum(chunks[1:], chunks[0])
    assert full.response_metadata["request_id"] == "req-123"
    assert full.response_metadata["headers"]["x-ratelimit-remaining-requests"] == "99"
