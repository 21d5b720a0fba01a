"""A rule-based fake of Upstage's document APIs: Document Parse (sync and async) and
Information Extraction, for an `httpx.MockTransport` (``handler``; ``ahandler`` for an
async pool, which waits ``download_delay`` without blocking).

Built from the API's docs (console.upstage.ai/api/parse/document-parsing, .../async,
.../docs/capabilities/parse, .../extract/universal-extraction) and from what
langchain-upstage 0.7.7 sends (its document_parse_parsers.py and the universal
extraction tool):

- ``POST /v1/document-digitization``: a multipart form (``document``, ``model``,
  ``ocr``, ``mode``, ``output_formats`` like ``['html', 'markdown']``, ``coordinates``,
  ``base64_encoding``...); up to 100 pages; the answer has ``api``, ``model``,
  ``content`` {html, markdown, text}, ``elements`` and ``usage.pages``. Formats not
  asked for are empty strings.
- ``POST /v1/document-digitization/async``: the same form, up to 2,000 pages; answers
  ``request_id``. ``GET /v1/document-digitization/requests/{id}``: ``status``,
  ``total_pages``, ``completed_pages``, ``batches`` of 10 pages with ``status``,
  ``start_page``, ``end_page`` and, once done, a ``download_url`` on another host
  (pre-signed: it expires after ``url_ttl`` seconds, 15 minutes as documented; fetching
  the request again signs fresh ones). A download that carries an Authorization header is
  refused as S3 refuses a request with two auth mechanisms, and recorded.
- ``POST /v1/information-extraction`` (also ``.../chat/completions``, where an OpenAI
  SDK with that base URL sends it): a chat completion request whose user message holds
  the document as an ``image_url`` part and whose ``response_format`` is a JSON schema;
  the answer's content is JSON with every property of the schema.

What the docs do not publish is the fake's own choice, said where it is made: the status
of a document over a limit (413), of a rate limit (429 with Retry-After; enforced only
with ``rate_limits=True``, per second of ``clock``: 3 sync parses, 6 async submissions,
1 extraction), and the pages a batch's elements are numbered with (the document's; the
batch's own from 1 with ``relative_batch_pages=True``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
from pypdf import PdfReader, PdfWriter

from tests.upstage_fake import KEY

API_HOST = "api.upstage.ai"
DOWNLOAD_HOST = "upstage-parse-results.s3.ap-northeast-2.amazonaws.com"
SYNC_PAGES = 100
ASYNC_PAGES = 2000
BATCH_PAGES = 10
CATEGORIES = ("heading1", "paragraph")
_SIGNING_KEY = b"fake-storage-signing-key"
_LIMITS = {"sync": 3, "async": 6, "extraction": 1}


class FakeClock:
    """Time that moves only when slept through: the fake's and the client's, together."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    async def asleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def _error(status: int, message: str, code: str | None = None) -> httpx.Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return httpx.Response(status, json=body)


def _multipart(request: httpx.Request) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """The form's fields and files (name -> (filename, bytes))."""
    match = re.search(r'boundary="?([^";]+)"?', request.headers.get("content-type", ""))
    if match is None:
        raise ValueError("not a multipart form")
    delimiter = b"--" + match.group(1).encode()
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for raw in request.content.split(delimiter)[1:-1]:
        head, _, data = raw[2:].partition(b"\r\n\r\n")
        data = data[:-2]  # the CRLF before the next delimiter
        disposition = head.decode("latin-1")
        name = re.search(r'name="([^"]*)"', disposition)
        filename = re.search(r'filename="([^"]*)"', disposition)
        if name is None:
            continue
        if filename is not None:
            files[name.group(1)] = (filename.group(1), data)
        else:
            fields[name.group(1)] = data.decode()
    return fields, files


def _list_field(value: str | None, default: list[str]) -> list[str] | None:
    if value is None:
        return default
    try:
        parsed = json.loads(value.replace("'", '"'))
    except ValueError:
        return None
    return [str(v) for v in parsed] if isinstance(parsed, list) else None


def count_pages(data: bytes) -> int | None:
    """A PDF's pages (pypdf), 1 for a PNG or JPEG; None for what the fake cannot read."""
    if data.startswith(b"%PDF-"):
        return len(PdfReader(io.BytesIO(data)).pages)
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        return 1
    return None


@dataclass
class _Async:
    id: str
    pages: int
    image: bool
    form: dict[str, str]
    submitted: float
    downloads: dict[int, int] = field(default_factory=dict)

    @property
    def batches(self) -> list[tuple[int, int]]:
        return [
            (start, min(start + BATCH_PAGES - 1, self.pages))
            for start in range(1, self.pages + 1, BATCH_PAGES)
        ]


@dataclass
class UpstageDocumentsFake:
    """The three endpoints; ``requests`` is every request that reached the API host,
    ``downloads`` every request to the storage host."""

    clock: Callable[[], float] = time.monotonic
    # Where the pre-signed URLs point (another host than the API's).
    download_base: str = f"https://{DOWNLOAD_HOST}"
    # The async API's speed: each wave of `parallel_batches` batches takes this long.
    seconds_per_batch: float = 0.0
    parallel_batches: int = 10
    url_ttl: float = 15 * 60
    max_bytes: int = 50 * 1024 * 1024
    # Batches (0-based) that fail; whose first download finds its URL expired; whose
    # every download does; whose first n downloads answer 503.
    failed_batches: set[int] = field(default_factory=set)
    expire_once: set[int] = field(default_factory=set)
    expire_always: set[int] = field(default_factory=set)
    unavailable: dict[int, int] = field(default_factory=dict)
    relative_batch_pages: bool = False
    rate_limits: bool = False
    # Real seconds each download takes (ahandler waits them with asyncio.sleep), and
    # per batch where it differs.
    download_delay: float = 0.0
    download_delays: dict[int, float] = field(default_factory=dict)
    max_active_downloads: int = 0
    requests: list[httpx.Request] = field(default_factory=list)
    downloads: list[httpx.Request] = field(default_factory=list)
    leaked_keys: list[str] = field(default_factory=list)
    _async: dict[str, _Async] = field(default_factory=dict)
    _windows: dict[tuple[str, int], int] = field(default_factory=dict)
    _active: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- what tests use -------------------------------------------------------------
    def sync_client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.ahandler))

    @property
    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]

    def count(self, path_part: str, method: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if path_part in r.url.path and (method is None or r.method == method)
        )

    # -- the transport --------------------------------------------------------------
    def _delay(self, request: httpx.Request) -> float:
        match = re.search(r"/batch-(\d+)\.json$", request.url.path)
        index = int(match.group(1)) if match else -1
        return self.download_delays.get(index, self.download_delay)

    def _enter(self) -> None:
        with self._lock:
            self._active += 1
            self.max_active_downloads = max(self.max_active_downloads, self._active)

    def _leave(self) -> None:
        with self._lock:
            self._active -= 1

    async def ahandler(self, request: httpx.Request) -> httpx.Response:
        if not self._is_download(request):
            return self._route(request)
        self._enter()
        try:
            await asyncio.sleep(self._delay(request))
            return self._route(request)
        finally:
            self._leave()

    def handler(self, request: httpx.Request) -> httpx.Response:
        if not self._is_download(request):
            return self._route(request)
        self._enter()
        try:
            if delay := self._delay(request):
                time.sleep(delay)
            return self._route(request)
        finally:
            self._leave()

    def _is_download(self, request: httpx.Request) -> bool:
        return request.url.host == httpx.URL(self.download_base).host

    def _route(self, request: httpx.Request) -> httpx.Response:
        if self._is_download(request):
            return self._download(request)
        self.requests.append(request)
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return _error(401, "Invalid API key", "invalid_api_key")
        path = request.url.path.removeprefix("/v1")
        if request.method == "POST" and path == "/document-digitization":
            return self._limited("sync") or self._parse_sync(request)
        if request.method == "POST" and path == "/document-digitization/async":
            return self._limited("async") or self._submit(request)
        if request.method == "GET" and path.startswith("/document-digitization/requests/"):
            return self._status(path.rsplit("/", 1)[1])
        if request.method == "POST" and path in (
            "/information-extraction",
            "/information-extraction/chat/completions",
        ):
            return self._limited("extraction") or self._extract(request)
        return _error(404, f"Not found: {request.url.path}")

    def _limited(self, kind: str) -> httpx.Response | None:
        if not self.rate_limits:
            return None
        now = self.clock()
        second = math.floor(now)
        used = self._windows.get((kind, second), 0)
        if used >= _LIMITS[kind]:
            wait = max(1, math.ceil(second + 1 - now))
            response = _error(429, "Too many requests", "too_many_requests")
            response.headers["retry-after"] = str(wait)
            return response
        self._windows[(kind, second)] = used + 1
        return None

    # -- Document Parse ----------------------------------------------------------------
    def _read_form(
        self, request: httpx.Request, limit: int
    ) -> tuple[dict[str, str], int, bool] | httpx.Response:
        try:
            form, files = _multipart(request)
        except ValueError:
            return _error(400, "The request must be multipart/form-data")
        if "document" not in files:
            return _error(400, "document: required")
        _, data = files["document"]
        if len(data) > self.max_bytes:
            return _error(413, "The file is larger than the 50 MB limit", "file_too_large")
        if not form.get("model", "").startswith("document-parse"):
            return _error(400, f"Invalid model: {form.get('model')!r}")
        if form.get("ocr", "auto") not in ("auto", "force"):
            return _error(400, f"ocr: must be 'auto' or 'force', got {form['ocr']!r}")
        if form.get("mode", "standard") not in ("standard", "enhanced", "auto"):
            return _error(400, f"mode: must be standard, enhanced or auto, got {form['mode']!r}")
        formats = _list_field(form.get("output_formats"), ["html"])
        if formats is None or not set(formats) <= {"html", "markdown", "text"}:
            return _error(400, f"output_formats: invalid value {form.get('output_formats')!r}")
        if _list_field(form.get("base64_encoding"), []) is None:
            return _error(400, f"base64_encoding: invalid value {form['base64_encoding']!r}")
        pages = count_pages(data)
        if pages is None:
            return _error(415, "Unsupported document format", "unsupported_document_format")
        if pages > limit:
            return _error(
                413,
                f"The document has {pages} pages; this API takes at most {limit} pages",
                "page_limit_exceeded",
            )
        return form, pages, not data.startswith(b"%PDF-")

    def _parse_sync(self, request: httpx.Request) -> httpx.Response:
        read = self._read_form(request, SYNC_PAGES)
        if isinstance(read, httpx.Response):
            return read
        form, pages, image = read
        return httpx.Response(200, json=_answer(form, range(1, pages + 1), image, first_id=0))

    def _submit(self, request: httpx.Request) -> httpx.Response:
        read = self._read_form(request, ASYNC_PAGES)
        if isinstance(read, httpx.Response):
            return read
        form, pages, image = read
        job = _Async(str(uuid.uuid4()), pages, image, form, self.clock())
        self._async[job.id] = job
        return httpx.Response(202, json={"request_id": job.id})

    def _done_at(self, job: _Async, index: int) -> float:
        wave = index // max(1, self.parallel_batches)
        return job.submitted + self.seconds_per_batch * (wave + 1)

    def _status(self, request_id: str) -> httpx.Response:
        job = self._async.get(request_id)
        if job is None:
            return _error(404, f"Request {request_id} not found", "request_not_found")
        now = self.clock()
        batches = []
        completed_pages = 0
        states = []
        for index, (start, end) in enumerate(job.batches):
            done = now >= self._done_at(job, index)
            started = now >= self._done_at(job, index) - self.seconds_per_batch
            state = "completed" if done else "started" if started else "scheduled"
            if done and index in self.failed_batches:
                state = "failed"
            batch: dict[str, Any] = {
                "id": index,
                "model": "document-parse-250618",
                "status": state,
                "failure_message": "Internal error while parsing" if state == "failed" else "",
                "start_page": start,
                "end_page": end,
                "requested_at": "2026-12-06T00:00:00Z",
                "updated_at": "2026-12-06T00:00:01Z",
            }
            if state == "completed":
                completed_pages += end - start + 1
                batch["download_url"] = self._sign(job.id, index, now)
            batches.append(batch)
            states.append(state)
        if all(s in ("completed", "failed") for s in states):
            status = "failed" if "failed" in states else "completed"
        else:
            status = "started" if any(s != "scheduled" for s in states) else "submitted"
        return httpx.Response(
            200,
            json={
                "id": job.id,
                "status": status,
                "model": "document-parse",
                "failure_message": "",
                "total_pages": job.pages,
                "completed_pages": completed_pages,
                "batches": batches,
                "requested_at": "2026-12-06T00:00:00Z",
            },
        )

    def _signature(self, path: str, issued: float) -> str:
        return hmac.new(_SIGNING_KEY, f"{path}|{issued!r}".encode(), hashlib.sha256).hexdigest()

    def _sign(self, request_id: str, index: int, now: float) -> str:
        path = f"/results/{request_id}/batch-{index}.json"
        query = (
            f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={now!r}"
            f"&X-Amz-Expires={int(self.url_ttl)}&X-Amz-Signature={self._signature(path, now)}"
        )
        return f"{self.download_base}{path}?{query}"

    def _download(self, request: httpx.Request) -> httpx.Response:
        self.downloads.append(request)
        if "authorization" in request.headers:
            self.leaked_keys.append(request.headers["authorization"])
            return _s3_error(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be "
                "specified",
            )
        match = re.fullmatch(r"/results/([^/]+)/batch-(\d+)\.json", request.url.path)
        job = self._async.get(match.group(1)) if match else None
        if match is None or job is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        index = int(match.group(2))
        query = parse_qs(request.url.query.decode())
        try:
            issued = float(query["X-Amz-Date"][0])
            signature = query["X-Amz-Signature"][0]
        except (KeyError, ValueError):
            return _s3_error(403, "AccessDenied", "Query-string authentication requires...")
        if not hmac.compare_digest(signature, self._signature(request.url.path, issued)):
            return _s3_error(403, "SignatureDoesNotMatch", "The request signature does not match")
        seen = job.downloads.get(index, 0)
        job.downloads[index] = seen + 1
        if seen < self.unavailable.get(index, 0):
            return _s3_error(503, "SlowDown", "Please reduce your request rate.")
        expired = self.clock() > issued + self.url_ttl or index in self.expire_always
        if expired or (index in self.expire_once and seen == self.unavailable.get(index, 0)):
            return _s3_error(403, "AccessDenied", "Request has expired")
        start, end = job.batches[index]
        first_id = 0 if self.relative_batch_pages else (start - 1) * len(CATEGORIES)
        answer = _answer(job.form, range(start, end + 1), job.image, first_id=first_id)
        if self.relative_batch_pages:
            for element in answer["elements"]:
                element["page"] -= start - 1
        return httpx.Response(200, json=answer)

    # -- Information Extraction ------------------------------------------------------
    def _extract(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content)
        except ValueError:
            return _error(400, "The body must be JSON")
        model = body.get("model")
        if not str(model).startswith("information-extract"):
            return _error(
                404, f"The model '{model}' does not exist or is no longer supported.", None
            )
        urls = [
            part["image_url"]["url"]
            for message in body.get("messages") or []
            if message.get("role") == "user" and isinstance(message.get("content"), list)
            for part in message["content"]
            if part.get("type") == "image_url"
        ]
        if not urls:
            return _error(400, "messages: a user message with an image_url part is required")
        pages = 0
        for url in urls:
            if url.startswith("data:"):
                data = base64.b64decode(url.split(",", 1)[1])
                if len(data) > self.max_bytes:
                    return _error(413, "The file is larger than the 50 MB limit")
                counted = count_pages(data)
                if counted is None:
                    return _error(415, "Unsupported document format")
                pages += counted
            elif url.startswith(("http://", "https://")):
                pages += 1
            else:
                return _error(400, "image_url.url: a data URL or an http(s) URL is required")
        response_format = body.get("response_format") or {}
        schema = (response_format.get("json_schema") or {}).get("schema")
        if response_format.get("type") != "json_schema" or not isinstance(schema, dict):
            return _error(400, "response_format: a json_schema is required")
        if "$ref" in json.dumps(schema):
            return _error(400, "response_format: $ref is not supported")
        content = json.dumps(_example(schema, "document", pages))
        return httpx.Response(
            200,
            json={
                "id": "chatcmpl-ie",
                "object": "chat.completion",
                "created": 1,
                "model": "information-extract-250930",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            },
        )


def _s3_error(status: int, code: str, message: str) -> httpx.Response:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return httpx.Response(status, content=xml.encode(), headers={"content-type": "application/xml"})


def _answer(form: dict[str, str], pages: range, image: bool, *, first_id: int) -> dict[str, Any]:
    """A sync-format answer for `pages`: a heading and a paragraph on each (a scanned
    image: one paragraph of OCR text)."""
    formats = set(_list_field(form.get("output_formats"), ["html"]) or [])
    images = set(_list_field(form.get("base64_encoding"), []) or [])
    coordinates = form.get("coordinates", "true") == "true"
    elements = []
    next_id = first_id
    for page in pages:
        kinds = (
            [("paragraph", "Scanned text")]
            if image
            else [
                ("heading1", f"Page {page}"),
                ("paragraph", f"Text of page {page}."),
            ]
        )
        for category, text in kinds:
            html = (
                f"<h1 id='{next_id}'>{text}</h1>"
                if category == "heading1"
                else f"<p id='{next_id}'>{text}</p>"
            )
            markdown = f"# {text}" if category == "heading1" else text
            content = {
                "html": html if "html" in formats else "",
                "markdown": markdown if "markdown" in formats else "",
                "text": text if "text" in formats else "",
            }
            element: dict[str, Any] = {
                "id": next_id,
                "category": category,
                "page": page,
                "content": content,
            }
            if coordinates:
                top = 0.1 if category == "heading1" else 0.3
                element["coordinates"] = [
                    {"x": 0.1, "y": top},
                    {"x": 0.9, "y": top},
                    {"x": 0.9, "y": top + 0.1},
                    {"x": 0.1, "y": top + 0.1},
                ]
            if category in images:
                element["base64_encoding"] = base64.b64encode(f"img-{next_id}".encode()).decode()
            elements.append(element)
            next_id += 1
    whole = {
        fmt: "\n".join(e["content"][fmt] for e in elements) if fmt in formats else ""
        for fmt in ("html", "markdown", "text")
    }
    return {
        "api": "2.0",
        "model": "document-parse-250618",
        "content": whole,
        "elements": elements,
        "usage": {"pages": len(pages)},
    }


def _example(schema: dict[str, Any], name: str, pages: int) -> Any:
    """A value for `schema`: strings name their property, numbers are the page count."""
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        return {
            key: _example(value, key, pages) for key, value in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [_example(schema.get("items") or {"type": "string"}, name, pages)]
    if kind == "integer":
        return pages
    if kind == "number":
        return float(pages)
    if kind == "boolean":
        return True
    return f"{name} of the document"


# -- real files, written by the tests -------------------------------------------------


def make_pdf(pages: int) -> bytes:
    """A real PDF of `pages` blank Letter pages (pypdf)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_png(width: int = 8, height: int = 8) -> bytes:
    """A real PNG: a white `width` x `height` RGB image."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff" * (3 * width) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
