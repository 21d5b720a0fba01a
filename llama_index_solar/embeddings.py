"""`SolarEmbedding`: Solar embeddings as a LlamaIndex embedding model."""

from __future__ import annotations

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import Field, model_validator

from solar_api.embeddings import document_model, query_model, vectors_in_order

from ._settings import SolarConnection

__all__ = ["SolarEmbedding"]


class SolarEmbedding(BaseEmbedding, SolarConnection):
    """Solar embeddings: queries to ``<model>-query``, documents to ``<model>-passage``.

    Example::

        from llama_index.core import Settings, VectorStoreIndex, Document
        from llama_index_solar import Solar, SolarEmbedding

        Settings.embed_model = SolarEmbedding()  # UPSTAGE_API_KEY
        Settings.llm = Solar()
        index = VectorStoreIndex.from_documents([Document(text="Solar Mini is fast.")])
        print(index.as_query_engine().query("Is Solar Mini fast?"))

    Batching follows LlamaIndex's ``embed_batch_size``; order is kept. A server that
    returns one vector per token (llama.cpp) gets the normalised mean of them.
    """

    _model_words = (("model", "model_name"), "embedding")

    model_name: str = Field(default="solar-embedding-1-large", alias="model")

    @model_validator(mode="after")
    def _setup_clients(self) -> SolarEmbedding:
        self._connect()
        return self

    @classmethod
    def class_name(cls) -> str:
        return "SolarEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        response = self._client.embed(model=query_model(self.model_name), input=[query])
        return vectors_in_order(response, 1)[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        response = await self._async_client.embed(model=query_model(self.model_name), input=[query])
        return vectors_in_order(response, 1)[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return (await self._aget_text_embeddings([text]))[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        response = self._client.embed(model=document_model(self.model_name), input=texts)
        return vectors_in_order(response, len(texts))

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        response = await self._async_client.embed(
            model=document_model(self.model_name), input=texts
        )
        return vectors_in_order(response, len(texts))
