"""What the servers themselves do, seen through the clients: the learning on
llama-cpp-python's server and on llama.cpp's llama-server, and LiteLLM's specifics
(errors, headers, streams, tools, models)."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from pydantic import BaseModel, Field

import solar_api
from langchain_solar import ChatSolar
from solar_api import BadRequestError, ContextLengthExceededError, SolarClient

from .servers import LITELLM_KEY, MODEL_ALIAS, LiteLLMPeer, LlamaCppPeer, LlamaServerPeer, Peer


class GetWeather(BaseModel):
    """Get the current weather in a given city."""

    city: str = Field(description="The city")


class Clock(BaseModel):
    """Get the local time in a given time zone."""

    tz: str = Field(description="The time zone")


def chat(peer: Peer, **kw: object) -> ChatSolar:
    params: dict[str, object] = {
        "base_url": peer.base_url,
        "api_key": LITELLM_KEY if peer.name.startswith("litellm") else None,
        "model": MODEL_ALIAS,
        "temperature": 0,
        "max_tokens": 60,
        **kw,
    }
    return ChatSolar(**params)  # type: ignore[arg-type]


TOOL_HISTORY = [
    HumanMessage("Weather in Paris?"),
    AIMessage("", tool_calls=[{"id": "call_1", "name": "GetWeather", "args": {"city": "Paris"}}]),
    ToolMessage("sunny, 21 degrees", tool_call_id="call_1"),
]


@pytest.mark.parametrize("peer_name", ["llama_peer", "litellm_peer"])
def test_tool_histories_and_required_are_learned_per_server(
    peer_name: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    peer: Peer = request.getfixturevalue(peer_name)
    llm = chat(peer)
    assert llm.invoke(TOOL_HISTORY).content
    bound = llm.bind_tools([GetWeather], tool_choice="any")
    assert [c["name"] for c in bound.invoke("Weather in Seoul?").tool_calls] == ["GetWeather"]
    learned = solar_api.learned_capabilities(peer.base_url)
    assert "null_content" in learned.rejected and "tool_choice_required" in learned.ignored
    # Another client of the same server starts from what was learned: no WARNING again.
    caplog.clear()
    assert chat(peer).invoke(TOOL_HISTORY).content
    assert "rejected" not in caplog.text and "took tool_choice" not in caplog.text


def test_litellm_headers_land_in_response_metadata(litellm_peer: LiteLLMPeer) -> None:
    llm = chat(litellm_peer)
    meta = llm.invoke("Say hi.").response_metadata
    assert meta["request_id"]
    assert meta["litellm"]["model_group"] == MODEL_ALIAS
    assert meta["litellm"]["model_name"] == f"openai/{MODEL_ALIAS}"
    # Cost headers (0.0 here: the model is not in LiteLLM's price list) come as numbers.
    costs = {k: v for k, v in meta["litellm"].items() if k.startswith("response_cost")}
    assert costs and all(isinstance(v, float) for v in costs.values())
    total: AIMessageChunk | None = None
    for part in llm.stream("Say hi."):
        total = part if total is None else total + part  # type: ignore[assignment]
    assert total is not None and total.content
    assert total.response_metadata["litellm"]["model_group"] == MODEL_ALIAS
    assert total.usage_metadata and total.usage_metadata["total_tokens"] > 0


async def test_litellm_streams_a_tool_call(litellm_peer: LiteLLMPeer) -> None:
    bound = chat(litellm_peer).bind_tools([GetWeather], tool_choice="GetWeather")
    total: AIMessageChunk | None = None
    async for part in bound.astream("Weather in Seoul?"):
        total = part if total is None else total + part  # type: ignore[assignment]
    assert total is not None
    assert [c["name"] for c in total.tool_calls] == ["GetWeather"]
    assert "city" in total.tool_calls[0]["args"]


def test_litellm_lists_its_models_and_maps_its_errors(litellm_peer: LiteLLMPeer) -> None:
    with SolarClient(base_url=litellm_peer.base_url, api_key=LITELLM_KEY) as client:
        assert [m.id for m in client.list_models().data] == [MODEL_ALIAS]
        with pytest.raises(BadRequestError, match="Invalid model name passed in model=nope"):
            client.chat(model="nope", messages=[{"role": "user", "content": "hi"}])
        with pytest.raises(ContextLengthExceededError, match="maximum context length") as caught:
            client.chat(
                model=MODEL_ALIAS,
                messages=[{"role": "user", "content": "hello " * 5000}],
                max_tokens=10,
            )
        assert caught.value.request_id


def test_llama_cpp_models_and_a_plain_profile(llama_peer: LlamaCppPeer) -> None:
    llm = chat(llama_peer)
    assert llm.provider_name == "openai_compatible"
    with SolarClient(base_url=llama_peer.base_url) as client:
        assert [m.id for m in client.list_models().data] == [MODEL_ALIAS]


FORCED = {"tool_choice_named", "tool_choice_required", "forced_tool_choice"}


def test_llama_server_is_recognised_and_a_forced_call_is_emulated(
    llama_server_peer: LlamaServerPeer, caplog: pytest.LogCaptureFixture
) -> None:
    peer = llama_server_peer
    with SolarClient(base_url=peer.base_url) as client:
        assert [m.id for m in client.list_models().data] == [MODEL_ALIAS]
    assert solar_api.learned_capabilities(peer.base_url).server == "llama-server"
    # SmolLM2's template has no tools (GET /props): the named call goes as a json_schema.
    bound = chat(peer).bind_tools([GetWeather], tool_choice="GetWeather")
    (call,) = bound.invoke("Weather in Seoul?").tool_calls
    assert call["name"] == "GetWeather" and set(call["args"]) == {"city"}
    assert call["id"] and call["id"].startswith("call_")
    learned = solar_api.learned_capabilities(peer.base_url)
    assert learned.ignored >= FORCED and not learned.rejected
    # Streamed, and "required" over two tools: the any-of schema picks one.
    total: AIMessageChunk | None = None
    for part in chat(peer).bind_tools([GetWeather, Clock], tool_choice="any").stream("Time?"):
        total = part if total is None else total + part  # type: ignore[assignment]
    assert total is not None and [c["name"] for c in total.tool_calls] in (
        ["GetWeather"],
        ["Clock"],
    )
    # A conversation with a tool-call turn (content null is accepted here).
    assert chat(peer).invoke(TOOL_HISTORY).content


def test_through_litellm_the_misses_teach_the_emulation(
    litellm_llama_server_peer: LiteLLMPeer,
) -> None:
    peer = litellm_llama_server_peer
    bound = chat(peer).bind_tools([GetWeather], tool_choice="GetWeather")
    (call,) = bound.invoke("Weather in Seoul?").tool_calls
    assert call["name"] == "GetWeather" and "city" in call["args"]
    assert solar_api.learned_capabilities(peer.base_url).ignored >= FORCED
