"""Huge responses arrive whole: 10 MB of content in one body, 100,000 stream events.

Nothing is truncated, nothing is lost, and the time stays linear (a bound that only an
accidentally quadratic decoder or a hang would break; speed itself is measured in bench/).
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from llama_index.core.base.llms.types import ChatMessage

from langchain_solar import ChatSolar
from llama_index_solar import Solar
from solar_api import AsyncSolarClient, SolarClient
from tests.faults import fault_server, http_reply, sse_reply
from tests.helpers import chat_json, chunk
from tests.unit.reliability.checks import open_client_sockets

pytestmark = pytest.mark.slow  # 10 MB bodies and 100,000 stream events

BIG = ("0123456789abcdef" * 64 + "\n") * 10_000  # 10.25 MB
EVENTS = 100_000
# Pre-serialised, so the server's own JSON encoding is not what takes the time.
STREAM = [json.dumps(chunk("x")) for _ in range(EVENTS - 1)] + [
    json.dumps(chunk("x", finish_reason="stop"))
]
BODY = {"model": "solar-mini", "messages": [{"role": "user", "content": "x"}]}


def test_ten_megabytes_of_content() -> None:
    with fault_server(http_reply(200, chat_json(BIG))) as server:
        llm = ChatSolar(base_url=server.base_url, api_key="k")
        assert llm.invoke("x").content == BIG
        solar = Solar(base_url=server.base_url, api_key="k")
        assert solar.chat([ChatMessage(role="user", content="x")]).message.content == BIG
        assert open_client_sockets(server.port) == 0


def test_a_hundred_thousand_events_through_the_core() -> None:
    with fault_server(sse_reply(STREAM)) as server:
        started = time.monotonic()
        with SolarClient(base_url=server.base_url, api_key="k") as client:
            pieces = [c.choices[0].delta.content for c in client.chat_stream(BODY)]
        assert pieces == ["x"] * EVENTS

        async def collect() -> list[str | None]:
            async with AsyncSolarClient(base_url=server.base_url, api_key="k") as client:
                stream = await client.chat_stream(BODY)
                return [c.choices[0].delta.content async for c in stream]

        assert asyncio.run(collect()) == ["x"] * EVENTS
        assert time.monotonic() - started < 60
        assert open_client_sockets(server.port) == 0


def test_a_hundred_thousand_events_through_chat_solar() -> None:
    with fault_server(sse_reply(STREAM)) as server:
        started = time.monotonic()
        llm = ChatSolar(base_url=server.base_url, api_key="k", stream_usage=False)
        chunks = list(llm.stream("x"))
        text = "".join(str(c.content) for c in chunks)
        assert text == "x" * EVENTS
        finishes = [c.response_metadata.get("finish_reason") for c in chunks]
        finishes = [f for f in finishes if f]
        assert finishes == ["stop"]
        assert time.monotonic() - started < 120
        assert open_client_sockets(server.port) == 0
