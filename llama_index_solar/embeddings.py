"""`SolarEmbedding`: Solar embeddings as a LlamaIndex embedding model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import Field, model_validator

from solar_api.integration import Connection
from solar_api.tasks.embeddings import EmbeddingKind, EmbeddingPlan, aembed_texts, embed_texts

if TYPE_CHECKING:
    from dataclasses import InitVar

    from solar_api.integration import ALSO

__all__ = ["SolarEmbedding"]


class SolarEmbedding(BaseEmbedding, Connection):
    """Solar embeddings, or any OpenAI-compatible server's, for LlamaIndex.

    Upstage's ``solar-embedding-2`` (the default; also ``solar-embedding-1-large`` and
    ``embedding``, retiring on 2026-12-31) is a pair: queries go to ``<model>-query``,
    documents to ``<model>-passage``. Any other name is sent as given;
    ``query_model=``/``document_model=`` choose each side yourself.

    Example::

        from llama_index.core import Settings, VectorStoreIndex, Document
        from llama_index_solar import Solar, SolarEmbedding

        Settings.embed_model = SolarEmbedding()  # UPSTAGE_API_KEY
        Settings.llm = Solar()
        index = VectorStoreIndex.from_documents([Document(text="Solar Mini is fast.")])
        print(index.as_query_engine().query("Is Solar Mini fast?"))

        # NVIDIA NIM (input_type "query"/"passage" is sent for you)
        SolarEmbedding(provider="nvidia", model="nvidia/nv-embedqa-e5-v5")

    Batching follows LlamaIndex's ``embed_batch_size``, and each batch is packed within
    the model's per-request limits (Upstage: 100 inputs, under 204,800 tokens); order is
    kept. An empty text, or one over the model's window, is refused before any request
    (``truncate=True`` cuts the latter, with a warning). A server that
    returns one vector per token (llama.cpp) gets the normalised mean of them.
    """

    _model_words = (("model", "model_name"), "embedding")

    model_name: str = Field(default="solar-embedding-2", alias="model")
    if TYPE_CHECKING:  # also accepted as model_name, for type checkers (see solar_api._init_typing)
        _also_model_name: InitVar[str | None] = Field(default=ALSO, alias="model_name")
    query_model: str | None = Field(
        default=None, description="The model for queries; default <model>-query for the pair."
    )
    document_model: str | None = Field(
        default=None, description="The model for documents; default <model>-passage for the pair."
    )
    model_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra request-body fields, merged last."
    )
    truncate: bool = Field(
        default=False,
        description="Cut a text over the model's window to fit (with a warning) instead of "
        "refusing it.",
    )

    @model_validator(mode="after")
    def _check_plan(self) -> SolarEmbedding:
        self._params("query")  # a clashing model_kwargs fails here, before any request
        return self

    @classmethod
    def class_name(cls) -> str:
        return "SolarEmbedding"

    def _params(self, kind: EmbeddingKind) -> dict[str, Any]:
        return EmbeddingPlan(
            model=self.model_name,
            provider=self.provider_name,
            query_model=self.query_model,
            document_model=self.document_model,
            model_kwargs=self.model_kwargs,
        ).params(kind)

    def _embed(self, texts: list[str], kind: EmbeddingKind) -> list[list[float]]:
        batch = max(1, len(texts))  # LlamaIndex batches by embed_batch_size already
        return embed_texts(
            self._client, texts, self._params(kind), batch_size=batch, truncate=self.truncate
        )

    async def _aembed(self, texts: list[str], kind: EmbeddingKind) -> list[list[float]]:
        return await aembed_texts(
            self._async_client,
            texts,
            self._params(kind),
            batch_size=max(1, len(texts)),
            truncate=self.truncate,
        )

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query], "query")[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return (await self._aembed([query], "query"))[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text], "passage")[0]

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return (await self._aembed([text], "passage"))[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, "passage")

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return await self._aembed(texts, "passage")
