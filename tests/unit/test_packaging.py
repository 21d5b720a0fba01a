"""Import isolation and the typed public API."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest


@pytest.mark.slow  # a fresh interpreter per case
@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("solar_api", ("langchain_core", "llama_index")),
        ("langchain_solar", ("llama_index",)),
        ("llama_index_solar", ("langchain_core",)),
    ],
)
def test_import_does_not_pull_the_other_framework(module: str, forbidden: tuple[str, ...]) -> None:
    code = (
        f"import sys, {module}\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {forbidden!r}]\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("package", ["solar_api", "langchain_solar", "llama_index_solar"])
def test_packages_are_typed(package: str) -> None:
    assert resources.files(package).joinpath("py.typed").is_file()


@pytest.mark.slow  # a fresh interpreter per case
@pytest.mark.parametrize(
    ("module", "not_yet"),
    [
        # Heavy optional pieces are imported on first use (the import targets in bench/).
        (
            "solar_api",
            ("asyncio", "solar_api.async_client", "solar_api.tasks.summarize", "aiohttp"),
        ),
        ("langchain_solar", ("langchain_solar.llms", "langchain_solar.summarizer", "yaml")),
        ("llama_index_solar", ("llama_index_solar.components", "llama_index_solar.embeddings")),
    ],
)
def test_optional_pieces_are_imported_when_first_used(
    module: str, not_yet: tuple[str, ...]
) -> None:
    code = (
        f"import sys, {module}\n"
        f"early = [m for m in {not_yet!r} if m in sys.modules]\n"
        "print(early); sys.exit(1 if early else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_lazy_names_resolve_and_unknown_names_fail() -> None:
    import langchain_solar
    import llama_index_solar
    import solar_api
    from langchain_solar.llms import SolarLLM
    from llama_index_solar.components import SolarToolSpec
    from solar_api.async_client import AsyncSolarClient

    assert langchain_solar.SolarLLM is SolarLLM
    assert llama_index_solar.SolarToolSpec is SolarToolSpec
    assert solar_api.AsyncSolarClient is AsyncSolarClient
    for package in (langchain_solar, llama_index_solar, solar_api):
        for name in package.__all__:
            assert getattr(package, name) is not None, name
        with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
            package.Nope  # noqa: B018


def test_the_python_floor_is_the_one_that_is_checked() -> None:
    # mypy and ruff check the code for the oldest Python it claims (issue 27: it claimed
    # 3.10 and used typing.Self); the classifiers and the interpreter say the same.
    config = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    floor = re.fullmatch(r">=3\.(\d+)", config["project"]["requires-python"])
    assert floor, config["project"]["requires-python"]
    minor = int(floor.group(1))
    assert config["tool"]["mypy"]["python_version"] == f"3.{minor}"
    assert config["tool"]["ruff"]["target-version"] == f"py3{minor}"
    versions = [c for c in config["project"]["classifiers"] if re.search(r":: 3\.\d+$", c)]
    assert versions and versions[0].endswith(f":: 3.{minor}")
    assert sys.version_info >= (3, minor)
