"""Upstage Document Parse as a LangChain loader and blob parser, and Information
Extraction as a tool; the words are langchain-upstage's, so switching is a rename.

Example::

    from langchain_solar import SolarDocumentParseLoader

    loader = SolarDocumentParseLoader("report.pdf", split="page", output_format="markdown")
    for doc in loader.lazy_load():          # pages as their batches arrive
        print(doc.metadata["page"], doc.page_content[:80])

A document over 100 pages goes to the async API (up to 2,000 pages) in one request,
where langchain-upstage sends a sync request per 10 pages it cuts out with pypdf.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.document_loaders import BaseBlobParser, BaseLoader, Blob
from langchain_core.documents import Document
from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, Field

from solar_api.documents import (
    DEFAULT_EXTRACTION_MODEL,
    DocumentInput,
    DocumentReading,
    SplitType,
    aextract_information,
    extract_information,
)
from solar_api.integration import Connection, move_unknown_words

from ._tool_errors import as_tool_error

__all__ = [
    "SolarDocumentParseLoader",
    "SolarDocumentParseParser",
    "SolarInformationExtractionTool",
]

PathLike = str | os.PathLike[str]


def _parser_words() -> tuple[str, ...]:
    parameters = inspect.signature(SolarDocumentParseParser.__init__).parameters
    return tuple(p for p in parameters if p not in ("self", "connection"))


def _check_words(owner: str, connection: dict[str, Any], *own: str) -> None:
    """A ``ValueError`` naming `owner` and every word it takes for a word that is none
    of the connection words (key, base URL, retries...) left in `connection`."""
    also = (*own, *_parser_words())
    move_unknown_words(owner, connection, Connection.model_fields, into=None, also_accepted=also)


class SolarDocumentParseParser(DocumentReading, BaseBlobParser):
    """Parse a blob (a file) with Upstage Document Parse into LangChain documents.

    ``split``: ``"none"`` (one document), ``"page"`` or ``"element"``;
    ``output_format``: ``"html"``, ``"markdown"`` or ``"text"``; ``ocr``
    (``"auto"``/``"force"``), ``coordinates``, ``base64_encoding`` (element categories
    whose image is wanted), ``chart_recognition``, ``mode``
    (``"standard"``/``"enhanced"``/``"auto"``), ``merge_multipage_tables`` and
    ``model`` go to the API. ``api``: ``"auto"`` (the async API over 100 pages),
    ``"sync"`` or ``"async"``; ``max_concurrency`` batch downloads at once;
    ``show_progress`` draws a bar over a long document's pages. Every connection word of
    the other classes (``api_key``, ``base_url``, ``timeout``, ``max_retries``,
    ``rate_limiter``, ``proxy``...) is taken too.

    Metadata: ``page``, ``category`` and ``id`` (per element), ``coordinates`` when
    asked for, ``base64_encoding(s)`` when asked for, ``total_pages`` (whole document)
    and ``source``.
    """

    # The words, the parser, the splitters and the connection: DocumentReading's.

    @staticmethod
    def _input(blob: Blob) -> tuple[DocumentInput, str | None, str | None]:
        """What to send for `blob` (its path when it has no data in memory), its file
        name and its source."""
        path = Path(str(blob.path)) if blob.path is not None else None
        source = blob.source
        if blob.data is None and path is not None:
            return path, path.name, source
        return blob.as_bytes(), path.name if path else None, source

    def lazy_parse(self, blob: Blob) -> Iterator[Document]:
        """The blob's documents, pages or elements, in page order as they are parsed."""
        document, filename, source = self._input(blob)
        parts = self.parser.iter_parts(self.connection.client, document, filename=filename)
        try:
            for text, metadata in self._splitter(source).split_parts(parts):
                yield Document(page_content=text, metadata=metadata)
        finally:
            parts.close()

    async def alazy_parse(self, blob: Blob) -> AsyncIterator[Document]:
        """`lazy_parse` on the async client (the async API's polling is awaited)."""
        document, filename, source = self._input(blob)
        parts = self.parser.aiter_parts(self.connection.async_client, document, filename=filename)
        try:
            async for text, metadata in self._splitter(source).asplit_parts(parts):
                yield Document(page_content=text, metadata=metadata)
        finally:
            await parts.aclose()


class SolarDocumentParseLoader(BaseLoader):
    """Load files with Upstage Document Parse: `SolarDocumentParseParser`'s words, and
    ``file_path`` (one path or a list). ``load``, ``lazy_load`` and ``alazy_load`` (on
    the async client) hand out documents in page order, file by file.

    Example::

        loader = SolarDocumentParseLoader(["a.pdf", "b.png"], split="element", ocr="force")
        docs = await loader.aload()
    """

    def __init__(
        self,
        file_path: PathLike | Sequence[PathLike],
        split: SplitType = "none",
        **words: Any,
    ) -> None:
        paths = [file_path] if isinstance(file_path, str | os.PathLike) else list(file_path)
        for path in paths:
            if not Path(path).exists():
                raise FileNotFoundError(f"File not found: {path}")
        parser_words = set(_parser_words())
        _check_words(
            type(self).__name__,
            {k: v for k, v in words.items() if k not in parser_words},
            "file_path",
        )
        self.file_path = file_path
        self.split = split
        self.parser = SolarDocumentParseParser(split=split, **words)
        self._paths = [Path(p) for p in paths]

    def lazy_load(self) -> Iterator[Document]:
        for path in self._paths:
            yield from self.parser.lazy_parse(Blob.from_path(path))

    async def alazy_load(self) -> AsyncIterator[Document]:
        for path in self._paths:
            async for document in self.parser.alazy_parse(Blob.from_path(path)):
                yield document

    def merge_and_split(
        self, documents: list[Document], splitter: Any | None = None
    ) -> list[Document]:
        """langchain-upstage's: with a splitter, its ``split_documents``; without, one
        document of the contents joined with spaces and each metadata key's values in
        a list."""
        if splitter is not None:
            if not hasattr(splitter, "split_documents"):
                raise TypeError("splitter: must have a split_documents method")
            return list(splitter.split_documents(documents))
        merged: dict[str, list[Any]] = {}
        for document in documents:
            for key, value in document.metadata.items():
                merged.setdefault(key, []).append(value)
        text = " ".join(d.page_content for d in documents)
        return [Document(page_content=text, metadata=merged)]


class _ExtractionArgs(BaseModel):
    document: str = Field(
        description="The document's file path or http(s) URL (PDF, image, DOCX, PPTX, XLSX...)."
    )
    json_schema: dict[str, Any] | None = Field(
        default=None,
        description="A JSON schema (an object with properties) of the information to "
        "extract; leave it out to use the tool's own schema.",
    )


class SolarInformationExtractionTool(BaseTool, Connection):
    """Extract structured information from a document with Upstage Information
    Extraction, for agents. Output: the information as JSON.

    Example::

        from pydantic import BaseModel
        from langchain_solar import SolarInformationExtractionTool

        class Invoice(BaseModel):
            vendor: str
            total: float

        tool = SolarInformationExtractionTool(extraction_schema=Invoice)
        tool.invoke({"document": "invoice.pdf"})   # '{"vendor": "...", "total": ...}'

    ``extraction_schema`` (a pydantic model or a JSON schema) is used when the call
    gives no ``json_schema``. A missing file, or no schema at all, is a
    ``ToolException`` the agent sees.
    """

    name: str = "solar_information_extraction"
    description: str = (
        "Extract structured information (fields, tables, values) from a document such as "
        "an invoice, a receipt or a form. Input: the document's path or URL, and "
        "optionally a JSON schema of what to extract. Output: the information as JSON."
    )
    args_schema: type[BaseModel] = _ExtractionArgs
    handle_tool_error: bool = True
    model: str = DEFAULT_EXTRACTION_MODEL
    extraction_schema: type[BaseModel] | dict[str, Any] | None = None
    extra_body: dict[str, Any] | None = None
    """Further request fields (the API's ``confidence``, ``chunking``...)."""

    def _schema(self, json_schema: dict[str, Any] | None) -> type[BaseModel] | dict[str, Any]:
        schema = json_schema or self.extraction_schema
        if schema is None:
            raise ToolException(
                "json_schema: required, since this tool was made without an extraction_schema"
            )
        return schema

    @staticmethod
    def _json(result: Any) -> str:
        if isinstance(result, BaseModel):
            return result.model_dump_json()
        return json.dumps(result, ensure_ascii=False)

    def _run(
        self,
        document: str,
        json_schema: dict[str, Any] | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
        **kwargs: Any,
    ) -> str:
        schema = self._schema(json_schema)
        with as_tool_error():
            try:
                result = extract_information(
                    self._client, document, schema, model=self.model, extra_body=self.extra_body
                )
            except FileNotFoundError as exc:
                raise ToolException(str(exc)) from exc
        return self._json(result)

    async def _arun(
        self,
        document: str,
        json_schema: dict[str, Any] | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
        **kwargs: Any,
    ) -> str:
        schema = self._schema(json_schema)
        with as_tool_error():
            try:
                result = await aextract_information(
                    self._async_client,
                    document,
                    schema,
                    model=self.model,
                    extra_body=self.extra_body,
                )
            except FileNotFoundError as exc:
                raise ToolException(str(exc)) from exc
        return self._json(result)
