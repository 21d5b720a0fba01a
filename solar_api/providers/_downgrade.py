"""Learning what an unknown OpenAI-compatible server rejects, and asking again without it.

When a 400 or 422 names a field we sent (``stream_options``, ``parallel_tool_calls``,
``tool_choice``, message ``name``, ``max_tokens``, ``response_format``), the request is
sent once more in a form the server takes, and the process remembers that for the
server's base URL (`_learned.py`; a warning is logged once per server and field). A 500
counts too when its body is a validation error naming the field (llama-cpp-python's
server answers ``"content": null`` on a tool-call turn that way). A change that would
alter the meaning carries the meaning over instead: a forced ``tool_choice`` becomes an
instruction to call that tool, ``tool_choice: "none"`` drops the tools, a JSON schema
becomes an instruction to follow it, and message names move into the text.

``tool_choice_required`` is learned from an answer, not an error: a server that took
``"required"`` and replied without a tool call does not enforce it, so from then on one
tool is named instead (the named form is what such servers enforce), and several are sent
as one named tool whose arguments pick one of them (``_one_of.py``). ``tool_choice_named``
is its mirror (a named tool answered without a call: llama-server): the tool is sent
alone as "required". A server that ignores both gets ``forced_tool_choice``: the call is
emulated with a json_schema response_format (``_tool_as_json.py``).
"""

from __future__ import annotations

import copy
import re

from ._fixes import Body, sent_named, sent_required
from .capabilities import CAPABILITIES

__all__ = ["apply_downgrade", "find_downgrade", "forced_choice_missed", "is_validation_error"]


# What a validation error looks like (pydantic, FastAPI, zod, Go's validators): a 500
# carrying one of these is the server refusing our request, not a crash to retry.
_VALIDATION = re.compile(
    r"validation error|Input should be|Field required|Extra inputs are not permitted"
    r"|type_error|value_error|string_type|\bis not of type\b|\bInvalid (?:type|value)\b"
    # A Python server's KeyError on a field, alone as the message: "'content'".
    r"|(?:\"message\":\s*\"|Exception - )'[A-Za-z_]+'(?:\"|\\n|$)",
    re.IGNORECASE,
)


def is_validation_error(error_text: str) -> bool:
    """True when an error body reads as a request validation error."""
    return bool(_VALIDATION.search(error_text))


def forced_choice_missed(body: Body, reply_has_tool_call: bool) -> str | None:
    """The lesson when `body` forced a tool call (``"required"``, or a named tool) and the
    reply called none: ``tool_choice_required`` or ``tool_choice_named``; else None."""
    if reply_has_tool_call or "response_format" in body:
        return None
    if sent_required(body):
        return "tool_choice_required"
    if sent_named(body):
        return "tool_choice_named"
    return None


def find_downgrade(body: Body, error_text: str, learned: set[str] | frozenset[str]) -> str | None:
    """The first field the error names that we sent and have not already given up."""
    for cap in CAPABILITIES:
        if cap.label not in learned and cap.sent(body) and cap.rejection.search(error_text):
            return cap.label
    return None


def apply_downgrade(body: Body, labels: set[str] | frozenset[str]) -> Body:
    """A copy of `body` with the fixes for every learned field applied."""
    if not labels:
        return body
    body = copy.deepcopy(body)
    for cap in CAPABILITIES:
        if cap.label in labels and cap.sent(body):
            cap.fix(body)
    return body
