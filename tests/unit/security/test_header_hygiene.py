"""What goes into a request's head is checked when a client is made: a bad key or default
header is a ValueError naming the parameter, never showing the value, in every class."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

import pytest

from langchain_solar import ChatSolar, SolarEmbeddings, SolarLLM, SolarSummarizer, SolarTranslator
from llama_index_solar import Solar, SolarEmbedding
from solar_api import AsyncSolarClient, SolarClient
from tests.helpers import SECRET

URL = "http://127.0.0.1:9/v1"
FACTORIES: list[Callable[..., Any]] = [
    SolarClient,
    AsyncSolarClient,
    ChatSolar,
    SolarLLM,
    SolarEmbeddings,
    SolarSummarizer,
    SolarTranslator,
    Solar,
    SolarEmbedding,
]
BAD_KEYS = {
    "trailing newline (read from a file)": SECRET + "\n",
    "trailing CRLF": SECRET + "\r\n",
    "leading space": " " + SECRET,
    "folded header line": SECRET + "\r\n X-Injected: 1",
    "inner LF": SECRET[:5] + "\nX-Injected: 1",
    "NUL": SECRET + "\x00",
    "tab": SECRET[:5] + "\t" + SECRET[5:],
    "non-ASCII": SECRET + "é",
}


def _text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error)


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("key", list(BAD_KEYS.values()), ids=list(BAD_KEYS))
def test_a_key_that_cannot_be_sent_is_refused_without_showing_it(
    factory: Callable[..., Any], key: str
) -> None:
    with pytest.raises(ValueError, match="api_key") as info:
        factory(base_url=URL, api_key=key)
    assert SECRET not in _text(info.value)
    assert SECRET[:12] not in _text(info.value)  # not even pydantic's truncated input


def test_a_key_from_the_environment_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPSTAGE_API_KEY", SECRET + "\n")
    with pytest.raises(ValueError, match="UPSTAGE_API_KEY") as info:
        SolarClient()
    assert SECRET not in _text(info.value)


def test_a_good_key_is_sent_unchanged() -> None:
    client = SolarClient(base_url=URL, api_key=SECRET)
    assert client._request_headers(stream=False)["Authorization"] == f"Bearer {SECRET}"


BAD_HEADERS = {
    "CRLF in a value": {"X-Trace": "a\r\nX-Injected: 1"},
    "folded value": {"X-Trace": "a\r\n b"},
    "NUL in a value": {"X-Trace": "a\x00"},
    "trailing space in a value": {"X-Trace": "a "},
    "non-ASCII value": {"X-Trace": "é"},
    "space in a name": {"X Trace": "a"},
    "colon in a name": {"X-Trace: a": "b"},
    "CRLF in a name": {"X-Trace\r\nX-Injected": "b"},
    "empty name": {"": "b"},
    "non-str value": {"X-Count": 3},
}


@pytest.mark.parametrize("factory", [SolarClient, AsyncSolarClient, ChatSolar, Solar])
@pytest.mark.parametrize("headers", list(BAD_HEADERS.values()), ids=list(BAD_HEADERS))
def test_a_default_header_that_cannot_be_sent_is_refused(
    factory: Callable[..., Any], headers: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="default_headers") as info:
        factory(base_url=URL, api_key="k", default_headers=headers)
    value = next(iter(headers.values()))
    if isinstance(value, str) and len(value) > 1:
        assert value not in str(info.value)


def test_a_whole_header_line_passed_as_a_name_is_not_printed() -> None:
    with pytest.raises(ValueError, match="default_headers") as info:
        SolarClient(base_url=URL, default_headers={f"Authorization: Bearer {SECRET}": "x"})
    assert SECRET not in _text(info.value)


def test_good_default_headers_are_sent() -> None:
    client = SolarClient(base_url=URL, default_headers={"X-Trace": "a b\tc", "X-Empty": ""})
    headers = client._request_headers(stream=False)
    assert (headers["X-Trace"], headers["X-Empty"]) == ("a b\tc", "")
