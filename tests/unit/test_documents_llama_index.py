"""LlamaIndex's Document Parse reader (also as a SimpleDirectoryReader file extractor)
and SolarToolSpec's Information Extraction, against the rule-based fake
(tests/upstage_documents_fake.py) with real files."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from llama_index.core import SimpleDirectoryReader
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import Document, MetadataMode

from llama_index_solar import SolarDocumentParseReader, SolarToolSpec
from solar_api.documents import Polling
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
def folder(tmp_path: Path) -> Path:
    (tmp_path / "short.pdf").write_bytes(make_pdf(2))
    (tmp_path / "long.pdf").write_bytes(make_pdf(105))
    (tmp_path / "scan.png").write_bytes(make_png())
    return tmp_path


def test_load_data_split_element_metadata(folder: Path) -> None:
    fake = UpstageDocumentsFake()
    reader = SolarDocumentParseReader(split="element", output_format="text", **words(fake))
    docs = reader.load_data(folder / "short.pdf", extra_info={"team": "finance"})
    assert [d.text for d in docs] == ["Page 1", "Text of page 1.", "Page 2", "Text of page 2."]
    meta = docs[0].metadata
    assert meta["team"] == "finance" and meta["source"] == str(folder / "short.pdf")
    assert (meta["id"], meta["page"], meta["category"]) == (0, 1, "heading1")
    assert len(meta["coordinates"]) == 4
    # Layout data stays out of what is embedded and shown to the model.
    assert "coordinates" not in docs[0].get_content(MetadataMode.EMBED)
    assert "category: heading1" in docs[0].get_content(MetadataMode.LLM)


def test_long_document_pages_in_order_and_chunked(folder: Path) -> None:
    fake = UpstageDocumentsFake()
    reader = SolarDocumentParseReader(split="page", output_format="markdown", **words(fake))
    docs = reader.load_data(folder / "long.pdf")
    assert [d.metadata["page"] for d in docs] == list(range(1, 106))
    assert fake.paths[0] == "/v1/document-digitization/async"
    # A small chunk size still fits: the coordinates are not counted as metadata text.
    nodes = SentenceSplitter(chunk_size=64, chunk_overlap=0).get_nodes_from_documents(docs)
    assert len(nodes) == 105


def test_simple_directory_reader_file_extractor(folder: Path) -> None:
    fake = UpstageDocumentsFake()
    reader = SolarDocumentParseReader(**words(fake))
    docs = SimpleDirectoryReader(
        str(folder), file_extractor={".pdf": reader, ".png": reader}
    ).load_data()
    by_name = {d.metadata["file_name"]: d for d in docs}
    assert set(by_name) == {"short.pdf", "long.pdf", "scan.png"}
    assert by_name["long.pdf"].metadata["total_pages"] == 105
    assert by_name["scan.png"].text == "<p id='0'>Scanned text</p>"
    assert by_name["short.pdf"].metadata["file_path"] == by_name["short.pdf"].metadata["source"]


def test_simple_directory_reader_async(folder: Path) -> None:
    fake = UpstageDocumentsFake()
    reader = SolarDocumentParseReader(split="page", **words(fake))

    async def main() -> list[Document]:
        return await SimpleDirectoryReader(
            str(folder), file_extractor={".pdf": reader, ".png": reader}
        ).aload_data()

    docs = asyncio.run(main())
    assert len(docs) == 2 + 105 + 1


def test_llama_index_reader_words_are_taken(folder: Path) -> None:
    fake = UpstageDocumentsFake()
    # UpstageDocumentParseReader's parameters (its old endpoint URL as base_url too).
    reader = SolarDocumentParseReader(
        api_key=KEY,
        base_url="https://api.upstage.ai/v1/document-ai/document-parse",
        model="document-parse",
        split="page",
        ocr="force",
        output_format="text",
        coordinates=False,
        base64_encoding=["paragraph"],
        http_client=fake.sync_client(),
    )
    docs = reader.load_data([folder / "short.pdf", folder / "scan.png"])
    assert str(fake.requests[0].url) == "https://api.upstage.ai/v1/document-digitization"
    fields = _multipart(fake.requests[0])[0]
    assert (fields["ocr"], fields["coordinates"]) == ("force", "false")
    assert docs[0].metadata["base64_encodings"] and "coordinates" not in docs[0].metadata
    with pytest.raises(ValueError, match="SolarDocumentParseReader: unexpected"):
        SolarDocumentParseReader(api_key=KEY, splt="page")


# -- SolarToolSpec ---------------------------------------------------------------------------


def test_tool_spec_extraction_is_opt_in(folder: Path) -> None:
    fake = UpstageDocumentsFake()
    plain = {t.metadata.name for t in SolarToolSpec(api_key=KEY).to_tool_list()}
    assert "extract_information" not in plain
    schema = {"type": "object", "properties": {"title": {"type": "string"}}}
    spec = SolarToolSpec(extraction_schema=schema, api_key=KEY, http_client=fake.sync_client())
    tools = {t.metadata.name: t for t in spec.to_tool_list()}
    assert set(tools) == plain | {"extract_information"}
    out = tools["extract_information"].call(document=str(folder / "short.pdf"))
    assert json.loads(str(out)) == {"title": "title of the document"}
    assert "Extract structured information" in tools["extract_information"].metadata.description

    other = {"type": "object", "properties": {"pages": {"type": "integer"}}}
    spec = SolarToolSpec(information_extraction=True, api_key=KEY, http_client=fake.sync_client())
    tool = {t.metadata.name: t for t in spec.to_tool_list()}["extract_information"]
    assert json.loads(str(tool.call(document=str(folder / "long.pdf"), json_schema=other))) == {
        "pages": 105
    }
