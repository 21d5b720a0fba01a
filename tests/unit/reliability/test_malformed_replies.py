"""Every malformed reply is a typed error (issue 26, item 6): a 200 with no choices, an
embeddings reply that does not match its inputs, and an error body nested past the JSON
parser's depth, in all three packages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.exceptions import ModelError  # type: ignore[attr-defined,unused-ignore]

from langchain_solar import ChatSolar, SolarEmbeddings, SolarLLM
from llama_index_solar import Solar, SolarEmbedding
from solar_api import APIResponseValidationError, InternalServerError, SolarClient
from tests.helpers import Scripted

BASE = "http://127.0.0.1:9/v1"


def _conn(server: Scripted, **kw: Any) -> dict[str, Any]:
    return {"base_url": BASE, "http_client": server.sync_client(), "max_retries": 0, **kw}


@pytest.mark.parametrize("body", [{"choices": []}, {}, {"id": "x", "choices": []}])
def test_a_reply_without_choices_is_typed_everywhere(body: dict[str, Any]) -> None:
    server = Scripted(httpx.Response(200, json=body))
    with pytest.raises(APIResponseValidationError, match="no choices") as caught:
        ChatSolar(**_conn(server)).invoke("x")
    assert isinstance(caught.value, ModelError)
    with pytest.raises(APIResponseValidationError, match="no choices"):
        Solar(**_conn(server)).complete("x")
    with pytest.raises(APIResponseValidationError, match="no choices"):
        SolarLLM(**_conn(server, model="m")).invoke("x")
    with pytest.raises(APIResponseValidationError, match="no choices"):
        SolarClient(**_conn(server)).complete(model="m", prompt="x")


def test_an_embeddings_reply_that_does_not_match_is_typed() -> None:
    server = Scripted(httpx.Response(200, json={"data": [{"index": 0, "embedding": [1.0]}]}))
    with pytest.raises(APIResponseValidationError, match="1 embeddings for 2 inputs") as caught:
        SolarEmbeddings(**_conn(server, model="e")).embed_documents(["a", "b"])
    assert isinstance(caught.value, ModelError)
    with pytest.raises(APIResponseValidationError, match="1 embeddings for 2 inputs"):
        SolarEmbedding(**_conn(server, model="e")).get_text_embedding_batch(["a", "b"])
    b64 = Scripted(httpx.Response(200, json={"data": [{"index": 0, "embedding": "AAAA"}]}))
    with pytest.raises(APIResponseValidationError, match="base64"):
        SolarEmbeddings(**_conn(b64, model="e")).embed_query("a")


def test_a_deeply_nested_error_body_goes_through_the_retry_policy() -> None:
    nested = "[" * 100_000 + "]" * 100_000
    server = Scripted(httpx.Response(500, text=nested))
    client = SolarClient(base_url=BASE, http_client=server.sync_client(), max_retries=2)
    client._sleep = lambda _: None  # type: ignore[method-assign]
    with pytest.raises(InternalServerError) as caught:
        client.chat(model="m", messages=[{"role": "user", "content": "x"}])
    assert server.count == 3  # retried as any 500 is, not a RecursionError on the first
    assert len(str(caught.value)) < 1000
