"""A document as given (a path, bytes or a binary file object): its name, its bytes
when needed, and its page count when it can be read cheaply (a PDF, with pypdf)."""

from __future__ import annotations

import base64
import io
import logging
import mimetypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["DocumentInput", "SourceDocument", "source_document"]

logger = logging.getLogger("solar_api")

DocumentInput = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

# Magic numbers of the formats Document Parse takes that can be named from their bytes.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"II*\x00", ".tiff"),
    (b"MM\x00*", ".tiff"),
    (b"BM", ".bmp"),
)
_ONE_PAGE = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".heic", ".webp"})


@dataclass(frozen=True)
class SourceDocument:
    """A document to send: read from ``path`` when sent (a retry reads it again), or
    held as ``data``."""

    name: str
    source: str
    path: Path | None = None
    data: bytes | None = None

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        if self.path is not None:
            with self.path.open("rb") as handle:
                yield handle
        else:
            yield io.BytesIO(self.data or b"")

    def head(self, size: int = 8) -> bytes:
        with self.open() as handle:
            return handle.read(size)

    @property
    def suffix(self) -> str:
        suffix = Path(self.name).suffix.lower()
        return suffix or _sniff(self.head())

    @property
    def content_type(self) -> str:
        return mimetypes.guess_type("x" + self.suffix)[0] or "application/octet-stream"

    def file_field(self, handle: IO[bytes]) -> tuple[str, IO[bytes], str]:
        """The multipart ``document`` field (httpx seeks `handle` to 0 on every attempt)."""
        return (self.name, handle, self.content_type)

    def data_url(self) -> str:
        """The document as a base64 data URL (Information Extraction's message)."""
        with self.open() as handle:
            encoded = base64.b64encode(handle.read()).decode("ascii")
        return f"data:application/octet-stream;base64,{encoded}"

    def page_count(self) -> int | None:
        """Pages, when known without the API: a PDF's (pypdf, if installed), 1 for a
        single-image format; None otherwise (a DOCX, a TIFF, a PDF without pypdf)."""
        suffix = self.suffix
        if suffix in _ONE_PAGE:
            return 1
        if self.head(5) != b"%PDF-":
            return None
        try:
            from pypdf import PdfReader
        except ImportError:
            logger.debug("pypdf is not installed: the page count of %s is unknown", self.name)
            return None
        quiet = logging.getLogger("pypdf")
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            with self.open() as handle:
                reader = PdfReader(handle, strict=False)
                # The page tree's /Count, without reading every page object; the pages
                # themselves if it is absent.
                tree: Any = reader.root_object["/Pages"]
                count = tree.get_object().get("/Count")
                if isinstance(count, int) and count >= 0:
                    return int(count)
                return len(reader.pages)
        except Exception as exc:  # a damaged PDF: the API says what it makes of it
            logger.debug("pypdf could not count the pages of %s: %s", self.name, exc)
            return None
        finally:
            quiet.setLevel(level)


def _sniff(head: bytes) -> str:
    return next((suffix for magic, suffix in _MAGIC if head.startswith(magic)), "")


def source_document(document: DocumentInput, filename: str | None = None) -> SourceDocument:
    """`document` as a `SourceDocument`; a missing file is a ``FileNotFoundError`` now."""
    if isinstance(document, str | os.PathLike):
        path = Path(os.fspath(document))
        if isinstance(document, str) and document.startswith(("http://", "https://")):
            raise ValueError(
                f"document: {document!r} is a URL; Document Parse takes the file itself "
                "(download it first, or pass its bytes)"
            )
        if not path.is_file():
            raise FileNotFoundError(f"document: no such file: {path}")
        return SourceDocument(name=filename or path.name, source=str(path), path=path)
    if isinstance(document, bytes | bytearray | memoryview):
        data = bytes(document)
        return SourceDocument(
            name=filename or "document" + _sniff(data[:8]), source="<bytes>", data=data
        )
    read: Any = getattr(document, "read", None)
    if callable(read):
        data = read()
        if not isinstance(data, bytes):
            raise TypeError("document: a file object must be opened in binary mode ('rb')")
        given = getattr(document, "name", None)
        name = filename or (Path(given).name if isinstance(given, str) else None)
        return SourceDocument(
            name=name or "document" + _sniff(data[:8]),
            source=given if isinstance(given, str) else "<file>",
            data=data,
        )
    raise TypeError(
        f"document: got {type(document).__name__}; expected a path, bytes or a binary file"
    )
