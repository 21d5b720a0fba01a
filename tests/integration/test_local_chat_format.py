"""SmolLM2's ChatML turns as the local server writes them (no model needed, but the
server module imports llama_cpp, so this lives with the local backend's tests)."""

from __future__ import annotations

import json

from solar_api.local._llama_server import SMOLLM2_SYSTEM, format_smollm2, render_smollm2

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the weather",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
    },
}


def test_plain_question_gets_smollm2s_own_system_turn() -> None:
    prompt = render_smollm2([{"role": "user", "content": "Hi"}])
    assert prompt == (
        f"<|im_start|>system\n{SMOLLM2_SYSTEM}<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )


def test_system_prompt_tools_calls_and_results_are_written_into_turns() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {
                        "name": "get_current_weather",
                        "arguments": '{"location": "Paris"}',
                    },
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "21 degrees"},
    ]
    prompt = render_smollm2(messages, [WEATHER], "auto")
    system = prompt.split("<|im_end|>")[0]
    assert system.startswith("<|im_start|>system\nBe brief.\n\nYou can call these tools:")
    assert json.dumps(WEATHER["function"]) in system
    assert (
        '<|im_start|>assistant\n<tool_call>{"name": "get_current_weather", "arguments": '
        '{"location": "Paris"}}</tool_call><|im_end|>\n' in prompt
    )
    assert (
        "<|im_start|>user\nThe tool get_current_weather returned: 21 degrees<|im_end|>\n" in prompt
    )
    assert prompt.endswith("<|im_start|>assistant\n")


def test_a_call_is_shown_in_one_json_spelling() -> None:
    # A grammar-forced call can end in whitespace; shown so, SmolLM2 repeated the call in
    # its next answer instead of using the result (make demo's tool round trip).
    def turn(arguments: str) -> str:
        call = {"id": "c1", "function": {"name": "f", "arguments": arguments}}
        prompt = render_smollm2([{"role": "assistant", "content": "", "tool_calls": [call]}])
        return prompt.split("<|im_start|>assistant\n")[1].split("<|im_end|>")[0]

    canonical = '<tool_call>{"name": "f", "arguments": {"city": "서울", "n": 2}}</tool_call>'
    assert turn('{"city": "서울", "n": 2}') == canonical
    assert turn('{ "city":"\\uc11c\\uc6b8",\n "n":2 } ') == canonical
    assert turn("{}") == turn("") == '<tool_call>{"name": "f", "arguments": {}}</tool_call>'
    assert turn("{not json") == '<tool_call>{"name": "f", "arguments": {not json}</tool_call>'


def test_a_forced_tool_opens_the_reply_with_its_call() -> None:
    choice = {"type": "function", "function": {"name": "get_current_weather"}}
    prompt = render_smollm2([{"role": "user", "content": "Weather?"}], [WEATHER], choice)
    assert prompt.endswith(
        '<|im_start|>assistant\n<tool_call>{"name": "get_current_weather", "arguments": '
    )


def test_tool_choice_none_leaves_the_tools_out() -> None:
    prompt = render_smollm2([{"role": "user", "content": "Hi"}], [WEATHER], "none")
    assert "<tools>" not in prompt


def test_the_format_stops_on_im_end_and_adds_no_second_bos() -> None:
    response = format_smollm2([{"role": "user", "content": "Hi"}])
    assert response.stop == ["<|im_end|>", "<|im_start|>"]
    assert response.added_special is True
    assert response.stopping_criteria is not None
