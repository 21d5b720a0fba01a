"""langchain-tests' standard integration suite for ChatSolar against the servers people
run: a plain llama.cpp server (the openai_compatible profile, nothing but base_url) and
LiteLLM's proxy in front of it.

SmolLM2-135M-Instruct is small: each xfail below says what the model (not the client)
gets wrong; strict=False where only the model's output decides, strict=True where the
server never does it.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_solar import ChatSolar

from .servers import LITELLM_KEY, MODEL_ALIAS, LiteLLMPeer, LlamaCppPeer


class _PeerSuite(ChatModelIntegrationTests):
    base_url: ClassVar[str] = ""
    api_key: ClassVar[str | None] = None

    @property
    def chat_model_class(self) -> type[ChatSolar]:
        return ChatSolar

    @property
    def chat_model_params(self) -> dict[str, Any]:
        assert self.base_url, "the peer fixture sets base_url"
        params: dict[str, Any] = {
            "base_url": self.base_url,
            "model": MODEL_ALIAS,
            "max_tokens": 200,
            "temperature": 0,
        }
        if self.api_key:
            params["api_key"] = self.api_key
        return params

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True


class TestChatSolarLlamaCpp(_PeerSuite):
    """``ChatSolar(base_url=<python -m llama_cpp.server>)``: the openai_compatible profile."""

    @pytest.fixture(autouse=True)
    def _peer(self, llama_peer: LlamaCppPeer) -> None:
        type(self).base_url = llama_peer.base_url

    @property
    def model_override_value(self) -> str:
        return "solar-pro2"  # llama.cpp's server answers to any model name


class TestChatSolarLiteLLM(_PeerSuite):
    """``ChatSolar(base_url=<LiteLLM proxy>, api_key=<its master key>)``."""

    @pytest.fixture(autouse=True)
    def _peer(self, litellm_peer: LiteLLMPeer) -> None:
        type(self).base_url = litellm_peer.base_url
        type(self).api_key = LITELLM_KEY

    @property
    def supports_model_override(self) -> bool:
        # LiteLLM serves only the model names of its config; any other is its 400.
        return False
