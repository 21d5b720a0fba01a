"""Learning what an unknown OpenAI-compatible server rejects, and asking again without it.

When a 400 or 422 names a field we sent (``stream_options``, ``parallel_tool_calls``,
``tool_choice``, message ``name``, ``max_tokens``, ``response_format``), the request is
sent once more in a form the server takes, and the process remembers that for the
server's base URL (`learned.py`; a warning is logged once per server and field). A 500
counts too when its body is a validation error naming the field (llama-cpp-python's
server answers ``"content": null`` on a tool-call turn that way). A change that would
alter the meaning carries the meaning over instead: a forced ``tool_choice`` becomes an
instruction to call that tool, ``tool_choice: "none"`` drops the tools, a JSON schema
becomes an instruction to follow it, and message names move into the text.

``tool_choice_required`` is learned from an answer, not an error: a server that took
``"required"`` and replied without a tool call does not enforce it, so from then on one
tool is named instead (the named form is what such servers enforce) and several come
with the instruction to call one of them.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

__all__ = [
    "DOWNGRADES",
    "apply_downgrade",
    "find_downgrade",
    "forced_choice_missed",
    "is_validation_error",
]

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


def _is_null_content(message: dict[str, Any]) -> bool:
    return (
        message.get("role") == "assistant" and "content" in message and message["content"] is None
    )


def _null_content(body: Body) -> None:
    for message in body.get("messages", []):
        if _is_null_content(message):
            message["content"] = ""


def _sent_null_content(body: Body) -> bool:
    return any(_is_null_content(m) for m in body.get("messages", []))


def _tool_names(body: Body) -> list[str]:
    tools = body.get("tools")
    if not isinstance(tools, list):
        return []
    return [str((t.get("function") or {}).get("name")) for t in tools if isinstance(t, dict)]


def _required_not_enforced(body: Body) -> None:
    names = _tool_names(body)
    if len(names) == 1:
        body["tool_choice"] = {"type": "function", "function": {"name": names[0]}}
    elif names:
        listed = ", ".join(f"`{n}`" for n in names)
        _instruct(body, f"Answer by calling one of the available tools: {listed}.")


def _sent_required(body: Body) -> bool:
    return body.get("tool_choice") == "required" and bool(_tool_names(body))


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


# A pattern no error matches: the lesson comes from an answer (see forced_choice_missed).
_NEVER = re.compile(r"(?!)")

# (label, was it sent?, does the error name it?, the fix)
DOWNGRADES: list[tuple[str, Callable[[Body], bool], re.Pattern[str], Callable[[Body], None]]] = [
    (
        # First: a validation error on a message echoes the message, whose tool calls
        # hold a "name", and would otherwise read as a rejection of message names.
        "null_content",
        _sent_null_content,
        # pydantic's "messages.1.<type>.content\n  Input should be a valid string" (also
        # as error dicts with a 'loc' tuple), a plain "content must be a string", or the
        # server's KeyError 'content' when a gateway (LiteLLM) dropped the null for us.
        re.compile(
            r"content'?\)?,?[^\n]{0,40}\n?\s*'?(?:msg'?:\s*'?)?Input should be a valid str"
            r"|content[^.\n]{0,40}(?:must be|should be|expected)[^.\n]{0,20}str"
            r"|(?:^|\"|Exception - )'content'(?:$|\"|\n|\\n)",
            re.IGNORECASE,
        ),
        _null_content,
    ),
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
    ("tool_choice_required", _sent_required, _NEVER, _required_not_enforced),
]

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


def forced_choice_missed(body: Body, reply_has_tool_call: bool) -> bool:
    """True when `body` asked for ``tool_choice: "required"`` and the reply called no tool.

    A named choice is not included: servers that ignore "required" enforce a named one.
    """
    return not reply_has_tool_call and _sent_required(body)


def find_downgrade(body: Body, error_text: str, learned: set[str] | frozenset[str]) -> str | None:
    """The first field the error names that we sent and have not already given up."""
    for label, sent, named, _ in DOWNGRADES:
        if label not in learned and sent(body) and named.search(error_text):
            return label
    return None


def apply_downgrade(body: Body, labels: set[str] | frozenset[str]) -> Body:
    """A copy of `body` with the fixes for every learned field applied."""
    if not labels:
        return body
    body = copy.deepcopy(body)
    for label, sent, _, fix in DOWNGRADES:
        if label in labels and sent(body):
            fix(body)
    return body
