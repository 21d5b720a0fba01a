"""The sampling (and caching) fields every request-building class shares, declared once.

The wire request models (``solar_api.types``), LangChain's ``ChatSolar`` and ``SolarLLM``
and LlamaIndex's ``Solar`` all take the same sampling knobs with the same bounds; they
inherit them from here so a bound or a description is changed in one place.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

__all__ = ["ChatParams", "SamplingParams", "StopList", "stop_list"]


def stop_list(stop: Any) -> Any:
    """A bare ``stop`` string as the one-item list the adapters hold (the wire takes
    either); any other value as given, for its field to judge."""
    return [stop] if isinstance(stop, str) else stop


# The adapters' ``stop`` field: a list of strings, or one string taken as a list of one.
StopList = Annotated[list[str] | None, BeforeValidator(stop_list)]


class SamplingParams(BaseModel):
    """Sampling fields, all optional: None means "not sent" (the server's default).

    ``stop`` and ``n`` are not here: their types differ between the classes (a bare
    string on the wire, lists in the adapters) or a class lacks them.
    """

    temperature: float | None = Field(
        default=None, ge=0, le=2, description="Sampling temperature, 0 to 2; higher is more random."
    )
    top_p: float | None = Field(
        default=None, ge=0, le=1, description="Nucleus sampling: the probability mass, 0 to 1."
    )
    max_tokens: int | None = Field(
        default=None, ge=1, description="The most tokens the reply may have."
    )
    frequency_penalty: float | None = Field(
        default=None, ge=-2, le=2, description="-2 to 2; positive discourages repeated tokens."
    )
    presence_penalty: float | None = Field(
        default=None, ge=-2, le=2, description="-2 to 2; positive encourages new topics."
    )
    seed: int | None = Field(
        default=None, description="For reproducible sampling, on servers that honour it."
    )
    prompt_cache_key: str | None = Field(
        default=None,
        description="Groups requests that share a prompt prefix for the server's prompt "
        "cache (OpenAI's field; Upstage caches prefixes and bills cached input at a "
        "fraction). Sent as given; a server that refuses it is learned and it is left out.",
    )

    def sampling_values(self) -> dict[str, Any]:
        """The sampling fields that are set (not None), for a request's parameters."""
        # SamplingParams' fields, not type(self)'s: only the shared fields.
        return {n: v for n in _SAMPLING if (v := getattr(self, n)) is not None}


class ChatParams(SamplingParams):
    """The chat-request fields the chat adapters (LangChain's ``ChatSolar``, LlamaIndex's
    ``Solar``) take besides sampling, declared once with their bounds."""

    logprobs: bool | None = Field(
        default=None,
        description="Return log probabilities of the output tokens (LangChain: in "
        'response_metadata["logprobs"]).',
    )
    top_logprobs: int | None = Field(
        default=None, ge=0, le=20, description="With logprobs: the likeliest tokens per place."
    )
    logit_bias: dict[str, int] | None = Field(
        default=None, description="Token id (as a string) to a bias from -100 to 100."
    )
    # Values per model from Upstage's docs (docs/capabilities/generate/reasoning, read
    # 2026-12-06); checked per model in providers/_reasoning.py.
    reasoning_effort: str | None = Field(
        default=None,
        description="For reasoning models; the values differ per model: solar-pro4 and "
        "solar-mini4 take none, minimal (both: off), low, medium, high, xhigh, max, and "
        "reason only when asked; solar-pro3 takes low, medium, high. Another word of that "
        "scale is sent as the model's nearest (with a warning); a model that does not "
        "reason refuses it before any request.",
    )
    top_k: int | None = Field(
        default=None,
        ge=1,
        description="Sample from the k likeliest tokens; sent as is, for servers that take "
        "it (vLLM, llama.cpp, NIM-hosted models).",
    )

    def chat_values(self) -> dict[str, Any]:
        """The chat fields above that are set (not None); `sampling_values` has the rest."""
        return {n: v for n in _CHAT_ONLY if (v := getattr(self, n)) is not None}


# Asked on every request: the field names, worked out once.
_SAMPLING = tuple(SamplingParams.model_fields)
_CHAT_ONLY = tuple(n for n in ChatParams.model_fields if n not in SamplingParams.model_fields)
