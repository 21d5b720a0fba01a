"""Retrieval quality of the local backend's embedding models on a small labelled set.

Each question of ``tests/fixtures/retrieval_set.json`` is answered by one passage; a
model's passage and question vectors (``SolarEmbeddings``: the server's per-token
vectors, mean-pooled and L2-normalised) rank the passages by cosine similarity, and the
hit rates say how often the right passage comes first (top-1) or in the first three
(top-3). The local default embedding model is the one that retrieves better.

    .venv/bin/python -m bench.local_retrieval     # starts each model in turn, prints a table
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RETRIEVAL_SET = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "retrieval_set.json"


@dataclass(frozen=True)
class HitRates:
    top1: float
    top3: float
    questions: int


def load_set(path: Path = RETRIEVAL_SET) -> tuple[list[str], list[tuple[str, int]]]:
    data = json.loads(path.read_text())
    passages = list(data["passages"])
    questions = [(q["question"], int(q["passage"])) for q in data["questions"]]
    return passages, questions


def hit_rates(embeddings: Any, path: Path = RETRIEVAL_SET) -> HitRates:
    """Top-1 and top-3 hit rates of a LangChain ``Embeddings`` object on the labelled set."""
    passages, questions = load_set(path)
    docs = embeddings.embed_documents(passages)
    top1 = top3 = 0
    for question, answer in questions:
        query = embeddings.embed_query(question)
        # The vectors are unit length: the dot product is the cosine similarity.
        scores = [sum(q * d for q, d in zip(query, doc, strict=True)) for doc in docs]
        ranked = sorted(range(len(docs)), key=lambda i: -scores[i])
        top1 += ranked[0] == answer
        top3 += answer in ranked[:3]
    n = len(questions)
    return HitRates(top1=top1 / n, top3=top3 / n, questions=n)


def main() -> None:
    from langchain_solar import SolarEmbeddings
    from solar_api.local import LOCAL_MODELS, LocalServer

    print("| embedding model | top-1 | top-3 | time |")
    print("|---|---|---|---|")
    for name, model in LOCAL_MODELS.items():
        with LocalServer(embedding_model=name):
            started = time.monotonic()
            rates = hit_rates(SolarEmbeddings(provider="local"))
            took = time.monotonic() - started
        print(
            f"| `{name}` ({model.label}) | {rates.top1:.0%} | {rates.top3:.0%} | "
            f"{took:.1f} s for {rates.questions} questions |"
        )


if __name__ == "__main__":
    main()
