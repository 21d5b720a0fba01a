"""A distinctive key must appear nowhere but the Authorization header of requests to the
configured host: not in repr/str, serialized forms, pickles, logs or errors."""

from __future__ import annotations

import logging
import pickle
import traceback

import httpx
import pytest
from langchain_core.load import dumpd, dumps
from llama_index.core.llms import ChatMessage

from langchain_solar import ChatSolar
from llama_index_solar import Solar
from solar_api import APIConnectionError, AsyncSolarClient, SolarClient, SolarError
from tests.helpers import SECRET, Scripted, error_response

USER = [{"role": "user", "content": "x"}]


def all_forms(obj: object) -> list[str]:
    forms = [repr(obj), str(obj)]
    if isinstance(obj, ChatSolar):
        forms += [
            dumps(obj),
            str(dumpd(obj)),
            str(obj.model_dump()),
            obj.model_dump_json(),
            str(obj._get_ls_params()),
            str(obj._identifying_params),
        ]
    if isinstance(obj, Solar):
        forms += [str(obj.to_dict()), obj.to_json(), str(obj.model_dump()), obj.model_dump_json()]
    return forms


@pytest.mark.parametrize("factory", [SolarClient, AsyncSolarClient, ChatSolar, Solar])
def test_key_absent_from_every_textual_form_and_pickles(factory: type) -> None:
    obj = factory(api_key=SECRET)
    for form in all_forms(obj):
        assert SECRET not in form
    assert SECRET.encode() not in pickle.dumps(obj)


def test_key_from_env_is_absent_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPSTAGE_API_KEY", SECRET)
    for obj in (ChatSolar(), Solar(), SolarClient()):
        for form in all_forms(obj):
            assert SECRET not in form
        restored = pickle.loads(pickle.dumps(obj))  # re-read from the environment
        key = restored.api_key
        assert key is not None and key.get_secret_value() == SECRET


def test_debug_logs_and_errors_never_contain_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "solar_api"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    server = Scripted(error_response(401, "Invalid API key"))
    llm = ChatSolar(api_key=SECRET, http_client=server.sync_client())
    with pytest.raises(SolarError) as info:
        llm.invoke("x")
    text = "".join(traceback.format_exception(info.value))
    assert "Invalid API key" in text and SECRET not in text
    assert server.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    assert caplog.records and SECRET not in caplog.text

    lli = Solar(api_key=SECRET, http_client=server.sync_client())
    with pytest.raises(SolarError) as info2:
        lli.chat([ChatMessage(role="user", content="x")])
    assert SECRET not in "".join(traceback.format_exception(info2.value))


def test_connection_error_tracebacks_do_not_show_the_key() -> None:
    server = Scripted(httpx.ConnectError("connection refused"))
    client = SolarClient(api_key=SECRET, http_client=server.sync_client(), max_retries=0)
    with pytest.raises(APIConnectionError) as info:
        client.chat(model="m", messages=USER)
    assert SECRET not in "".join(traceback.format_exception(info.value))


@pytest.mark.allow_hosts(["127.0.0.1"])  # connects to loopback only
def test_real_pool_logs_at_debug_without_the_key(caplog: pytest.LogCaptureFixture) -> None:
    # The client's own httpx pool (not a mock client): httpcore's DEBUG trace included.
    caplog.set_level(logging.DEBUG)
    client = SolarClient(
        api_key=SECRET, base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=0.5
    )
    with pytest.raises(APIConnectionError):
        client.chat(model="m", messages=USER)
    assert "127.0.0.1" in caplog.text and SECRET not in caplog.text
    client.close()


def test_key_is_sent_only_to_the_configured_host() -> None:
    server = Scripted(
        httpx.Response(301, headers={"location": "https://elsewhere.example/v1/chat/completions"})
    )
    with pytest.raises(SolarError):
        SolarClient(api_key=SECRET, http_client=server.sync_client()).chat(model="m", messages=USER)
    # A user-supplied client that follows redirects: httpx drops Authorization on a new origin,
    # and our request URL is absolute, so the client's own base_url never applies.
    hops = Scripted(
        httpx.Response(307, headers={"location": "https://elsewhere.example/steal"}),
        httpx.Response(200, json={"choices": []}),
    )
    follow = httpx.Client(
        transport=hops.transport, follow_redirects=True, base_url="https://other.example"
    )
    client = SolarClient(api_key=SECRET, http_client=follow)
    with pytest.raises(SolarError, match="not followed"):
        client.chat(model="m", messages=USER)
    assert [r.url.host for r in hops.requests] == ["api.upstage.ai"]
