"""LlamaIndex chat messages <-> the chat-completions wire format, both ways."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from solar_api.types import ResponseMessage, ToolCall, ToolCallDelta, Usage

__all__ = [
    "ToolCallAccumulator",
    "assistant_message",
    "messages_to_wire",
    "response_to_message",
    "usage_kwargs",
]

_ROLE_MAP = {
    "system": "system",
    # Sent as such; Upstage gets "system" with a warning (solar_api's capability table).
    "developer": "developer",
    "user": "user",
    "assistant": "assistant",
    "chatbot": "assistant",
    "model": "assistant",
    "tool": "tool",
}


# What a message of each role is sent with; any other block is left out, with a warning.
_CARRIES = {"user": "text and images", "assistant": "text and tool calls"}


def _image_to_wire(block: ImageBlock) -> dict[str, Any]:
    if block.url:
        url = str(block.url)
    else:
        data = block.resolve_image(as_base64=True).read().decode()
        url = f"data:{block.image_mimetype or 'image/png'};base64,{data}"
    image_url: dict[str, Any] = {"url": url}
    if block.detail:
        image_url["detail"] = block.detail
    return {"type": "image_url", "image_url": image_url}


def _legacy_tool_call(call: Any) -> dict[str, Any]:
    # additional_kwargs["tool_calls"] from older integrations: dicts or openai objects.
    if hasattr(call, "model_dump"):
        call = call.model_dump()
    fn = call.get("function") or {}
    return ToolCall.of(
        call.get("id") or "", fn.get("name") or "", fn.get("arguments", "")
    ).to_wire()


def message_to_wire(
    message: ChatMessage, *, include_reasoning: bool = False, index: int | None = None
) -> dict[str, Any]:
    """One LlamaIndex message as a chat-completions message dict.

    Text blocks are joined with newlines where the content is a string (their boundaries
    survive); a user message with images is a list of parts. A block this role cannot
    carry is left out with a warning naming it (``index``: the message's place in the
    list); an assistant's thinking is not content (sent back as ``reasoning_content``
    with ``include_reasoning``).
    """
    role_value = message.role.value if isinstance(message.role, MessageRole) else str(message.role)
    role = _ROLE_MAP.get(role_value)
    if role is None:
        raise ValueError(
            f"ChatMessage.role: got {role_value!r}; expected one of {', '.join(sorted(_ROLE_MAP))}"
        )
    text_parts: list[str] = []
    parts: list[dict[str, Any]] = []
    tool_calls: list[dict[str, Any]] = []
    thinking: list[str] = []
    left_out: list[str] = []
    has_image = False
    for block in message.blocks:
        if isinstance(block, TextBlock):
            text_parts.append(block.text)
            parts.append({"type": "text", "text": block.text})
        elif isinstance(block, ImageBlock):
            has_image = True
            parts.append(_image_to_wire(block))
        elif isinstance(block, ToolCallBlock):
            tool_calls.append(_wire_call(block).to_wire())
            if role != "assistant":
                left_out.append("ToolCallBlock")
        elif isinstance(block, ThinkingBlock):
            if block.content:
                thinking.append(block.content)
            if role != "assistant":
                left_out.append("ThinkingBlock")
        else:
            raise ValueError(
                f"ChatMessage.blocks: {type(block).__name__} is not supported; use text, image "
                "or tool-call blocks"
            )
    extra = message.additional_kwargs
    if not tool_calls and extra.get("tool_calls"):
        tool_calls = [_legacy_tool_call(c) for c in extra["tool_calls"]]
    if has_image and role != "user":
        left_out.append("ImageBlock")
    if left_out:
        where = "messages" if index is None else f"messages[{index}]"
        warnings.warn(
            f"{where} ({role}): left out {', '.join(sorted(set(left_out)))}; a {role} "
            f"message is sent with {_CARRIES.get(role, 'text')} only",
            UserWarning,
            stacklevel=2,
        )
    text = "\n".join(text_parts)
    out: dict[str, Any] = {"role": role}
    if has_image and role == "user":
        out["content"] = parts
    elif text or not (role == "assistant" and (tool_calls or extra.get("continue"))):
        out["content"] = text
    if role == "assistant":
        if tool_calls:
            out["tool_calls"] = tool_calls
        if extra.get("continue"):
            out["continue"] = True
        if include_reasoning and thinking:
            out["reasoning_content"] = "".join(thinking)
    if role == "tool":
        call_id = extra.get("tool_call_id")
        if not call_id:
            raise ValueError(
                "ChatMessage: a tool message needs additional_kwargs['tool_call_id'] naming the "
                "call it answers"
            )
        out["tool_call_id"] = call_id
    if extra.get("name"):
        out["name"] = extra["name"]
    return out


def messages_to_wire(
    messages: Sequence[ChatMessage], *, include_reasoning: bool = False
) -> list[dict[str, Any]]:
    if not messages:
        raise ValueError("messages: got an empty list; at least one message is required")
    return [
        message_to_wire(m, include_reasoning=include_reasoning, index=i)
        for i, m in enumerate(messages)
    ]


def _tool_kwargs(arguments: str) -> dict[str, Any] | str:
    try:
        parsed = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        return arguments  # kept as sent; get_tool_calls_from_response parses leniently
    return parsed if isinstance(parsed, dict) else arguments


def _wire_call(block: ToolCallBlock) -> ToolCall:
    return ToolCall.of(block.tool_call_id or "", block.tool_name, block.tool_kwargs)


def assistant_message(blocks: list[Any], extra: dict[str, Any] | None = None) -> ChatMessage:
    """An assistant message carrying its tool calls in both forms LlamaIndex reads.

    ``ToolCallBlock``s for ``get_tool_calls_from_response`` and agents, and
    ``additional_kwargs["tool_calls"]`` (OpenAI-shaped objects, as llama-index-llms-openai
    sends) for the streaming structured-output program, token counting and memory.
    """
    kwargs = dict(extra or {})
    calls = [_wire_call(b) for b in blocks if isinstance(b, ToolCallBlock)]
    if calls:
        kwargs["tool_calls"] = calls
    else:
        kwargs.pop("tool_calls", None)
    return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs=kwargs)


def response_to_message(message: ResponseMessage) -> ChatMessage:
    blocks: list[Any] = []
    extra = dict(message.model_extra or {})
    if message.tool_calls or extra.get("function_call") is None:
        extra.pop("function_call", None)  # llama.cpp's deprecated duplicate
    reasoning = extra.get("reasoning_content") or extra.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        blocks.append(ThinkingBlock(content=reasoning))
    blocks.append(TextBlock(text=message.content or ""))
    for call in message.tool_calls or ():
        blocks.append(
            ToolCallBlock(
                tool_call_id=call.id,
                tool_name=call.function.name,
                tool_kwargs=_tool_kwargs(call.function.arguments),
            )
        )
    return assistant_message(blocks, extra)


def usage_kwargs(usage: Usage | None) -> dict[str, Any]:
    if usage is None:
        return {}
    out: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }
    # Reasoning models (Upstage's solar-pro4...) count their reasoning inside
    # completion_tokens and say how much in completion_tokens_details.
    extra = usage.model_extra or {}
    reasoning = (extra.get("completion_tokens_details") or {}).get("reasoning_tokens")
    if reasoning is not None:
        out["reasoning_tokens"] = reasoning
    cached = (extra.get("prompt_tokens_details") or {}).get("cached_tokens")
    if cached is not None:
        out["cached_tokens"] = cached
    return out


class ToolCallAccumulator:
    """Merges streamed tool-call deltas by index into whole calls."""

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, str]] = {}

    def add(self, deltas: list[ToolCallDelta]) -> None:
        for delta in deltas:
            call = self._calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
            if delta.id:
                call["id"] = delta.id
            if delta.function is not None:
                if delta.function.name:
                    call["name"] += delta.function.name
                if delta.function.arguments:
                    call["arguments"] += delta.function.arguments

    def blocks(self) -> list[ToolCallBlock]:
        return [
            ToolCallBlock(
                tool_call_id=c["id"] or None, tool_name=c["name"], tool_kwargs=c["arguments"]
            )
            for _, c in sorted(self._calls.items())
        ]

    def __bool__(self) -> bool:
        return bool(self._calls)
