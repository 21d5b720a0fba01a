"""An unknown server that rejects a field: one more request without it, remembered."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from solar_api import BadRequestError, SolarClient
from tests.helpers import Scripted, chat_json, chunk, sse_response

USER = [{"role": "user", "content": "Weather?"}]
TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
}


def rejecting(field: str, status: int = 400, message: str | None = None) -> Scripted:
    """A server that answers 400/422 naming `field` whenever a request carries it."""

    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        carries = field in body or any(field in m for m in body.get("messages", []))
        if carries:
            text = message or f"Unsupported parameter: '{field}' is not supported with this model."
            return httpx.Response(
                status, json={"error": {"message": text, "type": "invalid_request_error"}}
            )
        if body.get("stream"):
            return sse_response(chunk("ok", finish_reason="stop"))
        return httpx.Response(200, json=chat_json("ok"))

    return Scripted(reply)


def client(server: Scripted) -> SolarClient:
    return SolarClient(
        base_url="http://127.0.0.1:1/v1", http_client=server.sync_client(), max_retries=0
    )


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("parallel_tool_calls", {"tools": [TOOL], "parallel_tool_calls": False}),
        ("tool_choice", {"tools": [TOOL], "tool_choice": "auto"}),
    ],
)
def test_field_dropped_once_then_never_sent(
    field: str, kwargs: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    server = rejecting(field)
    c = client(server)
    assert c.chat(model="m", messages=USER, **kwargs).choices[0].message.content == "ok"
    assert server.count == 2 and field in server.bodies[0] and field not in server.bodies[1]
    c.chat(model="m", messages=USER, **kwargs)
    assert server.count == 3 and field not in server.bodies[2]  # remembered: no second 400
    assert caplog.text.count(f"rejected '{field}'") == 1


def test_stream_options_rejected_with_a_422() -> None:
    server = rejecting(
        "stream_options",
        status=422,
        message="[{'loc': ['body', 'stream_options'], 'msg': 'Extra inputs are not permitted'}]",
    )
    c = client(server)
    assert [
        ch.choices[0].delta.content
        for ch in c.chat_stream(model="m", messages=USER, include_usage=True)
    ] == ["ok"]
    assert "stream_options" in server.bodies[0] and "stream_options" not in server.bodies[1]


def test_forced_tool_choice_becomes_an_instruction_not_nothing() -> None:
    server = rejecting("tool_choice")
    client(server).chat(
        model="m",
        messages=USER,
        tools=[TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    sent = server.bodies[1]
    assert "tool_choice" not in sent and sent["tools"] == [TOOL]
    # In the first system message, where chat templates take one.
    assert sent["messages"][0] == {
        "role": "system",
        "content": "Answer by calling the tool `get_weather`.",
    }


def test_tool_choice_none_drops_the_tools() -> None:
    server = rejecting("tool_choice")
    client(server).chat(model="m", messages=USER, tools=[TOOL], tool_choice="none")
    assert "tools" not in server.bodies[1] and "tool_choice" not in server.bodies[1]


def test_message_names_move_into_the_text() -> None:
    server = rejecting("name", message="messages.1.name: Extra inputs are not permitted")
    messages = [
        {"role": "system", "content": "Samantha is talking to Homer", "name": "situation"},
        {"role": "user", "content": "Hi", "name": "Homer"},
    ]
    client(server).chat(model="m", messages=messages)
    assert server.bodies[1]["messages"] == [
        {"role": "system", "content": "situation: Samantha is talking to Homer"},
        {"role": "user", "content": "Homer: Hi"},
    ]


def test_max_tokens_renamed_when_the_server_asks_for_max_completion_tokens() -> None:
    server = rejecting(
        "max_tokens",
        message="Unsupported parameter: 'max_tokens'. Use 'max_completion_tokens' instead.",
    )
    client(server).chat(model="m", messages=USER, max_tokens=5)
    assert server.bodies[1]["max_completion_tokens"] == 5 and "max_tokens" not in server.bodies[1]


def test_json_schema_becomes_an_instruction_with_the_schema() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    server = rejecting("response_format")
    client(server).chat(
        model="m",
        messages=USER,
        response_format={"type": "json_schema", "json_schema": {"name": "A", "schema": schema}},
    )
    first = server.bodies[1]["messages"][0]
    assert first["role"] == "system" and json.dumps(schema) in first["content"]


def test_errors_that_name_nothing_we_sent_are_raised_as_is(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    server = Scripted(
        httpx.Response(400, json={"error": {"message": "content must be at least 250 characters"}})
    )
    with pytest.raises(BadRequestError, match="250 characters"):
        client(server).chat(model="m", messages=USER, parallel_tool_calls=True, tools=[TOOL])
    assert server.count == 1 and "rejected" not in caplog.text


def test_a_server_that_rejects_everything_stops_after_each_field_once() -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400,
            json={"error": {"message": "bad: stream_options, parallel_tool_calls, tool_choice"}},
        )

    server = Scripted(reply)
    with pytest.raises(BadRequestError):
        client(server).chat(
            model="m", messages=USER, tools=[TOOL], tool_choice="auto", parallel_tool_calls=True
        )
    assert server.count == 3  # the original, then once without each of the two fields it named


def test_continue_rejected_by_a_server_that_does_not_know_it() -> None:
    server = rejecting("continue", message="messages.1.continue: Extra inputs are not permitted")
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "continue": True}]
    julep_like = SolarClient(
        provider="julep",
        base_url="http://127.0.0.1:1/v1",
        api_key="k",
        http_client=server.sync_client(),
        max_retries=0,
    )
    julep_like.chat(model="m", messages=messages)
    assert server.bodies[1]["messages"] == [{"role": "user", "content": "Hi"}]


def test_profile_without_tool_choice_asks_in_words() -> None:
    from dataclasses import replace

    from solar_api.providers import PROVIDERS
    from solar_api.providers._adapt import adapt_body

    provider = replace(PROVIDERS["openai_compatible"], tool_choice=False)
    out = adapt_body(
        {"model": "m", "messages": list(USER), "tools": [TOOL], "tool_choice": "required"}, provider
    )
    assert (
        "tool_choice" not in out
        and out["messages"][0]["content"] == "Answer by calling one of the available tools."
    )
