from __future__ import annotations

import httpx
import pytest

from solar_api import MissingAPIKeyError, SolarClient, get_model_info
from solar_api.providers import PROVIDERS, resolve_endpoint
from tests.helpers import SECRET, Scripted

USER = [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    ("provider", "url", "env"),
    [
        ("upstage", "https://api.upstage.ai/v1", "UPSTAGE_API_KEY"),
        ("nvidia", "https://integrate.api.nvidia.com/v1", "NVIDIA_API_KEY"),
        ("julep", "https://api-alpha.julep.ai/v1", "JULEP_API_KEY"),
    ],
)
def test_presets_read_their_key_and_base_url(
    monkeypatch: pytest.MonkeyPatch, provider: str, url: str, env: str
) -> None:
    monkeypatch.setenv(env, "from-env")
    endpoint = resolve_endpoint(provider=provider)
    assert endpoint.base_url == url
    assert endpoint.api_key is not None and endpoint.api_key.get_secret_value() == "from-env"
    base_env = PROVIDERS[provider].base_url_env
    assert base_env is not None
    monkeypatch.setenv(base_env, "http://127.0.0.1:9999/v1")
    assert resolve_endpoint(provider=provider).base_url == "http://127.0.0.1:9999/v1"
    assert (
        resolve_endpoint(provider=provider, base_url="http://localhost:1/v1").base_url
        == "http://localhost:1/v1"
    )


def test_argument_key_beats_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPSTAGE_API_KEY", "env")
    assert resolve_endpoint(api_key="arg").api_key.get_secret_value() == "arg"  # type: ignore[union-attr]


def test_provider_is_inferred_from_the_base_url() -> None:
    assert resolve_endpoint().provider.name == "upstage"
    assert (
        resolve_endpoint(base_url="https://integrate.api.nvidia.com/v1").provider.name == "nvidia"
    )
    assert (
        resolve_endpoint(base_url="http://127.0.0.1:8080/v1").provider.name == "openai_compatible"
    )


def test_missing_key_is_raised_at_the_first_request_naming_the_variable() -> None:
    server = Scripted()
    client = SolarClient(provider="nvidia", http_client=server.sync_client())  # no error here
    with pytest.raises(MissingAPIKeyError, match="NVIDIA_API_KEY"):
        client.chat(model="m", messages=USER)
    assert server.count == 0


def test_unknown_provider_and_malformed_base_url() -> None:
    with pytest.raises(ValueError, match="provider: got 'openai'"):
        SolarClient(provider="openai")
    with pytest.raises(ValueError, match="base_url: got 'localhost:8080'"):
        SolarClient(base_url="localhost:8080")
    with pytest.raises(ValueError, match="base_url: provider 'openai_compatible' has no default"):
        SolarClient(provider="openai_compatible")


def test_timeouts_default_and_configurable() -> None:
    client = SolarClient(api_key=SECRET)
    assert client.timeout == httpx.Timeout(60.0, connect=5.0)
    assert SolarClient(api_key=SECRET, timeout=3).timeout == httpx.Timeout(3.0, connect=3.0)
    with pytest.raises(ValueError, match="timeout"):
        SolarClient(api_key=SECRET, timeout=0)


def test_timeout_reaches_the_request() -> None:
    server = Scripted()
    SolarClient(api_key=SECRET, timeout=12.5, http_client=server.sync_client()).chat(
        model="m", messages=USER
    )
    assert server.requests[0].extensions["timeout"] == {
        "connect": 5.0,
        "read": 12.5,
        "write": 12.5,
        "pool": 12.5,
    }


@pytest.mark.parametrize(
    ("name", "provider", "context", "tools", "multi_turn"),
    [
        ("solar-1-mini-chat", "upstage", 32768, True, True),
        ("solar-1-mini-summarization", "upstage", 16384, False, False),
        ("solar-pro2", "upstage", 65536, True, True),
        ("upstage/solar-10.7b-instruct", "nvidia", 4096, False, False),
        ("julep-ai/samantha-1-turbo", "julep", 8192, False, True),
    ],
)
def test_registry(name: str, provider: str, context: int, tools: bool, multi_turn: bool) -> None:
    info = get_model_info(name)
    assert (info.provider, info.context_window, info.tool_calling, info.multi_turn) == (
        provider,
        context,
        tools,
        multi_turn,
    )
    assert info.known


def test_registry_translation_and_unknown_models() -> None:
    assert get_model_info("solar-1-mini-translate-enko").translation == "en-ko"
    assert get_model_info("solar-1-mini-translate-koen").translation == "ko-en"
    unknown = get_model_info("my-local-model")
    assert not unknown.known and unknown.name == "my-local-model" and unknown.context_window > 0
