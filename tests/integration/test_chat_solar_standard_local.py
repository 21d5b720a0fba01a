"""langchain-tests' standard integration suite for ChatSolar against the local model."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_solar import ChatSolar
from tests.standard_capabilities import Capabilities


class TestChatSolarLocal(Capabilities, ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatSolar]:
        return ChatSolar

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # SmolLM2 ends its turns by itself; the cap bounds a forced call's string arguments.
        return {
            "provider": "local",
            "model": "solar-1-mini-chat",
            "max_tokens": 200,
            "temperature": 0,
        }

    @property
    def model_override_value(self) -> str:
        return "solar-pro2"  # the local server answers to any model name

    # Each override below keeps the standard test as it is and marks what the local peer,
    # SmolLM2-135M-Instruct on llama.cpp, cannot do. It calls a tool reliably only when
    # tool_choice names it (llama.cpp enforces that with a grammar); it does not pick tools
    # by itself, so tool_choice="any" over several tools goes out as one named stand-in tool
    # whose arguments pick one (solar_api/providers/_one_of.py), and test_tool_choice
    # passes. Requests use temperature 0, so runs repeat; strict=False where only the
    # model's output decides. (On Gemma 3 270M, the previous default, the forced tool-call
    # tests failed too: wrong numbers, string arguments that never closed; SmolLM2 passes
    # them.)

    @pytest.mark.xfail(
        reason="llama-cpp-python's server sends no usage in streams (stream_options is ignored)",
        strict=True,
    )
    def test_usage_metadata_streaming(self, model: BaseChatModel) -> None:
        super().test_usage_metadata_streaming(model)

    @pytest.mark.xfail(
        reason="json_mode has no schema to enforce; the model writes valid JSON of another shape",
        strict=False,
    )
    def test_json_mode(self, model: BaseChatModel) -> None:
        super().test_json_mode(model)

    @pytest.mark.parametrize("model", [{}, {"output_version": "v1"}], indirect=True)
    @pytest.mark.xfail(
        reason="the agent loop needs the model to choose the tool by itself (no forced choice)",
        strict=False,
    )
    def test_agent_loop(self, model: BaseChatModel) -> None:
        super().test_agent_loop(model)
