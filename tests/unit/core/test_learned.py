"""Learning what a server does: a 500 validation error naming a field we sent, a forced
tool choice answered without a tool call; shared per base URL, logged once, visible."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

import solar_api
from solar_api import AsyncSolarClient, InternalServerError, SolarClient
from solar_api.providers._learned import STORE, LearnedCapabilities, _Store
from solar_api.providers._one_of import ONE_OF, unwrap_calls
from solar_api.types import ToolCall
from tests.helpers import (
    Scripted,
    chat_json,
    chunk,
    fixture_json,
    sse_response,
    tool_call_delta,
)

URL = "http://127.0.0.1:1/v1"
BODIES = fixture_json("peers/error_bodies.json")
TOOL_TURNS = [
    {"role": "user", "content": "Weather in Paris?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
        ],
    },
    {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
]


def tool(name: str) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "parameters": {"type": "object", "properties": {}}},
    }


CALL = [{"id": "c9", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]


def null_content_server(error: dict[str, Any]) -> Scripted:
    """Like llama-cpp-python's server: a 500 on an assistant turn with content null."""

    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if any(m.get("role") == "assistant" and m["content"] is None for m in body["messages"]):
            return httpx.Response(500, json=error)
        return httpx.Response(200, json=chat_json("It is sunny."))

    return Scripted(reply)


def ignores_required() -> Scripted:
    """Like llama.cpp's server: "required" is taken and ignored, a named tool is obeyed."""

    def reply(request: httpx.Request) -> httpx.Response:
        choice = json.loads(request.content).get("tool_choice")
        if isinstance(choice, dict):
            return httpx.Response(200, json=chat_json(None, tool_calls=CALL))
        return httpx.Response(200, json=chat_json("Hello! How can I help?"))

    return Scripted(reply)


def client(server: Scripted, url: str = URL, **kw: Any) -> SolarClient:
    return SolarClient(base_url=url, http_client=server.sync_client(), max_retries=0, **kw)


@pytest.mark.parametrize("error", ["llama_cpp_500_content_null", "litellm_500_content_null"])
def test_a_500_validation_error_on_null_content_is_learned(
    error: str, caplog: pytest.LogCaptureFixture
) -> None:
    server = null_content_server(BODIES[error])
    reply = client(server).chat(model="m", messages=TOOL_TURNS)
    assert reply.choices[0].message.content == "It is sunny."
    assert server.count == 2
    assert server.bodies[0]["messages"][1]["content"] is None
    assert server.bodies[1]["messages"][1] == {**TOOL_TURNS[1], "content": ""}
    assert solar_api.learned_capabilities(URL) == LearnedCapabilities(
        rejected=frozenset({"null_content"})
    )
    assert caplog.text.count("rejected 'null_content'") == 1


def test_what_is_learned_is_shared_by_every_client_of_the_base_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = null_content_server(BODIES["llama_cpp_500_content_null"])
    client(server).chat(model="m", messages=TOOL_TURNS)
    other = client(server)  # a new client of the same server: no second 500
    other.chat(model="m", messages=TOOL_TURNS)
    assert server.count == 3 and server.bodies[2]["messages"][1]["content"] == ""
    elsewhere = null_content_server(BODIES["llama_cpp_500_content_null"])
    client(elsewhere, "http://127.0.0.1:2/v1").chat(model="m", messages=TOOL_TURNS)
    assert elsewhere.count == 2  # another base URL learns for itself
    assert caplog.text.count("rejected 'null_content'") == 2  # once per server


async def test_the_async_client_learns_and_shares_the_same() -> None:
    server = null_content_server(BODIES["llama_cpp_500_content_null"])
    async with AsyncSolarClient(
        base_url=URL, http_client=server.async_client(), max_retries=0
    ) as c:
        assert (await c.chat(model="m", messages=TOOL_TURNS)).choices[0].message.content
    assert server.count == 2
    client(server).chat(model="m", messages=TOOL_TURNS)
    assert server.count == 3


def test_a_request_sent_before_another_client_learned_is_sent_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = BODIES["llama_cpp_500_content_null"]

    def reply(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["messages"][1]["content"] is None:
            STORE.add(URL, "null_content")  # another client learned it meanwhile
            return httpx.Response(500, json=error)
        return httpx.Response(200, json=chat_json("ok"))

    server = Scripted(reply)
    assert client(server).chat(model="m", messages=TOOL_TURNS).choices[0].message.content == "ok"
    assert server.count == 2 and "rejected" not in caplog.text  # the other client logged it


def test_a_500_that_is_not_a_validation_error_is_retried_not_learned() -> None:
    server = Scripted(
        httpx.Response(500, json={"error": {"message": "CUDA out of memory"}}),
        httpx.Response(200, json=chat_json("ok")),
    )
    c = SolarClient(base_url=URL, http_client=server.sync_client(), max_retries=1)
    c._sleep = lambda _s: None
    assert c.chat(model="m", messages=TOOL_TURNS).choices[0].message.content == "ok"
    assert server.count == 2 and server.bodies[1]["messages"][1]["content"] is None
    assert not solar_api.learned_capabilities(URL)


def test_a_validation_error_naming_nothing_we_sent_is_raised_with_its_message() -> None:
    error = {"error": {"message": "1 validation error: messages.0.content Field required"}}
    server = Scripted(httpx.Response(500, json=error))
    with pytest.raises(InternalServerError, match="Field required"):
        client(server).chat(model="m", messages=[{"role": "user", "content": "hi"}])
    assert server.count == 1 and not solar_api.learned_capabilities(URL)


def test_required_with_one_tool_ignored_is_sent_once_more_naming_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    server = ignores_required()
    c = client(server)
    reply = c.chat(
        model="m", messages=TOOL_TURNS[:1], tools=[tool("get_weather")], tool_choice="required"
    )
    assert reply.choices[0].message.tool_calls
    assert [b["tool_choice"] for b in server.bodies] == [
        "required",
        {"type": "function", "function": {"name": "get_weather"}},
    ]
    assert solar_api.learned_capabilities(URL).ignored == {"tool_choice_required"}
    # Remembered: the next forced call is named from the start, one request.
    c.chat(model="m", messages=TOOL_TURNS[:1], tools=[tool("get_weather")], tool_choice="required")
    assert server.count == 3 and isinstance(server.bodies[2]["tool_choice"], dict)
    assert caplog.text.count("took tool_choice 'required'") == 1


def obeys_named_tools(*, stream: bool = False) -> Scripted:
    """Like llama.cpp's server: "required" is ignored; a named tool is obeyed, its arguments
    following the tool's parameter schema (for the stand-in tool: one alternative)."""

    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        choice = body.get("tool_choice")
        if not isinstance(choice, dict):
            if stream:
                return sse_response(chunk("Hello!", role="assistant"), chunk(finish_reason="stop"))
            return httpx.Response(200, json=chat_json("Hello! How can I help?"))
        name = choice["function"]["name"]
        args = '{"tz": "UTC"}'
        if name == ONE_OF:
            picked = body["tools"][0]["function"]["parameters"]["anyOf"][1]
            args = json.dumps({"name": picked["properties"]["name"]["const"], "arguments": {}})
        if not stream:
            call = [{"id": "c7", "type": "function", "function": {"name": name, "arguments": args}}]
            return httpx.Response(200, json=chat_json(None, tool_calls=call))
        # llama.cpp repeats the id and name on every delta and splits the arguments.
        parts = [args[:5], args[5:]]
        deltas = [chunk(tool_calls=[tool_call_delta("c7", name, part)]) for part in parts]
        return sse_response(*deltas, chunk(finish_reason="tool_calls"))

    return Scripted(reply)


def test_required_with_several_tools_ignored_is_sent_as_one_named_stand_in(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    server = obeys_named_tools()
    tools = [tool("get_weather"), tool("get_time")]
    reply = client(server).chat(
        model="m", messages=TOOL_TURNS[:1], tools=tools, tool_choice="required"
    )
    # The caller sees a call of its own tool, never the stand-in.
    (call,) = reply.choices[0].message.tool_calls or []
    assert (call.id, call.function.name, call.function.arguments) == ("c7", "get_time", "{}")
    assert server.count == 2  # never a third try
    first, second = server.bodies
    assert first["tool_choice"] == "required" and first["tools"] == tools
    assert second["tool_choice"] == {"type": "function", "function": {"name": ONE_OF}}
    (stand_in,) = second["tools"]
    params = stand_in["function"]["parameters"]
    assert [a["properties"]["name"] for a in params["anyOf"]] == [
        {"const": "get_weather"},
        {"const": "get_time"},
    ]
    assert params["anyOf"][0]["properties"]["arguments"] == tools[0]["function"]["parameters"]
    assert "- get_weather" in stand_in["function"]["description"]
    assert second["messages"] == first["messages"]  # no instruction added
    assert caplog.text.count("took tool_choice 'required'") == 1


def test_a_learned_required_over_several_tools_streams_the_picked_tool() -> None:
    STORE.add(URL, "tool_choice_required")
    server = obeys_named_tools(stream=True)
    tools = [tool("get_weather"), tool("get_time")]
    with client(server).chat_stream(
        model="m", messages=TOOL_TURNS[:1], tools=tools, tool_choice="required"
    ) as stream:
        chunks = list(stream)
    deltas = [d for c in chunks for ch in c.choices for d in ch.delta.tool_calls or ()]
    # Held back until the choice finishes, then one delta: the picked tool, whole arguments.
    assert [(d.index, d.id, d.function.name, d.function.arguments) for d in deltas] == [
        (0, "c7", "get_time", "{}")
    ]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert server.count == 1 and server.bodies[0]["tools"][0]["function"]["name"] == ONE_OF


def test_a_stand_in_call_that_names_no_tool_is_kept_as_it_came(
    caplog: pytest.LogCaptureFixture,
) -> None:
    call = ToolCall.of("c1", ONE_OF, "not json")
    unwrap_calls([call])
    assert call.function.name == ONE_OF and "did not name a tool" in caplog.text


def test_user_tools_named_like_the_stand_in_are_left_alone() -> None:
    # Unwrapped only when the request itself sent the stand-in: the body is the proof.
    call = [{"id": "c1", "type": "function", "function": {"name": ONE_OF, "arguments": "{}"}}]
    server = Scripted(httpx.Response(200, json=chat_json(None, tool_calls=call)))
    reply = client(server).chat(
        model="m", messages=TOOL_TURNS[:1], tools=[tool("other")], tool_choice="auto"
    )
    assert (reply.choices[0].message.tool_calls or [])[0].function.name == ONE_OF


def test_a_reply_with_a_tool_call_or_no_forced_choice_is_not_a_lesson() -> None:
    server = Scripted(httpx.Response(200, json=chat_json(None, tool_calls=CALL)))
    client(server).chat(
        model="m", messages=TOOL_TURNS[:1], tools=[tool("get_weather")], tool_choice="required"
    )
    text = Scripted(httpx.Response(200, json=chat_json("hi")))
    client(text).chat(model="m", messages=TOOL_TURNS[:1], tools=[tool("a")], tool_choice="auto")
    named = Scripted(httpx.Response(200, json=chat_json(None, tool_calls=CALL)))
    client(named).chat(
        model="m",
        messages=TOOL_TURNS[:1],
        tools=[tool("get_weather")],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    assert (server.count, text.count, named.count) == (1, 1, 1)
    assert not solar_api.learned_capabilities(URL)


async def test_async_required_ignored_is_sent_once_more() -> None:
    server = ignores_required()
    async with AsyncSolarClient(
        base_url=URL, http_client=server.async_client(), max_retries=0
    ) as c:
        reply = await c.chat(
            model="m", messages=TOOL_TURNS[:1], tools=[tool("get_weather")], tool_choice="required"
        )
    assert reply.choices[0].message.tool_calls and server.count == 2


def test_the_store_is_bounded_and_forgets_on_request() -> None:
    store = _Store(limit=2)
    assert store.add("http://a/v1", "x") and not store.add("http://a/v1/", "x")
    store.add("http://b/v1", "x")
    store.add("http://a/v1", "y")  # a used again: b is now the least recently used
    store.add("http://c/v1", "x")
    assert store.labels("http://b/v1") == frozenset()
    assert store.labels("http://a/v1") == {"x", "y"}
    store.forget("http://a/v1")
    assert store.labels("http://a/v1") == frozenset() and store.labels("http://c/v1") == {"x"}
    STORE.add(URL, "null_content")
    solar_api.forget_learned_capabilities(URL)
    assert not solar_api.learned_capabilities(URL)


def test_pickled_clients_share_what_was_learned() -> None:
    import pickle

    STORE.add(URL, "null_content")
    copy = pickle.loads(pickle.dumps(SolarClient(base_url=URL)))
    assert "null_content" in copy._learned
