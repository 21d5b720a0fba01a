"""Pickles keep the resolved provider and an explicit base URL, never the key, and never
send a request without the key the object was made with (issue 17, item 3)."""

from __future__ import annotations

import json
import multiprocessing
import pickle
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from llama_index.core.llms import ChatMessage

from langchain_solar import ChatSolar
from llama_index_solar import Solar
from solar_api import MissingAPIKeyError, SolarClient
from tests.helpers import SECRET, chat_json, serve_http

pytestmark = pytest.mark.slow  # every test loads its pickle in a fresh interpreter

USER = [{"role": "user", "content": "x"}]


class RecordingHandler(BaseHTTPRequestHandler):
    """A gateway on 127.0.0.1 that records each request's path and Authorization."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        with self.server.lock:  # type: ignore[attr-defined]
            self.server.seen.append((self.path, self.headers.get("authorization")))  # type: ignore[attr-defined]
        body = json.dumps(chat_json("ok")).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[Any]:
    yield from serve_http(RecordingHandler, seen=[], lock=threading.Lock())


def url(server: Any) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def call(obj: Any) -> None:
    if isinstance(obj, ChatSolar):
        obj.invoke("x")
    elif isinstance(obj, Solar):
        obj.chat([ChatMessage(role="user", content="x")])
    else:
        obj.chat(model="m", messages=USER)
    obj.close()


FACTORIES = [ChatSolar, Solar, SolarClient]


@pytest.mark.parametrize("factory", FACTORIES)
def test_env_url_and_key_survive_a_pickle_as_upstage(
    factory: type, gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPSTAGE_BASE_URL", url(gateway))
    monkeypatch.setenv("UPSTAGE_API_KEY", SECRET)
    restored = pickle.loads(pickle.dumps(factory()))
    provider = restored.provider_name if hasattr(restored, "provider_name") else restored.provider
    assert getattr(provider, "name", provider) == "upstage"
    call(restored)
    assert gateway.seen == [("/v1/chat/completions", f"Bearer {SECRET}")]


@pytest.mark.parametrize("factory", [ChatSolar, Solar])
def test_env_url_is_read_again_not_frozen_into_the_pickle(
    factory: type, gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPSTAGE_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("UPSTAGE_API_KEY", SECRET)
    data = pickle.dumps(factory())
    assert b"127.0.0.1:9" not in data
    monkeypatch.setenv("UPSTAGE_BASE_URL", url(gateway))  # the loading process's setting
    call(pickle.loads(data))
    assert len(gateway.seen) == 1


@pytest.mark.parametrize("factory", FACTORIES)
def test_explicit_key_without_its_variable_warns_and_never_goes_out_unauthenticated(
    factory: type, gateway: Any
) -> None:
    data = pickle.dumps(factory(api_key=SECRET, base_url=url(gateway)))
    assert SECRET.encode() not in data
    with pytest.warns(UserWarning, match="SOLAR_API_KEY is not set"):
        restored = pickle.loads(data)
    with pytest.raises(MissingAPIKeyError, match="SOLAR_API_KEY"):
        call(restored)
    assert gateway.seen == []


@pytest.mark.parametrize("factory", FACTORIES)
def test_explicit_key_is_read_from_the_variable_on_load(
    factory: type, gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = pickle.dumps(factory(api_key=SECRET, base_url=url(gateway)))
    monkeypatch.setenv("SOLAR_API_KEY", SECRET)
    call(pickle.loads(data))
    assert gateway.seen == [("/v1/chat/completions", f"Bearer {SECRET}")]


def test_explicit_upstage_key_names_upstage_variable() -> None:
    with pytest.warns(UserWarning, match="UPSTAGE_API_KEY"):
        restored = pickle.loads(pickle.dumps(ChatSolar(api_key=SECRET)))
    with pytest.raises(MissingAPIKeyError, match="UPSTAGE_API_KEY"):
        restored.invoke("x")


def _worker(model: Any) -> str:
    """Runs in a spawned process: the model arrives pickled."""
    if isinstance(model, Solar):
        return str(model.chat([ChatMessage(role="user", content="x")]).message.content)
    return str(model.invoke("x").content)


@pytest.mark.timeout(120)
def test_pickled_models_in_a_process_pool_with_the_key_from_the_environment(
    gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPSTAGE_BASE_URL", url(gateway))
    monkeypatch.setenv("UPSTAGE_API_KEY", SECRET)  # inherited by the workers
    models = [ChatSolar(max_retries=0), Solar(max_retries=0)]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert list(pool.map(_worker, models)) == ["ok", "ok"]
    assert gateway.seen == [("/v1/chat/completions", f"Bearer {SECRET}")] * 2
