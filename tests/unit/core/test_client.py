"""SolarClient / AsyncSolarClient against a scripted transport: the exact JSON sent,
the parsing of what comes back, streams, and the lifecycle."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import pytest

from solar_api import (
    APIResponseValidationError,
    APIStreamError,
    AsyncSolarClient,
    SolarClient,
    StreamInterruptedError,
)
from solar_api.types import ChatCompletionRequest
from tests.helpers import SECRET, Chunks, Scripted, chat_json, chunk, fixture_json, sse_response

USER = [{"role": "user", "content": "Hi"}]


def make(server: Scripted, **kw: object) -> SolarClient:
    return SolarClient(api_key=SECRET, http_client=server.sync_client(), **kw)  # type: ignore[arg-type]


def amake(server: Scripted, **kw: object) -> AsyncSolarClient:
    return AsyncSolarClient(api_key=SECRET, http_client=server.async_client(), **kw)  # type: ignore[arg-type]


def test_chat_sends_exactly_the_given_fields_to_the_upstage_endpoint() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("Hello!")))
    reply = make(server).chat(
        model="solar-1-mini-chat", messages=USER, temperature=0.2, max_tokens=9
    )
    request = server.requests[0]
    assert str(request.url) == "https://api.upstage.ai/v1/chat/completions"
    assert request.method == "POST"
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert request.headers["content-type"] == "application/json"
    assert server.body == {
        "model": "solar-1-mini-chat",
        "messages": USER,
        "temperature": 0.2,
        "max_tokens": 9,
    }
    assert reply.choices[0].message.content == "Hello!"
    assert reply.usage is not None and reply.usage.total_tokens == 15


def test_a_request_is_a_model_a_dict_or_keywords_and_keywords_are_merged() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("Hello!")))
    client = make(server)
    base = {"model": "solar-mini", "messages": USER}
    client.chat(base)
    assert server.body == base
    client.chat(ChatCompletionRequest(**base), temperature=0.5)
    assert server.body == {**base, "temperature": 0.5}
    client.chat(base, model="solar-pro")
    assert server.body == {**base, "model": "solar-pro"}
    with pytest.raises(TypeError, match="request: expected a ChatCompletionRequest"):
        client.chat([base])  # type: ignore[arg-type]
    assert len(server.requests) == 3


def test_seed_001_summarization_request_is_sent_byte_for_byte_equal_json() -> None:
    raw = fixture_json("seed001_summarization_request.json")
    server = Scripted(httpx.Response(200, json=fixture_json("seed001_summarization_response.json")))
    reply = make(server).chat(ChatCompletionRequest.model_validate(raw))
    assert server.body == raw
    assert reply.choices[0].message.content.startswith("* Solar Mini")


def test_seed_002_function_calling_round_trip() -> None:
    raw = fixture_json("seed002_function_calling_request.json")
    server = Scripted(
        httpx.Response(200, json=fixture_json("seed002_function_calling_response.json"))
    )
    reply = make(server).chat(**raw)
    assert server.body == raw
    assert len(reply.choices[0].message.tool_calls or []) == 3


def test_seed_004_julep_chat_and_completion_bodies() -> None:
    chat_raw = fixture_json("seed004_chat_request.json")
    completion_raw = fixture_json("seed004_completion_request.json")
    server = Scripted(
        httpx.Response(200, json=chat_json("I am glad to hear that.")),
        httpx.Response(200, json=fixture_json("seed004_completion_response.json")),
    )
    client = SolarClient(provider="julep", api_key=SECRET, http_client=server.sync_client())
    client.chat(**chat_raw)
    completion = client.complete(**completion_raw)
    assert server.bodies == [chat_raw, completion_raw]
    assert [str(r.url) for r in server.requests] == [
        "https://api-alpha.julep.ai/v1/chat/completions",
        "https://api-alpha.julep.ai/v1/completions",
    ]
    assert completion.choices[0].finish_reason == "stop"


def test_stream_yields_typed_chunks_and_asks_for_usage() -> None:
    server = Scripted(
        sse_response(
            chunk("He", role="assistant"),
            chunk("llo", finish_reason="stop"),
            chunk(usage=(3, 2), choices=False),
            split=7,
        )
    )
    with make(server).chat_stream(model="m", messages=USER) as stream:
        chunks = list(stream)
    assert server.body["stream"] is True
    assert server.body["stream_options"] == {"include_usage": True}
    assert server.requests[0].headers["accept"] == "text/event-stream"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 5


def test_stream_usage_can_be_turned_off_and_julep_does_not_get_it() -> None:
    server = Scripted(lambda _: sse_response(chunk("x", finish_reason="stop")))
    list(make(server).chat_stream(model="m", messages=USER, include_usage=False))
    julep = SolarClient(provider="julep", api_key=SECRET, http_client=server.sync_client())
    list(julep.chat_stream(model="m", messages=USER))
    assert all("stream_options" not in b for b in server.bodies)


def test_stream_error_object_mid_stream_is_a_typed_error() -> None:
    server = Scripted(
        sse_response(
            chunk("partial"),
            {"error": {"message": "model overloaded", "type": "server_error", "code": 503}},
            done=False,
        )
    )
    got = []
    with pytest.raises(APIStreamError) as info:
        for c in make(server).chat_stream(model="m", messages=USER):
            got.append(c)
    assert len(got) == 1
    assert info.value.message == "model overloaded" and info.value.code == 503
    assert info.value.events_received == 1


def test_stream_error_event_type_is_a_typed_error() -> None:
    body = b'event: error\ndata: {"error": {"message": "bad things"}}\n\n'
    server = Scripted(
        httpx.Response(200, stream=Chunks([body]), headers={"content-type": "text/event-stream"})
    )
    with pytest.raises(APIStreamError, match="bad things"):
        list(make(server).chat_stream(model="m", messages=USER))


def test_stream_without_done_but_with_finish_reason_is_complete() -> None:
    server = Scripted(sse_response(chunk("a"), chunk("b", finish_reason="stop"), done=False))
    assert len(list(make(server).chat_stream(model="m", messages=USER))) == 2


def test_stream_that_just_stops_is_reported_incomplete() -> None:
    server = Scripted(sse_response(chunk("a"), chunk("b"), done=False))
    with pytest.raises(StreamInterruptedError) as info:
        list(make(server).chat_stream(model="m", messages=USER))
    assert info.value.events_received == 2


def test_connection_cut_mid_stream_is_not_retried() -> None:
    server = Scripted(
        sse_response(chunk("a"), done=False, error=httpx.RemoteProtocolError("peer closed"))
    )
    with pytest.raises(StreamInterruptedError, match="after 1 events"):
        list(make(server).chat_stream(model="m", messages=USER))
    assert server.count == 1


def test_invalid_json_in_a_stream_event() -> None:
    server = Scripted(sse_response("{not json", done=True))
    with pytest.raises(APIResponseValidationError, match="Stream event 1"):
        list(make(server).chat_stream(model="m", messages=USER))


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>502 Bad Gateway</body></html>", b'{"choices": [{"message": ', b"[1, 2]"],
)
def test_unreadable_success_bodies_are_typed_errors(body: bytes) -> None:
    server = Scripted(httpx.Response(200, content=body))
    with pytest.raises(APIResponseValidationError) as info:
        make(server).chat(model="m", messages=USER)
    assert info.value.status_code == 200


def test_completions_stream() -> None:
    events = [
        {
            "id": "c",
            "object": "text_completion",
            "choices": [{"index": 0, "text": "Hel", "finish_reason": None}],
        },
        {
            "id": "c",
            "object": "text_completion",
            "choices": [{"index": 0, "text": "lo", "finish_reason": "stop"}],
        },
    ]
    server = Scripted(sse_response(*events))
    chunks = list(
        make(server).complete_stream(model="m", prompt="Say hello", max_tokens=5, best_of=2)
    )
    assert "".join(c.choices[0].text for c in chunks) == "Hello"
    assert server.body == {
        "model": "m",
        "prompt": "Say hello",
        "max_tokens": 5,
        "best_of": 2,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert str(server.requests[0].url).endswith("/completions")


def test_embeddings_and_model_listing() -> None:
    server = Scripted(
        httpx.Response(
            200,
            json={"object": "list", "data": [{"index": 0, "embedding": [0.5, 0.25]}], "model": "e"},
        ),
        httpx.Response(
            200,
            json={
                "object": "list",
                "data": [{"id": "solar-1-mini-chat", "object": "model", "owned_by": "upstage"}],
            },
        ),
    )
    client = make(server)
    emb = client.embed(model="solar-embedding-1-large-query", input=["a"])
    models = client.list_models()
    assert server.bodies[0] == {"model": "solar-embedding-1-large-query", "input": ["a"]}
    assert server.requests[1].method == "GET" and str(server.requests[1].url).endswith("/v1/models")
    assert emb.data[0].embedding == [0.5, 0.25]
    assert [m.id for m in models.data] == ["solar-1-mini-chat"]


def test_bad_input_fails_before_any_request() -> None:
    server = Scripted()
    client = make(server)
    with pytest.raises(ValueError, match="temperature"):
        client.chat(model="m", messages=USER, temperature=5)
    with pytest.raises(ValueError, match="messages"):
        client.chat(model="m", messages=[])
    assert server.count == 0


def test_construction_makes_no_request_and_no_pool() -> None:
    client = SolarClient(api_key=SECRET)
    assert client._http is None


def test_base_url_trailing_slash_and_local_server_without_key() -> None:
    server = Scripted()
    client = SolarClient(base_url="http://127.0.0.1:8080/v1/", http_client=server.sync_client())
    client.chat(model="m", messages=USER)
    assert str(server.requests[0].url) == "http://127.0.0.1:8080/v1/chat/completions"
    assert "authorization" not in server.requests[0].headers
    assert client.provider.name == "openai_compatible"


def test_default_headers_are_sent() -> None:
    server = Scripted()
    make(server, default_headers={"X-Trace": "abc"}).chat(model="m", messages=USER)
    assert server.requests[0].headers["x-trace"] == "abc"


def test_sync_pool_is_shared_across_threads() -> None:
    server = Scripted()
    client = SolarClient(api_key=SECRET, base_url="http://127.0.0.1:9/v1")
    client._client()  # make the pool
    pool = client._http
    seen = []

    def work() -> None:
        seen.append(client._client())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(p is pool for p in seen)
    client.close()
    assert server.count == 0


async def test_async_chat_and_stream() -> None:
    server = Scripted(
        httpx.Response(200, json=chat_json("Hi")),
        sse_response(chunk("a"), chunk("b", finish_reason="stop")),
    )
    client = amake(server)
    reply = await client.chat(model="m", messages=USER)
    stream = await client.chat_stream(model="m", messages=USER)
    parts = [c.choices[0].delta.content async for c in stream]
    assert reply.choices[0].message.content == "Hi" and parts == ["a", "b"]
    assert server.bodies[1]["stream"] is True


def test_async_client_works_from_two_event_loops() -> None:
    # The same object used from two asyncio.run calls: a pool per loop, no "Event loop is closed".
    server = Scripted()
    client = AsyncSolarClient(api_key=SECRET, base_url="http://127.0.0.1:9/v1")
    transport = server.transport

    def pool_factory() -> None:
        # Route the client's own pools through the scripted transport.
        for loop_pool in list(client._pools.values()):
            loop_pool._transport = transport

    async def call() -> str:
        client._client()
        pool_factory()
        reply = await client.chat(model="m", messages=USER)
        return reply.choices[0].message.content or ""

    assert asyncio.run(call()) == "Hello!"
    assert asyncio.run(call()) == "Hello!"
    assert server.count == 2


async def test_async_client_closes_its_pool() -> None:
    client = AsyncSolarClient(api_key=SECRET, base_url="http://127.0.0.1:9/v1")
    pool = client._client()
    await client.aclose()
    assert pool.is_closed


def test_request_body_is_compact_utf8_json() -> None:
    server = Scripted()
    make(server).chat(model="m", messages=[{"role": "user", "content": "안녕"}])
    assert (
        server.requests[0].content
        == json.dumps(
            {"model": "m", "messages": [{"role": "user", "content": "안녕"}]},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    )


def test_repeated_tool_call_heads_are_blanked_in_streams() -> None:
    head = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "Joke", "arguments": "{"},
    }
    again = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "Joke", "arguments": '"a": 1}'},
    }
    server = Scripted(
        sse_response(
            chunk(None, tool_calls=[head]),
            chunk(None, tool_calls=[again]),
            chunk(None, finish_reason="tool_calls"),
        )
    )
    chunks = list(make(server).chat_stream(model="m", messages=USER))
    first, second = (
        chunks[0].choices[0].delta.tool_calls[0],
        chunks[1].choices[0].delta.tool_calls[0],
    )
    assert (first.id, first.function.name) == ("call_1", "Joke")
    assert (second.id, second.type, second.function.name, second.function.arguments) == (
        None,
        None,
        None,
        '"a": 1}',
    )
