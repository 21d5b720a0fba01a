"""``solar_api`` errors that LangChain also understands.

langchain-core 1.x defines ``ModelError`` classes (``ModelRateLimitError``,
``ContextOverflowError``, ...) that middleware, fallbacks and retries recognise; its
provider integrations raise errors deriving from both those and the provider's own
classes. ``solar_api`` imports no LangChain, so here, at the adapter boundary, a
``solar_api`` error is re-classed as a subclass of both: ``except
solar_api.RateLimitError`` and ``except ModelRateLimitError`` both catch it, and the
error keeps its message, fields and traceback.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar, cast

from langchain_core import exceptions as lc

import solar_api.errors as se

__all__ = ["langchain_errors"]

F = TypeVar("F", bound=Callable[..., Any])

# Most specific first; names looked up so an older langchain-core without them still works.
_PAIRS: list[tuple[type[se.SolarError], str]] = [
    (se.ContextLengthExceededError, "ContextOverflowError"),
    (se.AuthenticationError, "ModelAuthenticationError"),
    (se.PermissionDeniedError, "ModelPermissionDeniedError"),
    (se.NotFoundError, "ModelNotFoundError"),
    (se.RateLimitError, "ModelRateLimitError"),
    (se.BadRequestError, "ModelInvalidRequestError"),
    (se.UnprocessableEntityError, "ModelInvalidRequestError"),
    (se.InternalServerError, "ModelAPIError"),
    (se.APITimeoutError, "ModelTimeoutError"),
    (se.APIConnectionError, "ModelConnectionError"),
]
_CLASSES: dict[type[BaseException], type[BaseException] | None] = {}


def _langchain_class(cls: type[BaseException]) -> type[BaseException] | None:
    if cls in _CLASSES:
        return _CLASSES[cls]
    made: type[BaseException] | None = None
    base = next((getattr(lc, name, None) for ours, name in _PAIRS if issubclass(cls, ours)), None)
    if isinstance(base, type) and not issubclass(cls, base):
        made = type(cls.__name__, (cls, base), {"__module__": cls.__module__})
    _CLASSES[cls] = made
    return made


def _reclass(exc: BaseException) -> None:
    made = _langchain_class(type(exc))
    if made is not None:
        # Same instance, same layout (plain exception classes): only the class changes,
        # so nothing the caller may inspect (message, response, traceback) is lost.
        exc.__class__ = made


def langchain_errors(func: F) -> F:
    """Decorate a method (sync, async, generator or async generator) so the
    ``solar_api`` errors it raises are LangChain ``ModelError``s as well."""
    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        async def agen(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            try:
                async for item in func(*args, **kwargs):
                    yield item
            except se.SolarError as exc:
                _reclass(exc)
                raise

        return cast(F, agen)
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def gen(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from func(*args, **kwargs)
            except se.SolarError as exc:
                _reclass(exc)
                raise

        return cast(F, gen)
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def coro(*args: Any, **kwargs: Any) -> Any:
            try:
                return await func(*args, **kwargs)
            except se.SolarError as exc:
                _reclass(exc)
                raise

        return cast(F, coro)

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except se.SolarError as exc:
            _reclass(exc)
            raise

    return cast(F, call)
