"""Message ids follow langchain-core's run-derived convention (issue 13, item 4).

A server or gateway that repeats completion ids must not make LangGraph merge turns.
"""

from __future__ import annotations

import json
import warnings

import httpx
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from langchain_solar import ChatSolar
from tests.helpers import SECRET, Scripted, chat_json, chunk, sse_response

CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": json.dumps({"city": "Seoul"})},
}


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}"


def _model(server: Scripted) -> ChatSolar:
    return ChatSolar(
        api_key=SECRET, http_client=server.sync_client(), http_async_client=server.async_client()
    )


def test_a_react_agent_keeps_every_turn_when_the_server_repeats_ids() -> None:
    from langgraph.prebuilt import create_react_agent

    # Both completions carry the same id, "chatcmpl-1", as some gateways and mocks send.
    server = Scripted(
        httpx.Response(200, json=chat_json(None, tool_calls=[CALL], finish_reason="tool_calls")),
        httpx.Response(200, json=chat_json("It is sunny in Seoul.")),
    )
    with warnings.catch_warnings():
        # langgraph 1.x marks create_react_agent deprecated in favour of langchain's
        # create_agent, which is not a dependency here; the graph it builds is the same.
        warnings.simplefilter("ignore")
        agent = create_react_agent(_model(server), [get_weather])
    messages = agent.invoke({"messages": [HumanMessage("Weather in Seoul?")]})["messages"]
    kinds = [type(m).__name__ for m in messages]
    assert kinds == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    call_turn, tool_turn, answer = messages[1], messages[2], messages[3]
    assert isinstance(call_turn, AIMessage) and call_turn.tool_calls[0]["id"] == "call_1"
    assert isinstance(tool_turn, ToolMessage) and tool_turn.content == "Sunny in Seoul"
    assert answer.content == "It is sunny in Seoul."
    assert call_turn.id != answer.id
    assert call_turn.response_metadata["id"] == answer.response_metadata["id"] == "chatcmpl-1"


def test_n_generations_get_distinct_ids() -> None:
    two = chat_json("a")
    two["choices"].append(
        {**two["choices"][0], "index": 1, "message": {"role": "assistant", "content": "b"}}
    )
    server = Scripted(httpx.Response(200, json=two))
    result = _model(server).generate([[HumanMessage("x")]], n=2)
    ids = [g.message.id for g in result.generations[0]]  # type: ignore[attr-defined]
    assert len(set(ids)) == 2 and all(i and i.startswith("lc_run-") for i in ids)
    assert [g.message.response_metadata["id"] for g in result.generations[0]] == [  # type: ignore[attr-defined]
        "chatcmpl-1",
        "chatcmpl-1",
    ]


def test_two_calls_and_streams_get_distinct_ids() -> None:
    server = Scripted(httpx.Response(200, json=chat_json()))
    llm = _model(server)
    assert llm.invoke("x").id != llm.invoke("x").id

    stream = Scripted(
        lambda _: sse_response(chunk("Hi", role="assistant"), chunk(finish_reason="stop"))
    )
    llm = _model(stream)
    first = [c.id for c in llm.stream("x")]
    second = [c.id for c in llm.stream("x")]
    assert len(set(first)) == 1 and len(set(second)) == 1 and first[0] != second[0]
    assert first[0] is not None and first[0].startswith("lc_run-")
