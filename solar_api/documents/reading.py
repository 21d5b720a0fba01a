"""The words a framework's document reader takes, declared once, and what they make.

LangChain's ``SolarDocumentParseParser`` and LlamaIndex's ``SolarDocumentParseReader``
take the same words (langchain-upstage's, so switching is a rename), check them the same
way and build the same parser, splitters and connection: they inherit `DocumentReading`
and add only their framework's types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from .._words import move_unknown_words
from ..connection import Connection
from .parse import DocumentParser, Polling
from .split import DocumentSplitter
from .types import OCR, Category, OutputFormat, ParseMode, ParseOptions, SplitType

__all__ = ["DocumentReading"]


class DocumentReading:
    """``split``, ``output_format``, the API's words and the parser's; any other word is
    a connection word (``api_key``, ``base_url``, ``timeout``...) of ``self.connection``."""

    def __init__(
        self,
        *,
        split: SplitType = "none",
        output_format: OutputFormat = "html",
        ocr: OCR = "auto",
        coordinates: bool = True,
        base64_encoding: Sequence[Category | str] | None = None,
        chart_recognition: bool = True,
        mode: ParseMode | None = None,
        merge_multipage_tables: bool | None = None,
        model: str = "document-parse",
        api: Literal["auto", "sync", "async"] = "auto",
        max_concurrency: int = 8,
        polling: Polling | None = None,
        read_timeout: float = 300.0,
        show_progress: bool = False,
        **connection: Any,
    ) -> None:
        self.split: SplitType = split
        self.output_format: OutputFormat = output_format
        self.coordinates = coordinates
        self.base64_encoding = list(base64_encoding or [])
        DocumentSplitter(split=split, output_format=output_format)  # checks both words
        self.parser = DocumentParser(
            ParseOptions(
                model=model,
                mode=mode,
                ocr=ocr,
                output_formats=(output_format,),
                coordinates=coordinates,
                base64_encoding=tuple(self.base64_encoding),
                chart_recognition=chart_recognition,
                merge_multipage_tables=merge_multipage_tables,
            ),
            api=api,
            max_concurrency=max_concurrency,
            polling=polling,
            read_timeout=read_timeout,
            show_progress=show_progress,
        )
        # Any other word is a ValueError naming this class and the words it takes.
        move_unknown_words(type(self).__name__, connection, Connection.model_fields, into=None)
        self.connection = Connection(**connection)

    def _splitter(self, source: str | None) -> DocumentSplitter:
        return DocumentSplitter(
            split=self.split,
            output_format=self.output_format,
            coordinates=self.coordinates,
            base64_encoding=bool(self.base64_encoding),
            source=source,
        )
