"""Document Parse of a 2,000-page PDF against the rule-based fake, over real sockets.

The fake (tests/upstage_documents_fake.py) runs in its own process behind a threaded
loopback HTTP server: the API on ``127.0.0.1``, the pre-signed downloads on
``localhost`` (another host name, so the key's absence is checked over the wire too).
It processes the request in waves of ``--parallel`` batches of 10 pages, each wave
``--batch-seconds`` long, and each download takes ``--download-seconds`` (a storage
host's latency). The fake alone needs ``waves x batch-seconds``; what the client adds
on top is its polling, its downloads and its parsing.

For each ``--concurrency`` value it prints the wall time of ``DocumentParser.parse`` and
of a ``split="page"`` loader run consumed lazily, and this process's peak RSS (VmHWM)
before and after, so a leak or a whole-document copy shows. Run::

    .venv/bin/python -m bench.documents
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx


def _status(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    # Linux: writing 5 to clear_refs resets VmHWM to the current RSS.
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _any(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        request = httpx.Request(
            self.command,
            f"http://{self.headers['host']}{self.path}",
            headers=list(self.headers.items()),
            content=body,
        )
        response = self.server.fake.handler(request)  # type: ignore[attr-defined]
        data = response.content
        self.send_response(response.status_code)
        for key, value in response.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(key, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _any

    def log_message(self, *args: object) -> None:
        pass


def _serve(port_out: Any, options: dict[str, float]) -> None:
    from tests.upstage_documents_fake import UpstageDocumentsFake

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    server.fake = UpstageDocumentsFake(  # type: ignore[attr-defined]
        seconds_per_batch=options["batch_seconds"],
        parallel_batches=int(options["parallel"]),
        download_delay=options["download_seconds"],
        download_base=f"http://localhost:{port}",
    )
    server.daemon_threads = True
    port_out.put(port)
    server.serve_forever()


def _write_pdf(path: Path, pages: int) -> None:
    from tests.upstage_documents_fake import make_pdf

    path.write_bytes(make_pdf(pages))


def _client_run(
    mode: str, concurrency: int, base_url: str, pdf: Path, pages: int, out: Any
) -> None:
    """One run in this process: ``parse`` (the whole document) or ``lazy`` (a
    ``split="page"`` loader, each page dropped once seen)."""
    import pypdf  # noqa: F401  # imported before the baseline: a one-off cost

    from langchain_solar import SolarDocumentParseLoader
    from solar_api import SolarClient
    from solar_api.documents import DocumentParser, Polling

    polling = Polling(initial=0.05, max_interval=0.2)
    _reset_peak()
    before = _status("VmRSS")
    started = time.perf_counter()
    if mode == "parse":
        with SolarClient(api_key="up-test-key", base_url=base_url) as client:
            doc = DocumentParser(polling=polling, max_concurrency=concurrency).parse(client, pdf)
        assert doc.pages == pages and len(doc.elements) == 2 * pages
    else:
        loader = SolarDocumentParseLoader(
            pdf,
            split="page",
            api_key="up-test-key",
            base_url=base_url,
            polling=polling,
            max_concurrency=concurrency,
        )
        assert sum(1 for _ in loader.lazy_load()) == pages
    out.put((time.perf_counter() - started, before, _status("VmHWM")))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--batch-seconds", type=float, default=0.1)
    parser.add_argument("--parallel", type=int, default=20)
    parser.add_argument("--download-seconds", type=float, default=0.05)
    parser.add_argument("--concurrency", default="1,8,16")
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    folder = Path(tempfile.mkdtemp())
    pdf = folder / "long.pdf"
    writer = context.Process(target=_write_pdf, args=(pdf, args.pages))
    writer.start()
    writer.join()
    ports = context.Queue()
    options = {
        "batch_seconds": args.batch_seconds,
        "parallel": args.parallel,
        "download_seconds": args.download_seconds,
    }
    server = context.Process(target=_serve, args=(ports, options), daemon=True)
    server.start()
    port = ports.get(timeout=60)

    base_url = f"http://127.0.0.1:{port}/v1"
    batches = -(-args.pages // 10)
    waves = -(-batches // args.parallel)
    floor = waves * args.batch_seconds
    print(
        f"{args.pages} pages = {batches} batches; the fake needs {floor:.2f} s "
        f"({waves} waves of {args.batch_seconds:g} s); each download {args.download_seconds:g} s "
        f"(serially {batches * args.download_seconds:.1f} s); PDF {pdf.stat().st_size:,} bytes"
    )
    results = context.Queue()
    for concurrency in [int(c) for c in args.concurrency.split(",")]:
        row = []
        for mode in ("parse", "lazy"):
            # A fresh process per run: its peak RSS is that run's alone.
            run = context.Process(
                target=_client_run, args=(mode, concurrency, base_url, pdf, args.pages, results)
            )
            run.start()
            seconds, before, peak = results.get(timeout=600)
            run.join()
            row.append(
                f"{mode} {seconds:.2f} s, RSS {before:.1f} -> peak {peak:.1f} MiB "
                f"(+{peak - before:.1f})"
            )
        print(f"max_concurrency={concurrency:>2}: " + "; ".join(row))
    server.terminate()


if __name__ == "__main__":
    main()
