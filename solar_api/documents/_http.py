"""The document APIs on the wire: their URLs, their requests (through the clients' one
retry loop), and the downloads of async results from the storage host.

Requests to the API go through ``client._send`` with a ``request_factory``: the retry
policy, the key handling (and its checks), the rate limiter, the pools' proxy and TLS
words and the response size ceiling are the chat API's. Only the request differs: a
multipart form or a GET under the ``/v1`` root rather than a JSON body under the chat
base URL.

Downloads go to another host (pre-signed URLs): they are sent on the same pool, but as
bare requests, with no Authorization header, none of ``default_headers``, no client
auth and no cookies; a redirect is not followed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import IO, TYPE_CHECKING, Any

import httpx

from .._base_client import BaseClient
from .._bounded import aread_bounded, read_bounded
from .._version import __version__
from ..errors import TRANSPORT_ERRORS, as_transport_error

if TYPE_CHECKING:
    from ..async_client import AsyncSolarClient
    from ..client import SolarClient

__all__ = ["documents_root"]

# What a base URL may end with besides the /v1 root the document APIs live under: the
# seeds' chat base (/v1/solar), and the full endpoint URLs langchain-upstage and
# llama-index take as base_url (the latter an older path).
_ROOT_SUFFIXES = (
    "/solar",
    "/document-digitization/async",
    "/document-digitization",
    "/document-ai/document-parse",
    "/information-extraction/chat/completions",
    "/information-extraction",
)

Factory = Callable[[Any], httpx.Request]


def documents_root(base_url: str) -> str:
    """The ``/v1`` root of `base_url`: ``https://api.upstage.ai/v1/solar`` gives
    ``https://api.upstage.ai/v1``; a base URL without such an ending is its own root."""
    url = base_url.rstrip("/")
    trimmed = True
    while trimmed:
        trimmed = False
        for suffix in _ROOT_SUFFIXES:
            if url.endswith(suffix):
                url, trimmed = url[: -len(suffix)], True
    return url


def _headers(client: BaseClient[Any]) -> dict[str, str]:
    """The API request's headers, the key included (checked: a missing one raises)."""
    headers = client._request_headers(stream=False)
    # httpx sets the multipart boundary's own; a GET has no body.
    headers.pop("Content-Type", None)
    return headers


def _factory(
    client: BaseClient[Any],
    method: str,
    url: str,
    *,
    files: Mapping[str, tuple[str, IO[bytes], str]] | None = None,
    data: Mapping[str, str] | None = None,
    body: Any = None,
    read_timeout: float | None = None,
) -> Factory:
    timeout = client.timeout
    if read_timeout is not None and timeout.read is not None:
        timeout = httpx.Timeout(
            connect=timeout.connect,
            read=max(timeout.read, read_timeout),
            write=timeout.write if timeout.write is None else max(timeout.write, read_timeout),
            pool=timeout.pool,
        )
    content = (
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        if body is not None
        else None
    )

    def build(http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        headers = _headers(client)
        if content is not None:
            headers["Content-Type"] = "application/json"
        # build_request: the absolute URL ignores a user pool's own base_url; its
        # default headers and cookies apply, as in BaseClient._build_request.
        return http.build_request(
            method,
            url,
            headers=headers,
            files=files,
            data=data,
            content=content,
            timeout=timeout,
        )

    return build


def send(
    client: SolarClient,
    method: str,
    url: str,
    **request: Any,
) -> httpx.Response:
    """One API request (a form, a JSON body or a GET) through the client's retry loop."""
    return client._send(
        method, url, None, stream=False, request_factory=_factory(client, method, url, **request)
    )


async def asend(
    client: AsyncSolarClient,
    method: str,
    url: str,
    **request: Any,
) -> httpx.Response:
    return await client._send(
        method, url, None, stream=False, request_factory=_factory(client, method, url, **request)
    )


# -- downloads from the storage host ---------------------------------------------------


def download_request(client: BaseClient[Any], url: str) -> httpx.Request:
    """A bare GET of a pre-signed URL: no key, no default headers, the client's timeout."""
    return httpx.Request(
        "GET",
        url,
        headers={"Accept": "application/json", "User-Agent": f"solar-integrations/{__version__}"},
        extensions={"timeout": client.timeout.as_dict()},
    )


def is_expired(response: httpx.Response) -> bool:
    """A pre-signed URL that no longer works: storage hosts answer 403 (S3's "Request
    has expired"), some 400 or 401 naming the expiry."""
    if response.status_code in (401, 403):
        return True
    return response.status_code == 400 and "expire" in response.text.lower()


def fetch(client: SolarClient, url: str) -> httpx.Response:
    """Download `url` once the client's retry policy is through with transport errors
    and retryable statuses; any other answer (an expired URL too) is returned."""
    http = client._client()
    attempt = 0
    while True:
        request = download_request(client, url)
        try:
            response = http.send(request, stream=True, auth=None, follow_redirects=False)
            response = read_bounded(response, client.max_response_bytes)
        except TRANSPORT_ERRORS as exc:
            if attempt >= client.max_retries:
                raise as_transport_error(exc, request) from exc
            client._sleep(client.retry.delay(attempt))
            attempt += 1
            continue
        if not client.retry.is_retryable_status(response.status_code) or (
            attempt >= client.max_retries
        ):
            return response
        client._sleep(client.retry.delay(attempt, response.headers))
        attempt += 1


async def afetch(client: AsyncSolarClient, url: str) -> httpx.Response:
    http = client._client()
    attempt = 0
    while True:
        request = download_request(client, url)
        try:
            response = await http.send(request, stream=True, auth=None, follow_redirects=False)
            response = await aread_bounded(response, client.max_response_bytes)
        except TRANSPORT_ERRORS as exc:
            if attempt >= client.max_retries:
                raise as_transport_error(exc, request) from exc
            await client._sleep(client.retry.delay(attempt))
            attempt += 1
            continue
        if not client.retry.is_retryable_status(response.status_code) or (
            attempt >= client.max_retries
        ):
            return response
        await client._sleep(client.retry.delay(attempt, response.headers))
        attempt += 1
