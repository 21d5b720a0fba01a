"""`mypy --strict` without the pydantic plugin on users' scripts: the README's quickstarts
(issue 17 item 7), and every constructor word by its alternate names with the key read
back (issue 25 item 5): the constructors' names and types are what users write."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from solar_api._words import accepted_words

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "typing"
SCRIPT = FIXTURES / "readme_quickstarts.py"
ALIASES = FIXTURES / "constructor_aliases.py"


def _mypy_strict(scripts: list[Path], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n")  # no plugins: what an IDE or a plain mypy run sees
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(config),
            "--cache-dir",
            str(tmp_path / "cache"),
            # Errors inside the packages are lint's business (with the plugin); only the
            # user's script is judged here, as with an installed wheel.
            "--follow-imports=silent",
            *map(str, scripts),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )


@pytest.mark.slow  # a mypy run in a subprocess
def test_user_scripts_pass_mypy_strict_without_the_pydantic_plugin(tmp_path: Path) -> None:
    # One run for both scripts (mypy's start-up dominates).
    result = _mypy_strict([SCRIPT, ALIASES], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout


@pytest.mark.slow  # a mypy run in a subprocess
def test_the_types_users_see_are_not_any(tmp_path: Path) -> None:
    # The alternate names keep their fields' types, and the key reads as a SecretStr.
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from langchain_solar import ChatSolar\n"
        "llm = ChatSolar(request_timeout='30', upstage_api_key=1, stop_sequences='END')\n"
        "reveal_type(llm.api_key)\n"
        "llm.request_timeout\n"
    )
    out = _mypy_strict([probe], tmp_path).stdout
    assert 'Argument "request_timeout" to "ChatSolar" has incompatible type "str"' in out
    assert 'Argument "upstage_api_key" to "ChatSolar" has incompatible type "int"' in out
    assert 'Argument "stop_sequences" to "ChatSolar" has incompatible type "str"' in out
    assert 'Revealed type is "pydantic.types.SecretStr | None"' in out
    # An alternate name is a constructor word only, as at run time.
    assert '"ChatSolar" has no attribute "request_timeout"' in out


def _classes() -> dict[str, type]:
    from langchain_solar import (
        ChatSolar,
        SolarEmbeddings,
        SolarLLM,
        SolarSummarizer,
        SolarTranslator,
    )
    from llama_index_solar import Solar, SolarEmbedding

    return {
        c.__name__: c
        for c in (
            ChatSolar,
            SolarLLM,
            SolarEmbeddings,
            SolarSummarizer,
            SolarTranslator,
            Solar,
            SolarEmbedding,
        )
    }


# Accepted by a before-validator rather than a field's aliases.
_ALSO_ACCEPTED = {"Solar": {"model_kwargs"}}


@pytest.mark.parametrize("name", sorted(_classes()))
def test_the_alias_script_names_every_alternate_word(name: str) -> None:
    cls = _classes()[name]
    fields = cls.model_fields  # type: ignore[attr-defined]
    alternates = accepted_words(fields) - set(fields) | _ALSO_ACCEPTED.get(name, set())
    given: set[str] = set()
    for node in ast.walk(ast.parse(ALIASES.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
            given.update(k.arg for k in node.keywords if k.arg)
    assert alternates, name
    assert alternates <= given, f"{name}: not in {ALIASES.name}: {sorted(alternates - given)}"
