"""`SolarEmbeddings`: Upstage's Solar embeddings (or any OpenAI-compatible server's)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from langchain_core.embeddings import Embeddings
from pydantic import AliasChoices, Field, model_validator

from solar_api.integration import Connection
from solar_api.tasks.embeddings import EmbeddingKind, EmbeddingPlan, aembed_texts, embed_texts

from ._errors import langchain_errors

if TYPE_CHECKING:
    from dataclasses import InitVar

    from solar_api.integration import ALSO

__all__ = ["SolarEmbeddings"]


class SolarEmbeddings(Connection, Embeddings):
    """Solar embeddings, or any OpenAI-compatible server's.

    Upstage's ``solar-embedding-2`` (the default; also ``solar-embedding-1-large`` and
    ``embedding``, retiring on 2026-12-31) is a pair: queries go to ``<model>-query``,
    documents to ``<model>-passage``. Any other name is sent as given;
    ``query_model=``/``document_model=`` choose each side yourself.

    Example::

        from langchain_solar import SolarEmbeddings

        embeddings = SolarEmbeddings()  # solar-embedding-2-*, reads UPSTAGE_API_KEY
        vectors = embeddings.embed_documents(["Solar is a small LLM.", "It is fast."])
        query = embeddings.embed_query("What is Solar?")

        # NVIDIA NIM (input_type "query"/"passage" is sent for you)
        SolarEmbeddings(provider="nvidia", model="nvidia/nv-embedqa-e5-v5",
                        model_kwargs={"truncate": "END"})

    Documents are packed into requests of at most ``batch_size`` texts and within the
    model's per-request limits (Upstage: 100 inputs, under 204,800 tokens), order kept;
    async requests run at most ``max_concurrency`` at a time. An empty text, or one over
    the model's window, is refused before any request (``truncate=True`` cuts the
    latter, with a warning). A server that returns one vector per token
    (llama.cpp for models without pooling) gets the normalised mean of them.
    """

    _model_words = (("model",), "embedding")
    _extra_words_into = "model_kwargs"

    model: str = "solar-embedding-2"
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
    if TYPE_CHECKING:  # the alternate name, for type checkers (see solar_api._init_typing)
        _also_embed_batch_size: InitVar[int] = Field(default=ALSO, alias="embed_batch_size")
    max_concurrency: int = Field(default=4, ge=1)
    truncate: bool = False
    """Cut a text over the model's window to fit (with a warning) instead of refusing it."""

    @model_validator(mode="after")
    def _check_plan(self) -> Self:
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

    def _embed(self, texts: list[str], kind: EmbeddingKind) -> list[list[float]]:
        return embed_texts(
            self._client,
            texts,
            self._params(kind),
            batch_size=self.batch_size,
            truncate=self.truncate,
        )

    async def _aembed(self, texts: list[str], kind: EmbeddingKind) -> list[list[float]]:
        return await aembed_texts(
            self._async_client,
            texts,
            self._params(kind),
            batch_size=self.batch_size,
            truncate=self.truncate,
            max_concurrency=self.max_concurrency,
        )

    @langchain_errors
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, "passage")

    @langchain_errors
    def embed_query(self, text: str) -> list[float]:
        return self._embed([text], "query")[0]

    @langchain_errors
    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await self._aembed(texts, "passage")

    @langchain_errors
    async def aembed_query(self, text: str) -> list[float]:
        return (await self._aembed([text], "query"))[0]
