"""An httpx transport on the standard library's HTTP/1.1 client, for the sync client.

Why: per sequential call on loopback, httpx's own sync pool (httpcore + h11, both pure
Python) costs ~290-330 us where `http.client` costs ~120-150 us (bench/README.md).
This keeps httpx's interface (requests, responses, exception types, timeouts) so the
retry policy, the stream decoder and callers see what they saw from httpx's pool.

What stays httpx's: proxies (a proxied client keeps httpx's pool, see _transports.py),
cookies, redirects (never followed), content decoding.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

__all__ = ["Http11Transport"]

_CHUNK = 65536


def _as_httpx_error(exc: Exception, request: httpx.Request, *, connecting: bool) -> Exception:
    """The httpx exception httpcore would raise for this failure (``exc`` if none)."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, socket.timeout | TimeoutError):
        kind: type[httpx.TransportError] = httpx.ConnectTimeout if connecting else httpx.ReadTimeout
    elif isinstance(exc, http.client.RemoteDisconnected):
        kind, message = httpx.RemoteProtocolError, "Server disconnected without sending a response."
    elif isinstance(exc, http.client.IncompleteRead | http.client.HTTPException):
        kind = httpx.RemoteProtocolError
    elif connecting and isinstance(exc, OSError):
        kind = httpx.ConnectError
    elif isinstance(exc, OSError):
        kind = httpx.ReadError
    else:
        return exc
    return kind(message, request=request)


@contextmanager
def _as_httpx(request: httpx.Request, *, connecting: bool = False) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        mapped = _as_httpx_error(exc, request, connecting=connecting)
        if mapped is exc:
            raise
        raise mapped from exc


class _Connection:
    __slots__ = ("conn", "key")

    def __init__(self, conn: http.client.HTTPConnection, key: tuple[str, str, int]) -> None:
        self.conn = conn
        self.key = key

    def reusable(self) -> bool:
        sock = self.conn.sock
        if sock is None:
            return False
        # An idle keep-alive connection has nothing to read; if it has, the server closed
        # it (or broke protocol): never send a request down it.
        # poll, not select: select fails on descriptors above FD_SETSIZE (1024).
        try:
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return not poller.poll(0)
        except (OSError, ValueError):
            return False


class _Body(httpx.SyncByteStream):
    def __init__(
        self,
        transport: Http11Transport,
        connection: _Connection,
        response: http.client.HTTPResponse,
        request: httpx.Request,
    ) -> None:
        self._transport = transport
        self._connection = connection
        self._response = response
        self._request = request
        self._done = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            with _as_httpx(self._request):
                while data := self._response.read1(_CHUNK):
                    yield data
        except Exception:
            self._connection.conn.close()
            raise
        self._done = True

    def close(self) -> None:
        response = self._response
        response.close()
        # Read to the end: the connection goes back to the pool; otherwise it is closed,
        # never reused half-read.
        if self._done and not response.will_close:
            self._transport._release(self._connection)
        else:
            self._connection.conn.close()


class Http11Transport(httpx.BaseTransport):
    """`httpx.BaseTransport` over `http.client` connections, kept alive and pooled.

    Example::

        import httpx
        from solar_api._http11 import Http11Transport

        client = httpx.Client(
            transport=Http11Transport(ssl_context=ssl.create_default_context(), max_idle=50)
        )
    """

    def __init__(self, *, ssl_context: ssl.SSLContext, max_idle: int) -> None:
        self._ssl = ssl_context
        self._max_idle = max_idle
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._lock = threading.Lock()

    def _acquire(self, key: tuple[str, str, int], timeout: dict[str, Any]) -> _Connection:
        with self._lock:
            idle = self._idle.get(key) or []
            while idle:
                connection = idle.pop()
                if connection.reusable():
                    return connection
                connection.conn.close()
        scheme, host, port = key
        connect = timeout.get("connect")
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=connect, context=self._ssl)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=connect)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Connection(conn, key)

    def _release(self, connection: _Connection) -> None:
        with self._lock:
            idle = self._idle.setdefault(connection.key, [])
            if len(idle) < self._max_idle:
                idle.append(connection)
                return
        connection.conn.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported scheme {scheme!r}", request=request)
        port = url.port or (443 if scheme == "https" else 80)
        key = (scheme, url.host, port)
        timeout = request.extensions.get("timeout", {})
        with _as_httpx(request, connecting=True):
            connection = self._acquire(key, timeout)
        conn = connection.conn
        try:
            with _as_httpx(request):
                sock = conn.sock
                sock.settimeout(timeout.get("write"))
                target = url.raw_path.decode("ascii")
                conn.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
                for name, value in request.headers.raw:
                    conn.putheader(name.decode("latin-1"), value.decode("latin-1"))
                conn.endheaders(request.read() or None)
                sock.settimeout(timeout.get("read"))
                response = conn.getresponse()
        except Exception:
            conn.close()
            raise
        return httpx.Response(
            status_code=response.status,
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.getheaders()],
            stream=_Body(self, connection, response, request),
            request=request,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": response.reason.encode("latin-1", "replace"),
            },
        )

    def close(self) -> None:
        with self._lock:
            pools, self._idle = self._idle, {}
        for idle in pools.values():
            for connection in idle:
                connection.conn.close()
