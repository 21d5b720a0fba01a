"""Faults x modes for ChatSolar against a real loopback server that misbehaves on purpose.

Each case ends in success after the right number of requests, or in the right typed
error carrying the server's message, within a bounded time, with no connection left
busy in the pool. A stream cut after text was delivered is never retried.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import pytest

from langchain_solar import ChatSolar
from solar_api import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APIStreamError,
    APITimeoutError,
    AuthenticationError,
    InternalServerError,
    RetryPolicy,
    StreamInterruptedError,
)
from tests.faults import close_without_reply, fault_server, http_reply, reset, sse_reply, stall
from tests.helpers import SECRET, chat_json, chunk
from tests.unit.reliability.checks import assert_secret_absent, open_client_sockets

OK = http_reply(200, chat_json("fine"))
OK_STREAM = sse_reply([chunk("fi", role="assistant"), chunk("ne", finish_reason="stop")])
ERR = {"error": {"message": "the server is on fire", "type": "server_error"}}
TIMEOUT = 0.3


@dataclass(frozen=True)
class Case:
    replies: tuple[Any, ...]
    requests: int
    error: type[Exception] | None = None
    match: str | None = None
    stream_only: bool = False
    plain_only: bool = False


def _ok(stream: bool) -> Any:
    return OK_STREAM if stream else OK


CASES: dict[str, Any] = {
    "429 retry-after then ok": lambda s: Case((http_reply(429, ERR, retry_after="0"), _ok(s)), 2),
    "429 retry-after-ms then ok": lambda s: Case(
        (http_reply(429, ERR, retry_after_ms="5"), _ok(s)), 2
    ),
    "500 three times": lambda s: Case((http_reply(500, ERR),), 3, InternalServerError, "on fire"),
    "502 html gateway page": lambda s: Case(
        (
            http_reply(
                502, "<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html"
            ),
        ),
        3,
        InternalServerError,
        "502 Bad Gateway",
    ),
    "503 then ok": lambda s: Case((http_reply(503, ERR), _ok(s)), 2),
    "504 then ok": lambda s: Case((http_reply(504, ERR), _ok(s)), 2),
    "408 then ok": lambda s: Case((http_reply(408, ERR), _ok(s)), 2),
    "409 then ok": lambda s: Case((http_reply(409, ERR), _ok(s)), 2),
    "401 is not retried": lambda s: Case(
        (http_reply(401, {"error": {"message": "bad key"}}),), 1, AuthenticationError, "bad key"
    ),
    "reset before the response, always": lambda s: Case((reset(),), 3, APIConnectionError),
    "reset then ok": lambda s: Case((reset(), _ok(s)), 2),
    "closed without a reply then ok": lambda s: Case((close_without_reply(), _ok(s)), 2),
    "stalls past the read timeout": lambda s: Case((stall(TIMEOUT * 4),), 3, APITimeoutError),
    "slow but within the timeout": lambda s: Case((stall(TIMEOUT / 3, _ok(s)),), 1),
    "redirect to another host": lambda s: Case(
        (http_reply(307, b"", location="http://elsewhere.invalid/v1/chat/completions"),),
        1,
        APIStatusError,
        "not followed",
    ),
    "empty 200": lambda s: Case(
        (http_reply(200, b""),), 1, APIResponseValidationError, plain_only=True
    ),
    "non-JSON 200": lambda s: Case(
        (http_reply(200, "Service Unavailable", content_type="text/plain"),),
        1,
        APIResponseValidationError,
        plain_only=True,
    ),
    "truncated JSON": lambda s: Case(
        (http_reply(200, '{"choices": [{"message": {"role": "assi'),),
        1,
        APIResponseValidationError,
        plain_only=True,
    ),
    "stream cut after two events": lambda s: Case(
        (sse_reply([chunk("a"), chunk("b")], cut=True),),
        1,
        StreamInterruptedError,
        "after 2 events",
        stream_only=True,
    ),
    "error object mid-stream": lambda s: Case(
        (
            sse_reply(
                [chunk("a"), {"error": {"message": "model crashed", "code": 500}}], done=False
            ),
        ),
        1,
        APIStreamError,
        "model crashed",
        stream_only=True,
    ),
    "invalid JSON in a data line": lambda s: Case(
        (sse_reply([chunk("a"), "{oops"]),), 1, APIResponseValidationError, stream_only=True
    ),
    "no [DONE] and no finish_reason": lambda s: Case(
        (sse_reply([chunk("a"), chunk("b")], done=False),),
        1,
        StreamInterruptedError,
        "without",
        stream_only=True,
    ),
    "stream stalls mid-way": lambda s: Case(
        (sse_reply([chunk("a"), chunk("b")], pause=TIMEOUT * 4),),
        1,
        StreamInterruptedError,
        "timed out",
        stream_only=True,
    ),
}
# Every mode runs on the default pools (http.client for sync, aiohttp for async) and
# again on httpx's own pools (SOLAR_*_TRANSPORT=httpx), which proxies use.
BASE_MODES = ["invoke", "ainvoke", "stream", "astream"]
MODES = BASE_MODES + [f"{mode}/httpx-pool" for mode in BASE_MODES]


def _model(base_url: str) -> ChatSolar:
    llm = ChatSolar(base_url=base_url, api_key=SECRET, timeout=TIMEOUT, max_retries=2)
    fast = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02)
    llm._client.retry = fast
    llm._async_client.retry = fast
    return llm


def _run(llm: ChatSolar, mode: str, port: int) -> str:
    if mode == "invoke":
        return str(llm.invoke("x").content)
    if mode == "stream":
        return "".join(str(c.content) for c in llm.stream("x"))

    async def go() -> tuple[str, int]:
        if mode == "ainvoke":
            text = str((await llm.ainvoke("x")).content)
        else:
            text = "".join([str(c.content) async for c in llm.astream("x")])
        # Counted inside the loop: its shutdown would close whatever was left open.
        return text, open_client_sockets(port)

    text, sockets = asyncio.run(go())
    assert sockets == 0, "a socket was left open"
    return text


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", sorted(CASES))
def test_fault(fault: str, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    mode, _, pool = mode.partition("/")
    if pool:
        monkeypatch.setenv("SOLAR_SYNC_TRANSPORT", "httpx")
        monkeypatch.setenv("SOLAR_ASYNC_TRANSPORT", "httpx")
    streaming = mode in ("stream", "astream")
    case: Case = CASES[fault](streaming)
    if case.stream_only and not streaming:
        pytest.skip("a stream fault: the non-streaming modes never read SSE")
    if case.plain_only and streaming:
        pytest.skip("a plain-body fault: covered for streams by the stream faults")
    with fault_server(*case.replies) as server:
        llm = _model(server.base_url)
        started = time.monotonic()
        if case.error is None:
            assert _run(llm, mode, server.port) == "fine"
        else:
            with pytest.raises(case.error, match=case.match) as info:
                _run(llm, mode, server.port)
            assert type(info.value).__module__.startswith("solar_api")
            assert_secret_absent(info.value)
        elapsed = time.monotonic() - started
        assert server.count == case.requests, f"{server.count} requests, expected {case.requests}"
        # Three attempts at most, each bounded by the read timeout, plus tiny backoffs.
        assert elapsed < 3 * TIMEOUT * 4 + 2
        assert open_client_sockets(server.port) == 0, "a socket was left open"
        # Every request went to the configured host, with the key; a redirect is not followed.
        assert all(r["headers"]["authorization"] == f"Bearer {SECRET}" for r in server.requests)
