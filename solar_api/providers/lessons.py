"""What a server's answer teaches about the body it was sent: one place, no I/O.

Two kinds of answer teach a lesson (a label of ``capabilities.CAPABILITIES``):

- a refusal, a 400 or 422 (or a 500 that reads as a validation error: llama-cpp-python's
  server answers a body it cannot parse that way), naming a field the body carried;
- a reply that ignored a forced tool call (``"required"`` or a named tool) and called none.

Each is judged on the body as sent, never on what is learned now: another client of the
same server may have learned the field while this request was on its way. The clients
keep the lesson (``_learned.STORE``), log it once, and send again when the body would now
go out differently (`sent_differently`): each resend is paid for by a new lesson.
"""

from __future__ import annotations

import json
from typing import Any

from ._downgrade import find_downgrade, forced_choice_missed, is_validation_error
from .shaping import with_lessons

__all__ = ["lesson_from_refusal", "lesson_from_reply", "sent_body", "sent_differently"]


def sent_body(content: bytes) -> dict[str, Any] | None:
    """A request's JSON body as sent, None when it was not a JSON object."""
    try:
        body = json.loads(content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def lesson_from_refusal(status: int, error_text: str, sent: bytes) -> str | None:
    """The field an error answer refused, when the body `sent` carried it; else None."""
    # Other 5xx are the server's trouble, retried as such.
    if status not in (400, 422) and not (status == 500 and is_validation_error(error_text)):
        return None
    body = sent_body(sent)
    return None if body is None else find_downgrade(body, error_text, set())


def lesson_from_reply(sent: dict[str, Any], called_tool: bool) -> str | None:
    """``tool_choice_required`` or ``tool_choice_named`` when `sent` forced a tool call
    and the reply (whole or streamed) called none; else None."""
    return forced_choice_missed(sent, called_tool)


def sent_differently(sent: dict[str, Any], learned: frozenset[str]) -> bool:
    """Whether `sent` would now go out changed by what is `learned`."""
    return with_lessons(sent, learned) != sent
