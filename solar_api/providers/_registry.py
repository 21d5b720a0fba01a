"""What we know about each model: provider, context window, output limit, capabilities.

Unknown names are fine: `get_model_info` returns conservative defaults for them, so any
model an OpenAI-compatible server hosts can be used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType
from typing import Any, Literal

__all__ = [
    "DEFAULT_MODEL_INFO",
    "EFFORT_SCALE",
    "MODELS",
    "ModelInfo",
    "get_model_info",
    "register_model",
]


# Upstage's console docs, read 2026-12-06 (each entry below names the page it comes from).
_MODELS_PAGE = "https://console.upstage.ai/docs/models"
_REASONING_PAGE = "https://console.upstage.ai/docs/capabilities/generate/reasoning"
_EMBED_PAGE = "https://console.upstage.ai/docs/capabilities/embed"
_EMBED_API = "https://console.upstage.ai/api/embeddings"

# reasoning_effort's words from least to most effort: a value a model does not take is
# mapped to its nearest neighbour on this scale (providers/_reasoning.py).
EFFORT_SCALE = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


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
    # Served on /completions (prompt in, text out) by its provider.
    completions: bool = False
    embedding: bool = False
    known: bool = True
    note: str = ""
    # Provider capability fields this model overrides (see providers.Provider), applied
    # wherever the model is served: a model's features go with the model.
    overrides: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # The only request fields the model takes, when its card says so (see _model_params.py).
    params: frozenset[str] | None = None
    # response_format with a JSON schema, per the model's page.
    structured_output: bool = False
    # The reasoning_effort values the model takes (empty: it takes none); None: not known
    # (sent as given).
    reasoning_efforts: tuple[str, ...] | None = None
    # When its provider stops (or stopped) serving it: "YYYY-MM-DD", or "YYYY-MM" when
    # only the month is known; compared as text with today's ISO date.
    retires: str | None = None
    # What to use instead once it is retired (a model name, or words for a task).
    successor: str | None = None
    # Embeddings: the vector size, and what one request may carry (the provider's
    # per-request limits; the batch planner packs by both).
    dimensions: int | None = None
    batch_inputs: int | None = None
    batch_tokens: int | None = None
    # Where these facts were read.
    source: str = ""

    def retired(self, today: str | None = None) -> bool:
        """True when `retires` has passed (`today`: an ISO date, default the real one)."""
        return self.retires is not None and self.retires <= (today or _today())


def _today() -> str:
    return date.today().isoformat()


def _upstage_chat(
    name: str,
    context_window: int,
    max_output_tokens: int,
    *,
    source: str,
    efforts: tuple[str, ...] = (),
    structured_output: bool = False,
    retires: str | None = None,
    successor: str | None = None,
    tool_calling: bool = True,
    note: str = "",
) -> ModelInfo:
    return ModelInfo(
        name,
        provider="upstage",
        context_window=context_window,
        max_output_tokens=max_output_tokens,
        tool_calling=tool_calling,
        structured_output=structured_output,
        reasoning_efforts=efforts,
        retires=retires,
        successor=successor,
        note=note,
        source=source,
    )


def _upstage_embedding(
    name: str, window: int, dimensions: int, retires: str | None, successor: str | None
) -> ModelInfo:
    return ModelInfo(
        name,
        provider="upstage",
        context_window=window,
        max_output_tokens=0,
        chat=False,
        embedding=True,
        dimensions=dimensions,
        # console.upstage.ai/api/embeddings: "at most 100 strings per request, and the
        # array's total tokens under 204,800"; each input non-empty and within the window.
        batch_inputs=100,
        batch_tokens=204_799,
        retires=retires,
        successor=successor,
        source=f"{_EMBED_PAGE}; {_EMBED_API}",
    )


# Upstage's current models and the reasoning_effort values each takes. The reasoning
# table (Korean page, read 2026-12-06) lists solar-pro4 and solar-mini4: omitted = off,
# "none"/"minimal" keep it off, "low" to "max" turn it on. solar-pro3 takes low/medium/
# high and solar-pro2 minimal/high (earendil-works/pi#6823, 2026-07; the notes).
_PRO4_EFFORTS = EFFORT_SCALE
_PRO3_EFFORTS = ("low", "medium", "high")
_PRO2_EFFORTS = ("minimal", "high")
_TRANSLATE_PAIRS: tuple[tuple[str, Literal["en-ko", "ko-en"]], ...] = (
    ("enko", "en-ko"),
    ("koen", "ko-en"),
)

MODELS: dict[str, ModelInfo] = {
    m.name: m
    for m in (
        # -- current chat models (console.upstage.ai/docs/models, read 2026-12-06) --------
        # 512K context, 128K output, tools, structured outputs, reasoning; released
        # 2026-08-06 (solar-pro4-260806). Upstage's docs: reasoning off unless asked.
        _upstage_chat(
            "solar-pro4",
            524_288,
            131_072,
            efforts=_PRO4_EFFORTS,
            structured_output=True,
            source=f"{_MODELS_PAGE}/solar-pro-4; {_REASONING_PAGE}",
        ),
        # Same limits and reasoning rules; released 2026-09-22 (solar-mini4-260922).
        _upstage_chat(
            "solar-mini4",
            524_288,
            131_072,
            efforts=_PRO4_EFFORTS,
            structured_output=True,
            source=f"{_MODELS_PAGE}/solar-mini-4; {_REASONING_PAGE}",
        ),
        # 128K context (131,072), 8K output; released 2026-01. JSON schema support is
        # not stated for it (nor for solar-pro2), so neither claims it here.
        _upstage_chat(
            "solar-pro3",
            131_072,
            8_192,
            efforts=_PRO3_EFFORTS,
            source=f"{_MODELS_PAGE}/solar-pro-3; {_REASONING_PAGE}",
        ),
        # 32K context, 4K output, tools, no reasoning.
        _upstage_chat("solar-mini", 32_768, 4_096, source=f"{_MODELS_PAGE}/solar-mini"),
        # Listed by the live /v1/models (2026-07 and 2026-09); its page was not found, so
        # the window is the conservative 32K of solar-mini and tools are not claimed.
        _upstage_chat(
            "syn-pro",
            32_768,
            4_096,
            tool_calling=False,
            note="limits not published; conservative defaults",
            source="live /v1/models listing (2026-09)",
        ),
        # -- retired chat models: kept so the seeds' rows work where a host serves them ---
        # "fully deprecated on October 30, 2026 (KST) ... migrate to Solar Pro 4".
        _upstage_chat(
            "solar-pro2",
            65_536,
            8_192,
            efforts=_PRO2_EFFORTS,
            retires="2026-10-30",
            successor="solar-pro4",
            source=f"{_MODELS_PAGE}/solar-pro-2",
        ),
        # Removed from Upstage's list in 2025 (langchain-upstage#59, 2025-08-20).
        _upstage_chat(
            "solar-pro",
            32_768,
            4_096,
            retires="2025-08",
            successor="solar-pro4",
            source="langchain-ai/langchain-upstage#59",
        ),
        # The seeds' model (seed 000), renamed solar-mini in 2025-01 (langchain-upstage#40)
        # and absent from the live /v1/models listing of 2026-09.
        *(
            _upstage_chat(
                name,
                32_768,
                4_096,
                retires="2026-09",
                successor="solar-mini",
                source="seed 000; langchain-ai/langchain-upstage#40",
            )
            for name in ("solar-1-mini-chat", "solar-1-mini-chat-240502")
        ),
        # "All existing translation APIs were deprecated on June 9, 2025. Please use a
        # chat model such as Solar Mini 4 instead." (console.upstage.ai/docs/others/translation)
        *(
            ModelInfo(
                f"solar-1-mini-translate-{pair}",
                provider="upstage",
                context_window=32768,
                max_output_tokens=4096,
                translation=direction,
                reasoning_efforts=(),
                retires="2025-06-09",
                successor="solar-mini4",
                source="https://console.upstage.ai/docs/others/translation",
            )
            for pair, direction in _TRANSLATE_PAIRS
        ),
        ModelInfo(
            "solar-1-mini-summarization",
            provider="upstage",
            context_window=16384,
            max_output_tokens=4096,
            summarization=True,
            multi_turn=False,
            reasoning_efforts=(),
            note="made for one user message of 250+ characters",
            # Seed 001: "end of service 2024-05-10"; a prompted chat model replaces it.
            retires="2024-05-10",
            successor="solar-mini4",
            source="seed 001",
        ),
        # -- embeddings (console.upstage.ai/docs/capabilities/embed, read 2026-12-06) -------
        # Solar Embedding 2: 1,024 dimensions, "an extended 8k context limit", no alias yet.
        *(
            _upstage_embedding(f"solar-embedding-2-{kind}", 8_192, 1024, None, None)
            for kind in ("query", "passage")
        ),
        # Solar Embedding 1 (and its aliases embedding-query/-passage): "fully deprecated
        # on December 31, 2026 (UTC)"; 4,000 tokens per input (the API reference's figure).
        *(
            _upstage_embedding(
                name, 4_000, 4096, "2026-12-31", f"solar-embedding-2-{name.rsplit('-', 1)[1]}"
            )
            for name in (
                "solar-embedding-1-large-query",
                "solar-embedding-1-large-passage",
                "embedding-query",
                "embedding-passage",
            )
        ),
        ModelInfo(
            "upstage/solar-10.7b-instruct",
            provider="nvidia",
            context_window=4096,
            max_output_tokens=1024,
            multi_turn=False,
            note="fine-tuned primarily for single-turn conversation (NIM model card)",
            # The card's "Input Parameters" (seed 003); everything else is adapted or
            # refused by one policy (_model_params.py).
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
            source="seed 003",
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
            source="seed 004",
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


def retirement_of(name: str) -> tuple[str, str | None] | None:
    """`name`'s (retirement date, successor) when the registry retires it, else None:
    what the errors module needs to tell a retired model's refusal from others."""
    info = MODELS.get(name)
    return None if info is None or info.retires is None else (info.retires, info.successor)


def register_model(info: ModelInfo) -> None:
    """Add or replace an entry, for a model this package does not ship facts about."""
    MODELS[info.name] = info
