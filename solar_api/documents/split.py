"""A parsed document as the frameworks' documents: one for the whole file, one per page
or one per element (langchain-upstage's ``split`` and its metadata), from the parts
`DocumentParser.iter_parts` hands out, so pages and elements go out as batches arrive.

Metadata, as langchain-upstage writes it, plus ``source``:

- ``split="element"``: ``id``, ``page``, ``category``; ``coordinates`` when asked for
  and present; ``base64_encoding`` when asked for and present;
- ``split="page"``: ``page``; ``coordinates`` (a list, one per element) when asked for;
  ``base64_encodings`` when asked for;
- ``split="none"``: ``total_pages``; ``coordinates`` and ``base64_encodings`` as for a page.

Contents are joined with a newline (a blank line between Markdown blocks), where
langchain-upstage runs a page's elements together with a space and a whole document's
with nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .types import Element, OutputFormat, ParsedDocument, SplitType, join_contents

__all__ = ["Chunk", "DocumentSplitter"]

Chunk = tuple[str, dict[str, Any]]


@dataclass
class DocumentSplitter:
    """``for text, metadata in DocumentSplitter(...).split(parts)``; ``feed``/``finish``
    for a driver of its own."""

    split: SplitType = "none"
    output_format: OutputFormat = "html"
    coordinates: bool = True
    base64_encoding: bool = False
    source: str | None = None
    _texts: list[str] = field(default_factory=list)
    _coordinates: list[Any] = field(default_factory=list)
    _images: list[str] = field(default_factory=list)
    _pages: int = 0

    def __post_init__(self) -> None:
        if self.split not in ("none", "page", "element"):
            raise ValueError(f"split: got {self.split!r}; expected 'none', 'page' or 'element'")
        if self.output_format not in ("html", "markdown", "text"):
            raise ValueError(
                f"output_format: got {self.output_format!r}; expected 'html', 'markdown' or 'text'"
            )

    def _with_source(self, metadata: dict[str, Any]) -> dict[str, Any]:
        if self.source is not None:
            metadata["source"] = self.source
        return metadata

    def _element(self, element: Element) -> Chunk:
        metadata: dict[str, Any] = {
            "id": element.id,
            "page": element.page,
            "category": element.category,
        }
        if self.coordinates and element.coordinates:
            metadata["coordinates"] = [c.model_dump() for c in element.coordinates]
        if self.base64_encoding and element.base64_encoding:
            metadata["base64_encoding"] = element.base64_encoding
        return element.content.get(self.output_format), self._with_source(metadata)

    def _group(self, elements: list[Element]) -> tuple[str, list[Any], list[str]]:
        text = join_contents(
            [e.content.get(self.output_format) for e in elements], self.output_format
        )
        coordinates = [[c.model_dump() for c in e.coordinates] for e in elements if e.coordinates]
        images = [e.base64_encoding for e in elements if e.base64_encoding]
        return text, coordinates, images

    def _page(self, page: int, elements: list[Element]) -> Chunk:
        text, coordinates, images = self._group(elements)
        metadata: dict[str, Any] = {"page": page}
        if self.coordinates:
            metadata["coordinates"] = coordinates
        if self.base64_encoding:
            metadata["base64_encodings"] = images
        return text, self._with_source(metadata)

    def feed(self, part: ParsedDocument) -> list[Chunk]:
        """The documents `part` completes (none until `finish` for ``split="none"``)."""
        if self.split == "element":
            return [self._element(e) for e in part.elements]
        if self.split == "page":
            pages: dict[int, list[Element]] = {}
            for element in part.elements:
                pages.setdefault(element.page, []).append(element)
            return [self._page(page, pages[page]) for page in sorted(pages)]
        text, coordinates, images = self._group(part.elements)
        if text:
            self._texts.append(text)
        self._coordinates.extend(coordinates)
        self._images.extend(images)
        self._pages += part.pages
        return []

    def finish(self) -> list[Chunk]:
        if self.split != "none":
            return []
        metadata: dict[str, Any] = {"total_pages": self._pages}
        if self.coordinates:
            metadata["coordinates"] = self._coordinates
        if self.base64_encoding:
            metadata["base64_encodings"] = self._images
        text = join_contents(self._texts, self.output_format)
        self._texts, self._coordinates, self._images, self._pages = [], [], [], 0
        return [(text, self._with_source(metadata))]

    def split_parts(self, parts: Iterable[ParsedDocument]) -> Iterator[Chunk]:
        for part in parts:
            yield from self.feed(part)
        yield from self.finish()

    async def asplit_parts(self, parts: AsyncIterable[ParsedDocument]) -> AsyncIterator[Chunk]:
        async for part in parts:
            for chunk in self.feed(part):
                yield chunk
        for chunk in self.finish():
            yield chunk
