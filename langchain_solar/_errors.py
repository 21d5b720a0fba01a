"""``solar_api`` errors that LangChain also understands.

langchain-core 1.x defines ``ModelError`` classes (``ModelRateLimitError``,
``ContextOverflowError``, ...) that middleware, fallbacks and retries recognise; its
provider integrations raise errors deriving from both those and the provider's own
classes. ``solar_api`` imports no LangChain, so here, at the adapter boundary, a
``solar_api`` error is raised again as an instance of a subclass of both, ``from`` the
original (as langchain-openai does): ``except solar_api.RateLimitError`` and ``except
ModelRateLimitError`` both catch it, with the original's message and fields.

The subclasses are made once, when this module is imported, and live in it under their
``solar_api`` names (``langchain_solar._errors.RateLimitError``...), so pickle finds
them: an error sent back from a process pool or Ray loads as the same class. Every
``SolarError`` a request can raise has one (a test checks): a missing key is a
``ModelAuthenticationError``, a reply that cannot be read a ``ModelAPIError``, and an
error sent inside a stream is classed by what it says (``APIStreamRateLimitError``...).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Literal, TypeVar, cast

from langchain_core import exceptions as lc

import solar_api.errors as se
from solar_api.ratelimit import RateLimiterUnavailableError

__all__ = ["langchain_errors"]

F = TypeVar("F", bound=Callable[..., Any])

# (solar_api class, langchain-core class, the name of the class made of both). By name,
# so an older langchain-core without ModelError leaves errors as they are.
_PAIRS: list[tuple[type[se.SolarError], str, str]] = [
    (se.ContextLengthExceededError, "ContextOverflowError", "ContextLengthExceededError"),
    (se.BadRequestError, "ModelInvalidRequestError", "BadRequestError"),
    (se.RetiredModelBadRequest, "ModelInvalidRequestError", "RetiredModelBadRequest"),
    (se.UnprocessableEntityError, "ModelInvalidRequestError", "UnprocessableEntityError"),
    (se.AuthenticationError, "ModelAuthenticationError", "AuthenticationError"),
    (se.MissingAPIKeyError, "ModelAuthenticationError", "MissingAPIKeyError"),
    (se.PermissionDeniedError, "ModelPermissionDeniedError", "PermissionDeniedError"),
    (se.NotFoundError, "ModelNotFoundError", "NotFoundError"),
    (se.RetiredModelNotFound, "ModelNotFoundError", "RetiredModelNotFound"),
    (se.RateLimitError, "ModelRateLimitError", "RateLimitError"),
    (se.InternalServerError, "ModelAPIError", "InternalServerError"),
    # Any other status (3xx, 408, 409, 413, 418...): a model error of no particular kind.
    (se.APIStatusError, "ModelError", "APIStatusError"),
    # A 2xx body that is not what the API promises: the server's failure.
    (se.APIResponseValidationError, "ModelAPIError", "APIResponseValidationError"),
    # A body or stream event past its size limit (a hostile or broken server).
    (se.ResponseTooLargeError, "ModelAPIError", "ResponseTooLargeError"),
    (se.APITimeoutError, "ModelTimeoutError", "APITimeoutError"),
    (se.APIConnectionError, "ModelConnectionError", "APIConnectionError"),
    (se.StreamInterruptedError, "ModelConnectionError", "StreamInterruptedError"),
    # The rate limiter's Redis is unreachable: the provider cannot be reached through it.
    (RateLimiterUnavailableError, "ModelConnectionError", "RateLimiterUnavailableError"),
    # An error object inside a 200 stream, by what it says (see _stream_kind).
    (se.APIStreamError, "ModelAPIError", "APIStreamError"),
    (se.APIStreamError, "ContextOverflowError", "APIStreamContextOverflowError"),
    (se.APIStreamError, "ModelRateLimitError", "APIStreamRateLimitError"),
    (se.APIStreamError, "ModelInvalidRequestError", "APIStreamInvalidRequestError"),
]

# (solar_api class, langchain-core class name) -> the class made of both.
_MADE: dict[tuple[type[se.SolarError], str], type[se.SolarError]] = {}


def _make(ours: type[se.SolarError], theirs: str, name: str) -> None:
    base = getattr(lc, theirs, None)
    if not isinstance(base, type):
        return
    made = type(
        name,
        (ours, base),
        {
            "__module__": __name__,
            "__qualname__": name,
            "__doc__": f"`solar_api.{ours.__name__}` that is also langchain-core's `{theirs}`.",
        },
    )
    globals()[name] = made  # where pickle looks for it: langchain_solar._errors.<name>
    _MADE[ours, theirs] = made


for _ours, _theirs, _name in _PAIRS:
    _make(_ours, _theirs, _name)
del _ours, _theirs, _name


def _stream_kind(exc: se.APIStreamError) -> str:
    """The langchain-core class for an error sent inside a stream. OpenAI sends a
    ``type`` (``rate_limit_error``...); vLLM sends the HTTP status as ``code``."""
    if exc.is_context_length_error:
        return "ContextOverflowError"
    code = str(exc.code or "")
    words = f"{exc.type or ''} {code}".lower()
    if code == "429" or "rate_limit" in words:
        return "ModelRateLimitError"
    if code in ("400", "422") or "invalid_request" in words:
        return "ModelInvalidRequestError"
    return "ModelAPIError"


def _langchain_class(exc: se.SolarError) -> type[se.SolarError] | None:
    cls = type(exc)
    if cls.__module__ == __name__:  # made already (one wrapped method calls another)
        return None
    for ours, theirs, _ in _PAIRS:
        if cls is ours:
            kind = _stream_kind(exc) if isinstance(exc, se.APIStreamError) else theirs
            return _MADE.get((ours, kind))
    return None


def _model_error(exc: se.SolarError) -> se.SolarError | None:
    """`exc` as an instance of the class made of its own and a langchain-core class:
    the same message and fields (what `copy.copy` keeps), for raising ``from`` it."""
    made = _langchain_class(exc)
    if made is None:
        return None
    error = made.__new__(made)
    error.args = exc.args
    error.__dict__.update(exc.__dict__)
    return error


class _AsModelErrors:
    """``with``: a ``solar_api`` error leaving the block is raised again as its
    `_model_error`, from the original (as langchain-openai raises its OpenAI*Error
    classes). A class, not a ``contextmanager`` generator: it wraps every call, and one
    stateless instance costs no allocation."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> Literal[False]:
        if isinstance(exc, se.SolarError) and (error := _model_error(exc)) is not None:
            raise error from exc
        return False


_as_model_errors = _AsModelErrors()


def langchain_errors(func: F) -> F:
    """Decorate a method (sync, async, generator or async generator) so the
    ``solar_api`` errors it raises are LangChain ``ModelError``s as well."""
    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        async def agen(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            with _as_model_errors:
                async for item in func(*args, **kwargs):
                    yield item

        return cast(F, agen)
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def gen(*args: Any, **kwargs: Any) -> Iterator[Any]:
            with _as_model_errors:
                yield from func(*args, **kwargs)

        return cast(F, gen)
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def coro(*args: Any, **kwargs: Any) -> Any:
            with _as_model_errors:
                return await func(*args, **kwargs)

        return cast(F, coro)

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        with _as_model_errors:
            return func(*args, **kwargs)

    return cast(F, call)
