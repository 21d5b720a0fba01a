"""`SolarEmbedding`: Solar embeddings as a LlamaIndex embedding model."""

from __future__ import annotations

from typing import Any, Literal

import httpx
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import Field, PrivateAttr, SecretStr, model_validator

from solar_api import AsyncSolarClient, SolarClient
from solar_api.embeddings import document_model, query_model, vectors_in_order
from solar_api.factory import build_clients

__all__ = ["SolarEmbedding"]


class SolarEmbedding(BaseEmbedding):
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

    model_name: str = Field(default="solar-embedding-1-large", alias="model")
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    base_url: str | None = Field(default=None, alias="api_base")
    provider: Literal["upstage", "nvidia", "julep", "local", "openai_compatible"] | None = None
    timeout: float | None = Field(default=None, gt=0)
    max_retries: int = Field(default=2, ge=0)
    default_headers: dict[str, str] | None = None
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)

    _client: SolarClient = PrivateAttr()
    _async_client: AsyncSolarClient = PrivateAttr()

    model_config = {"populate_by_name": True, "arbitrary_types_allowed": True}

    @model_validator(mode="after")
    def _setup_clients(self) -> SolarEmbedding:
        clients = build_clients(
            provider=self.provider,
            base_url=self.base_url,
            api_key=self.api_key,
            timeout=self.timeout,
            max_retries=self.max_retries,
            default_headers=self.default_headers,
            http_client=self.http_client,
            http_async_client=self.http_async_client,
        )
        self.api_key = clients.endpoint.api_key
        self.base_url = clients.endpoint.base_url
        self._client = clients.sync
        self._async_client = clients.async_
        return self

    @classmethod
    def class_name(cls) -> str:
        return "SolarEmbedding"

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        fields = dict(state["__dict__"])
        fields.update(api_key=None, http_client=None, http_async_client=None)
        return {**state, "__dict__": fields, "__pydantic_private__": {}}

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
