"""`ChatSolar.profile`: langchain-core's model profile, from this package's registry."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from solar_api.providers import MODELS, infer_provider

__all__ = ["model_profile"]


def model_profile(model: str, provider: str | None, base_url: str | None) -> dict[str, Any] | None:
    """What the registry knows about `model` on that host; None for a model it does not
    know (as langchain-openai gives for models outside its profile data)."""
    info = MODELS.get(model)
    if info is None or not info.chat:
        return None
    host = infer_provider(provider, base_url)
    if info.overrides:
        host = replace(host, **info.overrides)
    return {
        "max_input_tokens": info.context_window,
        "max_output_tokens": info.max_output_tokens,
        "text_inputs": True,
        "text_outputs": True,
        "tool_calling": info.tool_calling,
        "tool_choice": info.tool_calling and host.tool_choice,
        "tool_call_streaming": info.tool_calling,
        # response_format with a schema: the registry's tool-calling models on hosts
        # that take JSON mode (where a host rejects a schema, it becomes an instruction).
        "structured_output": (info.tool_calling or info.structured_output) and host.json_object,
        "reasoning_output": bool(info.reasoning_efforts),
    }
