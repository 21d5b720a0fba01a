"""The headers of a successful response worth keeping: the request id and rate limits.

Kept on parsed responses (``response_headers(completion)``) and streams, so the adapters
can put them in their metadata (LangChain's ``response_metadata``), as support
tickets and client-side throttling need them.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from .errors import REQUEST_ID_HEADERS

__all__ = ["kept_headers", "request_id_of", "response_headers"]


def kept_headers(headers: httpx.Headers | Mapping[str, str]) -> dict[str, str]:
    """The request-id headers and every ``x-ratelimit-*`` header, names lower-cased."""
    return {
        name.lower(): value
        for name, value in headers.items()
        if name.lower() in REQUEST_ID_HEADERS or name.lower().startswith("x-ratelimit-")
    }


def request_id_of(headers: Mapping[str, str]) -> str | None:
    return next((headers[h] for h in REQUEST_ID_HEADERS if h in headers), None)


def response_headers(parsed: object) -> dict[str, str]:
    """What `kept_headers` kept for a response parsed by a client ({} if none)."""
    kept = getattr(parsed, "_response_headers", None)
    return dict(kept) if isinstance(kept, dict) else {}
