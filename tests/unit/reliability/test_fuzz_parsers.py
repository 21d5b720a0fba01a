"""Property tests of the SSE decoder and the response parsers.

Example counts stay CI-friendly; for a long run:
    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/unit/reliability/test_fuzz_parsers.py
"""

from __future__ import annotations

import contextlib
import json
import os

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solar_api.errors import SolarError
from solar_api.sse import SSEDecoder, iter_sse
from solar_api.streaming import Stream
from solar_api.types import ChatCompletion, ChatCompletionChunk

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("long", max_examples=20_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=40
)
event = st.builds(
    lambda data, name, eol: (data, name, eol),
    st.lists(text, min_size=1, max_size=3),
    st.one_of(st.none(), st.from_regex(r"[a-z]{1,8}", fullmatch=True)),
    st.sampled_from(["\n", "\r\n", "\r"]),
)


def render(events: list[tuple[list[str], str | None, str]], comments: bool) -> bytes:
    out = []
    for data, name, eol in events:
        if comments:
            out.append(f": keep-alive{eol}")
        if name:
            out.append(f"event: {name}{eol}")
        out.extend(f"data: {line}{eol}" for line in data)
        out.append(eol)
    return "".join(out).encode()


@given(st.lists(event, min_size=1, max_size=8), st.booleans(), st.data())
def test_any_split_of_a_valid_stream_decodes_the_same(events, comments, data) -> None:  # type: ignore[no-untyped-def]
    body = render(events, comments)
    whole = list(iter_sse([body]))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=10)))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    assert list(iter_sse(pieces)) == whole
    assert [e.data for e in whole] == ["\n".join(d) for d, _, _ in events]


@given(st.lists(st.binary(max_size=64), max_size=12))
def test_arbitrary_bytes_never_crash_the_decoder(chunks) -> None:  # type: ignore[no-untyped-def]
    decoder = SSEDecoder()
    for chunk in chunks:
        decoder.feed(chunk)
    decoder.flush()


class _Bytes(httpx.SyncByteStream):
    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts

    def __iter__(self):  # type: ignore[no-untyped-def]
        yield from self.parts


@given(st.lists(st.binary(max_size=64), max_size=12))
@settings(max_examples=150)
def test_arbitrary_stream_bytes_raise_only_our_errors(parts) -> None:  # type: ignore[no-untyped-def]
    response = httpx.Response(200, stream=_Bytes(parts))
    with contextlib.suppress(SolarError):  # anything else fails the test
        for _ in Stream(response, ChatCompletionChunk):
            pass


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(st.one_of(st.binary(max_size=200), json_value.map(lambda v: json.dumps(v).encode())))
def test_arbitrary_response_bodies_raise_only_our_errors(body: bytes) -> None:
    from solar_api._base_client import BaseClient

    with contextlib.suppress(SolarError):  # anything else fails the test
        BaseClient._parse(ChatCompletion, httpx.Response(200, content=body))


@given(
    st.lists(
        st.fixed_dictionaries(
            {"content": st.one_of(st.none(), st.text(max_size=12))},
            optional={"finish_reason": st.sampled_from(["stop", "length"])},
        ),
        min_size=1,
        max_size=6,
    ),
    st.data(),
)
def test_typed_stream_is_split_invariant(deltas, data) -> None:  # type: ignore[no-untyped-def]
    events = [
        {
            "id": "x",
            "choices": [
                {
                    "index": 0,
                    "delta": {"content": d["content"]},
                    "finish_reason": d.get("finish_reason"),
                }
            ],
        }
        for d in deltas
    ]
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode() + b"data: [DONE]\n\n"
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=8)))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    chunks = list(Stream(httpx.Response(200, stream=_Bytes(pieces)), ChatCompletionChunk))
    assert [c.choices[0].delta.content for c in chunks] == [d["content"] for d in deltas]
