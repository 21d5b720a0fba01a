"""The wire models against the exact JSON in the seed documents."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from solar_api.types import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Completion,
    CompletionRequest,
    EmbeddingResponse,
)
from tests.helpers import fixture_json


def test_summarization_response_seed_001() -> None:
    raw = fixture_json("seed001_summarization_response.json")
    parsed = ChatCompletion.model_validate(raw)
    assert parsed.id == "998685e8-58e1-43aa-acde-098118365af5"
    assert parsed.model == "solar-1-mini-summarization"
    assert parsed.choices[0].message.content.startswith("* Solar Mini is a powerful")
    assert parsed.choices[0].finish_reason == "stop"
    assert parsed.usage is not None and parsed.usage.total_tokens == 620
    assert parsed.system_fingerprint == ""


def test_summarization_request_seed_001_round_trips_exactly() -> None:
    raw = fixture_json("seed001_summarization_request.json")
    assert ChatCompletionRequest.model_validate(raw).to_wire() == raw


def test_three_parallel_tool_calls_seed_002() -> None:
    parsed = ChatCompletion.model_validate(fixture_json("seed002_function_calling_response.json"))
    message = parsed.choices[0].message
    assert message.content is None
    assert [c.id for c in message.tool_calls or []] == [
        "e7e01748-b53b-4f98-90a7-f330f5cba2af",
        "948f5e4c-09fc-402f-b703-e4ace12b7d48",
        "d25d38e0-6a7d-428e-8953-0cd2f5b81969",
    ]
    assert (
        message.tool_calls[0].function.arguments
        == '{"location":"San Francisco","unit":"fahrenheit"}'
    )
    assert parsed.choices[0].finish_reason == "tool_calls"


def test_function_calling_request_seed_002_round_trips_exactly() -> None:
    raw = fixture_json("seed002_function_calling_request.json")
    assert ChatCompletionRequest.model_validate(raw).to_wire() == raw


def test_julep_chat_request_seed_004_round_trips_exactly() -> None:
    raw = fixture_json("seed004_chat_request.json")
    request = ChatCompletionRequest.model_validate(raw)
    last = request.messages[-1]
    assert isinstance(last, AssistantMessage) and last.continue_ is True and last.content is None
    assert request.to_wire() == raw


def test_julep_completion_seed_004() -> None:
    raw = fixture_json("seed004_completion_request.json")
    assert CompletionRequest.model_validate(raw).to_wire() == raw
    parsed = Completion.model_validate(fixture_json("seed004_completion_response.json"))
    assert parsed.choices[0].text.startswith("<|im_start|> Quantum entanglement")
    assert parsed.usage is not None and parsed.usage.completion_tokens == 105


def test_extra_fields_are_kept() -> None:
    raw = {
        "id": "x",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "hi",
                    "reasoning_content": "thought",
                    "function_call": None,
                },
                "finish_reason": "stop",
                "stop_reason": 7,
            }
        ],
        "timings": {"predicted_ms": 1.5},
    }
    parsed = ChatCompletion.model_validate(raw)
    assert parsed.model_extra == {"timings": {"predicted_ms": 1.5}}
    assert parsed.choices[0].message.model_extra == {
        "reasoning_content": "thought",
        "function_call": None,
    }
    assert parsed.choices[0].model_extra == {"stop_reason": 7}


def test_object_arguments_are_encoded_as_a_string() -> None:
    raw = {
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "1",
                            "type": "function",
                            "function": {"name": "f", "arguments": {"a": 1}},
                        }
                    ],
                }
            }
        ]
    }
    call = ChatCompletion.model_validate(raw).choices[0].message.tool_calls[0]
    assert call.function.arguments == '{"a": 1}'


def test_stream_chunk_with_usage_and_no_choices() -> None:
    parsed = ChatCompletionChunk.model_validate_json(
        '{"id":"1","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}'
    )
    assert parsed.choices == [] and parsed.usage is not None and parsed.usage.total_tokens == 3


def test_embedding_response_keeps_per_token_vectors() -> None:
    parsed = EmbeddingResponse.model_validate(
        {"data": [{"index": 0, "embedding": [[0.1, 0.2], [0.3, 0.4]]}]}
    )
    assert parsed.data[0].embedding == [[0.1, 0.2], [0.3, 0.4]]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temperature", 2.5),
        ("temperature", -0.1),
        ("top_p", 1.5),
        ("max_tokens", 0),
        ("n", 0),
        ("frequency_penalty", 3),
        ("format", "table"),
        ("length", "huge"),
    ],
)
def test_out_of_range_request_fields_are_rejected(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        ChatCompletionRequest(
            model="m", messages=[{"role": "user", "content": "x"}], **{field: value}
        )
    assert field in str(info.value)


def test_empty_messages_and_unknown_roles_are_rejected() -> None:
    with pytest.raises(ValidationError, match="messages"):
        ChatCompletionRequest(model="m", messages=[])
    with pytest.raises(ValidationError, match="wizard"):
        ChatCompletionRequest(model="m", messages=[{"role": "wizard", "content": "x"}])
    with pytest.raises(ValidationError, match="tool_call_id"):
        ChatCompletionRequest(model="m", messages=[{"role": "tool", "content": "x"}])
