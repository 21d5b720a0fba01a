"""Errors say where the request went (method, host, path; never the key), and a refused
connection to the local provider says how to start the backend (issue 17, item 9)."""

from __future__ import annotations

import socket

import httpx
import pytest

from langchain_solar import ChatSolar
from solar_api import APIConnectionError, APITimeoutError, NotFoundError, SolarClient
from tests.helpers import SECRET, Scripted

USER = [{"role": "user", "content": "x"}]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.allow_hosts(["127.0.0.1"])  # connects to loopback only
def test_refused_local_backend_names_the_url_and_how_to_start_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    monkeypatch.setenv("SOLAR_LOCAL_BASE_URL", url)  # a stale variable from an old server
    llm = ChatSolar(provider="local", max_retries=0)
    with pytest.raises(APIConnectionError) as info:
        llm.invoke("x")
    text = str(info.value)
    assert f"POST {url}/chat/completions" in text
    assert "local backend is not running" in text and "python -m solar_api.local serve" in text


@pytest.mark.allow_hosts(["127.0.0.1"])  # connects to loopback only
def test_refused_connection_elsewhere_names_the_url_without_the_local_hint() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    client = SolarClient(base_url=url, api_key=SECRET, max_retries=0)
    with pytest.raises(APIConnectionError) as info:
        client.chat(model="m", messages=USER)
    text = str(info.value)
    assert f"POST {url}/chat/completions" in text and "local backend" not in text
    assert SECRET not in text


def test_timeout_names_the_url() -> None:
    server = Scripted(httpx.ReadTimeout("slow"))
    client = SolarClient(
        base_url="http://gw.example:8080/v1",
        http_client=server.sync_client(),
        max_retries=0,
    )
    with pytest.raises(APITimeoutError, match=r"POST http://gw.example:8080/v1/chat/completions"):
        client.chat(model="m", messages=USER)


def test_wrong_path_404_names_the_url() -> None:
    server = Scripted(httpx.Response(404, json={"detail": "Not Found"}))
    client = SolarClient(
        base_url="http://127.0.0.1:8080", api_key=SECRET, http_client=server.sync_client()
    )
    with pytest.raises(NotFoundError) as info:
        client.chat(model="m", messages=USER)
    assert info.value.message == "Not Found"  # the server's own words, unchanged
    assert "POST http://127.0.0.1:8080/chat/completions" in str(info.value)
    assert SECRET not in str(info.value)
