"""Structured-output parsers that say when the reply was cut off by ``max_tokens``.

A forced tool call (or a JSON reply) that hits the token limit ends mid-JSON; the
plain parsers then report invalid JSON. These name ``finish_reason=length`` and the fix.
"""

from __future__ import annotations

from typing import Any

from langchain_core.exceptions import OutputParserException
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.outputs import ChatGeneration, Generation
from langchain_core.utils.pydantic import TBaseModel

__all__ = [
    "TruncationAwareJsonParser",
    "TruncationAwareKeyToolsParser",
    "TruncationAwarePydanticParser",
    "TruncationAwarePydanticToolsParser",
]


def _cut_off(result: list[Generation]) -> bool:
    if not result or not isinstance(result[0], ChatGeneration):
        return False
    message = result[0].message
    reason = message.response_metadata.get("finish_reason") or (
        result[0].generation_info or {}
    ).get("finish_reason")
    return reason == "length"


def _explained(exc: OutputParserException, result: list[Generation]) -> OutputParserException:
    return OutputParserException(
        "The reply was cut off by the token limit (finish_reason=length) before its JSON "
        f"was complete; raise max_tokens or ask for less. The parser said: {exc}",
        llm_output=getattr(exc, "llm_output", None),
    )


class _TruncationAware:
    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        try:
            return super().parse_result(result, partial=partial)  # type: ignore[misc]
        except OutputParserException as exc:
            if partial or not _cut_off(result):
                raise
            raise _explained(exc, result) from exc


class TruncationAwarePydanticToolsParser(_TruncationAware, PydanticToolsParser):
    pass


class TruncationAwareKeyToolsParser(_TruncationAware, JsonOutputKeyToolsParser):
    pass


# Generic as its base is; the pydantic mypy plugin names TBaseModel in this module.
class TruncationAwarePydanticParser(_TruncationAware, PydanticOutputParser[TBaseModel]):
    pass


class TruncationAwareJsonParser(_TruncationAware, JsonOutputParser):
    pass
