"""ChatML prompts in Julep's style (its quickstart): named turns, an open turn to continue.

The prompt starts with a newline, as the quickstart's ``prompt = '''`` does (seed 004):

<|im_start|>situation
Samantha is talking to Homer<|im_end|>
<|im_start|>user (Homer)
Hi, how's it going?<|im_end|>
<|im_start|>assistant (Samantha)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["IM_END", "IM_START", "is_open_turn", "render_chatml"]

IM_START, IM_END = "<|im_start|>", "<|im_end|>"


def _header(message: Mapping[str, Any]) -> str:
    role, name = message.get("role"), message.get("name")
    if role == "system":
        return str(name or "system")  # Julep names the system section ("situation")
    if role not in ("user", "assistant"):
        raise ValueError(
            f"messages: role {role!r} has no ChatML form; use system, user or assistant"
        )
    return f"{role} ({name})" if name else str(role)


def is_open_turn(message: Mapping[str, Any]) -> bool:
    """An assistant turn with ``continue`` (or no content): left open, for the model to
    continue, when it is the last."""
    return message.get("role") == "assistant" and bool(
        message.get("continue") or not message.get("content")
    )


def render_chatml(messages: Sequence[Mapping[str, Any]]) -> str:
    """Render wire-format messages, byte for byte as Julep's quickstart writes them
    (a leading newline, turns joined by newlines). A last assistant turn with
    ``continue`` (or no content) is left open, without ``<|im_end|>``, for the model
    to continue."""
    if not messages:
        raise ValueError("messages: got an empty list; at least one message is required")
    turns = []
    for i, message in enumerate(messages):
        content = message.get("content")
        if content is not None and not isinstance(content, str):
            raise ValueError("messages: ChatML takes text content only")
        if i == len(messages) - 1 and is_open_turn(message):
            turns.append(f"{IM_START}{_header(message)}")
        else:
            turns.append(f"{IM_START}{_header(message)}\n{content or ''}{IM_END}")
    return "\n" + "\n".join(turns)
