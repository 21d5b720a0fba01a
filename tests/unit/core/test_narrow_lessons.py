"""Lessons as narrow as the refusal (issue 25, item 1).

llama-cpp-python's server answers a json_schema response_format with a 500 whose body
says what it takes ("Input should be 'text' or 'json_object'"): the package learns that
form only, sends JSON mode with the schema asked for in the first system message, and
keeps sending JSON mode (and any explicit json_object) as asked.
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel

import solar_api
from langchain_solar import ChatSolar
from solar_api import SolarClient
from tests.helpers import Scripted, chat_json

BASE = "http://127.0.0.1:8000/v1"
USER = [{"role": "user", "content": "A song, please."}]
SCHEMA = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}
JSON_SCHEMA = {"type": "json_schema", "json_schema": {"name": "Song", "schema": SCHEMA}}
# What llama-cpp-python 0.3's server says (a pydantic error in a 500).
LLAMA_CPP_PY = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', "
    "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}"
)


class Song(BaseModel):
    title: str


def llama_cpp_python(*, json_object: bool = True) -> Scripted:
    """Refuses json_schema as llama-cpp-python does; takes json_object unless told not to."""

    def reply(request: httpx.Request) -> httpx.Response:
        fmt = json.loads(request.content).get("response_format") or {}
        if fmt.get("type") == "json_schema" or (fmt and not json_object):
            return httpx.Response(500, json={"error": {"message": LLAMA_CPP_PY}})
        return httpx.Response(200, json=chat_json('{"title": "Seoul"}'))

    return Scripted(reply)


def client(server: Scripted) -> SolarClient:
    return SolarClient(base_url=BASE, http_client=server.sync_client(), max_retries=0)


def test_a_refused_json_schema_keeps_json_mode(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    server = llama_cpp_python()
    c = client(server)
    c.chat(model="m", messages=USER, response_format=JSON_SCHEMA)
    assert server.count == 2
    resent = server.bodies[1]
    assert resent["response_format"] == {"type": "json_object"}
    first = resent["messages"][0]
    assert first["role"] == "system" and json.dumps(SCHEMA) in first["content"]
    assert resent["messages"][1:] == USER
    learned = solar_api.learned_capabilities(BASE).rejected
    assert learned == {"response_format.type=json_schema"}
    # What the server did not refuse is still sent as asked.
    c.chat(model="m", messages=USER, response_format={"type": "json_object"})
    assert server.body["response_format"] == {"type": "json_object"}
    assert server.body["messages"] == USER
    assert server.count == 3
    assert caplog.text.count("rejected 'response_format.type=json_schema'") == 1


def test_the_instruction_joins_an_existing_system_message() -> None:
    server = llama_cpp_python()
    messages = [{"role": "system", "content": "You are terse."}, *USER]
    client(server).chat(model="m", messages=messages, response_format=JSON_SCHEMA)
    sent = server.bodies[1]["messages"]
    assert len(sent) == 2 and sent[0]["content"].startswith("You are terse.\n\nReply with one")


def test_a_server_that_refuses_json_mode_too_gets_one_instruction() -> None:
    server = llama_cpp_python(json_object=False)
    client(server).chat(model="m", messages=USER, response_format=JSON_SCHEMA)
    assert server.count == 3  # json_schema refused, then json_object, then sent without
    last = server.bodies[2]
    assert "response_format" not in last
    assert [m["role"] for m in last["messages"]] == ["system", "user"]
    assert last["messages"][0]["content"].count("Reply with one JSON object") == 1
    assert solar_api.learned_capabilities(BASE).rejected == {
        "response_format.type=json_schema",
        "response_format",
    }


def test_chat_solar_json_mode_still_works_after_json_schema_was_refused() -> None:
    server = llama_cpp_python()
    llm = ChatSolar(base_url=BASE, http_client=server.sync_client(), max_retries=0)
    song = llm.with_structured_output(Song, method="json_schema").invoke("A song")
    assert song == Song(title="Seoul")
    parsed = llm.with_structured_output(Song, method="json_mode").invoke(
        [SystemMessage("Reply in JSON."), HumanMessage("A song")]
    )
    assert parsed == Song(title="Seoul")
    assert server.body["response_format"] == {"type": "json_object"}
    assert server.body["messages"][0] == {"role": "system", "content": "Reply in JSON."}
