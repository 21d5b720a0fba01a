"""Today's Upstage (issue 24), against a fake that answers like the live API (upstage_fake.py).

Each section is one numbered item of the issue: the roster, defaults a user can call
today, retired models answered out loud, the live API's rules, embeddings within the
limits, and the words.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from llama_index.core.llms import ChatMessage, MessageRole
from pydantic import BaseModel

import solar_api
from langchain_solar import ChatSolar, SolarEmbeddings, SolarLLM, SolarSummarizer, SolarTranslator
from llama_index_solar import Solar, SolarEmbedding
from solar_api import NotFoundError, RetiredModelError, SolarClient, get_model_info
from solar_api.tasks.embeddings import pack
from solar_api.tasks.tokens import EstimatedTokens
from tests.helpers import Scripted, chat_json, error_response
from tests.upstage_fake import KEY, UpstageFake

ARTICLE = " ".join(["Solar is a family of language models made by Upstage in Korea."] * 8)


@pytest.fixture
def fake() -> UpstageFake:
    return UpstageFake()


def conn(fake: UpstageFake, **kw: Any) -> dict[str, Any]:
    return {
        "api_key": KEY,
        "http_client": fake.sync_client(),
        "http_async_client": fake.async_client(),
        **kw,
    }


def client(fake: UpstageFake, **kw: Any) -> SolarClient:
    return SolarClient(api_key=KEY, http_client=fake.sync_client(), **kw)


# ---------------------------------------------------------------- 1. the roster


@pytest.mark.parametrize(
    ("model", "window", "output"),
    [
        ("solar-pro4", 524_288, 131_072),
        ("solar-mini4", 524_288, 131_072),
        ("solar-pro3", 131_072, 8_192),
    ],
)
def test_current_models_have_their_windows_in_both_frameworks(
    model: str, window: int, output: int
) -> None:
    profile = ChatSolar(api_key=KEY, model=model).profile
    assert profile is not None
    assert (profile["max_input_tokens"], profile["max_output_tokens"]) == (window, output)
    assert profile["tool_calling"] and profile["reasoning_output"]
    assert Solar(api_key=KEY, model=model).metadata.context_window == window


def test_retired_models_stay_with_their_date_and_successor() -> None:
    assert (get_model_info("solar-pro2").retires, get_model_info("solar-pro2").successor) == (
        "2026-10-30",
        "solar-pro4",
    )
    assert get_model_info("solar-pro2").retired("2026-12-06")
    assert not get_model_info("solar-embedding-1-large-query").retired("2026-12-06")
    assert get_model_info("solar-embedding-1-large-query").retired("2026-12-31")
    assert get_model_info("solar-1-mini-summarization").successor == "solar-mini4"
    assert get_model_info("solar-pro4").retires is None
    assert get_model_info("solar-mini").reasoning_efforts == ()
    assert get_model_info("solar-pro3").reasoning_efforts == ("low", "medium", "high")


# ---------------------------------------------------------------- 2. defaults


def test_the_defaults_are_served_today(fake: UpstageFake) -> None:
    assert ChatSolar(**conn(fake)).invoke("Hi").content == "ok"
    assert fake.bodies[-1]["model"] == "solar-mini4"
    assert fake.paths[-1] == "/v1/chat/completions"
    assert len(SolarEmbeddings(**conn(fake)).embed_documents(["a", "bb"])[0]) == 1024
    assert fake.bodies[-1]["model"] == "solar-embedding-2-passage"
    SolarEmbedding(**conn(fake)).get_query_embedding("q")
    assert fake.bodies[-1]["model"] == "solar-embedding-2-query"
    assert Solar(**conn(fake)).complete("Hi").text == "ok"
    assert SolarSummarizer(**conn(fake)).invoke(ARTICLE) == "ok"
    assert fake.bodies[-1]["model"] == "solar-mini4"
    assert SolarTranslator(**conn(fake)).invoke("Hello") == "ok"
    assert fake.bodies[-1]["model"] == "solar-mini4"
    assert all(r.url.host == "api.upstage.ai" for r in fake.requests)


# ---------------------------------------------------------------- 3. retired models


def test_a_retired_model_raises_an_error_naming_its_successor(fake: UpstageFake) -> None:
    with pytest.raises(RetiredModelError) as caught:
        ChatSolar(**conn(fake, model="solar-1-mini-chat")).invoke("Hi")
    err = caught.value
    assert isinstance(err, NotFoundError) and err.successor == "solar-mini"
    assert "use 'solar-mini' instead" in str(err) and "no longer supported" in str(err)
    assert len(fake.requests) == 1  # a 404 is not retried
    with pytest.raises(RetiredModelError, match="solar-pro4"):
        client(fake).chat(model="solar-pro2", messages=[{"role": "user", "content": "x"}])


def test_a_model_the_registry_does_not_retire_keeps_the_plain_error(fake: UpstageFake) -> None:
    with pytest.raises(NotFoundError) as caught:
        client(fake).chat(model="no-such-model", messages=[{"role": "user", "content": "x"}])
    assert not isinstance(caught.value, RetiredModelError)


def test_a_400_for_a_retired_model_is_a_bad_request_too() -> None:
    server = Scripted(error_response(400, "Invalid model: solar-pro is deprecated"))
    with pytest.raises(RetiredModelError) as caught:
        SolarClient(api_key=KEY, http_client=server.sync_client()).chat(
            model="solar-pro", messages=[{"role": "user", "content": "x"}]
        )
    assert isinstance(caught.value, solar_api.BadRequestError)


def test_summarizer_falls_back_once_and_the_lesson_is_shared(
    fake: UpstageFake, caplog: pytest.LogCaptureFixture
) -> None:
    first = SolarSummarizer(**conn(fake, model="solar-1-mini-summarization"))
    assert first.invoke(ARTICLE) == "ok"
    sent = fake.bodies
    # The seed's body first (seed 001), then the current model prompted.
    assert sent[0]["model"] == "solar-1-mini-summarization" and sent[0]["format"] == "auto"
    assert sent[1]["model"] == "solar-mini4" and sent[1]["messages"][0]["role"] == "system"
    assert caplog.text.count("is not served at https://api.upstage.ai/v1") == 1
    assert solar_api.learned_capabilities("https://api.upstage.ai/v1").retired_models == {
        "solar-1-mini-summarization"
    }
    second = SolarSummarizer(**conn(fake, model="solar-1-mini-summarization"))
    assert second.invoke(ARTICLE) == "ok"
    assert [b["model"] for b in fake.bodies[2:]] == ["solar-mini4"]  # no second refusal
    assert caplog.text.count("is not served at") == 1


async def test_translator_falls_back_once_async(
    fake: UpstageFake, caplog: pytest.LogCaptureFixture
) -> None:
    translator = SolarTranslator(**conn(fake, model="solar-1-mini-translate-enko"))
    assert await translator.ainvoke("Hello") == "ok"
    assert [b["model"] for b in fake.bodies] == ["solar-1-mini-translate-enko", "solar-mini4"]
    assert fake.bodies[0]["messages"] == [{"role": "user", "content": "Hello"}]
    assert await translator.ainvoke("Again") == "ok"
    assert [b["model"] for b in fake.bodies[2:]] == ["solar-mini4"]
    assert caplog.text.count("is not served at") == 1


# ---------------------------------------------------------------- 4. the live API's rules


class Weather(BaseModel):
    """Weather in a city."""

    city: str


def test_strict_tools_store_and_developer_are_adapted_on_upstage(
    fake: UpstageFake, caplog: pytest.LogCaptureFixture
) -> None:
    llm = ChatSolar(**conn(fake, model="solar-pro4", model_kwargs={"store": True}))
    bound = llm.bind_tools([Weather], strict=True)
    messages = [SystemMessage("Be brief.", additional_kwargs={"__openai_role__": "developer"})]
    for _ in range(2):
        assert bound.invoke([*messages, HumanMessage("Seoul?")]).content == "ok"
    assert len(fake.requests) == 2  # adapted before sending: never refused
    body = fake.bodies[-1]
    assert "store" not in body and body["messages"][0]["role"] == "system"
    assert body["tools"][0]["function"]["parameters"]["properties"]["city"]
    assert "strict" not in body["tools"][0]["function"]
    for label in ("'strict'", "'store'", "'developer'"):
        assert caplog.text.count(f"provider upstage does not take {label}") == 1


def test_the_same_refusals_are_learned_on_any_host(caplog: pytest.LogCaptureFixture) -> None:
    # A gateway in front of Upstage: the profile is unknown, the 400s teach it.
    fake = UpstageFake(refuse_strict_schema=True)
    base = "http://127.0.0.1:4000/v1"
    llm = ChatSolar(**conn(fake, base_url=base, model="solar-pro4", model_kwargs={"store": True}))
    structured = llm.with_structured_output(Weather, method="json_schema", strict=True)
    structured.invoke([SystemMessage("x", additional_kwargs={"__openai_role__": "developer"})])
    learned = solar_api.learned_capabilities(base).rejected
    assert {"store", "developer", "strict_schema"} <= learned
    last = fake.bodies[-1]
    assert "store" not in last and last["messages"][0]["role"] == "system"
    assert "strict" not in last["response_format"]["json_schema"]
    assert last["response_format"]["json_schema"]["schema"]["properties"]["city"]
    count = len(fake.requests)
    llm.bind_tools([Weather], strict=True).invoke("again")
    assert len(fake.requests) == count + 2  # strict on tools learned once more, then sent
    assert "strict" in solar_api.learned_capabilities(base).rejected


@pytest.mark.parametrize(
    ("model", "asked", "sent"),
    [
        ("solar-pro3", "max", "high"),
        ("solar-pro3", "none", "low"),
        ("solar-pro4", "xhigh", "xhigh"),
    ],
)
def test_reasoning_effort_is_mapped_to_the_models_nearest(
    fake: UpstageFake, caplog: pytest.LogCaptureFixture, model: str, asked: str, sent: str
) -> None:
    ai = ChatSolar(**conn(fake, model=model, reasoning_effort=asked)).invoke("2+2?")
    assert fake.bodies[-1]["reasoning_effort"] == sent
    assert (f"does not take reasoning_effort {asked!r}" in caplog.text) is (asked != sent)
    assert ai.usage_metadata is not None
    assert ai.usage_metadata["output_token_details"]["reasoning"] == 7
    assert ai.additional_kwargs["reasoning_content"] == "Thinking it through."


def test_reasoning_effort_refused_before_sending(fake: UpstageFake) -> None:
    with pytest.raises(ValueError, match="solar-pro3 takes low, medium, high"):
        ChatSolar(**conn(fake, model="solar-pro3", reasoning_effort="banana")).invoke("x")
    with pytest.raises(ValueError, match="solar-mini does not reason"):
        Solar(**conn(fake, model="solar-mini", reasoning_effort="high")).complete("x")
    assert fake.requests == []


def test_reasoning_tokens_in_llama_index_usage(fake: UpstageFake) -> None:
    llm = Solar(**conn(fake, model="solar-mini4", reasoning_effort="low"))
    response = llm.chat(
        [
            ChatMessage(role=MessageRole.DEVELOPER, content="Be brief."),
            ChatMessage(role=MessageRole.USER, content="2+2?"),
        ]
    )
    assert response.additional_kwargs["reasoning_tokens"] == 7
    assert fake.bodies[-1]["messages"][0]["role"] == "system"


# ---------------------------------------------------------------- 5. embeddings


def test_large_batches_are_packed_by_count_and_tokens(fake: UpstageFake) -> None:
    short = [f"text {i}" for i in range(250)]
    assert len(SolarEmbeddings(**conn(fake, batch_size=1000)).embed_documents(short)) == 250
    assert [len(b["input"]) for b in fake.bodies] == [100, 100, 50]
    # 60 passages of ~5,000 estimated tokens: 300,000 in all, over the request limit.
    passage = "Solar embeds passages for retrieval. " * 432
    vectors = SolarEmbeddings(**conn(fake)).embed_documents([passage] * 60)
    assert len(vectors) == 60
    packed = fake.bodies[3:]
    estimate = EstimatedTokens().count(passage)
    assert len(packed) > 1 and all(len(b["input"]) * estimate < 204_800 for b in packed)
    assert sum(len(b["input"]) for b in packed) == 60


def test_over_long_and_empty_inputs_are_refused_before_any_request(fake: UpstageFake) -> None:
    long_text = "word " * 8000  # about 12,500 estimated tokens, over the 8K window
    emb = SolarEmbeddings(**conn(fake))
    with pytest.raises(ValueError, match=r"texts\[1\]: about \d+ tokens .*limit of 8192"):
        emb.embed_documents(["fine", long_text])
    with pytest.raises(ValueError, match=r"texts\[2\]: got ''"):
        emb.embed_documents(["a", "b", ""])
    assert fake.requests == []


def test_truncate_cuts_with_a_warning(fake: UpstageFake, caplog: pytest.LogCaptureFixture) -> None:
    long_text = "word " * 8000
    vectors = SolarEmbeddings(**conn(fake, truncate=True)).embed_documents(["fine", long_text])
    assert len(vectors) == 2 and len(fake.requests) == 1
    sent = fake.bodies[0]["input"][1]
    assert EstimatedTokens().count(sent) <= 8192 and long_text.startswith(sent)
    assert "texts[1]: about" in caplog.text and "truncate=True" in caplog.text
    SolarEmbedding(**conn(fake, truncate=True)).get_text_embedding_batch([long_text])
    assert len(fake.requests) == 2


async def test_async_packing_keeps_concurrency_bounded() -> None:
    fake = UpstageFake()
    in_flight = peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return fake.handler(request)

    emb = SolarEmbeddings(
        api_key=KEY,
        http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        max_concurrency=3,
    )
    vectors = await emb.aembed_documents([f"t{i}" for i in range(1000)])
    assert len(vectors) == 1000 and len(fake.requests) == 10 and peak == 3
    assert [v[0] for v in vectors[:3]] == [2.0, 2.0, 2.0]


def test_pack_reads_the_limits_from_the_registry() -> None:
    assert [len(b) for b in pack(["x"] * 205, "solar-embedding-2-query", batch_size=500)] == [
        100,
        100,
        5,
    ]
    # A model the registry does not know: by count only, nothing else checked.
    assert [len(b) for b in pack(["y" * 100_000] * 3, "my-embedder", batch_size=2)] == [2, 1]


def test_embedding_1_on_upstage_warns_once_about_its_retirement(
    fake: UpstageFake, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from solar_api import _base_client

    monkeypatch.setattr(_base_client, "_WARNED_RETIRING", set())
    emb = SolarEmbeddings(**conn(fake, model="solar-embedding-1-large"))
    emb.embed_documents(["a"])
    emb.embed_documents(["b"])
    assert caplog.text.count("retires on 2026-12-31") == 1
    assert "solar-embedding-2-passage" in caplog.text


# ---------------------------------------------------------------- 6. words


def test_prompt_cache_key_is_a_named_word_everywhere() -> None:
    server = Scripted(lambda _: httpx.Response(200, json=chat_json("ok")))
    ChatSolar(api_key=KEY, http_client=server.sync_client(), prompt_cache_key="tenant-1").invoke(
        "x"
    )
    assert server.body["prompt_cache_key"] == "tenant-1"
    Solar(api_key=KEY, http_client=server.sync_client(), prompt_cache_key="tenant-2").complete("x")
    assert server.body["prompt_cache_key"] == "tenant-2"
    completions = Scripted(
        httpx.Response(200, json={"choices": [{"index": 0, "text": "ok"}], "model": "m"})
    )
    SolarLLM(
        base_url="http://127.0.0.1:9/v1",
        model="m",
        http_client=completions.sync_client(),
        prompt_cache_key="tenant-3",
    ).invoke("x")
    assert completions.body["prompt_cache_key"] == "tenant-3"


def test_a_server_that_refuses_prompt_cache_key_is_learned(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = Scripted(
        error_response(400, "Unrecognized request arguments supplied: prompt_cache_key"),
        httpx.Response(200, json=chat_json("ok")),
    )
    llm = ChatSolar(
        base_url="http://127.0.0.1:9/v1", http_client=server.sync_client(), prompt_cache_key="k"
    )
    assert llm.invoke("x").content == "ok"
    assert "prompt_cache_key" in server.bodies[0] and "prompt_cache_key" not in server.bodies[1]


@pytest.mark.parametrize(
    ("base", "chat", "embed"),
    [
        ("https://api.upstage.ai/v1", "/v1/chat/completions", "/v1/embeddings"),
        ("https://api.upstage.ai/v1/solar", "/v1/solar/chat/completions", "/v1/solar/embeddings"),
    ],
)
def test_upstage_base_url_both_forms(
    fake: UpstageFake, monkeypatch: pytest.MonkeyPatch, base: str, chat: str, embed: str
) -> None:
    monkeypatch.setenv("UPSTAGE_BASE_URL", base)
    ChatSolar(**conn(fake)).invoke("x")
    SolarEmbeddings(**conn(fake)).embed_query("q")
    assert fake.paths == [chat, embed]
    assert ChatSolar(**conn(fake)).provider_name == "upstage"


def test_stream_usage_and_reasoning_on_upstage(fake: UpstageFake) -> None:
    chunks = list(
        ChatSolar(**conn(fake, model="solar-pro4", reasoning_effort="medium")).stream("x")
    )
    text = "".join(str(c.content) for c in chunks)
    assert text == "ok"
    usage = [c.usage_metadata for c in chunks if c.usage_metadata]
    assert usage and usage[-1]["output_token_details"]["reasoning"] == 7
    assert json.loads(fake.requests[0].content)["stream_options"] == {"include_usage": True}


def test_warnings_name_the_field_only_once_per_client(
    fake: UpstageFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="solar_api")
    llm = ChatSolar(**conn(fake, model="solar-pro3", reasoning_effort="max"))
    llm.invoke("a")
    llm.invoke("b")
    assert caplog.text.count("does not take reasoning_effort 'max'") == 1
