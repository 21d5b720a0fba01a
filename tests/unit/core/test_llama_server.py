"""llama.cpp's own ``llama-server``: recognised from its answers, a forced tool call sent in
the form it enforces, and emulated with a json_schema where its chat template has no tools.

The fake below does what llama-server 0.3.36's vendored build does (checked with curl, see
../shared/notes/peers.md): ``timings`` in every reply, ``GET /props`` at the root telling
``chat_template_caps.supports_tools``, a named tool_choice treated as auto, "required"
enforced only with a tool-capable template, a json_schema response_format always enforced.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessageChunk
from pydantic import BaseModel

import solar_api
from langchain_solar import ChatSolar
from solar_api import AsyncSolarClient, SolarClient
from solar_api.providers._learned import STORE
from solar_api.providers._one_of import ONE_OF
from solar_api.providers._tool_as_json import PREFIX
from tests.helpers import Scripted, chat_json, chunk, sse_response

URL = "http://127.0.0.1:8081/v1"
USER = [{"role": "user", "content": "Weather in Seoul?"}]
TIMINGS = {"prompt_n": 12, "predicted_n": 5, "predicted_ms": 40.0}
NAMED = {"type": "function", "function": {"name": "get_weather"}}


def tool(name: str, prop: str = "city", description: str | None = None) -> dict[str, Any]:
    function: dict[str, Any] = {
        "name": name,
        "parameters": {
            "type": "object",
            "properties": {prop: {"type": "string"}},
            "required": [prop],
        },
    }
    if description:
        function["description"] = description
    return {"type": "function", "function": function}


WEATHER = tool("get_weather", description="Get the weather\n  in a city.")
TIME = tool("get_time", "tz")


def llama_server(*, supports_tools: bool, stream: bool = False, props: bool = True) -> Scripted:
    """Answers as llama-server does; `props=False`: neither /props nor timings (as a
    proxy in front of it may answer)."""
    timings = {"timings": TIMINGS} if props else {}

    def reply(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/props":
            if not props:
                return httpx.Response(404, json={"error": "Not Found"})
            return httpx.Response(
                200, json={"chat_template_caps": {"supports_tools": supports_tools}}
            )
        if path == "/v1/models":
            data = [{"id": "m", "object": "model", "owned_by": "llamacpp", "created": 1}]
            return httpx.Response(200, json={"object": "list", "data": data})
        body = json.loads(request.content)
        fmt = body.get("response_format") or {}
        content: str | None = "I can't call tools."
        calls = None
        if fmt.get("type") == "json_schema":
            schema = fmt["json_schema"]["schema"]
            if "anyOf" in schema:
                picked = schema["anyOf"][1]["properties"]["name"]["const"]
                content = json.dumps({"name": picked, "arguments": {"tz": "KST"}})
            else:
                content = json.dumps({next(iter(schema["properties"])): "Seoul"})
        elif supports_tools and body.get("tool_choice") == "required":
            name = body["tools"][0]["function"]["name"]
            call = {"id": "srv1", "type": "function"}
            calls = [{**call, "function": {"name": name, "arguments": '{"city": "Seoul"}'}}]
            content = None
        if stream:
            pieces = [content[:6], content[6:]] if content else []
            chunks = [chunk(p) for p in pieces]
            last = {**chunk(finish_reason="stop"), **timings}
            return sse_response(chunk("", role="assistant"), *chunks, last)
        return httpx.Response(200, json=chat_json(content, tool_calls=calls, **timings))

    return Scripted(reply)


def client(server: Scripted) -> SolarClient:
    return SolarClient(base_url=URL, http_client=server.sync_client(), max_retries=0)


def paths(server: Scripted) -> list[str]:
    return [f"{r.method} {r.url.path}" for r in server.requests]


def test_llama_server_is_recognised_by_timings_and_a_named_tool_goes_as_required(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    server = llama_server(supports_tools=True)
    c = client(server)
    c.chat(model="m", messages=USER)
    learned = solar_api.learned_capabilities(URL)
    assert learned.server == "llama-server" and learned.ignored == {"tool_choice_named"}
    reply = c.chat(model="m", messages=USER, tools=[WEATHER, TIME], tool_choice=NAMED)
    (call,) = reply.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"
    # /props read once, before the first forced call: this template has tools.
    assert paths(server) == ["POST /v1/chat/completions", "GET /props", "POST /v1/chat/completions"]
    sent = server.body
    assert sent["tool_choice"] == "required" and sent["tools"] == [WEATHER]
    assert "llama-server" in caplog.text and "'tool_choice_named'" in caplog.text


def test_without_tool_support_a_forced_call_is_emulated_with_a_json_schema() -> None:
    server = llama_server(supports_tools=False)
    c = client(server)
    c.chat(model="m", messages=USER)  # recognised from this answer
    reply = c.chat(model="m", messages=USER, tools=[WEATHER, TIME], tool_choice=NAMED)
    assert server.count == 3  # the chat, /props, one forced call
    sent = server.body
    assert "tools" not in sent and "tool_choice" not in sent
    assert sent["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": PREFIX + "get_weather",
            "schema": WEATHER["function"]["parameters"],
        },
    }
    system, *rest = sent["messages"]
    assert rest == USER and system["role"] == "system"
    assert system["content"] == (
        "Answer with the JSON arguments of a call of the tool `get_weather` "
        "(Get the weather in a city.)."
    )
    message = reply.choices[0].message
    (call,) = message.tool_calls or []
    assert message.content is None
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Seoul"}
    assert call.id.startswith("call_") and len(call.id) > 10
    assert solar_api.learned_capabilities(URL).ignored == {
        "tool_choice_named",
        "tool_choice_required",
        "forced_tool_choice",
    }


def test_required_over_several_tools_is_emulated_with_the_any_of_schema() -> None:
    server = llama_server(supports_tools=False)
    STORE.set_kind(URL, "llama-server")
    messages = [{"role": "system", "content": "Be brief."}, *USER]
    reply = client(server).chat(
        model="m", messages=messages, tools=[WEATHER, TIME], tool_choice="required"
    )
    (call,) = reply.choices[0].message.tool_calls or []
    assert (call.function.name, json.loads(call.function.arguments)) == ("get_time", {"tz": "KST"})
    sent = server.body
    schema = sent["response_format"]["json_schema"]
    assert schema["name"] == PREFIX + ONE_OF
    assert [a["properties"]["name"] for a in schema["schema"]["anyOf"]] == [
        {"const": "get_weather"},
        {"const": "get_time"},
    ]
    # One line, in the existing first system message.
    first = sent["messages"][0]["content"]
    assert first.startswith("Be brief.\n\n") and "\n" not in first.split("\n\n", 1)[1]
    assert "`get_weather`: Get the weather in a city." in first and "`get_time`" in first
    assert len(sent["messages"]) == 2


def test_an_emulated_call_streams_as_tool_call_deltas() -> None:
    server = llama_server(supports_tools=False, stream=True)
    STORE.set_kind(URL, "llama-server")
    with client(server).chat_stream(
        model="m", messages=USER, tools=[WEATHER], tool_choice=NAMED
    ) as stream:
        chunks = list(stream)
    deltas = [d for c in chunks for ch in c.choices for d in ch.delta.tool_calls or ()]
    assert all(ch.delta.content is None for c in chunks for ch in c.choices)
    head, *tail = deltas
    assert head.id and head.id.startswith("call_") and head.function
    assert head.function.name == "get_weather" and tail
    assert all(d.id is None and d.function and d.function.name is None for d in tail)
    arguments = "".join(d.function.arguments or "" for d in deltas if d.function)
    assert json.loads(arguments) == {"city": "Seoul"}
    assert paths(server) == ["GET /props", "POST /v1/chat/completions"]


def test_an_emulated_call_over_several_tools_streams_the_picked_tool() -> None:
    server = llama_server(supports_tools=False, stream=True)
    STORE.set_kind(URL, "llama-server")
    with client(server).chat_stream(
        model="m", messages=USER, tools=[WEATHER, TIME], tool_choice="required"
    ) as stream:
        deltas = [d for c in stream for ch in c.choices for d in ch.delta.tool_calls or ()]
    (delta,) = deltas
    assert delta.function and delta.function.name == "get_time"
    assert json.loads(delta.function.arguments or "") == {"tz": "KST"}


def test_without_props_the_misses_teach_the_same_in_three_requests() -> None:
    # A proxy in front of llama-server: no timings seen, no /props; each miss is a lesson.
    server = llama_server(supports_tools=False, props=False)
    c = client(server)
    reply = c.chat(model="m", messages=USER, tools=[WEATHER], tool_choice=NAMED)
    assert (reply.choices[0].message.tool_calls or [])[0].function.name == "get_weather"
    choices = [b.get("tool_choice") for b in server.bodies if b]
    assert choices == [NAMED, "required", None]
    assert server.bodies[-1]["response_format"]["type"] == "json_schema"
    # Learned: the next one is emulated at once.
    c.chat(model="m", messages=USER, tools=[WEATHER], tool_choice="required")
    assert server.count == 4 and "GET /props" not in paths(server)
    assert not solar_api.learned_capabilities(URL).server


def test_models_owned_by_llamacpp_tell_the_kind() -> None:
    server = llama_server(supports_tools=False)
    client(server).list_models()
    assert solar_api.learned_capabilities(URL).server == "llama-server"


async def test_the_async_client_reads_props_and_emulates() -> None:
    server = llama_server(supports_tools=False)
    STORE.set_kind(URL, "llama-server")
    async with AsyncSolarClient(
        base_url=URL, http_client=server.async_client(), max_retries=0
    ) as c:
        reply = await c.chat(model="m", messages=USER, tools=[WEATHER], tool_choice="required")
    assert (reply.choices[0].message.tool_calls or [])[0].function.name == "get_weather"
    assert paths(server) == ["GET /props", "POST /v1/chat/completions"]


class Weather(BaseModel):
    """The weather in a city."""

    city: str


def test_with_structured_output_sends_a_json_schema_where_forced_tools_are_not_honoured() -> None:
    server = llama_server(supports_tools=False)
    STORE.add(URL, "tool_choice_named")
    STORE.add(URL, "tool_choice_required")
    llm = ChatSolar(base_url=URL, model="m", http_client=server.sync_client(), max_retries=0)
    assert llm.with_structured_output(Weather).invoke("Seoul") == Weather(city="Seoul")
    sent = server.body
    assert sent["response_format"]["json_schema"]["schema"]["properties"] == {
        "city": {"type": "string"}
    }
    assert "tools" not in sent
    streamed = llm.bind_tools([Weather], tool_choice="Weather")
    server.replies = [llama_server(supports_tools=False, stream=True).replies[0]]
    total: AIMessageChunk | None = None
    for part in streamed.stream("Seoul"):
        total = part if total is None else total + part  # type: ignore[assignment]
    assert total is not None
    assert [(c["name"], c["args"]) for c in total.tool_calls] == [("Weather", {"city": "Seoul"})]


def test_a_stream_teaches_the_kind_and_the_miss_for_the_next_request() -> None:
    server = llama_server(supports_tools=False, stream=True)
    c = client(server)
    with c.chat_stream(model="m", messages=USER, tools=[WEATHER], tool_choice=NAMED) as stream:
        assert "".join(ch.delta.content or "" for k in stream for ch in k.choices)
    learned = solar_api.learned_capabilities(URL)
    assert learned.server == "llama-server" and "tool_choice_named" in learned.ignored
    # The next forced stream reads /props first, then goes as the json_schema.
    with c.chat_stream(model="m", messages=USER, tools=[WEATHER], tool_choice=NAMED) as stream:
        calls = [d for k in stream for ch in k.choices for d in ch.delta.tool_calls or ()]
    assert calls and calls[0].function and calls[0].function.name == "get_weather"
    assert paths(server)[1:] == ["GET /props", "POST /v1/chat/completions"]
