"""The model a class uses when none is given: its provider's, never another host's.

Chat classes take ``Provider.default_model``. Completions (``SolarLLM``) take a model the
registry marks as served on ``/completions`` for that provider; a local or unknown
OpenAI-compatible server serves ``/completions`` for the models it has, so its default
chat model is used. Embeddings take the provider's embedding family. Where a provider
has no such model the answer is a ``ValueError`` asking for ``model=``, before any request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ._presets import infer_provider
from ._registry import MODELS

__all__ = ["BASE_URL_WORDS", "ModelKind", "default_model", "fill_default_model"]

ModelKind = Literal["chat", "completions", "embedding"]

# The constructor words a base URL may be given by (see the settings classes).
BASE_URL_WORDS = ("base_url", "api_base", "upstage_api_base")


def default_model(provider: str | None, base_url: str | None, kind: ModelKind) -> str:
    preset = infer_provider(provider, base_url)
    if kind == "chat":
        return preset.default_model
    if kind == "completions":
        for info in MODELS.values():
            if info.provider == preset.name and info.completions:
                return info.name
        if preset.serves_any_model:
            return preset.default_model
        raise ValueError(
            f"model: provider {preset.name!r} has no completions (/completions) model this "
            "package knows; pass model=... (Julep's julep-ai/samantha-1-turbo is one), or "
            "use ChatSolar for chat models"
        )
    if preset.default_embedding_model is not None:
        return preset.default_embedding_model
    raise ValueError(
        f"model: provider {preset.name!r} has no default embedding model; pass model=... "
        "with a model that provider serves"
    )


def fill_default_model(values: Any, words: tuple[str, ...], kind: ModelKind) -> Any:
    """Constructor `values` with ``words[0]`` set to the provider's default model when
    none of `words` is given."""
    if not isinstance(values, Mapping) or any(values.get(w) is not None for w in words):
        return values
    base_url = next((values[w] for w in BASE_URL_WORDS if values.get(w)), None)
    provider = values.get("provider")
    return {
        **values,
        words[0]: default_model(
            provider if isinstance(provider, str) else None,
            base_url if isinstance(base_url, str) else None,
            kind,
        ),
    }
