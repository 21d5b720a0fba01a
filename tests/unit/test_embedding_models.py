"""Embedding model names on any host: the -query/-passage pair only for models the
registry lists as a pair; query_model/document_model/model_kwargs; NIM's input_type
(issue 17, item 1), and a RAG chain on InMemoryVectorStore."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_solar import ChatSolar, SolarEmbeddings
from llama_index_solar import SolarEmbedding
from tests.helpers import SECRET, Scripted, chat_json


def vectors(request: httpx.Request) -> httpx.Response:
    """One vector per input, pointing one way for texts about Seoul, another otherwise."""
    body = json.loads(request.content)
    data = [
        {"index": i, "embedding": [1.0, 0.0] if "Seoul" in text else [0.0, 1.0]}
        for i, text in enumerate(body["input"])
    ]
    return httpx.Response(200, json={"object": "list", "data": data, "model": body["model"]})


def conn(server: Scripted, **kw: Any) -> dict[str, Any]:
    return {
        "api_key": SECRET,
        "http_client": server.sync_client(),
        "http_async_client": server.async_client(),
        **kw,
    }


def lc(server: Scripted, **kw: Any) -> Any:
    return SolarEmbeddings(**conn(server, **kw))


def li(server: Scripted, **kw: Any) -> Any:
    return SolarEmbedding(**conn(server, **kw))


def embed_both(emb: Any) -> None:
    if isinstance(emb, SolarEmbeddings):
        emb.embed_query("q")
        emb.embed_documents(["d"])
    else:
        emb.get_query_embedding("q")
        emb.get_text_embedding_batch(["d"])


MAKERS = [lc, li]


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize(
    ("provider", "model"),
    [("nvidia", "nvidia/nv-embedqa-e5-v5"), ("openai_compatible", "BAAI/bge-small-en-v1.5")],
)
def test_other_models_are_sent_as_given(make: Any, provider: str, model: str) -> None:
    server = Scripted(vectors)
    extra = {"base_url": "http://127.0.0.1:9/v1"} if provider == "openai_compatible" else {}
    embed_both(make(server, provider=provider, model=model, **extra))
    assert [b["model"] for b in server.bodies] == [model, model]


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("model", ["solar-embedding-1-large", "embedding"])
def test_upstage_pairs_get_their_suffixes(make: Any, model: str) -> None:
    server = Scripted(vectors)
    embed_both(make(server, model=model))
    assert [b["model"] for b in server.bodies] == [f"{model}-query", f"{model}-passage"]
    assert all("input_type" not in b for b in server.bodies)


@pytest.mark.parametrize("make", MAKERS)
def test_query_and_document_models_and_model_kwargs(make: Any) -> None:
    server = Scripted(vectors)
    emb = make(
        server,
        provider="nvidia",
        model="ignored",
        query_model="nvidia/q-model",
        document_model="nvidia/p-model",
        model_kwargs={"truncate": "END"},
    )
    embed_both(emb)
    assert server.bodies == [
        {"model": "nvidia/q-model", "input": ["q"], "input_type": "query", "truncate": "END"},
        {"model": "nvidia/p-model", "input": ["d"], "input_type": "passage", "truncate": "END"},
    ]


@pytest.mark.parametrize("make", MAKERS)
def test_model_kwargs_may_set_input_type_but_not_model(make: Any) -> None:
    server = Scripted(vectors)
    embed_both(make(server, provider="nvidia", model="m", model_kwargs={"input_type": "x"}))
    assert {b["input_type"] for b in server.bodies} == {"x"}
    with pytest.raises(ValueError, match="model_kwargs"):
        make(server, model_kwargs={"model": "other"})
    assert server.count == 2


async def test_async_paths_use_the_same_names() -> None:
    server = Scripted(vectors)
    emb = SolarEmbeddings(**conn(server, provider="nvidia", model="nvidia/nv-embedqa-e5-v5"))
    await emb.aembed_query("q")
    await emb.aembed_documents(["d"])
    li_emb = SolarEmbedding(**conn(server, provider="nvidia", model="nvidia/nv-embedqa-e5-v5"))
    await li_emb.aget_query_embedding("q")
    await li_emb.aget_text_embedding_batch(["d"])
    assert {b["model"] for b in server.bodies} == {"nvidia/nv-embedqa-e5-v5"}
    assert [b["input_type"] for b in server.bodies] == ["query", "passage"] * 2


def test_rag_chain_on_an_in_memory_vector_store() -> None:
    embed_server = Scripted(vectors)
    store = InMemoryVectorStore(SolarEmbeddings(**conn(embed_server)))
    store.add_documents(
        [
            Document(page_content="Seoul is the capital of Korea."),
            Document(page_content="Paris is the capital of France."),
        ]
    )
    retriever = store.as_retriever(search_kwargs={"k": 1})
    chat_server = Scripted(httpx.Response(200, json=chat_json("Seoul.")))
    llm = ChatSolar(**conn(chat_server))
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer from this context: {context}"), ("user", "{question}")]
    )
    chain = (
        {
            "context": retriever | (lambda docs: "\n".join(d.page_content for d in docs)),
            "question": RunnablePassthrough(),
        }
        | prompt
        | llm
        | StrOutputParser()
    )
    assert chain.invoke("What is the capital of Korea (Seoul)?") == "Seoul."
    assert [b["model"] for b in embed_server.bodies] == [
        "solar-embedding-2-passage",
        "solar-embedding-2-query",
    ]
    system = chat_server.body["messages"][0]["content"]
    assert "Seoul is the capital" in system and "Paris" not in system
