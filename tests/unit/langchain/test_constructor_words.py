"""Every constructor word is honoured, moved with a warning, or refused (issue 13 items 1-2;
issue 17 item 7: the names IDEs and type checkers see)."""

from __future__ import annotations

import inspect
import pydoc
import subprocess
import sys
from typing import Any

import httpx
import pytest

from langchain_solar import (
    ChatSolar,
    SolarEmbeddings,
    SolarLLM,
    SolarSummarizer,
    SolarTranslator,
)
from tests.helpers import SECRET, Scripted, chat_json


def _chat(server: Scripted, **kw: Any) -> ChatSolar:
    return ChatSolar(
        api_key=SECRET,
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
        **kw,
    )


def test_unknown_words_move_into_model_kwargs_with_a_warning() -> None:
    server = Scripted()
    with pytest.warns(UserWarning, match="'repetition_penalty' is not a parameter of ChatSolar"):
        llm = _chat(server, repetition_penalty=1.1)
    assert llm.model_kwargs == {"repetition_penalty": 1.1}
    llm.invoke("x")
    assert server.body["repetition_penalty"] == 1.1
    with pytest.raises(ValueError, match="repetition_penalty: given both"):
        _chat(server, repetition_penalty=1.1, model_kwargs={"repetition_penalty": 1.2})


def test_the_anchors_words_are_modelled_and_sent() -> None:
    server = Scripted()
    _chat(
        server,
        top_k=5,
        reasoning_effort="high",
        logprobs=True,
        top_logprobs=2,
        logit_bias={"50256": -100},
    ).invoke("x")
    body = server.body
    assert (body["top_k"], body["reasoning_effort"], body["logprobs"], body["top_logprobs"]) == (
        5,
        "high",
        True,
        2,
    )
    assert body["logit_bias"] == {"50256": -100}
    with pytest.raises(ValueError, match="top_logprobs"):
        ChatSolar(api_key=SECRET, top_logprobs=99)


def test_logprobs_come_back_in_response_metadata() -> None:
    reply = chat_json()
    reply["choices"][0]["logprobs"] = {"content": [{"token": "Hi", "logprob": -0.1}]}
    server = Scripted(httpx.Response(200, json=reply))
    message = _chat(server, logprobs=True).invoke("x")
    assert message.response_metadata["logprobs"]["content"][0]["token"] == "Hi"


def test_chatupstage_names_and_upstage_api_base(monkeypatch: pytest.MonkeyPatch) -> None:
    llm = ChatSolar(upstage_api_key="k-1", upstage_api_base="http://127.0.0.1:9/v1")
    assert llm.api_key is not None and llm.api_key.get_secret_value() == "k-1"
    assert llm.base_url == "http://127.0.0.1:9/v1"
    assert "k-1" not in repr(llm)
    monkeypatch.setenv("UPSTAGE_API_BASE", "https://gateway.example/v1/solar")
    monkeypatch.setenv("UPSTAGE_API_KEY", "k-2")
    assert ChatSolar()._client.base_url == "https://gateway.example/v1/solar"
    monkeypatch.setenv("UPSTAGE_BASE_URL", "https://first.example/v1")
    assert ChatSolar()._client.base_url == "https://first.example/v1"


def test_accepted_alternate_names() -> None:
    llm = ChatSolar(
        api_key="k", api_base="http://127.0.0.1:9/v1", request_timeout=3, stop_sequences="x"
    )
    assert (llm.base_url, llm.timeout, llm.stop) == ("http://127.0.0.1:9/v1", 3.0, ["x"])
    assert SolarEmbeddings(api_key="k", embed_batch_size=7).batch_size == 7


@pytest.mark.parametrize(
    "make",
    [
        lambda: SolarSummarizer(api_key="k", foo=1),
        lambda: SolarTranslator(api_key="k", foo=1),
    ],
)
def test_classes_without_model_kwargs_refuse_unknown_words(make: Any) -> None:
    with pytest.raises(ValueError, match="unexpected parameter\\(s\\) 'foo'"):
        make()


def test_embeddings_move_unknown_words_into_model_kwargs() -> None:
    # SolarEmbeddings has model_kwargs (NIM's input_type, truncate...), so the convention
    # of the chat classes applies: moved with a warning naming the word.
    with pytest.warns(UserWarning, match="'foo' is not a parameter of SolarEmbeddings"):
        embeddings = SolarEmbeddings(api_key="k", foo=1)
    assert embeddings.model_kwargs == {"foo": 1}


def test_each_class_takes_its_providers_default_model() -> None:
    assert ChatSolar(provider="nvidia", api_key="k").model_name == "upstage/solar-10.7b-instruct"
    assert ChatSolar(provider="julep", api_key="k").model_name == "julep-ai/samantha-1-turbo"
    assert ChatSolar(api_key="k").model_name == "solar-mini4"
    assert SolarSummarizer(provider="nvidia", api_key="k").model == "upstage/solar-10.7b-instruct"
    assert SolarTranslator(provider="julep", api_key="k").chat_model == "julep-ai/samantha-1-turbo"
    assert SolarLLM(provider="julep", api_key="k").model == "julep-ai/samantha-1-turbo"
    assert SolarLLM(base_url="http://127.0.0.1:9/v1").model == "solar-1-mini-chat"
    with pytest.raises(ValueError, match="provider 'upstage' has no completions"):
        SolarLLM(api_key="k")
    with pytest.raises(ValueError, match="provider 'nvidia' has no default embedding model"):
        SolarEmbeddings(provider="nvidia", api_key="k")
    # A model given is the model sent, whatever the provider.
    assert SolarLLM(api_key="k", model="my-completions-model").model == "my-completions-model"


def test_the_nim_default_is_what_is_sent() -> None:
    server = Scripted()
    _chat(server, provider="nvidia").invoke("x")
    assert server.body["model"] == "upstage/solar-10.7b-instruct"


@pytest.mark.slow  # a fresh interpreter
def test_signature_shows_the_names_users_write() -> None:
    # In a fresh interpreter: before the first instance (ChatSolar's build is deferred).
    code = (
        "import inspect, pydoc; from langchain_solar import ChatSolar; "
        "p = inspect.signature(ChatSolar).parameters; "
        "print(sorted(set(p) & {'base_url', 'timeout', 'stop', 'api_key', 'model', 'api_base'})); "
        "print(p['api_key'].annotation); print('base_url' in pydoc.render_doc(ChatSolar))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "['api_key', 'base_url', 'model', 'stop', 'timeout']"
    assert "str" in out[1] and "SecretStr" in out[1]
    assert out[2] == "True"
    for cls in (SolarLLM, SolarEmbeddings, SolarSummarizer, SolarTranslator):
        params = inspect.signature(cls).parameters
        assert {"base_url", "timeout", "api_key"} <= set(params), cls
        assert "api_base" not in params and "request_timeout" not in params
    assert "stop" in inspect.signature(SolarLLM).parameters
    assert "base_url" in pydoc.render_doc(SolarEmbeddings)
