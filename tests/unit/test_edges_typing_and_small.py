"""Issue 25 item 6 (a-c): list_models on the class, the async pool's idle limit, and
the provider in response_metadata."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from langchain_solar import ChatSolar, SolarEmbeddings, SolarLLM, SolarSummarizer, SolarTranslator
from llama_index_solar import Solar, SolarEmbedding
from solar_api import AsyncSolarClient, SolarClient
from solar_api._base_client import DEFAULT_LIMITS
from solar_api.transports._aiohttp import AiohttpTransport
from tests.helpers import SECRET, Scripted, chat_json, chunk, sse_response
from tests.unit.reliability.checks import open_client_sockets

MODELS = {"object": "list", "data": [{"id": "solar-mini4"}, {"id": "solar-pro4"}]}
CLASSES = [ChatSolar, SolarLLM, SolarEmbeddings, SolarSummarizer, SolarTranslator, Solar]
CLASSES += [SolarEmbedding]


# -- a) list_models on the class ---------------------------------------------------------
@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_list_models_works_on_the_class_from_connection_words(cls: Any) -> None:
    server = Scripted(httpx.Response(200, json=MODELS))
    names = cls.list_models(
        base_url="http://models.test/v1", api_key=SECRET, http_client=server.sync_client()
    )
    assert names == ["solar-mini4", "solar-pro4"]
    (request,) = server.requests
    assert (request.method, str(request.url)) == ("GET", "http://models.test/v1/models")
    assert request.headers["authorization"] == f"Bearer {SECRET}"


def test_list_models_on_the_class_reads_the_environment_and_aliases(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UPSTAGE_API_KEY", "from-env")
    server = Scripted(httpx.Response(200, json=MODELS))
    ChatSolar.list_models(http_client=server.sync_client(), request_timeout=5)
    assert str(server.requests[0].url) == "https://api.upstage.ai/v1/models"
    assert server.requests[0].headers["authorization"] == "Bearer from-env"


async def test_alist_models_works_on_the_class_and_closes_its_pool() -> None:
    server = Scripted(httpx.Response(200, json=MODELS))
    names = await ChatSolar.alist_models(
        base_url="http://models.test/v1", api_key=SECRET, http_async_client=server.async_client()
    )
    assert names == ["solar-mini4", "solar-pro4"]


def test_list_models_on_the_class_refuses_words_that_are_not_connection_words() -> None:
    with pytest.raises(ValueError, match=r"ChatSolar.list_models\(\): unexpected .*'model'"):
        ChatSolar.list_models(model="solar-mini4", base_url="http://models.test/v1")


def test_list_models_on_an_object_asks_its_server_and_points_to_the_class_for_another() -> None:
    server = Scripted(httpx.Response(200, json=MODELS))
    llm = ChatSolar(api_key=SECRET, http_client=server.sync_client())
    assert llm.list_models() == ["solar-mini4", "solar-pro4"]
    with pytest.raises(TypeError, match=r"call it on the class: ChatSolar.list_models\(base_url"):
        llm.list_models(base_url="http://other.test/v1")  # type: ignore[call-arg]
    assert ChatSolar.list_models.__doc__ and "On the class" in ChatSolar.list_models.__doc__


# -- b) the async pool's idle connections: bounded, then closed (issue 27) ------------
class _SlowModels(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def do_GET(self) -> None:
        time.sleep(0.3)  # long enough for every request to need its own connection
        body = json.dumps(MODELS).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # 70 connections at once, none left to SYN retries


@pytest.fixture
def keep_alive_server() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _SlowModels)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.slow  # 60 connections to a loopback server, then waits out keepalive_expiry
def test_the_async_pool_closes_idle_connections_after_keepalive_expiry(
    keep_alive_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # httpx's sync pool keeps at most 50 idle connections; aiohttp (the async pool) has
    # no public setting for that (issue 27: solar_api/transports/_aiohttp.py), so after
    # a burst every connection stays idle, never more than max_connections, until
    # keepalive_expiry closes it. Counted from the kernel's table, not from aiohttp.
    import solar_api.async_client

    sync_pool = SolarClient(base_url=keep_alive_server, api_key="k")._client()._transport
    sync_idle = sync_pool._pool._max_keepalive_connections  # type: ignore[attr-defined]
    assert sync_idle == DEFAULT_LIMITS.max_keepalive_connections == 50
    limits = httpx.Limits(max_connections=60, max_keepalive_connections=50, keepalive_expiry=1)
    monkeypatch.setattr(solar_api.async_client, "DEFAULT_LIMITS", limits)
    port = int(keep_alive_server.rsplit(":", 1)[1].split("/")[0])
    client = AsyncSolarClient(base_url=keep_alive_server, api_key="k")

    async def burst() -> tuple[int, int]:
        await asyncio.gather(*(client.list_models() for _ in range(70)))
        assert isinstance(client._client()._transport, AiohttpTransport)
        idle = open_client_sockets(port)
        await asyncio.sleep(2.5)  # past keepalive_expiry and aiohttp's next cleanup
        left = open_client_sockets(port)
        await client.aclose()
        return idle, left

    idle, left = asyncio.run(burst())
    assert 50 < idle <= 60  # 70 requests, 60 connections at most, all kept for a while
    assert left == 0


# -- c) model_provider in response_metadata ------------------------------------------------
@pytest.mark.parametrize(
    ("words", "provider"),
    [
        ({}, "upstage"),
        ({"provider": "nvidia", "model": "upstage/solar-10.7b-instruct"}, "nvidia"),
        ({"provider": "julep", "model": "julep-ai/samantha-1-turbo"}, "julep"),
        ({"provider": "local", "base_url": "http://127.0.0.1:8080/v1"}, "local"),
        ({"base_url": "https://gateway.example.com/v1"}, "openai_compatible"),
    ],
)
def test_model_provider_names_the_provider_on_invoke_and_stream(
    words: dict[str, Any], provider: str
) -> None:
    server = Scripted(
        httpx.Response(200, json=chat_json("Hi")),
        sse_response(chunk("Hi", role="assistant"), chunk(finish_reason="stop")),
    )
    llm = ChatSolar(api_key=SECRET, http_client=server.sync_client(), **words)
    assert llm.invoke("hi").response_metadata["model_provider"] == provider
    chunks = list(llm.stream("hi"))
    assert all(c.response_metadata["model_provider"] == provider for c in chunks)
    merged = chunks[0]
    for c in chunks[1:]:
        merged += c
    assert merged.response_metadata["model_provider"] == provider  # equal values merge
    assert llm._get_ls_params()["ls_provider"] == provider  # the two agree
