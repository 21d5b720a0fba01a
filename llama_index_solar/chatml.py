"""Julep's ChatML (seed 004) from LlamaIndex messages: ``Solar``'s ``messages_to_prompt``
for completion models, so ``chat()`` on them renders the turns and completes."""

from __future__ import annotations

from collections.abc import Sequence

from llama_index.core.base.llms.types import ChatMessage

from solar_api.tasks.chatml import IM_START, is_open_turn, render_chatml

from ._messages import messages_to_wire

__all__ = ["chatml_prompt"]


def chatml_prompt(messages: Sequence[ChatMessage]) -> str:
    """ChatML with names in the role headers (``additional_kwargs["name"]``) and an open
    assistant turn for the model to continue.

    A last assistant message with ``additional_kwargs={"continue": True}`` (and no
    content) is the open turn, named as it is; otherwise a plain open ``assistant``
    turn is added, so the completion is the assistant's reply.

    Example::

        from llama_index.core.llms import ChatMessage
        from llama_index_solar.chatml import chatml_prompt

        chatml_prompt([
            ChatMessage(role="system", content="Samantha is talking to Homer",
                        additional_kwargs={"name": "situation"}),
            ChatMessage(role="user", content="Hi, how's it going?",
                        additional_kwargs={"name": "Homer"}),
            ChatMessage(role="assistant", content="",
                        additional_kwargs={"name": "Samantha", "continue": True}),
        ])
    """
    wire = messages_to_wire(messages)
    prompt = render_chatml(wire)
    if is_open_turn(wire[-1]):
        return prompt
    return f"{prompt}\n{IM_START}assistant"
