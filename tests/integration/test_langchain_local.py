"""LangChain flows against the real local model: what the wire contract must survive."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from pydantic import BaseModel, Field

from langchain_solar import ChatSolar


def llm(**kw: Any) -> ChatSolar:
    return ChatSolar(**{"provider": "local", "temperature": 0, "max_tokens": 64, **kw})


@tool
def get_current_weather(location: str, unit: str) -> str:
    """Get the current weather in a given location. unit is celsius or fahrenheit."""
    return f"21 degrees {unit} in {location}"


class CityFacts(BaseModel):
    """Facts about a city."""

    city: str = Field(description="the city's name", max_length=40)
    population_millions: float


def test_lcel_chain_prompt_model_parser() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You answer in one short sentence."), ("human", "Say something about {topic}.")]
    )
    out = (prompt | llm() | StrOutputParser()).invoke({"topic": "the sea"})
    assert isinstance(out, str) and out.strip()


def test_forced_tool_call_round_trip_through_tool_message() -> None:
    model = llm(max_tokens=120).bind_tools([get_current_weather], tool_choice="get_current_weather")
    question = HumanMessage("What is the weather like in Seoul, in celsius?")
    first = model.invoke([question])
    assert len(first.tool_calls) == 1
    call = first.tool_calls[0]
    assert call["name"] == "get_current_weather" and set(call["args"]) == {"location", "unit"}
    assert call["id"]
    result = get_current_weather.invoke(call)
    assert isinstance(result, ToolMessage) and result.tool_call_id == call["id"]
    final = llm().invoke([question, first, result])
    assert isinstance(final, AIMessage) and isinstance(final.content, str)
    assert final.response_metadata["finish_reason"] in ("stop", "length")


def test_streaming_yields_tokens_and_usage_on_invoke() -> None:
    model = llm()
    chunks = list(model.stream("Count from one to five."))
    text = "".join(str(c.content) for c in chunks)
    assert len(chunks) > 3 and text.strip()
    assert chunks[-1].chunk_position == "last"
    assert chunks[-1].response_metadata["model_name"] == "solar-1-mini-chat"
    # llama.cpp reports usage on whole responses, not on streams.
    reply = model.invoke("Count from one to five.")
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["input_tokens"] > 0 and reply.usage_metadata["output_tokens"] > 0


async def test_astream_streaming_tool_call_chunks() -> None:
    model = llm(max_tokens=120).bind_tools([get_current_weather], tool_choice="get_current_weather")
    full = None
    async for chunk in model.astream("Weather in Paris in celsius?"):
        full = chunk if full is None else full + chunk
    assert full is not None and len(full.tool_calls) == 1
    assert full.tool_calls[0]["name"] == "get_current_weather"


def test_structured_output_json_schema_and_function_calling() -> None:
    for method in ("json_schema", "function_calling"):
        facts = (
            llm(max_tokens=120)
            .with_structured_output(CityFacts, method=method)
            .invoke("Seoul has about 9.4 million people.")
        )
        assert isinstance(facts, CityFacts), method


def test_batch_with_max_concurrency() -> None:
    questions = [f"Say the number {i}." for i in range(4)]
    out = llm(max_tokens=16).batch(questions, config={"max_concurrency": 2})
    assert len(out) == 4 and all(isinstance(m, AIMessage) for m in out)


async def test_abatch() -> None:
    out = await llm(max_tokens=16).abatch(["Hi", "Hello"], config={"max_concurrency": 2})
    assert len(out) == 2


def test_langgraph_agent_loop_with_a_forced_first_step() -> None:
    forced = llm(max_tokens=120).bind_tools(
        [get_current_weather], tool_choice="get_current_weather"
    )
    free = llm()

    def agent(state: MessagesState) -> dict[str, list[Any]]:
        # The first step must call the tool; once a tool has answered, the model replies.
        model = free if any(isinstance(m, ToolMessage) for m in state["messages"]) else forced
        return {"messages": [model.invoke(state["messages"])]}

    def route(state: MessagesState) -> str:
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else END

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode([get_current_weather]))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", route, ["tools", END])
    graph.add_edge("tools", "agent")
    result = graph.compile().invoke({"messages": [HumanMessage("Weather in Seoul in celsius?")]})
    kinds = [type(m).__name__ for m in result["messages"]]
    assert kinds == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    assert "degrees" in result["messages"][2].content
    json.dumps([m.model_dump() for m in result["messages"]], default=str)
