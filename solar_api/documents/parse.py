"""Upstage Document Parse: a file in, its layout elements (in page order) out.

Two APIs serve it (console.upstage.ai/api/parse/document-parsing and .../async):

- ``POST {v1}/document-digitization`` (multipart), up to 100 pages, answers at once;
- ``POST {v1}/document-digitization/async`` answers a ``request_id``; ``GET
  {v1}/document-digitization/requests/{id}`` then tells the request's progress in
  batches of 10 pages, each with a ``download_url`` (valid 15 minutes; fetching the
  request again gives fresh ones) to the batch's result, which has the sync answer's
  shape. Up to 2,000 pages; results are kept 30 days.

`DocumentParser` takes the sync API for a document of up to 100 pages and the async one
for a longer one (pages counted with pypdf when it is installed; ``api=`` chooses
outright). A document whose pages could not be counted goes to the sync API, and to the
async one if the sync API refuses it as too large. The async request is polled with a
growing interval under a total timeout; batches are downloaded as soon as they are done,
``max_concurrency`` at a time, each URL refreshed once if it has expired; results come
out batch by batch in page order (`iter_parts`), so a long document is processed while
the rest is still being parsed, with a tqdm bar over its pages if asked for.

Example::

    from solar_api import SolarClient
    from solar_api.documents import DocumentParser

    with SolarClient() as client:
        doc = DocumentParser(output_formats=["markdown"]).parse(client, "report.pdf")
        for element in doc.elements:
            print(element.page, element.category, element.content.markdown)

Rate limits are per organization (published: 3 requests/s sync, 6/s async); pass a
``rate_limiter=`` to the client to stay under them across workers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import httpx
from pydantic import BaseModel, ValidationError

from ..errors import APIResponseValidationError, APIStatusError, BadRequestError
from ..tasks._progress import _tqdm
from . import _http
from ._input import DocumentInput, SourceDocument, source_document
from .errors import (
    BatchFailedError,
    DocumentParseError,
    DocumentParseTimeoutError,
    DocumentTooLargeError,
    ResultDownloadError,
)
from .types import ElementContent, ParsedDocument, ParseOptions, ParseRequest, ParseRequestBatch

if TYPE_CHECKING:
    from ..async_client import AsyncSolarClient
    from ..client import SolarClient

__all__ = [
    "ASYNC_PAGE_LIMIT",
    "SYNC_PAGE_LIMIT",
    "DocumentParser",
    "Polling",
    "aparse_document",
    "merge_parts",
    "parse_document",
]

SYNC_PAGE_LIMIT = 100
ASYNC_PAGE_LIMIT = 2000
# A download URL is valid 15 minutes; one older than this is fetched afresh first.
URL_FRESH_SECONDS = 14 * 60

Api = Literal["auto", "sync", "async"]
# The docs' words are "completed" and "failed"; the others are taken as the same.
_DONE = frozenset({"completed", "succeeded", "success", "done"})
_FAILED = frozenset({"failed", "error"})


@dataclass(frozen=True)
class Polling:
    """How an async request is polled: every `initial` seconds at first, the interval
    growing by `factor` while nothing changes, up to `max_interval`; given up (a
    `DocumentParseTimeoutError` naming the request) after `timeout` seconds in all."""

    initial: float = 1.0
    factor: float = 1.5
    max_interval: float = 10.0
    timeout: float = 1800.0

    def __post_init__(self) -> None:
        for name in ("initial", "max_interval", "timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"Polling.{name}: got {value!r}; expected seconds > 0")
        if self.factor < 1:
            raise ValueError(f"Polling.factor: got {self.factor!r}; expected >= 1")


class _Submitted(BaseModel):
    request_id: str


def _url(root: str, path: str) -> str:
    return root + path


def _typed(error: APIStatusError, hint: str) -> APIStatusError:
    """A 413 as a `DocumentTooLargeError` (still an `APIStatusError`), with `hint`."""
    if error.status_code != 413 or isinstance(error, DocumentTooLargeError):
        return error
    typed = DocumentTooLargeError(response=error.response, body=error.body)
    return typed.with_hint(hint)


def _too_many_pages(error: APIStatusError) -> bool:
    """The sync API refused the document as too large (413), or named its pages (400)."""
    return error.status_code == 413 or (
        isinstance(error, BadRequestError) and "page" in (error.message or "").lower()
    )


def merge_parts(parts: Sequence[ParsedDocument]) -> ParsedDocument:
    """Parts in page order (`DocumentParser.iter_parts`) as one document."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0] if parts else ParsedDocument()
    content = ElementContent(
        **{
            fmt: "\n".join(text for p in parts if (text := p.content.get(fmt)))
            for fmt in ("html", "markdown", "text")
        }
    )
    pages = sum(p.pages for p in parts)
    return ParsedDocument(
        api=first.api,
        model=first.model,
        content=content,
        elements=[e for p in parts for e in p.elements],
        usage={"pages": pages},
        request_id=first.request_id,
    )


# -- the state of one async request (no I/O) -------------------------------------------


@dataclass
class _Job:
    """What is known of an async request, what to download next and what is ready to
    hand out; the sync and async drivers do the I/O around it."""

    request_id: str
    window: int
    status: ParseRequest | None = None
    fetched_at: float = 0.0
    batches: dict[int, ParseRequestBatch] = field(default_factory=dict)
    url_time: dict[int, float] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)
    held: dict[int, ParsedDocument] = field(default_factory=dict)
    handed: set[int] = field(default_factory=set)
    next_id: int = 0
    in_flight: int = 0

    def update(self, status: ParseRequest, now: float) -> bool:
        """Take a fresh status; True when it shows progress. A failed batch or request
        raises here."""
        progressed = self.status is None or (
            (status.completed_pages, status.status)
            != (self.status.completed_pages, self.status.status)
        )
        self.status, self.fetched_at = status, now
        for batch in sorted(status.batches, key=lambda b: b.start_page):
            if batch.status.lower() in _FAILED:
                reason = batch.failure_message or "no reason given"
                raise BatchFailedError(
                    f"Document Parse failed on pages {batch.start_page}-{batch.end_page}: {reason}",
                    request_id=self.request_id,
                    start_page=batch.start_page,
                    end_page=batch.end_page,
                    reason=batch.failure_message,
                )
            old = self.batches.get(batch.start_page)
            if batch.download_url and (old is None or old.download_url != batch.download_url):
                self.url_time[batch.start_page] = now
            self.batches[batch.start_page] = batch
        if status.status.lower() in _FAILED:
            raise DocumentParseError(
                f"Document Parse failed: {status.failure_message or 'no reason given'}",
                request_id=self.request_id,
            )
        return progressed

    @property
    def order(self) -> list[int]:
        return sorted(self.batches)

    @property
    def next_needed(self) -> int | None:
        return next((s for s in self.order if s not in self.handed), None)

    def to_download(self) -> list[ParseRequestBatch]:
        """Done batches not yet started, in page order, within the window of batches
        downloaded or held ahead of the next one to hand out (which always goes)."""
        out = []
        needed = self.next_needed
        for start in self.order:
            batch = self.batches[start]
            done = batch.status.lower() in _DONE
            if start in self.started or not done or not batch.download_url:
                continue
            if start != needed and self.in_flight + len(self.held) >= self.window:
                continue
            self.started.add(start)
            self.in_flight += 1
            out.append(batch)
        return out

    def url_for(self, start: int, now: float) -> str | None:
        """The batch's URL, or None when it is too old to trust (fetch the request)."""
        if now - self.url_time.get(start, now) > URL_FRESH_SECONDS:
            return None
        return self.batches[start].download_url

    def done_download(self, start: int, part: ParsedDocument) -> None:
        self.in_flight -= 1
        self.held[start] = part

    def ready(self) -> list[ParsedDocument]:
        """The parts that can be handed out now, in page order (ids renumbered)."""
        out = []
        while (start := self.next_needed) is not None and start in self.held:
            part = self.held.pop(start)
            self.handed.add(start)
            for element in part.elements:
                element.id = self.next_id
                self.next_id += 1
            out.append(part)
        return out

    @property
    def finished(self) -> bool:
        status = self.status
        return (
            status is not None
            and status.status.lower() in _DONE
            and all(s in self.handed for s in self.batches)
        )

    @property
    def needs_poll(self) -> bool:
        """Until the request is done; after that only when nothing is under way and yet
        something is left (a done batch listed without a URL: the next status has it)."""
        if not self.server_done:
            return True
        return not self.finished and not self.in_flight

    @property
    def server_done(self) -> bool:
        return self.status is not None and self.status.status.lower() in _DONE

    def timeout_error(self, seconds: float) -> DocumentParseTimeoutError:
        status = self.status
        done = status.completed_pages if status else None
        total = status.total_pages if status else None
        return DocumentParseTimeoutError(
            f"Document Parse did not finish within {seconds:g} s ({done} of {total} pages "
            "done); the request may still finish: DocumentParser.resume(client, "
            f"{self.request_id!r}) picks it up (results are kept 30 days)",
            request_id=self.request_id,
            completed_pages=done,
            total_pages=total,
        )

    def download_error(
        self, batch: ParseRequestBatch, response: httpx.Response | None, why: str
    ) -> ResultDownloadError:
        # The URL's host and path only: its query is a signature.
        where = ""
        if response is not None:
            url = response.request.url
            where = f" (GET {url.scheme}://{url.host}{url.path})"
        return ResultDownloadError(
            f"The result of pages {batch.start_page}-{batch.end_page} could not be "
            f"downloaded: {why}{where}",
            request_id=self.request_id,
            start_page=batch.start_page,
            end_page=batch.end_page,
            status_code=response.status_code if response is not None else None,
        )


def _part(job: _Job, batch: ParseRequestBatch, response: httpx.Response) -> ParsedDocument:
    """A downloaded batch, its elements on the document's pages, in page order."""
    try:
        part = ParsedDocument.model_validate_json(response.content)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise APIResponseValidationError(
            f"The result of pages {batch.start_page}-{batch.end_page} is not a Document "
            f"Parse answer ({err['msg']})",
            body=response.text[:500],
            response=response,
        ) from None
    pages = [e.page for e in part.elements]
    start, end = batch.start_page, batch.end_page
    # Pages are the document's; should a batch number them from 1, they are moved.
    on_document = all(start <= p <= end for p in pages)
    if start > 1 and pages and not on_document and all(1 <= p <= end - start + 1 for p in pages):
        for element in part.elements:
            element.page += start - 1
    part.elements.sort(key=lambda e: e.page)
    part.request_id = job.request_id
    if "pages" not in part.usage and end >= start > 0:
        part.usage["pages"] = end - start + 1
    return part


# -- the steps of the polling and of a download (no I/O) --------------------------------


@dataclass(frozen=True)
class _Poll:
    """Fetch the request's status; send it back."""


@dataclass(frozen=True)
class _Collect:
    """Send back the downloads that finished, as (start page, part) pairs; a download's
    error is raised by the driver."""


@dataclass(frozen=True)
class _Hand:
    """Start these downloads, then hand these parts to the consumer."""

    parts: list[ParsedDocument]
    downloads: list[ParseRequestBatch]


@dataclass(frozen=True)
class _Wait:
    """Wait up to `seconds`, less if a download finishes."""

    seconds: float


_POLL, _COLLECT = _Poll(), _Collect()
_PollStep = _Poll | _Collect | _Hand | _Wait


@dataclass(frozen=True)
class _Refresh:
    """Fetch the request again unless that was done after `since`; send back the
    batch's URL."""

    since: float


@dataclass(frozen=True)
class _Fetch:
    """Download `url`; send back the response."""

    url: str | None


def _download_steps(
    job: _Job,
    batch: ParseRequestBatch,
    clock: Callable[[], float],
    guard: AbstractContextManager[Any],
) -> Generator[_Refresh | _Fetch, Any, ParsedDocument]:
    """One batch's download: its URL (fetched afresh when too old to trust, and once
    more when the storage host says it expired), then its part. `guard` is the sync
    driver's lock over `job`."""
    start = batch.start_page
    asked = clock()
    with guard:
        url = job.url_for(start, asked)
    if url is None:
        url = yield _Refresh(asked)
    response: httpx.Response = yield _Fetch(url)
    if _http.is_expired(response):
        url = yield _Refresh(clock())
        response = yield _Fetch(url)
        if _http.is_expired(response):
            raise job.download_error(batch, response, "its URL expired again")
    if response.status_code >= 300:
        raise job.download_error(batch, response, f"HTTP {response.status_code}")
    return _part(job, batch, response)


class _PageBar:
    """A tqdm bar over a long document's pages (shown only when asked for)."""

    def __init__(self, enabled: bool, name: str) -> None:
        self._enabled = enabled
        self._name = name
        self._bar: Any = None

    def advance(self, job: _Job, parts: Iterable[ParsedDocument]) -> None:
        if not self._enabled:
            return
        if self._bar is None:
            total = job.status.total_pages if job.status else None
            try:
                self._bar = _tqdm(
                    total=total, desc=f"Parsing {self._name}", unit="page", dynamic_ncols=True
                )
            except ImportError:
                raise ImportError(
                    "show_progress=True needs tqdm: pip install tqdm (it comes with the "
                    "langchain and llama-index extras)"
                ) from None
        self._bar.update(sum(p.pages for p in parts))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


# -- the parser ----------------------------------------------------------------------


class DocumentParser:
    """Parses documents with Upstage Document Parse on a `SolarClient` (or, awaited, an
    `AsyncSolarClient`): its key, base URL (the ``/v1`` root of it), retry policy, rate
    limiter, timeouts, proxy and TLS words apply.

    ``options`` (or their words: ``model``, ``mode``, ``ocr``, ``output_formats``,
    ``coordinates``, ``base64_encoding``, ``chart_recognition``,
    ``merge_multipage_tables``) are the request's form fields. ``api`` picks the API:
    ``"auto"`` (the async one over 100 pages), ``"sync"`` or ``"async"``.
    ``read_timeout`` bounds the wait for the sync API's answer (a 100-page document
    takes a while), ``max_concurrency`` the batch downloads at once.
    """

    def __init__(
        self,
        options: ParseOptions | None = None,
        *,
        api: Api = "auto",
        max_concurrency: int = 8,
        polling: Polling | None = None,
        read_timeout: float = 300.0,
        show_progress: bool = False,
        **option_words: Any,
    ) -> None:
        if options is not None and option_words:
            raise TypeError("DocumentParser: pass options or their words, not both")
        self.options = options or ParseOptions(**option_words)
        if api not in ("auto", "sync", "async"):
            raise ValueError(f"api: got {api!r}; expected 'auto', 'sync' or 'async'")
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
            raise TypeError(f"max_concurrency: got {max_concurrency!r}; expected an int")
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency: got {max_concurrency}; expected >= 1")
        self.api: Api = api
        self.max_concurrency = max_concurrency
        self.polling = polling or Polling()
        self.read_timeout = read_timeout
        self.show_progress = show_progress
        # Injectable (as the clients' _sleep is) so tests can run the polling on a fake
        # clock; the clients' _sleep does the waiting.
        self._clock: Callable[[], float] = time.monotonic

    # -- choosing the API ----------------------------------------------------------------
    def _plan(self, doc: SourceDocument) -> tuple[Literal["sync", "async"], bool]:
        """The API to send `doc` to, and whether a refusal as too large may move it to
        the async API (its pages were not counted)."""
        if self.api != "auto":
            return self.api, False
        pages = doc.page_count()
        if pages is not None and pages > SYNC_PAGE_LIMIT:
            return "async", False
        return "sync", pages is None

    def _form_hint(self, api: str) -> str:
        if api == "sync":
            return (
                f"the synchronous API takes up to {SYNC_PAGE_LIMIT} pages; api='async' "
                f"takes up to {ASYNC_PAGE_LIMIT}"
            )
        return f"the asynchronous API takes up to {ASYNC_PAGE_LIMIT} pages"

    @contextlib.contextmanager
    def _upload(
        self, root: str, doc: SourceDocument, api: Literal["sync", "async"]
    ) -> Iterator[dict[str, Any]]:
        """The words of the form request that sends `doc` to `api`, its file open
        meanwhile; a 413 raised in the block comes out as a `DocumentTooLargeError`."""
        path = "/document-digitization" if api == "sync" else "/document-digitization/async"
        with doc.open() as handle:
            request: dict[str, Any] = {
                "url": _url(root, path),
                "files": {"document": doc.file_field(handle)},
                "data": self.options.form(),
            }
            if api == "sync":
                request["read_timeout"] = self.read_timeout
            try:
                yield request
            except APIStatusError as error:
                raise _typed(error, self._form_hint(api)) from None

    def _polling(self, job: _Job) -> Generator[_PollStep, Any, None]:
        """The polling of an async request: each step says what to do, and is sent the
        answer; it ends when every part was handed out. The sync driver runs each step
        under its lock over `job`."""
        clock = self._clock
        deadline = clock() + self.polling.timeout
        interval = self.polling.initial
        next_poll = clock()
        while True:
            if job.needs_poll and clock() >= next_poll:
                status = yield _POLL
                if not job.update(status, clock()):
                    interval = min(interval * self.polling.factor, self.polling.max_interval)
                next_poll = clock() + interval
            for start, part in (yield _COLLECT):
                job.done_download(start, part)
            # Handed out first, so the window has room for the next downloads, which
            # run while the consumer works on these parts.
            parts = job.ready()
            yield _Hand(parts, job.to_download())
            if job.finished:
                return
            if clock() >= deadline:
                raise job.timeout_error(self.polling.timeout)
            until = next_poll if job.needs_poll else deadline
            yield _Wait(max(0.0, min(until, deadline) - clock()))

    # -- sync ---------------------------------------------------------------------------
    def parse(
        self, client: SolarClient, document: DocumentInput, *, filename: str | None = None
    ) -> ParsedDocument:
        """The whole document, its elements in page order."""
        with contextlib.closing(self.iter_parts(client, document, filename=filename)) as parts:
            return merge_parts(list(parts))

    def iter_parts(
        self, client: SolarClient, document: DocumentInput, *, filename: str | None = None
    ) -> Generator[ParsedDocument, None, None]:
        """The document in parts, in page order: one for the sync API, one per batch of
        10 pages for the async API, each as soon as it (and those before it) is in."""
        doc = source_document(document, filename)
        root = _http.documents_root(client.base_url)
        api, may_move = self._plan(doc)
        if api == "sync":
            try:
                part = self._sync(client, root, doc)
            except APIStatusError as error:
                if not (may_move and _too_many_pages(error)):
                    raise
            else:
                yield part
                return
        request_id = self._submit(client, root, doc)
        yield from self._poll(client, root, request_id, doc.name)

    def submit(
        self, client: SolarClient, document: DocumentInput, *, filename: str | None = None
    ) -> str:
        """Send the document to the async API; its ``request_id`` (see `resume`)."""
        doc = source_document(document, filename)
        return self._submit(client, _http.documents_root(client.base_url), doc)

    def resume(self, client: SolarClient, request_id: str) -> ParsedDocument:
        """The result of an async request sent earlier (kept 30 days), waited for."""
        with contextlib.closing(self.iter_resumed(client, request_id)) as parts:
            return merge_parts(list(parts))

    def iter_resumed(
        self, client: SolarClient, request_id: str
    ) -> Generator[ParsedDocument, None, None]:
        yield from self._poll(client, _http.documents_root(client.base_url), request_id, "")

    def _sync(self, client: SolarClient, root: str, doc: SourceDocument) -> ParsedDocument:
        with self._upload(root, doc, "sync") as request:
            response = _http.send(client, "POST", **request)
        return client._parse(ParsedDocument, response)

    def _submit(self, client: SolarClient, root: str, doc: SourceDocument) -> str:
        with self._upload(root, doc, "async") as request:
            response = _http.send(client, "POST", **request)
        return client._parse(_Submitted, response).request_id

    def _status(self, client: SolarClient, root: str, request_id: str) -> ParseRequest:
        url = _url(root, f"/document-digitization/requests/{request_id}")
        return client._parse(ParseRequest, _http.send(client, "GET", url))

    def _poll(
        self, client: SolarClient, root: str, request_id: str, name: str
    ) -> Generator[ParsedDocument, None, None]:
        job = _Job(request_id, window=2 * self.max_concurrency)
        lock = threading.Lock()
        clock = self._clock
        bar = _PageBar(self.show_progress, name or request_id)
        pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.max_concurrency, thread_name_prefix="solar-document-parse"
        )
        futures: dict[concurrent.futures.Future[ParsedDocument], int] = {}

        def refresh(start: int, since: float) -> str | None:
            # One fetch of the request for every download that found its URL expired
            # since the last fetch: the others take the URLs it brought.
            with lock:
                if job.fetched_at <= since:
                    job.update(self._status(client, root, request_id), clock())
                return job.batches[start].download_url

        def download(batch: ParseRequestBatch) -> ParsedDocument:
            steps = _download_steps(job, batch, clock, lock)
            answer: Any = None
            while True:
                try:
                    step = steps.send(answer)
                except StopIteration as done:
                    part: ParsedDocument = done.value
                    return part
                if isinstance(step, _Refresh):
                    answer = refresh(batch.start_page, step.since)
                else:
                    answer = self._fetch(client, job, batch, step.url)

        polling = self._polling(job)
        answer: Any = None
        try:
            while True:
                with lock:
                    try:
                        step = polling.send(answer)
                    except StopIteration:
                        return
                answer = None
                if isinstance(step, _Poll):
                    answer = self._status(client, root, request_id)
                elif isinstance(step, _Collect):
                    done = [f for f in futures if f.done()]
                    answer = [(futures.pop(f), f.result()) for f in done]
                elif isinstance(step, _Hand):
                    for batch in step.downloads:
                        futures[pool.submit(download, batch)] = batch.start_page
                    bar.advance(job, step.parts)
                    yield from step.parts
                elif futures:
                    concurrent.futures.wait(
                        futures,
                        timeout=step.seconds,
                        return_when=concurrent.futures.FIRST_COMPLETED,
                    )
                else:
                    client._sleep(step.seconds)
        finally:
            # Closed early (a loader's consumer stopped, an error, Ctrl-C): nothing more
            # is started; downloads under way finish in the background, unread.
            pool.shutdown(wait=False, cancel_futures=True)
            polling.close()
            bar.close()

    def _fetch(
        self, client: SolarClient, job: _Job, batch: ParseRequestBatch, url: str | None
    ) -> httpx.Response:
        if not url:
            raise job.download_error(batch, None, "the request lists no URL for it")
        try:
            return _http.fetch(client, url)
        except httpx.TransportError as exc:
            raise job.download_error(batch, None, f"{type(exc).__name__}: {exc}") from exc

    # -- async --------------------------------------------------------------------------
    async def aparse(
        self,
        client: AsyncSolarClient,
        document: DocumentInput,
        *,
        filename: str | None = None,
    ) -> ParsedDocument:
        """`parse`, awaited, on an `AsyncSolarClient`."""
        async with contextlib.aclosing(
            self.aiter_parts(client, document, filename=filename)
        ) as parts:
            return merge_parts([part async for part in parts])

    async def aiter_parts(
        self,
        client: AsyncSolarClient,
        document: DocumentInput,
        *,
        filename: str | None = None,
    ) -> AsyncGenerator[ParsedDocument, None]:
        doc = source_document(document, filename)
        root = _http.documents_root(client.base_url)
        # pypdf reads the file: off the event loop.
        api, may_move = await asyncio.to_thread(self._plan, doc)
        if api == "sync":
            try:
                part = await self._async_sync(client, root, doc)
            except APIStatusError as error:
                if not (may_move and _too_many_pages(error)):
                    raise
            else:
                yield part
                return
        request_id = await self._asubmit(client, root, doc)
        async with contextlib.aclosing(self._apoll(client, root, request_id, doc.name)) as parts:
            async for part in parts:
                yield part

    async def asubmit(
        self,
        client: AsyncSolarClient,
        document: DocumentInput,
        *,
        filename: str | None = None,
    ) -> str:
        doc = source_document(document, filename)
        return await self._asubmit(client, _http.documents_root(client.base_url), doc)

    async def aresume(self, client: AsyncSolarClient, request_id: str) -> ParsedDocument:
        root = _http.documents_root(client.base_url)
        async with contextlib.aclosing(self._apoll(client, root, request_id, "")) as parts:
            return merge_parts([part async for part in parts])

    async def _async_sync(
        self, client: AsyncSolarClient, root: str, doc: SourceDocument
    ) -> ParsedDocument:
        with self._upload(root, doc, "sync") as request:
            response = await _http.asend(client, "POST", **request)
        return client._parse(ParsedDocument, response)

    async def _asubmit(self, client: AsyncSolarClient, root: str, doc: SourceDocument) -> str:
        with self._upload(root, doc, "async") as request:
            response = await _http.asend(client, "POST", **request)
        return client._parse(_Submitted, response).request_id

    async def _astatus(self, client: AsyncSolarClient, root: str, request_id: str) -> ParseRequest:
        url = _url(root, f"/document-digitization/requests/{request_id}")
        return client._parse(ParseRequest, await _http.asend(client, "GET", url))

    async def _apoll(
        self, client: AsyncSolarClient, root: str, request_id: str, name: str
    ) -> AsyncGenerator[ParsedDocument, None]:
        job = _Job(request_id, window=2 * self.max_concurrency)
        clock = self._clock
        refreshing = asyncio.Lock()
        downloading = asyncio.Semaphore(self.max_concurrency)
        bar = _PageBar(self.show_progress, name or request_id)
        tasks: dict[asyncio.Task[ParsedDocument], int] = {}

        async def refresh(start: int, since: float) -> str | None:
            async with refreshing:
                if job.fetched_at <= since:
                    job.update(await self._astatus(client, root, request_id), clock())
                return job.batches[start].download_url

        async def download(batch: ParseRequestBatch) -> ParsedDocument:
            steps = _download_steps(job, batch, clock, contextlib.nullcontext())
            answer: Any = None
            async with downloading:
                while True:
                    try:
                        step = steps.send(answer)
                    except StopIteration as done:
                        part: ParsedDocument = done.value
                        return part
                    if isinstance(step, _Refresh):
                        answer = await refresh(batch.start_page, step.since)
                    else:
                        answer = await self._afetch(client, job, batch, step.url)

        polling = self._polling(job)
        answer: Any = None
        try:
            while True:
                try:
                    step = polling.send(answer)
                except StopIteration:
                    return
                answer = None
                if isinstance(step, _Poll):
                    answer = await self._astatus(client, root, request_id)
                elif isinstance(step, _Collect):
                    done = [t for t in tasks if t.done()]
                    answer = [(tasks.pop(t), t.result()) for t in done]
                elif isinstance(step, _Hand):
                    for batch in step.downloads:
                        tasks[asyncio.ensure_future(download(batch))] = batch.start_page
                    bar.advance(job, step.parts)
                    for part in step.parts:
                        yield part
                elif tasks:
                    await asyncio.wait(
                        list(tasks), timeout=step.seconds, return_when=asyncio.FIRST_COMPLETED
                    )
                else:
                    await client._sleep(step.seconds)
        finally:
            # Cancelled or closed early: no download is left running.
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            polling.close()
            bar.close()

    async def _afetch(
        self, client: AsyncSolarClient, job: _Job, batch: ParseRequestBatch, url: str | None
    ) -> httpx.Response:
        if not url:
            raise job.download_error(batch, None, "the request lists no URL for it")
        try:
            return await _http.afetch(client, url)
        except httpx.TransportError as exc:
            raise job.download_error(batch, None, f"{type(exc).__name__}: {exc}") from exc


def parse_document(
    client: SolarClient,
    document: DocumentInput,
    *,
    filename: str | None = None,
    **words: Any,
) -> ParsedDocument:
    """``DocumentParser(**words).parse(client, document)``."""
    return DocumentParser(**words).parse(client, document, filename=filename)


async def aparse_document(
    client: AsyncSolarClient,
    document: DocumentInput,
    *,
    filename: str | None = None,
    **words: Any,
) -> ParsedDocument:
    """``await DocumentParser(**words).aparse(client, document)``."""
    return await DocumentParser(**words).aparse(client, document, filename=filename)
