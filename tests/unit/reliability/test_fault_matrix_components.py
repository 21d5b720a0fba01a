"""The generic faults for every other component: LlamaIndex's Solar, SolarLLM, the
embeddings and the summarizer, sync and async, streaming and not."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage

from langchain_solar import SolarEmbeddings, SolarLLM, SolarSummarizer
from llama_index_solar import Solar
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
from tests.faults import fault_server, http_reply, reset, sse_reply, stall
from tests.helpers import SECRET, chat_json, chunk
from tests.unit.reliability.checks import assert_secret_absent, open_client_sockets

pytestmark = pytest.mark.slow  # a raw-socket fault server, every fault x every mode

TIMEOUT = 0.3
FAST = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02)
ERR = {"error": {"message": "the server is on fire"}}
LONG = "Solar Mini is a compact large language model from Upstage. " * 6
USER = [ChatMessage(role="user", content="x")]

CHAT_OK = http_reply(200, chat_json("fine"))
CHAT_STREAM_OK = sse_reply([chunk("fi"), chunk("ne", finish_reason="stop")])
TEXT_OK = http_reply(200, {"choices": [{"index": 0, "text": "fine", "finish_reason": "stop"}]})
TEXT_STREAM_OK = sse_reply(
    [
        {"choices": [{"index": 0, "text": "fi"}]},
        {"choices": [{"index": 0, "text": "ne", "finish_reason": "stop"}]},
    ]
)
EMBED_OK = http_reply(200, {"data": [{"index": 0, "embedding": [0.6, 0.8]}]})


def _fast(obj: Any) -> Any:
    obj._client.retry = FAST
    obj._async_client.retry = FAST
    return obj


def _arun(coro_fn: Callable[[], Any]) -> Any:
    return asyncio.run(coro_fn())


async def _astream_chat(llm: Solar) -> str:
    return "".join([r.delta or "" async for r in await llm.astream_chat(USER)])


async def _astream_text(llm: SolarLLM) -> str:
    return "".join([c async for c in llm.astream("x")])


RUNNERS: dict[str, tuple[Callable[[str], Any], Callable[[Any], Any], Any, Any]] = {
    # name: (make, run -> "fine"-like result, ok reply, expected success value)
    "Solar.chat": (
        lambda u: Solar(base_url=u, api_key=SECRET, timeout=TIMEOUT),
        lambda m: m.chat(USER).message.content,
        CHAT_OK,
        "fine",
    ),
    "Solar.achat": (
        lambda u: Solar(base_url=u, api_key=SECRET, timeout=TIMEOUT),
        lambda m: _arun(lambda: m.achat(USER)).message.content,
        CHAT_OK,
        "fine",
    ),
    "Solar.stream_chat": (
        lambda u: Solar(base_url=u, api_key=SECRET, timeout=TIMEOUT),
        lambda m: "".join(r.delta or "" for r in m.stream_chat(USER)),
        CHAT_STREAM_OK,
        "fine",
    ),
    "Solar.astream_chat": (
        lambda u: Solar(base_url=u, api_key=SECRET, timeout=TIMEOUT),
        lambda m: _arun(lambda: _astream_chat(m)),
        CHAT_STREAM_OK,
        "fine",
    ),
    "SolarLLM.invoke": (
        lambda u: SolarLLM(base_url=u, api_key=SECRET, timeout=TIMEOUT),
        lambda m: m.invoke("x"),
        TEXT_OK,
        "fine",
    ),
    "SolarLLM.ainvoke": (
        lambda u: SolarLLM(base_url=u, api_key=SECRET, timeout=TIMEOUT),
        lambda m: _arun(lambda: m.ainvoke("x")),
        TEXT_OK,
        "fine",
    ),
    "SolarLLM.astream": (
        lambda u: SolarLLM(base_url=u, api_key=SECRET, timeout=TIMEOUT),
        lambda m: _arun(lambda: _astream_text(m)),
        TEXT_STREAM_OK,
        "fine",
    ),
    "SolarEmbeddings.embed_query": (
        lambda u: SolarEmbeddings(base_url=u, api_key=SECRET, timeout=TIMEOUT),
        lambda m: m.embed_query("x"),
        EMBED_OK,
        [0.6, 0.8],
    ),
    "SolarEmbeddings.aembed_documents": (
        lambda u: SolarEmbeddings(base_url=u, api_key=SECRET, timeout=TIMEOUT),
        lambda m: _arun(lambda: m.aembed_documents(["x"]))[0],
        EMBED_OK,
        [0.6, 0.8],
    ),
    "SolarSummarizer.invoke": (
        lambda u: SolarSummarizer(base_url=u, api_key=SECRET, timeout=TIMEOUT),
        lambda m: m.invoke(LONG),
        CHAT_OK,
        "fine",
    ),
    "SolarSummarizer.ainvoke": (
        lambda u: SolarSummarizer(base_url=u, api_key=SECRET, timeout=TIMEOUT),
        lambda m: _arun(lambda: m.ainvoke(LONG)),
        CHAT_OK,
        "fine",
    ),
}

# fault: (replies given the ok reply, requests, error, message, applies to streams)
FAULTS: dict[
    str, Callable[[Any], tuple[tuple[Any, ...], int, type[Exception] | None, str | None, bool]]
] = {
    "429 then ok": lambda ok: ((http_reply(429, ERR, retry_after="0"), ok), 2, None, None, True),
    "500 three times": lambda ok: (
        (http_reply(500, ERR),),
        3,
        InternalServerError,
        "on fire",
        True,
    ),
    "401": lambda ok: (
        (http_reply(401, {"error": {"message": "bad key"}}),),
        1,
        AuthenticationError,
        "bad key",
        True,
    ),
    "reset always": lambda ok: ((reset(),), 3, APIConnectionError, None, True),
    "reset then ok": lambda ok: ((reset(), ok), 2, None, None, True),
    "stall past the timeout": lambda ok: ((stall(TIMEOUT * 4),), 3, APITimeoutError, None, True),
    "redirect": lambda ok: (
        (http_reply(307, b"", location="http://elsewhere.invalid/x"),),
        1,
        APIStatusError,
        "not followed",
        True,
    ),
    "empty 200": lambda ok: ((http_reply(200, b""),), 1, APIResponseValidationError, None, False),
    "truncated JSON": lambda ok: (
        (http_reply(200, '{"choices": [{"mess'),),
        1,
        APIResponseValidationError,
        None,
        False,
    ),
}


@pytest.mark.parametrize("runner", sorted(RUNNERS))
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault(fault: str, runner: str) -> None:
    make, run, ok, expected = RUNNERS[runner]
    replies, requests, error, match, streams_too = FAULTS[fault](ok)
    if not streams_too and "stream" in runner:
        pytest.skip("a plain-body fault; stream bodies are covered by the stream faults")
    with fault_server(*replies) as server:
        component = _fast(make(server.base_url))
        started = time.monotonic()
        if error is None:
            assert run(component) == expected
        else:
            with pytest.raises(error, match=match) as info:
                run(component)
            assert_secret_absent(info.value)
        assert server.count == requests
        assert open_client_sockets(server.port) == 0, "a socket was left open"
        assert time.monotonic() - started < 3 * TIMEOUT * 4 + 2


# The stream faults, for every streaming runner outside ChatSolar (which has its own matrix).
def _stream_text(llm: SolarLLM) -> str:
    return "".join(llm.stream("x"))


STREAM_RUNNERS: dict[str, tuple[Callable[[str], Any], Callable[[Any], Any], str]] = {
    # name: (make, run, event kind)
    "Solar.stream_chat": (*RUNNERS["Solar.stream_chat"][:2], "chat"),
    "Solar.astream_chat": (*RUNNERS["Solar.astream_chat"][:2], "chat"),
    "SolarLLM.stream": (RUNNERS["SolarLLM.invoke"][0], _stream_text, "text"),
    "SolarLLM.astream": (*RUNNERS["SolarLLM.astream"][:2], "text"),
}
PARTS = {
    "chat": [chunk("a"), chunk("b")],
    "text": [{"choices": [{"index": 0, "text": "a"}]}, {"choices": [{"index": 0, "text": "b"}]}],
}
STREAM_FAULTS: dict[str, Callable[[list[Any]], tuple[Any, type[Exception], str | None]]] = {
    "cut after two events": lambda parts: (
        sse_reply(parts, cut=True),
        StreamInterruptedError,
        "after 2 events",
    ),
    "error object mid-stream": lambda parts: (
        sse_reply([parts[0], {"error": {"message": "model crashed"}}], done=False),
        APIStreamError,
        "model crashed",
    ),
    "invalid JSON in a data line": lambda parts: (
        sse_reply([parts[0], "{oops"]),
        APIResponseValidationError,
        None,
    ),
    "no [DONE] and no finish_reason": lambda parts: (
        sse_reply(parts, done=False),
        StreamInterruptedError,
        "without",
    ),
    "stalls mid-way": lambda parts: (
        sse_reply(parts, pause=TIMEOUT * 4),
        StreamInterruptedError,
        "timed out",
    ),
}


@pytest.mark.parametrize("runner", sorted(STREAM_RUNNERS))
@pytest.mark.parametrize("fault", sorted(STREAM_FAULTS))
def test_stream_fault(fault: str, runner: str) -> None:
    make, run, kind = STREAM_RUNNERS[runner]
    reply, error, match = STREAM_FAULTS[fault](PARTS[kind])
    with fault_server(reply) as server:
        component = _fast(make(server.base_url))
        started = time.monotonic()
        with pytest.raises(error, match=match) as info:
            run(component)
        assert_secret_absent(info.value)
        # A stream that has begun is never retried: that would repeat text.
        assert server.count == 1
        assert open_client_sockets(server.port) == 0, "a socket was left open"
        assert time.monotonic() - started < TIMEOUT * 8 + 2


def test_the_socket_count_sees_a_leak() -> None:
    # The check above must be able to fail: a response left unread keeps its socket.
    with fault_server(CHAT_STREAM_OK) as server:
        client = httpx.Client()
        response = client.send(client.build_request("GET", server.base_url), stream=True)
        assert open_client_sockets(server.port) == 1
        response.close()
        client.close()
        assert open_client_sockets(server.port) == 0
