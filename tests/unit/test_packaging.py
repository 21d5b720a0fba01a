"""Import isolation and the typed public API."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

import pytest


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
