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
        return {
            "provider": "local",
            "model": "solar-1-mini-chat",
            "max_tokens": 200,
            "temperature": 0,
        }

    @property
    def model_override_value(self) -> str:
        return "solar-pro2"  # the local server answers to any model name

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    # Each override below keeps the standard test as it is and marks what the local peer,
    # a 270M-parameter *pretrained* (not instruction-tuned) model on llama.cpp, cannot do.
    # It calls a tool reliably only when tool_choice names it (llama.cpp enforces that with
    # a grammar); it does not pick tools by itself, and it fills free-text and numeric
    # arguments with whatever it likes. Requests use temperature 0, so runs repeat; strict=False
    # where only the model's output decides.

    @pytest.mark.xfail(
        reason="llama-cpp-python's server sends no usage in streams (stream_options is ignored)",
        strict=True,
    )
    def test_usage_metadata_streaming(self, model: BaseChatModel) -> None:
        super().test_usage_metadata_streaming(model)

    @pytest.mark.parametrize("model", [{}, {"output_version": "v1"}], indirect=True)
    @pytest.mark.xfail(
        reason="the forced call is made, but the model puts a wrong number in 'input' "
        "(e.g. 10 for 'What is 3 to the power of 3?')",
        strict=False,
    )
    def test_tool_calling(self, model: BaseChatModel) -> None:
        super().test_tool_calling(model)

    @pytest.mark.xfail(
        reason="the forced call is made, but the model puts a wrong number in 'input'",
        strict=False,
    )
    async def test_tool_calling_async(self, model: BaseChatModel) -> None:
        await super().test_tool_calling_async(model)

    @pytest.mark.xfail(
        reason="tool_choice='any' over two tools: llama.cpp enforces only a named tool and "
        "the model does not choose one by itself",
        strict=False,
    )
    def test_tool_choice(self, model: BaseChatModel) -> None:
        super().test_tool_choice(model)

    @pytest.mark.xfail(
        reason="the forced call's string argument (a pirate greeting) never closes within "
        "max_tokens, so the truncated arguments do not parse",
        strict=False,
    )
    def test_bind_runnables_as_tools(self, model: BaseChatModel) -> None:
        super().test_bind_runnables_as_tools(model)

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

    @pytest.mark.xfail(
        reason="the forced call's string argument never closes within max_tokens",
        strict=False,
    )
    def test_unicode_tool_call_integration(
        self,
        model: BaseChatModel,
        *,
        tool_choice: str | None = None,
        force_tool_call: bool = True,
    ) -> None:
        super().test_unicode_tool_call_integration(
            model, tool_choice=tool_choice, force_tool_call=force_tool_call
        )
