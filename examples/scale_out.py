"""Embed and summarize a corpus on many worker processes under one shared rate limit.

Two ways, the same classes, one ``RedisRateLimiter`` that every worker draws on:

1. Ray Data: ``map_batches`` with a callable class per step and ``concurrency=`` workers;
   the results are written with their source ids (one JSON file per block).
2. LlamaIndex: ``IngestionPipeline(...).run(num_workers=...)`` (a process pool).

Each item ends in exactly one output row, done or with its failure recorded on that row
(``error``), never lost and never fatal to the rest. On the wire it is at-least-once: Ray
runs the batch of a worker that died (a killed actor, a lost node) again, and the retry
policy sends again a request whose answer was lost (a timeout, a dropped connection), so
the server can see, and bill, an item twice. Ray Data still writes each output row once;
anything a step writes itself (files, a vector store, a database) must be idempotent,
keyed by the source id every row carries (``id``, e.g. ``doc-0007``), so that a replayed
batch overwrites what it wrote the first time instead of adding to it::

    def write_rows(out_dir: Path, batch: dict[str, np.ndarray]) -> None:
        for i, source_id in enumerate(batch["id"]):
            row = {key: batch[key][i] for key in ("id", "summary", "error")}
            partial = out_dir / f".{source_id}.{os.getpid()}.partial"
            partial.write_text(json.dumps(row))
            os.replace(partial, out_dir / f"{source_id}.json")  # atomic; a replay overwrites

    # A vector store or a database: upsert by the same id, never append, e.g.
    # collection.upsert(ids=list(batch["id"]), embeddings=list(batch["embedding"]))
    # INSERT ... ON CONFLICT (id) DO UPDATE SET summary = excluded.summary

LlamaIndex keeps each document's id as its node's id (``node.node_id == row["id"]``), so a
vector store that upserts by node id stays free of duplicates the same way.

On Upstage when UPSTAGE_API_KEY is set, otherwise on the embedded local backend. Redis:
``REDIS_URL``, else a redis-server started on a free port.

Run: ``python examples/scale_out.py [OUT_DIR]`` (``make setup`` installs Ray and Redis).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from langchain_solar import SolarEmbeddings, SolarSummarizer
from solar_api import SolarError
from solar_api.ratelimit import RedisRateLimiter

TOPICS = ["depth up-scaling", "instruction tuning", "retrieval", "tokenizers", "evaluation"]


def corpus(n: int) -> list[dict[str, Any]]:
    """`n` documents with ids, each long enough for the Summarization API (250+ chars)."""
    rows = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        text = (
            f"Note {i} on {topic}. Solar Mini is a compact large language model from Upstage. "
            f"This note explains how {topic} affects the quality and the cost of answers, "
            "why smaller models respond faster, and what a team should measure before it "
            "moves a workload from a large model to a small one."
        )
        rows.append({"id": f"doc-{i:04d}", "text": text})
    return rows


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class EmbedBatch:
    """A Ray Data step: one embeddings request per batch, per item on failure."""

    def __init__(self, embeddings: SolarEmbeddings) -> None:
        self.embeddings = embeddings  # unpickled in the worker: it reconnects on its own

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        texts = [str(t) for t in batch["text"]]
        errors = [""] * len(texts)
        try:
            vectors = self.embeddings.embed_documents(texts)
        except SolarError:  # RateLimiterUnavailableError included
            # Find out which items fail, so one bad text costs only its own row.
            vectors = []
            for i, text in enumerate(texts):
                try:
                    vectors.extend(self.embeddings.embed_documents([text]))
                except SolarError as exc:
                    vectors.append([])
                    errors[i] = _error(exc)
        return {**batch, "embedding": vectors, "error": np.array(errors, dtype=object)}


class SummarizeBatch:
    """A Ray Data step: a summary per item (``Runnable.batch``, exceptions per item)."""

    def __init__(self, summarizer: SolarSummarizer, max_concurrency: int = 2) -> None:
        self.summarizer = summarizer
        self.max_concurrency = max_concurrency

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        texts = [str(t) for t in batch["text"]]
        results = self.summarizer.batch(
            texts, {"max_concurrency": self.max_concurrency}, return_exceptions=True
        )
        summaries = [r if isinstance(r, str) else "" for r in results]
        errors = [_error(r) if isinstance(r, BaseException) else "" for r in results]
        previous = batch.get("error")
        if previous is not None:  # keep the embedding step's error, if any
            errors = [p or e for p, e in zip(previous, errors, strict=True)]
        return {**batch, "summary": summaries, "error": np.array(errors, dtype=object)}


def run_ray(
    rows: Sequence[dict[str, Any]],
    *,
    embeddings: SolarEmbeddings,
    summarizer: SolarSummarizer,
    concurrency: int = 4,
    batch_size: int = 8,
) -> Any:
    """The corpus through both steps on `concurrency` Ray workers each: a lazy Dataset."""
    import ray.data

    # A quarter CPU per worker: the work waits on the network, it does not compute; so
    # both steps get all their workers at once on a 2-CPU machine.
    options = {"concurrency": concurrency, "num_cpus": 0.25, "batch_size": batch_size}
    return (
        ray.data.from_items(list(rows))
        .map_batches(EmbedBatch, fn_constructor_kwargs={"embeddings": embeddings}, **options)
        .map_batches(SummarizeBatch, fn_constructor_kwargs={"summarizer": summarizer}, **options)
    )


def run_llama_index(
    rows: Sequence[dict[str, Any]],
    *,
    limiter: RedisRateLimiter,
    num_workers: int = 2,
    summary: dict[str, Any] | None = None,
    **conn: Any,
) -> list[Any]:
    """The same corpus through LlamaIndex's IngestionPipeline on a process pool.

    `conn` goes to both classes (provider, base_url...), `summary` to the summarizer only.
    """
    from llama_index.core import Document
    from llama_index.core.ingestion import IngestionPipeline

    from llama_index_solar import SolarEmbedding, SolarSummaryTransform

    pipeline = IngestionPipeline(
        transformations=[
            SolarSummaryTransform(
                rate_limiter=limiter, **{"length": "short", **(summary or {})}, **conn
            ),
            SolarEmbedding(rate_limiter=limiter, **conn),
        ]
    )
    documents = [Document(text=row["text"], id_=row["id"]) for row in rows]
    # Each worker gets a pickled copy of the transformations, the limiter with them.
    return list(pipeline.run(documents=documents, num_workers=num_workers))


@contextlib.contextmanager
def redis_url() -> Iterator[str]:
    """REDIS_URL if set, else a throwaway redis-server on 127.0.0.1 (nothing saved)."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("Set REDIS_URL, or install redis-server (make setup does)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    proc = subprocess.Popen([*args, "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait()


def main(out_dir: str) -> None:
    import signal

    import ray

    # SIGTERM (a timeout, a scheduler) exits through the finally blocks below, so the
    # local backend, Redis and Ray are stopped, not orphaned.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    sys.path.insert(0, os.path.dirname(__file__))
    from demo import backend

    with backend() as (provider, model), redis_url() as url:
        # Upstage's limits are per key and shared by every worker; set yours here.
        limiter = RedisRateLimiter(url, requests_per_minute=100, tokens_per_minute=100_000)
        conn = {"provider": provider}
        embeddings = SolarEmbeddings(rate_limiter=limiter, **conn)
        summarizer = SolarSummarizer(
            model=model, length="short", max_tokens=80, rate_limiter=limiter, **conn
        )
        rows = corpus(8)

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            run_ray(rows, embeddings=embeddings, summarizer=summarizer).write_json(out_dir)
            done = ray.data.read_json(out_dir).take_all()
        finally:
            ray.shutdown()
        failed = [r for r in done if r["error"]]
        print(f"Ray Data: {len(done)} of {len(rows)} documents in {out_dir}, {len(failed)} failed")
        for row in failed:
            print(f"   {row['id']}: {row['error']}")

        summary = {"model": model, "max_tokens": 80}
        nodes = run_llama_index(rows, limiter=limiter, summary=summary, **conn)
        print(f"LlamaIndex: {len(nodes)} nodes, e.g. {nodes[0].metadata['summary'][:80]!r}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="solar-scale-out-"))
