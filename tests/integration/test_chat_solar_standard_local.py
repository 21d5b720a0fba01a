"""langchain-tests' standard integration suite for ChatSolar against the local model."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_solar import ChatSolar


class TestChatSolarLocal(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatSolar]:
        return ChatSolar

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # The 270M base model rarely ends a turn by itself: keep generations short.
        return {"provider": "local", "model": "solar-1-mini-chat", "max_tokens": 200}

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True
