"""Every file a comment, docstring or document names exists (issue 27 found 18 that did not).

A name like ``_downgrade.py`` or ``solar_api/tasks/_progress.py`` in a ``.py`` file, the
README, a pyproject comment or the Makefile must be a file of this repository; names of
files other projects or the tests write at run time are listed below with their reason.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Folders that are not the project's: environments and caches.
SKIP = {".git", ".venv", "build", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"}
SKIP_PREFIXES = ("bench/.venv", "bench/.compare-deps")
# The project's files that are not read for names: outputs, fixtures, this file.
NOT_READ = ("bench/results/", "tests/fixtures/", "tests/unit/test_references.py")
NAME = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w-]+\.(?:py|toml|md|txt|ipynb|cfg|ya?ml|sh))\b")
# Written at run time or belonging to another project: never a file of this repository.
ELSEWHERE = {
    "config.yaml": "LiteLLM's proxy config, written by tests/integration/peers/servers.py",
    "smoke.md": "the bench smoke test's output, in a temporary folder",
    "probe.py": "a module test_user_typing.py writes for mypy to check",
    "document_parse_parsers.py": "langchain-upstage's source, cited as where a fact is from",
    "../shared/notes/peers.md": "the team's notes, outside the repository",
    "_client.py": "httpx's source, named as a model to imitate",
    "_models.py": "httpx's source, named as a model to imitate",
}


def _tree(root: Path) -> list[str]:
    """Every file under `root` (relative, posix), environments and caches left out."""
    found = []
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root).as_posix()
        dirs[:] = [
            d
            for d in dirs
            if d not in SKIP and not f"{rel}/{d}".removeprefix("./").startswith(SKIP_PREFIXES)
        ]
        found += [f"{rel}/{f}".removeprefix("./") for f in files]
    return found


def missing_references(root: Path) -> list[str]:
    """``file:line: name`` for each named file that is not in the tree at `root`."""
    paths = set(_tree(root))
    names = {Path(p).name for p in paths}
    missing = []
    for rel in sorted(paths):
        if not (rel.endswith((".py", ".md", ".toml")) or Path(rel).name == "Makefile"):
            continue
        if rel.startswith(NOT_READ):
            continue
        text = (root / rel).read_text(errors="ignore")
        for n, line in enumerate(text.splitlines(), 1):
            for ref in NAME.findall(line):
                if ref in ELSEWHERE or ref in paths:
                    continue
                if "/" not in ref and ref in names:
                    continue
                if "/" in ref and any(p.endswith("/" + ref) for p in paths):
                    continue
                missing.append(f"{rel}:{n}: {ref}")
    return missing


def test_every_named_file_exists() -> None:
    assert missing_references(ROOT) == []


def test_a_name_without_its_file_is_found(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "real.py").write_text("# see pkg/real.py and real.py\n")
    (tmp_path / "README.md").write_text("Read `pkg/gone.py` and old.toml.\n")
    assert missing_references(tmp_path) == ["README.md:1: pkg/gone.py", "README.md:1: old.toml"]
