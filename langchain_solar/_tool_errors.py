"""Bad tool input as LangChain's `ToolException`, so an agent sees it and goes on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from langchain_core.tools import ToolException

from solar_api.errors import MissingAPIKeyError

__all__ = ["as_tool_error"]


@contextmanager
def as_tool_error() -> Iterator[None]:
    """Turn a ``ValueError`` about the input (a text too short, an empty text) into a
    ``ToolException``; a missing key is the program's mistake, not the model's, and
    server errors keep their types."""
    try:
        yield
    except MissingAPIKeyError:
        raise
    except ValueError as exc:
        raise ToolException(str(exc)) from exc
