"""What the sync and async clients share: configuration, request building, parsing.

No I/O happens here; `client.py` and `async_client.py` hold the two send loops.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_core import PydanticSerializationError

from ._bounded import DEFAULT_MAX_RESPONSE_BYTES
from ._header_checks import check_api_key, check_default_headers
from ._pickling import PickledEndpoint
from ._version import __version__
from .errors import (
    APIResponseValidationError,
    APIStatusError,
    RetiredModelError,
    as_transport_error,
    connection_error,
    status_error_from_response,
)
from .providers._adapt import adapt_body
from .providers._downgrade import (
    apply_downgrade,
    find_downgrade,
    forced_choice_missed,
    is_validation_error,
)
from .providers._fixes import sent_named, sent_required
from .providers._learned import STORE
from .providers._model_params import apply_model_params
from .providers._one_of import ONE_OF, sent_one_of, unwrap_calls
from .providers._presets import Provider, ResolvedEndpoint, resolve_endpoint
from .providers._reasoning import check_reasoning_effort
from .providers._registry import ModelInfo, get_model_info
from .providers._server_kind import LLAMA_SERVER, kind_of_reply, props_lessons, props_url
from .providers._tool_as_json import as_tool_calls, emulated_tool
from .providers.capabilities import capability
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
    StreamOptions,
    WireModel,
)

if TYPE_CHECKING:
    from .connection import Connection

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
    ) -> None:
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
        self._endpoint: ResolvedEndpoint = resolve_endpoint(
            provider=provider, base_url=base_url, api_key=api_key
        )
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
        # Taken before every attempt, settled after it (see _send and ratelimit.py).
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

    @classmethod
    def from_connection(
        cls,
        connection: Connection,
        endpoint: ResolvedEndpoint,
        http_client: H | None,
        rate_limiter: RateLimiter | None,
    ) -> Self:
        """A client for an adapter's `connection`, on the `endpoint` it resolved."""
        client = cls(
            api_key=endpoint.api_key,
            base_url=endpoint.base_url,
            provider=endpoint.provider.name,
            timeout=connection.timeout,
            max_retries=connection.max_retries,
            retry_policy=connection.retry_policy,
            default_headers=connection.default_headers,
            http_client=http_client,
            proxy=connection.proxy,
            verify=True if connection.verify is None else connection.verify,
            cert=connection.cert,
            trust_env=connection.trust_env,
            rate_limiter=rate_limiter,
            max_response_bytes=connection.max_response_bytes,
            max_event_bytes=connection.max_event_bytes,
        )
        # Where each value came from (given or read from the environment), which the
        # client's pickles and its owner's depend on.
        client._endpoint = endpoint
        return client

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
        """What this server rejected or ignored (downgrade.py), shared by every client of
        the base URL in the process (learned.py); applied to every later request."""
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
            body = apply_downgrade(body, self._learned)
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
            # build_request makes, without re-parsing the URL and re-merging headers.
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
            raise connection_error(error, request, provider=self.provider.name) from error
        assert response is not None
        self._log_attempt(request, str(response.status_code), attempt)
        if body is not None and self._learn(request, response):
            return None
        retryable = self.retry.is_retryable_status(response.status_code)
        over = self.retry.over_cap(response.headers) if retryable else None
        if retryable and over is None and attempt < self.max_retries:
            return self.retry.delay(attempt, response.headers)
        final = status_error_from_response(response)
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

    def _learn(self, request: httpx.Request, response: httpx.Response) -> bool:
        """True when the error names a field of the body as sent: it is learned, and the
        request is sent again without it (each field at most once, as it is then gone)."""
        status, text = response.status_code, response.text
        # A 500 counts only when it reads as a validation error (llama-cpp-python's
        # server answers a body it cannot parse that way); other 5xx are retried.
        if status not in (400, 422) and not (status == 500 and is_validation_error(text)):
            return False
        try:
            sent = json.loads(request.content)
        except ValueError:
            return False
        # Judged on the body as sent, not on what is learned now: another client of the
        # same server may have learned the field while this request was on its way.
        label = find_downgrade(sent, text, set())
        if label is None:
            return False
        if STORE.add(self.base_url, label):
            logger.warning(
                "%s rejected %r (%s %s); sending requests without it from now on",
                self.base_url,
                label,
                status,
                " ".join(text.split())[:200],
            )
        return True

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
            sent: dict[str, Any] = json.loads(response.request.content)
        except (RuntimeError, ValueError):
            return None
        label = forced_choice_missed(sent, _calls_a_tool(completion))
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
        try:
            body = json.loads(sent)
        except ValueError:
            return
        label = forced_choice_missed(body, called_tool)
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
        return apply_downgrade(sent, self._learned) != sent

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
        return self._stream_fields(req, stream, include_usage)

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
        return self._stream_fields(req, stream, include_usage)

    def _stream_fields(
        self,
        req: ChatCompletionRequest | CompletionRequest,
        stream: bool,
        include_usage: bool | None,
    ) -> dict[str, Any]:
        info = get_model_info(req.model)
        self._note_retiring(info)
        overrides = info.overrides
        profile = replace(self.provider, **overrides) if overrides else self.provider
        try:
            wire = req.to_wire()
        except PydanticSerializationError as exc:
            named: list[str] = [
                f for f in ("tools", "messages", "response_format") if getattr(req, f, None)
            ]
            raise ValueError(
                f"request: a value is not JSON-serializable ({exc}); check "
                f"{', '.join([*named, 'model_kwargs'])}: they must hold plain JSON values"
            ) from None
        body = adapt_body(wire, profile, self._warned_adapted)
        body = check_reasoning_effort(body, info, self._warned_adapted)
        if stream:
            body["stream"] = True
            # Usage on streams is asked for by default where the provider (and the
            # model's parameter list) takes it; include_usage=False (or an explicit
            # stream_options) turns that off.
            if include_usage is None:
                include_usage = self.provider.stream_usage and (
                    info.params is None or "stream_options" in info.params
                )
            if req.stream_options is None and include_usage:
                body["stream_options"] = StreamOptions(include_usage=True).to_wire()
        else:
            body.pop("stream", None)
            body.pop("stream_options", None)
        return apply_model_params(body, info, self.provider.name, self._warned_adapted)

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
            err = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in err["loc"])
            raise APIResponseValidationError(
                f"The {response.status_code} response is not a valid {model.__name__}"
                f" ({where + ': ' if where else ''}{err['msg']})",
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
    """A chat reply; the JSON answer to an emulated forced call (providers/_tool_as_json.py)
    becomes the tool call, and calls of the stand-in tool of a "required" choice over
    several tools (providers/_one_of.py) become calls of the tools they name."""
    completion = BaseClient._parse(ChatCompletion, response)
    content = response.request.content
    emulated = emulated_tool(content)
    if emulated is not None:
        as_tool_calls(completion, emulated)
    if emulated == ONE_OF or sent_one_of(content):
        for choice in completion.choices:
            if choice.message.tool_calls:
                unwrap_calls(choice.message.tool_calls)
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
