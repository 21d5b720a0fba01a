"""LlamaIndex's Solar against the servers people run: llama-cpp-python's server and
llama.cpp's own llama-server (only a base_url: the openai_compatible profile), and
LiteLLM's proxy in front of each.

The tests build their model through the `llm` fixture: `make compare` runs these same
tests with llama-index-llms-openai-like's OpenAILike in its place (bench/compare_suite/)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from llama_index_solar import Solar

from .servers import MODEL_ALIAS, Peer
from .settings import LLAMA_INDEX_SAMPLING, PEER_FIXTURES, peer_api_key


def get_current_weather(location: str) -> str:
    """Get the current weather in a given city."""
    return f"21 degrees celsius in {location}"


weather = FunctionTool.from_defaults(fn=get_current_weather)


class City(BaseModel):
    name: str
    country: str


@pytest.fixture(params=PEER_FIXTURES)
def peer(request: pytest.FixtureRequest) -> Peer:
    peer: Peer = request.getfixturevalue(request.param)
    return peer


# Builds the model under test on the peer; keywords override LLAMA_INDEX_SAMPLING.
LLMFactory = Callable[..., FunctionCallingLLM]


def solar_llm(peer: Peer, **kw: object) -> Solar:
    params = {"base_url": peer.base_url, "api_key": peer_api_key(peer)}
    return Solar(**{**params, **LLAMA_INDEX_SAMPLING, **kw})  # type: ignore[arg-type]


@pytest.fixture
def llm(peer: Peer) -> LLMFactory:
    return lambda **kw: solar_llm(peer, **kw)


def test_chat_and_stream_chat(peer: Peer, llm: LLMFactory) -> None:
    model = llm()
    question = [ChatMessage(role="user", content="What is the capital of France?")]
    if peer.name.endswith("llama-server"):
        # Under its template's default system message ("You are a helpful AI assistant
        # named SmolLM, trained by Hugging Face"), which llama-server renders when there is
        # none, SmolLM2-135M answers "L'Étoile, la Marseillaise, ..." (checked with curl);
        # with this one, "The capital of France is Paris." (with chatml, it is the reverse).
        question.insert(0, ChatMessage(role="system", content="You are a helpful assistant."))
    reply = model.chat(question)
    assert "Paris" in (reply.message.content or "")
    assert reply.additional_kwargs["total_tokens"] > 0
    streamed = list(model.stream_chat([ChatMessage(role="user", content="Say hello.")]))
    assert len(streamed) > 2 and streamed[-1].message.content
    if peer.name != "llama-cpp":
        # llama-server sends usage when asked (stream_options), and the proxy counts the
        # tokens of a stream itself; only llama-cpp-python's server sends none.
        assert streamed[-1].additional_kwargs["total_tokens"] > 0
    if peer.name.startswith("litellm"):
        assert streamed[-1].additional_kwargs["litellm"]["model_group"] == MODEL_ALIAS


async def test_achat_and_astream_chat(llm: LLMFactory) -> None:
    model = llm()
    assert (await model.achat([ChatMessage(role="user", content="Hi")])).message.content
    texts = [
        r.delta async for r in await model.astream_chat([ChatMessage(role="user", content="Hi")])
    ]
    assert "".join(t or "" for t in texts).strip()


def test_forced_tool_call_and_a_required_one(llm: LLMFactory) -> None:
    model = llm(max_tokens=100)
    for choice in ("get_current_weather", "required"):
        response = model.chat_with_tools(
            [weather], user_msg="Weather in Seoul?", tool_choice=choice
        )
        calls = model.get_tool_calls_from_response(response)
        assert [c.tool_name for c in calls] == ["get_current_weather"], choice


def get_local_time(city: str) -> str:
    """Get the local time in a given city."""
    return f"12:00 in {city}"


clock = FunctionTool.from_defaults(fn=get_local_time)


def test_a_required_call_over_several_tools_whole_and_streamed(llm: LLMFactory) -> None:
    # The server ignores "required"; the client sends the two tools as one named stand-in
    # the server does enforce, and hands back a call of the tool the model picked.
    model = llm(max_tokens=100)
    tools = [weather, clock]
    response = model.chat_with_tools(tools, user_msg="Weather in Seoul?", tool_required=True)
    (call,) = model.get_tool_calls_from_response(response)
    assert call.tool_name in {"get_current_weather", "get_local_time"}
    assert set(call.tool_kwargs) <= {"location", "city"}
    *_, last = model.stream_chat_with_tools(tools, user_msg="Time in Seoul?", tool_required=True)
    (streamed,) = model.get_tool_calls_from_response(last)
    assert streamed.tool_name in {"get_current_weather", "get_local_time"}


def test_a_conversation_with_a_tool_call_turn(llm: LLMFactory) -> None:
    # The assistant's tool-call turn has no text: sent as content null, which llama.cpp's
    # server refuses with a 500 (directly or through the proxy); learned, then sent as "".
    history = [
        ChatMessage(role="user", content="Weather in Seoul?"),
        ChatMessage(
            role=MessageRole.ASSISTANT,
            content=None,
            additional_kwargs={
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {
                            "name": "get_current_weather",
                            "arguments": '{"location": "Seoul"}',
                        },
                    }
                ]
            },
        ),
        ChatMessage(
            role=MessageRole.TOOL,
            content="21 degrees celsius in Seoul",
            additional_kwargs={"tool_call_id": "call_1"},
        ),
    ]
    reply = llm().chat(history)
    assert reply.message.content


def test_structured_predict(llm: LLMFactory) -> None:
    city = llm(max_tokens=100).structured_predict(
        City, PromptTemplate("Paris is a city in France. Extract the city: {text}"), text="Paris"
    )
    assert isinstance(city, City) and city.name
