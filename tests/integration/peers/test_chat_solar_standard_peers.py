"""langchain-tests' standard integration suite for ChatSolar against the servers people
run: llama-cpp-python's server and llama.cpp's own llama-server (the openai_compatible
profile, nothing but base_url), and LiteLLM's proxy in front of each.

SmolLM2-135M-Instruct is small: each xfail below says what the model (not the client)
gets wrong; strict=False where only the model's output decides, strict=True where the
server never does it.
"""

from __future__ import annotations

import pytest
from langchain_core.language_models import BaseChatModel

from langchain_solar import ChatSolar

from .settings import PeerSuite


class _PeerSuite(PeerSuite):
    # Servers, keys, model and settings: settings.PeerSuite (which `make compare` shares).

    @property
    def chat_model_class(self) -> type[ChatSolar]:
        return ChatSolar

    @pytest.mark.xfail(
        reason="json_object has no schema to enforce; SmolLM2-135M writes valid JSON "
        "without the 'punchline' key",
        strict=False,
    )
    def test_json_mode(self, model: BaseChatModel) -> None:
        super().test_json_mode(model)


class _LlamaCppSuite(_PeerSuite):
    # What the server (llama-cpp-python with its stock chatml format) and the model cannot
    # do, the same directly and through LiteLLM. That format neither shows the tools to the
    # model nor reads calls from its text: a tool call comes back only when tool_choice
    # names the tool (the server enforces that with a grammar). Once the client has learned
    # that "required" is ignored, it names the one tool, or sends several as one named
    # stand-in tool whose arguments pick one (solar_api/providers/_one_of.py).

    @pytest.mark.parametrize("model", [{}, {"output_version": "v1"}], indirect=True)
    @pytest.mark.xfail(
        reason="the forced call is made, but SmolLM2-135M puts a wrong number in 'input' "
        "(10 for 'What is 3 to the power of 3?')",
        strict=False,
    )
    def test_tool_calling(self, model: BaseChatModel) -> None:
        super().test_tool_calling(model)

    @pytest.mark.xfail(
        reason="the forced call is made, but SmolLM2-135M puts a wrong number in 'input'",
        strict=False,
    )
    async def test_tool_calling_async(self, model: BaseChatModel) -> None:
        await super().test_tool_calling_async(model)

    @pytest.mark.parametrize("model", [{}, {"output_version": "v1"}], indirect=True)
    @pytest.mark.xfail(
        reason="the agent loop needs a tool call under tool_choice='auto', which this "
        "server's chatml format never produces",
        strict=True,
    )
    def test_agent_loop(self, model: BaseChatModel) -> None:
        super().test_agent_loop(model)

    @pytest.mark.xfail(
        # SmolLM2-135M's arguments here follow llama.cpp's CPU kernels: the Makefile's
        # portable build (AVX2) passes the Japanese text; a native AVX-512 build wrote
        # katakana. strict=False, as the build decides.
        reason="the forced call is made, but SmolLM2-135M may write katakana instead of "
        "the Japanese text it is asked to pass (it depends on llama.cpp's CPU kernels)",
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


class TestChatSolarLlamaCpp(_LlamaCppSuite):
    """``ChatSolar(base_url=<python -m llama_cpp.server>)``: the openai_compatible profile."""

    peer_fixture = "llama_peer"

    @pytest.mark.xfail(
        reason="llama-cpp-python's server sends no usage in streams (stream_options is "
        "ignored); LiteLLM in front of it counts them itself",
        strict=True,
    )
    def test_usage_metadata_streaming(self, model: BaseChatModel) -> None:
        super().test_usage_metadata_streaming(model)


class TestChatSolarLiteLLM(_LlamaCppSuite):
    """``ChatSolar(base_url=<LiteLLM proxy>, api_key=<its master key>)``."""

    peer_fixture = "litellm_peer"


class _LlamaServerSuite(_PeerSuite):
    """llama.cpp's llama-server with SmolLM2's own chat template, which has no tools: it
    leaves ``tools`` out of the prompt and enforces no forced choice, so the client
    (having recognised the server and read ``GET /props``, or learned from the misses
    through LiteLLM) emulates a forced call with a grammar-enforced json_schema
    response_format (solar_api/providers/_tool_as_json.py)."""

    # The forced calls that SmolLM2 fills wrongly under llama-cpp-python's grammar for a
    # named tool come right under llama-server's for the json_schema (3 ** 3 -> 3, the
    # Japanese text kept): not marked here.

    @pytest.mark.xfail(
        reason="SmolLM2-135M repeats itself inside the grammar-enforced JSON string "
        "('The cat was a cat, the cat was a cat, ...') until max_tokens cuts it off",
        strict=False,
    )
    def test_structured_output_optional_param(self, model: BaseChatModel) -> None:
        super().test_structured_output_optional_param(model)

    @pytest.mark.parametrize("model", [{}, {"output_version": "v1"}], indirect=True)
    @pytest.mark.xfail(
        reason="the agent loop needs a tool call under tool_choice='auto'; llama-server "
        "leaves the tools out of SmolLM2's template (no tool support, GET /props), so "
        "the model never calls one",
        strict=True,
    )
    def test_agent_loop(self, model: BaseChatModel) -> None:
        super().test_agent_loop(model)


class TestChatSolarLlamaServer(_LlamaServerSuite):
    """``ChatSolar(base_url=<llama-server>)``: the openai_compatible profile."""

    peer_fixture = "llama_server_peer"

    # llama-server answers any model name with the model it loaded, and names that one
    # (its --alias) in the reply's `model` (server_context: the reply's model is the
    # served model's name, not the request's): the reply cannot say "solar-pro2".
    _OVERRIDE = pytest.mark.xfail(
        reason="llama-server answers any model name with its loaded model and names that "
        "one in the reply ('solar-1-mini-chat'), not the one asked for",
        strict=True,
    )

    @_OVERRIDE
    def test_invoke_with_model_override(self, model: BaseChatModel) -> None:
        super().test_invoke_with_model_override(model)

    @_OVERRIDE
    async def test_ainvoke_with_model_override(self, model: BaseChatModel) -> None:
        await super().test_ainvoke_with_model_override(model)

    @_OVERRIDE
    def test_stream_with_model_override(self, model: BaseChatModel) -> None:
        super().test_stream_with_model_override(model)

    @_OVERRIDE
    async def test_astream_with_model_override(self, model: BaseChatModel) -> None:
        await super().test_astream_with_model_override(model)


class TestChatSolarLiteLLMLlamaServer(_LlamaServerSuite):
    """``ChatSolar(base_url=<LiteLLM proxy in front of llama-server>)``."""

    peer_fixture = "litellm_llama_server_peer"
