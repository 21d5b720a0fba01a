"""Embedding helpers shared by the adapters: model names, batching, pooling, ordering."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..providers._registry import MODELS
from ..types import EmbeddingResponse

__all__ = ["EmbeddingPlan", "batches", "document_model", "query_model", "vectors_in_order"]

EmbeddingKind = Literal["query", "passage"]

# Body fields the plan sets itself; model_kwargs may add any other.
_SET_BY_PLAN = {"model", "input"}


def _paired(model: str, kind: EmbeddingKind) -> str | None:
    """``<model>-<kind>`` when the registry lists it as an embedding model (Upstage's
    ``solar-embedding-1-large`` family embeds queries and passages with two models)."""
    if model.endswith(("-query", "-passage")):
        return None
    name = f"{model}-{kind}"
    info = MODELS.get(name)
    return name if info is not None and info.embedding else None


def query_model(model: str) -> str:
    """The model that embeds queries: ``<model>-query`` for a registered pair, else `model`."""
    return _paired(model, "query") or model


def document_model(model: str) -> str:
    """The model that embeds documents: ``<model>-passage`` for a registered pair."""
    return _paired(model, "passage") or model


@dataclass(frozen=True)
class EmbeddingPlan:
    """What an embedding request sends for queries and for documents.

    ``model`` names the pair (``solar-embedding-1-large``) or one model for both
    (any other name is sent as given); ``query_model``/``document_model`` override either
    side. NVIDIA NIM is told which side a text is on (``input_type``), as its API asks
    for asymmetric models; ``model_kwargs`` adds body fields and may set it itself.
    """

    model: str
    provider: str = "upstage"
    query_model: str | None = None
    document_model: str | None = None
    model_kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clash = _SET_BY_PLAN & set(self.model_kwargs)
        if clash:
            raise ValueError(
                f"model_kwargs: {sorted(clash)} are set by the embeddings class; use model= "
                "(or query_model=/document_model=) instead"
            )

    def params(self, kind: EmbeddingKind) -> dict[str, Any]:
        """The request fields for one side, without ``input``."""
        if kind == "query":
            model = self.query_model or query_model(self.model)
        else:
            model = self.document_model or document_model(self.model)
        out: dict[str, Any] = {"model": model}
        if self.provider == "nvidia":
            out["input_type"] = kind
        return out | dict(self.model_kwargs)


def batches(texts: Sequence[str], size: int) -> Iterator[list[str]]:
    if size < 1:
        raise ValueError(f"batch_size: got {size}; expected an integer >= 1")
    for start in range(0, len(texts), size):
        yield list(texts[start : start + size])


def _mean_pool(rows: list[list[float]]) -> list[float]:
    # llama.cpp's server returns one vector per token for models without a pooling
    # layer; the mean of the token vectors, L2-normalised, is the text's vector.
    if not rows:
        raise ValueError("The server returned an empty per-token embedding.")
    width = len(rows[0])
    sums = [0.0] * width
    for row in rows:
        for i, value in enumerate(row):
            sums[i] += value
    mean = [s / len(rows) for s in sums]
    norm = math.sqrt(sum(v * v for v in mean)) or 1.0
    return [v / norm for v in mean]


def vectors_in_order(response: EmbeddingResponse, expected: int) -> list[list[float]]:
    """One vector per input, in input order, whatever order the server used."""
    if len(response.data) != expected:
        raise ValueError(
            f"The server returned {len(response.data)} embeddings for {expected} inputs."
        )
    out: list[list[float]] = []
    for item in sorted(response.data, key=lambda d: d.index):
        vector = item.embedding
        if isinstance(vector, str):
            raise ValueError("Base64 embeddings are not requested by this client.")
        if vector and isinstance(vector[0], list):
            out.append(_mean_pool(vector))  # type: ignore[arg-type]
        else:
            out.append([float(v) for v in vector])  # type: ignore[arg-type]
    return out
