"""LlamaIndex pipeline pieces: summaries into node metadata, and Solar as agent tools."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any, Literal

from llama_index.core.bridge.pydantic import BaseModel, Field
from llama_index.core.schema import BaseNode, MetadataMode, TransformComponent
from llama_index.core.tools.tool_spec.base import BaseToolSpec

from solar_api.integration import Connection, SummaryProgress
from solar_api.tasks.summarize import (
    MIN_CHARS,
    SummaryOptions,
    SummaryPlan,
    asummarize,
    summarize,
)
from solar_api.tasks.translate import TranslationPlan, Translator

__all__ = ["SolarSummaryTransform", "SolarToolSpec"]


class SolarSummaryTransform(TransformComponent, Connection, SummaryOptions):
    """Write a Solar summary of each node into ``node.metadata[summary_key]``.

    Example::

        from llama_index.core.ingestion import IngestionPipeline
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index_solar import SolarSummaryTransform

        pipeline = IngestionPipeline(
            transformations=[SentenceSplitter(), SolarSummaryTransform(length="short")]
        )
        nodes = pipeline.run(documents=documents)
        print(nodes[0].metadata["summary"])

    Nodes shorter than 250 characters (the Summarization API's minimum) keep their own
    text as the summary. ``show_progress=True`` (or the pipeline's) shows a tqdm bar over
    the parts of the nodes' texts (a widget in notebooks).
    """

    _model_words = (("model",), "chat")

    model: str = "solar-mini4"
    # format, length, temperature and max_tokens: from SummaryOptions.
    summary_key: str = "summary"
    max_concurrency: int = Field(default=4, ge=1)
    show_progress: bool = False

    @classmethod
    def class_name(cls) -> str:
        return "SolarSummaryTransform"

    @property
    def plan(self) -> SummaryPlan:
        return self.summary_plan(self.model, self._client)

    def _bar(self, nodes: Sequence[BaseNode], kwargs: dict[str, Any]) -> SummaryProgress:
        # IngestionPipeline.run(show_progress=True) passes it to every transformation.
        enabled = self.show_progress or bool(kwargs.get("show_progress"))
        return SummaryProgress(len(nodes), enabled=enabled)

    def __call__(self, nodes: Sequence[BaseNode], **kwargs: Any) -> Sequence[BaseNode]:
        plan = self.plan
        with self._bar(nodes, kwargs) as bar:
            for node in nodes:
                text = node.get_content(metadata_mode=MetadataMode.NONE)
                progress = bar.text()
                if len(text) >= MIN_CHARS:
                    text = summarize(
                        self._client,
                        plan,
                        text,
                        max_concurrency=self.max_concurrency,
                        on_progress=progress,
                    )
                node.metadata[self.summary_key] = text
                progress.finish()
        return nodes

    async def acall(self, nodes: Sequence[BaseNode], **kwargs: Any) -> Sequence[BaseNode]:
        plan = self.plan
        limit = asyncio.Semaphore(self.max_concurrency)

        with self._bar(nodes, kwargs) as bar:

            async def one(node: BaseNode) -> None:
                text = node.get_content(metadata_mode=MetadataMode.NONE)
                progress = bar.text()
                if len(text) >= MIN_CHARS:
                    async with limit:
                        text = await asummarize(
                            self._async_client, plan, text, on_progress=progress
                        )
                node.metadata[self.summary_key] = text
                progress.finish()

            await asyncio.gather(*(one(n) for n in nodes))
        return nodes


class SolarToolSpec(BaseToolSpec):
    """Summarization and English<->Korean translation as LlamaIndex agent tools.

    Example::

        from llama_index.core.agent.workflow import FunctionAgent
        from llama_index_solar import Solar, SolarToolSpec

        tools = SolarToolSpec().to_tool_list()
        agent = FunctionAgent(tools=tools, llm=Solar())

    Takes the connection words of the other classes (``provider``, ``api_key``,
    ``base_url``, ``timeout``, ``max_retries``...) and ``chat_model``.
    ``information_extraction=True`` (or an ``extraction_schema``, a pydantic model or a
    JSON schema) adds ``extract_information``: Upstage Information Extraction from a
    document's path or URL.
    """

    spec_functions = [
        "summarize",
        "translate_en_to_ko",
        "translate_ko_to_en",
    ]

    def __init__(
        self,
        *,
        chat_model: str | None = None,
        summary_format: Literal["paragraph", "bullets", "auto"] = "auto",
        summary_length: Literal["short", "medium", "long", "auto"] = "auto",
        information_extraction: bool = False,
        extraction_schema: type[BaseModel] | dict[str, Any] | None = None,
        **connection: Any,
    ) -> None:
        self._extraction_schema = extraction_schema
        if information_extraction or extraction_schema is not None:
            self.spec_functions = [*type(self).spec_functions, "extract_information"]
        self._connection = Connection(**connection)
        provider = self._connection.provider_name
        # The provider's own chat model unless one is named.
        chat_model = chat_model or self._connection.client.provider.default_model
        base_url = self._connection.client.base_url
        self._summary = SummaryPlan(
            model=chat_model, provider=provider, format=summary_format, length=summary_length
        )
        self._translators = {
            d: Translator(
                TranslationPlan(direction=d, provider=provider, chat_model=chat_model),
                base_url=base_url,
            )
            for d in ("en-ko", "ko-en")
        }

    def summarize(self, text: str) -> str:
        """Summarize a long text (at least 250 characters) and return the summary."""
        return summarize(self._connection.client, self._summary, text)

    def translate_en_to_ko(self, text: str) -> str:
        """Translate English text into Korean and return the translation."""
        return self._translators["en-ko"].translate(self._connection.client, text)

    def translate_ko_to_en(self, text: str) -> str:
        """Translate Korean text into English and return the translation."""
        return self._translators["ko-en"].translate(self._connection.client, text)

    def extract_information(self, document: str, json_schema: dict[str, Any] | None = None) -> str:
        """Extract structured information from a document (a file path or an http(s) URL
        of a PDF, image or office file) and return it as JSON. json_schema: a JSON schema
        of what to extract; may be left out when the tool has its own."""
        from solar_api.documents import extract_information

        schema = json_schema or self._extraction_schema
        if schema is None:
            raise ValueError("json_schema: required, since the tool has no schema of its own")
        result = extract_information(self._connection.client, document, schema)
        if isinstance(result, BaseModel):
            return result.model_dump_json()
        return json.dumps(result, ensure_ascii=False)
