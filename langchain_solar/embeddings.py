"""`SolarEmbeddings`: Upstage's Solar embeddings (or any OpenAI-compatible server's)."""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.embeddings import Embeddings
from pydantic import AliasChoices, Field, model_validator
from typing_extensions import Self

from solar_api.tasks.embeddings import EmbeddingKind, EmbeddingPlan, batches, vectors_in_order

from ._errors import langchain_errors
from ._settings import SolarConnection

__all__ = ["SolarEmbeddings"]


class SolarEmbeddings(SolarConnection, Embeddings):
    """Solar embeddings, or any OpenAI-compatible server's.

    Upstage's ``solar-embedding-1-large`` (and ``embedding``) is a pair: queries go to
    ``<model>-query``, documents to ``<model>-passage``. Any other name is sent as given;
    ``query_model=``/``document_model=`` choose each side yourself.

    Example::

        from langchain_solar import SolarEmbeddings

        embeddings = SolarEmbeddings(model="solar-embedding-1-large")  # UPSTAGE_API_KEY
        vectors = embeddings.embed_documents(["Solar is a small LLM.", "It is fast."])
        query = embeddings.embed_query("What is Solar?")

        # NVIDIA NIM (input_type "query"/"passage" is sent for you)
        SolarEmbeddings(provider="nvidia", model="nvidia/nv-embedqa-e5-v5",
                        model_kwargs={"truncate": "END"})

    Documents are sent in batches of ``batch_size`` (order is kept); async batches run
    at most ``max_concurrency`` at a time. A server that returns one vector per token
    (llama.cpp for models without pooling) gets the normalised mean of them.
    """

    _model_words = (("model",), "embedding")

    model: str = "solar-embedding-1-large"
    """Default: the provider's embedding family (a provider without one asks for model=)."""
    query_model: str | None = None
    """The model for queries; by default ``<model>-query`` for Upstage's pair, else model."""
    document_model: str | None = None
    """The model for documents; by default ``<model>-passage`` for Upstage's pair."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra request-body fields (NIM's ``truncate``, ``dimensions``...); merged last."""
    batch_size: int = Field(
        default=100, ge=1, validation_alias=AliasChoices("batch_size", "embed_batch_size")
    )
    """Texts per request; also ``embed_batch_size`` (UpstageEmbeddings' name)."""
    max_concurrency: int = Field(default=4, ge=1)

    @model_validator(mode="after")
    def _setup_clients(self) -> Self:
        self._connect()
        self._plan()  # a clashing model_kwargs fails here, before any request
        return self

    def _plan(self) -> EmbeddingPlan:
        return EmbeddingPlan(
            model=self.model,
            provider=self.provider_name,
            query_model=self.query_model,
            document_model=self.document_model,
            model_kwargs=self.model_kwargs,
        )

    def _params(self, kind: EmbeddingKind) -> dict[str, Any]:
        return self._plan().params(kind)

    @langchain_errors
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        params = self._params("passage")
        out: list[list[float]] = []
        for batch in batches(texts, self.batch_size):
            out.extend(vectors_in_order(self._client.embed(input=batch, **params), len(batch)))
        return out

    @langchain_errors
    def embed_query(self, text: str) -> list[float]:
        response = self._client.embed(input=[text], **self._params("query"))
        return vectors_in_order(response, 1)[0]

    @langchain_errors
    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        params = self._params("passage")
        limit = asyncio.Semaphore(self.max_concurrency)

        async def one(batch: list[str]) -> list[list[float]]:
            async with limit:
                return vectors_in_order(
                    await self._async_client.embed(input=batch, **params), len(batch)
                )

        results = await asyncio.gather(*(one(b) for b in batches(texts, self.batch_size)))
        return [vector for batch in results for vector in batch]

    @langchain_errors
    async def aembed_query(self, text: str) -> list[float]:
        response = await self._async_client.embed(input=[text], **self._params("query"))
        return vectors_in_order(response, 1)[0]
