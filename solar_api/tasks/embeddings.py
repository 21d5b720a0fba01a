"""Embedding helpers shared by the adapters: model names, packing, pooling, ordering.

Requests are packed within the model's per-request limits, which the registry holds
(Upstage's embeddings: at most 100 inputs and under 204,800 tokens per request, each
input non-empty and within the model's window; console.upstage.ai/api/embeddings, read
2026-12-06). Token counts are the calibrated estimate (`tokens.py`), and a request is
filled to at most 90% of the token limit, since Upstage's tokenizer is not the one the
estimate was calibrated on. An input over the window is refused before any request,
naming its index and estimate, unless ``truncate=True`` asks for it to be cut (with a
warning). Other models' limits are unknown: their batches are cut by count only.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..errors import APIResponseValidationError
from ..providers._presets import preset_named
from ..providers._registry import MODELS
from ..types import EmbeddingResponse
from .tokens import EstimatedTokens, TokenCounter

if TYPE_CHECKING:
    from ..async_client import AsyncSolarClient
    from ..client import SolarClient

__all__ = [
    "EmbeddingLimits",
    "EmbeddingPlan",
    "aembed_texts",
    "document_model",
    "embed_texts",
    "pack",
    "query_model",
    "vectors_in_order",
]

logger = logging.getLogger("solar_api")

# The share of a request's token limit a packed request fills (see above).
TOKEN_MARGIN = 0.9

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
        preset = preset_named(self.provider)
        if preset is not None and preset.embedding_input_type:
            out["input_type"] = kind
        return out | dict(self.model_kwargs)


def _mean_pool(rows: list[list[float]]) -> list[float]:
    # llama.cpp's server returns one vector per token for models without a pooling
    # layer; the mean of the token vectors, L2-normalised, is the text's vector.
    if not rows:
        raise APIResponseValidationError("The server returned an empty per-token embedding.")
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
        raise APIResponseValidationError(
            f"The server returned {len(response.data)} embeddings for {expected} inputs."
        )
    out: list[list[float]] = []
    for item in sorted(response.data, key=lambda d: d.index):
        vector = item.embedding
        if isinstance(vector, str):
            raise APIResponseValidationError(
                "The server returned a base64 embedding, which this client does not ask for."
            )
        if vector and isinstance(vector[0], list):
            out.append(_mean_pool(vector))  # type: ignore[arg-type]
        else:
            out.append([float(v) for v in vector])  # type: ignore[arg-type]
    return out


@dataclass(frozen=True)
class EmbeddingLimits:
    """What one request to a model may carry; None: not known (not checked)."""

    inputs: int | None = None
    tokens: int | None = None
    input_tokens: int | None = None

    @classmethod
    def of(cls, model: str) -> EmbeddingLimits:
        info = MODELS.get(model)
        if info is None or not info.embedding:
            return cls()
        return cls(info.batch_inputs, info.batch_tokens, info.context_window)


def _truncated(text: str, limit: int, counter: TokenCounter) -> str:
    # The estimate grows with the text, so a prefix is cut down until it fits.
    cut = text[: max(1, len(text) * limit // max(1, counter.count(text)))]
    while cut and counter.count(cut) > limit:
        cut = cut[: int(len(cut) * 0.95)]
    return cut


def pack(
    texts: Sequence[str],
    model: str,
    *,
    batch_size: int,
    truncate: bool = False,
    counter: TokenCounter | None = None,
) -> list[list[str]]:
    """`texts` in requests within `model`'s limits and `batch_size`, order kept.

    Raises ``ValueError`` before any request for an empty input, or one over the model's
    window when `truncate` is False; with `truncate`, such an input is cut to fit (logged
    at WARNING, naming its index).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size: got {batch_size}; expected an integer >= 1")
    limits = EmbeddingLimits.of(model)
    counter = counter or EstimatedTokens()
    per_request = min(batch_size, limits.inputs or batch_size)
    budget = int(limits.tokens * TOKEN_MARGIN) if limits.tokens else None
    out: list[list[str]] = []
    batch: list[str] = []
    used = 0
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text:
            raise ValueError(
                f"texts[{i}]: got {text!r}; expected a non-empty string (embedding APIs "
                "refuse empty inputs); leave it out or replace it"
            )
        n = counter.count(text) if (budget or limits.input_tokens) else 0
        window = limits.input_tokens
        if window is not None and n > window:
            if not truncate:
                raise ValueError(
                    f"texts[{i}]: about {n} tokens (estimated), over {model}'s limit of "
                    f"{window} per input; split it first, or pass truncate=True to cut it "
                    "to fit (with a warning)"
                )
            text = _truncated(text, window, counter)
            logger.warning(
                "texts[%d]: about %d tokens, over %s's limit of %d per input; cut to its "
                "first %d characters (truncate=True)",
                i,
                n,
                model,
                window,
                len(text),
            )
            n = counter.count(text)
        if batch and (len(batch) >= per_request or (budget is not None and used + n > budget)):
            out.append(batch)
            batch, used = [], 0
        batch.append(text)
        used += n
    if batch:
        out.append(batch)
    return out


def embed_texts(
    client: SolarClient,
    texts: Sequence[str],
    params: Mapping[str, Any],
    *,
    batch_size: int,
    truncate: bool = False,
) -> list[list[float]]:
    """One vector per text, in order: packed requests sent one after another."""
    out: list[list[float]] = []
    for batch in pack(texts, str(params["model"]), batch_size=batch_size, truncate=truncate):
        out.extend(vectors_in_order(client.embed(input=batch, **params), len(batch)))
    return out


async def aembed_texts(
    client: AsyncSolarClient,
    texts: Sequence[str],
    params: Mapping[str, Any],
    *,
    batch_size: int,
    truncate: bool = False,
    max_concurrency: int = 4,
) -> list[list[float]]:
    """The async twin of `embed_texts`: at most `max_concurrency` requests at a time."""
    packed = pack(texts, str(params["model"]), batch_size=batch_size, truncate=truncate)
    limit = asyncio.Semaphore(max(1, max_concurrency))

    async def one(batch: list[str]) -> list[list[float]]:
        async with limit:
            return vectors_in_order(await client.embed(input=batch, **params), len(batch))

    results = await asyncio.gather(*(one(b) for b in packed))
    return [vector for batch in results for vector in batch]
