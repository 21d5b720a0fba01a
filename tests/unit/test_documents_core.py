"""Document Parse and Information Extraction in the core (solar_api.documents), against
the rule-based fake of the three endpoints (tests/upstage_documents_fake.py), with real
PDFs (pypdf) and a real PNG written here."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import threading
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from solar_api import (
    APIResponseValidationError,
    APIStatusError,
    AsyncSolarClient,
    AuthenticationError,
    RateLimitError,
    RetryPolicy,
    SolarClient,
)
from solar_api.documents import (
    BatchFailedError,
    DocumentParser,
    DocumentParseTimeoutError,
    DocumentTooLargeError,
    ParseOptions,
    Polling,
    ResultDownloadError,
    aextract_information,
    aparse_document,
    documents_root,
    extract_information,
    parse_document,
)
from tests.upstage_documents_fake import (
    DOWNLOAD_HOST,
    KEY,
    FakeClock,
    UpstageDocumentsFake,
    _multipart,
    make_pdf,
    make_png,
)

CHAT_BASE = "https://api.upstage.ai/v1/solar"  # the seeds' chat base: documents at /v1
FAST = Polling(initial=0.01, max_interval=0.05, timeout=30)


def client(fake: UpstageDocumentsFake, **words: Any) -> SolarClient:
    words.setdefault("api_key", KEY)
    words.setdefault("base_url", CHAT_BASE)
    made = SolarClient(http_client=fake.sync_client(), **words)
    made._sleep = lambda _: None
    return made


def aclient(fake: UpstageDocumentsFake, **words: Any) -> AsyncSolarClient:
    words.setdefault("api_key", KEY)
    words.setdefault("base_url", CHAT_BASE)
    return AsyncSolarClient(http_client=fake.async_client(), **words)


def pages_of(doc: Any) -> list[int]:
    return [e.page for e in doc.elements]


# -- where the endpoints are -------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "root"),
    [
        ("https://api.upstage.ai/v1", "https://api.upstage.ai/v1"),
        ("https://api.upstage.ai/v1/", "https://api.upstage.ai/v1"),
        ("https://api.upstage.ai/v1/solar", "https://api.upstage.ai/v1"),
        ("https://api.upstage.ai/v1/document-digitization", "https://api.upstage.ai/v1"),
        ("https://api.upstage.ai/v1/document-ai/document-parse", "https://api.upstage.ai/v1"),
        ("https://api.upstage.ai/v1/information-extraction", "https://api.upstage.ai/v1"),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
    ],
)
def test_documents_root_of_a_base_url(base_url: str, root: str) -> None:
    assert documents_root(base_url) == root


# -- the sync API --------------------------------------------------------------------------


def test_one_page_pdf_goes_to_the_sync_api_as_a_multipart_form() -> None:
    fake = UpstageDocumentsFake()
    parser = DocumentParser(output_formats=["html", "text"], base64_encoding=["table"], mode="auto")
    doc = parser.parse(client(fake), make_pdf(1), filename="report.pdf")

    (request,) = fake.requests
    assert (request.method, str(request.url)) == (
        "POST",
        "https://api.upstage.ai/v1/document-digitization",
    )
    assert request.headers["authorization"] == f"Bearer {KEY}"
    fields, files = _multipart(request)
    assert fields == {
        "model": "document-parse",
        "ocr": "auto",
        "output_formats": "['html', 'text']",
        "coordinates": "true",
        "base64_encoding": "['table']",
        "mode": "auto",
        "chart_recognition": "true",
    }
    assert files["document"][0] == "report.pdf"
    assert b"application/pdf" in request.content
    assert [(e.category, e.page, e.content.text) for e in doc.elements] == [
        ("heading1", 1, "Page 1"),
        ("paragraph", 1, "Text of page 1."),
    ]
    assert doc.content.html.startswith("<h1") and doc.content.markdown == ""
    assert doc.pages == 1 and doc.request_id is None
    assert doc.elements[0].coordinates is not None


def test_a_100_page_pdf_is_one_sync_request() -> None:
    fake = UpstageDocumentsFake()
    doc = parse_document(client(fake), make_pdf(100))
    assert fake.paths == ["/v1/document-digitization"]
    assert doc.pages == 100 and pages_of(doc) == sorted(pages_of(doc))
    assert len(doc.elements) == 200


def test_png_bytes_and_file_objects_are_named_from_their_content() -> None:
    fake = UpstageDocumentsFake()
    png = make_png()
    doc = parse_document(client(fake), png, ocr="force")
    _, files = _multipart(fake.requests[-1])
    assert files["document"] == ("document.png", png)
    assert b"image/png" in fake.requests[-1].content
    assert [e.content.html for e in doc.elements] == ["<p id='0'>Scanned text</p>"]

    handle = io.BytesIO(make_pdf(2))
    handle.name = "/somewhere/scan.pdf"
    assert parse_document(client(fake), handle).pages == 2
    assert _multipart(fake.requests[-1])[1]["document"][0] == "scan.pdf"


def test_a_path_is_read_from_disk_and_a_missing_one_is_named(tmp_path: Any) -> None:
    fake = UpstageDocumentsFake()
    path = tmp_path / "a.pdf"
    path.write_bytes(make_pdf(3))
    assert parse_document(client(fake), path).pages == 3
    assert parse_document(client(fake), str(path)).pages == 3
    with pytest.raises(FileNotFoundError, match="no such file"):
        parse_document(client(fake), tmp_path / "missing.pdf")
    assert len(fake.requests) == 2


def test_options_spell_every_form_field() -> None:
    form = ParseOptions(
        mode="enhanced",
        ocr="force",
        output_formats="markdown",
        coordinates=False,
        chart_recognition=False,
        merge_multipage_tables=True,
    ).form()
    assert form == {
        "model": "document-parse",
        "ocr": "force",
        "output_formats": "['markdown']",
        "coordinates": "false",
        "base64_encoding": "[]",
        "mode": "enhanced",
        "chart_recognition": "false",
        "merge_multipage_tables": "true",
    }


# -- the async API -------------------------------------------------------------------------


def test_a_101_page_pdf_goes_to_the_async_api_and_comes_back_in_page_order() -> None:
    fake = UpstageDocumentsFake()
    doc = DocumentParser(polling=FAST).parse(client(fake), make_pdf(101))

    assert fake.paths[0] == "/v1/document-digitization/async"
    assert "/v1/document-digitization" not in fake.paths  # no sync attempt: pages counted
    assert fake.count("/requests/", "GET") >= 1
    assert len(fake.downloads) == 11  # ten batches of 10 pages, one of 1
    assert {r.url.host for r in fake.downloads} == {DOWNLOAD_HOST}
    assert doc.pages == 101 and doc.request_id
    assert pages_of(doc) == [p for p in range(1, 102) for _ in range(2)]
    assert [e.id for e in doc.elements] == list(range(202))  # unique across batches


@pytest.mark.slow  # 2,000 pages through the fake
def test_2000_pages_bounded_concurrent_downloads() -> None:
    fake = UpstageDocumentsFake(download_delay=0.002)
    doc = DocumentParser(polling=FAST, max_concurrency=4).parse(client(fake), make_pdf(2000))
    assert doc.pages == 2000 and len(doc.elements) == 4000
    assert pages_of(doc) == sorted(pages_of(doc)) and doc.elements[-1].page == 2000
    assert len(fake.downloads) == 200
    assert 1 < fake.max_active_downloads <= 4
    assert fake.leaked_keys == []


@pytest.mark.slow  # builds a 2,001-page PDF
def test_over_2000_pages_is_refused_as_too_large() -> None:
    fake = UpstageDocumentsFake()
    with pytest.raises(DocumentTooLargeError) as caught:
        parse_document(client(fake), make_pdf(2001), polling=FAST)
    assert caught.value.status_code == 413 and "2001 pages" in caught.value.message
    assert isinstance(caught.value, APIStatusError)


def test_async_on_request_and_batches_numbered_from_1_are_moved() -> None:
    fake = UpstageDocumentsFake(relative_batch_pages=True)
    doc = parse_document(client(fake), make_pdf(25), api="async", polling=FAST)
    assert fake.paths[0] == "/v1/document-digitization/async"
    assert pages_of(doc) == [p for p in range(1, 26) for _ in range(2)]


def test_parts_are_handed_out_in_page_order_whatever_order_downloads_end() -> None:
    # Batch 0 is the slowest download: the others wait for it, then come in order.
    fake = UpstageDocumentsFake(download_delays={0: 0.2})
    parser = DocumentParser(polling=FAST, api="async")
    parts = list(parser.iter_parts(client(fake), make_pdf(50)))
    assert [p.elements[0].page for p in parts] == [1, 11, 21, 31, 41]
    assert len(fake.downloads) == 5  # all under way while batch 0 was


def test_polling_waits_for_the_batches_and_backs_off() -> None:
    clock = FakeClock()
    # Two waves of 20 s each; the client's sleeps move the fake's time.
    fake = UpstageDocumentsFake(clock=clock, seconds_per_batch=20, parallel_batches=6)
    sync = client(fake)
    sync._sleep = clock.sleep
    parser = DocumentParser(polling=Polling(initial=1, factor=2, max_interval=8, timeout=600))
    parser._clock = clock
    doc = parser.parse(sync, make_pdf(120))
    assert doc.pages == 120
    polls = fake.count("/requests/", "GET")
    # Intervals 1, 2, 4, 8, 8... until 40 s (progress at 20 s keeps the interval).
    assert 5 <= polls <= 12, polls
    assert clock.now - 1_000 >= 40


def test_cancel_mid_poll_async_leaves_nothing_running() -> None:
    fake = UpstageDocumentsFake(seconds_per_batch=60)

    async def main() -> None:
        task = asyncio.create_task(
            aparse_document(aclient(fake), make_pdf(150), polling=Polling(initial=0.01))
        )
        while fake.count("/requests/", "GET") < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        polls = fake.count("/requests/", "GET")
        await asyncio.sleep(0.1)
        assert fake.count("/requests/", "GET") == polls  # polling stopped
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(main())


def test_cancel_mid_poll_sync_stops_polling() -> None:
    fake = UpstageDocumentsFake(seconds_per_batch=60)
    sync = client(fake)

    def interrupted(seconds: float) -> None:
        if fake.count("/requests/", "GET") == 3:
            raise KeyboardInterrupt  # Ctrl-C while waiting for the next poll
        threading.Event().wait(seconds)

    sync._sleep = interrupted
    with pytest.raises(KeyboardInterrupt):
        parse_document(sync, make_pdf(150), polling=Polling(initial=0.01))
    assert fake.count("/requests/", "GET") == 3


def test_a_closed_consumer_stops_the_downloads() -> None:
    fake = UpstageDocumentsFake(download_delay=0.01)
    parts = DocumentParser(polling=FAST, max_concurrency=1).iter_parts(client(fake), make_pdf(300))
    first = next(parts)
    assert first.elements[0].page == 1
    parts.close()
    started = len(fake.downloads)
    assert started <= 4  # the window: 2 x max_concurrency, plus the one handed out
    threading.Event().wait(0.1)
    assert len(fake.downloads) <= started + 1


def test_timeout_names_the_request_and_resume_picks_it_up() -> None:
    fake = UpstageDocumentsFake(seconds_per_batch=60)
    sync = client(fake)
    sync._sleep = lambda s: threading.Event().wait(s)
    parser = DocumentParser(polling=Polling(initial=0.01, timeout=0.1))
    with pytest.raises(DocumentParseTimeoutError) as caught:
        parser.parse(sync, make_pdf(120))
    error = caught.value
    assert error.request_id and error.total_pages == 120 and error.completed_pages == 0
    assert "resume" in str(error)
    fake.seconds_per_batch = 0  # the request finishes
    doc = DocumentParser(polling=FAST).resume(sync, error.request_id)
    assert doc.pages == 120 and doc.request_id == error.request_id


# -- failures ---------------------------------------------------------------------------------


def test_a_failed_batch_names_its_pages() -> None:
    fake = UpstageDocumentsFake(failed_batches={3})
    with pytest.raises(BatchFailedError) as caught:
        parse_document(client(fake), make_pdf(101), polling=FAST)
    error = caught.value
    assert (error.start_page, error.end_page) == (31, 40)
    assert "pages 31-40" in str(error) and error.request_id in str(error)
    assert error.reason == "Internal error while parsing"


def test_an_expired_download_url_is_fetched_afresh_once() -> None:
    fake = UpstageDocumentsFake(expire_once={4})
    doc = parse_document(client(fake), make_pdf(101), polling=FAST)
    assert doc.pages == 101
    fifth = [r for r in fake.downloads if r.url.path.endswith("batch-4.json")]
    assert len(fifth) == 2 and fifth[0].url != fifth[1].url  # a fresh signature
    assert fake.count("/requests/", "GET") == 2  # one status, one re-fetch


def test_a_url_that_expires_again_is_a_typed_error_without_its_signature() -> None:
    fake = UpstageDocumentsFake(expire_always={0})
    with pytest.raises(ResultDownloadError) as caught:
        parse_document(client(fake), make_pdf(101), polling=FAST)
    error = caught.value
    assert (error.start_page, error.end_page, error.status_code) == (1, 10, 403)
    assert "expired again" in str(error) and "Signature" not in str(error)
    assert DOWNLOAD_HOST in str(error)


def test_download_host_errors_are_retried_by_the_policy() -> None:
    fake = UpstageDocumentsFake(unavailable={2: 2})
    assert parse_document(client(fake), make_pdf(101), polling=FAST).pages == 101
    third = [r for r in fake.downloads if r.url.path.endswith("batch-2.json")]
    assert len(third) == 3


def test_401_names_the_key_and_is_not_retried() -> None:
    fake = UpstageDocumentsFake()
    with pytest.raises(AuthenticationError) as caught:
        parse_document(client(fake, api_key="wrong"), make_pdf(1))
    assert "api_key" in str(caught.value) and "wrong" not in str(caught.value)
    assert len(fake.requests) == 1


def test_413_over_the_size_limit_is_typed_with_a_hint() -> None:
    fake = UpstageDocumentsFake(max_bytes=100)
    with pytest.raises(DocumentTooLargeError) as caught:
        parse_document(client(fake), make_pdf(1))
    assert caught.value.status_code == 413 and "50 MB" in caught.value.message
    assert caught.value.hint and "api='async'" in caught.value.hint
    assert len(fake.requests) == 1  # a 413 is not retried


def test_sync_on_request_over_100_pages_is_refused_not_moved() -> None:
    fake = UpstageDocumentsFake()
    with pytest.raises(DocumentTooLargeError, match="101 pages"):
        parse_document(client(fake), make_pdf(101), api="sync")
    assert fake.paths == ["/v1/document-digitization"]


def test_uncounted_pages_move_to_the_async_api_when_the_sync_one_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = UpstageDocumentsFake()
    pdf = make_pdf(150)
    monkeypatch.setitem(sys.modules, "pypdf", None)  # the client's pypdf is not installed
    doc = parse_document(client(fake), pdf, polling=FAST, filename="long.pdf")
    assert fake.paths[:2] == ["/v1/document-digitization", "/v1/document-digitization/async"]
    assert doc.pages == 150


def test_429_is_retried_after_the_wait_the_server_asks_for() -> None:
    clock = FakeClock()
    fake = UpstageDocumentsFake(clock=clock, rate_limits=True)
    sync = client(fake, max_retries=3)
    sync._sleep = clock.sleep
    pdf = make_pdf(1)
    for _ in range(5):  # 3 per second are served
        parse_document(sync, pdf)
    statuses = [r.url.path for r in fake.requests]
    assert len(statuses) == 6  # the 4th was refused once, then sent a second later
    assert clock.now == 1_001


def test_429_past_the_retries_is_a_rate_limit_error() -> None:
    clock = FakeClock()
    fake = UpstageDocumentsFake(clock=clock, rate_limits=True)
    sync = client(fake, retry_policy=RetryPolicy(max_retries=0))
    for _ in range(3):
        parse_document(sync, make_pdf(1))
    with pytest.raises(RateLimitError) as caught:
        parse_document(sync, make_pdf(1))
    assert caught.value.retry_after == 1


# -- the key stays with the API ------------------------------------------------------------


def test_the_key_and_default_headers_never_reach_the_download_host() -> None:
    fake = UpstageDocumentsFake()
    headers = {"X-Gateway-Secret": "s3cr3t"}
    parse_document(client(fake, default_headers=headers), make_pdf(30), api="async")

    async def main() -> None:
        await aparse_document(
            aclient(fake, default_headers=headers), make_pdf(30), api="async", polling=FAST
        )

    asyncio.run(main())
    assert len(fake.downloads) == 6 and fake.leaked_keys == []
    for download in fake.downloads:
        assert "authorization" not in download.headers
        assert "x-gateway-secret" not in download.headers
    for request in fake.requests:
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert request.headers["x-gateway-secret"] == "s3cr3t"


def test_a_user_pool_with_auth_and_headers_does_not_lend_them_to_downloads() -> None:
    fake = UpstageDocumentsFake()

    class PoolAuth(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Any:
            request.headers["X-Pool-Auth"] = "token"
            yield request

    pool = httpx.Client(
        transport=httpx.MockTransport(fake.handler),
        headers={"X-Pool-Header": "pool"},
        auth=PoolAuth(),
    )
    sync = SolarClient(api_key=KEY, base_url=CHAT_BASE, http_client=pool)
    parse_document(sync, make_pdf(11), api="async", polling=FAST)
    assert fake.requests[0].headers["x-pool-auth"] == "token"  # the API gets the pool's
    assert len(fake.downloads) == 2 and fake.leaked_keys == []
    for download in fake.downloads:
        assert "x-pool-header" not in download.headers
        assert "x-pool-auth" not in download.headers


# -- the async client ------------------------------------------------------------------------


@pytest.mark.slow  # 2,000 pages through the fake
def test_async_client_parses_2000_pages_with_bounded_downloads() -> None:
    fake = UpstageDocumentsFake(download_delay=0.002)

    async def main() -> Any:
        return await DocumentParser(polling=FAST, max_concurrency=5).aparse(
            aclient(fake), make_pdf(2000)
        )

    doc = asyncio.run(main())
    assert doc.pages == 2000 and pages_of(doc) == sorted(pages_of(doc))
    assert 1 < fake.max_active_downloads <= 5
    assert fake.leaked_keys == []


def test_async_client_sync_api_and_errors() -> None:
    fake = UpstageDocumentsFake(failed_batches={0})

    async def main() -> None:
        doc = await aparse_document(aclient(fake), make_png())
        assert doc.pages == 1
        with pytest.raises(BatchFailedError, match="pages 1-10"):
            await aparse_document(aclient(fake), make_pdf(101), polling=FAST)
        with pytest.raises(AuthenticationError):
            await aparse_document(aclient(fake, api_key="nope"), make_pdf(1))

    asyncio.run(main())


def test_progress_bar_counts_pages(capsys: pytest.CaptureFixture[str]) -> None:
    fake = UpstageDocumentsFake()
    parse_document(client(fake), make_pdf(101), polling=FAST, show_progress=True)
    err = capsys.readouterr().err
    assert "101/101" in err and "page" in err


# -- Information Extraction --------------------------------------------------------------


class Address(BaseModel):
    city: str


class Invoice(BaseModel):
    vendor: str
    pages: int
    total: float
    paid: bool
    billed_to: Address
    items: list[str]


def test_extraction_into_a_pydantic_model() -> None:
    fake = UpstageDocumentsFake()
    invoice = extract_information(client(fake), make_pdf(2), Invoice)
    assert invoice == Invoice(
        vendor="vendor of the document",
        pages=2,
        total=2.0,
        paid=True,
        billed_to=Address(city="city of the document"),
        items=["items of the document"],
    )
    (request,) = fake.requests
    assert str(request.url) == "https://api.upstage.ai/v1/information-extraction"
    body = json.loads(request.content)
    assert body["model"] == "information-extract"
    part = body["messages"][0]["content"][0]
    assert part["type"] == "image_url"
    assert part["image_url"]["url"].startswith("data:application/octet-stream;base64,JVBER")
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "Invoice"
    assert "$ref" not in json.dumps(fmt)  # nested models written out


def test_extraction_with_a_json_schema_or_a_url() -> None:
    fake = UpstageDocumentsFake()
    schema = {"type": "object", "properties": {"merchant": {"type": "string"}}}
    assert extract_information(client(fake), make_png(), schema) == {
        "merchant": "merchant of the document"
    }
    whole = {"type": "json_schema", "json_schema": {"name": "receipt", "schema": schema}}
    url = "https://example.com/receipt.png"
    assert extract_information(client(fake), url, whole) == {"merchant": "merchant of the document"}
    body = json.loads(fake.requests[-1].content)
    assert body["messages"][0]["content"][0]["image_url"]["url"] == url
    assert body["response_format"]["json_schema"]["name"] == "receipt"


def test_extraction_answer_that_is_not_the_model_is_typed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        message = {"role": "assistant", "content": '{"vendor": 3}'}
        return httpx.Response(
            200,
            json={
                "id": "x",
                "object": "chat.completion",
                "created": 1,
                "model": "information-extract",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            },
        )

    sync = SolarClient(
        api_key=KEY, http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    with pytest.raises(APIResponseValidationError, match="not a valid Invoice"):
        extract_information(sync, make_png(), Invoice)


def test_async_extraction() -> None:
    fake = UpstageDocumentsFake()

    async def main() -> Invoice:
        return await aextract_information(aclient(fake), make_pdf(3), Invoice)

    assert asyncio.run(main()).pages == 3


def test_document_errors_pickle_with_their_fields() -> None:
    import pickle

    from solar_api import SolarError

    fake = UpstageDocumentsFake(failed_batches={1}, max_bytes=30_000)
    caught: list[SolarError] = []
    for document in (make_pdf(101), make_pdf(1) + b" " * 40_000):
        try:
            parse_document(client(fake), document, polling=FAST)
        except SolarError as error:
            caught.append(error)
    failed, too_large = caught
    copy = pickle.loads(pickle.dumps(failed))
    assert isinstance(copy, BatchFailedError)
    assert (copy.start_page, copy.end_page, copy.request_id) == (11, 20, failed.request_id)
    copy = pickle.loads(pickle.dumps(too_large))
    assert isinstance(copy, DocumentTooLargeError) and copy.status_code == 413
    assert copy.response is None and str(copy) == str(too_large)
