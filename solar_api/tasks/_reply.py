"""The text of a task's answer (a summary, a translation): the first choice, stripped."""

from __future__ import annotations

from ..types import ChatCompletion

__all__ = ["reply_text"]


def reply_text(response: ChatCompletion, task: str) -> str:
    """The first choice's text; a reply with no choices is an error naming the `task`."""
    if not response.choices:
        raise ValueError(f"The server returned no choices for a {task}.")
    return (response.choices[0].message.content or "").strip()
