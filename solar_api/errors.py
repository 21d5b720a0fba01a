"""Typed errors. Every error this package raises on purpose is a `SolarError`.

The tree mirrors the openai SDK's, so code written against either reads the same::

    SolarError
    ├── MissingAPIKeyError            (also a ValueError: a configuration mistake)
    ├── APIResponseValidationError    (a 2xx body we cannot read)
    ├── APIStreamError                (an error object sent inside a 200 stream)
    ├── APIConnectionError
    │   ├── APITimeoutError
    │   └── StreamInterruptedError    (the stream broke after events were delivered)
    └── APIStatusError
        ├── RetiredModelError         (400 or 404 for a model its provider retired;
        │                                  also a BadRequestError or a NotFoundError)
        ├── BadRequestError 400
        │   └── ContextLengthExceededError
        ├── AuthenticationError 401
        ├── PermissionDeniedError 403
        ├── NotFoundError 404
        ├── UnprocessableEntityError 422
        ├── RateLimitError 429
        └── InternalServerError 5xx

Messages carry what the server said and never a header, so an API key cannot leak
through `str(error)` or a traceback. Where a request was made they name it (method, host
and path), and a 401 or a 404 that points at the configuration says so (`hint`).

Every error pickles and copies (see `SolarError`), so a process pool or Ray can send
one back to the caller.
"""

from __future__ import annotations

import copy
import json
import re
import ssl
from collections.abc import Callable
from typing import Any, Self, TypeVar

import httpx

from .retry import RetryPolicy

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ContextLengthExceededError",
    "InternalServerError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "RetiredModelError",
    "SolarError",
    "StreamInterruptedError",
    "UnprocessableEntityError",
    "connection_error",
    "request_target",
    "response_target",
    "status_error_from_response",
]

E = TypeVar("E", bound="SolarError")

REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "nvcf-reqid")

# Phrases servers use for "the prompt plus the output does not fit": OpenAI's code,
# Upstage's summarization 400 (seed 001), vLLM, llama.cpp and TGI wordings.
_CONTEXT_LENGTH_RE = re.compile(
    r"context[_ ]length|context window|maximum context|token limit|too many tokens"
    r"|exceeds? the (?:maximum|available) (?:context|token)|prompt is too long"
    r"|exceed_context_size",
    re.IGNORECASE,
)


def request_target(request: httpx.Request | None) -> str | None:
    """``POST http://host:port/v1/chat/completions``: where a request went, without the
    query string (the key is only ever in a header, but a URL's query is not ours)."""
    if request is None:
        return None
    url = request.url
    port = f":{url.port}" if url.port is not None else ""
    return f"{request.method} {url.scheme}://{url.host}{port}{url.path}"


def response_target(response: httpx.Response | None) -> str | None:
    """`request_target` of the request a response answers (None for one built by hand)."""
    if response is None:
        return None
    try:
        return request_target(response.request)
    except RuntimeError:  # a response built by hand, never sent
        return None


def _request_id(response: httpx.Response | None) -> str | None:
    if response is None:
        return None
    return next((response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None)


# What a send or a body read raises when the transport failed: httpx's errors, and
# ssl.SSLError, which httpx's async pool (httpcore over anyio) lets out of a read
# unwrapped, e.g. a TLS 1.3 server's "certificate required" alert, which arrives after the
# handshake. httpx's sync pool and the aiohttp transport raise that as httpx.ReadError;
# as_transport_error does the same for it (both send loops and both streams catch this
# tuple; the retry policy and the stream state convert).
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx.TransportError, ssl.SSLError)


def as_transport_error(
    exc: Exception, request: httpx.Request | None = None
) -> httpx.TransportError:
    """`exc` as the httpx error a transport should have raised (see above)."""
    if isinstance(exc, httpx.TransportError):
        return exc
    error = httpx.ReadError(str(exc), request=request)
    error.__cause__ = exc
    return error


def connection_error(
    exc: httpx.TransportError, request: httpx.Request, *, hint: str | None = None
) -> APIConnectionError:
    """The typed error for a request that got no response, naming where it went; `hint`
    (the provider's ``unreachable_hint``) follows a refused connection."""
    target = request_target(request)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"Request timed out: {target}", request=request)
    message = f"Connection error: {exc} ({target})"
    if hint is not None and isinstance(exc, httpx.ConnectError):
        message = f"{message}; {hint}"
    return APIConnectionError(message, request=request)


def _rebuild(cls: type[E], args: tuple[Any, ...], state: dict[str, Any]) -> E:
    """An error from its class, `args` and attributes, without calling ``__init__``
    (whose keyword-only arguments ``pickle`` and ``copy`` cannot pass)."""
    if not (isinstance(cls, type) and issubclass(cls, SolarError)):
        raise TypeError(f"not a SolarError class: {cls!r}")
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class SolarError(Exception):
    """Base class of every error raised by solar-integrations.

    Errors pickle (a process pool or Ray sends a worker's error back pickled) and copy
    with their class, message (``args``) and every field: ``message``, ``status_code``,
    ``body``, ``request_id``, ``target``, ``hint``... The httpx ``response`` and
    ``request`` some of them hold are *not* pickled, as they belong to a connection
    pool: after loading they are ``None`` (``status_code``, ``request_id`` and ``target``
    still say what they held). `copy.copy` and `copy.deepcopy` share them with the
    original instead. As for any exception, the traceback, ``__cause__`` and
    ``__context__`` are not pickled or copied.
    """

    # Attributes holding httpx objects: dropped by pickling, shared by copies.
    _HTTP_ATTRIBUTES = frozenset({"response", "request"})

    def __reduce__(self) -> tuple[Any, ...]:
        state = {k: None if k in self._HTTP_ATTRIBUTES else v for k, v in self.__dict__.items()}
        return (_rebuild, (type(self), self.args, state))

    def __copy__(self) -> Self:
        return _rebuild(type(self), self.args, dict(self.__dict__))

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        state = {
            k: v if k in self._HTTP_ATTRIBUTES else copy.deepcopy(v, memo)
            for k, v in self.__dict__.items()
        }
        return _rebuild(type(self), copy.deepcopy(self.args, memo), state)


class MissingAPIKeyError(SolarError, ValueError):
    """No API key was given for a provider that needs one."""


class APIConnectionError(SolarError):
    """The request did not get an HTTP response (DNS, refused, reset, TLS...)."""

    def __init__(self, message: str = "Connection error.", *, request: httpx.Request | None = None):
        super().__init__(message)
        self.message = message
        self.request = request
        # Where it went (method, host and path): kept by a pickle, which drops `request`.
        self.target = request_target(request)


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or pool)."""

    def __init__(
        self, message: str = "Request timed out.", *, request: httpx.Request | None = None
    ):
        super().__init__(message, request=request)


class StreamInterruptedError(APIConnectionError):
    """A stream broke after content was delivered; it is never retried (text would repeat)."""

    def __init__(self, message: str, *, events_received: int, request: httpx.Request | None = None):
        super().__init__(message, request=request)
        self.events_received = events_received


class APIResponseValidationError(SolarError):
    """A successful status with a body that is not what the API promises."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: str | None = None,
        response: httpx.Response | None = None,
    ):
        self.message = message
        self.response = response
        self.status_code = (
            status_code if status_code is not None or response is None else response.status_code
        )
        self.body = body
        self.request_id = _request_id(response)
        self.target = response_target(response)
        super().__init__(_format(None, message, None, None, self.request_id, self.target))


class ResponseTooLargeError(SolarError):
    """A body, or one stream line or event, passed its documented size limit while being
    read (``max_response_bytes``, decoded; ``max_event_bytes``): a server that sends a
    decompression bomb or a line that never ends. ``limit`` is the limit, in bytes."""

    def __init__(self, message: str, *, limit: int):
        super().__init__(message)
        self.message = message
        self.limit = limit


class _ServerMessage:
    """Fields shared by errors that carry the server's own `error` object."""

    message: str
    type: str | None
    code: str | int | None
    param: str | None
    body: Any

    def _set_error_fields(self, body: Any, fallback: str) -> None:
        self.body = body
        err = body.get("error", body) if isinstance(body, dict) else body
        if isinstance(err, dict):
            raw = err.get("message") or err.get("detail") or err.get("msg")
            self.message = str(raw) if raw else fallback
            self.type = _opt_str(err.get("type"))
            self.code = err.get("code")
            self.param = _opt_str(err.get("param"))
        else:
            self.message = str(err) if isinstance(err, str) and err else fallback
            self.type = self.code = self.param = None

    @property
    def is_context_length_error(self) -> bool:
        """True when the server says the prompt and output do not fit the context."""
        return self.code == "context_length_exceeded" or bool(
            _CONTEXT_LENGTH_RE.search(self.message or "")
        )


class APIStreamError(_ServerMessage, SolarError):
    """The server sent an error object inside a stream that had started with 200."""

    def __init__(
        self, body: Any, *, events_received: int = 0, response: httpx.Response | None = None
    ):
        self._set_error_fields(body, "The server reported an error inside the stream.")
        self.events_received = events_received
        self.response = response
        self.request_id = _request_id(response)
        self.target = response_target(response)
        super().__init__(
            _format(None, self.message, self.type, self.code, self.request_id, self.target)
        )


class APIStatusError(_ServerMessage, SolarError):
    """The server answered with a non-success status."""

    status_code: int
    target: str | None
    """Where the request went (method, host and path), for the message."""
    hint: str | None = None
    """What in the configuration probably caused it (a 404 from a base URL without
    ``/v1``, the key a 401 refused), when the client can tell; also in the message."""
    retry_after: float | None = None
    """Seconds the server asked to wait (``Retry-After``, ``retry-after-ms``), if it did."""

    def __init__(
        self,
        message: str | None = None,
        *,
        response: httpx.Response,
        body: Any = None,
    ):
        self.response = response
        self.status_code = response.status_code
        self.request_id = _request_id(response)
        reason = response.reason_phrase or "HTTP error"
        self._set_error_fields(body, reason)
        if message is not None:
            self.message = message
        self.target = response_target(response)
        self.retry_after = RetryPolicy.server_delay(response.headers)
        super().__init__(self._render())

    def _render(self) -> str:
        text = _format(
            self.status_code, self.message, self.type, self.code, self.request_id, self.target
        )
        return f"{text}. Hint: {self.hint}" if self.hint else text

    def with_hint(self, hint: str) -> Self:
        """This error with `hint` added to its message (`message` stays the server's)."""
        self.hint = hint
        self.args = (self._render(),)
        return self


class BadRequestError(APIStatusError):
    """400."""


class ContextLengthExceededError(BadRequestError):
    """400 because the prompt and the requested output do not fit the model's context."""


class AuthenticationError(APIStatusError):
    """401."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class RetiredModelError(APIStatusError):
    """The server refused a model that its provider retired; names the successor.

    Raised as `RetiredModelNotFound` (404) or `RetiredModelBadRequest` (400), so code
    that catches `NotFoundError` or `BadRequestError` catches it too.
    """

    model: str
    retired_on: str
    successor: str | None

    def __init__(
        self,
        *,
        response: httpx.Response,
        body: Any,
        model: str,
        retired_on: str,
        successor: str | None,
    ) -> None:
        self.model = model
        self.retired_on = retired_on
        self.successor = successor
        super().__init__(response=response, body=body)
        instead = f"; use {successor!r} instead" if successor else ""
        self.message = (
            f"{model!r} was retired by its provider ({retired_on}){instead}. "
            f"The server said: {self.message}"
        )
        self.args = (self._render(),)


class RetiredModelNotFound(RetiredModelError, NotFoundError):
    """404 for a retired model."""


class RetiredModelBadRequest(RetiredModelError, BadRequestError):
    """400 for a retired model."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429."""


class InternalServerError(APIStatusError):
    """5xx."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


# A model's retirement as the caller's registry knows it: (retirement date, successor), or
# None for a model that is not retiring. The errors module reads no registry itself.
Retirement = Callable[[str], "tuple[str, str | None] | None"]


def status_error_from_response(
    response: httpx.Response, *, retirement: Retirement | None = None
) -> APIStatusError:
    """Build the typed error for a non-success response whose body has been read;
    `retirement` tells a retired model's refusal (a `RetiredModelError`) from others."""
    text = response.text
    body: Any
    try:
        body = json.loads(text) if text else None
    except (ValueError, RecursionError):
        # A gateway's HTML page or plain text, or JSON nested past the parser's depth (a
        # hostile body): keep a short, single-line excerpt, so the retry policy applies.
        body = " ".join(text.split())[:500] or None
    status = response.status_code
    if 300 <= status < 400:
        location = response.headers.get("location", "?")
        return APIStatusError(
            f"The server redirected to {location}; redirects are not followed so the "
            "API key is sent only to the configured base URL.",
            response=response,
            body=body,
        )
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    error = cls(response=response, body=body)
    if status in (400, 404) and retirement is not None:
        retired = _retired_model_error(error, response, body, retirement)
        if retired is not None:
            return retired
    if cls is BadRequestError and error.is_context_length_error:
        error = ContextLengthExceededError(response=response, body=body)
    return error


# How servers say a model name is not served: OpenAI's "The model `x` does not exist",
# "model not found", "invalid model", "is no longer supported", "has been deprecated"...
# Upstage publishes no text for it ("Requests naming it will return an error after that
# date", its solar-pro2 page), so the wording is matched broadly and trusted only for a
# model the registry marks as retired.
_MODEL_REFUSED_RE = re.compile(
    r"(?=.*model)(?=.*(?:invalid|not found|does not exist|doesn't exist|unknown|no longer"
    r"|deprecat|retired|not supported|unsupported|not available|not served))",
    re.IGNORECASE | re.DOTALL,
)


def _retired_model_error(
    error: APIStatusError, response: httpx.Response, body: Any, retirement: Retirement
) -> RetiredModelError | None:
    if error.is_context_length_error or not _MODEL_REFUSED_RE.match(error.message or ""):
        return None
    try:
        sent = json.loads(response.request.content or b"null")
    except (RuntimeError, ValueError):  # a response built by hand, or a non-JSON body
        return None
    model = sent.get("model") if isinstance(sent, dict) else None
    if not isinstance(model, str) or (retiring := retirement(model)) is None:
        return None
    retired_on, successor = retiring
    cls = RetiredModelNotFound if response.status_code == 404 else RetiredModelBadRequest
    return cls(
        response=response,
        body=body,
        model=model,
        retired_on=retired_on,
        successor=successor,
    )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _format(
    status: int | None,
    message: str,
    type_: str | None,
    code: str | int | None,
    request_id: str | None,
    target: str | None = None,
) -> str:
    head = f"Error code: {status} - {message}" if status is not None else message
    extras = [
        f"{k}={v}" for k, v in (("type", type_), ("code", code), ("request_id", request_id)) if v
    ]
    if target:
        extras.append(target)
    return f"{head} ({', '.join(extras)})" if extras else head
