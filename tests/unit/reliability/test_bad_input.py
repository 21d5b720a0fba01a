"""Wrong types and out-of-range values: a clear error naming the parameter, before any
request is sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.messages import ChatMessage

from langchain_solar import ChatSolar, SolarEmbeddings, SolarLLM, SolarSummarizer, SolarTranslator
from llama_index_solar import Solar, SolarEmbedding
from solar_api import SolarClient
from tests.helpers import SECRET, Scripted

SERVER = Scripted()


def conn() -> dict[str, Any]:
    return {"api_key": SECRET, "http_client": SERVER.sync_client()}


class NotJSON:
    pass


CONSTRUCTORS: list[tuple[str, Callable[[], object], str]] = [
    ("temperature above 2", lambda: ChatSolar(temperature=2.5, **conn()), "temperature"),
    ("temperature not a number", lambda: ChatSolar(temperature="hot", **conn()), "temperature"),
    ("negative max_tokens", lambda: ChatSolar(max_tokens=-1, **conn()), "max_tokens"),
    ("top_p above 1", lambda: ChatSolar(top_p=1.5, **conn()), "top_p"),
    ("n of zero", lambda: ChatSolar(n=0, **conn()), "n"),
    ("negative max_retries", lambda: ChatSolar(max_retries=-2, **conn()), "max_retries"),
    ("unknown provider", lambda: ChatSolar(provider="openai", **conn()), "provider"),
    ("malformed base_url", lambda: ChatSolar(base_url="ftp://x", **conn()), "base_url"),
    ("zero timeout", lambda: SolarClient(timeout=0, api_key=SECRET), "timeout"),
    ("LlamaIndex temperature", lambda: Solar(temperature=-1, **conn()), "temperature"),
    ("LlamaIndex provider", lambda: Solar(provider="x", **conn()), "provider"),
    ("SolarLLM best_of", lambda: SolarLLM(best_of=0, provider="julep", **conn()), "best_of"),
    ("SolarLLM logprobs", lambda: SolarLLM(logprobs=9, provider="julep", **conn()), "logprobs"),
    ("embedding batch_size", lambda: SolarEmbeddings(batch_size=0, **conn()), "batch_size"),
    ("LlamaIndex embedding timeout", lambda: SolarEmbedding(timeout=-1, **conn()), "timeout"),
    ("summary format", lambda: SolarSummarizer(format="table", **conn()), "format"),
    ("summary length", lambda: SolarSummarizer(length="epic", **conn()), "length"),
    ("translation direction", lambda: SolarTranslator(direction="en-fr", **conn()), "direction"),
]


@pytest.mark.parametrize(("what", "make", "field"), CONSTRUCTORS, ids=[c[0] for c in CONSTRUCTORS])
def test_constructors(what: str, make: Callable[[], object], field: str) -> None:
    before = SERVER.count
    with pytest.raises(ValueError, match=field):
        make()
    assert SERVER.count == before


CALLS: list[tuple[str, Callable[[], object], type[Exception], str]] = [
    ("empty message list", lambda: ChatSolar(**conn()).invoke([]), ValueError, "messages"),
    (
        "unknown role",
        lambda: ChatSolar(**conn()).invoke([ChatMessage(role="wizard", content="x")]),
        ValueError,
        "role",
    ),
    (
        "n with streaming",
        lambda: list(ChatSolar(n=2, **conn()).stream("x")),
        ValueError,
        "n: got 2",
    ),
    (
        "temperature per call",
        lambda: ChatSolar(**conn()).invoke("x", temperature=7),
        ValueError,
        "temperature",
    ),
    (
        "tool schema not JSON",
        lambda: (
            ChatSolar(**conn())
            .bind_tools(
                [{"type": "function", "function": {"name": "f", "parameters": {"x": NotJSON()}}}]
            )
            .invoke("x")
        ),
        Exception,
        "not JSON-serializable.*check tools",
    ),
    (
        "unknown tool_choice",
        lambda: ChatSolar(**conn()).bind_tools(
            [{"type": "function", "function": {"name": "f", "parameters": {}}}], tool_choice="g"
        ),
        ValueError,
        "tool_choice",
    ),
    (
        "short summary text",
        lambda: SolarSummarizer(**conn()).invoke("too short"),
        ValueError,
        "250",
    ),
    ("empty translation", lambda: SolarTranslator(**conn()).invoke("   "), ValueError, "empty"),
    ("LlamaIndex empty messages", lambda: Solar(**conn()).chat([]), ValueError, "messages"),
    (
        "core: wrong message shape",
        lambda: SolarClient(api_key=SECRET, http_client=SERVER.sync_client()).chat(
            model="m", messages=[{"role": "user"}]
        ),
        ValueError,
        "content",
    ),
    (
        "core: empty model",
        lambda: SolarClient(api_key=SECRET, http_client=SERVER.sync_client()).chat(
            model="", messages=[{"role": "user", "content": "x"}]
        ),
        ValueError,
        "model",
    ),
]


@pytest.mark.parametrize(("what", "call", "error", "match"), CALLS, ids=[c[0] for c in CALLS])
def test_calls(what: str, call: Callable[[], object], error: type[Exception], match: str) -> None:
    before = SERVER.count
    with pytest.raises(error, match=match):
        call()
    assert SERVER.count == before, "a request was sent"
