"""One policy for a model whose host takes a fixed parameter list (``ModelInfo.params``).

NVIDIA NIM's card for ``upstage/solar-10.7b-instruct`` (seed 003) lists max_tokens,
temperature, top_p, stop, frequency_penalty, presence_penalty and seed. Every other field
is treated the same way: adapted where its meaning can be carried (JSON mode and schemas
as an instruction, message names into the text, a continue turn left out, ``n=1``,
``tool_choice="none"`` as no tools), otherwise refused before any request with an error
naming the field and the list.
"""

from __future__ import annotations

import logging
from typing import Any

from ._adapt import warn_adapted
from ._downgrade import apply_downgrade
from ._registry import ModelInfo

__all__ = ["apply_model_params"]

# Always part of a request (the endpoint's own fields).
_ENDPOINT_FIELDS = frozenset({"model", "messages", "prompt", "stream"})
# Fields whose meaning can be carried without sending them (see _downgrade.py).
_CARRIED = ("response_format", "tool_choice")
_MESSAGE_FIELDS = {"name": "name", "continue": "continue"}


def apply_model_params(
    body: dict[str, Any], info: ModelInfo, host: str, warned: set[str] | None
) -> dict[str, Any]:
    """`body` reduced to what `info.params` names, or a ``ValueError`` for what cannot be."""
    if info.params is None:
        return body
    allowed = info.params | _ENDPOINT_FIELDS
    labels = [k for k in _CARRIED if k in body and k not in allowed]
    if body.get("tool_choice") == "none" and "tools" in body:
        labels.append("tool_choice")  # "call no tool": the tools are not sent at all
    for message in body.get("messages") or ():
        labels.extend(
            label
            for key, label in _MESSAGE_FIELDS.items()
            if key in message and key not in allowed and label not in labels
        )
    if labels:
        body = apply_downgrade(body, set(labels))
        warn_adapted(warned, f"{info.name} on {host}", sorted(set(labels)))
    if body.get("n") == 1 and "n" not in allowed:
        body = {k: v for k, v in body.items() if k != "n"}  # one choice is what it returns
        logging.getLogger("solar_api").debug("%s: n=1 left out (the default)", info.name)
    refused = sorted(k for k in body if k not in allowed)
    if refused:
        hint = (
            "; for structured output use a JSON schema or JSON mode (asked for in words)"
            if "tools" in refused
            else ""
        )
        raise ValueError(
            f"{', '.join(refused)}: {info.name} takes only "
            f"{', '.join(sorted(info.params))} (its model card lists no others); "
            f"leave the other parameters unset for this model{hint}"
        )
    return body
