"""Smaller things a LangChain user meets (issue 17, item 10): the model profile, aliases
in configurable_fields, reprs with the resolved provider, and a structured output cut
off by max_tokens that says so."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.runnables import ConfigurableField
from pydantic import BaseModel

from langchain_solar import ChatSolar, SolarEmbeddings, SolarSummarizer
from llama_index_solar import Solar
from tests.helpers import SECRET, Scripted, chat_json


class Song(BaseModel):
    title: str
    year: int


def test_profile_comes_from_the_registry() -> None:
    profile = ChatSolar(api_key=SECRET, model="solar-pro4").profile
    assert profile is not None
    assert profile["max_input_tokens"] == 524_288 and profile["max_output_tokens"] == 131_072
    assert profile["tool_calling"] and profile["tool_choice"] and profile["structured_output"]
    assert profile["reasoning_output"]
    mini = ChatSolar(api_key=SECRET, model="solar-mini").profile
    assert mini is not None and mini["max_input_tokens"] == 32_768
    assert not mini["reasoning_output"]
    nim = ChatSolar(api_key=SECRET, provider="nvidia", model="upstage/solar-10.7b-instruct")
    assert nim.profile is not None and nim.profile["max_input_tokens"] == 4096
    assert not nim.profile["tool_calling"] and not nim.profile["structured_output"]
    # A model the registry does not know has no profile (its limits would be guesses).
    assert ChatSolar(base_url="http://127.0.0.1:9/v1", model="my-model").profile is None


def test_configurable_fields_accepts_the_model_alias() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("hi")))
    llm = ChatSolar(api_key=SECRET, http_client=server.sync_client()).configurable_fields(
        model=ConfigurableField(id="model")
    )
    llm.invoke("x", {"configurable": {"model": "solar-pro2"}})
    assert server.body["model"] == "solar-pro2"
    llm.invoke("x")
    assert server.body["model"] == "solar-mini4"


@pytest.mark.parametrize(
    ("factory", "kw", "shown"),
    [
        (ChatSolar, {"base_url": "http://127.0.0.1:9/v1"}, "openai_compatible"),
        (SolarSummarizer, {"api_key": SECRET}, "upstage"),
        (SolarEmbeddings, {"api_key": SECRET}, "upstage"),
        (Solar, {"api_key": SECRET}, "upstage"),
    ],
)
def test_reprs_show_the_resolved_provider(factory: type, kw: dict[str, Any], shown: str) -> None:
    text = repr(factory(**kw))
    assert f"provider='{shown}'" in text and "provider=None" not in text
    assert SECRET not in text


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_structured_output_cut_by_max_tokens_names_finish_reason(method: str) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "Song", "arguments": '{"ti'}}
    reply = (
        chat_json(None, tool_calls=[call], finish_reason="length")
        if method == "function_calling"
        else chat_json('{"title": "Hel', finish_reason="length")
    )
    server = Scripted(httpx.Response(200, json=reply))
    llm = ChatSolar(api_key=SECRET, max_tokens=3, http_client=server.sync_client())
    with pytest.raises(OutputParserException, match=r"finish_reason=length.*raise max_tokens"):
        llm.with_structured_output(Song, method=method).invoke("x")
    raw = llm.with_structured_output(Song, method=method, include_raw=True).invoke("x")
    assert isinstance(raw, dict) and "finish_reason=length" in str(raw["parsing_error"])


def test_complete_structured_output_is_unchanged() -> None:
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "Song", "arguments": '{"title": "Hello", "year": 1983}'},
    }
    server = Scripted(httpx.Response(200, json=chat_json(None, tool_calls=[call])))
    llm = ChatSolar(api_key=SECRET, http_client=server.sync_client())
    assert llm.with_structured_output(Song).invoke("x") == Song(title="Hello", year=1983)
