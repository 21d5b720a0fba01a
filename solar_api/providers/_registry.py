"""What we know about each model: provider, context window, output limit, capabilities.

Unknown names are fine: `get_model_info` returns conservative defaults for them, so any
model an OpenAI-compatible server hosts can be used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

__all__ = ["DEFAULT_MODEL_INFO", "MODELS", "ModelInfo", "get_model_info", "register_model"]


@dataclass(frozen=True)
class ModelInfo:
    name: str
    provider: str
    context_window: int
    max_output_tokens: int
    chat: bool = True
    tool_calling: bool = False
    multi_turn: bool = True
    summarization: bool = False
    translation: Literal["en-ko", "ko-en"] | None = None
    completions_only: bool = False
    # Served on /completions (prompt in, text out) by its provider.
    completions: bool = False
    embedding: bool = False
    known: bool = True
    note: str = ""
    # Provider capability fields this model overrides (see providers.Provider), applied
    # wherever the model is served: a model's features go with the model.
    overrides: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # The only request fields the model takes, when its card says so (see model_params.py).
    params: frozenset[str] | None = None


def _upstage_chat(name: str, context_window: int, max_output_tokens: int) -> ModelInfo:
    return ModelInfo(
        name,
        provider="upstage",
        context_window=context_window,
        max_output_tokens=max_output_tokens,
        tool_calling=True,
    )


MODELS: dict[str, ModelInfo] = {
    m.name: m
    for m in (
        _upstage_chat("solar-1-mini-chat", 32768, 4096),
        _upstage_chat("solar-1-mini-chat-240502", 32768, 4096),
        _upstage_chat("solar-mini", 32768, 4096),
        _upstage_chat("solar-pro", 32768, 4096),
        _upstage_chat("solar-pro2", 65536, 16384),
        ModelInfo(
            "solar-1-mini-translate-enko",
            provider="upstage",
            context_window=32768,
            max_output_tokens=4096,
            translation="en-ko",
        ),
        ModelInfo(
            "solar-1-mini-translate-koen",
            provider="upstage",
            context_window=32768,
            max_output_tokens=4096,
            translation="ko-en",
        ),
        ModelInfo(
            "solar-1-mini-summarization",
            provider="upstage",
            context_window=16384,
            max_output_tokens=4096,
            summarization=True,
            multi_turn=False,
            note=(
                "Deprecated by Upstage (end of service 2024-05-10); "
                "one user message of 250+ characters."
            ),
        ),
        ModelInfo(
            "solar-embedding-1-large-query",
            provider="upstage",
            context_window=4000,
            max_output_tokens=0,
            chat=False,
            embedding=True,
        ),
        ModelInfo(
            "solar-embedding-1-large-passage",
            provider="upstage",
            context_window=4000,
            max_output_tokens=0,
            chat=False,
            embedding=True,
        ),
        # Upstage's current names for the same pair (`embedding` -> -query / -passage).
        *(
            ModelInfo(
                f"embedding-{kind}",
                provider="upstage",
                context_window=4000,
                max_output_tokens=0,
                chat=False,
                embedding=True,
            )
            for kind in ("query", "passage")
        ),
        ModelInfo(
            "upstage/solar-10.7b-instruct",
            provider="nvidia",
            context_window=4096,
            max_output_tokens=1024,
            multi_turn=False,
            note="fine-tuned primarily for single-turn conversation (NIM model card)",
            # The card's "Input Parameters" (seed 003); everything else is adapted or
            # refused by one policy (model_params.py).
            params=frozenset(
                {
                    "max_tokens",
                    "temperature",
                    "top_p",
                    "stop",
                    "frequency_penalty",
                    "presence_penalty",
                    "seed",
                }
            ),
        ),
        ModelInfo(
            "julep-ai/samantha-1-turbo",
            provider="julep",
            context_window=8192,
            max_output_tokens=1024,
            note="Chat with named turns and `continue`; also ChatML prompts on /completions.",
            completions=True,
            # Julep's continuation belongs to the model: sent through a gateway too.
            overrides=MappingProxyType({"continuation": True}),
        ),
    )
}

DEFAULT_MODEL_INFO = ModelInfo(
    name="",
    provider="openai_compatible",
    context_window=4096,
    max_output_tokens=1024,
    tool_calling=True,
    known=False,
)


def get_model_info(name: str) -> ModelInfo:
    """The registry entry for `name`, or defaults (marked ``known=False``) for others."""
    info = MODELS.get(name)
    return info if info is not None else replace(DEFAULT_MODEL_INFO, name=name)


def register_model(info: ModelInfo) -> None:
    """Add or replace an entry, for a model this package does not ship facts about."""
    MODELS[info.name] = info
