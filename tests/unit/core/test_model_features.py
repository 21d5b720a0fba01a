"""Features that belong to a model follow the model, whatever the host; NIM's parameter
list is one policy; adaptations are warned about once (issue 13, items 3 and 6)."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage

from langchain_solar import ChatSolar, SolarSummarizer, julep_continuation
from solar_api import SolarClient
from tests.helpers import SECRET, Scripted, chat_json, chunk, error_response, sse_response

GATEWAY = "https://llm-gateway.example.com/v1"
NIM_MODEL = "upstage/solar-10.7b-instruct"
USER = [{"role": "user", "content": "Hi"}]
ARTICLE = "Solar is a small language model made by Upstage. " * 8
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_the_summarization_body_goes_through_a_gateway() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("* short")))
    summarizer = SolarSummarizer(
        model="solar-1-mini-summarization",
        format="bullets",
        length="short",
        base_url=GATEWAY,
        api_key=SECRET,
        http_client=server.sync_client(),
    )
    assert summarizer.provider_name == "openai_compatible"
    summarizer.invoke(ARTICLE)
    body = server.body
    assert body["messages"] == [{"role": "user", "content": ARTICLE}]
    assert (body["format"], body["length"]) == ("bullets", "short")


def test_julep_continue_goes_through_a_gateway_and_to_unknown_servers() -> None:
    server = Scripted()
    llm = ChatSolar(
        model="julep-ai/samantha-1-turbo", base_url=GATEWAY, http_client=server.sync_client()
    )
    llm.invoke([HumanMessage("Hi", name="Homer"), julep_continuation("Samantha")])
    assert server.body["messages"][-1] == {
        "role": "assistant",
        "name": "Samantha",
        "continue": True,
    }
    # Any model on an unknown server: sent as asked (no static guess) ...
    ChatSolar(model="m", base_url=GATEWAY, http_client=server.sync_client()).invoke(
        [HumanMessage("Hi"), julep_continuation()]
    )
    assert server.body["messages"][-1] == {"role": "assistant", "continue": True}


def test_an_unknown_server_that_rejects_continue_teaches_the_client(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = Scripted(
        error_response(400, "Unrecognized field: continue"), httpx.Response(200, json=chat_json())
    )
    llm = ChatSolar(model="m", base_url=GATEWAY, http_client=server.sync_client(), max_retries=0)
    llm.invoke([HumanMessage("Hi"), julep_continuation()])
    assert server.count == 2 and server.body["messages"] == [{"role": "user", "content": "Hi"}]
    assert any("continue" in m for m in _warnings(caplog))


def test_adaptations_are_warned_about_once_per_client(caplog: pytest.LogCaptureFixture) -> None:
    server = Scripted()
    client = SolarClient(provider="upstage", api_key=SECRET, http_client=server.sync_client())
    convo = [*USER, {"role": "assistant", "continue": True}]
    client.chat(model="solar-1-mini-chat", messages=convo)
    client.chat(model="solar-1-mini-chat", messages=convo)
    assert server.body["messages"] == USER
    assert _warnings(caplog) == [
        "provider upstage does not take 'continue'; sent instead: the open continue turn "
        "left out (the model answers as the assistant)"
    ]


def _nim(server: Scripted) -> SolarClient:
    return SolarClient(provider="nvidia", api_key=SECRET, http_client=server.sync_client())


def test_nim_takes_the_parameters_its_card_lists() -> None:
    server = Scripted()
    params: dict[str, Any] = {
        "max_tokens": 5,
        "temperature": 0.2,
        "top_p": 0.9,
        "stop": ["x"],
        "frequency_penalty": 0.1,
        "presence_penalty": 0.1,
        "seed": 1,
    }
    _nim(server).chat(model=NIM_MODEL, messages=USER, **params)
    assert server.body == {"model": NIM_MODEL, "messages": USER, **params}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"n": 2}, "n"),
        ({"tools": [TOOL]}, "tools"),
        ({"tools": [TOOL], "tool_choice": "required"}, "tools"),
        ({"logprobs": True}, "logprobs"),
        ({"top_k": 3}, "top_k"),
        ({"user": "u-1"}, "user"),
    ],
)
def test_nim_refuses_what_it_cannot_carry(extra: dict[str, Any], field: str) -> None:
    server = Scripted()
    with pytest.raises(ValueError, match=rf"{field}.*{NIM_MODEL} takes only frequency_penalty"):
        _nim(server).chat(model=NIM_MODEL, messages=USER, **extra)
    assert server.count == 0


def test_nim_carries_the_meaning_of_the_rest(caplog: pytest.LogCaptureFixture) -> None:
    server = Scripted()
    nim = _nim(server)
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    nim.chat(
        model=NIM_MODEL,
        messages=USER,
        response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
    )
    assert "response_format" not in server.body
    assert '"properties"' in server.body["messages"][0]["content"]
    nim.chat(model=NIM_MODEL, messages=USER, response_format={"type": "json_object"})
    assert server.body["messages"][0]["content"] == "Reply with one JSON object and nothing else."
    nim.chat(model=NIM_MODEL, messages=[{"role": "user", "content": "Hi", "name": "Homer"}], n=1)
    assert server.body == {
        "model": NIM_MODEL,
        "messages": [{"role": "user", "content": "Homer: Hi"}],
    }
    nim.chat(model=NIM_MODEL, messages=USER, tools=[TOOL], tool_choice="none")
    assert server.body == {"model": NIM_MODEL, "messages": USER}
    warned = _warnings(caplog)
    assert len(warned) == len(set(warned)) == 3  # response_format, name, tool_choice: once each
    assert all(m.startswith(f"{NIM_MODEL} on nvidia does not take") for m in warned)


def test_nim_streams_without_stream_options_unless_asked() -> None:
    server = Scripted(
        lambda _: sse_response(chunk("Hi", role="assistant"), chunk(finish_reason="stop"))
    )
    with _nim(server).chat_stream(model=NIM_MODEL, messages=USER) as stream:
        list(stream)
    assert server.body == {"model": NIM_MODEL, "messages": USER, "stream": True}
    with pytest.raises(ValueError, match="stream_options"):
        _nim(server).chat_stream(model=NIM_MODEL, messages=USER, include_usage=True)


def test_nim_structured_output_through_chatsolar() -> None:
    from pydantic import BaseModel

    class Song(BaseModel):
        title: str

    server = Scripted(httpx.Response(200, json=chat_json('{"title": "Solar"}')))
    llm = ChatSolar(provider="nvidia", api_key=SECRET, http_client=server.sync_client())
    with pytest.raises(ValueError, match="use a JSON schema or JSON mode"):
        llm.with_structured_output(Song).invoke("x")
    assert server.count == 0
    assert llm.with_structured_output(Song, method="json_schema").invoke("x") == Song(title="Solar")
    assert (
        "response_format" not in server.body and '"title"' in server.body["messages"][0]["content"]
    )
