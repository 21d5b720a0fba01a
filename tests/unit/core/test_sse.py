from __future__ import annotations

import pytest

from solar_api.sse import ServerSentEvent, SSEDecoder, iter_sse


def decode(*reads: bytes) -> list[ServerSentEvent]:
    return list(iter_sse(list(reads)))


def test_single_event() -> None:
    assert decode(b"data: hello\n\n") == [ServerSentEvent(data="hello")]


def test_multiline_data_is_joined_with_newlines() -> None:
    assert decode(b"data: a\ndata: b\ndata:c\n\n")[0].data == "a\nb\nc"


def test_comments_and_keepalives_are_ignored() -> None:
    events = decode(b": keep-alive\n\n:ping\ndata: x\n\n: another\n\n")
    assert events == [ServerSentEvent(data="x")]


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_line_endings(eol: bytes) -> None:
    body = (
        b"event: delta" + eol + b"id: 7" + eol + b"data: one" + eol + eol + b"data: two" + eol + eol
    )
    events = decode(body)
    assert events == [
        ServerSentEvent(data="one", event="delta", id="7"),
        ServerSentEvent(data="two", id="7"),
    ]


def test_crlf_split_between_reads_is_one_line_end() -> None:
    # The CR ends one read and the LF starts the next: one line end, not two.
    events = decode(b"data: a\r", b"\ndata: b\r\n\r\n")
    assert events == [ServerSentEvent(data="a\nb")]


def test_every_split_point_gives_the_same_events() -> None:
    body = (
        b': hi\r\ndata: {"a": 1}\r\n\r\nevent: error\ndata: x\ndata: y\n\n'
        b"retry: 100\ndata: \xed\x95\x9c\xea\xb8\x80\n\ndata: [DONE]\n\n"
    )
    expected = decode(body)
    assert [e.data for e in expected] == ['{"a": 1}', "x\ny", "한글", "[DONE]"]
    assert expected[1].event == "error" and expected[2].retry == 100
    for i in range(len(body) + 1):
        for j in range(i, len(body) + 1):
            assert decode(body[:i], body[i:j], body[j:]) == expected, (i, j)


def test_byte_at_a_time() -> None:
    body = b"data: first\n\ndata: second\r\n\r\n"
    assert decode(*[body[i : i + 1] for i in range(len(body))]) == decode(body)


def test_last_event_without_blank_line_is_flushed() -> None:
    assert decode(b"data: tail") == [ServerSentEvent(data="tail")]


def test_blank_lines_without_data_dispatch_nothing() -> None:
    assert decode(b"\n\n\nevent: x\n\n") == []


def test_field_without_space_and_unknown_fields() -> None:
    assert decode(b"data:x\nfoo: bar\nretry: soon\n\n") == [ServerSentEvent(data="x")]


def test_feed_returns_only_completed_events() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: par") == []
    assert decoder.feed(b"tial\n") == []
    assert decoder.feed(b"\n") == [ServerSentEvent(data="partial")]
    assert decoder.flush() == []
