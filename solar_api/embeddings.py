"""Embedding helpers shared by the adapters: model names, batching, pooling, ordering."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from .types import EmbeddingResponse

__all__ = ["batches", "document_model", "query_model", "vectors_in_order"]


def query_model(model: str) -> str:
    """Upstage embeds queries and passages with two models: ``<model>-query``."""
    return model if model.endswith(("-query", "-passage")) else f"{model}-query"


def document_model(model: str) -> str:
    return model if model.endswith(("-query", "-passage")) else f"{model}-passage"


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
