"""Entry point of the local backend's server process: llama.cpp's OpenAI-compatible server
with two chat formats registered: ``solar-smollm2`` (ChatML, SmolLM2-135M-Instruct) and
``solar-gemma3`` (Gemma 3's own template).

SmolLM2 is trained on ChatML. Its turns carry what chat completions send beside text: the
tool definitions go into the system turn, an assistant's tool calls are written as
``<tool_call>`` JSON (the form SmolLM2's function-calling data uses) and a tool's result
as a user turn that names the tool. When ``tool_choice`` names a tool, the reply is opened
with that tool's call so the model writes only the arguments, which llama.cpp's grammar
holds to the schema.

Gemma 3 knows two roles, ``user`` and ``model``: the template puts the system prompt at
the head of the first user turn. Chat completions also carry tool calls and tool results,
which the template has no place for, so they are written into the turns as text (what
the model said it called; what the tool returned) rather than dropped.
Run only as ``python -m solar_api.local._llama_server --config_file ...``.
"""

from __future__ import annotations

import json
import runpy
from typing import Any

import llama_cpp
from llama_cpp import llama_chat_format
from llama_cpp.server.model import LlamaProxy

from ..tasks.chatml import IM_END, IM_START

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


# SmolLM2's chat template uses this when a conversation has no system turn.
SMOLLM2_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
# SmolLM2's <|im_start|> (also its BOS) and <|im_end|> (its EOS); like Gemma's, they
# detokenize to nothing, so the stop strings alone would not see them.
SMOLLM2_TURN_TOKENS = frozenset({1, 2})


def _smollm2_turn_over(input_ids: Any, logits: Any) -> bool:
    return int(input_ids[-1]) in SMOLLM2_TURN_TOKENS


def _forced_tool(tool_choice: Any) -> str | None:
    if isinstance(tool_choice, dict):
        name = (tool_choice.get("function") or {}).get("name")
        return str(name) if name else None
    return None


def _tools_text(tools: list[dict[str, Any]]) -> str:
    lines = [json.dumps(t.get("function", t), ensure_ascii=False) for t in tools]
    return (
        "You can call these tools:\n<tools>\n"
        + "\n".join(lines)
        + '\n</tools>\nTo call one, answer with <tool_call>{"name": ..., "arguments": {...}}'
        "</tool_call>."
    )


def _arguments_text(arguments: Any) -> str:
    # One JSON spelling in the prompt, whatever the call's text was: the grammar lets a
    # forced call end in whitespace ('{"unit": "celsius"} '), and SmolLM2, shown its call
    # spelled that way, repeats the call instead of answering from the tool's result.
    if isinstance(arguments, str):
        text = arguments
        try:
            arguments = json.loads(text)
        except ValueError:
            return text  # not JSON: shown as the model wrote it
    return json.dumps(arguments, ensure_ascii=False)


def _call_text(call: dict[str, Any]) -> str:
    function = call.get("function") or {}
    arguments = _arguments_text(function.get("arguments") or "{}")
    name = json.dumps(function.get("name"))
    return f'<tool_call>{{"name": {name}, "arguments": {arguments}}}</tool_call>'


def render_smollm2(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    tool_choice: Any = None,
) -> str:
    system = "\n\n".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
    if tools and tool_choice != "none":
        system = f"{system or SMOLLM2_SYSTEM}\n\n{_tools_text(tools)}"
    turns = [("system", system or SMOLLM2_SYSTEM)]
    names: dict[str, str] = {}  # tool_call_id -> the tool's name
    for message in messages:
        role = str(message.get("role"))
        text = _text(message.get("content"))
        if role == "system":
            continue
        if role == "assistant":
            for call in message.get("tool_calls") or []:
                names[str(call.get("id"))] = str((call.get("function") or {}).get("name"))
            calls = [_call_text(c) for c in message.get("tool_calls") or []]
            text = "\n".join([text, *calls]).strip()
        elif role == "tool":
            # SmolLM2 saw no tool role in training: as a user turn naming the tool, the
            # result is used in the next answer ("The weather in Paris is 21 degrees...");
            # a bare tool turn got "Paris, celsius." back.
            role = "user"
            name = names.get(str(message.get("tool_call_id")), "tool")
            text = f"The tool {name} returned: {text}"
        else:
            role = "user"
        turns.append((role, text))
    prompt = "".join(f"{IM_START}{role}\n{text}{IM_END}\n" for role, text in turns)
    prompt += f"{IM_START}assistant\n"
    forced = _forced_tool(tool_choice) if tools else None
    if forced is not None:
        # The grammar generates the arguments object; the model sees whose arguments.
        prompt += f'<tool_call>{{"name": {json.dumps(forced)}, "arguments": '
    return prompt


@llama_chat_format.register_chat_format("solar-smollm2")  # type: ignore[untyped-decorator]
def format_smollm2(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    tool_choice: Any = None,
    **kwargs: Any,
) -> llama_chat_format.ChatFormatterResponse:
    from llama_cpp import StoppingCriteriaList

    return llama_chat_format.ChatFormatterResponse(
        prompt=render_smollm2(json.loads(json.dumps(messages)), tools, tool_choice),
        stop=[IM_END, IM_START],
        stopping_criteria=StoppingCriteriaList([_smollm2_turn_over]),
        # The prompt opens with <|im_start|>, SmolLM2's BOS: no second one in front.
        added_special=True,
    )


_embed = llama_cpp.Llama.embed


def _embed_each(
    self: llama_cpp.Llama,
    input: str | list[str],
    normalize: bool = False,
    truncate: bool = True,
    return_count: bool = False,
) -> Any:
    """``Llama.embed``, one text per decode for models that return per-token vectors.

    llama-cpp-python 0.3.x reads the per-token vectors of the second and later texts of
    one batch at offsets counted in tokens instead of floats, so every text after the
    first gets slices of the first one's vectors (the retrieval set in bench/ drops from
    70% to 5% top-1). Pooled models take the library's own path.
    """
    if isinstance(input, str) or len(input) < 2:
        return _embed(self, input, normalize, truncate, return_count)
    if int(self.pooling_type()) != llama_cpp.LLAMA_POOLING_TYPE_NONE:  # typed str, is int
        return _embed(self, input, normalize, truncate, return_count)
    vectors: list[Any] = []
    tokens = 0
    for text in input:
        vector, count = _embed(self, [text], normalize, truncate, True)
        vectors.extend(vector)
        tokens += count
    return (vectors, tokens) if return_count else vectors


llama_cpp.Llama.embed = _embed_each  # type: ignore[method-assign]


def _proxy_call(self: LlamaProxy, model: str | None = None) -> llama_cpp.Llama:
    """``LlamaProxy.__call__`` that keeps every configured model loaded.

    The library's proxy holds one model and reloads on every change of alias, so a
    query-engine run (passage embeddings, query embedding, chat) would load a model three
    times. The local models are small (100-300 MB): each distinct setting is loaded once.
    """
    settings = self._model_settings_dict.get(model or "", self._default_model_settings)
    key = settings.model_dump_json(exclude={"model_alias"})
    loaded: dict[str, llama_cpp.Llama] = self.__dict__.setdefault("_solar_loaded", {})
    if not loaded and self._current_model is not None:
        # The default model, loaded by the proxy's __init__.
        loaded[self._default_model_settings.model_dump_json(exclude={"model_alias"})] = (
            self._current_model
        )
    if key not in loaded:
        loaded[key] = self.load_llama_from_model_settings(settings)
    self._current_model = loaded[key]
    self._current_model_alias = settings.model_alias
    return self._current_model


LlamaProxy.__call__ = _proxy_call  # type: ignore[method-assign]


if __name__ == "__main__":
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
