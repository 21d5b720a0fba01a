"""How a request body is checked for a field, and changed so a server takes it.

Each fix carries the meaning over where dropping the field would change it: a forced
``tool_choice`` becomes an instruction, ``"none"`` drops the tools, a JSON schema becomes
an instruction to follow it, message names move into the text. The capability table
(``capabilities.py``) says which check and fix belong to which capability.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ._one_of import ONE_OF, one_of_tool
from ._tool_as_json import tool_as_json

__all__ = [
    "Body",
    "drop",
    "fix_continuation",
    "fix_developer",
    "fix_forced_tool_choice",
    "fix_json_schema",
    "fix_max_tokens",
    "fix_named",
    "fix_names",
    "fix_null_content",
    "fix_required",
    "fix_response_format",
    "fix_strict_schema",
    "fix_strict_tools",
    "fix_tool_choice",
    "sent",
    "sent_continue",
    "sent_developer",
    "sent_forced",
    "sent_json_schema",
    "sent_named",
    "sent_names",
    "sent_null_content",
    "sent_required",
    "sent_strict_schema",
    "sent_strict_tools",
    "tool_names",
]

Body = dict[str, Any]


def _instruct(body: Body, text: str) -> None:
    # Into the first system message, where every chat template takes one (several reject
    # a system turn anywhere else): appended to it, or a new one put first.
    messages = list(body.get("messages", []))
    first = messages[0] if messages else None
    if first and first.get("role") == "system" and isinstance(first.get("content"), str):
        messages[0] = {**first, "content": f"{first['content']}\n\n{text}"}
    elif first and first.get("role") == "system" and isinstance(first.get("content"), list):
        messages[0] = {**first, "content": [*first["content"], {"type": "text", "text": text}]}
    else:
        messages.insert(0, {"role": "system", "content": text})
    body["messages"] = messages


def _instructed(body: Body, text: str) -> bool:
    first = (body.get("messages") or [{}])[0]
    return first.get("role") == "system" and text in json.dumps(first.get("content"))


def drop(field: str) -> Callable[[Body], None]:
    def fix(body: Body) -> None:
        body.pop(field, None)

    return fix


def fix_tool_choice(body: Body) -> None:
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


def fix_null_content(body: Body) -> None:
    for message in body.get("messages", []):
        if _is_null_content(message):
            message["content"] = ""


def sent_null_content(body: Body) -> bool:
    return any(_is_null_content(m) for m in body.get("messages", []))


def tool_names(body: Body) -> list[str]:
    tools = body.get("tools")
    if not isinstance(tools, list):
        return []
    return [str((t.get("function") or {}).get("name")) for t in tools if isinstance(t, dict)]


def _named(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}


def fix_required(body: Body) -> None:
    """ "required" in the form a server that ignores it enforces, a named tool: the one
    tool, or several as the one tool `ONE_OF` whose arguments pick one (``_one_of.py``)."""
    names = tool_names(body)
    if len(names) == 1:
        body["tool_choice"] = _named(names[0])
    elif names:
        body["tools"] = [one_of_tool(body["tools"])]
        body["tool_choice"] = _named(ONE_OF)


def sent_required(body: Body) -> bool:
    return body.get("tool_choice") == "required" and bool(tool_names(body))


def _named_choice(body: Body) -> str | None:
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type", "function") == "function":
        name = (choice.get("function") or {}).get("name")
        return name if isinstance(name, str) and name in tool_names(body) else None
    return None


def sent_named(body: Body) -> bool:
    return _named_choice(body) is not None


def fix_named(body: Body) -> None:
    """A named tool in the form a server that ignores it enforces (llama-server with a
    tool-capable template): "required", with that tool alone."""
    name = _named_choice(body)
    if name is not None:
        body["tools"] = [t for t in body["tools"] if tool_names({"tools": [t]}) == [name]]
        body["tool_choice"] = "required"


def sent_forced(body: Body) -> bool:
    # A response_format of the caller's own is kept as asked (the emulation needs it).
    return (sent_required(body) or sent_named(body)) and "response_format" not in body


def fix_forced_tool_choice(body: Body) -> None:
    """A forced call where no forced form is enforced: the tool's parameters as a json_schema
    response_format (several tools: the any-of stand-in), the tool described in one line of
    the first system message, no tools (``_tool_as_json.py``)."""
    name = _named_choice(body)
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    chosen = [t for t in tools if name is None or tool_names({"tools": [t]}) == [name]]
    _instruct(body, tool_as_json(body, chosen))


def fix_names(body: Body) -> None:
    for message in body.get("messages", []):
        name = message.pop("name", None)
        if name and isinstance(message.get("content"), str) and message["role"] != "tool":
            message["content"] = f"{name}: {message['content']}"


def fix_max_tokens(body: Body) -> None:
    if "max_tokens" in body:
        body["max_completion_tokens"] = body.pop("max_tokens")


_JSON_REPLY = "Reply with one JSON object"


def _instruct_schema(body: Body, schema: Any) -> None:
    _instruct(
        body,
        f"{_JSON_REPLY} that follows this JSON schema, and nothing else:\n"
        + json.dumps(schema, ensure_ascii=False),
    )


def _schema_of(fmt: dict[str, Any]) -> Any:
    return (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema")


def fix_response_format(body: Body) -> None:
    fmt = body.pop("response_format", None) or {}
    schema = _schema_of(fmt)
    if _instructed(body, _JSON_REPLY):
        return  # the schema's instruction is there already (fix_json_schema)
    if schema is not None:
        _instruct_schema(body, schema)
    elif fmt.get("type") == "json_object":
        _instruct(body, f"{_JSON_REPLY} and nothing else.")


def sent_json_schema(body: Body) -> bool:
    fmt = body.get("response_format")
    return isinstance(fmt, dict) and fmt.get("type") == "json_schema"


def fix_json_schema(body: Body) -> None:
    """JSON mode, which a server that refuses the schema form may still take, with the
    schema asked for in the first system message."""
    fmt = body.get("response_format") or {}
    body["response_format"] = {"type": "json_object"}
    schema = _schema_of(fmt)
    if schema is not None:
        _instruct_schema(body, schema)


def fix_continuation(body: Body) -> None:
    messages = body.get("messages", [])
    if messages and messages[-1].get("continue") and not messages[-1].get("content"):
        messages.pop()  # the model answers as the assistant anyway
    for message in messages:
        message.pop("continue", None)


def sent_continue(body: Body) -> bool:
    return any("continue" in m for m in body.get("messages", []))


def sent(field: str) -> Callable[[Body], bool]:
    return lambda body: field in body


def sent_names(body: Body) -> bool:
    return any("name" in m for m in body.get("messages", []))


def _strict_functions(body: Body) -> list[dict[str, Any]]:
    tools = body.get("tools")
    if not isinstance(tools, list):
        return []
    functions = (t.get("function") for t in tools if isinstance(t, dict))
    return [f for f in functions if isinstance(f, dict) and f.get("strict") is True]


def sent_strict_tools(body: Body) -> bool:
    return bool(_strict_functions(body))


def fix_strict_tools(body: Body) -> None:
    # The schemas still go: the model is asked for them, the server just does not
    # constrain its sampling to them.
    for function in _strict_functions(body):
        function.pop("strict", None)


def _strict_schema(body: Body) -> dict[str, Any] | None:
    fmt = body.get("response_format")
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return None
    schema = fmt.get("json_schema")
    return schema if isinstance(schema, dict) and schema.get("strict") is True else None


def sent_strict_schema(body: Body) -> bool:
    return _strict_schema(body) is not None


def fix_strict_schema(body: Body) -> None:
    schema = _strict_schema(body)
    if schema is not None:
        schema.pop("strict", None)


def sent_developer(body: Body) -> bool:
    return any(m.get("role") == "developer" for m in body.get("messages", []))


def fix_developer(body: Body) -> None:
    for message in body.get("messages", []):
        if message.get("role") == "developer":
            message["role"] = "system"  # the role the developer role replaced
