"""An httpx transport on aiohttp's connection pool, for the async client.

Why: with many requests in flight, httpx's own async pool (httpcore on anyio) is the
bottleneck, not the network (bench/README.md, bench/transports.py). This transport keeps
httpx's interface (requests, responses, exceptions, timeouts) so the retry policy and the
stream decoder see exactly what they see from httpx's pool.

Why not the maintained ``httpx-aiohttp`` package (the openai SDK's opt-in): measured
against the fault matrix (issue 27) it has no write timeout, so a server that never reads
the upload holds the call until the server gives up, and with its defaults aiohttp
refuses response heads httpx takes (150 headers, a 10 KB line); it also maps a dropped
connection to ``httpx.ConnectTimeout`` and a full pool to ``ConnectTimeout``, keeps every
idle connection and leaves its session unclosed when the loop ends.

Only aiohttp's public API is used (docs.aiohttp.org, Client Reference): a
``ClientSession`` with its documented options, an ``aiohttp.Payload`` that implements its
two abstract methods, request tracing (``TraceConfig``).
What stays httpx's: proxies (a proxied URL keeps httpx's own pool, see ``_choice``),
cookies, redirects (never followed), content decoding. Where aiohttp differs from
httpx's pool, this transport does what httpx does:

- the request body must go out within the write timeout (aiohttp has none: a server
  that never reads the upload would hang the call), and getting the response head never
  takes longer than connect + write + read;
- response heads up to httpx's limit (100 KiB, any number of lines);
- a request waiting for a free connection longer than the pool timeout is
  ``httpx.PoolTimeout``; the reason phrase is carried.

Where it does not: httpx keeps at most ``max_keepalive_connections`` (50) idle
connections; aiohttp keeps every released one (so as many as were in use at once, at
most ``max_connections``) until ``keepalive_expiry``, and offers neither a setting nor
a public hook to close one on release.

And one thing httpx does not: a request that fails on a reused keep-alive connection
before any byte of the response (the server closed it at its idle timeout just as the
request went out, so never read it) is sent again at once on a new connection, once, as
browsers do; it is not a retry of the policy (README, Reliability).
"""

from __future__ import annotations

import asyncio
import errno
import inspect
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import aiohttp
import httpx
from aiohttp.abc import AbstractStreamWriter
from yarl import URL

__all__ = ["AiohttpTransport"]

# ClientSession(max_headers=...) came in aiohttp 3.13.4 (its release notes); the timeout
# types below in 3.10.
if "max_headers" not in inspect.signature(aiohttp.ClientSession).parameters:
    raise ImportError("the aiohttp transport needs aiohttp>=3.13.4")

# httpx's limit for a response head (httpcore's h11 max_incomplete_event_size); aiohttp's
# defaults (8,190 bytes a line, 128 lines) refuse heads httpx takes.
_HEAD_LIMIT = 100 * 1024

# A body up to this size goes into the transport's buffer without waiting (aiohttp
# drains above 64 KiB), and aiohttp's read timer starts right after: only a larger one
# can stall on a server that does not read, so only a larger one needs a write timer.
_UNBUFFERED = 16 * 1024


class _WriteTimedOut(TimeoutError):
    """The request body did not go out within the write timeout."""


class _HeadTimedOut(TimeoutError):
    """The response head did not arrive within connect + write + read."""


# Most specific first: the first match names the httpx exception raised instead.
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (_WriteTimedOut, httpx.WriteTimeout),
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

# What a connection the server closed before reading the request fails with.
_DROPPED = (None, errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED)


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


def _dropped_before_response(exc: BaseException) -> bool:
    """The connection went away before any byte of the response was parsed."""
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return isinstance(exc.message, str)  # else: a partly received response head
    return isinstance(exc, aiohttp.ClientOSError) and exc.errno in _DROPPED


class _TimedBody(aiohttp.Payload):
    """The request body, written within the write timeout (as httpcore's sync pool does:
    the whole body within it); aiohttp itself would wait for the socket forever.

    A payload of our own implementing the two abstract methods of ``aiohttp.Payload``;
    aiohttp's default ``write_with_length`` calls ``write``."""

    def __init__(self, value: bytes, write_timeout: float | None) -> None:
        super().__init__(value)
        self._body = value
        self._write_timeout = write_timeout

    @property
    def size(self) -> int:
        return len(self._body)

    @property
    def autoclose(self) -> bool:
        return True  # bytes in memory: nothing to close

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self._body.decode(encoding, errors)

    async def write(self, writer: AbstractStreamWriter) -> None:
        try:
            async with asyncio.timeout(self._write_timeout):
                await writer.write(self._body)
        except TimeoutError:
            # Drop the connection now: closing it would wait for the unsent bytes to
            # drain, so its socket would stay open as long as the server stays silent.
            transport = getattr(writer, "transport", None)
            if transport is not None:
                transport.abort()
            # aiohttp hands an errno-less TimeoutError from here to the response
            # reader unchanged, which _as_httpx then maps to httpx.WriteTimeout.
            raise _WriteTimedOut(
                f"the request body was not sent within {self._write_timeout} s"
            ) from None


class _Slot:
    """One of the pool's `max_connections`, held from the request to its body's close."""

    __slots__ = ("_semaphore",)

    def __init__(self, semaphore: asyncio.Semaphore | None) -> None:
        self._semaphore = semaphore

    def release(self) -> None:
        if self._semaphore is not None:
            self._semaphore.release()
            self._semaphore = None


class _Body(httpx.AsyncByteStream):
    def __init__(
        self,
        response: aiohttp.ClientResponse,
        request: httpx.Request,
        slot: _Slot,
        *,
        closes: bool = False,
    ) -> None:
        self._response = response
        self._request = request
        self._slot = slot
        self._closes = closes

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
        self._slot.release()
        if self._closes:
            # A connection of its own (a request sent again): asyncio closes its socket
            # on the loop's next turn; let that happen before the caller goes on.
            await asyncio.sleep(0)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """`httpx.AsyncBaseTransport` over one `aiohttp.ClientSession`, made on first use.

    Example::

        import httpx
        from solar_api.transports._aiohttp import AiohttpTransport

        client = httpx.AsyncClient(transport=AiohttpTransport(limits=httpx.Limits()))
    """

    def __init__(self, *, limits: httpx.Limits, ssl_context: ssl.SSLContext | bool) -> None:
        self._limits = limits
        self._ssl = ssl_context
        self._session: aiohttp.ClientSession | None = None
        # Sessions of new connections only, for a request sent again (made on first need).
        self._fresh: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._closers: list[AsyncGenerator[None, None]] = []

    async def _open(self, *, fresh: bool) -> aiohttp.ClientSession:
        keep_alive: dict[str, Any] = (
            {"force_close": True}
            if fresh
            else {"keepalive_timeout": self._limits.keepalive_expiry or 0}
        )
        # Told whether a request's connection was used before (the request passes its
        # attempt as trace_request_ctx); only the pooled session needs to know.
        tracing = aiohttp.TraceConfig()
        tracing.on_connection_reuseconn.append(_reused)
        session = aiohttp.ClientSession(
            # The pool limit is the semaphore's (so a full pool is a pool timeout).
            connector=aiohttp.TCPConnector(limit=0, limit_per_host=0, ssl=self._ssl, **keep_alive),
            # httpx already sent the client's cookies, decodes bodies and never follows
            # redirects; aiohttp must not do any of that a second time.
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=False,
            timeout=aiohttp.ClientTimeout(total=None),
            max_line_size=_HEAD_LIMIT,
            max_field_size=_HEAD_LIMIT,
            max_headers=_HEAD_LIMIT // 4,  # the shortest header line, "a:" CRLF
            trace_configs=None if fresh else [tracing],
        )
        # Close the session when its event loop shuts down (asyncio.run does this for
        # async generators), so a model used across asyncio.run calls leaves no
        # "Unclosed client session" behind.
        closer = _close_at_loop_shutdown(session)
        await closer.asend(None)
        self._closers.append(closer)
        return session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session
        if session is None or session.closed:
            session = self._session = await self._open(fresh=False)
            limit = self._limits.max_connections
            self._slots = asyncio.Semaphore(limit) if limit else None
        timeout = request.extensions.get("timeout", {})
        slot = await self._acquire(request, timeout.get("pool"))
        try:
            content = await request.aread()
            with _as_httpx(request):
                attempt = SimpleNamespace(reused=False)
                resent = False
                try:
                    response = await self._send(session, request, content, timeout, attempt)
                except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                    if not (attempt.reused and _dropped_before_response(exc)):
                        raise
                    fresh = self._fresh
                    if fresh is None or fresh.closed:
                        fresh = self._fresh = await self._open(fresh=True)
                    response = await self._send(fresh, request, content, timeout, None)
                    resent = True
        except BaseException:
            slot.release()
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Body(response, request, slot, closes=resent),
            request=request,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("ascii", "replace"),
            },
        )

    async def _acquire(self, request: httpx.Request, pool_timeout: float | None) -> _Slot:
        if self._slots is None:
            return _Slot(None)
        if not self._slots.locked():  # a free slot: taken at once, no timer needed
            await self._slots.acquire()
            return _Slot(self._slots)
        try:
            async with asyncio.timeout(pool_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout(
                f"no free connection within the pool timeout ({pool_timeout} s)", request=request
            ) from None
        return _Slot(self._slots)

    @staticmethod
    async def _send(
        session: aiohttp.ClientSession,
        request: httpx.Request,
        content: bytes,
        timeout: dict[str, float | None],
        attempt: SimpleNamespace | None,
    ) -> aiohttp.ClientResponse:
        """One request on `session`, up to its response head (aiohttp's errors)."""
        phases = [timeout.get(p) for p in ("connect", "write", "read")]
        # aiohttp restarts its read timer on every byte received: bound the whole head.
        deadline = None if None in phases else sum(p for p in phases if p is not None)
        try:
            async with asyncio.timeout(deadline) as bound:
                return await session.request(
                    request.method,
                    URL(str(request.url), encoded=True),
                    headers=request.headers.multi_items(),
                    data=_TimedBody(content, timeout.get("write"))
                    if len(content) > _UNBUFFERED
                    else content or None,
                    allow_redirects=False,
                    compress=False,
                    timeout=aiohttp.ClientTimeout(
                        total=None,
                        connect=timeout.get("connect"),
                        sock_connect=timeout.get("connect"),
                        sock_read=timeout.get("read"),
                    ),
                    trace_request_ctx=attempt,
                )
        except TimeoutError:
            if bound.expired():
                raise _HeadTimedOut(f"no complete response head within {deadline} s") from None
            raise

    async def aclose(self) -> None:
        for session in (self._session, self._fresh):
            if session is not None:
                await session.close()
        self._session = self._fresh = None
        self._closers.clear()


async def _reused(
    session: aiohttp.ClientSession,
    context: SimpleNamespace,
    params: aiohttp.TraceConnectionReuseconnParams,
) -> None:
    attempt = context.trace_request_ctx
    if attempt is not None:
        attempt.reused = True


async def _close_at_loop_shutdown(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        if not session.closed:
            await session.close()
