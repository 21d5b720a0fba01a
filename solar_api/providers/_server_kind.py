"""Which server answers, told by what it says: llama.cpp's ``llama-server``.

It is recognised by the ``timings`` field it adds to every reply and to a stream's last
chunk, and by ``owned_by: "llamacpp"`` in ``/v1/models`` (llama-cpp-python's server, also
llama.cpp, adds neither). The kind carries its lessons (``_learned.SERVER_KINDS``: a named
tool choice is never honoured there), and ``GET /props`` (at the server's root, not
under ``/v1``) tells whether its chat template supports tools: without (SmolLM2's own
template), "required" builds no grammar either, and a forced call is emulated
(``_tool_as_json.py``).
"""

from __future__ import annotations

import re
from typing import Any

from ..types import ModelList, WireModel

__all__ = ["LLAMA_SERVER", "kind_of_models", "kind_of_reply", "props_lessons", "props_url"]

LLAMA_SERVER = "llama-server"
_VERSION_TAIL = re.compile(r"/v1/?$")


def kind_of_reply(reply: WireModel) -> str | None:
    """``"llama-server"`` when a reply (or stream chunk) carries llama.cpp's ``timings``."""
    extra = reply.model_extra or {}
    return LLAMA_SERVER if isinstance(extra.get("timings"), dict) else None


def kind_of_models(models: ModelList) -> str | None:
    """``"llama-server"`` when ``/v1/models`` says its models are owned by llamacpp."""
    if any(getattr(card, "owned_by", None) == "llamacpp" for card in models.data):
        return LLAMA_SERVER
    return None


def props_url(base_url: str) -> str:
    """Where llama-server describes itself: ``/props`` at the root of ``.../v1``."""
    return _VERSION_TAIL.sub("", base_url.rstrip("/")) + "/props"


def props_lessons(props: Any) -> list[str]:
    """What a ``GET /props`` answer teaches: a chat template without tool support
    enforces no forced form (a named tool is ignored by the kind already)."""
    caps = props.get("chat_template_caps") if isinstance(props, dict) else None
    if isinstance(caps, dict) and caps.get("supports_tools") is False:
        return ["tool_choice_named", "tool_choice_required"]
    return []
