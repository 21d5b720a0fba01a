"""SolarSummarizer, SolarTranslator, SolarLLM and SolarEmbeddings on the wire."""

from __future__ import annotations

import json
import pickle
from typing import Any

import httpx
import pytest
from langchain_core.documents import Document
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import RunnableLambda

from langchain_solar import (
    SolarEmbeddings,
    SolarLLM,
    SolarSummarizer,
    SolarTranslator,
    chatml_prompt,
    julep_continuation,
)
from solar_api import APIResponseValidationError
from tests.helpers import FIXTURES, SECRET, Scripted, chat_json, fixture_json, sse_response

ARTICLE = fixture_json("seed001_summarization_request.json")["messages"][0]["content"]


def conn(server: Scripted, **kw: Any) -> dict[str, Any]:
    return {
        "api_key": SECRET,
        "http_client": server.sync_client(),
        "http_async_client": server.async_client(),
        **kw,
    }


def test_summarizer_runnable_str_and_document() -> None:
    server = Scripted(httpx.Response(200, json=fixture_json("seed001_summarization_response.json")))
    summarizer = SolarSummarizer(
        **conn(
            server,
            model="solar-1-mini-summarization",
            format="bullets",
            length="auto",
            temperature=0,
        )
    )
    assert summarizer.invoke(ARTICLE).startswith("* Solar Mini")
    assert server.body == fixture_json("seed001_summarization_request.json")
    doc = summarizer.invoke(Document(page_content=ARTICLE, metadata={"source": "blog"}, id="d1"))
    assert isinstance(doc, Document) and doc.page_content.startswith("* Solar Mini")
    assert doc.metadata == {"source": "blog", "summarized_chars": len(ARTICLE)} and doc.id == "d1"


def test_summarizer_in_a_chain_and_as_document_transformer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = Scripted(httpx.Response(200, json=chat_json("short summary")))
    summarizer = SolarSummarizer(**conn(server, show_progress=True))
    chain = RunnableLambda(lambda x: x["text"]) | summarizer | RunnableLambda(str.upper)
    assert chain.invoke({"text": ARTICLE}) == "SHORT SUMMARY"
    docs = summarizer.transform_documents(
        [Document(page_content=ARTICLE), Document(page_content=ARTICLE)]
    )
    assert [d.page_content for d in docs] == ["short summary", "short summary"]
    assert "2/2" in capsys.readouterr().err.rsplit("Summarizing:", 1)[-1]


def test_progress_bar_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    server = Scripted(httpx.Response(200, json=chat_json("s")))
    SolarSummarizer(**conn(server)).transform_documents([Document(page_content=ARTICLE)])
    assert capsys.readouterr().err == ""
    SolarSummarizer(**conn(server, show_progress=True)).transform_documents(
        [Document(page_content=ARTICLE)]
    )
    err = capsys.readouterr().err
    assert "Summarizing:" in err and "1/1" in err


async def test_summarizer_async_and_tool() -> None:
    server = Scripted(lambda _: httpx.Response(200, json=chat_json("async summary")))
    summarizer = SolarSummarizer(**conn(server))
    assert await summarizer.ainvoke(ARTICLE) == "async summary"
    docs = await summarizer.atransform_documents([Document(page_content=ARTICLE)])
    assert docs[0].page_content == "async summary"
    tool = summarizer.as_agent_tool()
    assert tool.name == "solar_summarize" and tool.invoke({"text": ARTICLE}) == "async summary"
    assert await tool.ainvoke({"text": ARTICLE}) == "async summary"


def test_summarizer_rejects_short_text_and_bad_options() -> None:
    server = Scripted()
    with pytest.raises(ValueError, match="got 10 characters"):
        SolarSummarizer(**conn(server)).invoke("too short.")
    with pytest.raises(ValueError, match="format"):
        SolarSummarizer(**conn(server, format="table"))
    with pytest.raises(ValueError, match="temperature"):
        SolarSummarizer(**conn(server, temperature=3))
    assert server.count == 0


def test_translator_runnable_and_tool() -> None:
    server = Scripted(httpx.Response(200, json=chat_json("오늘 날씨가 좋네요.")))
    named = SolarTranslator(**conn(server, direction="en-ko", model="solar-1-mini-translate-enko"))
    assert named.invoke("The weather is nice today.") == "오늘 날씨가 좋네요."
    assert server.body == {
        "model": "solar-1-mini-translate-enko",
        "messages": [{"role": "user", "content": "The weather is nice today."}],
    }
    translator = SolarTranslator(**conn(server, direction="en-ko"))
    assert translator.invoke("The weather is nice today.") == "오늘 날씨가 좋네요."
    assert server.body["model"] == "solar-mini4"  # prompted: the dedicated models retired
    tool = SolarTranslator(**conn(server, direction="ko-en")).as_agent_tool()
    assert tool.name == "solar_translate_ko_en" and "Korean text into English" in tool.description
    tool.invoke({"text": "안녕"})
    assert server.body["model"] == "solar-mini4"
    with pytest.warns(UserWarning, match="UPSTAGE_API_KEY is not set"):
        assert pickle.loads(pickle.dumps(translator)).direction == "en-ko"


def test_completions_llm_with_julep_chatml_seed_004() -> None:
    prompt = chatml_prompt(
        [
            SystemMessage("Samantha is talking to Homer", name="situation"),
            HumanMessage("Hi, how's it going?", name="Homer"),
            julep_continuation("Samantha"),
        ]
    )
    assert prompt.endswith(
        "<|im_start|>user (Homer)\nHi, how's it going?<|im_end|>\n<|im_start|>assistant (Samantha)"
    )
    server = Scripted(httpx.Response(200, json=fixture_json("seed004_completion_response.json")))
    llm = SolarLLM(**conn(server, provider="julep", temperature=0.6, max_tokens=140, best_of=2))
    out = llm.invoke("<|im_start|>Can you explain the concept of quantum entanglement?<|im_end|>")
    assert server.body == fixture_json("seed004_completion_request.json")
    assert str(server.requests[0].url) == "https://api-alpha.julep.ai/v1/completions"
    assert out.startswith("<|im_start|> Quantum entanglement")
    result = llm.generate(["a", "b"])
    assert len(result.generations) == 2 and result.llm_output["token_usage"]["total_tokens"] == 238  # type: ignore[index]
    # The seed's prompt starts with a newline (its triple quote); the fixture keeps it.
    assert (
        (FIXTURES / "seed004_chatml_prompt.txt").read_text().startswith("\n<|im_start|>situation")
    )


def test_completions_llm_streaming_and_params() -> None:
    events = [
        {"choices": [{"index": 0, "text": "Hel"}]},
        {"choices": [{"index": 0, "text": "lo", "finish_reason": "stop"}]},
    ]
    server = Scripted(lambda _: sse_response(*events))
    llm = SolarLLM(
        **conn(server, model="m", stop=["<|im_end|>"], logprobs=1, seed=3, frequency_penalty=0.75)
    )
    assert "".join(llm.stream("x")) == "Hello"
    assert server.body == {
        "model": "m",
        "prompt": "x",
        "stop": ["<|im_end|>"],
        "seed": 3,
        "frequency_penalty": 0.75,
        "logprobs": 1,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with pytest.raises(ValueError, match="best_of"):
        list(SolarLLM(**conn(server, provider="julep", best_of=2)).stream("x"))
    assert llm._llm_type == "solar-completions" and llm._get_ls_params()["ls_model_type"] == "llm"


async def test_completions_llm_async() -> None:
    server = Scripted(
        httpx.Response(
            200, json={"choices": [{"index": 0, "text": "async text", "finish_reason": "stop"}]}
        )
    )
    assert await SolarLLM(**conn(server, provider="julep")).ainvoke("x") == "async text"


def test_embeddings_query_and_documents_batched_in_order() -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        data = [
            {"index": i, "embedding": [float(len(t)), 1.0]} for i, t in enumerate(body["input"])
        ]
        return httpx.Response(200, json={"data": list(reversed(data)), "model": body["model"]})

    server = Scripted(reply)
    emb = SolarEmbeddings(**conn(server, batch_size=2))
    vectors = emb.embed_documents(["a", "bb", "ccc", "dddd", "eeeee"])
    assert [v[0] for v in vectors] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert [b["input"] for b in server.bodies] == [["a", "bb"], ["ccc", "dddd"], ["eeeee"]]
    assert {b["model"] for b in server.bodies} == {"solar-embedding-2-passage"}
    assert emb.embed_query("xyz") == [3.0, 1.0]
    assert server.body["model"] == "solar-embedding-2-query"


async def test_embeddings_async_and_per_token_vectors() -> None:
    server = Scripted(
        lambda _: httpx.Response(
            200, json={"data": [{"index": 0, "embedding": [[3.0, 0.0], [0.0, 4.0]]}]}
        )
    )
    emb = SolarEmbeddings(**conn(server, batch_size=1))
    vector = await emb.aembed_query("two tokens")
    assert vector == pytest.approx([0.6, 0.8])  # mean of the token vectors, normalised
    assert len(await emb.aembed_documents(["a", "b", "c"])) == 3


def test_embeddings_count_mismatch_is_an_error() -> None:
    server = Scripted(httpx.Response(200, json={"data": [{"index": 0, "embedding": [1.0]}]}))
    # A reply that does not match its inputs is the server's failure: typed (issue 26).
    with pytest.raises(APIResponseValidationError, match="1 embeddings for 2 inputs"):
        SolarEmbeddings(**conn(server)).embed_documents(["a", "b"])


def test_list_models_on_adapters() -> None:
    server = Scripted(
        httpx.Response(200, json={"data": [{"id": "solar-pro2"}, {"id": "solar-mini"}]})
    )
    assert SolarEmbeddings(**conn(server)).list_models() == ["solar-pro2", "solar-mini"]
    assert server.requests[-1].method == "GET"


def test_check_model_is_explicit_and_names_what_is_served() -> None:
    server = Scripted(lambda _: httpx.Response(200, json={"data": [{"id": "solar-mini"}]}))
    emb = SolarEmbeddings(**conn(server))
    assert server.count == 0  # never at construction
    emb.check_model("solar-mini")
    with pytest.raises(
        ValueError, match=r"model: got 'solar-pro9'; the server at .* lists solar-mini"
    ):
        emb.check_model("solar-pro9")
