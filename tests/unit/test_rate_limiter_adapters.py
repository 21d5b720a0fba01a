"""Every class takes ``rate_limiter=``, hands it to both clients, and keeps it through pickling."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.rate_limiters import InMemoryRateLimiter as LangChainLimiter

from langchain_solar import (
    ChatSolar,
    SolarEmbeddings,
    SolarLLM,
    SolarSummarizer,
    SolarTranslator,
)
from llama_index_solar import Solar, SolarEmbedding, SolarSummaryTransform
from solar_api.ratelimit import InMemoryRateLimiter, RedisRateLimiter
from tests.helpers import Scripted, chat_json
from tests.redis_server import redis_server

CLASSES = [
    ChatSolar,
    SolarLLM,
    SolarEmbeddings,
    SolarSummarizer,
    SolarTranslator,
    Solar,
    SolarEmbedding,
    SolarSummaryTransform,
]
BASE = "http://127.0.0.1:9/v1"


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as server:
        yield server.url


@pytest.mark.slow  # a real redis-server
@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_class_passes_the_limiter_to_both_clients(cls: type, redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, requests_per_minute=60, namespace=cls.__name__)
    obj: Any = cls(base_url=BASE, api_key="k", rate_limiter=limiter)
    assert obj._client.rate_limiter is limiter
    assert obj._async_client.rate_limiter is limiter
    # Into a worker: the limiter comes along (same Redis, same namespace), connection-free.
    copy: Any = pickle.loads(pickle.dumps(obj))
    moved = copy._client.rate_limiter
    assert isinstance(moved, RedisRateLimiter) and moved is not limiter
    assert (moved.url, moved.namespace) == (redis_url, cls.__name__)
    assert copy._async_client.rate_limiter is moved


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_the_limiter_stays_out_of_serialized_forms(cls: type) -> None:
    obj: Any = cls(
        base_url=BASE, api_key="k", rate_limiter=InMemoryRateLimiter(tokens_per_minute=9)
    )
    assert "rate_limiter" not in obj.model_dump()


def test_chat_solar_takes_langchains_own_limiter_as_before() -> None:
    theirs = LangChainLimiter(requests_per_second=100)
    chat = ChatSolar(base_url=BASE, api_key="k", rate_limiter=theirs)
    assert chat.rate_limiter is theirs
    assert chat._client.rate_limiter is None  # langchain-core limits per call, as ever


def test_chat_solar_with_a_solar_limiter_counts_each_call_once() -> None:
    ours = InMemoryRateLimiter(requests_per_minute=600, tokens_per_minute=10_000)
    server = Scripted(httpx.Response(200, json=chat_json("hi", usage=(7, 3))))
    chat = ChatSolar(
        base_url=BASE, api_key="k", rate_limiter=ours, http_client=server.sync_client()
    )
    assert chat.rate_limiter.limiter is ours  # type: ignore[union-attr]
    assert chat._client.rate_limiter is ours
    chat.invoke("hello")
    budget = ours.budget()
    assert budget.requests == 8  # one request taken, by the client only
    assert budget.tokens == 10_000 - 10


def test_embeddings_draw_on_the_budget() -> None:
    ours = InMemoryRateLimiter(tokens_per_minute=10_000)
    body = {
        "object": "list",
        "model": "e",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
        "usage": {"prompt_tokens": 4, "total_tokens": 4},
    }
    server = Scripted(httpx.Response(200, json=body))
    emb = SolarEmbeddings(
        base_url=BASE, api_key="k", rate_limiter=ours, http_client=server.sync_client()
    )
    assert emb.embed_query("hello") == [0.1, 0.2]
    assert ours.budget().tokens == 10_000 - 4
