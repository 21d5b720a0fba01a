"""What the Document Parse API answers, and what a parse is asked for.

The synchronous answer (``POST {v1}/document-digitization``) and each batch of the
asynchronous one (a download of ``batches[].download_url``) have one shape::

    {"api": "2.0", "model": "document-parse-...",
     "content": {"html": "...", "markdown": "...", "text": "..."},
     "elements": [{"id": 0, "category": "heading1", "page": 1,
                   "content": {"html": "...", "markdown": "...", "text": "..."},
                   "coordinates": [{"x": 0.1, "y": 0.1}, ...],
                   "base64_encoding": "..."}],
     "usage": {"pages": 1}}

Fields the API adds later are kept (``extra="allow"``), missing optional ones default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "OCR",
    "Category",
    "Coordinate",
    "Element",
    "ElementContent",
    "OutputFormat",
    "ParseMode",
    "ParseOptions",
    "ParseRequest",
    "ParseRequestBatch",
    "ParsedDocument",
    "SplitType",
]

OutputFormat = Literal["html", "markdown", "text"]
OCR = Literal["auto", "force"]
ParseMode = Literal["standard", "enhanced", "auto"]
SplitType = Literal["none", "page", "element"]
# The element categories Upstage names (langchain-upstage's list), for base64_encoding.
Category = Literal[
    "table",
    "figure",
    "chart",
    "heading1",
    "header",
    "footer",
    "caption",
    "paragraph",
    "equation",
    "list",
    "index",
    "footnote",
]

_OPEN = ConfigDict(extra="allow")


class ElementContent(BaseModel):
    model_config = _OPEN

    html: str = ""
    markdown: str = ""
    text: str = ""

    @field_validator("html", "markdown", "text", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    def get(self, output_format: OutputFormat) -> str:
        return str(getattr(self, output_format))


class Coordinate(BaseModel):
    model_config = _OPEN

    x: float
    y: float


class Element(BaseModel):
    """One layout element: a heading, a paragraph, a table, a figure..."""

    model_config = _OPEN

    id: int = 0
    category: str = "paragraph"
    page: int = 1
    content: ElementContent = Field(default_factory=ElementContent)
    coordinates: list[Coordinate] | None = None
    base64_encoding: str | None = None


class ParsedDocument(BaseModel):
    """A parsed document (the sync API's answer; the async API's batches joined in page
    order). ``request_id`` is set when the async API parsed it (its results are kept
    30 days: `DocumentParser.resume` fetches them again)."""

    model_config = _OPEN

    api: str | None = None
    model: str | None = None
    content: ElementContent = Field(default_factory=ElementContent)
    elements: list[Element] = Field(default_factory=list)
    usage: dict[str, Any] = Field(default_factory=dict)
    request_id: str | None = None

    @property
    def pages(self) -> int:
        """Pages parsed: ``usage.pages``, else the highest page an element is on."""
        pages = self.usage.get("pages")
        if isinstance(pages, int) and not isinstance(pages, bool):
            return pages
        return max((e.page for e in self.elements), default=0)

    def text(self, output_format: OutputFormat = "text") -> str:
        """The whole document in one format (the API's own ``content``, else the
        elements' joined)."""
        whole = self.content.get(output_format)
        if whole:
            return whole
        return join_contents([e.content.get(output_format) for e in self.elements], output_format)


def join_contents(parts: Sequence[str], output_format: OutputFormat) -> str:
    """Elements' contents as one text: a blank line between Markdown blocks, a newline
    between lines of text or HTML elements (langchain-upstage runs them together)."""
    separator = "\n\n" if output_format == "markdown" else "\n"
    return separator.join(p for p in parts if p)


class ParseRequestBatch(BaseModel):
    """One batch of an async request: up to 10 pages, downloadable once completed."""

    model_config = _OPEN

    id: int | str | None = None
    status: str = "scheduled"
    start_page: int = 0
    end_page: int = 0
    download_url: str | None = None
    failure_message: str | None = None


class ParseRequest(BaseModel):
    """``GET {v1}/document-digitization/requests/{id}``: an async request's state."""

    model_config = _OPEN

    id: str | None = None
    status: str = "submitted"
    failure_message: str | None = None
    total_pages: int | None = None
    completed_pages: int | None = None
    batches: list[ParseRequestBatch] = Field(default_factory=list)


class ParseOptions(BaseModel):
    """The Document Parse request's form fields (langchain-upstage's words).

    ``None`` leaves a field to the API's default. ``output_formats`` lists every
    format the elements are wanted in; the adapters ask for their one ``output_format``.
    """

    model_config = ConfigDict(frozen=True)

    model: str = "document-parse"
    mode: ParseMode | None = None
    ocr: OCR = "auto"
    output_formats: tuple[OutputFormat, ...] = ("html",)
    coordinates: bool = True
    base64_encoding: tuple[str, ...] = ()
    chart_recognition: bool | None = True
    merge_multipage_tables: bool | None = None

    @field_validator("output_formats", "base64_encoding", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    def form(self) -> dict[str, str]:
        """The multipart form's fields (lists spelled as the API's docs show them)."""
        fields: dict[str, str] = {
            "model": self.model,
            "ocr": self.ocr,
            "output_formats": _list_field(self.output_formats),
            "coordinates": _bool_field(self.coordinates),
            "base64_encoding": _list_field(self.base64_encoding),
        }
        if self.mode is not None:
            fields["mode"] = self.mode
        if self.chart_recognition is not None:
            fields["chart_recognition"] = _bool_field(self.chart_recognition)
        if self.merge_multipage_tables is not None:
            fields["merge_multipage_tables"] = _bool_field(self.merge_multipage_tables)
        return fields


def _list_field(values: Sequence[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _bool_field(value: bool) -> str:
    return "true" if value else "false"
