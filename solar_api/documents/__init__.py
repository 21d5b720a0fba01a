"""Documents in: Upstage Document Parse (sync and async APIs) and Information Extraction,
on the package's clients (their key, retries, rate limiter, timeouts, proxy and TLS).

- `DocumentParser` / `parse_document`: a PDF, image or office file (a path, bytes or a
  binary file object) to its layout elements in page order; the async API (up to 2,000
  pages) for a document over 100 pages, its batches downloaded concurrently;
- `extract_information`: a document and a pydantic model (or JSON schema) to the
  validated object;
- `DocumentSplitter`: parsed parts to (text, metadata) per document, page or element,
  as the LangChain loader and the LlamaIndex reader hand them out.

The endpoints live under the ``/v1`` root of the client's base URL
(``https://api.upstage.ai/v1``; a base URL ending in ``/v1/solar`` works too). Counting
a PDF's pages (to pick the API) uses pypdf when installed: ``pip install
"solar-integrations[documents]"``.
"""

from ._http import documents_root
from ._input import DocumentInput
from .errors import (
    BatchFailedError,
    DocumentParseError,
    DocumentParseTimeoutError,
    DocumentTooLargeError,
    ResultDownloadError,
)
from .extract import (
    DEFAULT_EXTRACTION_MODEL,
    aextract_information,
    extract_information,
    extraction_request,
)
from .parse import (
    ASYNC_PAGE_LIMIT,
    SYNC_PAGE_LIMIT,
    DocumentParser,
    Polling,
    aparse_document,
    merge_parts,
    parse_document,
)
from .reading import DocumentReading
from .split import Chunk, DocumentSplitter
from .types import (
    OCR,
    Category,
    Coordinate,
    Element,
    ElementContent,
    OutputFormat,
    ParsedDocument,
    ParseMode,
    ParseOptions,
    ParseRequest,
    ParseRequestBatch,
    SplitType,
)

__all__ = [
    "ASYNC_PAGE_LIMIT",
    "DEFAULT_EXTRACTION_MODEL",
    "OCR",
    "SYNC_PAGE_LIMIT",
    "BatchFailedError",
    "Category",
    "Chunk",
    "Coordinate",
    "DocumentInput",
    "DocumentParseError",
    "DocumentParseTimeoutError",
    "DocumentParser",
    "DocumentReading",
    "DocumentSplitter",
    "DocumentTooLargeError",
    "Element",
    "ElementContent",
    "OutputFormat",
    "ParseMode",
    "ParseOptions",
    "ParseRequest",
    "ParseRequestBatch",
    "ParsedDocument",
    "Polling",
    "ResultDownloadError",
    "SplitType",
    "aextract_information",
    "aparse_document",
    "documents_root",
    "extract_information",
    "extraction_request",
    "merge_parts",
    "parse_document",
]
