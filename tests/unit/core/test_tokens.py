"""Offline token counting: the calibrated estimate, exact counts from a tokenizer.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from langchain_solar import ChatSolar
from llama_index_solar import Solar
from solar_api.tasks.tokens import (
    EstimatedTokens,
    JSONTokenizer,
    count_message_tokens,
    token_counter,
)
from tests.helpers import FIXTURES, SECRET

SAMPLES = FIXTURES / "token_samples"
GEMMA_COUNTS = json.loads((SAMPLES / "gemma3_counts.json").read_text())


@pytest.mark.parametrize("name", sorted(GEMMA_COUNTS))
def test_estimate_never_undercounts_by_more_than_the_stated_margin(name: str) -> None:
    actual = GEMMA_COUNTS[name]
    estimate = EstimatedTokens().count((SAMPLES / name).read_text())
    assert estimate >= 0.95 * actual
    assert estimate <= 1.35 * actual  # and stays a useful budget


def test_estimate_basics() -> None:
    counter = EstimatedTokens()
    assert counter.count("") == 0
    assert counter.count("abc") == 1
    assert counter.count("안녕하세요") == 4  # 5 syllables / 1.4, rounded up
    assert counter.count("東京") == 2
    assert len(counter.encode("hello world")) == counter.count("hello world")


@pytest.fixture(scope="module")
def tokenizer_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(
        ["hello world solar is fast", "안녕 세계"],
        trainers.WordLevelTrainer(special_tokens=["[UNK]"]),
    )
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    tok.save(str(path))
    return path


def test_exact_counts_from_a_tokenizer_json(tokenizer_json: Path) -> None:
    counter = token_counter(tokenizer_json)
    assert counter.exact and counter.count("hello solar world") == 3
    assert counter.encode("hello hello") == [counter.encode("hello")[0]] * 2
    with pytest.raises(ValueError, match="is not a file"):
        JSONTokenizer("/nope/tokenizer.json")


def test_message_counts_include_per_message_overhead() -> None:
    counter = EstimatedTokens()
    messages = [
        {"role": "user", "content": "abc"},
        {"role": "assistant", "content": "def", "name": "x"},
    ]
    assert count_message_tokens(counter, messages) == 3 + 4 + 1 + 4 + 1 + 1


def test_chat_solar_counts_offline(tokenizer_json: Path) -> None:
    llm = ChatSolar(api_key=SECRET)
    assert llm.get_num_tokens("hello world") == EstimatedTokens().count("hello world")
    history = [SystemMessage("be brief"), HumanMessage("hello"), AIMessage("hi")]
    assert llm.get_num_tokens_from_messages(history) > llm.get_num_tokens("be brief hello hi")
    with pytest.raises(NotImplementedError, match="tokenizer"):
        llm.get_token_ids("hello")
    exact = ChatSolar(api_key=SECRET, tokenizer=str(tokenizer_json))
    assert (
        exact.get_num_tokens("hello solar world") == 3
        and len(exact.get_token_ids("hello world")) == 2
    )


def test_llama_index_tokenizer_hook(tokenizer_json: Path) -> None:
    from llama_index.core import Settings

    llm = Solar(api_key=SECRET, tokenizer=str(tokenizer_json))
    Settings.tokenizer = llm.get_tokenizer()
    try:
        assert len(Settings.tokenizer("hello solar world")) == 3
    finally:
        Settings._tokenizer = None
    assert Solar(api_key=SECRET).count_tokens("abcdef") == 2
