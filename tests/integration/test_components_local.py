"""Summarizer, translator, completions and embeddings against the real local model."""

from __future__ import annotations

import math

from langchain_core.documents import Document

from langchain_solar import SolarEmbeddings, SolarLLM, SolarSummarizer, SolarTranslator
from solar_api import SolarClient
from solar_api.tasks.summarize import SummaryPlan, summarize

PARAGRAPH = (
    "Solar Mini is a compact large language model from Upstage. It was built with depth "
    "up-scaling and reached the top of the Open LLM Leaderboard in December 2023. "
)


def test_summarizer_and_transformer() -> None:
    summarizer = SolarSummarizer(
        provider="local", format="bullets", length="short", max_tokens=60, temperature=0
    )
    text = PARAGRAPH * 3
    summary = summarizer.invoke(text)
    assert isinstance(summary, str) and summary.strip()
    docs = summarizer.transform_documents([Document(page_content=text)])
    assert docs[0].metadata["summarized_chars"] == len(text)


def test_long_text_is_split_and_combined_against_a_small_window() -> None:
    client = SolarClient(provider="local")
    requests = []
    original = client._send

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        requests.append(args)
        return original(*args, **kwargs)

    client._send = counting  # type: ignore[method-assign]
    plan = SummaryPlan(
        model="solar-1-mini-chat",
        provider="local",
        context_window=600,
        max_tokens=40,
        temperature=0,
    )
    text = "\n\n".join(PARAGRAPH * 2 for _ in range(5))
    out = summarize(client, plan, text, max_concurrency=2)
    assert out.strip() and len(requests) > 2


def test_translator_prompts_the_chat_model_locally() -> None:
    out = SolarTranslator(provider="local", direction="en-ko", max_tokens=40, temperature=0).invoke(
        "Good morning."
    )
    assert isinstance(out, str) and out.strip()


def test_completions_llm_on_the_completions_endpoint() -> None:
    llm = SolarLLM(provider="local", model="solar-1-mini-chat", max_tokens=20, temperature=0)
    text = llm.invoke("The capital of France is")
    assert text.strip()
    assert "".join(llm.stream("The capital of France is")).strip()


def test_embeddings_pool_per_token_vectors_into_unit_vectors() -> None:
    emb = SolarEmbeddings(provider="local", batch_size=2)
    vectors = emb.embed_documents(["a cat", "a dog", "the stock market"])
    query = emb.embed_query("a kitten")
    assert len(vectors) == 3 and len({len(v) for v in [*vectors, query]}) == 1
    for v in [*vectors, query]:
        assert math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, rel_tol=1e-6)
