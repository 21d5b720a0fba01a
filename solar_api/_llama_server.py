"""Entry point of the local backend's server process: llama.cpp's OpenAI-compatible server
with Gemma 3's own chat template registered as the ``solar-gemma3`` chat format.

Gemma 3 knows two roles, ``user`` and ``model``: the template puts the system prompt at
the head of the first user turn. Chat completions also carry tool calls and tool results,
which the template has no place for, so they are written into the turns as text (what
the model said it called; what the tool returned) rather than dropped.
Run only as ``python -m solar_api._llama_server --config_file ...``.
"""

from __future__ import annotations

import json
import runpy
from typing import Any

from llama_cpp import llama_chat_format

START, END = "<start_of_turn>", "<end_of_turn>\n"
# Gemma 3's <eos>, <start_of_turn> and <end_of_turn>. They detokenize to nothing, so a text
# stop cannot see them; a model that opens a new turn has finished its own.
TURN_TOKENS = frozenset({1, 105, 106})


def _turn_over(input_ids: Any, logits: Any) -> bool:
    return int(input_ids[-1]) in TURN_TOKENS


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content if isinstance(p, dict))


def render_gemma3(messages: list[dict[str, Any]]) -> str:
    system = "\n\n".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
    turns: list[list[str]] = []  # [role, text]
    for message in messages:
        role = message.get("role")
        text = _text(message.get("content"))
        if role == "system":
            continue
        if role == "assistant":
            who = "model"
            calls = message.get("tool_calls") or []
            text = "\n".join(
                [text] + [f"{c['function']['name']}({c['function']['arguments']})" for c in calls]
            ).strip()
        elif role == "tool":
            who = "user"
            text = f"Tool result: {text}"
        else:
            who = "user"
        if turns and turns[-1][0] == who:
            turns[-1][1] += "\n\n" + text  # the template needs alternating turns
        else:
            turns.append([who, text])
    if system:
        if turns and turns[0][0] == "user":
            turns[0][1] = f"{system}\n\n{turns[0][1]}"
        else:
            turns.insert(0, ["user", system])
    prompt = "".join(f"{START}{who}\n{text}{END}" for who, text in turns)
    return prompt + f"{START}model\n"


@llama_chat_format.register_chat_format("solar-gemma3")  # type: ignore[untyped-decorator]
def format_gemma3(
    messages: list[dict[str, Any]], **kwargs: Any
) -> llama_chat_format.ChatFormatterResponse:
    from llama_cpp import StoppingCriteriaList

    return llama_chat_format.ChatFormatterResponse(
        prompt=render_gemma3(json.loads(json.dumps(messages))),
        stop=[END.strip()],
        stopping_criteria=StoppingCriteriaList([_turn_over]),
    )


if __name__ == "__main__":
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
