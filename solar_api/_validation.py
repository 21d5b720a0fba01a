"""A pydantic `ValidationError` in one of our messages: its first error, where and what."""

from __future__ import annotations

from pydantic import ValidationError

__all__ = ["first_error"]


def first_error(exc: ValidationError) -> str:
    """``loc: msg`` of the first error (``msg`` alone for the value itself), without
    pydantic's documentation URL."""
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]
