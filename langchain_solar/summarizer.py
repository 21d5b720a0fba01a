"""`SolarSummarizer`: summaries as a Runnable, a document transformer and an agent tool."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.documents import BaseDocumentTransformer, Document
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field, model_validator
from typing_extensions import Self

from solar_api.progress import ProgressBar
from solar_api.summarize import SummaryPlan, asummarize, summarize

from ._settings import SolarConnection

__all__ = ["SolarSummarizer", "SolarSummaryTool"]

Text = str | Document


class SolarSummarizer(RunnableSerializable[Text, Text], BaseDocumentTransformer, SolarConnection):
    """Summarize text or documents with Solar.

    Example::

        from langchain_solar import SolarSummarizer

        summarizer = SolarSummarizer(format="bullets", length="short")
        print(summarizer.invoke(long_text))                 # str in, str out
        docs = summarizer.transform_documents(documents)    # Documents in, summaries out
        agent_tool = summarizer.as_agent_tool()

    ``model="solar-1-mini-summarization"`` on Upstage sends the Summarization API's
    request exactly; any other model (or provider) is prompted for the same ``format``
    and ``length``. Texts under 250 characters are a ``ValueError`` (the API's rule);
    longer-than-context texts are split, summarized in parallel and combined.
    """

    _model_words = (("model",), "chat")

    model: str = "solar-1-mini-chat"
    """Default: the provider's chat model. ``solar-1-mini-summarization`` (on any host)
    gets the Summarization API's body."""
    format: Literal["paragraph", "bullets", "auto"] = "auto"
    length: Literal["short", "medium", "long", "auto"] = "auto"
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    max_concurrency: int = Field(default=4, ge=1)
    """Parts of a long text (and documents) summarized at once."""
    show_progress: bool = False
    """Draw a progress bar on stderr while summarizing many documents or parts."""

    @model_validator(mode="after")
    def _setup_clients(self) -> Self:
        self._connect()
        return self

    @property
    def plan(self) -> SummaryPlan:
        return SummaryPlan(
            model=self.model,
            provider=self.provider_name,
            format=self.format,
            length=self.length,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
        )

    def summarize(self, text: str) -> str:
        return summarize(self._client, self.plan, text, max_concurrency=self.max_concurrency)

    async def asummarize(self, text: str) -> str:
        return await asummarize(
            self._async_client, self.plan, text, max_concurrency=self.max_concurrency
        )

    def _summarize_input(self, input: Text) -> Text:
        if isinstance(input, Document):
            return _summary_doc(input, self.summarize(input.page_content))
        return self.summarize(input)

    async def _asummarize_input(self, input: Text) -> Text:
        if isinstance(input, Document):
            return _summary_doc(input, await self.asummarize(input.page_content))
        return await self.asummarize(input)

    def invoke(self, input: Text, config: RunnableConfig | None = None, **kwargs: Any) -> Text:
        """A str gives its summary; a Document gives a Document holding the summary."""
        return self._call_with_config(self._summarize_input, input, config)

    async def ainvoke(
        self, input: Text, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Text:
        return await self._acall_with_config(self._asummarize_input, input, config)

    def transform_documents(
        self, documents: Sequence[Document], **kwargs: Any
    ) -> Sequence[Document]:
        bar = ProgressBar(len(documents), "Summarizing", enabled=self.show_progress)
        out = []
        try:
            for document in documents:
                out.append(_summary_doc(document, self.summarize(document.page_content)))
                bar.advance()
        finally:
            bar.close()
        return out

    async def atransform_documents(
        self, documents: Sequence[Document], **kwargs: Any
    ) -> Sequence[Document]:
        outs = await self.abatch(list(documents), config={"max_concurrency": self.max_concurrency})
        return [d for d in outs if isinstance(d, Document)]

    def as_agent_tool(self) -> SolarSummaryTool:
        """This summarizer as a LangChain tool an agent can call."""
        return SolarSummaryTool(summarizer=self)


def _summary_doc(document: Document, summary: str) -> Document:
    metadata = {**document.metadata, "summarized_chars": len(document.page_content)}
    return Document(page_content=summary, metadata=metadata, id=document.id)


class _SummaryArgs(BaseModel):
    text: str = Field(description="The text to summarize (at least 250 characters).")


class SolarSummaryTool(BaseTool):
    """Summarize a long text; wraps a `SolarSummarizer` for agents."""

    name: str = "solar_summarize"
    description: str = (
        "Summarize a long text (at least 250 characters). Input: the text. Output: its summary."
    )
    args_schema: type[BaseModel] = _SummaryArgs
    summarizer: SolarSummarizer

    def _run(self, text: str, **kwargs: Any) -> str:
        return self.summarizer.summarize(text)

    async def _arun(self, text: str, **kwargs: Any) -> str:
        return await self.summarizer.asummarize(text)
