"""Solar (LlamaIndex) on the wire: every LLM method, tools, structured output, agents."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole, TextBlock, ToolCallBlock
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from llama_index_solar import Solar
from solar_api import RateLimitError
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


def llm(server: Scripted, **kw: Any) -> Solar:
    return Solar(
        api_key=SECRET,
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
        **kw,
    )


def get_current_weather(location: str, unit: str) -> str:
    """Get the current weather in a given location"""
    return f"22 {unit} in {location}"


weather_tool = FunctionTool.from_defaults(fn=get_current_weather)


def stream_reply() -> httpx.Response:
    return sse_response(
        chunk("", role="assistant"),
        chunk("Hel"),
        chunk("lo", finish_reason="stop"),
        chunk(usage=(4, 2), choices=False),
        split=9,
    )


def test_metadata_from_the_registry() -> None:
    meta = Solar(api_key=SECRET).metadata
    assert (
        meta.context_window,
        meta.num_output,
        meta.is_chat_model,
        meta.is_function_calling_model,
        meta.model_name,
    ) == (524_288, 256, True, True, "solar-mini4")
    nim = Solar(
        provider="nvidia", model="upstage/solar-10.7b-instruct", api_key=SECRET, max_tokens=300
    ).metadata
    assert (nim.context_window, nim.num_output, nim.is_function_calling_model) == (4096, 300, False)
    custom = Solar(
        base_url="http://127.0.0.1:1/v1",
        model="tiny",
        context_window=2048,
        is_function_calling_model=False,
    ).metadata
    assert (custom.context_window, custom.is_function_calling_model) == (2048, False)


def test_chat_sends_exact_json_and_reports_usage() -> None:
    server = Scripted()
    response = llm(server, temperature=0.2, max_tokens=64, additional_kwargs={"user": "u"}).chat(
        [
            ChatMessage(role="system", content="Be brief."),
            ChatMessage(role="user", content="Hi", additional_kwargs={"name": "kim"}),
        ]
    )
    assert server.body == {
        "model": "solar-mini4",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi", "name": "kim"},
        ],
        "temperature": 0.2,
        "max_tokens": 64,
        "user": "u",
    }
    assert response.message.content == "Hello!"
    assert response.additional_kwargs["total_tokens"] == 15
    assert response.raw.usage.prompt_tokens == 10


async def test_achat_astream_chat_acomplete_astream_complete() -> None:
    server = Scripted(
        httpx.Response(200, json=chat_json("a1")),
        lambda _: stream_reply(),
        httpx.Response(200, json=chat_json("a3")),
        lambda _: stream_reply(),
    )
    model = llm(server)
    assert (await model.achat([ChatMessage(role="user", content="x")])).message.content == "a1"
    deltas = [
        r.delta async for r in await model.astream_chat([ChatMessage(role="user", content="x")])
    ]
    assert "".join(d or "" for d in deltas) == "Hello"
    assert (await model.acomplete("x")).text == "a3"
    texts = [r.text async for r in await model.astream_complete("x")]
    assert texts[-1] == "Hello"


def test_stream_chat_accumulates_and_reports_usage() -> None:
    server = Scripted(lambda _: stream_reply())
    responses = list(llm(server).stream_chat([ChatMessage(role="user", content="x")]))
    assert [r.delta for r in responses] == ["", "Hel", "lo", ""]
    assert responses[-1].message.content == "Hello"
    assert responses[-1].additional_kwargs["total_tokens"] == 6
    assert responses[-1].additional_kwargs["finish_reason"] == "stop"
    assert server.body["stream"] is True and server.body["stream_options"] == {
        "include_usage": True
    }


def test_complete_and_stream_complete_use_chat_for_chat_models() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("done")), lambda _: stream_reply())
    model = llm(server)
    assert model.complete("Say done").text == "done"
    assert server.bodies[0]["messages"] == [{"role": "user", "content": "Say done"}]
    assert [r.delta for r in model.stream_complete("x")][-2] == "lo"


def test_completions_endpoint_for_completion_only_use() -> None:
    response_body = fixture_json("seed004_completion_response.json")
    prompt = (fixture_json("seed004_completion_request.json"))["prompt"]
    server = Scripted(httpx.Response(200, json=response_body))
    model = Solar(
        provider="julep",
        model="julep-ai/samantha-1-turbo",
        api_key=SECRET,
        http_client=server.sync_client(),
        is_chat_model=False,
        temperature=0.6,
        max_tokens=140,
    )
    out = model.complete(prompt, best_of=2)
    assert server.body == fixture_json("seed004_completion_request.json")
    assert str(server.requests[0].url) == "https://api-alpha.julep.ai/v1/completions"
    assert (
        out.text.startswith("<|im_start|> Quantum")
        and out.additional_kwargs["completion_tokens"] == 105
    )


def test_stream_complete_on_completions_endpoint() -> None:
    events = [
        {"choices": [{"index": 0, "text": "Hel"}]},
        {"choices": [{"index": 0, "text": "lo", "finish_reason": "stop"}]},
    ]
    server = Scripted(sse_response(*events))
    out = list(llm(server).stream_complete("x", use_chat_completions=False))
    assert [r.delta for r in out] == ["Hel", "lo"] and out[-1].text == "Hello"
    assert server.body["prompt"] == "x" and "use_chat_completions" not in server.body


def test_parallel_tool_calls_seed_002_all_kept_when_allowed() -> None:
    server = Scripted(httpx.Response(200, json=WEATHER_CALLS))
    response = llm(server).chat_with_tools(
        [weather_tool],
        user_msg="Weather in San Francisco, Seoul, and Paris?",
        allow_parallel_tool_calls=True,
    )
    calls = llm(server).get_tool_calls_from_response(response)
    assert [(c.tool_id, c.tool_kwargs["location"]) for c in calls] == [
        ("e7e01748-b53b-4f98-90a7-f330f5cba2af", "San Francisco"),
        ("948f5e4c-09fc-402f-b703-e4ace12b7d48", "Seoul"),
        ("d25d38e0-6a7d-428e-8953-0cd2f5b81969", "Paris"),
    ]
    assert server.body["tools"][0]["function"]["name"] == "get_current_weather"
    assert "tool_choice" not in server.body and "parallel_tool_calls" not in server.body


def test_single_tool_call_kept_when_parallel_not_allowed() -> None:
    server = Scripted(httpx.Response(200, json=WEATHER_CALLS))
    response = llm(server).chat_with_tools([weather_tool], user_msg="Weather?")
    assert len(llm(server).get_tool_calls_from_response(response)) == 1


@pytest.mark.parametrize(
    ("kwargs", "sent"),
    [
        ({"tool_required": True}, "required"),
        (
            {"tool_choice": "get_current_weather"},
            {"type": "function", "function": {"name": "get_current_weather"}},
        ),
        ({"tool_choice": "none"}, "none"),
        ({"tool_choice": "auto"}, "auto"),
    ],
)
def test_tool_choice(kwargs: dict[str, Any], sent: Any) -> None:
    server = Scripted(httpx.Response(200, json=WEATHER_CALLS))
    llm(server).chat_with_tools([weather_tool], user_msg="x", **kwargs)
    assert server.body["tool_choice"] == sent


def test_unknown_tool_choice_fails_before_sending() -> None:
    server = Scripted()
    with pytest.raises(ValueError, match="tool_choice: got 'nope'"):
        llm(server).chat_with_tools([weather_tool], user_msg="x", tool_choice="nope")
    assert server.count == 0


def test_get_tool_calls_is_tolerant_of_partial_and_bad_json() -> None:
    from llama_index.core.base.llms.types import ChatResponse

    response = ChatResponse(
        message=ChatMessage(
            role="assistant",
            blocks=[
                TextBlock(text=""),
                ToolCallBlock(tool_call_id="1", tool_name="f", tool_kwargs='{"location": "Seo'),
                ToolCallBlock(tool_call_id="2", tool_name="f", tool_kwargs="garbage"),
                ToolCallBlock(tool_call_id="3", tool_name="f", tool_kwargs={"a": 1}),
            ],
        )
    )
    calls = Solar(api_key=SECRET).get_tool_calls_from_response(response)
    assert [c.tool_kwargs for c in calls] == [{"location": "Seo"}, {}, {"a": 1}]
    empty = ChatResponse(message=ChatMessage(role="assistant", content="no tools"))
    assert (
        Solar(api_key=SECRET).get_tool_calls_from_response(empty, error_on_no_tool_call=False) == []
    )
    with pytest.raises(ValueError, match="tool call"):
        Solar(api_key=SECRET).get_tool_calls_from_response(empty)


def test_streamed_tool_calls_assemble() -> None:
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
                        "function": {
                            "name": "get_current_weather",
                            "arguments": '{"location": "Se',
                        },
                    }
                ],
            ),
            chunk(
                None,
                tool_calls=[{"index": 0, "function": {"arguments": 'oul", "unit": "celsius"}'}}],
            ),
            chunk(None, finish_reason="tool_calls"),
        )
    )
    model = llm(server)
    responses = list(model.stream_chat_with_tools([weather_tool], user_msg="x"))
    partial = model.get_tool_calls_from_response(responses[0])
    assert partial[0].tool_kwargs == {"location": "Se"}
    final = model.get_tool_calls_from_response(responses[-1])
    assert final == [
        ToolSelection(
            tool_id="c1",
            tool_name="get_current_weather",
            tool_kwargs={"location": "Seoul", "unit": "celsius"},
        )
    ]


def test_predict_and_call_round_trip() -> None:
    call = {
        "id": "c9",
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "arguments": '{"location": "Paris", "unit": "celsius"}',
        },
    }
    server = Scripted(
        httpx.Response(200, json=chat_json(None, tool_calls=[call], finish_reason="tool_calls"))
    )
    out = llm(server).predict_and_call([weather_tool], user_msg="Weather in Paris?")
    assert out.response == "22 celsius in Paris"


def test_tool_result_and_assistant_tool_calls_are_mapped_back() -> None:
    server = Scripted()
    history = [
        ChatMessage(role="user", content="Weather?"),
        ChatMessage(
            role="assistant",
            blocks=[
                TextBlock(text=""),
                ToolCallBlock(
                    tool_call_id="c1",
                    tool_name="get_current_weather",
                    tool_kwargs={"location": "Seoul", "unit": "celsius"},
                ),
            ],
        ),
        ChatMessage(
            role=MessageRole.TOOL,
            content="22",
            additional_kwargs={"tool_call_id": "c1", "name": "get_current_weather"},
        ),
    ]
    llm(server).chat(history)
    assert server.body["messages"][1:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {
                        "name": "get_current_weather",
                        "arguments": '{"location": "Seoul", "unit": "celsius"}',
                    },
                }
            ],
        },
        {"role": "tool", "content": "22", "tool_call_id": "c1", "name": "get_current_weather"},
    ]


def test_julep_continuation_and_names() -> None:
    server = Scripted()
    expected = fixture_json("seed004_chat_request.json")
    model = Solar(
        provider="julep",
        model="julep-ai/samantha-1-turbo",
        api_key=SECRET,
        http_client=server.sync_client(),
        max_tokens=120,
        stop=["<", "<|"],
        temperature=0.8,
        frequency_penalty=0.75,
    )
    model.chat(
        [
            ChatMessage(
                role="system",
                content="Samantha is talking to Homer",
                additional_kwargs={"name": "situation"},
            ),
            ChatMessage(
                role="user", content="Hi, how's it going?", additional_kwargs={"name": "Homer"}
            ),
            ChatMessage(
                role="assistant",
                content="Hello, I am doing well, how are you?",
                additional_kwargs={"name": "Samantha"},
            ),
            ChatMessage(role="user", content="I am good too", additional_kwargs={"name": "Homer"}),
            ChatMessage(
                role="assistant",
                content="",
                additional_kwargs={"name": "Samantha", "continue": True},
            ),
        ]
    )
    assert server.body == expected


class Weather(BaseModel):
    location: str
    unit: str


def test_structured_predict() -> None:
    from llama_index.core.prompts import PromptTemplate

    call = {
        "id": "s1",
        "type": "function",
        "function": {"name": "Weather", "arguments": '{"location": "Seoul", "unit": "celsius"}'},
    }
    server = Scripted(httpx.Response(200, json=chat_json(None, tool_calls=[call])))
    out = llm(server).structured_predict(Weather, PromptTemplate("Weather of {city}"), city="Seoul")
    assert out == Weather(location="Seoul", unit="celsius")
    assert server.body["tool_choice"] == "required"
    assert server.body["messages"][-1]["content"] == "Weather of Seoul"


async def test_function_agent_step_with_a_function_tool() -> None:
    from llama_index.core.agent.workflow import FunctionAgent

    call = {
        "id": "a1",
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "arguments": '{"location": "Seoul", "unit": "celsius"}',
        },
    }
    server = Scripted(
        lambda _: sse_response(
            chunk(None, role="assistant", tool_calls=[{"index": 0, **call}]),
            chunk(None, finish_reason="tool_calls"),
        ),
        lambda _: sse_response(
            chunk("It is 22 celsius in Seoul."), chunk(None, finish_reason="stop")
        ),
    )
    agent = FunctionAgent(tools=[weather_tool], llm=llm(server))
    result = await agent.run("Weather in Seoul?")
    assert str(result) == "It is 22 celsius in Seoul."
    second = server.bodies[1]["messages"]
    assert second[-1] == {
        "role": "tool",
        "content": "22 celsius in Seoul",
        "tool_call_id": "a1",
    } or (
        second[-1]["role"] == "tool"
        and second[-1]["tool_call_id"] == "a1"
        and second[-1]["content"] == "22 celsius in Seoul"
    )


def test_errors_are_typed_and_retried_by_the_core_only() -> None:
    server = Scripted(error_response(429, "slow down"))
    model = llm(server, max_retries=1)
    model._client._sleep = lambda _: None  # type: ignore[method-assign]
    with pytest.raises(RateLimitError, match="slow down"):
        model.chat([ChatMessage(role="user", content="x")])
    assert server.count == 2


def test_api_base_alias_and_key_never_in_repr_or_to_dict(monkeypatch: pytest.MonkeyPatch) -> None:
    model = Solar(api_key=SECRET, api_base="http://127.0.0.1:5/v1")
    assert model.base_url == "http://127.0.0.1:5/v1"
    assert (
        SECRET not in repr(model)
        and SECRET not in str(model.to_dict())
        and SECRET not in model.to_json()
    )
    monkeypatch.setenv("UPSTAGE_API_KEY", SECRET)
    assert Solar().api_key.get_secret_value() == SECRET  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"temperature": 9}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"provider": "x"}, "provider"),
        ({"additional_kwargs": {"model": "y"}}, "additional_kwargs"),
    ],
)
def test_bad_construction(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        Solar(api_key=SECRET, **kwargs)


def test_bad_messages_fail_before_sending() -> None:
    server = Scripted()
    with pytest.raises(ValueError, match="tool_call_id"):
        llm(server).chat([ChatMessage(role="tool", content="x")])
    with pytest.raises(ValueError, match="messages: got an empty list"):
        llm(server).chat([])
    assert server.count == 0


def test_image_blocks_are_sent_as_image_url() -> None:
    from llama_index.core.base.llms.types import ImageBlock

    server = Scripted()
    llm(server).chat(
        [
            ChatMessage(
                role="user",
                blocks=[TextBlock(text="What is this?"), ImageBlock(url="https://x/cat.png")],
            )
        ]
    )
    assert server.body["messages"][0]["content"] == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "https://x/cat.png"}},
    ]
    assert json.dumps(server.body)
