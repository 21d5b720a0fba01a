"""Every connection word the clients take is taken, once declared, by every adapter."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from langchain_solar import ChatSolar, SolarEmbeddings, SolarLLM
from llama_index_solar import Solar, SolarEmbedding
from solar_api import RetryPolicy
from solar_api.connection import Connection

ADAPTERS = [ChatSolar, SolarLLM, SolarEmbeddings, Solar, SolarEmbedding]
URL = "http://127.0.0.1:9/v1"


@pytest.mark.parametrize("cls", ADAPTERS, ids=lambda c: c.__name__)
def test_every_adapter_declares_every_connection_word(cls: type) -> None:
    assert set(Connection.model_fields) <= set(cls.model_fields)
    for name, field in Connection.model_fields.items():
        if name == "rate_limiter":
            # LangChain's BaseChatModel and LlamaIndex's BaseEmbedding declare their own
            # rate_limiter field first in the MRO; the clients check the limiter's type.
            continue
        assert cls.model_fields[name].annotation == field.annotation, name


@pytest.mark.parametrize("cls", ADAPTERS, ids=lambda c: c.__name__)
def test_timeout_trust_env_and_retry_policy_reach_both_clients(cls: type) -> None:
    policy = RetryPolicy(max_retries=5, initial_delay=0.01)
    obj = cls(
        base_url=URL,
        api_key="k",
        timeout=httpx.Timeout(7.0, connect=1.0),
        trust_env=False,
        retry_policy=policy,
    )
    for client in (obj._client, obj._async_client):
        assert client.timeout == httpx.Timeout(7.0, connect=1.0)
        assert client._pool_settings["trust_env"] is False
        assert client.retry is policy
        assert client.max_retries == 5


@pytest.mark.parametrize("cls", [ChatSolar, Solar], ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", [0, -1.5, "soon"])
def test_a_bad_timeout_is_refused_naming_the_word(cls: type, bad: object) -> None:
    with pytest.raises(ValidationError, match="timeout"):
        cls(base_url=URL, timeout=bad)


def test_provider_names_are_the_presets() -> None:
    from typing import get_args

    from solar_api import PROVIDERS
    from solar_api.providers import ProviderName

    assert set(get_args(ProviderName)) == set(PROVIDERS)
    with pytest.raises(ValidationError, match="provider"):
        ChatSolar(provider="nope")
