"""``tool_choice: "required"`` over several tools, on a server that enforces only a named tool.

llama.cpp's server ignores ``"required"`` but enforces a named tool: it constrains the
reply to that tool's parameter schema with a grammar. So several tools are sent as one
named tool, `ONE_OF`, whose arguments are any one of ``{"name": <a tool's name>,
"arguments": <that tool's arguments>}``; the server's grammar then makes the model pick
a tool and fill its arguments. The call that comes back is turned back into a call of the
tool it names, in whole replies (`unwrap_calls`) and in streams (`OneOfStream`), so the
caller only ever sees its own tools.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ..types import ChatCompletionChunk, FunctionCallDelta, ToolCall, ToolCallDelta

__all__ = ["ONE_OF", "OneOfStream", "one_of_tool", "sent_one_of", "unwrap_calls"]

logger = logging.getLogger("solar_api")

ONE_OF = "call_one_of_the_tools"
# How the name appears in a request body as the clients serialize it (no spaces).
_MARK = f'"name":"{ONE_OF}"'.encode()


def one_of_tool(tools: list[dict[str, Any]]) -> dict[str, Any]:
    """The one tool standing for "call one of `tools`"; its description lists them."""
    alternatives = []
    lines = []
    for tool in tools:
        function = tool.get("function") or {}
        name = str(function.get("name"))
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        alternatives.append(
            {
                "type": "object",
                "properties": {"name": {"const": name}, "arguments": parameters},
                "required": ["name", "arguments"],
            }
        )
        description = function.get("description")
        lines.append(f"- {name}: {description}" if description else f"- {name}")
    return {
        "type": "function",
        "function": {
            "name": ONE_OF,
            "description": "Call one of these tools: `name` is the tool, `arguments` "
            "its arguments.\n" + "\n".join(lines),
            "parameters": {"type": "object", "anyOf": alternatives},
        },
    }


def sent_one_of(request_content: bytes) -> bool:
    """Whether a request body (as sent) stood several tools in for `ONE_OF`."""
    return _MARK in request_content


def _unwrapped(arguments: str) -> tuple[str, str] | None:
    try:
        data = json.loads(arguments)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        logger.warning("a %s call did not name a tool; kept as it came: %r", ONE_OF, arguments)
        return None
    return data["name"], json.dumps(data.get("arguments") or {}, ensure_ascii=False)


def unwrap_calls(calls: list[ToolCall]) -> None:
    """Each `ONE_OF` call becomes, in place, a call of the tool it names."""
    for call in calls:
        if call.function.name == ONE_OF:
            found = _unwrapped(call.function.arguments)
            if found is not None:
                call.function.name, call.function.arguments = found


class OneOfStream:
    """Holds back a streamed `ONE_OF` call and sends it, as the tool it names, with the
    chunk that finishes its choice (the name is known only once the arguments are whole)."""

    def __init__(self) -> None:
        # (choice index, tool-call index) -> [call id, arguments so far]
        self._held: dict[tuple[int, int], list[Any]] = {}

    def unwrap(self, chunk: ChatCompletionChunk) -> None:
        for choice in chunk.choices:
            deltas = choice.delta.tool_calls
            if deltas:
                kept = [d for d in deltas if not self._hold(choice.index, d)]
                choice.delta.tool_calls = kept or None
            if choice.finish_reason:
                self._release(choice)

    def _hold(self, choice_index: int, delta: ToolCallDelta) -> bool:
        key = (choice_index, delta.index)
        function = delta.function
        if key not in self._held:
            if function is None or function.name != ONE_OF:
                return False
            self._held[key] = [delta.id, ""]
        if function is not None and function.arguments:
            self._held[key][1] += function.arguments
        return True

    def _release(self, choice: Any) -> None:
        for key in [k for k in self._held if k[0] == choice.index]:
            call_id, arguments = self._held.pop(key)
            name, arguments = _unwrapped(arguments) or (ONE_OF, arguments)
            delta = ToolCallDelta(
                index=key[1],
                id=call_id,
                type="function",
                function=FunctionCallDelta(name=name, arguments=arguments),
            )
            choice.delta.tool_calls = [*(choice.delta.tool_calls or ()), delta]
