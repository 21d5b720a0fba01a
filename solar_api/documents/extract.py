"""Upstage Information Extraction: a document and a schema in, the validated object out.

The API (console.upstage.ai/docs/capabilities/extract/universal-extraction) is a chat
completion at ``POST {v1}/information-extraction``: the document goes in the user
message as an ``image_url`` part (a base64 data URL, or an http(s) URL), the wanted
output as a JSON schema in ``response_format``
(``{"type": "json_schema", "json_schema": {"name": ..., "schema": ...}}``), and the
answer's message content is the JSON. Its published limit is 1 request/s per
organization (sync); pass a ``rate_limiter=`` to the client to stay under it.

Example::

    from pydantic import BaseModel
    from solar_api import SolarClient
    from solar_api.documents import extract_information

    class Invoice(BaseModel):
        vendor: str
        total: float

    with SolarClient() as client:
        invoice = extract_information(client, "invoice.pdf", Invoice)
        print(invoice.total)
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

import httpx
from pydantic import BaseModel, ValidationError

from .._base_client import BaseClient
from .._validation import first_error
from ..errors import APIResponseValidationError
from ..types import ChatCompletion
from . import _http
from ._input import DocumentInput, source_document

if TYPE_CHECKING:
    from ..async_client import AsyncSolarClient
    from ..client import SolarClient

__all__ = [
    "DEFAULT_EXTRACTION_MODEL",
    "aextract_information",
    "extract_information",
    "extraction_request",
]

M = TypeVar("M", bound=BaseModel)
Schema = type[BaseModel] | Mapping[str, Any]

DEFAULT_EXTRACTION_MODEL = "information-extract"


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its ``$ref``s to ``$defs`` written out (pydantic's nested models),
    for a server that may not resolve references."""
    defs = schema.get("$defs") or schema.get("definitions") or {}

    def walk(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(("#/$defs/", "#/definitions/")):
                name = ref.rsplit("/", 1)[1]
                if name in seen or name not in defs:
                    raise ValueError(f"schema: a recursive or unknown reference {ref!r}")
                merged = {**defs[name], **{k: v for k, v in node.items() if k != "$ref"}}
                return walk(merged, (*seen, name))
            return {k: walk(v, seen) for k, v in node.items() if k not in ("$defs", "definitions")}
        if isinstance(node, list):
            return [walk(v, seen) for v in node]
        return node

    inlined: dict[str, Any] = walk(copy.deepcopy(schema), ())
    return inlined


def _schema_of(schema: Schema) -> tuple[str, dict[str, Any]]:
    """The schema's name and JSON schema (a pydantic model's, or the mapping given)."""
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema.__name__, _inline_refs(schema.model_json_schema())
    if not isinstance(schema, Mapping):
        raise TypeError(
            f"schema: got {type(schema).__name__}; expected a pydantic model class or a "
            "JSON schema (a dict)"
        )
    given = dict(schema)
    # Also taken: a whole response_format, or its json_schema part.
    if given.get("type") == "json_schema" and isinstance(given.get("json_schema"), Mapping):
        given = dict(given["json_schema"])
    if "schema" in given and isinstance(given["schema"], Mapping):
        name = str(given.get("name") or "extraction")
        return name, _inline_refs(dict(given["schema"]))
    name = str(given.get("title") or "extraction")
    return name, _inline_refs(given)


def _name(text: str) -> str:
    # OpenAI-style schema names: letters, digits, _ and -, at most 64.
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)[:64] or "extraction"


def extraction_request(
    document: DocumentInput,
    schema: Schema,
    *,
    model: str = DEFAULT_EXTRACTION_MODEL,
    filename: str | None = None,
    extra_body: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The request body: the document (a path, bytes, a file, or an http(s) URL) as the
    user message's ``image_url`` part, the schema as ``response_format``."""
    if isinstance(document, str) and document.startswith(("http://", "https://")):
        url = document
    else:
        url = source_document(document, filename).data_url()
    name, json_schema = _schema_of(schema)
    body: dict[str, Any] = {
        "model": model,
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": _name(name), "schema": json_schema},
        },
    }
    for key, value in (extra_body or {}).items():
        if key in body:
            raise ValueError(f"extra_body: {key!r} is set by the request itself")
        body[key] = value
    return body


def _prepared(
    base_url: str,
    document: DocumentInput,
    schema: Schema,
    model: str,
    filename: str | None,
    extra_body: Mapping[str, Any] | None,
) -> tuple[str, dict[str, Any]]:
    """The URL and body of an extraction request on a client of `base_url`."""
    body = extraction_request(
        document, schema, model=model, filename=filename, extra_body=extra_body
    )
    return _http.documents_root(base_url) + "/information-extraction", body


def _result(response: httpx.Response, schema: Schema) -> Any:
    completion = BaseClient._parse(ChatCompletion, response)
    content = completion.choices[0].message.content
    text = content if isinstance(content, str) else ""
    try:
        data = json.loads(text)
    except ValueError:
        raise APIResponseValidationError(
            "The extraction's answer is not JSON", body=text[:500], response=response
        ) from None
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        try:
            return schema.model_validate(data)
        except ValidationError as exc:
            raise APIResponseValidationError(
                f"The extraction's answer is not a valid {schema.__name__} ({first_error(exc)})",
                body=text[:500],
                response=response,
            ) from None
    return data


@overload
def extract_information(
    client: SolarClient,
    document: DocumentInput,
    schema: type[M],
    *,
    model: str = ...,
    filename: str | None = ...,
    extra_body: Mapping[str, Any] | None = ...,
) -> M: ...
@overload
def extract_information(
    client: SolarClient,
    document: DocumentInput,
    schema: Mapping[str, Any],
    *,
    model: str = ...,
    filename: str | None = ...,
    extra_body: Mapping[str, Any] | None = ...,
) -> Any: ...
def extract_information(
    client: SolarClient,
    document: DocumentInput,
    schema: Schema,
    *,
    model: str = DEFAULT_EXTRACTION_MODEL,
    filename: str | None = None,
    extra_body: Mapping[str, Any] | None = None,
) -> Any:
    """The information `schema` asks for, read from `document`: an instance of the
    pydantic model, or the JSON (a dict) for a JSON schema. An answer that is not such
    JSON is an `APIResponseValidationError`. ``extra_body`` adds request fields (the
    API's ``confidence``, ``chunking``...)."""
    url, body = _prepared(client.base_url, document, schema, model, filename, extra_body)
    return _result(_http.send(client, "POST", url, body=body), schema)


@overload
async def aextract_information(
    client: AsyncSolarClient,
    document: DocumentInput,
    schema: type[M],
    *,
    model: str = ...,
    filename: str | None = ...,
    extra_body: Mapping[str, Any] | None = ...,
) -> M: ...
@overload
async def aextract_information(
    client: AsyncSolarClient,
    document: DocumentInput,
    schema: Mapping[str, Any],
    *,
    model: str = ...,
    filename: str | None = ...,
    extra_body: Mapping[str, Any] | None = ...,
) -> Any: ...
async def aextract_information(
    client: AsyncSolarClient,
    document: DocumentInput,
    schema: Schema,
    *,
    model: str = DEFAULT_EXTRACTION_MODEL,
    filename: str | None = None,
    extra_body: Mapping[str, Any] | None = None,
) -> Any:
    """`extract_information`, awaited, on an `AsyncSolarClient`."""
    # Reading and encoding the file: off the event loop.
    url, body = await asyncio.to_thread(
        _prepared, client.base_url, document, schema, model, filename, extra_body
    )
    return _result(await _http.asend(client, "POST", url, body=body), schema)
