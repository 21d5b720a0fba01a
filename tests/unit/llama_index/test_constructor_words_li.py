"""LlamaIndex classes: unknown words into additional_kwargs with a warning, the anchors'
words modelled, provider defaults (issue 13 items 1-2; issue 17 item 7)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from llama_index.core.llms import ChatMessage

from llama_index_solar import Solar, SolarEmbedding, SolarSummaryTransform, SolarToolSpec
from tests.helpers import SECRET, Scripted


def _solar(server: Scripted, **kw: Any) -> Solar:
    return Solar(
        api_key=SECRET,
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
        **kw,
    )


def test_unknown_words_go_to_additional_kwargs_with_a_warning() -> None:
    server = Scripted()
    with pytest.warns(UserWarning, match="'repetition_penalty' is not a parameter of Solar"):
        llm = _solar(server, repetition_penalty=1.1)
    assert llm.additional_kwargs == {"repetition_penalty": 1.1}
    llm.chat([ChatMessage(role="user", content="x")])
    assert server.body["repetition_penalty"] == 1.1


def test_the_anchors_words_are_modelled_and_sent() -> None:
    server = Scripted()
    _solar(
        server,
        top_k=4,
        reasoning_effort="low",
        logprobs=True,
        top_logprobs=1,
        logit_bias={"7": 5},
        response_format={"type": "json_object"},
    ).chat([ChatMessage(role="user", content="x")])
    body = server.body
    assert body["top_k"] == 4 and body["reasoning_effort"] == "low"
    assert body["logprobs"] is True and body["top_logprobs"] == 1
    assert body["logit_bias"] == {"7": 5}
    assert body["response_format"] == {"type": "json_object"}


def test_chatupstage_names_and_alternate_names() -> None:
    llm = Solar(upstage_api_key="k-1", upstage_api_base="http://127.0.0.1:9/v1", request_timeout=4)
    assert llm.api_key is not None and llm.api_key.get_secret_value() == "k-1"
    assert (llm.base_url, llm.timeout) == ("http://127.0.0.1:9/v1", 4.0)
    assert "k-1" not in repr(llm)


def test_classes_without_additional_kwargs_refuse_unknown_words() -> None:
    with pytest.raises(ValueError, match="unexpected parameter\\(s\\) 'foo'"):
        SolarEmbedding(api_key="k", foo=1)
    with pytest.raises(ValueError, match="unexpected parameter\\(s\\) 'foo'"):
        SolarSummaryTransform(api_key="k", foo=1)
    with pytest.raises(ValueError, match="unexpected parameter\\(s\\) 'model'"):
        SolarToolSpec(api_key="k", model="solar-pro")  # the word is chat_model


def test_provider_defaults() -> None:
    assert Solar(provider="nvidia", api_key="k").model == "upstage/solar-10.7b-instruct"
    assert Solar(provider="julep", api_key="k").model == "julep-ai/samantha-1-turbo"
    assert SolarSummaryTransform(provider="nvidia", api_key="k").model == (
        "upstage/solar-10.7b-instruct"
    )
    with pytest.raises(ValueError, match="provider 'julep' has no default embedding model"):
        SolarEmbedding(provider="julep", api_key="k")
    spec = SolarToolSpec(provider="nvidia", api_key="k")
    assert spec._summary.model == "upstage/solar-10.7b-instruct"


def test_signature_shows_the_names_users_write() -> None:
    for cls in (Solar, SolarEmbedding, SolarSummaryTransform):
        params = inspect.signature(cls).parameters
        assert {"base_url", "timeout", "api_key"} <= set(params), cls
        assert "api_base" not in params
    assert "stop" in inspect.signature(Solar).parameters
