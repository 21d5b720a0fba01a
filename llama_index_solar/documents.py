"""Upstage Document Parse as a LlamaIndex reader: `SolarDocumentParseReader`, usable as a
``SimpleDirectoryReader`` file extractor; the words are llama-index's
``UpstageDocumentParseReader``'s (and langchain-upstage's).

Example::

    from llama_index.core import SimpleDirectoryReader
    from llama_index_solar import SolarDocumentParseReader

    reader = SolarDocumentParseReader(split="page", output_format="markdown")
    documents = SimpleDirectoryReader(
        "reports/", file_extractor={".pdf": reader, ".png": reader}
    ).load_data()

The layout metadata (``coordinates``, ``base64_encoding(s)``, element ``id``) is kept
out of the text embedded and shown to the model, so node parsers do not count it
against their chunk size.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from llama_index.core.readers.base import BaseReader
from llama_index.core.schema import Document

from solar_api.documents import (
    Chunk,
    DocumentInput,
    DocumentReading,
)

__all__ = ["SolarDocumentParseReader"]

PathLike = str | os.PathLike[str]
# Layout data: in the metadata, never in what is embedded or given to the model.
_LAYOUT_KEYS = ["coordinates", "base64_encoding", "base64_encodings", "id"]


class SolarDocumentParseReader(DocumentReading, BaseReader):
    """Read files with Upstage Document Parse into LlamaIndex documents.

    ``split``: ``"none"`` (one document per file), ``"page"`` or ``"element"``;
    ``output_format``: ``"html"``, ``"markdown"`` or ``"text"``; ``ocr``,
    ``coordinates``, ``base64_encoding``, ``chart_recognition``, ``mode``,
    ``merge_multipage_tables`` and ``model`` go to the API. ``api``: ``"auto"`` (the
    async API over 100 pages), ``"sync"`` or ``"async"``; ``max_concurrency`` batch
    downloads at once; ``show_progress`` draws a bar over a long document's pages. The
    connection words of the other classes (``api_key``, ``base_url``, ``timeout``,
    ``max_retries``, ``rate_limiter``...) are taken too.

    Metadata: ``page``, ``category`` and ``id`` (per element), ``coordinates`` when
    asked for, ``base64_encoding(s)`` when asked for, ``total_pages`` (whole file),
    ``source``, and the ``extra_info`` a ``SimpleDirectoryReader`` passes.
    """

    # The words, the parser, the splitters and the connection: DocumentReading's.

    @staticmethod
    def _paths(file_path: PathLike | Sequence[PathLike]) -> list[Path]:
        if isinstance(file_path, str | os.PathLike):
            return [Path(file_path)]
        return [Path(p) for p in file_path]

    @staticmethod
    def _input(path: Path, fs: Any | None) -> DocumentInput:
        if fs is None:
            if not path.is_file():
                raise FileNotFoundError(f"File not found: {path}")
            return path
        with fs.open(str(path), "rb") as handle:  # an fsspec file system
            data: bytes = handle.read()
        return data

    @staticmethod
    def _document(chunk: Chunk, extra_info: dict[str, Any] | None) -> Document:
        text, metadata = chunk
        layout = [key for key in _LAYOUT_KEYS if key in metadata]
        return Document(
            text=text,
            metadata={**(extra_info or {}), **metadata},
            excluded_embed_metadata_keys=layout,
            excluded_llm_metadata_keys=layout,
        )

    def lazy_load_data(  # type: ignore[override]  # BaseReader's is (*args, **kwargs)
        self,
        file_path: PathLike | Sequence[PathLike],
        extra_info: dict[str, Any] | None = None,
        fs: Any | None = None,
    ) -> Iterator[Document]:
        """The files' documents (pages, elements) in page order as they are parsed."""
        for path in self._paths(file_path):
            parts = self.parser.iter_parts(
                self.connection.client, self._input(path, fs), filename=path.name
            )
            try:
                for chunk in self._splitter(str(path)).split_parts(parts):
                    yield self._document(chunk, extra_info)
            finally:
                parts.close()

    def load_data(  # type: ignore[override]
        self,
        file_path: PathLike | Sequence[PathLike],
        extra_info: dict[str, Any] | None = None,
        fs: Any | None = None,
    ) -> list[Document]:
        return list(self.lazy_load_data(file_path, extra_info=extra_info, fs=fs))

    async def aload_data(  # type: ignore[override]
        self,
        file_path: PathLike | Sequence[PathLike],
        extra_info: dict[str, Any] | None = None,
        fs: Any | None = None,
    ) -> list[Document]:
        """`load_data` on the async client (the async API's polling is awaited)."""
        documents = []
        for path in self._paths(file_path):
            document = self._input(path, fs)
            parts = self.parser.aiter_parts(
                self.connection.async_client, document, filename=path.name
            )
            try:
                async for chunk in self._splitter(str(path)).asplit_parts(parts):
                    documents.append(self._document(chunk, extra_info))
            finally:
                await parts.aclose()
        return documents
