"""What the sync and async clients share: configuration, request building, parsing.

No I/O happens here; `client.py` and `async_client.py` hold the two send loops.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from ._bounded import DEFAULT_MAX_RESPONSE_BYTES
from ._header_checks import check_api_key, check_default_headers
from ._pickling import PickledEndpoint
from ._validation import first_error
from ._version import __version__
from .errors import (
    APIResponseValidationError,
    APIStatusError,
    RetiredModelError,
    as_transport_error,
    connection_error,
    status_error_from_response,
)
from .providers._fixes import sent_named, sent_required
from .providers._learned import STORE
from .providers._presets import Provider, ResolvedEndpoint, resolve_endpoint
from .providers._registry import ModelInfo, get_model_info, retirement_of
from .providers._server_kind import LLAMA_SERVER, kind_of_reply, props_lessons, props_url
from .providers.capabilities import capability
from .providers.lessons import (
    lesson_from_refusal,
    lesson_from_reply,
    sent_body,
    sent_differently,
)
from .providers.replies import ChatChunkHooks, restore_completion
from .providers.shaping import shape_body, with_lessons
from .ratelimit import RateLimiter
from .response_info import kept_headers
from .retry import RetryPolicy
from .sse import DEFAULT_MAX_EVENT_BYTES
from .transports.tls import CertLike, VerifyLike, pool_options
from .types import (
    ChatCompletion,
    ChatCompletionRequest,
    Completion,
    CompletionRequest,
    EmbeddingRequest,
    ResponseModel,
    WireModel,
)

__all__ = ["DEFAULT_TIMEOUT", "PROPS_TIMEOUT", "BaseClient"]

logger = logging.getLogger("solar_api")

# Models already warned about as retiring soon (once per process).
_WARNED_RETIRING: set[str] = set()

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=50)
# llama-server's GET /props answers at once; a server without it is not waited for.
PROPS_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", bound=WireModel)
# The pool type a client sends on (and takes as http_client).
H = TypeVar("H", httpx.Client, httpx.AsyncClient)

TimeoutLike = float | httpx.Timeout | None


def coerce_timeout(timeout: TimeoutLike) -> httpx.Timeout:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError(f"timeout: got {timeout!r}; expected seconds > 0 or an httpx.Timeout")
    # A single number bounds every phase, but connecting never waits longer than 5 s.
    return httpx.Timeout(float(timeout), connect=min(5.0, float(timeout)))


class BaseClient(Generic[H]):
    """Configuration and pure helpers shared by `SolarClient` and `AsyncSolarClient`."""

    def __init__(
        self,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        provider: str | None = None,
        timeout: TimeoutLike = None,
        max_retries: int = 2,
        default_headers: dict[str, str] | None = None,
        retry_policy: RetryPolicy | None = None,
        http_client: H | None = None,
        proxy: str | httpx.Proxy | None = None,
        verify: VerifyLike = True,
        cert: CertLike = None,
        trust_env: bool = True,
        rate_limiter: RateLimiter | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        endpoint: ResolvedEndpoint | None = None,
    ) -> None:
        """``endpoint``: an already resolved provider, URL and key (what
        `solar_api.connection.Connection` hands the two clients it builds), in place of
        ``api_key``/``base_url``/``provider``; it also says which of them were given, which
        pickles depend on."""
        for word, value in (
            ("max_response_bytes", max_response_bytes),
            ("max_event_bytes", max_event_bytes),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{word}: got {value!r}; expected a whole number of bytes >= 1")
        # Ceilings on what one body and one stream event may hold (_bounded.py, sse.py).
        self.max_response_bytes = max_response_bytes
        self.max_event_bytes = max_event_bytes
        # Proxy/TLS/trust_env for the pools this client makes, checked now (a bad CA path
        # fails here) and turned into httpx options when a pool is made.
        self._pool_settings: dict[str, Any] = {
            "proxy": proxy,
            "verify": verify,
            "cert": cert,
            "trust_env": trust_env,
        }
        pool_options(**self._pool_settings)
        if endpoint is None:
            endpoint = resolve_endpoint(provider=provider, base_url=base_url, api_key=api_key)
        elif (api_key, base_url, provider) != (None, None, None):
            raise TypeError("endpoint: give it alone, or api_key/base_url/provider instead")
        self._endpoint: ResolvedEndpoint = endpoint
        # Checked before any request: a bad key or header is named, its value never shown.
        key = self._endpoint.api_key
        env = self._endpoint.provider.api_key_env
        check_api_key(
            key.get_secret_value() if key else None, f"api_key{f' (or {env})' if env else ''}"
        )
        check_default_headers(default_headers)
        read = self._endpoint.provider.default_read_timeout
        self.timeout = (
            coerce_timeout(timeout)
            if timeout is not None or read is None
            else httpx.Timeout(read, connect=DEFAULT_TIMEOUT.connect)
        )
        self._timeout_extension = self.timeout.as_dict()
        self._urls: dict[str, httpx.URL] = {}
        # Headers per stream flag, Authorization included: never pickled (_UNPICKLED).
        self._own_headers: dict[bool, httpx.Headers] = {}
        self.retry = retry_policy or RetryPolicy(max_retries=max_retries)
        if rate_limiter is not None and not isinstance(rate_limiter, RateLimiter):
            raise TypeError(
                f"rate_limiter: got {type(rate_limiter).__name__}; expected a "
                "solar_api.ratelimit.RateLimiter (InMemoryRateLimiter or RedisRateLimiter)"
            )
        # Taken before every attempt, settled after it (see _send and solar_api/ratelimit/).
        self.rate_limiter = rate_limiter
        self._warned_single_turn: set[str] = set()
        # Adaptations already logged at WARNING (once per client and field).
        self._warned_adapted: set[str] = set()
        self._headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": f"solar-integrations/{__version__}",
            **(default_headers or {}),
        }
        self._user_http = http_client
        self._reset_transport()

    _user_http: H | None

    # -- pickling: never carries the key or a pool ------------------------------------
    _UNPICKLED: tuple[str, ...] = ("_user_http",)

    def __getstate__(self) -> dict[str, Any]:
        skip = (*self._UNPICKLED, "_own_headers")  # the latter holds the key
        state = {k: v for k, v in self.__dict__.items() if k not in skip}
        state["_endpoint"] = PickledEndpoint.of(self._endpoint)
        state["_urls"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        pickled: PickledEndpoint = state.pop("_endpoint")
        self.__dict__.update(state)
        self._own_headers = {}
        # The key is read again from the provider's variable, as at construction.
        self._endpoint = pickled.restore(type(self).__name__)
        self._reset_transport()

    def _reset_transport(self) -> None:
        """Forget pools and per-process state (after unpickling)."""

    @property
    def _pool_options(self) -> dict[str, Any]:
        return pool_options(**self._pool_settings)

    # -- configuration, read-only ------------------------------------------------
    @property
    def provider(self) -> Provider:
        return self._endpoint.provider

    @property
    def base_url(self) -> str:
        return self._endpoint.base_url

    @property
    def endpoint(self) -> ResolvedEndpoint:
        """Provider, URL and key as resolved, and which of them were given."""
        return self._endpoint

    @property
    def api_key(self) -> SecretStr | None:
        return self._endpoint.api_key

    @property
    def max_retries(self) -> int:
        return self.retry.max_retries

    def __repr__(self) -> str:
        # The key is deliberately absent: only whether one is set.
        return (
            f"{type(self).__name__}(provider={self.provider.name!r}, base_url={self.base_url!r}, "
            f"api_key={'set' if self.api_key else None}, max_retries={self.max_retries})"
        )

    @property
    def _learned(self) -> frozenset[str]:
        """What this server rejected or ignored (_downgrade.py), shared by every client of
        the base URL in the process (_learned.py); applied to every later request."""
        return STORE.labels(self.base_url)

    # -- requests ---------------------------------------------------------------
    def _request_headers(self, *, stream: bool) -> dict[str, str]:
        headers = dict(self._headers)
        key = self._endpoint.require_api_key()
        if key is not None:
            headers["Authorization"] = f"Bearer {key.get_secret_value()}"
        if stream:
            headers["Accept"] = "text/event-stream"
        return headers

    def _build_request(
        self,
        http: httpx.Client | httpx.AsyncClient,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        stream: bool,
    ) -> httpx.Request:
        # An absolute URL, so a user-supplied http client's own base_url never applies
        # and the key goes only to the configured host.
        if body is not None:
            body = with_lessons(body, self._learned)  # shaping's last stage, per attempt
        content = (
            json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            if body is not None
            else None
        )
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = httpx.URL(self.base_url + path)
        if http is not self._user_http and not http.cookies:
            # Our own pool adds only httpx's default headers, the same for every pool we
            # make, so the merged headers are computed once: the request is then what
            # build_request makes (tests/unit/core/test_connection_reuse.py checks it),
            # without re-parsing the URL and re-merging headers. Kept for its cost: 17-33
            # us per request against 41-64 us through build_request on the same pool
            # (timeit minima, 2 shared cores), ~5% of bench-quick's 429 us per call. The
            # bench's no-network column passes http_client, so it takes build_request.
            headers = self._own_headers.get(stream)
            if headers is None:
                headers = httpx.Headers(http.headers)
                headers.update(self._request_headers(stream=stream))
                self._own_headers[stream] = headers
            return httpx.Request(
                method,
                url,
                headers=headers,
                content=content,
                extensions={"timeout": self._timeout_extension},
            )
        return http.build_request(
            method,
            url,
            headers=self._request_headers(stream=stream),
            content=content,
            timeout=self.timeout,
        )

    def _log_attempt(self, request: httpx.Request, outcome: str, attempt: int) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (attempt %d of %d)",
                request.method,
                request.url,
                outcome,
                attempt + 1,
                self.max_retries + 1,
            )

    def _retry_delay_or_raise(
        self,
        request: httpx.Request,
        attempt: int,
        *,
        response: httpx.Response | None = None,
        exc: Exception | None = None,
        body: dict[str, Any] | None = None,
    ) -> float | None:
        """After a failed attempt: the seconds to wait before the next, None to send again
        at once in a form the server takes (not counted as a retry), or the final error.

        The whole retry policy is applied here, for both send loops.
        """
        if exc is not None:
            error = as_transport_error(exc, request)  # one of errors.TRANSPORT_ERRORS
            self._log_attempt(request, type(error).__name__, attempt)
            if attempt < self.max_retries:
                return self.retry.delay(attempt)
            raise connection_error(error, request, hint=self.provider.unreachable_hint) from error
        assert response is not None
        self._log_attempt(request, str(response.status_code), attempt)
        if body is not None and self._learn_from_refusal(request, response) is not None:
            return None
        retryable = self.retry.is_retryable_status(response.status_code)
        over = self.retry.over_cap(response.headers) if retryable else None
        if retryable and over is None and attempt < self.max_retries:
            return self.retry.delay(attempt, response.headers)
        final = status_error_from_response(response, retirement=retirement_of)
        hint = _configuration_hint(final, self._endpoint)
        if over is not None:
            # Not replaced by a short back-off: that would hit a server that asked for
            # quiet (a whole fleet of workers, with a shared limiter) again at once.
            hint = (
                f"the server asked to wait {over:g} s, more than max_retry_after "
                f"({self.retry.max_retry_after:g} s), so it was not retried; wait that "
                "long, or pass retry_policy=RetryPolicy(max_retry_after=...) to wait it out"
            )
        raise final.with_hint(hint) if hint else final

    def _learn_from_refusal(self, request: httpx.Request, response: httpx.Response) -> str | None:
        """The lesson when the error names a field of the body as sent (providers/
        lessons.py): it is kept for the server, and the request is sent again without it
        (each field at most once, as it is then gone); None when it teaches nothing."""
        status, text = response.status_code, response.text
        label = lesson_from_refusal(status, text, request.content)
        if label is None:
            return None
        if STORE.add(self.base_url, label):
            logger.warning(
                "%s rejected %r (%s %s); sending requests without it from now on",
                self.base_url,
                label,
                status,
                " ".join(text.split())[:200],
            )
        return label

    def _learn_kind(self, kind: str | None, evidence: str) -> None:
        """Remember what kind of server this is, with the lessons the kind carries."""
        if kind is None or STORE.kind(self.base_url)[0] == kind:
            return
        for label in STORE.set_kind(self.base_url, kind):
            logger.warning(
                "%s is llama.cpp's %s (%s), which does not enforce %r; sent instead: %s",
                self.base_url,
                kind,
                evidence,
                label,
                capability(label).sent_instead,
            )

    def _missed_forced_call(
        self, response: httpx.Response, completion: ChatCompletion
    ) -> dict[str, Any] | None:
        """The body as sent when it forced a tool call ("required" or a named tool) and the
        reply called none: the miss is learned (and the kind of server, when the reply
        shows it). The caller reads the server's description if it can, then sends again
        if the body would now go out differently (`_sent_differently`)."""
        self._learn_kind(kind_of_reply(completion), "a 'timings' field in its reply")
        try:
            content = response.request.content
        except RuntimeError:  # a response made without a request (tests, replays)
            return None
        sent = sent_body(content)
        label = None if sent is None else lesson_from_reply(sent, _calls_a_tool(completion))
        if label is None:
            return None
        if STORE.add(self.base_url, label):
            form = "tool_choice 'required'" if label == "tool_choice_required" else "a named tool"
            logger.warning(
                "%s took %s and answered without a tool call; sent instead: %s",
                self.base_url,
                form,
                capability(label).sent_instead,
            )
        return sent

    def _learn_from_stream(self, sent: bytes, called_tool: bool, kind: str | None) -> None:
        """What a chat stream that ended well showed: the kind of server (``timings`` in its
        last chunk), and a forced call it did not make, for the next requests (a stream
        already read is not sent again)."""
        self._learn_kind(kind, "a 'timings' field in its stream")
        body = sent_body(sent)
        label = None if body is None else lesson_from_reply(body, called_tool)
        if label is not None and STORE.add(self.base_url, label):
            logger.warning(
                "%s streamed no tool call for a forced one; from the next request on, "
                "sent instead: %s",
                self.base_url,
                capability(label).sent_instead,
            )

    def _sent_differently(self, sent: dict[str, Any]) -> bool:
        """Whether `sent` would now go out changed by what is learned (each resend is paid
        for by a new lesson, so a request is sent at most three times)."""
        return sent_differently(sent, self._learned)

    def _chat_stream_hooks(self, response: httpx.Response) -> ChatChunkHooks:
        """What a chat stream's chunks need on this server, and what they teach it."""
        try:
            sent = response.request.content
        except RuntimeError:  # a response made without a request (tests, replays)
            sent = b""
        return ChatChunkHooks(sent, self._learn_from_stream)

    def _props_wanted(self, body: dict[str, Any]) -> str | None:
        """llama-server's ``/props`` URL, when a body forcing a tool call goes to a server
        known to be one whose description was not read yet (once per server)."""
        if not (sent_required(body) or sent_named(body)):
            return None
        kind, read = STORE.kind(self.base_url)
        if kind != LLAMA_SERVER or read:
            return None
        STORE.set_props_read(self.base_url)
        return props_url(self.base_url)

    def _learn_props(self, response: httpx.Response | None) -> None:
        """What ``GET /props`` says (nothing when it did not answer 200 with JSON)."""
        if response is None or response.status_code != 200:
            return
        try:
            props = response.json()
        except ValueError:
            return
        for label in props_lessons(props):
            if STORE.add(self.base_url, label):
                logger.warning(
                    "%s: its chat template has no tool support (GET /props), so %r is "
                    "not enforced; sent instead: %s",
                    self.base_url,
                    label,
                    capability("forced_tool_choice").sent_instead,
                )

    # -- bodies -----------------------------------------------------------------
    def chat_body(
        self,
        request: ChatCompletionRequest | Mapping[str, Any] | None,
        params: dict[str, Any],
        *,
        stream: bool,
        include_usage: bool | None = None,
    ) -> dict[str, Any]:
        req = _build_request(ChatCompletionRequest, request, params)
        self._check_turns(req)
        return self._shape(req, stream, include_usage)

    def _check_turns(self, req: ChatCompletionRequest) -> None:
        # Models tuned for single turns (NIM's solar-10.7b-instruct) still answer a
        # conversation, just worse: say so once per model, never refuse.
        if req.model in self._warned_single_turn:
            return
        info = get_model_info(req.model)
        if info.multi_turn or not info.known:
            return
        turns = sum(1 for m in req.messages if m.role in ("user", "assistant"))
        if turns > 1:
            self._warned_single_turn.add(req.model)
            warnings.warn(
                f"{req.model} is {info.note or 'tuned for single turns'}; this request "
                f"carries {turns} user/assistant turns, so its answers may be worse.",
                UserWarning,
                stacklevel=4,
            )

    def completion_body(
        self,
        request: CompletionRequest | Mapping[str, Any] | None,
        params: dict[str, Any],
        *,
        stream: bool,
        include_usage: bool | None = None,
    ) -> dict[str, Any]:
        req = _build_request(CompletionRequest, request, params)
        return self._shape(req, stream, include_usage)

    def _shape(
        self,
        req: ChatCompletionRequest | CompletionRequest,
        stream: bool,
        include_usage: bool | None,
    ) -> dict[str, Any]:
        """The body for this server before its lessons (providers/shaping.py: those are
        applied to every attempt, by `_build_request`)."""
        info = get_model_info(req.model)
        self._note_retiring(info)
        return shape_body(
            req,
            self.provider,
            info,
            stream=stream,
            include_usage=include_usage,
            warned=self._warned_adapted,
        )

    def _note_retiring(self, info: ModelInfo) -> None:
        """Warn once per process about a model its provider will retire soon (Upstage's
        Embedding 1 on 2026-12-31), sent to that provider; it is still sent as asked."""
        if (
            info.retires is None
            or info.name in _WARNED_RETIRING
            or info.provider != self.provider.name
            or info.retired()
        ):
            return
        _WARNED_RETIRING.add(info.name)
        logger.warning(
            "%s retires on %s at %s; move to %s before then",
            info.name,
            info.retires,
            self.provider.name,
            info.successor or "a current model",
        )

    def embedding_body(self, params: dict[str, Any]) -> dict[str, Any]:
        """An embeddings request's body (the model's retirement noted)."""
        req = EmbeddingRequest(**params)
        self._note_retiring(get_model_info(req.model))
        return req.to_wire()

    @staticmethod
    def _parse(model: type[M], response: httpx.Response) -> M:
        try:
            parsed = model.model_validate_json(response.content)
        except ValidationError as exc:
            raise APIResponseValidationError(
                f"The {response.status_code} response is not a valid {model.__name__}"
                f" ({first_error(exc)})",
                body=response.text[:500],
                response=response,
            ) from None
        if isinstance(parsed, ChatCompletion | Completion) and not parsed.choices:
            # A 200 with "choices": [] (or {}): typed here, not an IndexError in an adapter.
            raise APIResponseValidationError(
                f"The {response.status_code} response has no choices",
                body=response.text[:500],
                response=response,
            )
        if isinstance(parsed, ResponseModel):
            parsed._response_headers = kept_headers(response.headers)
        return parsed


# A version segment in a base URL's path: /v1, /v2, /v1beta, /api/v3/...
_VERSION_SEGMENT = re.compile(r"/v\d+[a-z0-9]*(?:/|$)", re.IGNORECASE)


def _configuration_hint(error: APIStatusError, endpoint: ResolvedEndpoint) -> str | None:
    """What in the client's configuration probably caused `error`, for its message.

    A 404 from a base URL of the caller's own (no preset's) with no version segment:
    OpenAI-compatible servers serve ``/v1/chat/completions``. A 401: which key was
    refused, by where it came from (never the key itself).
    """
    provider = endpoint.provider
    if error.status_code == 404 and not isinstance(error, RetiredModelError):
        base_url = endpoint.base_url
        if provider.base_url is None and not _VERSION_SEGMENT.search(urlsplit(base_url).path):
            return (
                f"the base URL {base_url!r} has no version segment, and OpenAI-compatible "
                "servers serve the API under /v1 (/v1/chat/completions...): it probably "
                f"needs to be base_url={base_url + '/v1'!r}"
            )
        return None
    if error.status_code != 401:
        return None
    if endpoint.api_key is None:
        env = provider.api_key_env
        return f"no API key was sent; pass api_key=...{f' or set {env}' if env else ''}"
    if endpoint.api_key_given:
        return "the server refused the API key passed as api_key="
    if provider.api_key_env:
        return (
            f"the server refused the API key read from the {provider.api_key_env} "
            "environment variable"
        )
    return None


def _parse_chat(response: httpx.Response) -> ChatCompletion:
    """A chat reply, as the caller's own request would have been answered (what shaping
    changed to force a tool call undone: providers/replies.py)."""
    completion = BaseClient._parse(ChatCompletion, response)
    restore_completion(completion, response.request.content)
    return completion


def _calls_a_tool(completion: ChatCompletion) -> bool:
    return any(choice.message.tool_calls for choice in completion.choices)


_Req = TypeVar("_Req", ChatCompletionRequest, CompletionRequest)


def _build_request(cls: type[_Req], request: object, params: dict[str, Any]) -> _Req:
    """A request from a request model, a mapping of its fields, or keywords; keywords win.

    Keywords given next to a request are merged into it, never ignored.
    """
    if request is None:
        return cls(**params)
    if isinstance(request, cls):
        if not params:
            return request
        return cls(**{**request.model_dump(exclude_unset=True), **params})
    if isinstance(request, Mapping):
        return cls(**{**request, **params})
    raise TypeError(
        f"request: expected a {cls.__name__} or a mapping of its fields, "
        f"got {type(request).__name__}"
    )
