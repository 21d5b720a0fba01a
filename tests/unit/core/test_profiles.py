from __future__ import annotations

import logging

import httpx
import pytest

from solar_api import SolarClient
from tests.helpers import Scripted, chat_json

USER = [{"role": "user", "content": "x"}]
TOOL = {
    "type": "function",
    "function": {"name": "f", "parameters": {"type": "object", "properties": {}}},
}
SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}


def local(server: Scripted) -> SolarClient:
    return SolarClient(
        provider="local", base_url="http://127.0.0.1:1/v1", http_client=server.sync_client()
    )


def test_json_schema_is_spelled_the_llama_cpp_way_for_local(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="solar_api")
    server = Scripted()
    fmt = {"type": "json_schema", "json_schema": {"name": "A", "schema": SCHEMA}}
    local(server).chat(model="m", messages=USER, response_format=fmt)
    assert server.body["response_format"] == {"type": "json_object", "schema": SCHEMA}
    assert "json_schema sent as json_object" in caplog.text
    other = Scripted()
    SolarClient(base_url="http://127.0.0.1:1/v1", http_client=other.sync_client()).chat(
        model="m", messages=USER, response_format=fmt
    )
    assert other.body["response_format"] == fmt


def test_required_with_one_tool_becomes_that_tool_for_local() -> None:
    # The server calls the tool (as llama-cpp-python's does for a named one).
    call = {"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    server = Scripted(httpx.Response(200, json=chat_json(None, tool_calls=[call])))
    local(server).chat(model="m", messages=USER, tools=[TOOL], tool_choice="required")
    assert server.body["tool_choice"] == {"type": "function", "function": {"name": "f"}}
    two = {**TOOL, "function": {**TOOL["function"], "name": "g"}}
    local(server).chat(model="m", messages=USER, tools=[TOOL, two], tool_choice="required")
    # Several tools go as asked; a reply without a call is what teaches the stand-in tool.
    assert server.bodies[1]["tool_choice"] == "required"


def test_local_needs_a_running_backend() -> None:
    with pytest.raises(ValueError, match="no running local backend"):
        SolarClient(provider="local")


def test_local_reads_its_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLAR_LOCAL_BASE_URL", "http://127.0.0.1:4321/v1")
    client = SolarClient(provider="local")
    assert client.base_url == "http://127.0.0.1:4321/v1" and client.api_key is None


def test_tool_call_turn_gets_empty_content_for_local() -> None:
    server = Scripted()
    call = {"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    history = [
        *USER,
        {"role": "assistant", "tool_calls": [call]},
        {"role": "tool", "content": "ok", "tool_call_id": "1"},
    ]
    local(server).chat(model="m", messages=history)
    assert server.body["messages"][1] == {"role": "assistant", "content": "", "tool_calls": [call]}
    other = Scripted()
    SolarClient(base_url="http://127.0.0.1:1/v1", http_client=other.sync_client()).chat(
        model="m", messages=history
    )
    assert other.body["messages"][1]["content"] is None


def test_local_caps_generation_only_when_max_tokens_is_unset() -> None:
    server = Scripted()
    local(server).chat(model="m", messages=USER)
    assert server.body["max_tokens"] == 512
    local(server).chat(model="m", messages=USER, max_tokens=7)
    assert server.body["max_tokens"] == 7
    SolarClient(base_url="http://127.0.0.1:1/v1", http_client=server.sync_client()).chat(
        model="m", messages=USER
    )
    assert "max_tokens" not in server.body


def test_local_waits_longer_by_default_but_honours_a_given_timeout() -> None:
    server = Scripted()
    assert local(server).timeout.read == 600.0 and local(server).timeout.connect == 5.0
    given = SolarClient(provider="local", base_url="http://127.0.0.1:1/v1", timeout=7)
    assert given.timeout.read == 7.0


def test_profiles_adapt_before_sending_and_say_so(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="solar_api")
    server = Scripted()
    messages = [
        {"role": "user", "content": "Hi", "name": "Homer"},
        {"role": "assistant", "name": "Samantha", "continue": True},
    ]
    local(server).chat(model="m", messages=messages, max_tokens=5)
    assert server.body["messages"] == [{"role": "user", "content": "Homer: Hi"}]
    # Each adaptation that changes what was asked: once per client, at WARNING (issue 13).
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [
        "provider local does not take 'name'; sent instead: each name moved into its "
        "message's text",
        "provider local does not take 'continue'; sent instead: the open continue turn left "
        "out (the model answers as the assistant)",
    ]
    julep = SolarClient(provider="julep", api_key="k", http_client=server.sync_client())
    julep.chat(model="m", messages=messages)
    assert server.body["messages"] == messages  # Julep takes both


def test_a_provider_that_wants_max_completion_tokens() -> None:
    from dataclasses import replace

    from solar_api.providers import PROVIDERS
    from solar_api.providers._adapt import adapt_body

    provider = replace(
        PROVIDERS["openai_compatible"],
        max_tokens_field="max_completion_tokens",
        json_object=False,
        parallel_tool_calls=False,
    )
    body = {
        "model": "m",
        "messages": list(USER),
        "max_tokens": 9,
        "parallel_tool_calls": True,
        "response_format": {"type": "json_object"},
    }
    out = adapt_body(body, provider)
    assert (
        out["max_completion_tokens"] == 9
        and "max_tokens" not in out
        and "parallel_tool_calls" not in out
    )
    assert (
        "response_format" not in out
        and out["messages"][0]["content"] == "Reply with one JSON object and nothing else."
    )


def test_model_overrides_refine_the_provider_profile() -> None:
    server = Scripted()
    nim = SolarClient(provider="nvidia", api_key="k", http_client=server.sync_client())
    nim.chat(
        model="upstage/solar-10.7b-instruct", messages=USER, response_format={"type": "json_object"}
    )
    assert "response_format" not in server.body
    assert server.body["messages"][0]["content"] == "Reply with one JSON object and nothing else."
    nim.chat(model="some-other-model", messages=USER, response_format={"type": "json_object"})
    assert server.body["response_format"] == {"type": "json_object"}
