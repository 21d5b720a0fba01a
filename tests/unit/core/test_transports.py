"""The pools' transports: httpx's own pool (sync), aiohttp under httpx's interface or
httpx's own pool (async)."""

from __future__ import annotations

import asyncio
import gc
import gzip
import json
import logging
import warnings

import httpx
import pytest

from solar_api import AsyncSolarClient, SolarClient
from solar_api._aiohttp import AiohttpTransport
from tests.faults import fault_server, http_reply
from tests.helpers import chat_json

USER = [{"role": "user", "content": "x"}]


def _transport(client: AsyncSolarClient) -> object:
    async def get() -> object:
        return client._client()._transport

    return asyncio.run(get())


def test_aiohttp_is_the_default_and_httpx_can_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    client = AsyncSolarClient(base_url="http://127.0.0.1:9/v1", api_key="k")
    assert isinstance(_transport(client), AiohttpTransport)
    monkeypatch.setenv("SOLAR_ASYNC_TRANSPORT", "httpx")
    assert isinstance(_transport(client), httpx.AsyncHTTPTransport)
    monkeypatch.setenv("SOLAR_ASYNC_TRANSPORT", "curl")
    with pytest.raises(ValueError, match="SOLAR_ASYNC_TRANSPORT: got 'curl'; expected one of"):
        _transport(client)


def test_the_sync_pool_is_httpx_own(monkeypatch: pytest.MonkeyPatch) -> None:
    def transport() -> object:
        return SolarClient(base_url="http://127.0.0.1:9/v1", api_key="k")._client()._transport

    assert type(transport()) is httpx.HTTPTransport
    monkeypatch.setenv("HTTP_PROXY", "http://p:3128")
    assert type(transport()) is httpx.HTTPTransport  # proxies are mounted next to it


def test_sync_requests_reach_the_server_unchanged_and_bodies_are_decoded() -> None:
    body = gzip.compress(json.dumps(chat_json("fine")).encode())
    with fault_server(http_reply(200, body, content_encoding="gzip")) as server:
        client = SolarClient(
            base_url=server.base_url, api_key="k", default_headers={"X-Trace": "a b"}
        )
        reply = client.chat(model="m", messages=USER)
        assert reply.choices[0].message.content == "fine"
        seen = server.requests[0]
        assert seen["line"] == "POST /v1/chat/completions HTTP/1.1"
        assert seen["headers"]["x-trace"] == "a b"
        assert seen["headers"]["host"] == f"127.0.0.1:{server.port}"
        assert "gzip" in seen["headers"]["accept-encoding"]
        assert json.loads(seen["body"]) == {"model": "m", "messages": USER}
        client.close()


def test_a_proxy_keeps_httpx_own_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    proxied = AsyncSolarClient(base_url="http://a.test/v1", api_key="k", proxy="http://p:3128")
    assert not isinstance(_transport(proxied), AiohttpTransport)
    monkeypatch.setenv("HTTPS_PROXY", "http://p:3128")
    assert not isinstance(_transport(AsyncSolarClient(base_url="http://a/v1")), AiohttpTransport)
    ignoring_env = AsyncSolarClient(base_url="http://a.test/v1", trust_env=False)
    assert isinstance(_transport(ignoring_env), AiohttpTransport)


def test_a_client_used_across_event_loops_leaves_nothing_unclosed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with fault_server(http_reply(200, chat_json("fine"))) as server:
        client = AsyncSolarClient(base_url=server.base_url, api_key="k")
        gc.collect()  # earlier tests' garbage must not be finalized inside the check
        with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.ERROR):
            warnings.simplefilter("always")
            for _ in range(3):
                reply = asyncio.run(client.chat(model="m", messages=USER))
                assert reply.choices[0].message.content == "fine"
            assert len(client._pools) <= 1  # closed loops' pools are not kept
            del client
            gc.collect()
        ours = [
            str(w.message)
            for w in caught
            if issubclass(w.category, ResourceWarning)
            and any(
                m in str(w.message)
                for m in ("client session", "connector", f":{server.port}", f", {server.port})")
            )
        ]
        assert ours == []
        assert "Unclosed" not in caplog.text


async def test_compressed_bodies_are_decoded_once() -> None:
    body = gzip.compress(json.dumps(chat_json("fine")).encode())
    with fault_server(http_reply(200, body, content_encoding="gzip")) as server:
        client = AsyncSolarClient(base_url=server.base_url, api_key="k")
        reply = await client.chat(model="m", messages=USER)
        assert reply.choices[0].message.content == "fine"
        assert "gzip" in server.requests[0]["headers"]["accept-encoding"]
        await client.aclose()


async def test_requests_reach_the_server_unchanged() -> None:
    # Method, path, headers and body are exactly what httpx built: nothing added twice.
    with fault_server(http_reply(200, chat_json("fine"))) as server:
        client = AsyncSolarClient(
            base_url=server.base_url, api_key="k", default_headers={"X-Trace": "a b"}
        )
        await client.chat(model="m", messages=USER)
        seen = server.requests[0]
        assert seen["line"] == "POST /v1/chat/completions HTTP/1.1"
        assert seen["headers"]["x-trace"] == "a b"
        assert seen["headers"]["authorization"] == "Bearer k"
        assert json.loads(seen["body"]) == {"model": "m", "messages": USER}
        assert "cookie" not in seen["headers"]
        await client.aclose()


@pytest.mark.parametrize("closes", [True, False])
def test_a_loop_closed_by_hand_needs_aclose(closes: bool, caplog: pytest.LogCaptureFixture) -> None:
    from langchain_solar import ChatSolar

    with fault_server(http_reply(200, chat_json("fine"))) as server:
        llm = ChatSolar(base_url=server.base_url, api_key="k")
        loop = asyncio.new_event_loop()
        with caplog.at_level(logging.ERROR):
            assert loop.run_until_complete(llm.ainvoke("x")).content == "fine"
            if closes:
                loop.run_until_complete(llm.aclose())
            loop.close()  # without shutdown_asyncgens(): the session is not closed for us
            del loop
            # The next loop's pool drops the closed loop's pool, which is then collected.
            assert asyncio.run(llm.ainvoke("x")).content == "fine"
            gc.collect()
        if closes:
            assert "Unclosed" not in caplog.text
        else:
            # The documented limitation (README, Performance), shown so this check can fail.
            assert "Unclosed client session" in caplog.text
        assert len(llm._async_client._pools) <= 1


def test_a_keep_alive_connection_the_server_closed_is_not_reused() -> None:
    import time

    # The reply promises keep-alive, then the server hangs up while the connection idles.
    with fault_server(http_reply(200, chat_json("fine"), connection="keep-alive")) as server:
        client = SolarClient(base_url=server.base_url, api_key="k", max_retries=0)
        for _ in range(3):
            assert client.chat(model="m", messages=USER).choices[0].message.content == "fine"
            time.sleep(0.05)
        assert server.count == 3
        client.close()
