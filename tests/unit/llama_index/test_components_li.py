"""SolarEmbedding, SolarSummaryTransform and SolarToolSpec on the wire."""

from __future__ import annotations

import json
import pickle
from typing import Any

import httpx
from llama_index.core.schema import TextNode

from llama_index_solar import Solar, SolarEmbedding, SolarSummaryTransform, SolarToolSpec
from tests.helpers import SECRET, Scripted, chat_json, fixture_json

ARTICLE = fixture_json("seed001_summarization_request.json")["messages"][0]["content"]


def conn(server: Scripted, **kw: Any) -> dict[str, Any]:
    return {
        "api_key": SECRET,
        "http_client": server.sync_client(),
        "http_async_client": server.async_client(),
        **kw,
    }


def embed_reply(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    return httpx.Response(
        200,
        json={
            "data": [
                {"index": i, "embedding": [float(len(t)), 0.5]} for i, t in enumerate(body["input"])
            ]
        },
    )


def test_embedding_query_and_text_models_and_batches() -> None:
    server = Scripted(embed_reply)
    emb = SolarEmbedding(**conn(server, embed_batch_size=2))
    assert emb.get_query_embedding("abc") == [3.0, 0.5]
    assert server.body == {"model": "solar-embedding-2-query", "input": ["abc"]}
    vectors = emb.get_text_embedding_batch(["a", "bb", "ccc"])
    assert [v[0] for v in vectors] == [1.0, 2.0, 3.0]
    assert [b["input"] for b in server.bodies[1:]] == [["a", "bb"], ["ccc"]]
    assert {b["model"] for b in server.bodies[1:]} == {"solar-embedding-2-passage"}
    assert SECRET not in str(emb.to_dict()) and SECRET.encode() not in pickle.dumps(emb)


async def test_embedding_async() -> None:
    server = Scripted(embed_reply)
    emb = SolarEmbedding(**conn(server))
    assert await emb.aget_query_embedding("ab") == [2.0, 0.5]
    assert await emb.aget_text_embedding_batch(["x", "yy"]) == [[1.0, 0.5], [2.0, 0.5]]


def test_summary_transform_writes_metadata() -> None:
    server = Scripted(lambda _: httpx.Response(200, json=chat_json("node summary")))
    transform = SolarSummaryTransform(**conn(server, length="short"))
    nodes = transform([TextNode(text=ARTICLE), TextNode(text="Too short to summarize.")])
    assert nodes[0].metadata["summary"] == "node summary"
    assert nodes[1].metadata["summary"] == "Too short to summarize."
    assert server.count == 1 and "short" in server.body["messages"][0]["content"]


async def test_summary_transform_async_custom_key() -> None:
    server = Scripted(lambda _: httpx.Response(200, json=chat_json("async node summary")))
    transform = SolarSummaryTransform(**conn(server, summary_key="section_summary"))
    nodes = await transform.acall([TextNode(text=ARTICLE)])
    assert nodes[0].metadata["section_summary"] == "async node summary"


def test_tool_spec_tools_call_the_api() -> None:
    server = Scripted(lambda _: httpx.Response(200, json=chat_json("tool output")))
    tools = {t.metadata.name: t for t in SolarToolSpec(**conn(server)).to_tool_list()}
    assert set(tools) == {"summarize", "translate_en_to_ko", "translate_ko_to_en"}
    assert str(tools["translate_en_to_ko"].call(text="Hello")) == "tool output"
    assert server.body["model"] == "solar-mini4"  # Upstage's current chat model, prompted
    assert str(tools["summarize"].call(text=ARTICLE)) == "tool output"
    assert "Summarize a long text" in tools["summarize"].metadata.description


def test_solar_list_models() -> None:
    server = Scripted(httpx.Response(200, json={"data": [{"id": "solar-mini"}]}))
    assert Solar(**conn(server)).list_models() == ["solar-mini"]
