"""`SolarSummarizer`: summaries as a Runnable, a document transformer and an agent tool."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForChainRun,
    AsyncCallbackManagerForToolRun,
    CallbackManagerForChainRun,
    CallbackManagerForToolRun,
)
from langchain_core.documents import BaseDocumentTransformer, Document
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field, PrivateAttr

from solar_api.integration import Connection, SummaryProgress, TextProgress
from solar_api.tasks.summarize import (
    MIN_CHARS,
    SummaryOptions,
    SummaryPlan,
    asummarize,
    summarize,
)
from solar_api.types import ChatCompletionRequest

from ._inner_chat import InnerChat, astream_from, child_config, stream_from
from ._tool_errors import as_tool_error

__all__ = ["SolarSummarizer", "SolarSummaryTool"]

Text = str | Document


class SolarSummarizer(
    RunnableSerializable[Text, Text], BaseDocumentTransformer, Connection, SummaryOptions
):
    """Summarize text or documents with Solar.

    Example::

        from langchain_solar import SolarSummarizer

        summarizer = SolarSummarizer(format="bullets", length="short")
        print(summarizer.invoke(long_text))                 # str in, str out
        for token in summarizer.stream(long_text):          # the summary as it is written
            print(token, end="")
        docs = summarizer.transform_documents(documents)    # Documents in, summaries out
        agent_tool = summarizer.as_agent_tool()

    ``model="solar-1-mini-summarization"`` on Upstage sends the Summarization API's
    request exactly; any other model (or provider) is prompted for the same ``format``
    and ``length``. A text under 250 characters is a ``ValueError`` (the API's rule);
    in ``transform_documents`` such a document is its own summary (with a warning).
    Longer-than-context texts are split, summarized in parallel and combined. Each model
    call is a ``ChatSolar`` run inside this runnable's run, so callbacks, usage and
    ``astream_events`` see it.
    """

    _model_words = (("model",), "chat")

    model: str = "solar-mini4"
    """Default: the provider's chat model. ``solar-1-mini-summarization`` (on any host)
    gets the Summarization API's body; where it is refused as retired, the provider's
    chat model is prompted instead (one warning)."""
    # format, length, temperature and max_tokens: from SummaryOptions.
    max_concurrency: int = Field(default=4, ge=1)
    """Parts of a long text (and documents) summarized at once."""
    show_progress: bool = False
    """Show a tqdm bar (a widget in notebooks) over the parts of the texts summarized."""

    _chat: InnerChat | None = PrivateAttr(default=None)

    @property
    def plan(self) -> SummaryPlan:
        return self.summary_plan(self.model, self._client)

    def _inner(self) -> InnerChat:
        chat: InnerChat | None = getattr(self, "_chat", None)  # unset after unpickling
        if chat is None or chat.model.client is not self.client:
            chat = self._chat = InnerChat(self, self.model)
        return chat

    # -- the summary of one text --------------------------------------------------------
    def summarize(
        self,
        text: str,
        config: RunnableConfig | None = None,
        *,
        on_progress: TextProgress | None = None,
    ) -> str:
        """The summary of `text`; its model calls are runs under `config`'s callbacks."""
        if on_progress is None and self.show_progress:
            with SummaryProgress(1, enabled=True) as bar:
                progress = bar.text()
                summary = self.summarize(text, config, on_progress=progress)
                progress.finish()
                return summary
        chat, cfg = self._inner(), config or {}
        return summarize(
            lambda r: chat.invoke(r, cfg),
            self.plan,
            text,
            max_concurrency=self.max_concurrency,
            on_progress=on_progress,
        )

    async def asummarize(
        self,
        text: str,
        config: RunnableConfig | None = None,
        *,
        on_progress: TextProgress | None = None,
    ) -> str:
        if on_progress is None and self.show_progress:
            with SummaryProgress(1, enabled=True) as bar:
                progress = bar.text()
                summary = await self.asummarize(text, config, on_progress=progress)
                progress.finish()
                return summary
        chat, cfg = self._inner(), config or {}

        async def call(request: ChatCompletionRequest) -> str:
            return await chat.ainvoke(request, cfg)

        return await asummarize(
            call, self.plan, text, max_concurrency=self.max_concurrency, on_progress=on_progress
        )

    # -- Runnable --------------------------------------------------------------------
    def _summarize_input(
        self,
        input: Text,
        run_manager: CallbackManagerForChainRun,
        config: RunnableConfig,
    ) -> Text:
        text = input.page_content if isinstance(input, Document) else input
        summary = self.summarize(text, child_config(config, run_manager))
        return _summary_doc(input, summary) if isinstance(input, Document) else summary

    async def _asummarize_input(
        self,
        input: Text,
        run_manager: AsyncCallbackManagerForChainRun,
        config: RunnableConfig,
    ) -> Text:
        text = input.page_content if isinstance(input, Document) else input
        summary = await self.asummarize(text, child_config(config, run_manager))
        return _summary_doc(input, summary) if isinstance(input, Document) else summary

    def invoke(self, input: Text, config: RunnableConfig | None = None, **kwargs: Any) -> Text:
        """A str gives its summary; a Document gives a Document holding the summary."""
        return self._call_with_config(self._summarize_input, input, config)

    async def ainvoke(
        self, input: Text, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Text:
        return await self._acall_with_config(self._asummarize_input, input, config)

    def stream(
        self, input: Text, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Text]:
        """The summary's tokens as the model writes them (a Document: one Document)."""
        if isinstance(input, Document):
            yield self.invoke(input, config)
            return
        yield from self._transform_stream_with_config(iter([input]), self._stream_text, config)

    async def astream(
        self, input: Text, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Text]:
        if isinstance(input, Document):
            yield await self.ainvoke(input, config)
            return

        async def inputs() -> AsyncIterator[Text]:
            yield input

        async for token in self._atransform_stream_with_config(
            inputs(), self._astream_text, config
        ):
            yield token

    def _stream_text(
        self,
        inputs: Iterator[Text],
        run_manager: CallbackManagerForChainRun,
        config: RunnableConfig,
    ) -> Iterator[str]:
        text = str(next(inputs))
        chat, cfg = self._inner(), child_config(config, run_manager)
        yield from stream_from(
            lambda on_token: summarize(
                lambda r: chat.invoke(r, cfg),
                self.plan,
                text,
                max_concurrency=self.max_concurrency,
                final_call=lambda r: chat.stream(r, cfg, on_token),
            )
        )

    async def _astream_text(
        self,
        inputs: AsyncIterator[Text],
        run_manager: AsyncCallbackManagerForChainRun,
        config: RunnableConfig,
    ) -> AsyncIterator[str]:
        text = ""
        async for item in inputs:
            text = str(item)
        chat, cfg = self._inner(), child_config(config, run_manager)

        async def call(request: ChatCompletionRequest) -> str:
            return await chat.ainvoke(request, cfg)

        async def run(on_token: Callable[[str], Awaitable[None]]) -> str:
            async def final(request: ChatCompletionRequest) -> str:
                return await chat.astream(request, cfg, on_token)

            return await asummarize(
                call, self.plan, text, max_concurrency=self.max_concurrency, final_call=final
            )

        async for token in astream_from(run):
            yield token

    # -- documents -----------------------------------------------------------------------
    def transform_documents(
        self, documents: Sequence[Document], **kwargs: Any
    ) -> Sequence[Document]:
        """Each document's summary; one shorter than 250 characters is its own summary."""
        _warn_short(documents)
        out = []
        with SummaryProgress(len(documents), enabled=self.show_progress) as bar:
            for document in documents:
                text = document.page_content
                progress = bar.text()
                if len(text) >= MIN_CHARS:
                    text = self.summarize(text, on_progress=progress)
                progress.finish()
                out.append(_summary_doc(document, text))
        return out

    async def atransform_documents(
        self, documents: Sequence[Document], **kwargs: Any
    ) -> Sequence[Document]:
        _warn_short(documents)
        limit = asyncio.Semaphore(self.max_concurrency)

        with SummaryProgress(len(documents), enabled=self.show_progress) as bar:

            async def one(document: Document) -> Document:
                text = document.page_content
                progress = bar.text()
                if len(text) >= MIN_CHARS:
                    async with limit:
                        text = await self.asummarize(text, on_progress=progress)
                progress.finish()
                return _summary_doc(document, text)

            return list(await asyncio.gather(*(one(d) for d in documents)))

    def as_agent_tool(self) -> SolarSummaryTool:
        """This summarizer as a LangChain tool an agent can call (errors go back to it)."""
        return SolarSummaryTool(summarizer=self)


def _warn_short(documents: Sequence[Document]) -> None:
    short = sum(1 for d in documents if len(d.page_content) < MIN_CHARS)
    if short:
        warnings.warn(
            f"{short} of {len(documents)} documents are shorter than {MIN_CHARS} characters "
            "(the shortest text a summary is made of); each is kept as its own summary",
            UserWarning,
            stacklevel=3,
        )


def _summary_doc(document: Document, summary: str) -> Document:
    metadata = {**document.metadata, "summarized_chars": len(document.page_content)}
    return Document(page_content=summary, metadata=metadata, id=document.id)


class _SummaryArgs(BaseModel):
    text: str = Field(description="The text to summarize (at least 250 characters).")


class SolarSummaryTool(BaseTool):
    """Summarize a long text; wraps a `SolarSummarizer` for agents.

    Bad input (a text under 250 characters) is a ``ToolException`` that, with
    ``handle_tool_error=True``, goes back to the agent as the tool's answer.
    """

    name: str = "solar_summarize"
    description: str = (
        "Summarize a long text (at least 250 characters). Input: the text. Output: its summary."
    )
    args_schema: type[BaseModel] = _SummaryArgs
    handle_tool_error: bool = True
    summarizer: SolarSummarizer

    def _run(
        self, text: str, run_manager: CallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> str:
        config: RunnableConfig = {"callbacks": run_manager.get_child()} if run_manager else {}
        with as_tool_error():
            return str(self.summarizer.invoke(text, config))

    async def _arun(
        self, text: str, run_manager: AsyncCallbackManagerForToolRun | None = None, **kwargs: Any
    ) -> str:
        config: RunnableConfig = {"callbacks": run_manager.get_child()} if run_manager else {}
        with as_tool_error():
            return str(await self.summarizer.ainvoke(text, config))
