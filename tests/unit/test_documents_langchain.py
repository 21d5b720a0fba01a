"""LangChain's Document Parse loader and blob parser, and the Information Extraction tool,
against the rule-based fake (tests/upstage_documents_fake.py) with real files."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.document_loaders import Blob
from langchain_core.documents import Document
from langchain_core.tools import ToolException
from pydantic import BaseModel

from langchain_solar import (
    SolarDocumentParseLoader,
    SolarDocumentParseParser,
    SolarInformationExtractionTool,
)
from solar_api.documents import BatchFailedError, Polling
from tests.upstage_documents_fake import KEY, UpstageDocumentsFake, _multipart, make_pdf, make_png

FAST = Polling(initial=0.01, max_interval=0.05, timeout=30)


def words(fake: UpstageDocumentsFake, **more: Any) -> dict[str, Any]:
    return {
        "api_key": KEY,
        "http_client": fake.sync_client(),
        "http_async_client": fake.async_client(),
        "polling": FAST,
        **more,
    }


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {
        "short": tmp_path / "short.pdf",
        "long": tmp_path / "long.pdf",
        "scan": tmp_path / "scan.png",
    }
    out["short"].write_bytes(make_pdf(3))
    out["long"].write_bytes(make_pdf(101))
    out["scan"].write_bytes(make_png())
    return out


def test_split_none_is_one_document_per_file(files: dict[str, Path]) -> None:
    fake = UpstageDocumentsFake()
    loader = SolarDocumentParseLoader(files["short"], output_format="text", **words(fake))
    (doc,) = loader.load()
    assert doc.page_content.splitlines() == [
        "Page 1",
        "Text of page 1.",
        "Page 2",
        "Text of page 2.",
        "Page 3",
        "Text of page 3.",
    ]
    assert doc.metadata["total_pages"] == 3
    assert doc.metadata["source"] == str(files["short"])
    assert len(doc.metadata["coordinates"]) == 6
    assert "base64_encodings" not in doc.metadata


def test_split_page_over_the_async_api_in_page_order(files: dict[str, Path]) -> None:
    fake = UpstageDocumentsFake()
    loader = SolarDocumentParseLoader(
        files["long"], split="page", output_format="markdown", coordinates=False, **words(fake)
    )
    docs = loader.load()
    assert [d.metadata["page"] for d in docs] == list(range(1, 102))
    assert docs[0].page_content == "# Page 1\n\nText of page 1."
    assert docs[100].metadata == {"page": 101, "source": str(files["long"])}
    assert fake.paths[0] == "/v1/document-digitization/async"  # one request, not 11
    assert _multipart(fake.requests[0])[0]["output_formats"] == "['markdown']"


def test_split_element_metadata(files: dict[str, Path]) -> None:
    fake = UpstageDocumentsFake()
    loader = SolarDocumentParseLoader(
        [files["short"], str(files["scan"])],
        split="element",
        base64_encoding=["heading1"],
        **words(fake),
    )
    docs = loader.load()
    assert len(docs) == 7
    first = docs[0]
    assert first.page_content == "<h1 id='0'>Page 1</h1>"
    assert set(first.metadata) == {
        "id",
        "page",
        "category",
        "coordinates",
        "base64_encoding",
        "source",
    }
    assert (first.metadata["id"], first.metadata["page"], first.metadata["category"]) == (
        0,
        1,
        "heading1",
    )
    assert first.metadata["coordinates"][0] == {"x": 0.1, "y": 0.1}
    assert "base64_encoding" not in docs[1].metadata  # a paragraph: not asked for
    assert docs[-1].metadata["source"] == str(files["scan"])
    assert _multipart(fake.requests[0])[0]["base64_encoding"] == "['heading1']"


def test_lazy_load_hands_out_pages_before_the_document_is_downloaded(
    files: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / "big.pdf"
    path.write_bytes(make_pdf(400))
    fake = UpstageDocumentsFake(download_delay=0.005)
    loader = SolarDocumentParseLoader(path, split="page", **words(fake, max_concurrency=1))
    pages = loader.lazy_load()
    first = next(pages)
    assert first.metadata["page"] == 1
    assert len(fake.downloads) <= 4 < 40  # only the window ahead, not all 40 batches
    pages.close()  # type: ignore[attr-defined]


def test_alazy_load_uses_the_async_client(files: dict[str, Path]) -> None:
    fake = UpstageDocumentsFake()

    def no_sync(request: httpx.Request) -> httpx.Response:
        raise AssertionError("the sync client was used")

    loader = SolarDocumentParseLoader(
        [files["short"], files["long"]],
        split="page",
        **{**words(fake), "http_client": httpx.Client(transport=httpx.MockTransport(no_sync))},
    )

    async def main() -> list[Document]:
        return await loader.aload()

    docs = asyncio.run(main())
    assert [d.metadata["page"] for d in docs] == [1, 2, 3, *range(1, 102)]


def test_blob_parser_takes_paths_and_bytes(files: dict[str, Path]) -> None:
    fake = UpstageDocumentsFake()
    parser = SolarDocumentParseParser(split="page", output_format="text", **words(fake))
    from_path = list(parser.lazy_parse(Blob.from_path(files["short"])))
    from_data = list(parser.lazy_parse(Blob.from_data(make_png(), path="receipt.png")))
    assert [d.metadata["page"] for d in from_path] == [1, 2, 3]
    assert from_data[0].page_content == "Scanned text"
    assert from_data[0].metadata["source"] == "receipt.png"
    assert _multipart(fake.requests[-1])[1]["document"][0] == "receipt.png"


def test_langchain_upstage_words_switch_by_a_rename(files: dict[str, Path]) -> None:
    fake = UpstageDocumentsFake()
    # UpstageDocumentParseLoader's parameters, its full endpoint URL as base_url included.
    loader = SolarDocumentParseLoader(
        file_path=str(files["short"]),
        split="element",
        api_key=KEY,
        base_url="https://api.upstage.ai/v1/document-digitization",
        model="document-parse",
        chart_recognition=True,
        ocr="force",
        output_format="text",
        coordinates=True,
        base64_encoding=["table"],
        http_client=fake.sync_client(),
    )
    assert len(loader.load()) == 6
    assert str(fake.requests[0].url) == "https://api.upstage.ai/v1/document-digitization"
    merged = loader.merge_and_split(loader.load())
    assert merged[0].metadata["page"] == [1, 1, 2, 2, 3, 3]


def test_constructor_checks(files: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"missing\.pdf"):
        SolarDocumentParseLoader(tmp_path / "missing.pdf", api_key=KEY)
    with pytest.raises(ValueError, match="SolarDocumentParseLoader: unexpected") as caught:
        SolarDocumentParseLoader(files["short"], api_key=KEY, output_fromat="text")
    assert "output_format" in str(caught.value) and "base_url" in str(caught.value)
    with pytest.raises(ValueError, match="split"):
        SolarDocumentParseLoader(files["short"], split="chapter", api_key=KEY)  # type: ignore[arg-type]


def test_a_failed_batch_reaches_the_loader(files: dict[str, Path]) -> None:
    fake = UpstageDocumentsFake(failed_batches={10})
    loader = SolarDocumentParseLoader(files["long"], split="page", **words(fake))
    with pytest.raises(BatchFailedError, match="pages 101-101"):
        loader.load()


# -- Information Extraction tool ------------------------------------------------------------


class Receipt(BaseModel):
    merchant: str
    items: int


def test_extraction_tool_with_its_own_schema(files: dict[str, Path]) -> None:
    fake = UpstageDocumentsFake()
    tool = SolarInformationExtractionTool(
        extraction_schema=Receipt, api_key=KEY, http_client=fake.sync_client()
    )
    out = tool.invoke({"document": str(files["short"])})
    assert json.loads(out) == {"merchant": "merchant of the document", "items": 3}
    assert fake.paths == ["/v1/information-extraction"]


def test_extraction_tool_errors_go_back_to_the_agent(files: dict[str, Path]) -> None:
    fake = UpstageDocumentsFake()
    tool = SolarInformationExtractionTool(api_key=KEY, http_client=fake.sync_client())
    assert "json_schema: required" in tool.invoke({"document": str(files["short"])})
    missing = tool.invoke({"document": "/nowhere/x.pdf", "json_schema": {"type": "object"}})
    assert "no such file" in missing
    assert fake.requests == []
    tool.handle_tool_error = False
    with pytest.raises(ToolException):
        tool.invoke({"document": "/nowhere/x.pdf", "json_schema": {"type": "object"}})


def test_extraction_tool_async_with_a_schema_from_the_agent(files: dict[str, Path]) -> None:
    fake = UpstageDocumentsFake()
    tool = SolarInformationExtractionTool(api_key=KEY, http_async_client=fake.async_client())
    schema = {"type": "object", "properties": {"total": {"type": "number"}}}

    async def main() -> str:
        return await tool.ainvoke({"document": str(files["scan"]), "json_schema": schema})

    assert json.loads(asyncio.run(main())) == {"total": 1.0}
