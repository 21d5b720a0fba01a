"""Learning what an unknown OpenAI-compatible server rejects, and asking again without it.

When a 400 or 422 names a field we sent (``stream_options``, ``parallel_tool_calls``,
``tool_choice``, message ``name``, ``max_tokens``, ``response_format``), the request is
sent once more in a form the server takes, and the client remembers that for its
lifetime (a warning is logged once per field). A change that would alter the meaning
carries the meaning over instead: a forced ``tool_choice`` becomes an instruction to
call that tool, ``tool_choice: "none"`` drops the tools, a JSON schema becomes an
instruction to follow it, and message names move into the text.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

__all__ = ["DOWNGRADES", "apply_downgrade", "find_downgrade"]

Body = dict[str, Any]


def _instruct(body: Body, text: str) -> None:
    body["messages"] = [*body.get("messages", []), {"role": "system", "content": text}]


def _drop(field: str) -> Callable[[Body], None]:
    def fix(body: Body) -> None:
        body.pop(field, None)

    return fix


def _tool_choice(body: Body) -> None:
    choice = body.pop("tool_choice", None)
    if choice == "none":
        body.pop("tools", None)  # "call no tool" without the field: offer no tools
    elif choice == "required":
        _instruct(body, "Answer by calling one of the available tools.")
    elif isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        _instruct(body, f"Answer by calling the tool `{name}`.")


def _names(body: Body) -> None:
    for message in body.get("messages", []):
        name = message.pop("name", None)
        if name and isinstance(message.get("content"), str) and message["role"] != "tool":
            message["content"] = f"{name}: {message['content']}"


def _max_tokens(body: Body) -> None:
    if "max_tokens" in body:
        body["max_completion_tokens"] = body.pop("max_tokens")


def _response_format(body: Body) -> None:
    fmt = body.pop("response_format", None) or {}
    schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema")
    if schema is not None:
        _instruct(
            body,
            "Reply with one JSON object that follows this JSON schema, and nothing else:\n"
            + json.dumps(schema, ensure_ascii=False),
        )
    elif fmt.get("type") == "json_object":
        _instruct(body, "Reply with one JSON object and nothing else.")


def _continuation(body: Body) -> None:
    messages = body.get("messages", [])
    if messages and messages[-1].get("continue") and not messages[-1].get("content"):
        messages.pop()  # the model answers as the assistant anyway
    for message in messages:
        message.pop("continue", None)


def _sent_continue(body: Body) -> bool:
    return any("continue" in m for m in body.get("messages", []))


def _sent(field: str) -> Callable[[Body], bool]:
    return lambda body: field in body


def _sent_names(body: Body) -> bool:
    return any("name" in m for m in body.get("messages", []))


# (label, was it sent?, does the error name it?, the fix)
DOWNGRADES: list[tuple[str, Callable[[Body], bool], re.Pattern[str], Callable[[Body], None]]] = [
    (
        "stream_options",
        _sent("stream_options"),
        re.compile(r"stream_options"),
        _drop("stream_options"),
    ),
    (
        "parallel_tool_calls",
        _sent("parallel_tool_calls"),
        re.compile(r"parallel_tool_calls"),
        _drop("parallel_tool_calls"),
    ),
    ("tool_choice", _sent("tool_choice"), re.compile(r"tool_choice"), _tool_choice),
    (
        "max_tokens",
        _sent("max_tokens"),
        re.compile(r"max_tokens.*max_completion_tokens|max_completion_tokens.*max_tokens"),
        _max_tokens,
    ),
    (
        "response_format",
        _sent("response_format"),
        re.compile(r"response_format|json_schema"),
        _response_format,
    ),
    (
        "name",
        _sent_names,
        re.compile(
            r"messages[\[.]\d+[\].]*\.?name|'name'|\"name\""
            r"|\bname\b[^.]*not (?:allowed|supported|permitted)"
        ),
        _names,
    ),
    ("continue", _sent_continue, re.compile(r"\bcontinue\b"), _continuation),
]


def find_downgrade(body: Body, error_text: str, learned: set[str]) -> str | None:
    """The first field the error names that we sent and have not already given up."""
    for label, sent, named, _ in DOWNGRADES:
        if label not in learned and sent(body) and named.search(error_text):
            return label
    return None


def apply_downgrade(body: Body, labels: set[str]) -> Body:
    """A copy of `body` with the fixes for every learned field applied."""
    if not labels:
        return body
    body = copy.deepcopy(body)
    for label, sent, _, fix in DOWNGRADES:
        if label in labels and sent(body):
            fix(body)
    return body
