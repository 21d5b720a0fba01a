"""SolarSummaryTransform's progress: a tqdm bar per part of the nodes' texts, on the
transform's own show_progress or the pipeline's (issue 17, item 5)."""

from __future__ import annotations

import re

import httpx
import pytest
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.schema import TextNode

from llama_index_solar import SolarSummaryTransform
from tests.helpers import SECRET, Scripted, chat_json

LONG = " ".join(f"Sentence {i} says something about Solar." for i in range(2500))


def transform(server: Scripted, **kw: object) -> SolarSummaryTransform:
    return SolarSummaryTransform(
        api_key=SECRET,
        model="m",
        http_client=server.sync_client(),
        http_async_client=server.async_client(),
        **kw,
    )


def states(err: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in re.findall(r"(\d+)/(\d+) \[", err)]


def test_bar_moves_per_part_of_a_long_node(capsys: pytest.CaptureFixture[str]) -> None:
    server = Scripted(httpx.Response(200, json=chat_json("part summary")))
    nodes = [TextNode(text="short"), TextNode(text=LONG)]
    transform(server, show_progress=True)(nodes)
    seen = states(capsys.readouterr().err)
    parts = server.count  # one request per part; "short" needs none
    assert parts > 1 and seen[0] == (0, 2) and seen[-1] == (parts + 1, parts + 1)
    assert nodes[0].metadata["summary"] == "short"


async def test_async_bar_and_the_pipelines_show_progress(
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = Scripted(lambda _: httpx.Response(200, json=chat_json("part summary")))
    await transform(server).acall([TextNode(text=LONG)], show_progress=True)
    seen = states(capsys.readouterr().err)
    assert seen[-1][0] == seen[-1][1] == server.count > 1
    pipeline = IngestionPipeline(transformations=[transform(server)])
    pipeline.run(nodes=[TextNode(text=LONG)], show_progress=False)
    assert states(capsys.readouterr().err) == []
