"""One error family (issue 25, item 4, and item 6's hints): every error raised through
the LangChain classes is a langchain-core ModelError of the right kind, names the request
it answers, and every error pickles and deep-copies as its own class (a process pool
sends a worker's error back pickled). LlamaIndex raises the plain solar_api classes."""

from __future__ import annotations

import copy
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx
import pytest
from langchain_core import exceptions as lc
from llama_index.core.base.llms.types import ChatMessage

import langchain_solar._errors as lc_errors
import solar_api
import solar_api.errors as se
from langchain_solar import ChatSolar, SolarEmbeddings
from llama_index_solar import Solar
from solar_api.ratelimit import RateLimiterUnavailableError
from tests.helpers import SECRET, Scripted, chunk, error_response, sse_response

UPSTAGE_CHAT = "POST https://api.upstage.ai/v1/chat/completions"
USER = [{"role": "user", "content": "x"}]


def _chat(server: Scripted, **kw: Any) -> ChatSolar:
    kw.setdefault("api_key", SECRET)
    return ChatSolar(
        max_retries=0,
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
        **kw,
    )


def _failure(run: Any) -> BaseException:
    try:
        run()
    except Exception as exc:
        return exc
    raise AssertionError("no error was raised")


def _stream_error(error: dict[str, Any]) -> httpx.Response:
    return sse_response(chunk("par", role="assistant"), {"error": error}, done=False)


# ------------------------------------------------------------------ the LangChain kinds


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ({"message": "model overloaded", "type": "server_error", "code": 503}, lc.ModelAPIError),
        ({"message": "slow down", "type": "rate_limit_error"}, lc.ModelRateLimitError),
        (
            {"message": "bad logprobs", "type": "BadRequestError", "code": 400},
            lc.ModelInvalidRequestError,
        ),
        (
            {"message": "This model's maximum context length is 4096 tokens"},
            lc.ContextOverflowError,
        ),
    ],
)
async def test_an_error_inside_a_stream_is_a_model_error_naming_the_request(
    error: dict[str, Any], kind: type
) -> None:
    err = _failure(lambda: list(_chat(Scripted(_stream_error(error))).stream("x")))
    assert isinstance(err, kind) and isinstance(err, solar_api.APIStreamError)
    assert err.message == error["message"] and err.events_received == 1
    assert UPSTAGE_CHAT in str(err) and SECRET not in str(err)

    with pytest.raises(kind) as info:
        async for _ in _chat(Scripted(_stream_error(error))).astream("x"):
            pass
    assert UPSTAGE_CHAT in str(info.value)


def test_with_fallbacks_on_model_error_catch_a_stream_error() -> None:
    # The error is the first event: a fallback takes over before any chunk went out.
    error = {"error": {"message": "overloaded", "type": "server_error"}}
    failing = _chat(Scripted(sse_response(error, done=False)))
    working = _chat(
        Scripted(sse_response(chunk("fine", role="assistant"), chunk(finish_reason="stop")))
    )
    chain = failing.with_fallbacks([working], exceptions_to_handle=(lc.ModelError,))
    assert "".join(str(c.content) for c in chain.stream("x")) == "fine"


def test_a_missing_key_is_a_model_authentication_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UPSTAGE_API_KEY", raising=False)
    server = Scripted()
    err = _failure(lambda: ChatSolar(http_client=server.sync_client()).invoke("x"))
    assert isinstance(err, lc.ModelAuthenticationError)
    assert isinstance(err, solar_api.MissingAPIKeyError) and isinstance(err, ValueError)
    assert "UPSTAGE_API_KEY" in str(err) and server.count == 0
    with pytest.raises(lc.ModelAuthenticationError):
        SolarEmbeddings(http_client=server.sync_client()).embed_query("x")


@pytest.mark.parametrize("stream", [False, True])
def test_an_unreadable_reply_is_a_model_api_error_naming_the_request(stream: bool) -> None:
    reply = (
        sse_response(chunk("a", role="assistant"), "{not json", done=False)
        if stream
        else httpx.Response(200, content=b"<html>502 Bad Gateway</html>")
    )
    model = _chat(Scripted(reply))
    err = _failure(lambda: list(model.stream("x")) if stream else model.invoke("x"))
    assert isinstance(err, lc.ModelAPIError) and isinstance(
        err, solar_api.APIResponseValidationError
    )
    assert err.status_code == 200 and UPSTAGE_CHAT in str(err)


def test_a_broken_stream_names_the_request() -> None:
    reply = sse_response(chunk("a"), done=False, error=httpx.RemoteProtocolError("peer closed"))
    err = _failure(lambda: list(_chat(Scripted(reply)).stream("x")))
    assert isinstance(err, lc.ModelConnectionError)
    assert isinstance(err, solar_api.StreamInterruptedError)
    assert f"from {UPSTAGE_CHAT}" in str(err) and err.events_received == 1


def test_any_other_status_is_a_model_error() -> None:
    err = _failure(lambda: _chat(Scripted(error_response(409, "busy"))).invoke("x"))
    assert isinstance(err, lc.ModelError) and type(err).__bases__[0] is solar_api.APIStatusError


def test_every_error_class_a_request_raises_has_its_langchain_class() -> None:
    classes = [
        c
        for c in vars(se).values()
        if isinstance(c, type) and issubclass(c, se.SolarError)
        if c not in (se.SolarError, se.RetiredModelError)  # never raised themselves
    ]
    classes.append(RateLimiterUnavailableError)
    for cls in classes:
        made = getattr(lc_errors, cls.__name__, None)
        assert made is not None, f"{cls.__name__}: add its pair to langchain_solar/_errors.py"
        assert made.__bases__[0] is cls and issubclass(made, lc.ModelError), cls
        assert (made.__module__, made.__qualname__) == ("langchain_solar._errors", cls.__name__)


# ------------------------------------------------------------------ pickles and copies


def _hand_built(status: int, message: str = "nope") -> se.APIStatusError:
    request = httpx.Request("POST", "http://gw.example:8080/v1/chat/completions")
    body = {"error": {"message": message, "type": "invalid_request_error", "code": "c1"}}
    response = httpx.Response(status, json=body, headers={"x-request-id": "req-7"}, request=request)
    return se.status_error_from_response(response)


def _solar_api_errors() -> list[se.SolarError]:
    request = httpx.Request("POST", "http://gw.example:8080/v1/chat/completions")
    streamed = httpx.Response(200, headers={"x-request-id": "req-s"}, request=request)
    return [
        _hand_built(400),
        _hand_built(400, "This model's maximum context length is 8192 tokens"),
        _hand_built(401).with_hint("the server refused the API key passed as api_key="),
        _hand_built(404),
        _hand_built(429),
        _hand_built(503),
        _hand_built(418),
        se.APIStreamError(
            {"error": {"message": "overloaded", "code": 503}}, events_received=3, response=streamed
        ),
        se.APIResponseValidationError("not a ChatCompletion", body="<html>", response=streamed),
        se.APIConnectionError("Connection error: refused", request=request),
        se.APITimeoutError("Request timed out", request=request),
        se.StreamInterruptedError("cut", events_received=2, request=request),
        se.MissingAPIKeyError("No API key: set UPSTAGE_API_KEY"),
    ]


FIELDS = (
    *("message", "status_code", "body", "request_id", "target", "hint"),
    *("type", "code", "param", "events_received"),
)


def _same(copied: BaseException, original: BaseException) -> None:
    assert type(copied) is type(original)
    assert str(copied) == str(original) and copied.args == original.args
    for field in FIELDS:
        assert getattr(copied, field, None) == getattr(original, field, None), field


def test_solar_api_errors_pickle_and_deepcopy_with_their_fields() -> None:
    for err in _solar_api_errors():
        loaded = pickle.loads(pickle.dumps(err))
        _same(loaded, err)
        # The httpx objects stay behind (they belong to a connection pool).
        assert getattr(loaded, "response", None) is None
        assert getattr(loaded, "request", None) is None
        copied = copy.deepcopy(err)
        _same(copied, err)
        # A copy shares them.
        assert getattr(copied, "response", None) is getattr(err, "response", None)
        assert getattr(copied, "request", None) is getattr(err, "request", None)
        _same(copy.copy(err), err)
    status = pickle.loads(pickle.dumps(_hand_built(429)))
    assert (status.status_code, status.request_id, status.message) == (429, "req-7", "nope")
    assert status.target == "POST http://gw.example:8080/v1/chat/completions"
    request = httpx.Request("POST", "http://gw.example:8080/v1/embeddings")
    cut = pickle.loads(
        pickle.dumps(se.StreamInterruptedError("cut", events_received=2, request=request))
    )
    assert (cut.target, cut.events_received, cut.request) == (
        "POST http://gw.example:8080/v1/embeddings",
        2,
        None,
    )


def _langchain_errors() -> list[BaseException]:
    def run(reply: Any, stream: bool = False, **kw: Any) -> BaseException:
        model = _chat(Scripted(reply), **kw)
        return _failure(lambda: list(model.stream("x")) if stream else model.invoke("x"))

    return [
        run(error_response(429, "slow down", **{"x-request-id": "req-1"})),
        run(error_response(401, "Invalid API key")),
        run(error_response(400, "This model's maximum context length is 4096 tokens")),
        run(_stream_error({"message": "overloaded", "type": "server_error"}), stream=True),
        run(_stream_error({"message": "slow", "type": "rate_limit_error"}), stream=True),
        run(httpx.ConnectError("refused")),
        run(httpx.Response(200, content=b"<html>")),
        run(httpx.Response(200), api_key=None, provider="nvidia"),  # no NVIDIA_API_KEY
    ]


def test_langchain_errors_pickle_and_deepcopy_as_their_own_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    errors = _langchain_errors()
    assert isinstance(errors[-1], solar_api.MissingAPIKeyError)
    for err in errors:
        assert isinstance(err, lc.ModelError) and type(err).__module__ == "langchain_solar._errors"
        loaded = pickle.loads(pickle.dumps(err))
        _same(loaded, err)
        assert isinstance(loaded, lc.ModelError) and isinstance(loaded, se.SolarError)
        deep = copy.deepcopy(err)
        _same(deep, err)
        assert getattr(deep, "response", None) is getattr(err, "response", None)
    assert pickle.loads(pickle.dumps(errors[0])).request_id == "req-1"


# Run in a worker process: raise an error made through ChatSolar, or a hand-built one.
def _raise_through_chat_solar(status: int) -> None:
    _chat(Scripted(error_response(status, "from the worker", **{"x-request-id": "req-w"}))).invoke(
        "x"
    )


def _raise_hand_built(status: int) -> None:
    raise _hand_built(status)


def _raise_stream_error() -> None:
    list(_chat(Scripted(_stream_error({"message": "mid-stream", "code": 503}))).stream("x"))


@pytest.mark.slow  # starts a process pool
def test_errors_come_back_from_a_process_pool() -> None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        through_chat = pool.submit(_raise_through_chat_solar, 429)
        hand_built = pool.submit(_raise_hand_built, 404)
        streamed = pool.submit(_raise_stream_error)
        with pytest.raises(lc.ModelRateLimitError) as info:
            through_chat.result(timeout=120)
        with pytest.raises(solar_api.NotFoundError) as plain:
            hand_built.result(timeout=120)
        with pytest.raises(lc.ModelAPIError) as stream:
            streamed.result(timeout=120)
    err = info.value
    assert type(err) is lc_errors.RateLimitError  # type: ignore[attr-defined]
    assert isinstance(err, solar_api.RateLimitError) and err.is_retryable
    assert (err.status_code, err.message, err.request_id) == (429, "from the worker", "req-w")
    assert err.target == UPSTAGE_CHAT and UPSTAGE_CHAT in str(err)
    assert type(plain.value) is solar_api.NotFoundError
    assert plain.value.message == "nope" and plain.value.code == "c1"
    assert plain.value.target == "POST http://gw.example:8080/v1/chat/completions"
    assert isinstance(stream.value, solar_api.APIStreamError)
    assert stream.value.message == "mid-stream" and UPSTAGE_CHAT in str(stream.value)


# ------------------------------------------------------------------ LlamaIndex: the plain classes


def test_llama_index_raises_the_plain_solar_api_classes_naming_the_request() -> None:
    server = Scripted(_stream_error({"message": "overloaded", "type": "server_error"}))
    llm = Solar(api_key=SECRET, max_retries=0, http_client=server.sync_client())
    user = [ChatMessage(role="user", content="x")]
    err = _failure(lambda: list(llm.stream_chat(user)))
    assert type(err) is solar_api.APIStreamError and UPSTAGE_CHAT in str(err)
    _same(pickle.loads(pickle.dumps(err)), err)
    server = Scripted(error_response(429, "slow down"))
    llm = Solar(api_key=SECRET, max_retries=0, http_client=server.sync_client())
    err = _failure(lambda: llm.chat(user))
    assert type(err) is solar_api.RateLimitError
    _same(pickle.loads(pickle.dumps(err)), err)
    _same(copy.deepcopy(err), err)


# ------------------------------------------------------------------ hints (item 6)


def test_a_404_from_a_base_url_without_v1_says_it_probably_needs_v1() -> None:
    server = Scripted(httpx.Response(404, json={"detail": "Not Found"}))
    client = solar_api.SolarClient(
        base_url="http://127.0.0.1:8080", http_client=server.sync_client()
    )
    with pytest.raises(solar_api.NotFoundError) as info:
        client.chat(model="m", messages=USER)
    err = info.value
    assert err.message == "Not Found"  # the server's own words, unchanged
    assert "Not Found" in str(err) and "base_url='http://127.0.0.1:8080/v1'" in str(err)
    assert err.hint is not None and "/v1" in err.hint
    # The same through ChatSolar (a LangChain ModelNotFoundError).
    model = ChatSolar(
        base_url="http://127.0.0.1:8080", http_client=Scripted(httpx.Response(404)).sync_client()
    )
    with pytest.raises(lc.ModelNotFoundError, match=r"probably needs .*8080/v1"):
        model.invoke("x")
    # No hint where the base URL has its version, or is a preset's.
    for url in ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/api/v2", None):
        server = Scripted(httpx.Response(404, json={"detail": "Not Found"}))
        kw: dict[str, Any] = {"base_url": url} if url else {"api_key": SECRET}
        client = solar_api.SolarClient(http_client=server.sync_client(), **kw)
        with pytest.raises(solar_api.NotFoundError) as info:
            client.chat(model="m", messages=USER)
        assert info.value.hint is None and "Hint" not in str(info.value)


@pytest.mark.parametrize(
    ("kw", "env", "says"),
    [
        ({"api_key": SECRET}, {}, "the server refused the API key passed as api_key="),
        ({}, {"UPSTAGE_API_KEY": SECRET}, "read from the UPSTAGE_API_KEY environment variable"),
        ({"provider": "nvidia"}, {"NVIDIA_API_KEY": SECRET}, "read from the NVIDIA_API_KEY"),
        ({"base_url": "http://gw.example/v1"}, {}, "no API key was sent; pass api_key=..."),
    ],
)
def test_a_401_names_where_the_key_came_from_never_the_key(
    kw: dict[str, Any], env: dict[str, str], says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UPSTAGE_API_KEY", raising=False)
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    server = Scripted(error_response(401, "Invalid API key"))
    model = _chat(server, **kw) if "api_key" in kw else _chat(server, api_key=None, **kw)
    err = _failure(lambda: model.invoke("x"))
    assert isinstance(err, lc.ModelAuthenticationError)
    assert isinstance(err, solar_api.AuthenticationError)
    assert err.message == "Invalid API key" and says in str(err) and says in (err.hint or "")
    assert SECRET not in str(err) and SECRET not in repr(err)
