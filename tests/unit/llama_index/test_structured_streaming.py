"""LlamaIndex's streamed structured output and agents on `Solar`: tool calls travel as
blocks and as ``additional_kwargs["tool_calls"]`` (issue 17, item 2)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ToolCallBlock
from llama_index.core.llms import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from llama_index_solar import Solar
from tests.helpers import SECRET, Scripted, chat_json, chunk, sse_response


class Song(BaseModel):
    title: str
    year: int


ARGS = '{"title": "Hello", "year": 1983}'


def call(arguments: str = ARGS, name: str = "Song", id: str = "c1") -> dict[str, Any]:
    return {"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}


def tool_stream(arguments: str = ARGS, *, finish: str = "tool_calls") -> httpx.Response:
    """The arguments in small pieces, as servers stream them."""
    pieces = [arguments[i : i + 5] for i in range(0, len(arguments), 5)]
    events = [
        chunk(
            tool_calls=[{"index": 0, "id": "c1", "type": "function", "function": {"name": "Song"}}],
            role="assistant",
        ),
        *(chunk(tool_calls=[{"index": 0, "function": {"arguments": p}}]) for p in pieces),
        chunk(finish_reason=finish),
    ]
    return sse_response(*events)


def solar(server: Scripted, **kw: Any) -> Solar:
    return Solar(
        api_key=SECRET,
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
        **kw,
    )


PROMPT = PromptTemplate("Name a song from {year}.")


def test_chat_response_carries_tool_calls_in_both_forms() -> None:
    server = Scripted(httpx.Response(200, json=chat_json(None, tool_calls=[call()])))
    message = solar(server).chat([ChatMessage(role="user", content="x")]).message
    assert [b.tool_name for b in message.blocks if isinstance(b, ToolCallBlock)] == ["Song"]
    (wire,) = message.additional_kwargs["tool_calls"]
    assert wire.function.name == "Song" and json.loads(wire.function.arguments)["year"] == 1983
    # The message goes back to the server once, as the call it was.
    assert solar(server).chat([message, ChatMessage(role="user", content="y")])
    assert server.body["messages"][0]["tool_calls"] == [call()]


def test_streamed_chat_carries_tool_calls_in_both_forms() -> None:
    server = Scripted(tool_stream())
    last = list(solar(server).stream_chat([ChatMessage(role="user", content="x")]))[-1]
    assert [b.tool_kwargs for b in last.message.blocks if isinstance(b, ToolCallBlock)] == [ARGS]
    assert last.message.additional_kwargs["tool_calls"][0].function.arguments == ARGS


def test_structured_predict_and_stream_structured_predict_fill_the_object() -> None:
    server = Scripted(httpx.Response(200, json=chat_json(None, tool_calls=[call()])))
    assert solar(server).structured_predict(Song, PROMPT, year="1983") == Song(
        title="Hello", year=1983
    )
    server = Scripted(tool_stream())
    partials = list(solar(server).stream_structured_predict(Song, PROMPT, year="1983"))
    assert partials[-1] == Song(title="Hello", year=1983)
    # The object fills as the arguments arrive: a title before the year.
    titles = [getattr(p, "title", None) for p in partials]
    assert "Hel" in titles or "Hello" in titles
    assert any(getattr(p, "year", None) is None for p in partials)
    assert [t["function"]["name"] for t in server.body["tools"]] == ["Song"]


async def test_astream_structured_predict_fills_the_object() -> None:
    server = Scripted(tool_stream())
    stream = await solar(server).astream_structured_predict(Song, PROMPT, year="1983")
    partials = [p async for p in stream]
    assert partials[-1] == Song(title="Hello", year=1983)


# LlamaIndex's StructuredLLM calls pydantic's deprecated .json(); nothing of ours.
@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20")
def test_as_structured_llm_stream_chat_fills_the_object() -> None:
    server = Scripted(tool_stream())
    sllm = solar(server).as_structured_llm(Song)
    responses = list(sllm.stream_chat([ChatMessage(role="user", content="A 1983 song")]))
    assert responses[-1].raw == Song(title="Hello", year=1983)
    assert json.loads(responses[-1].message.content or "") == {"title": "Hello", "year": 1983}


def test_tool_call_cut_by_max_tokens_names_finish_reason_length() -> None:
    server = Scripted(
        httpx.Response(
            200, json=chat_json(None, tool_calls=[call('{"title": "Hel')], finish_reason="length")
        )
    )
    with pytest.raises(ValueError, match="finish_reason=length"):
        solar(server, max_tokens=5).structured_predict(Song, PROMPT, year="1983")


async def test_function_agent_calls_a_tool_and_answers() -> None:
    def get_weather(location: str) -> str:
        """Get the weather for a location."""
        return f"Sunny in {location}"

    server = Scripted(
        httpx.Response(
            200,
            headers={"content-type": "text/event-stream"},
            content=_sse_tool_call("get_weather", '{"location": "Seoul"}'),
        ),
        sse_response(chunk("It is sunny in Seoul.", role="assistant"), chunk(finish_reason="stop")),
    )
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(get_weather)], llm=solar(server))
    answer = await agent.run("Weather in Seoul?")
    assert "sunny in Seoul" in str(answer)
    tool_turn = server.bodies[1]["messages"]
    assert tool_turn[-2]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert (
        tool_turn[-1]
        == {
            "role": "tool",
            "content": "Sunny in Seoul",
            "tool_call_id": "c1",
        }
        or tool_turn[-1]["content"] == "Sunny in Seoul"
    )


def _sse_tool_call(name: str, arguments: str) -> bytes:
    from tests.helpers import sse_body, tool_call_delta

    return sse_body(
        chunk(tool_calls=[tool_call_delta("c1", name, arguments)], role="assistant"),
        chunk(finish_reason="tool_calls"),
    )
