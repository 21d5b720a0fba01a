"""One reading of a caller's ``tool_choice`` for both adapters.

LangChain's ``bind_tools`` and LlamaIndex's ``chat_with_tools`` take the same strings
(``"auto"``, ``"none"``, ``"required"``, ``"any"``, a tool's name) and OpenAI dicts; each
adapter maps only its framework's own spelling (LangChain's ``True``, LlamaIndex's
``tool_required``) and leaves the rest to :func:`resolve_tool_choice`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["BUILTIN_TOOL_CHOICES", "resolve_tool_choice"]

# A tuple, not a set: an unhashable choice (a list) must reach the ValueError below.
BUILTIN_TOOL_CHOICES = ("auto", "none", "required")


def resolve_tool_choice(
    choice: str | dict[str, Any],
    names: Sequence[str],
    *,
    expected: str,
    none_bound: str = "",
) -> str | dict[str, Any]:
    """The wire ``tool_choice`` for `choice`, given the names of the tools bound.

    A dict is sent as is; ``"any"`` is OpenAI's ``"required"``; a tool's name forces that
    tool. Anything else is a ``ValueError`` reading ``tool_choice: got ...; expected
    {expected}: {names}`` (``none_bound`` stands in for an empty list): each adapter
    words what it accepts in its own terms.
    """
    if isinstance(choice, dict):
        return choice
    if choice == "any":
        return "required"
    if choice in BUILTIN_TOOL_CHOICES:
        return choice
    if choice in names:
        return {"type": "function", "function": {"name": choice}}
    raise ValueError(
        f"tool_choice: got {choice!r}; expected {expected}: {', '.join(names) or none_bound}"
    )
