"""The layers hold, and the contract that keeps adapters off private core modules bites.

``make lint`` runs ``lint-imports`` on the real tree; these tests read the same graph,
run the project's contracts on it, and check that adding one forbidden import breaks
the right contract (so the check cannot pass by checking nothing).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter import configuration
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.independence import IndependenceContract

from tests.import_contracts import PublicModulesContract, is_private

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
TYPES: dict[str, type[Any]] = {
    "forbidden": ForbiddenContract,
    "independence": IndependenceContract,
    "public_modules": PublicModulesContract,
}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    configuration.configure()  # what the lint-imports command sets up first
    return grimp.build_graph(*CONFIG["root_packages"], include_external_packages=True)


@contextmanager
def one_more_import(graph: grimp.ImportGraph, importer: str, imported: str) -> Iterator[None]:
    """`graph` with one import added for the block (the graph is shared and not copyable)."""
    assert not graph.direct_import_exists(importer=importer, imported=imported)
    graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    try:
        yield
    finally:
        graph.remove_import(importer=importer, imported=imported)


def _contract(name: str) -> Any:
    options = next(c for c in CONFIG["contracts"] if c["name"] == name)
    words = {k: v for k, v in options.items() if k not in ("name", "type")}
    return TYPES[options["type"]](name=name, session_options=CONFIG, contract_options=words)


def _kept(name: str, graph: grimp.ImportGraph) -> bool:
    return bool(_contract(name).check(graph, verbose=False).kept)


ADAPTERS_PUBLIC = "Adapters import only solar_api's public modules"
CORE_ALONE = "The core imports no adapter and no framework"
CLIENTS = "The clients know nothing of the Connection that builds them"


def test_every_contract_is_kept_on_the_tree(graph: grimp.ImportGraph) -> None:
    broken = [c["name"] for c in CONFIG["contracts"] if not _kept(c["name"], graph)]
    assert broken == []


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("langchain_solar.chat_models", "solar_api._words"),
        ("llama_index_solar.llms", "solar_api.providers._defaults"),
        ("langchain_solar.summarizer", "solar_api.tasks._progress"),
    ],
)
def test_an_adapter_importing_a_private_module_breaks_the_contract(
    graph: grimp.ImportGraph, importer: str, imported: str
) -> None:
    with one_more_import(graph, importer, imported):
        check = _contract(ADAPTERS_PUBLIC).check(graph, verbose=False)
    assert not check.kept
    assert [(b["importer"], b["imported"]) for b in check.metadata["broken"]] == [
        (importer, imported)
    ]


def test_the_public_integration_layer_is_allowed(graph: grimp.ImportGraph) -> None:
    # The adapters do import it, and it imports private modules itself: indirect is fine.
    assert "solar_api.integration" in graph.find_modules_directly_imported_by(
        "langchain_solar.chat_models"
    )
    assert _kept(ADAPTERS_PUBLIC, graph)


@pytest.mark.parametrize(
    ("name", "importer", "imported"),
    [
        (CORE_ALONE, "solar_api.client", "langchain_core"),
        (CORE_ALONE, "solar_api.types", "langchain_solar.chat_models"),
        (CLIENTS, "solar_api._base_client", "solar_api.connection"),
    ],
)
def test_the_other_arrows_bite_too(
    graph: grimp.ImportGraph, name: str, importer: str, imported: str
) -> None:
    with one_more_import(graph, importer, imported):
        assert not _kept(name, graph)
    assert _kept(name, graph)


def test_private_means_any_part_with_an_underscore() -> None:
    assert is_private("solar_api._words", "solar_api")
    assert is_private("solar_api.providers._defaults", "solar_api")
    assert not is_private("solar_api.integration", "solar_api")
    assert not is_private("solar_api", "solar_api")
    assert not is_private("solar_apix._y", "solar_api")
