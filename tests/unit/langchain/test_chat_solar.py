"""ChatSolar's behaviour on the wire: what it sends, what it makes of what comes back."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_solar import ChatSolar, julep_continuation
from solar_api import AuthenticationError, MissingAPIKeyError
from tests.helpers import (
    SECRET,
    Scripted,
    chat_json,
    chunk,
    error_response,
    fixture_json,
    sse_response,
)

WEATHER_CALLS = fixture_json("seed002_function_calling_response.json")


def model(server: Scripted, **kw: Any) -> ChatSolar:
    return ChatSolar(
        api_key=SECRET,
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
        **kw,
    )


class GetWeather(BaseModel):
    """Get the current weather in a given location"""

    location: str = Field(description="The city and state, e.g. San Francisco, CA")
    unit: str


@tool
def get_current_weather(location: str, unit: str) -> str:
    """Get the current weather in a given location"""
    return f"22 degrees {unit} in {location}"


# ---------------------------------------------------------------- invoke


def test_invoke_sends_only_what_was_set() -> None:
    server = Scripted()
    reply = model(server).invoke("Hi")
    assert server.body == {
        "model": "solar-mini4",
        "messages": [{"role": "user", "content": "Hi"}],
    }
    assert reply.content == "Hello!"
    assert reply.usage_metadata == {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}
    assert reply.response_metadata["finish_reason"] == "stop"
    assert reply.response_metadata["model_name"] == "solar-1-mini-chat"
    assert reply.response_metadata["id"] == "chatcmpl-1"
    assert "system_fingerprint" in reply.response_metadata
    # langchain-core's run-derived id; the server's is in response_metadata (issue 13).
    assert reply.id is not None and reply.id.startswith("lc_run-")


def test_every_parameter_reaches_the_body() -> None:
    server = Scripted()
    model(
        server,
        model="solar-pro2",
        temperature=0.3,
        max_tokens=50,
        top_p=0.9,
        stop=["END"],
        frequency_penalty=0.5,
        presence_penalty=-0.5,
        seed=7,
        reasoning_effort="high",
        model_kwargs={"user": "u-1"},
    ).invoke("Hi", stop=["STOP"], temperature=0.1)
    assert server.body == {
        "model": "solar-pro2",
        "messages": [{"role": "user", "content": "Hi"}],
        "temperature": 0.1,
        "max_tokens": 50,
        "top_p": 0.9,
        "stop": ["STOP"],
        "frequency_penalty": 0.5,
        "presence_penalty": -0.5,
        "seed": 7,
        "user": "u-1",
        "reasoning_effort": "high",
    }


def test_message_mapping_all_roles_names_and_tool_calls() -> None:
    server = Scripted()
    history = [
        SystemMessage("Be brief.", name="rules"),
        HumanMessage(
            [{"type": "text", "text": "Weather "}, {"type": "text", "text": "in Seoul?"}],
            name="kim",
        ),
        AIMessage(
            "",
            tool_calls=[
                {
                    "name": "get_current_weather",
                    "args": {"location": "Seoul", "unit": "celsius"},
                    "id": "call_1",
                }
            ],
        ),
        ToolMessage("22 degrees", tool_call_id="call_1"),
        ChatMessage(role="assistant", content="It is 22 degrees."),
        HumanMessage(
            [
                {"type": "text", "text": "And this?"},
                {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
            ]
        ),
    ]
    model(server).invoke(history)
    assert server.body["messages"] == [
        {"role": "system", "content": "Be brief.", "name": "rules"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Weather "},
                {"type": "text", "text": "in Seoul?"},
            ],
            "name": "kim",
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {
                        "name": "get_current_weather",
                        "arguments": '{"location": "Seoul", "unit": "celsius"}',
                    },
                }
            ],
        },
        {"role": "tool", "content": "22 degrees", "tool_call_id": "call_1"},
        {"role": "assistant", "content": "It is 22 degrees."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "And this?"},
                {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
            ],
        },
    ]


def test_julep_messages_seed_004_exactly() -> None:
    expected = fixture_json("seed004_chat_request.json")
    server = Scripted()
    llm = ChatSolar(
        provider="julep",
        model="julep-ai/samantha-1-turbo",
        api_key=SECRET,
        http_client=server.sync_client(),
        max_tokens=120,
        stop=["<", "<|"],
        temperature=0.8,
        frequency_penalty=0.75,
    )
    llm.invoke(
        [
            SystemMessage("Samantha is talking to Homer", name="situation"),
            HumanMessage("Hi, how's it going?", name="Homer"),
            AIMessage("Hello, I am doing well, how are you?", name="Samantha"),
            HumanMessage("I am good too", name="Homer"),
            julep_continuation("Samantha"),
        ]
    )
    assert server.body == expected
    assert str(server.requests[0].url) == "https://api-alpha.julep.ai/v1/chat/completions"


def test_unsupported_messages_fail_before_sending() -> None:
    server = Scripted()
    llm = model(server)
    with pytest.raises(ValueError, match=r"ChatMessage\.role: got 'wizard'"):
        llm.invoke([ChatMessage(role="wizard", content="x")])
    with pytest.raises(TypeError, match="FunctionMessage is not supported"):
        llm.invoke([FunctionMessage(name="f", content="x")])
    with pytest.raises(ValueError, match="messages: got an empty list"):
        llm.invoke([])
    assert server.count == 0


def test_parallel_tool_calls_seed_002_become_tool_calls() -> None:
    server = Scripted(httpx.Response(200, json=WEATHER_CALLS))
    reply = (
        model(server)
        .bind_tools([get_current_weather])
        .invoke("What is the weather like in San Francisco, Seoul, and Paris?")
    )
    assert [(c["name"], c["args"]["location"], c["id"]) for c in reply.tool_calls] == [
        ("get_current_weather", "San Francisco", "e7e01748-b53b-4f98-90a7-f330f5cba2af"),
        ("get_current_weather", "Seoul", "948f5e4c-09fc-402f-b703-e4ace12b7d48"),
        ("get_current_weather", "Paris", "d25d38e0-6a7d-428e-8953-0cd2f5b81969"),
    ]
    assert reply.content == "" and reply.response_metadata["finish_reason"] == "tool_calls"
    sent_tool = server.body["tools"][0]
    assert (
        sent_tool["type"] == "function" and sent_tool["function"]["name"] == "get_current_weather"
    )
    assert "tool_choice" not in server.body and "parallel_tool_calls" not in server.body


def test_malformed_tool_arguments_become_invalid_tool_calls() -> None:
    calls = [
        {"id": "a", "type": "function", "function": {"name": "f", "arguments": '{"x": 1'}},
        {"id": "b", "type": "function", "function": {"name": "f", "arguments": "[1, 2]"}},
        {"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"ok": true}'}},
    ]
    server = Scripted(
        httpx.Response(200, json=chat_json(None, tool_calls=calls, finish_reason="tool_calls"))
    )
    reply = model(server).invoke("x")
    assert [c["id"] for c in reply.tool_calls] == ["c"]
    assert [(c["id"], c["args"]) for c in reply.invalid_tool_calls] == [
        ("a", '{"x": 1'),
        ("b", "[1, 2]"),
    ]


def test_tool_round_trip_through_tool_message() -> None:
    server = Scripted(
        httpx.Response(200, json=WEATHER_CALLS),
        httpx.Response(200, json=chat_json("Sunny everywhere.")),
    )
    llm = model(server).bind_tools([get_current_weather])
    question = HumanMessage("Weather in San Francisco, Seoul and Paris?")
    first = llm.invoke([question])
    tool_messages = [get_current_weather.invoke(call) for call in first.tool_calls]
    final = llm.invoke([question, first, *tool_messages])
    assert final.content == "Sunny everywhere."
    sent = server.bodies[1]["messages"]
    assert (
        sent[1]["tool_calls"]
        == fixture_json("seed002_function_calling_response.json")["choices"][0]["message"][
            "tool_calls"
        ]
    )
    assert [m["tool_call_id"] for m in sent[2:]] == [c["id"] for c in first.tool_calls]
    assert sent[2]["content"] == "22 degrees fahrenheit in San Francisco"


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("any", "required"),
        ("required", "required"),
        (True, "required"),
        ("GetWeather", {"type": "function", "function": {"name": "GetWeather"}}),
        (
            {"type": "function", "function": {"name": "GetWeather"}},
            {"type": "function", "function": {"name": "GetWeather"}},
        ),
    ],
)
def test_tool_choice_forms(choice: Any, sent: Any) -> None:
    server = Scripted()
    model(server).bind_tools([GetWeather], tool_choice=choice).invoke("x")
    # The first request; this server answers without a tool call, so a "required" is sent
    # once more naming the one tool (tests/unit/core/test_learned.py).
    assert server.bodies[0]["tool_choice"] == sent


def test_parallel_tool_calls_sent_only_when_set_and_bad_tool_choice() -> None:
    server = Scripted()
    model(server).bind_tools([GetWeather], parallel_tool_calls=False).invoke("x")
    assert server.body["parallel_tool_calls"] is False
    with pytest.raises(ValueError, match="tool_choice: got 'Nope'"):
        model(server).bind_tools([GetWeather], tool_choice="Nope")


def test_bind_tools_accepts_functions_and_dicts() -> None:
    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    raw = fixture_json("seed002_function_calling_request.json")["tools"][0]
    server = Scripted()
    model(server).bind_tools([multiply, raw]).invoke("x")
    names = [t["function"]["name"] for t in server.body["tools"]]
    assert names == ["multiply", "get_current_weather"]
    assert server.body["tools"][1] == raw


# ---------------------------------------------------------------- structured output


def test_structured_output_function_calling() -> None:
    call = {
        "id": "1",
        "type": "function",
        "function": {"name": "GetWeather", "arguments": '{"location": "Paris", "unit": "celsius"}'},
    }
    server = Scripted(httpx.Response(200, json=chat_json(None, tool_calls=[call])))
    out = model(server).with_structured_output(GetWeather).invoke("Paris in celsius")
    assert out == GetWeather(location="Paris", unit="celsius")
    assert server.body["tool_choice"] == {"type": "function", "function": {"name": "GetWeather"}}
    assert "ls_structured_output_format" not in server.body


def test_structured_output_json_schema_and_json_mode() -> None:
    content = '{"location": "Seoul", "unit": "celsius"}'
    server = Scripted(httpx.Response(200, json=chat_json(content)))
    out = (
        model(server)
        .with_structured_output(GetWeather, method="json_schema", strict=True)
        .invoke("x")
    )
    assert out == GetWeather(location="Seoul", unit="celsius")
    fmt = server.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "GetWeather"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["required"] == ["location", "unit"]

    out = model(server).with_structured_output(None, method="json_mode").invoke("x")
    assert out == {"location": "Seoul", "unit": "celsius"}
    assert server.body["response_format"] == {"type": "json_object"}


def test_structured_output_include_raw_never_raises_on_bad_output() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("not json at all")))
    out = (
        model(server)
        .with_structured_output(GetWeather, method="json_mode", include_raw=True)
        .invoke("x")
    )
    assert isinstance(out["raw"], AIMessage) and out["parsed"] is None
    assert out["parsing_error"] is not None


def test_structured_output_typed_dict_schema() -> None:
    schema = {
        "title": "Person",
        "description": "A person",
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "required": ["name"],
    }
    call = {
        "id": "1",
        "type": "function",
        "function": {"name": "Person", "arguments": '{"name": "Ada"}'},
    }
    server = Scripted(httpx.Response(200, json=chat_json(None, tool_calls=[call])))
    assert model(server).with_structured_output(schema).invoke("x") == {"name": "Ada"}


# ---------------------------------------------------------------- streaming


class Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


def stream_reply() -> httpx.Response:
    return sse_response(
        chunk("", role="assistant"),
        chunk("Hel"),
        chunk("lo"),
        chunk(None, finish_reason="stop"),
        chunk(usage=(7, 2), choices=False),
        split=11,
    )


def test_stream_chunks_usage_metadata_and_callbacks() -> None:
    server = Scripted(lambda _: stream_reply())
    handler = Tokens()
    chunks = list(model(server).stream("Hi", config={"callbacks": [handler]}))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    full = sum(chunks[1:], chunks[0])
    assert full.content == "Hello"
    assert full.usage_metadata == {"input_tokens": 7, "output_tokens": 2, "total_tokens": 9}
    assert full.response_metadata["finish_reason"] == "stop"
    assert full.response_metadata["model_name"] == "solar-1-mini-chat"
    assert full.response_metadata["id"] == "chatcmpl-s"
    assert "".join(handler.tokens) == "Hello" and len(handler.tokens) == len(chunks)
    assert server.body["stream_options"] == {"include_usage": True}


def test_stream_usage_switch_off() -> None:
    server = Scripted(lambda _: stream_reply())
    list(model(server, stream_usage=False).stream("Hi"))
    assert "stream_options" not in server.body
    list(model(server).stream("Hi", stream_usage=False))
    assert "stream_options" not in server.body


def test_cumulative_usage_on_every_chunk_is_not_double_counted() -> None:
    server = Scripted(
        sse_response(
            chunk("a", usage=(5, 1)),
            chunk("b", usage=(5, 2)),
            chunk(None, finish_reason="stop", usage=(5, 3)),
        )
    )
    chunks = list(model(server).stream("Hi"))
    full = sum(chunks[1:], chunks[0])
    assert full.usage_metadata == {"input_tokens": 5, "output_tokens": 3, "total_tokens": 8}


def test_streamed_tool_call_chunks_assemble_into_tool_calls() -> None:
    server = Scripted(
        sse_response(
            chunk(
                None,
                role="assistant",
                tool_calls=[
                    {
                        "index": 0,
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "get_current_weather", "arguments": ""},
                    }
                ],
            ),
            chunk(None, tool_calls=[{"index": 0, "function": {"arguments": '{"location": "Se'}}]),
            chunk(
                None,
                tool_calls=[{"index": 0, "function": {"arguments": 'oul", "unit": "celsius"}'}}],
            ),
            chunk(
                None,
                tool_calls=[
                    {
                        "index": 1,
                        "id": "c2",
                        "type": "function",
                        "function": {
                            "name": "get_current_weather",
                            "arguments": '{"location": "Paris", "unit": "celsius"}',
                        },
                    }
                ],
            ),
            chunk(None, finish_reason="tool_calls"),
        )
    )
    chunks = list(model(server).bind_tools([get_current_weather]).stream("x"))
    full = sum(chunks[1:], chunks[0])
    assert [(c["id"], c["args"]) for c in full.tool_calls] == [
        ("c1", {"location": "Seoul", "unit": "celsius"}),
        ("c2", {"location": "Paris", "unit": "celsius"}),
    ]
    assert chunks[1].tool_call_chunks[0]["args"] == '{"location": "Se'


def test_invoke_with_streaming_true_streams_underneath() -> None:
    server = Scripted(lambda _: stream_reply())
    handler = Tokens()
    reply = model(server, streaming=True).invoke("Hi", config={"callbacks": [handler]})
    assert reply.content == "Hello" and server.body["stream"] is True
    assert "".join(handler.tokens) == "Hello"


def test_n_greater_than_one() -> None:
    body = chat_json("a")
    body["choices"].append(
        {"index": 1, "message": {"role": "assistant", "content": "b"}, "finish_reason": "stop"}
    )
    server = Scripted(httpx.Response(200, json=body))
    result = model(server, n=2).generate([[HumanMessage("x")]])
    assert [g.text for g in result.generations[0]] == ["a", "b"]
    assert server.body["n"] == 2
    with pytest.raises(ValueError, match="n: got 2"):
        list(model(server, n=2).stream("x"))


# ---------------------------------------------------------------- async, batch, chains


async def test_ainvoke_and_astream() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("async hi")), lambda _: stream_reply())
    llm = model(server)
    assert (await llm.ainvoke("Hi")).content == "async hi"
    chunks = [c async for c in llm.astream("Hi")]
    full = sum(chunks[1:], chunks[0])
    assert full.content == "Hello" and full.usage_metadata is not None


def test_batch_and_abatch() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json=chat_json(json.loads(request.content)["messages"][0]["content"].upper())
        )

    server = Scripted(echo)
    llm = model(server)
    assert [m.content for m in llm.batch(["a", "b", "c"], config={"max_concurrency": 2})] == [
        "A",
        "B",
        "C",
    ]


async def test_abatch() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json=chat_json(json.loads(request.content)["messages"][0]["content"].upper())
        )

    server = Scripted(echo)
    out = await model(server).abatch(["x", "y"], config={"max_concurrency": 2})
    assert [m.content for m in out] == ["X", "Y"]


def test_lcel_chain() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("Bonjour")))
    chain = (
        ChatPromptTemplate.from_messages([("system", "Translate to {lang}."), ("human", "{text}")])
        | model(server)
        | StrOutputParser()
    )
    assert chain.invoke({"lang": "French", "text": "Hello"}) == "Bonjour"
    assert server.body["messages"][0] == {"role": "system", "content": "Translate to French."}


def test_rate_limiter_is_used() -> None:
    limiter = InMemoryRateLimiter(
        requests_per_second=1000, check_every_n_seconds=0.001, max_bucket_size=1
    )
    calls = []
    original = limiter.acquire

    def acquire(*, blocking: bool = True) -> bool:
        calls.append(blocking)
        return original(blocking=blocking)

    limiter.acquire = acquire  # type: ignore[method-assign]
    server = Scripted()
    model(server, rate_limiter=limiter).invoke("x")
    assert calls == [True]


# ---------------------------------------------------------------- config, errors, metadata


def test_server_errors_surface_typed_with_the_server_message() -> None:
    server = Scripted(error_response(401, "Invalid API key"))
    with pytest.raises(AuthenticationError, match="Invalid API key"):
        model(server).invoke("x")
    assert server.count == 1


def test_missing_key_names_the_variable_and_sends_nothing() -> None:
    server = Scripted()
    llm = ChatSolar(http_client=server.sync_client())
    with pytest.raises(MissingAPIKeyError, match="UPSTAGE_API_KEY"):
        llm.invoke("x")
    assert server.count == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"temperature": 3}, "temperature"),
        ({"top_p": -1}, "top_p"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"n": 0}, "n"),
        ({"max_retries": -1}, "max_retries"),
        ({"provider": "openai"}, "provider"),
        ({"base_url": "not a url"}, "base_url"),
        ({"model_kwargs": {"temperature": 1}}, "model_kwargs"),
    ],
)
def test_bad_construction_is_a_clear_error(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        ChatSolar(api_key=SECRET, **kwargs)


def test_aliases_and_providers() -> None:
    llm = ChatSolar(
        api_key=SECRET, api_base="http://127.0.0.1:1/v1", request_timeout=3, stop_sequences="END"
    )
    assert llm.base_url == "http://127.0.0.1:1/v1" and llm.timeout == 3 and llm.stop == ["END"]
    nim = ChatSolar(provider="nvidia", model="upstage/solar-10.7b-instruct", api_key=SECRET)
    assert nim.base_url == "https://integrate.api.nvidia.com/v1"
    assert nim._get_ls_params()["ls_provider"] == "nvidia"
    assert nim.lc_secrets == {"api_key": "NVIDIA_API_KEY"}
    assert ChatSolar(api_key=SECRET).context_window == 524_288  # solar-mini4


def test_ls_params() -> None:
    llm = ChatSolar(api_key=SECRET, temperature=0.5, max_tokens=10, stop=["x"])
    assert llm._get_ls_params() == {
        "ls_provider": "upstage",
        "ls_model_name": "solar-mini4",
        "ls_model_type": "chat",
        "ls_temperature": 0.5,
        "ls_max_tokens": 10,
        "ls_stop": ["x"],
    }
    assert llm._llm_type == "solar-chat"
    assert llm._identifying_params["model"] == "solar-mini4"


def test_llama_cpp_style_streams_and_function_call_duplicates() -> None:
    # llama.cpp repeats id and name on every delta and adds the deprecated function_call.
    def delta(args: str) -> dict[str, Any]:
        out = chunk(
            None,
            tool_calls=[
                {
                    "index": 0,
                    "id": "call_x",
                    "type": "function",
                    "function": {"name": "GetWeather", "arguments": args},
                }
            ],
        )
        out["choices"][0]["delta"]["function_call"] = {"name": "GetWeather", "arguments": args}
        return out

    server = Scripted(
        sse_response(
            delta('{"location": '),
            delta('"Seoul", "unit": "c"}'),
            chunk(None, finish_reason="tool_calls"),
        )
    )
    chunks = list(model(server).bind_tools([GetWeather]).stream("x"))
    full = sum(chunks[1:], chunks[0])
    assert full.tool_calls == [
        {
            "name": "GetWeather",
            "args": {"location": "Seoul", "unit": "c"},
            "id": "call_x",
            "type": "tool_call",
        }
    ]
    assert "function_call" not in full.additional_kwargs
