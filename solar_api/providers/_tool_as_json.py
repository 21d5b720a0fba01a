"""A forced tool call on a server that enforces no forced form: grammar-constrained emulation.

llama.cpp's ``llama-server`` with a chat template that has no tool support (SmolLM2's own;
``GET /props`` says ``chat_template_caps.supports_tools: false``) leaves ``tools`` out of
the prompt, treats a named ``tool_choice`` as auto and builds no grammar for
``"required"``. It does enforce a ``response_format`` json_schema with a grammar, with any
template. So a forced call is sent as that: the tool's parameters as the schema (several
tools: the any-of stand-in of ``_one_of.py``), the tool described in one line of the first
system message, no ``tools``. The JSON that comes back is handed to the caller as a call of
the tool, with a generated id, in whole replies (`as_tool_calls`) and in streams
(`ToolAsJsonStream`: each piece of content becomes a piece of the call's arguments).

The request as sent is the proof: its json_schema is named `PREFIX` + the tool's name.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from ..types import ChatCompletion, ChatCompletionChunk, FunctionCallDelta, ToolCall, ToolCallDelta
from ._one_of import ONE_OF, one_of_tool

__all__ = ["PREFIX", "ToolAsJsonStream", "as_tool_calls", "emulated_tool", "tool_as_json"]

PREFIX = "tool_call__"
# How the schema's name appears in a request body as the clients serialize it.
_MARK = f'"name":"{PREFIX}'.encode()
_EMPTY = {"type": "object", "properties": {}}


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def tool_as_json(body: dict[str, Any], chosen: list[dict[str, Any]]) -> str:
    """`body` (in place) asking for a call of one of `chosen` as a json_schema reply; the
    one line that describes the tool, for the first system message."""
    body.pop("tools", None)
    body.pop("tool_choice", None)
    body.pop("parallel_tool_calls", None)
    if len(chosen) == 1:
        function = chosen[0].get("function") or {}
        name = str(function.get("name"))
        description = function.get("description")
        line = (
            f"Answer with the JSON arguments of a call of the tool `{name}`"
            + (f" ({_one_line(description)})" if description else "")
            + "."
        )
    else:
        function = one_of_tool(chosen)["function"]
        name = ONE_OF
        listed = "; ".join(
            f"`{(t.get('function') or {}).get('name')}`"
            + (f": {_one_line(d)}" if (d := (t.get("function") or {}).get("description")) else "")
            for t in chosen
        )
        line = (
            'Answer with JSON {"name": <a tool\'s name>, "arguments": <its arguments>} '
            f"calling one of these tools: {listed}."
        )
    body["response_format"] = {
        "type": "json_schema",
        "json_schema": {"name": PREFIX + name, "schema": function.get("parameters") or _EMPTY},
    }
    return line


def emulated_tool(request_content: bytes) -> str | None:
    """The tool a request body (as sent) asked for as JSON, None when it asked no such thing."""
    if _MARK not in request_content:
        return None
    try:
        fmt = json.loads(request_content).get("response_format") or {}
        name = (fmt.get("json_schema") or {}).get("name")
    except (ValueError, AttributeError):
        return None
    if isinstance(name, str) and name.startswith(PREFIX):
        return name[len(PREFIX) :]
    return None


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def as_tool_calls(completion: ChatCompletion, name: str) -> None:
    """Each choice's JSON content becomes (in place) a call of `name` with a new id."""
    for choice in completion.choices:
        message = choice.message
        if message.tool_calls or message.content is None:
            continue
        message.tool_calls = [ToolCall.of(new_call_id(), name, message.content.strip())]
        message.content = None


class ToolAsJsonStream:
    """Turns a stream's content into the deltas of one tool call per choice: the first
    piece carries the id and name, the next ones more of the arguments."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._ids: dict[int, str] = {}

    def convert(self, chunk: ChatCompletionChunk) -> None:
        for choice in chunk.choices:
            delta = choice.delta
            text = delta.content
            if text is None or delta.tool_calls:
                continue
            delta.content = None
            if not text:
                continue
            started = choice.index in self._ids
            if not started:
                self._ids[choice.index] = new_call_id()
            delta.tool_calls = [
                ToolCallDelta(
                    index=0,
                    id=None if started else self._ids[choice.index],
                    type=None if started else "function",
                    function=FunctionCallDelta(name=None if started else self.name, arguments=text),
                )
            ]
