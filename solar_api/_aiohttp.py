"""An httpx transport on aiohttp's connection pool, for the async client.

Why: with many requests in flight, httpx's own async pool (httpcore on anyio) is the
bottleneck, not the network: measured on loopback with 64 in flight, 0.8-0.9k req/s for
httpx's default pool, 1.0k with a bigger keep-alive pool, 4.8k through aiohttp
(bench/README.md has the run). This transport keeps httpx's interface (requests,
responses, exceptions, timeouts) so the retry policy and the stream decoder see exactly
what they see from httpx's pool.

What stays httpx's: proxies (a proxied URL goes through httpx's own proxy transport,
mounted by ``httpx.AsyncClient`` as before), cookies, redirects (never followed),
content decoding. Timeouts map one to one, except ``write``, which aiohttp lacks.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import contextmanager

import aiohttp
import httpx
from yarl import URL

__all__ = ["AiohttpTransport"]

if not hasattr(aiohttp, "SocketTimeoutError"):  # the timeout types below came in 3.10
    raise ImportError("the aiohttp transport needs aiohttp>=3.10")

# Most specific first: the first match names the httpx exception raised instead.
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (asyncio.TimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientProxyConnectionError, httpx.ProxyError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.ClientOSError, httpx.ReadError),
    (OSError, httpx.ReadError),
    (aiohttp.ClientError, httpx.TransportError),
)


@contextmanager
def _as_httpx(request: httpx.Request) -> Iterator[None]:
    """Raise aiohttp's (and the socket's) errors as the httpx exception they mean."""
    try:
        yield
    except Exception as exc:
        for source, target in _ERRORS:
            if isinstance(exc, source):
                raise target(str(exc) or type(exc).__name__, request=request) from exc
        raise


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            with _as_httpx(self._request):
                async for data in self._response.content.iter_any():
                    yield data
        except Exception:
            self._response.close()
            raise

    async def aclose(self) -> None:
        # A body read to the end returns its connection to the pool; one left unread
        # is closed, never reused half-read.
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """`httpx.AsyncBaseTransport` over one `aiohttp.ClientSession`, made on first use.

    Example::

        import httpx
        from solar_api._aiohttp import AiohttpTransport

        client = httpx.AsyncClient(transport=AiohttpTransport(limits=httpx.Limits()))
    """

    def __init__(self, *, limits: httpx.Limits, ssl_context: ssl.SSLContext | bool) -> None:
        self._limits = limits
        self._ssl = ssl_context
        self._session: aiohttp.ClientSession | None = None
        self._closer: AsyncGenerator[None, None] | None = None

    async def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            limit_per_host=0,
            keepalive_timeout=self._limits.keepalive_expiry or 0,
            ssl=self._ssl,
        )
        session = aiohttp.ClientSession(
            connector=connector,
            # httpx already sent the client's cookies, decodes bodies and never follows
            # redirects; aiohttp must not do any of that a second time.
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=False,
            timeout=aiohttp.ClientTimeout(total=None),
        )
        # Close the session when its event loop shuts down (asyncio.run does this for
        # async generators), so a model used across asyncio.run calls leaves no
        # "Unclosed client session" behind.
        self._closer = _close_at_loop_shutdown(session)
        await self._closer.asend(None)
        return session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session
        if session is None or session.closed:
            session = self._session = await self._open()
        timeout = request.extensions.get("timeout", {})
        with _as_httpx(request):
            response = await session.request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=request.headers.multi_items(),
                data=await request.aread() or None,
                allow_redirects=False,
                compress=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            )
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Body(response, request),
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": b""},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _close_at_loop_shutdown(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        if not session.closed:
            await session.close()
