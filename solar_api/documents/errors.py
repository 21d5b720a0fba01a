"""The document APIs' own errors; each is a `solar_api.SolarError`.

HTTP refusals from the API itself keep the package's status errors (a 401 is an
`AuthenticationError`, a 429 after the retries a `RateLimitError`); a 413 is a
`DocumentTooLargeError`, which is also an `APIStatusError`. What only the async API can
go wrong with has its own class::

    SolarError
    ├── APIStatusError
    │   └── DocumentTooLargeError      413: over the API's file size or page limits
    └── DocumentParseError             an async request went wrong (request_id kept)
        ├── BatchFailedError           a batch failed; names its pages
        ├── DocumentParseTimeoutError  the request did not finish in time
        └── ResultDownloadError        a batch's result could not be downloaded

Messages never carry a download URL's query string (a pre-signed URL's signature).
"""

from __future__ import annotations

from ..errors import APIStatusError, SolarError

__all__ = [
    "BatchFailedError",
    "DocumentParseError",
    "DocumentParseTimeoutError",
    "DocumentTooLargeError",
    "ResultDownloadError",
]


class DocumentTooLargeError(APIStatusError):
    """413: the document is over a limit of the API it was sent to (file size, or the
    synchronous API's 100 pages)."""


class DocumentParseError(SolarError):
    """An asynchronous parse went wrong. ``request_id`` names the request, whose results
    the API keeps for 30 days (`DocumentParser.resume` picks it up again)."""

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        self.message = message
        self.request_id = request_id
        super().__init__(f"{message} (request_id={request_id})" if request_id else message)


class BatchFailedError(DocumentParseError):
    """A batch of the request failed: ``start_page``..``end_page`` (1-based, inclusive)."""

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None,
        start_page: int,
        end_page: int,
        reason: str | None = None,
    ) -> None:
        self.start_page = start_page
        self.end_page = end_page
        self.reason = reason
        super().__init__(message, request_id=request_id)


class DocumentParseTimeoutError(DocumentParseError):
    """The request was not done within the polling timeout; it may still finish."""

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None,
        completed_pages: int | None,
        total_pages: int | None,
    ) -> None:
        self.completed_pages = completed_pages
        self.total_pages = total_pages
        super().__init__(message, request_id=request_id)


class ResultDownloadError(DocumentParseError):
    """A batch's result could not be downloaded (after the retries, and after fetching a
    fresh URL for an expired one). ``status_code`` is None when no answer came."""

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None,
        start_page: int,
        end_page: int,
        status_code: int | None,
    ) -> None:
        self.start_page = start_page
        self.end_page = end_page
        self.status_code = status_code
        super().__init__(message, request_id=request_id)
