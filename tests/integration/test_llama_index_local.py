"""LlamaIndex flows against the real local model."""

from __future__ import annotations

from typing import Any

from llama_index.core import Document, VectorStoreIndex
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel, Field

from llama_index_solar import Solar, SolarEmbedding


def llm(**kw: Any) -> Solar:
    return Solar(**{"provider": "local", "temperature": 0, "max_tokens": 64, **kw})


def get_current_weather(location: str, unit: str) -> str:
    """Get the current weather in a given location. unit is celsius or fahrenheit."""
    return f"21 degrees {unit} in {location}"


weather = FunctionTool.from_defaults(fn=get_current_weather)


class Song(BaseModel):
    title: str = Field(max_length=40)
    year: int


def test_chat_and_stream_chat() -> None:
    model = llm()
    reply = model.chat([ChatMessage(role="user", content="Say hello.")])
    assert reply.message.content and reply.additional_kwargs["total_tokens"] > 0
    deltas = [r.delta for r in model.stream_chat([ChatMessage(role="user", content="Say hello.")])]
    assert len(deltas) > 2 and "".join(d or "" for d in deltas).strip()


async def test_achat_and_astream_complete() -> None:
    model = llm()
    assert (await model.achat([ChatMessage(role="user", content="Hi")])).message.content
    texts = [r.text async for r in await model.astream_complete("The sea is")]
    assert texts and texts[-1].strip()


def test_completions_endpoint() -> None:
    out = llm(is_chat_model=False).complete("The capital of France is")
    assert out.text.strip() and out.raw.object == "text_completion"


def test_forced_tool_call() -> None:
    model = llm(max_tokens=120)
    response = model.chat_with_tools(
        [weather], user_msg="Weather in Seoul?", tool_choice="get_current_weather"
    )
    calls = model.get_tool_calls_from_response(response)
    assert len(calls) == 1 and calls[0].tool_name == "get_current_weather"
    assert set(calls[0].tool_kwargs) == {"location", "unit"}


def test_structured_predict() -> None:
    song = llm(max_tokens=120).structured_predict(
        Song, PromptTemplate("Name a song about {topic}."), topic="rain"
    )
    assert isinstance(song, Song)


async def test_function_agent_step_with_a_function_tool() -> None:
    from llama_index.core.agent.workflow import FunctionAgent

    # One agent step with the tool forced: the agent runs the tool and feeds its result back.
    model = llm(max_tokens=120, additional_kwargs={"tool_choice": "required"})
    agent = FunctionAgent(tools=[weather], llm=model)
    handler = agent.run("Weather in Seoul in celsius?", max_iterations=2)
    tool_results = []
    from llama_index.core.agent.workflow import ToolCallResult

    try:
        async for event in handler.stream_events():
            if isinstance(event, ToolCallResult):
                tool_results.append(event)
                break
    finally:
        await handler.cancel_run()
    assert tool_results and tool_results[0].tool_name == "get_current_weather"
    assert "degrees" in str(tool_results[0].tool_output)


def test_vector_store_query_engine_with_solar_embeddings() -> None:
    docs = [
        Document(text="Solar Mini is a compact language model from Upstage."),
        Document(text="Paris is the capital of France and home of the Eiffel Tower."),
        Document(text="The Pacific is the largest ocean on Earth."),
    ]
    index = VectorStoreIndex.from_documents(docs, embed_model=SolarEmbedding(provider="local"))
    engine = index.as_query_engine(llm=llm(), similarity_top_k=1)
    answer = engine.query("Which company makes Solar Mini?")
    assert str(answer).strip()
    assert "Upstage" in answer.source_nodes[0].get_content()
